package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley/parley/db"
)

// A send's update of its conversation is HOT (no new entry in any index of conversations):
// no index of conversations keys a column that every send changes (migration 20261201000140).
// Only the thread's first message moves it into the retention index (its day was NULL); in
// one transaction now() is one time, so every later send is on the same day.
func TestSendUpdatesTheConversationWithoutTouchingItsIndexes(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	tx, err := f.store.DB.BeginTx(ctx, nil)
	must(t, err)
	defer func() { _ = tx.Rollback() }()
	co, shop := viewer("co-ola", db.RoleCarOwner, ""), viewer("ws-a1", db.RoleWorkshop, orgA)
	for i, v := range []db.Viewer{co, shop, co, shop} {
		_, err := f.store.SendInTx(ctx, tx, v, db.SendInput{ConversationID: f.bookingConv, Body: "hei " + string(rune('a'+i))})
		must(t, err)
	}
	var updates, hot int
	must(t, tx.NewRaw(`SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'conversations'`).
		Scan(ctx, &updates, &hot))
	if updates != 4 || hot != 3 {
		t.Fatalf("4 sends updated conversations %d times, %d of them HOT; want all but the first", updates, hot)
	}
}

// Retention reads the day of last activity, then the time: a thread quiet since before the
// cutoff on the cutoff's own day is closed, one active later that day is not, and an emptied
// thread is never picked again.
func TestRetentionCutsOffWithinTheCutoffsDay(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	co, kari := viewer("co-ola", db.RoleCarOwner, ""), viewer("co-kari", db.RoleCarOwner, "")
	later := threadOf(t, f.store, kari, 7002)
	for _, s := range []struct {
		v    db.Viewer
		conv int64
	}{{co, f.bookingConv}, {kari, later}} {
		_, _, err := f.store.SendMessage(ctx, s.v, db.SendInput{ConversationID: s.conv, Body: "hei"})
		must(t, err)
	}
	cutoff := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	exec(t, f.store, `UPDATE conversations SET last_activity_at = ? WHERE id = ?`, cutoff.Add(-time.Hour), f.bookingConv)
	exec(t, f.store, `UPDATE conversations SET last_activity_at = ? WHERE id = ?`, cutoff.Add(time.Hour), later)
	b, err := f.store.PurgeClosedThread(ctx, cutoff, 10)
	must(t, err)
	if b == nil || b.ConversationID != f.bookingConv || b.Messages != 1 {
		t.Fatalf("first retention step = %+v, want thread %d's one message", b, f.bookingConv)
	}
	if b, err = f.store.PurgeClosedThread(ctx, cutoff, 10); err != nil || b != nil {
		t.Fatalf("second retention step = %+v, %v; want nothing to do", b, err)
	}
}
