package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
)

// batchCounter counts statements that send a batch.
type batchCounter struct{ n atomic.Int64 }

func (c *batchCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *batchCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "CROSS JOIN LATERAL parley_send") {
		c.n.Add(1)
	}
}

// waitFor polls cond until it holds or the test's deadline passes.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Concurrent sends share batches; each still gets its own message, its own refusal, and the
// thread's counters stay exact.
func TestConcurrentSendsEachGetTheirOwnOutcome(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	stranger := viewer("co-kari", db.RoleCarOwner, "")
	const n = 40
	batches := &batchCounter{}
	f.store.DB.AddQueryHook(batches)
	// The thread's row locked, the first sends wait in PostgreSQL and the others queue up
	// behind them: released, they go out in batches.
	tx := beginTx(ctx, t, f.store)
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM conversations WHERE id = ? FOR UPDATE", f.bookingConv)
	must(t, err)
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	// Sends 0, 1, 2 and 4 start first: they lead, one batch each, and wait for the lock.
	order := []int{0, 1, 2, 4, 3}
	for i := 5; i < n; i++ {
		order = append(order, i)
	}
	for k, i := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := ola
			if i%4 == 3 {
				v = stranger // not a participant: refused
			}
			in := db.SendInput{ConversationID: f.bookingConv, Body: fmt.Sprintf("m%d", i), ClientMessageID: fmt.Sprintf("c%d", i%20)}
			m, _, err := f.store.SendMessage(ctx, v, in)
			if err == nil {
				ids[i] = m.ID
			}
			errs[i] = err
		}()
		if k < 4 {
			waitFor(ctx, t, "a send waiting for the lock", func() bool { return lockWaits(ctx, t, f.store) == k+1 })
		}
	}
	waitFor(ctx, t, "sends queued behind the lock", func() bool { return f.store.QueuedSends() == n-4 })
	must(t, tx.Commit())
	wg.Wait()
	if batches.n.Load() == 0 {
		t.Error("no batch of sends ran")
	}
	sent := map[int64]bool{}
	for i := range n / 2 {
		if i%4 == 3 {
			for _, j := range []int{i, i + n/2} {
				if !errors.Is(errs[j], db.ErrNotFound) {
					t.Errorf("send %d by a stranger: %v, want not found", j, errs[j])
				}
			}
			continue
		}
		// Two sends with one clientMessageId and different texts: one is sent, one conflicts.
		a, b := errs[i], errs[i+n/2]
		if (a == nil) == (b == nil) || !errors.Is(errors.Join(a, b), db.ErrConflict) {
			t.Errorf("sends %d and %d with one clientMessageId: %v and %v, want one sent and one conflict", i, i+n/2, a, b)
		}
		sent[ids[i]+ids[i+n/2]] = true
	}
	var count, messages, unread int
	must(t, f.store.DB.NewRaw(`SELECT c.message_count, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id),
		(SELECT p.unread_count FROM participants p WHERE p.conversation_id = c.id AND p.party_id <> 'co-ola')
		FROM conversations c WHERE c.id = ?`, f.bookingConv).Scan(ctx, &count, &messages, &unread))
	if count != messages || unread != messages {
		t.Errorf("message_count %d, unread %d, messages %d: want all equal", count, unread, messages)
	}
	if len(sent) != 15 || messages != 15 {
		t.Errorf("%d distinct messages sent, %d stored, want 15", len(sent), messages)
	}
	var notes, counted int
	must(t, f.store.DB.NewRaw(`SELECT (SELECT count(*) FROM notifications WHERE user_id = 'ws-a1'),
		(SELECT coalesce(sum(total), 0) FROM notification_counts WHERE user_id = 'ws-a1')`).Scan(ctx, &notes, &counted))
	if notes != 15 || counted != notes {
		t.Errorf("ws-a1 has %d notifications, counted %d, want 15", notes, counted)
	}
}

// A batch that fails as a whole is sent again one send at a time: only the failing send fails.
func TestAFailingSendDoesNotFailItsBatch(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	batches := &batchCounter{}
	f.store.DB.AddQueryHook(batches)
	tx := beginTx(ctx, t, f.store)
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM conversations WHERE id = ? FOR UPDATE", f.bookingConv)
	must(t, err)
	const n, bad = 12, 9
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := db.SendInput{ConversationID: f.bookingConv, Body: fmt.Sprintf("m%d", i)}
			if i == bad {
				missing := int64(987654321) // no such template: the insert's foreign key fails
				in.TemplateID = &missing
			}
			_, _, errs[i] = f.store.SendMessage(ctx, ola, in)
		}()
		if i < 4 { // the first four lead (and wait for the lock); the bad one is queued
			waitFor(ctx, t, "a send waiting for the lock", func() bool { return lockWaits(ctx, t, f.store) == i+1 })
		}
	}
	waitFor(ctx, t, "sends queued behind the lock", func() bool { return f.store.QueuedSends() == n-4 })
	must(t, tx.Commit())
	wg.Wait()
	for i, err := range errs {
		if (i == bad) != (err != nil) {
			t.Errorf("send %d: %v", i, err)
		}
	}
	if batches.n.Load() == 0 {
		t.Error("no batch of sends ran")
	}
	var messages int
	must(t, f.store.DB.NewRaw("SELECT message_count FROM conversations WHERE id = ?", f.bookingConv).Scan(ctx, &messages))
	if messages != n-1 {
		t.Errorf("%d messages in the thread, want %d", messages, n-1)
	}
}

func lockWaits(ctx context.Context, t *testing.T, s *db.Store) int {
	var n int
	must(t, s.DB.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(ctx, &n))
	return n
}
