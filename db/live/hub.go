package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley/parley/db"
)

// Source wakes the hub with events from every replica. It calls resync whenever it
// (re)connects, so the hub catches up on anything it may have missed meanwhile.
type Source interface {
	Run(ctx context.Context, events chan<- db.Event, resync func()) error
}

// Options tune a hub.
type Options struct {
	// Buffer is how many events a subscriber may have waiting before it counts as slow.
	Buffer int
	// Poll is how often the hub reads the database even without a wake-up: the safety net
	// for a lost notification.
	Poll time.Duration
	// OnDeliver, when set, is told the age (now minus created_at) of each live message as it
	// is handed to a subscriber, for the delivery-latency metric. It runs under the
	// subscription's lock: it must be quick.
	OnDeliver func(age time.Duration)
	// Gap is the least time between two catch-ups for wake-ups (gap.go; default 5 ms).
	Gap time.Duration
}

// Hub fans changes out to this replica's subscribers.
type Hub struct {
	store   *db.Store
	source  Source
	opts    Options
	replica string

	mu       sync.Mutex
	messages registry[*MessageSub]            // by party
	changes  registry[*ChangeSub]             // by party
	notes    registry[*Sub[*db.Notification]] // by user id
	inboxes  registry[*Sub[*db.Thread]]       // by party
	unreads  registry[*UnreadSub]             // by party
	receipts registry[*Sub[*Receipt]]         // by party
	typings  registry[*Sub[*Typing]]          // by party
	users    map[string]int                   // live subscriptions per user, for presence
	msgPos   int64
	notePos  int64
	chgPos   int64 // message changes
	stopped  bool

	horizon // ids known final; only the Run loop touches it
	gapped  // when the hub last read; only the Run loop touches it

	wake      chan struct{}
	events    chan db.Event
	delivered *delivered
	ready     chan struct{}

	endedSlow atomic.Int64 // subscriptions ended as slow, since the hub was made
	wakeUps   atomic.Int64 // wake-ups handled, read now or later (tests)

	syncMu  sync.Mutex
	syncs   map[int64]chan struct{}
	syncSeq int64
	waiters []syncWait // Settle calls waiting for their mark to be final
}

// NewHub makes a hub; Run starts it.
func NewHub(store *db.Store, source Source, opts Options) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Gap <= 0 {
		opts.Gap = db.DefaultWakeGap
	}
	return &Hub{store: store, source: source, opts: opts, replica: replicaID(),
		messages: registry[*MessageSub]{}, changes: registry[*ChangeSub]{}, notes: registry[*Sub[*db.Notification]]{},
		inboxes: registry[*Sub[*db.Thread]]{}, unreads: registry[*UnreadSub]{},
		receipts: registry[*Sub[*Receipt]]{}, typings: registry[*Sub[*Typing]]{},
		users: map[string]int{}, wake: make(chan struct{}, 1), events: make(chan db.Event, 4096),
		ready: make(chan struct{}), delivered: newDelivered()}
}

func replicaID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}

// Ready is closed once the hub knows its starting positions.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Run delivers until ctx ends, then ends every subscription.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.start(ctx); err != nil {
		return err
	}
	close(h.ready)
	sourceDone := make(chan struct{})
	go func() {
		defer close(sourceDone)
		if err := h.source.Run(ctx, h.events, h.Poke); err != nil && ctx.Err() == nil {
			slog.Error("live source stopped", "err", err)
		}
	}()
	defer func() { <-sourceDone }()
	deliveredDone := make(chan struct{})
	go func() { defer close(deliveredDone); h.delivered.run(ctx, h.store) }()
	defer func() { <-deliveredDone }()
	poll := time.NewTicker(h.opts.Poll)
	beat := time.NewTicker(db.PresenceTTL / 3)
	defer poll.Stop()
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			h.stop()
			return nil
		case <-h.wake:
			h.wakeUp(ctx)
		case <-poll.C:
			h.catchUp(ctx)
		case <-h.recheck:
			h.recheck = nil
			h.wakeUp(ctx)
		case <-h.deferred:
			h.deferred = nil
			h.catchUp(ctx)
		case ev := <-h.events:
			h.handle(ctx, ev)
		case <-beat.C:
			if err := h.store.PresenceHeartbeat(ctx, h.replica); err != nil {
				slog.Warn("presence heartbeat", "err", err)
			}
		}
	}
}

// start waits until every id taken so far is final, and starts from there.
func (h *Hub) start(ctx context.Context) error {
	if err := h.settleNow(ctx, h.store); err != nil {
		return err
	}
	h.msgPos, h.notePos, h.chgPos = h.safe.Messages, h.safe.Notifications, h.safe.Changes
	return h.store.ClearPresence(ctx, h.replica)
}

// Poke asks the loop to read the database now: a write of this process committed (the store
// calls it, see db.Store.OnWake), or the source (re)connected.
func (h *Hub) Poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Hub) handle(ctx context.Context, ev db.Event) {
	switch ev.Kind {
	case 'm', 'n', 'e':
		// Wake-ups of this replica's own sends poked the hub already (db.Store.OnWake): a
		// catch-up for them alone would read nothing new.
		foreign, next := h.skipWakeUps(ev.Origin != h.replica)
		if foreign {
			h.wakeUp(ctx)
		}
		if next != nil {
			h.handle(ctx, *next)
		}
	case 'r':
		h.catchUp(ctx) // messages read may have been sent just before
		h.readReceipt(ctx, ev)
		h.refreshConversation(ctx, ev.ConversationID)
	case 'd': // delivery moved: only the senders' receipts change
		h.readReceipt(ctx, ev)
	case 'c':
		h.refreshConversation(ctx, ev.ConversationID)
	case 't':
		h.typing(ctx, ev)
	case 's':
		h.syncMu.Lock()
		ch := h.syncs[ev.MessageID]
		delete(h.syncs, ev.MessageID)
		h.syncMu.Unlock()
		if ch != nil {
			// Done once every id taken before the marker is final and handed over.
			h.waiters = append(h.waiters, syncWait{mark: h.catchUp(ctx), done: ch})
			h.releaseWaiters()
		}
	}
}

// skipWakeUps takes the message, change and notification wake-ups queued behind one: a wake-up arrives
// only after its commit, so the one catch-up that follows reads all they announce (busy sends
// cost a catch-up per batch, not per message). It tells whether any (or foreign, the first)
// came from another replica, and returns the first other event, if any.
func (h *Hub) skipWakeUps(foreign bool) (bool, *db.Event) {
	for {
		select {
		case ev := <-h.events:
			if ev.Kind != 'm' && ev.Kind != 'n' && ev.Kind != 'e' {
				return foreign, &ev
			}
			foreign = foreign || ev.Origin != h.replica
		default:
			return foreign, nil
		}
	}
}

// Replica is this hub's replica id, the origin its own sends' wake-ups carry (db.Store.OnWake).
func (h *Hub) Replica() string { return h.replica }

type syncWait struct {
	mark db.IDMark
	done chan struct{}
}

func (h *Hub) releaseWaiters() {
	kept := h.waiters[:0]
	for _, w := range h.waiters {
		if h.safe.Covers(w.mark) {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	h.waiters = kept
}

// Settle returns once the hub has handled every event committed before the call: tests use it
// to start from a quiet hub.
func (h *Hub) Settle(ctx context.Context) error {
	h.syncMu.Lock()
	if h.syncs == nil {
		h.syncs = map[int64]chan struct{}{}
	}
	h.syncSeq++
	n, ch := h.syncSeq, make(chan struct{})
	h.syncs[n] = ch
	h.syncMu.Unlock()
	// The marker is a NOTIFY, and one sent before the listener's LISTEN took effect (or while
	// it reconnects) is lost: send it again until it is seen. Repeats of a seen marker are
	// ignored by handle.
	again := time.NewTicker(500 * time.Millisecond)
	defer again.Stop()
	for {
		if err := h.store.EmitSync(ctx, n); err != nil {
			return err
		}
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-again.C:
		}
	}
}

func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	endAll(h.messages, func(s *MessageSub) { s.End(ErrStopped) })
	endAll(h.changes, func(s *ChangeSub) { s.End(ErrStopped) })
	endAll(h.notes, func(s *Sub[*db.Notification]) { s.End(ErrStopped) })
	endAll(h.inboxes, func(s *Sub[*db.Thread]) { s.End(ErrStopped) })
	endAll(h.unreads, func(s *UnreadSub) { s.End(ErrStopped) })
	endAll(h.receipts, func(s *Sub[*Receipt]) { s.End(ErrStopped) })
	endAll(h.typings, func(s *Sub[*Typing]) { s.End(ErrStopped) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = h.store.ClearPresence(ctx, h.replica)
}

func endAll[S comparable](r registry[S], end func(S)) {
	for _, subs := range r {
		for s := range subs {
			end(s)
		}
	}
}

// Subscriptions is how many live subscriptions a user holds on this replica.
func (h *Hub) Subscriptions(userID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.users[userID]
}

// Counts reports live subscriptions by kind, for tests and benchmarks.
func (h *Hub) Counts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return map[string]int{"messages": h.messages.count(), "changes": h.changes.count(), "notifications": h.notes.count(),
		"inbox": h.inboxes.count(), "unread": h.unreads.count(), "receipts": h.receipts.count(),
		"typing": h.typings.count()}
}

// Position is the id of the newest message the hub has handled: newer ones are yet to be
// read (the hub's lag is the newest committed id minus this).
func (h *Hub) Position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.msgPos
}

// Stopped tells whether the hub has stopped (its context ended).
func (h *Hub) Stopped() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stopped
}

// EndedSlow is how many subscriptions the hub ended because their subscriber fell behind.
func (h *Hub) EndedSlow() int64 { return h.endedSlow.Load() }

// counted has the subscription's end counted when it is for falling behind.
func (h *Hub) counted(hooks Hooks) Hooks {
	onEnd := hooks.OnEnd
	hooks.OnEnd = func(err error) {
		if errors.Is(err, ErrSlow) {
			h.endedSlow.Add(1)
		}
		if onEnd != nil {
			onEnd(err)
		}
	}
	return hooks
}
