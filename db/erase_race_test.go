package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley/parley/db"
)

// Once a user is erased, parley_send refuses them, even on a replica that still accepts their
// token; nothing is written.
func TestSendByAnErasedUserIsRefused(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	_, err := f.store.EraseUser(ctx, "co-ola", "key_test", "test")
	must(t, err)
	before := count(t, f.store, "SELECT count(*) FROM messages")
	_, _, err = f.store.SendMessage(ctx, viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Body: "still here"})
	if !errors.Is(err, db.ErrForbidden) {
		t.Fatalf("send by an erased user: %v, want forbidden", err)
	}
	if n := count(t, f.store, "SELECT count(*) FROM messages"); n != before {
		t.Fatalf("%d messages after the refused send, want %d", n, before)
	}
}

// A message the user's send wrote after the erasure committed, while it was blanking (a send
// in flight that passed its check), is blanked too: the erasure's second round waits for it.
func TestErasureBlanksAMessageSentWhileItRan(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	co := viewer("co-ola", db.RoleCarOwner, "")
	_, _, err := f.store.SendMessage(ctx, co, db.SendInput{ConversationID: f.bookingConv, Body: "before"})
	must(t, err)
	var late int64
	done := make(chan error, 1)
	f.store.SetEraseSweepHook(func() {
		tx, err := f.store.DB.BeginTx(ctx, nil)
		must(t, err)
		must(t, tx.NewRaw(`INSERT INTO messages (conversation_id, sender_party_id, sender_user_id, sender_role, type, body)
			VALUES (?, ?, 'co-ola', ?, 'text', 'sent meanwhile 4711') RETURNING id`,
			f.bookingConv, co.Party(), db.RoleCarOwner).Scan(ctx, &late))
		go func() { done <- commitOnceWaitedFor(ctx, f.store, tx) }()
	})
	_, err = f.store.EraseUser(ctx, "co-ola", "key_test", "test")
	must(t, err)
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the erasure never got to its second round")
	}
	var body string
	var removed bool
	must(t, f.store.DB.NewRaw("SELECT body, removed_at IS NOT NULL FROM messages WHERE id = ?", late).Scan(ctx, &body, &removed))
	if body != "" || !removed {
		t.Fatalf("the message sent during the erasure: body %q, removed %v; want blanked", body, removed)
	}
}

// commitOnceWaitedFor commits tx once another backend waits for one of its locks.
func commitOnceWaitedFor(ctx context.Context, s *db.Store, tx interface{ Commit() error }) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := s.DB.NewRaw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`).Scan(ctx, &n)
		if err != nil {
			return err
		}
		if n > 0 {
			return tx.Commit()
		}
	}
	_ = tx.Commit()
	return errors.New("nobody waited for the in-flight send")
}
