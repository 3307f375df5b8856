package resolvers

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/live"
	"github.com/parley/parley/graph"
)

// Mute and pin: per party, like archiving. Each mutation authorises through the store (a
// thread that is not the viewer's is not found) and tells the viewer's inboxes live.

func (r *mutationResolver) MuteConversation(ctx context.Context, id string, until *time.Time) (*graph.ConversationPayload, error) {
	if until != nil && !until.After(time.Now()) {
		return nil, db.Invalid("until", "must be in the future (leave it out to mute forever)")
	}
	return r.threadPref(ctx, id, func(v db.Viewer, cid int64) error { return r.Store.SetMuted(ctx, v, cid, true, until) })
}

func (r *mutationResolver) UnmuteConversation(ctx context.Context, id string) (*graph.ConversationPayload, error) {
	return r.threadPref(ctx, id, func(v db.Viewer, cid int64) error { return r.Store.SetMuted(ctx, v, cid, false, nil) })
}

func (r *mutationResolver) PinConversation(ctx context.Context, id string) (*graph.ConversationPayload, error) {
	return r.threadPref(ctx, id, func(v db.Viewer, cid int64) error { return r.Store.SetPinned(ctx, v, cid, true) })
}

func (r *mutationResolver) UnpinConversation(ctx context.Context, id string) (*graph.ConversationPayload, error) {
	return r.threadPref(ctx, id, func(v db.Viewer, cid int64) error { return r.Store.SetPinned(ctx, v, cid, false) })
}

func (r *mutationResolver) threadPref(ctx context.Context, id string, set func(db.Viewer, int64) error) (*graph.ConversationPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	cid, err := parseIntID("conversationId", "Conversation", id)
	if err != nil {
		return nil, err
	}
	if err := set(v, cid); err != nil {
		return nil, err
	}
	t, err := r.Store.Thread(ctx, v, cid)
	if err != nil {
		return nil, err
	}
	return &graph.ConversationPayload{Conversation: t}, nil
}

func (r *conversationResolver) Muted(_ context.Context, t *db.Thread) (bool, error) {
	return t.Muted(time.Now()), nil
}

func (r *conversationResolver) MutedUntil(_ context.Context, t *db.Thread) (*time.Time, error) {
	if !t.Muted(time.Now()) {
		return nil, nil
	}
	return t.MutedUntil, nil
}

// Replies: the quoted message loads through the per-request message loader.

func (r *messageResolver) ReplyTo(ctx context.Context, m *db.Message) (*db.Message, error) {
	if m.ReplyToID == nil {
		return nil, nil
	}
	q, err := optional(loadOne(ctx, r.loaders(ctx).messages, *m.ReplyToID))
	if err != nil {
		return nil, err
	}
	gone := time.Time{}
	switch {
	case q == nil: // deleted since: a removed quote
		q = &db.Message{ID: *m.ReplyToID, ConversationID: m.ConversationID, RemovedAt: &gone}
	case q.HiddenFromViewer: // the viewer deleted it for themselves: removed for them alone
		q = &db.Message{ID: q.ID, ConversationID: q.ConversationID, SenderPartyID: q.SenderPartyID,
			SenderUserID: q.SenderUserID, SenderRole: q.SenderRole, Type: q.Type, CreatedAt: q.CreatedAt, RemovedAt: &gone}
	}
	return q, nil
}

// DeliveryState is how far the viewer's own message got, from the other participants' read
// and delivery positions (the conversation's participants, through their loader).
func (r *messageResolver) DeliveryState(ctx context.Context, m *db.Message) (*graph.DeliveryState, error) {
	if !m.IsMine() {
		return nil, nil
	}
	ps, err := loadList(ctx, r.loaders(ctx).participants, m.ConversationID)
	if err != nil {
		return nil, err
	}
	state := graph.DeliveryStateSent
	if m.ReadAt != nil {
		state = graph.DeliveryStateSeen
	}
	for _, p := range ps {
		switch {
		case p.PartyID == m.SenderPartyID:
		case p.LastReadMessageID >= m.ID:
			state = graph.DeliveryStateSeen
		case p.LastDeliveredMessageID >= m.ID && state == graph.DeliveryStateSent:
			state = graph.DeliveryStateDelivered
		}
	}
	return &state, nil
}

type quotedMessageResolver struct{ *Resolver }

func (r *Resolver) QuotedMessage() graph.QuotedMessageResolver { return &quotedMessageResolver{r} }

var _ graph.QuotedMessageResolver = (*quotedMessageResolver)(nil)

func (r *quotedMessageResolver) ID(_ context.Context, m *db.Message) (string, error) {
	return intGlobalID("Message", m.ID), nil
}
func (r *quotedMessageResolver) MessageID(_ context.Context, m *db.Message) (int, error) {
	return int(m.ID), nil
}
func (r *quotedMessageResolver) Sender(ctx context.Context, m *db.Message) (*db.User, error) {
	if m.SenderUserID == nil {
		return nil, nil
	}
	return optional(loadOne(ctx, r.loaders(ctx).users, *m.SenderUserID))
}

// SenderName is the sender as the thread shows them: the workshop for a workshop's message.
func (r *quotedMessageResolver) SenderName(ctx context.Context, m *db.Message) (string, error) {
	if m.SenderPartyID == "" {
		return "", nil
	}
	p := &db.Participant{PartyID: m.SenderPartyID}
	if p.OrgNr() != "" {
		w, err := optional(loadOne(ctx, r.loaders(ctx).workshops, p.OrgNr()))
		if w == nil || err != nil {
			return "", err
		}
		return w.Name, nil
	}
	u, err := r.Sender(ctx, m)
	if u == nil || err != nil {
		return "", err
	}
	return u.Name, nil
}

// Excerpt is the start of the quoted text, cut on a rune boundary.
func (r *quotedMessageResolver) Excerpt(_ context.Context, m *db.Message) (string, error) {
	if m.Gone() {
		return "", nil
	}
	return excerpt(m.Body, 140), nil
}

func (r *quotedMessageResolver) Removed(_ context.Context, m *db.Message) (bool, error) {
	return m.Gone(), nil
}

func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func (r *readReceiptResolver) LastDeliveredMessageID(_ context.Context, rc *live.Receipt) (*string, error) {
	if rc.Participant.LastDeliveredMessageID == 0 {
		return nil, nil
	}
	id := intGlobalID("Message", rc.Participant.LastDeliveredMessageID)
	return &id, nil
}
