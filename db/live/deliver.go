package live

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/parley/parley/db"
)

const batch = 500

// catchUp moves the id horizon, reads every message, message change and notification past the hub's
// positions up to it, in id order, and hands each to the subscribers allowed to see it now.
// It returns the mark it took (all ids taken before the call).
func (h *Hub) catchUp(ctx context.Context) db.IDMark {
	h.lastRead = time.Now()
	mark, err := h.advance(ctx, h.store)
	if err != nil {
		logFailure("move id horizon", err)
	}
	h.scheduleRecheck()
	for !h.skipUnwatched() {
		h.mu.Lock()
		pos := h.msgPos
		h.mu.Unlock()
		msgs, err := h.store.MessagesAfter(ctx, pos, h.safe.Messages, batch)
		if err != nil || len(msgs) == 0 {
			logFailure("read new messages", err)
			if err == nil {
				h.mu.Lock()
				h.msgPos = max(h.msgPos, h.safe.Messages)
				h.mu.Unlock()
			}
			break
		}
		if err := h.dispatchMessages(ctx, msgs); err != nil {
			logFailure("dispatch messages", err)
			break
		}
	}
	h.catchUpChanges(ctx)
	h.catchUpNotifications(ctx)
	h.releaseWaiters()
	return mark
}

// skipUnwatched moves the message position up to the horizon when nobody here watches
// messages, inboxes or unread counts: what catch-up would read could go to nobody (a busy
// replica without subscribers reads nothing per send). Under h.mu, so a subscriber that comes
// meanwhile starts from the new position, or replays up to it from the database.
func (h *Hub) skipUnwatched() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.messages) > 0 || len(h.inboxes) > 0 || len(h.unreads) > 0 {
		return false
	}
	h.msgPos = max(h.msgPos, h.safe.Messages)
	return true
}

func (h *Hub) dispatchMessages(ctx context.Context, msgs []*db.Message) error {
	auds, err := h.store.Audiences(ctx, conversationsOf(msgs))
	if err != nil {
		return err
	}
	touched := map[int64]bool{}
	h.mu.Lock()
	for _, m := range msgs {
		aud := auds[m.ConversationID]
		if aud == nil {
			continue
		}
		for party := range aud.Parties {
			h.messages.each(party, m.ConversationID, func(s *MessageSub) {
				if aud.Sees(s.Viewer, m.ID) {
					s.offer(forParty(m, party))
					if party != m.SenderPartyID {
						h.delivered.add(m.ConversationID, party, m.ID)
					}
				}
			})
		}
		touched[m.ConversationID] = true
	}
	h.msgPos = msgs[len(msgs)-1].ID
	h.mu.Unlock()
	for conv := range touched {
		h.refreshAudience(ctx, conv, auds[conv])
	}
	return nil
}

// forParty is a copy of a new message as one party sees it (nobody has read it yet).
func forParty(m *db.Message, party string) *db.Message {
	c := *m
	c.ViewerParty, c.ReadAt = party, nil
	return &c
}

func conversationsOf(msgs []*db.Message) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, m := range msgs {
		if !seen[m.ConversationID] {
			seen[m.ConversationID] = true
			ids = append(ids, m.ConversationID)
		}
	}
	return ids
}

func (h *Hub) catchUpNotifications(ctx context.Context) {
	for {
		h.mu.Lock()
		if len(h.notes) == 0 { // nobody here to tell: skip them, as skipUnwatched does
			h.notePos = max(h.notePos, h.safe.Notifications)
			h.mu.Unlock()
			return
		}
		pos := h.notePos
		h.mu.Unlock()
		ns, err := h.store.NotificationsAfter(ctx, pos, h.safe.Notifications, batch)
		if err != nil || len(ns) == 0 {
			logFailure("read new notifications", err)
			if err == nil {
				h.mu.Lock()
				h.notePos = max(h.notePos, h.safe.Notifications)
				h.mu.Unlock()
			}
			return
		}
		h.mu.Lock()
		for _, n := range ns {
			h.notes.each(n.UserID, 0, func(s *Sub[*db.Notification]) { s.push(n.For(s.Viewer)) })
		}
		h.notePos = ns[len(ns)-1].ID
		h.mu.Unlock()
	}
}

// refreshConversation re-reads a conversation's row and the unread counts for everyone on it
// who has an inbox or unread subscription here.
func (h *Hub) refreshConversation(ctx context.Context, conv int64) {
	auds, err := h.store.Audiences(ctx, []int64{conv})
	if err != nil {
		logFailure("load audience", err)
		return
	}
	h.refreshAudience(ctx, conv, auds[conv])
}

func (h *Hub) refreshAudience(ctx context.Context, conv int64, aud *db.Audience) {
	if aud == nil {
		return
	}
	var inboxes []*Sub[*db.Thread]
	var unreads []*UnreadSub
	h.mu.Lock()
	for party := range aud.Parties {
		h.inboxes.each(party, 0, func(s *Sub[*db.Thread]) { inboxes = append(inboxes, s) })
		h.unreads.each(party, 0, func(s *UnreadSub) { unreads = append(unreads, s) })
	}
	h.mu.Unlock()
	for _, s := range inboxes {
		if t, err := h.store.Thread(ctx, s.Viewer, conv); err == nil {
			s.push(t)
		}
	}
	for _, s := range unreads {
		h.pushUnread(ctx, s)
	}
}

func (h *Hub) pushUnread(ctx context.Context, s *UnreadSub) {
	u, err := h.store.Unread(ctx, s.Viewer)
	if err != nil {
		logFailure("count unread", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil && *s.last == *u {
		return
	}
	if s.pushLocked(u) {
		s.last = u
	}
}

// readReceipt tells the other participants how far a party has read.
func (h *Hub) readReceipt(ctx context.Context, ev db.Event) {
	h.mu.Lock()
	none := len(h.receipts) == 0
	h.mu.Unlock()
	if none { // nobody here watches receipts: skip the read
		return
	}
	auds, err := h.store.Audiences(ctx, []int64{ev.ConversationID})
	aud := auds[ev.ConversationID]
	if err != nil || aud == nil || aud.Parties[ev.Party] == nil {
		logFailure("load audience", err)
		return
	}
	r := &Receipt{ConversationID: ev.ConversationID, Participant: aud.Parties[ev.Party]}
	h.mu.Lock()
	defer h.mu.Unlock()
	for party := range aud.Parties {
		if party == ev.Party {
			continue
		}
		h.receipts.each(party, ev.ConversationID, func(s *Sub[*Receipt]) {
			if aud.Includes(s.Viewer) {
				s.push(r)
			}
		})
	}
}

// typing tells the other participants a user is typing; nothing of it is stored.
func (h *Hub) typing(ctx context.Context, ev db.Event) {
	auds, err := h.store.Audiences(ctx, []int64{ev.ConversationID})
	users, err2 := h.store.UsersByID(ctx, []string{ev.UserID})
	aud := auds[ev.ConversationID]
	if err != nil || err2 != nil || aud == nil || len(users) == 0 {
		logFailure("load typing audience", err)
		return
	}
	u := users[0]
	typer := db.Viewer{UserID: u.ID, Role: u.Role, OrgNr: deref(u.OrgNr)}
	t := &Typing{ConversationID: ev.ConversationID, User: u, ExpiresAtUnix: time.Now().Add(TypingTTL).Unix()}
	h.mu.Lock()
	defer h.mu.Unlock()
	for party := range aud.Parties {
		if party == typer.Party() {
			continue
		}
		h.typings.each(party, ev.ConversationID, func(s *Sub[*Typing]) {
			if aud.Includes(s.Viewer) {
				s.push(t)
			}
		})
	}
}

// TypingTTL is how long a "typing" lasts unless repeated.
const TypingTTL = 6 * time.Second

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func logFailure(what string, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		slog.Warn("live: "+what, "err", err)
	}
}
