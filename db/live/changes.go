package live

import (
	"context"

	"github.com/parley/parley/db"
)

// Message changes (edits, unsends, reactions) are a stream of their own, read like messages:
// by id, up to the horizon, only while someone here subscribes to them, with access checked
// at delivery time.

func (h *Hub) catchUpChanges(ctx context.Context) {
	for {
		h.mu.Lock()
		if len(h.changes) == 0 { // nobody here to tell: skip them, as skipUnwatched does
			h.chgPos = max(h.chgPos, h.safe.Changes)
			h.mu.Unlock()
			return
		}
		pos := h.chgPos
		h.mu.Unlock()
		cs, err := h.store.ChangesAfter(ctx, pos, h.safe.Changes, batch)
		if err != nil || len(cs) == 0 {
			logFailure("read message changes", err)
			if err == nil {
				h.mu.Lock()
				h.chgPos = max(h.chgPos, h.safe.Changes)
				h.mu.Unlock()
			}
			return
		}
		if err := h.dispatchChanges(ctx, cs); err != nil {
			logFailure("dispatch message changes", err)
			return
		}
	}
}

func (h *Hub) dispatchChanges(ctx context.Context, cs []*db.MessageChange) error {
	convs := map[int64]bool{}
	var convIDs, msgIDs []int64
	for _, c := range cs {
		msgIDs = append(msgIDs, c.MessageID)
		if !convs[c.ConversationID] {
			convs[c.ConversationID] = true
			convIDs = append(convIDs, c.ConversationID)
		}
	}
	auds, err := h.store.Audiences(ctx, convIDs)
	if err != nil {
		return err
	}
	seen, err := h.store.SeenOf(ctx, msgIDs)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range cs {
		aud := auds[c.ConversationID]
		if aud == nil || c.Message == nil {
			continue
		}
		for party := range aud.Parties {
			if seen.Hidden[c.MessageID][party] {
				continue // deleted for that party
			}
			h.changes.each(party, c.ConversationID, func(s *ChangeSub) {
				if aud.Sees(s.Viewer, c.MessageID) {
					s.offer(changeForParty(c, party, seen))
				}
			})
		}
	}
	h.chgPos = cs[len(cs)-1].ID
	return nil
}

// changeForParty is a copy of a change with its message as one party sees it.
func changeForParty(c *db.MessageChange, party string, seen *db.MessageSeen) *db.MessageChange {
	m := *c.Message
	m.ViewerParty, m.ReadAt = party, seen.ReadAtFor(c.Message, party)
	out := *c
	out.Message = &m
	return &out
}

// Changes subscribes to changes of messages in one conversation (or all of the viewer's when
// conv is 0). With replay, every change after the cursor is sent first, read from the
// database, then the live ones, with no gap and no repeat at the seam.
func (h *Hub) Changes(ctx context.Context, v db.Viewer, conv, after int64, replay bool, hooks Hooks) *ChangeSub {
	s := &ChangeSub{Sub: newSub[*db.MessageChange](v, conv, h.opts.Buffer, h.counted(hooks)), replaying: replay}
	s.cursor = func() int64 { return s.last }
	h.mu.Lock()
	if !replay {
		s.last = h.chgPos // live from here
	} else {
		s.last = after
	}
	h.changes.add(v.Party(), conv, s)
	h.mu.Unlock()
	h.track(ctx, v, s, func() { h.changes.remove(v.Party(), conv, s) })
	if replay {
		go replayInto(ctx, h, s, func() int64 { return h.chgPos }, func(cursor, upTo int64) ([]*db.MessageChange, error) {
			return h.store.ViewerChangesAfter(ctx, s.Viewer, s.Conv, cursor, upTo, batch)
		})
	}
	return s
}
