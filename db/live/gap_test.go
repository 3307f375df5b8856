package live_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/db/live"
)

// horizonReads counts the statements that read the id horizon (db.Store.MarkIDs).
type horizonReads struct{ n atomic.Int64 }

func (h *horizonReads) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h *horizonReads) AfterQuery(_ context.Context, q *bun.QueryEvent) {
	if strings.Contains(q.Query, "parley_id_mark()") {
		h.n.Add(1)
	}
}

// gapHub runs a hub that hears only this store's pokes (no NOTIFY, no poll within the test)
// and reads at most once per gap, with a conversation to send to.
func gapHub(t *testing.T, gap time.Duration) (*db.Store, *live.Hub, int64) {
	t.Helper()
	store := db.NewStore(dbtest.New(t))
	conv := bookingThread(t, store)
	hub := live.NewHub(store, quietSource{}, live.Options{Poll: time.Hour, Gap: gap})
	store.OnWake(hub.Replica(), hub.Poke)
	runHub(t, hub)
	return store, hub, conv
}

// sendHandled sends, and waits until the hub has handled a wake-up since.
func sendHandled(t *testing.T, store *db.Store, hub *live.Hub, conv int64, body string) *db.Message {
	t.Helper()
	before := hub.WakeUps()
	m := send(t, store, conv, body)
	deadline := time.Now().Add(30 * time.Second)
	for hub.WakeUps() == before { // the hub has no event to wait on: poll its counter
		if time.Now().After(deadline) {
			t.Fatal("the hub handled no wake-up")
		}
		time.Sleep(time.Millisecond)
	}
	return m
}

// Pokes that come within the gap of a catch-up wait for it to end: with a gap longer than the
// test, twenty-one sends cost the hub one read of the id horizon (each read one before).
func TestPokesWithinTheGapShareARead(t *testing.T) {
	store, hub, conv := gapHub(t, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub.Messages(ctx, shop, conv, 0, false, live.Hooks{})
	reads := &horizonReads{}
	store.DB.AddQueryHook(reads)
	for i := range 21 {
		sendHandled(t, store, hub, conv, "poke "+string(rune('a'+i)))
	}
	if n := reads.n.Load(); n != 1 {
		t.Fatalf("the hub read the id horizon %d times for 21 pokes within its gap, want once", n)
	}
}

// A burst of sends reaches a subscriber whole and in order, read once per gap, with no poll
// and no later poke to pick up what the last wake-ups announced.
func TestABurstWithinGapsArrivesWhole(t *testing.T) {
	store, hub, conv := gapHub(t, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := hub.Messages(ctx, shop, conv, 0, false, live.Hooks{})
	var sent []*db.Message
	for i := range 30 {
		sent = append(sent, send(t, store, conv, "burst "+string(rune('a'+i))))
	}
	for _, want := range sent {
		if got := receive(t, sub); got.ID != want.ID {
			t.Fatalf("live message %d, want %d", got.ID, want.ID)
		}
	}
}
