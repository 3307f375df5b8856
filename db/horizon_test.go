package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
)

// Two sends to different threads, each in a transaction left open: the second completes while
// the first still runs (no deployment-wide lock). Its id is higher, so readers must not pass
// it before the first commits: the id horizon stays below the first id until then.
func TestSendsToDifferentThreadsDoNotWaitForEachOther(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	txA := beginTx(ctx, t, f.store)
	a, err := f.store.SendInTx(ctx, txA, viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Body: "first"})
	must(t, err)
	txB := beginTx(ctx, t, f.store)
	b, err := f.store.SendInTx(ctx, txB, viewer("usr_per", db.RoleBuyer, ""), db.SendInput{ConversationID: f.listingConv, Body: "second"})
	if err != nil {
		t.Fatalf("send to another thread waited for the open send: %v", err)
	}
	if b.ID <= a.ID {
		t.Fatalf("ids %d then %d, want rising", a.ID, b.ID)
	}
	must(t, txB.Commit())

	mark, oldest, err := f.store.MarkIDs(ctx)
	must(t, err)
	if mark.Messages < b.ID || mark.Bound <= oldest {
		t.Fatalf("mark %+v with oldest running xid %d is final while message %d is uncommitted", mark, oldest, a.ID)
	}
	must(t, txA.Commit())
	if _, oldest, err = f.store.MarkIDs(ctx); err != nil || mark.Bound > oldest {
		t.Fatalf("mark %+v not final after both commits (oldest running xid %d, %v)", mark, oldest, err)
	}
}

func beginTx(ctx context.Context, t *testing.T, s *db.Store) bun.Tx {
	t.Helper()
	tx, err := s.DB.BeginTx(ctx, nil)
	must(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	return tx
}
