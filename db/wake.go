package db

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// DefaultWakeGap is the least time between two wake-up statements of one replica
// (PARLEY_WAKE_GAP). A wake-up after a quiet spell goes out at once; under load, 5 ms bounds a
// replica's notifying transactions (an xid, a commit record and a WAL flush each, and a
// catch-up on every replica) to 200 a second whatever the send rate, and delays delivery to
// other replicas' subscribers by at most that: far below what a person notices, and the
// replica that took the send wakes its own hub at once.
const DefaultWakeGap = 5 * time.Millisecond

// wakeTimeout bounds one wake-up statement.
const wakeTimeout = 2 * time.Second

// notifier sends the wake-ups of committed sends off the send path. A send queues its
// payloads and returns; this process's hub is poked at once (local), and one goroutine sends
// everything queued since its last statement in one pg_notify statement, at most one per gap.
// Payloads are kept one by one: PostgreSQL drops exact duplicates within a transaction, and
// the 'n' payloads name their user. A wake-up lost here (the statement fails, the process
// dies first) only delays delivery: every hub also reads the database each second.
type notifier struct {
	db *bun.DB

	mu                 sync.Mutex
	channels, payloads []string
	running            bool // a drain goroutine is under way
	last               time.Time
	gap                time.Duration
	local              func()
	origin             string // appended to the payloads local was poked for
	statements         int64  // sent so far (tests)

	sendMu sync.Mutex // one statement at a time, so payloads arrive in the order queued
}

func newNotifier(bdb *bun.DB) *notifier { return &notifier{db: bdb, gap: DefaultWakeGap} }

// SetWakeGap sets the least time between two wake-up statements (0 or less: DefaultWakeGap).
func (s *Store) SetWakeGap(d time.Duration) {
	if d <= 0 {
		d = DefaultWakeGap
	}
	s.wakes.mu.Lock()
	s.wakes.gap = d
	s.wakes.mu.Unlock()
}

// OnWake has poke called, at once and without a database round trip, whenever a committed
// send queues its wake-up: the live hub of this process reads from there. The wake-ups then
// sent carry replica, so that hub skips them when they come back by NOTIFY.
func (s *Store) OnWake(replica string, poke func()) {
	s.wakes.mu.Lock()
	s.wakes.local, s.wakes.origin = poke, replica
	s.wakes.mu.Unlock()
}

// FlushWakes sends the queued wake-ups now, without waiting for the gap (shutdown).
func (s *Store) FlushWakes(ctx context.Context) error { return s.wakes.flush(ctx, "", "") }

// WakeStatements is how many wake-up statements the notifier has sent (tests).
func (s *Store) WakeStatements() int64 {
	s.wakes.mu.Lock()
	defer s.wakes.mu.Unlock()
	return s.wakes.statements
}

// wake queues pg_notify(channels[i], payloads[i]) for every i, and pokes this process's hub.
func (n *notifier) wake(channels, payloads []string) {
	n.mu.Lock()
	if n.local != nil && n.origin != "" {
		for i := range payloads {
			payloads[i] += " " + n.origin
		}
	}
	n.channels, n.payloads = append(n.channels, channels...), append(n.payloads, payloads...)
	poke, start := n.local, !n.running
	n.running = true
	n.mu.Unlock()
	if poke != nil {
		poke()
	}
	if start {
		go n.drain()
	}
}

// drain sends what is queued, one statement per gap at most, until the queue is empty.
func (n *notifier) drain() {
	for {
		n.mu.Lock()
		wait := time.Until(n.last.Add(n.gap))
		n.mu.Unlock()
		if wait > 0 {
			time.Sleep(wait) // wake-ups queued meanwhile go out together
		}
		ctx, cancel := context.WithTimeout(context.Background(), wakeTimeout)
		sent, err := n.send(ctx, true, "", "")
		cancel()
		if err != nil {
			slog.Warn("wake the live hubs", "err", err)
		}
		if !sent {
			return
		}
	}
}

// flush sends what is queued, and the extra payload on channel when one is given, now.
func (n *notifier) flush(ctx context.Context, channel, payload string) error {
	_, err := n.send(ctx, false, channel, payload)
	return err
}

// send takes the queue and sends it with extra in one statement. It reports whether it found
// anything; for the drain goroutine (draining), an empty queue ends it.
func (n *notifier) send(ctx context.Context, draining bool, channel, payload string) (bool, error) {
	n.sendMu.Lock()
	defer n.sendMu.Unlock()
	n.mu.Lock()
	channels, payloads := n.channels, n.payloads
	n.channels, n.payloads = nil, nil
	if channel != "" {
		channels, payloads = append(channels, channel), append(payloads, payload)
	}
	if len(channels) == 0 {
		if draining {
			n.running = false
		}
		n.mu.Unlock()
		return false, nil
	}
	n.statements++
	n.mu.Unlock()
	err := notify(ctx, n.db, channels, payloads)
	n.mu.Lock()
	n.last = time.Now()
	n.mu.Unlock()
	return true, err
}

// notify sends pg_notify(channels[i], payloads[i]) for every i, in one statement.
func notify(ctx context.Context, idb bun.IConn, channels, payloads []string) error {
	_, err := idb.ExecContext(ctx, "SELECT pg_notify(x.c, x.p) FROM unnest(?::text[], ?::text[]) AS x (c, p)",
		pgArray(channels), pgArray(payloads))
	if err != nil {
		return fmt.Errorf("wake live hubs: %w", err)
	}
	return nil
}

// syncPayload is a sync marker's payload (see EmitSync).
func syncPayload(n int64) string { return "s " + strconv.FormatInt(n, 10) }
