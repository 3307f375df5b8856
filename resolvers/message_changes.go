package resolvers

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/privacy"
)

// Edit, unsend, delete-for-me and reactions, and the messageChanged stream that carries them.

// DefaultEditWindow is how long after sending a message its sender may edit or unsend it.
const DefaultEditWindow = 15 * time.Minute

// DefaultReactions are the emoji one may react with unless configured otherwise.
var DefaultReactions = []string{"👍", "❤️", "😂", "😮", "😢", "🙏"}

func (r *Resolver) editWindow() time.Duration {
	if r.EditWindow > 0 {
		return r.EditWindow
	}
	return DefaultEditWindow
}

func (r *Resolver) reactions() []string {
	if len(r.Reactions) > 0 {
		return r.Reactions
	}
	return DefaultReactions
}

func (r *mutationResolver) EditMessage(ctx context.Context, id string, body string) (*db.Message, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	mid, err := parseIntID("id", "Message", id)
	if err != nil {
		return nil, err
	}
	in := db.SendInput{Type: db.TypeText, Body: body} // the bounds of a send
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return r.Store.EditMessage(ctx, v, mid, in.Body, r.editWindow())
}

func (r *mutationResolver) UnsendMessage(ctx context.Context, id string) (*db.Message, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	mid, err := parseIntID("id", "Message", id)
	if err != nil {
		return nil, err
	}
	m, keys, err := r.Store.UnsendMessage(ctx, v, mid, r.editWindow())
	if err != nil {
		return nil, err
	}
	// Files go after the commit; what fails here stays queued for the privacy worker.
	privacy.DeleteBlobs(context.WithoutCancel(ctx), r.Store, r.Files, keys)
	return m, nil
}

func (r *mutationResolver) DeleteMessageForMe(ctx context.Context, id string) (bool, error) {
	v, err := viewer(ctx)
	if err != nil {
		return false, err
	}
	mid, err := parseIntID("id", "Message", id)
	if err != nil {
		return false, err
	}
	return true, r.Store.HideMessage(ctx, v, mid)
}

func (r *mutationResolver) AddReaction(ctx context.Context, messageID string, emoji string) (*db.Message, error) {
	return r.react(ctx, messageID, emoji, true)
}

func (r *mutationResolver) RemoveReaction(ctx context.Context, messageID string, emoji string) (*db.Message, error) {
	return r.react(ctx, messageID, emoji, false)
}

func (r *mutationResolver) react(ctx context.Context, messageID, emoji string, add bool) (*db.Message, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	mid, err := parseIntID("messageId", "Message", messageID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(r.reactions(), emoji) {
		return nil, db.Invalid("emoji", "must be one of %s", strings.Join(r.reactions(), " "))
	}
	return r.Store.React(ctx, v, mid, emoji, add)
}

func (r *queryResolver) ReactionEmoji(context.Context) ([]string, error) { return r.reactions(), nil }

// Message fields

func (r *messageResolver) Edits(ctx context.Context, m *db.Message) ([]*db.MessageEdit, error) {
	if m.UnsentAt != nil || m.RemovedAt != nil || m.EditedAt == nil {
		return []*db.MessageEdit{}, nil
	}
	return loadList(ctx, r.loaders(ctx).edits, m.ID)
}

func (r *messageResolver) Reactions(ctx context.Context, m *db.Message) ([]*db.ReactionCount, error) {
	rs, err := loadList(ctx, r.loaders(ctx).reactions, m.ID)
	if err != nil {
		return nil, err
	}
	order := r.reactions()
	rank := func(e string) int {
		if i := slices.Index(order, e); i >= 0 {
			return i
		}
		return len(order) // no longer configured: last
	}
	slices.SortFunc(rs, func(a, b *db.ReactionCount) int { return rank(a.Emoji) - rank(b.Emoji) })
	return rs, nil
}

// The messageChanged stream

type messageChangeResolver struct{ *Resolver }

func (r *Resolver) MessageChange() graph.MessageChangeResolver { return &messageChangeResolver{r} }

func (r *messageChangeResolver) Cursor(_ context.Context, c *db.MessageChange) (string, error) {
	return changeCursor(c.ID), nil
}

func (r *messageChangeResolver) Kind(_ context.Context, c *db.MessageChange) (graph.MessageChangeKind, error) {
	return graph.MessageChangeKind(strings.ToUpper(c.Kind)), nil
}

func (r *subscriptionResolver) MessageChanged(ctx context.Context, conversationID *string, after *string) (<-chan *db.MessageChange, error) {
	v, cid, err := r.liveViewer(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	from, err := parseChangeCursor("after", after)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Changes(ctx, v, cid, from, after != nil && *after != "", streamHooks(ctx, changeCursor))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func changeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(id, 10)))
}

// parseChangeCursor reads a messageChanged cursor; "0" is the beginning.
func parseChangeCursor(field string, c *string) (int64, error) {
	if c == nil || *c == "" || *c == "0" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if key, ok := strings.CutPrefix(string(raw), "e:"); err == nil && ok {
		if n, err := strconv.ParseInt(key, 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, db.Invalid(field, "is not a messageChanged cursor")
}
