package live

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley/parley/db"
)

// Subscriptions end when their context ends (the client unsubscribed or went away): no
// goroutine waits on them meanwhile.

// Messages subscribes to new messages in one conversation (or all of the viewer's when conv
// is 0). With replay, every message after the cursor is sent first, read from the database,
// then the live ones, with no gap and no repeat at the seam.
func (h *Hub) Messages(ctx context.Context, v db.Viewer, conv, after int64, replay bool, hooks Hooks) *MessageSub {
	s := &MessageSub{Sub: newSub[*db.Message](v, conv, h.opts.Buffer, h.counted(hooks)), replaying: replay}
	if h.opts.OnDeliver != nil {
		s.onDeliver = func(m *db.Message) { h.opts.OnDeliver(time.Since(m.CreatedAt)) }
	}
	s.cursor = func() int64 { return s.last }
	h.mu.Lock()
	if !replay {
		s.last = h.msgPos // live from here
	} else {
		s.last = after
	}
	h.messages.add(v.Party(), conv, s)
	h.mu.Unlock()
	h.track(ctx, v, s, func() { h.messages.remove(v.Party(), conv, s) })
	if replay {
		go replayInto(ctx, h, s, func() int64 { return h.msgPos }, func(cursor, upTo int64) ([]*db.Message, error) {
			msgs, err := h.store.ViewerMessagesAfter(ctx, s.Viewer, s.Conv, cursor, upTo, batch)
			party := s.Viewer.Party()
			for _, m := range msgs { // a replay reaches a device of the party too
				if m.SenderPartyID != party {
					h.delivered.add(m.ConversationID, party, m.ID)
				}
			}
			return msgs, err
		})
	}
	return s
}

// replayInto hands over what read finds after the subscription's cursor, batch by batch, up
// to the hub's position (pos, read under h.mu), then lets the live events follow.
func replayInto[T Positioned](ctx context.Context, h *Hub, s *CursorSub[T], pos func() int64, read func(cursor, upTo int64) ([]T, error)) {
	defer s.goLive() // always: it flushes, or carries out an end asked for meanwhile
	for cursor := s.Last(); ; {
		// Up to the hub's position only: ids above it may still commit out of order, and the
		// hub hands them over live, in order, once they are final.
		h.mu.Lock()
		upTo := pos()
		h.mu.Unlock()
		items, err := read(cursor, upTo)
		if err != nil {
			if ctx.Err() == nil {
				slog.Warn("live: replay", "err", err)
				s.End(err)
			}
			return
		}
		if !s.replayed(ctx, items) {
			break
		}
		if len(items) < batch {
			break
		}
		cursor = items[len(items)-1].Position()
	}
}

// Notifications subscribes to the viewer's new notifications.
func (h *Hub) Notifications(ctx context.Context, v db.Viewer, hooks Hooks) *Sub[*db.Notification] {
	s := newSub[*db.Notification](v, 0, h.opts.Buffer, h.counted(hooks))
	h.register(ctx, v, s, func() { h.notes.add(v.UserID, 0, s) }, func() { h.notes.remove(v.UserID, 0, s) })
	return s
}

// Inbox subscribes to changes of the viewer's conversation rows.
func (h *Hub) Inbox(ctx context.Context, v db.Viewer, hooks Hooks) *Sub[*db.Thread] {
	s := newSub[*db.Thread](v, 0, h.opts.Buffer, h.counted(hooks))
	h.register(ctx, v, s, func() { h.inboxes.add(v.Party(), 0, s) }, func() { h.inboxes.remove(v.Party(), 0, s) })
	return s
}

// Unread subscribes to the viewer's unread counts: the current ones first, then each change.
func (h *Hub) Unread(ctx context.Context, v db.Viewer, hooks Hooks) *UnreadSub {
	s := &UnreadSub{Sub: newSub[*db.UnreadCounts](v, 0, h.opts.Buffer, h.counted(hooks))}
	h.register(ctx, v, s.Sub, func() { h.unreads.add(v.Party(), 0, s) }, func() { h.unreads.remove(v.Party(), 0, s) })
	h.pushUnread(ctx, s)
	return s
}

// Receipts subscribes to how far the other participants have read.
func (h *Hub) Receipts(ctx context.Context, v db.Viewer, conv int64, hooks Hooks) *Sub[*Receipt] {
	s := newSub[*Receipt](v, conv, h.opts.Buffer, h.counted(hooks))
	h.register(ctx, v, s, func() { h.receipts.add(v.Party(), conv, s) }, func() { h.receipts.remove(v.Party(), conv, s) })
	return s
}

// Typing subscribes to "is typing" signals of the other participants.
func (h *Hub) Typing(ctx context.Context, v db.Viewer, conv int64, hooks Hooks) *Sub[*Typing] {
	s := newSub[*Typing](v, conv, h.opts.Buffer, h.counted(hooks))
	h.register(ctx, v, s, func() { h.typings.add(v.Party(), conv, s) }, func() { h.typings.remove(v.Party(), conv, s) })
	return s
}

func (h *Hub) register(ctx context.Context, v db.Viewer, s interface{ End(error) }, add, remove func()) {
	h.mu.Lock()
	add()
	h.mu.Unlock()
	h.track(ctx, v, s, remove)
}

type trackedKey struct{}

// OnTracked returns ctx carrying f, which a subscription made with it calls once it is
// registered: events committed from then on reach it (an event stream opens only then).
func OnTracked(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, trackedKey{}, f)
}

// track counts the subscription for presence and removes it when ctx ends.
func (h *Hub) track(ctx context.Context, v db.Viewer, s interface{ End(error) }, remove func()) {
	h.mu.Lock()
	stopped := h.stopped
	h.users[v.UserID]++
	first := h.users[v.UserID] == 1
	h.mu.Unlock()
	if f, ok := ctx.Value(trackedKey{}).(func()); ok {
		f()
	}
	if stopped {
		s.End(ErrStopped)
	}
	if first {
		h.presence(v.UserID, true)
	}
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		remove()
		h.users[v.UserID]--
		last := h.users[v.UserID] == 0
		if last {
			delete(h.users, v.UserID)
		}
		h.mu.Unlock()
		s.End(nil)
		if last {
			h.presence(v.UserID, false)
		}
	})
}

func (h *Hub) presence(userID string, up bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if up {
		err = h.store.PresenceUp(ctx, h.replica, userID)
	} else {
		err = h.store.PresenceDown(ctx, h.replica, userID)
	}
	logFailure("presence", err)
}

// Typing announces that v is typing in a conversation v takes part in.
func (h *Hub) AnnounceTyping(ctx context.Context, v db.Viewer, conv int64) error {
	return h.store.AnnounceTyping(ctx, v, conv)
}
