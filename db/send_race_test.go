package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley/parley/db"
)

// A send that loses the race for its clientMessageId to a concurrent send in another thread is
// a conflict (the unique index decides), not an internal error.
func TestClientMessageIDRaceIsAConflict(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	must(t, f.store.UpsertBooking(ctx, &db.Booking{ID: 7003, CarOwnerID: "co-ola", WorkshopOrgNr: orgB}))
	second := threadOf(t, f.store, ola, 7003)

	tx := beginTx(ctx, t, f.store)
	_, err := f.store.SendInTx(ctx, tx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "a", ClientMessageID: "same"})
	must(t, err)
	done := make(chan error, 1)
	go func() {
		_, _, err := f.store.SendMessage(ctx, ola, db.SendInput{ConversationID: second, Body: "b", ClientMessageID: "same"})
		done <- err
	}()
	waitForLockWait(ctx, t, f.store)
	must(t, tx.Commit())
	if err := <-done; !errors.Is(err, db.ErrConflict) {
		t.Fatalf("the losing send: %v, want a conflict", err)
	}
}

// waitForLockWait waits until some session of the test database waits for a lock.
func waitForLockWait(ctx context.Context, t *testing.T, s *db.Store) {
	t.Helper()
	for {
		var n int
		err := s.DB.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(ctx, &n)
		must(t, err)
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no send waited for the other's clientMessageId")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// The same race for a first message sent with a conversation's start is a conflict too.
func TestClientMessageIDRaceOnStartIsAConflict(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	must(t, f.store.UpsertBooking(ctx, &db.Booking{ID: 7004, CarOwnerID: "co-ola", WorkshopOrgNr: orgB}))

	tx := beginTx(ctx, t, f.store)
	_, err := f.store.SendInTx(ctx, tx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "a", ClientMessageID: "same"})
	must(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := f.store.StartBookingConversation(ctx, ola, 7004, &db.SendInput{Body: "b", ClientMessageID: "same"})
		done <- err
	}()
	waitForLockWait(ctx, t, f.store)
	must(t, tx.Commit())
	if err := <-done; !errors.Is(err, db.ErrConflict) {
		t.Fatalf("the losing start: %v, want a conflict", err)
	}
}
