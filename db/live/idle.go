package live

import (
	"context"
	"time"

	"github.com/parley/parley/db"
)

// An idle hub (no subscription of any kind here, nobody waiting on it) leaves its wake-ups
// and rechecks unread: a catch-up could hand nothing to anyone, and its first read, the id
// horizon, would be one statement more for every send of this replica. The poll tick still
// catches up, so an idle hub's positions stay about a poll behind.
//
// behind (under h.mu) says a wake-up was skipped since the last catch-up began. A subscription
// that registers while it is set first moves the positions past every id final before it
// (join: what the skipped catch-ups would have done, so a live subscriber starts where it
// would have and the hub has no backlog to read), then pokes the hub. Skipping and
// registering both happen under h.mu, so for a message committed just before a registration
// either the hub saw the subscription and reads the message, or the registration sees behind
// and pokes the hub. A replay reads up to the hub's position, the hub hands over what is past
// it: no gap, no repeat.

// wakeUp catches up, unless the hub is idle.
func (h *Hub) wakeUp(ctx context.Context) {
	if len(h.waiters) == 0 && h.skipIdle() {
		return
	}
	h.catchUp(ctx)
}

// skipIdle tells whether nobody subscribes here, and notes the skipped wake-up if so.
func (h *Hub) skipIdle() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watchedLocked() {
		return false
	}
	h.behind = true
	return true
}

// watchedLocked tells whether any subscription is registered here. Under h.mu.
func (h *Hub) watchedLocked() bool {
	return len(h.messages)+len(h.changes)+len(h.notes)+len(h.inboxes)+len(h.unreads)+len(h.receipts)+len(h.typings) > 0
}

// join registers a subscription (add runs under h.mu), and pokes a hub that skipped a
// wake-up: it has someone to read for now. Before, an idle hub that skipped wake-ups moves
// its positions past the ids of a fresh final mark; without one (a write ran on past
// freshWait) the hub reads from where it was, about a poll behind.
func (h *Hub) join(ctx context.Context, add func()) {
	mark, final := h.freshMark(ctx)
	h.mu.Lock()
	if final && !h.watchedLocked() {
		h.msgPos, h.notePos, h.chgPos = max(h.msgPos, mark.Messages), max(h.notePos, mark.Notifications), max(h.chgPos, mark.Changes)
	}
	add()
	behind := h.behind
	h.mu.Unlock()
	if behind {
		h.Poke()
	}
}

// freshWait bounds how long a registration waits for the writes running at its mark.
const freshWait = 50 * time.Millisecond

// freshMark takes a mark when the hub skipped wake-ups, and tells whether it is final: once
// the writes running when it was taken have ended (ms), or not within freshWait.
func (h *Hub) freshMark(ctx context.Context) (db.IDMark, bool) {
	h.mu.Lock()
	behind := h.behind
	h.mu.Unlock()
	if !behind {
		return db.IDMark{}, false
	}
	mark, oldest, err := h.store.MarkIDs(ctx)
	for wait, waited := minRecheck, time.Duration(0); err == nil && mark.Bound > oldest; wait *= 2 {
		if waited += wait; waited > freshWait {
			return mark, false
		}
		select {
		case <-ctx.Done():
			return mark, false
		case <-time.After(wait):
		}
		_, oldest, err = h.store.MarkIDs(ctx)
	}
	return mark, err == nil
}
