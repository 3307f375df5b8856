package live_test

import (
	"context"
	"slices"
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

// idleHub runs a hub that only pokes wake (no NOTIFY, no poll within the test), with a
// conversation to send to.
func idleHub(t *testing.T) (*db.Store, *live.Hub, int64) {
	t.Helper()
	store := db.NewStore(dbtest.New(t))
	conv := bookingThread(t, store)
	hub := live.NewHub(store, quietSource{}, live.Options{Poll: time.Hour})
	store.OnWake(hub.Replica(), hub.Poke)
	runHub(t, hub)
	return store, hub, conv
}

// sendHandled sends, and waits until the hub has handled a wake-up since.
func sendHandled(t *testing.T, store *db.Store, hub *live.Hub, conv int64, body string) *db.Message {
	t.Helper()
	before := hub.WakeUps()
	m := send(t, store, conv, body)
	waitFor(t, "a wake-up handled", func() bool { return hub.WakeUps() > before })
	return m
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
		time.Sleep(time.Millisecond) // polling for the hub's state, not timing it
	}
}

// A hub nobody subscribes to reads nothing when this replica's sends poke it: the catch-up
// could hand nothing to anyone.
func TestIdleHubReadsNothingOnPokes(t *testing.T) {
	store, hub, conv := idleHub(t)
	reads := &horizonReads{}
	store.DB.AddQueryHook(reads)
	for i := range 20 {
		sendHandled(t, store, hub, conv, "to nobody "+string(rune('a'+i)))
	}
	if n := reads.n.Load(); n != 0 {
		t.Fatalf("an idle hub read the id horizon %d times for 20 pokes", n)
	}
}

// After many pokes an idle hub left unread, a subscriber resuming from a cursor gets every
// message after it once, in order, with no further send to wake the hub; a live subscriber
// gets messages from where the hub was (here, with no poll in the test, from before the
// pokes), in order, without a gap, up to the next one.
func TestSubscriberAfterIdlePokes(t *testing.T) {
	store, hub, conv := idleHub(t)
	var sent []*db.Message
	for i := range 30 {
		sent = append(sent, sendHandled(t, store, hub, conv, "before anyone listens "+string(rune('a'+i))))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fresh := hub.Messages(ctx, shop, conv, 0, false, live.Hooks{})
	resumed := hub.Messages(ctx, shop, conv, sent[9].ID, true, live.Hooks{})
	for _, want := range sent[10:] {
		if got := receive(t, resumed); got.ID != want.ID {
			t.Fatalf("resumed subscriber got message %d, want %d", got.ID, want.ID)
		}
	}
	next := send(t, store, conv, "the next one")
	if got := receive(t, resumed); got.ID != next.ID {
		t.Fatalf("resumed subscriber got message %d, want the next one, %d", got.ID, next.ID)
	}
	first := receive(t, fresh)
	if first.ID == next.ID {
		return // the hub moved past those sent before (join)
	}
	i := slices.IndexFunc(sent, func(m *db.Message) bool { return m.ID == first.ID })
	if i < 0 {
		t.Fatalf("live subscriber got message %d first, not one of those sent", first.ID)
	}
	for _, want := range append(sent[i+1:], next) {
		if got := receive(t, fresh); got.ID != want.ID {
			t.Fatalf("live subscriber got message %d, want %d", got.ID, want.ID)
		}
	}
}

// An idle hub's position still follows the poll, so the first subscriber after a quiet spell
// leaves the hub at most a poll's worth of sends to read.
func TestIdleHubFollowsThePoll(t *testing.T) {
	store := db.NewStore(dbtest.New(t))
	conv := bookingThread(t, store)
	hub := live.NewHub(store, quietSource{}, live.Options{Poll: 20 * time.Millisecond})
	store.OnWake(hub.Replica(), hub.Poke)
	runHub(t, hub)
	m := send(t, store, conv, "to nobody")
	waitFor(t, "the position past the message", func() bool { return hub.Position() >= m.ID })
}

// A message committed just before or while a subscriber registers, the hub idle before (its
// poke skipped, or racing the registration), reaches the subscriber resuming from just before
// it: by the replay or by the hub. The hub does not poll within the test, so a message lost
// between a skipped poke and a registration would never come.
func TestSubscriberRacingASkippedPoke(t *testing.T) {
	store, hub, conv := idleHub(t)
	after := send(t, store, conv, "before the rounds").ID
	for round := range 40 {
		sent := make(chan *db.Message, 1)
		racing := func() {
			m, _, err := store.SendMessage(context.Background(), ola, db.SendInput{ConversationID: conv, Body: "racing"})
			if err != nil {
				t.Error(err)
			}
			sent <- m
		}
		if round%2 == 0 {
			racing() // its poke finds the hub idle
		} else {
			go racing()
		}
		ctx, cancel := context.WithCancel(context.Background())
		sub := hub.Messages(ctx, shop, conv, after, true, live.Hooks{})
		got := receive(t, sub)
		m := <-sent
		cancel()
		if m == nil || got.ID != m.ID {
			t.Fatalf("round %d: got message %d, want %v", round, got.ID, m)
		}
		after = m.ID
		waitFor(t, "the subscription gone", func() bool { return hub.Counts()["messages"] == 0 })
	}
}
