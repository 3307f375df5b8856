package resolvers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/live"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/ratelimit"
)

type subscriptionResolver struct{ *Resolver }

var _ graph.SubscriptionResolver = (*subscriptionResolver)(nil)

func (r *Resolver) Subscription() graph.SubscriptionResolver { return &subscriptionResolver{r} }

var (
	errTokenExpired = fmt.Errorf("token expired: subscribe again with a fresh token: %w", auth.ErrUnauthenticated)
	errTokenRevoked = fmt.Errorf("token was revoked: subscribe again with a fresh token: %w", auth.ErrUnauthenticated)
)

// LiveConsumer is a transport that reads a subscription's channel only when told an event is
// ready, and can tell the client why a subscription ended (the WebSocket transport). A
// transport that waits on the channel itself (Server-Sent Events) offers none.
type LiveConsumer interface {
	Ready()
	OnTaken(func())
	Fail(*gqlerror.Error)
}

type consumerKey struct{}

// WithLiveConsumer returns ctx carrying take, which the subscription resolver of ctx's
// operation calls once to bind its events to the transport that offers it.
func WithLiveConsumer[C LiveConsumer](ctx context.Context, take func() C) context.Context {
	return context.WithValue(ctx, consumerKey{}, func() LiveConsumer { return take() })
}

// subscriptionCap refuses a new subscription when the user holds too many on this replica.
func (r *Resolver) subscriptionCap(userID string) error {
	if r.MaxSubscriptions <= 0 || r.Hub.Subscriptions(userID) < r.MaxSubscriptions {
		return nil
	}
	return fmt.Errorf("at most %d live subscriptions per user: %w", r.MaxSubscriptions, &ratelimit.ErrLimited{Retry: 5 * time.Second})
}

// liveViewer is the subscriber, with a conversation it named checked for access.
func (r *Resolver) liveViewer(ctx context.Context, conversationID *string) (db.Viewer, int64, error) {
	v, err := viewer(ctx)
	if err != nil {
		return v, 0, err
	}
	if err := r.subscriptionCap(v.UserID); err != nil {
		return v, 0, err
	}
	if conversationID == nil {
		return v, 0, nil
	}
	cid, err := parseIntID("conversationId", "Conversation", *conversationID)
	if err == nil {
		_, err = r.Store.Thread(ctx, v, cid)
	}
	return v, cid, err
}

// hooks connect a subscription to its transport: with a LiveConsumer (WebSockets) the error
// that ends it reaches the client, and the transport hears of each event instead of waiting on
// a channel. Server-Sent Events have no message for an ending error: the closed channel ends
// the stream and the client resumes with after. (gqlgen's AddSubscriptionError is only for its
// own WebSocket transport; on another context it dereferences nil.)
func hooks(ctx context.Context) live.Hooks { return streamHooks(ctx, messageCursor) }

// streamHooks are hooks for a stream whose resume cursor cursor formats.
func streamHooks(ctx context.Context, cursor func(int64) string) live.Hooks {
	take, _ := ctx.Value(consumerKey{}).(func() LiveConsumer)
	if take == nil {
		return live.Hooks{OnEnd: func(error) {}}
	}
	c := take()
	return live.Hooks{OnEnd: func(err error) { c.Fail(endingError(err, cursor)) }, OnReady: c.Ready, Taken: c.OnTaken}
}

// endingError tells the client why its subscription ended, coded by the one error table. It
// runs under the subscription's lock: it must not call back into it.
func endingError(err error, cursor func(int64) string) *gqlerror.Error {
	ext := map[string]any{"code": apierror.Code(err)}
	var slow *live.SlowError
	if errors.As(err, &slow) {
		ext["resumeAfter"] = cursor(slow.After)
	}
	return &gqlerror.Error{Message: apierror.PublicMessage(err), Extensions: ext}
}

// expireWithToken ends a subscription when the token it was opened with expires, or when this
// replica learns that it was revoked.
func (r *subscriptionResolver) expireWithToken(ctx context.Context, end func(error)) {
	p, err := auth.PrincipalFrom(ctx)
	if err != nil || p.Expires.IsZero() {
		return
	}
	t := time.AfterFunc(time.Until(p.Expires), func() { end(errTokenExpired) })
	stopWatch := func() {}
	if r.Tokens != nil && p.User != nil {
		stopWatch = r.Tokens.Watch(p.User.UserID, p.IssuedAt, func() { end(errTokenRevoked) })
	}
	context.AfterFunc(ctx, func() { t.Stop(); stopWatch() })
}

func (r *subscriptionResolver) MessageAdded(ctx context.Context, conversationID *string, after *string) (<-chan *db.Message, error) {
	v, cid, err := r.liveViewer(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	from, err := parseMessageCursor("after", after)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Messages(ctx, v, cid, from, after != nil && *after != "", hooks(ctx))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func (r *subscriptionResolver) ConversationUpdated(ctx context.Context) (<-chan *db.Thread, error) {
	v, _, err := r.liveViewer(ctx, nil)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Inbox(ctx, v, hooks(ctx))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func (r *subscriptionResolver) NotificationAdded(ctx context.Context) (<-chan *db.Notification, error) {
	v, _, err := r.liveViewer(ctx, nil)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Notifications(ctx, v, hooks(ctx))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func (r *subscriptionResolver) UnreadCountsChanged(ctx context.Context) (<-chan *db.UnreadCounts, error) {
	v, _, err := r.liveViewer(ctx, nil)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Unread(ctx, v, hooks(ctx))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func (r *subscriptionResolver) ReadReceipt(ctx context.Context, conversationID *string) (<-chan *live.Receipt, error) {
	v, cid, err := r.liveViewer(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Receipts(ctx, v, cid, hooks(ctx))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func (r *subscriptionResolver) Typing(ctx context.Context, conversationID *string) (<-chan *live.Typing, error) {
	v, cid, err := r.liveViewer(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	s := r.Hub.Typing(ctx, v, cid, hooks(ctx))
	r.expireWithToken(ctx, s.End)
	return s.C(), nil
}

func (r *mutationResolver) SetTyping(ctx context.Context, conversationID string) (bool, error) {
	v, err := viewer(ctx)
	if err != nil {
		return false, err
	}
	cid, err := parseIntID("conversationId", "Conversation", conversationID)
	if err != nil {
		return false, err
	}
	return true, r.Store.AnnounceTyping(ctx, v, cid)
}

type readReceiptResolver struct{ *Resolver }

func (r *Resolver) ReadReceipt() graph.ReadReceiptResolver { return &readReceiptResolver{r} }

func (r *readReceiptResolver) ConversationID(_ context.Context, rc *live.Receipt) (string, error) {
	return intGlobalID("Conversation", rc.ConversationID), nil
}
func (r *readReceiptResolver) LastReadMessageID(_ context.Context, rc *live.Receipt) (*string, error) {
	if rc.Participant.LastReadMessageID == 0 {
		return nil, nil
	}
	id := intGlobalID("Message", rc.Participant.LastReadMessageID)
	return &id, nil
}
func (r *readReceiptResolver) ReadAt(_ context.Context, rc *live.Receipt) (*time.Time, error) {
	return rc.Participant.LastReadAt, nil
}

type typingEventResolver struct{ *Resolver }

func (r *Resolver) TypingEvent() graph.TypingEventResolver { return &typingEventResolver{r} }

func (r *typingEventResolver) ConversationID(_ context.Context, t *live.Typing) (string, error) {
	return intGlobalID("Conversation", t.ConversationID), nil
}
func (r *typingEventResolver) ExpiresAt(_ context.Context, t *live.Typing) (*time.Time, error) {
	at := time.Unix(t.ExpiresAtUnix, 0).UTC()
	return &at, nil
}

func (r *participantResolver) Online(ctx context.Context, p *db.Participant) (bool, error) {
	online, err := r.loaders(ctx).online.Load(ctx, p.PartyID)
	return online, err
}

func (r *participantResolver) LastSeenAt(ctx context.Context, p *db.Participant) (*time.Time, error) {
	if p.OrgNr() != "" {
		return nil, nil
	}
	u, err := optional(loadOne(ctx, r.loaders(ctx).users, p.PartyID))
	if u == nil || err != nil {
		return nil, err
	}
	return u.LastSeenAt, nil
}
