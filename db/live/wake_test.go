package live_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/db/live"
)

const orgA = "921460929"

var (
	ola  = db.Viewer{UserID: "co-ola", Role: db.RoleCarOwner, Name: "Ola"}
	shop = db.Viewer{UserID: "ws-a1", Role: db.RoleWorkshop, OrgNr: orgA, Name: "Shop"}
)

// quietSource never wakes the hub: only a poke (or the poll) makes it read.
type quietSource struct{}

func (quietSource) Run(ctx context.Context, _ chan<- db.Event, _ func()) error {
	<-ctx.Done()
	return nil
}

// heldWakes holds every wake-up statement until released.
type heldWakes struct {
	started chan struct{}
	once    sync.Once
	release chan struct{}
}

func (h *heldWakes) BeforeQuery(ctx context.Context, q *bun.QueryEvent) context.Context {
	if strings.Contains(q.Query, "pg_notify(x.c, x.p)") {
		h.once.Do(func() { close(h.started) })
		<-h.release
	}
	return ctx
}
func (h *heldWakes) AfterQuery(context.Context, *bun.QueryEvent) {}

// bookingThread makes a car owner, a workshop user and their booking's thread.
func bookingThread(t *testing.T, s *db.Store) int64 {
	t.Helper()
	ctx := context.Background()
	must(t, s.UpsertWorkshop(ctx, &db.Workshop{OrgNr: orgA, Name: "Workshop A"}, nil))
	org := orgA
	must(t, s.UpsertUser(ctx, &db.User{ID: ola.UserID, Role: db.RoleCarOwner, Name: ola.Name}))
	must(t, s.UpsertUser(ctx, &db.User{ID: shop.UserID, Role: db.RoleWorkshop, Name: shop.Name, OrgNr: &org}))
	must(t, s.UpsertBooking(ctx, &db.Booking{ID: 7001, CarOwnerID: ola.UserID, WorkshopOrgNr: orgA}))
	th, err := s.ThreadByBooking(ctx, ola, 7001)
	must(t, err)
	return th.ID
}

// runHub runs hub until the test ends, and returns once it is ready.
func runHub(t *testing.T, hub *live.Hub) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); _ = <-done })
	select {
	case <-hub.Ready():
	case err := <-done:
		t.Fatalf("hub: %v", err)
	}
}

// receive waits (generously) for the next live message.
func receive(t *testing.T, s *live.MessageSub) *db.Message {
	t.Helper()
	select {
	case m := <-s.C():
		return m
	case <-time.After(30 * time.Second):
		t.Fatal("no live message")
		return nil
	}
}

func send(t *testing.T, s *db.Store, conv int64, body string) *db.Message {
	t.Helper()
	m, _, err := s.SendMessage(context.Background(), ola, db.SendInput{ConversationID: conv, Body: body})
	must(t, err)
	return m
}

// A send returns while its NOTIFY is held, and a subscriber of the same process still gets
// the message at once: the store pokes the hub in-process. The hub hears no NOTIFY and does
// not poll within the test, so only the poke can deliver.
func TestSendPokesTheLocalHubWithoutANotify(t *testing.T) {
	store := db.NewStore(dbtest.New(t))
	conv := bookingThread(t, store)
	hub := live.NewHub(store, quietSource{}, live.Options{Poll: time.Hour})
	store.OnWake(hub.Replica(), hub.Poke)
	runHub(t, hub)
	hold := &heldWakes{started: make(chan struct{}), release: make(chan struct{})}
	store.DB.AddQueryHook(hold)
	t.Cleanup(func() { close(hold.release) }) // before the hub stops (cleanups run last first)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := hub.Messages(ctx, shop, conv, 0, false, live.Hooks{})
	first := send(t, store, conv, "first")
	<-hold.started // the wake-up statement is under way, and held
	second := send(t, store, conv, "second, sent while the wake-up is held")
	for _, want := range []*db.Message{first, second} {
		if got := receive(t, sub); got.ID != want.ID {
			t.Fatalf("live message %d, want %d", got.ID, want.ID)
		}
	}
}

// A subscriber on another replica gets the message through the notifier's NOTIFY: its hub
// does not poll within the test, and the sending store does not know it.
func TestAnotherReplicaIsWokenByTheNotifier(t *testing.T) {
	dsn := dbtest.NewDSN(t)
	open := func() *db.Store {
		bdb, err := db.Open(context.Background(), dsn)
		must(t, err)
		t.Cleanup(func() { bdb.Close() })
		return db.NewStore(bdb)
	}
	sender, other := open(), open()
	conv := bookingThread(t, sender)
	hub := live.NewHub(other, live.PGSource{DB: other.DB}, live.Options{Poll: time.Hour})
	runHub(t, hub)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	must(t, hub.Settle(ctx)) // its LISTEN is in effect
	sub := hub.Messages(ctx, shop, conv, 0, false, live.Hooks{})
	before := sender.WakeStatements()
	m := send(t, sender, conv, "to the other replica")
	if got := receive(t, sub); got.ID != m.ID {
		t.Fatalf("live message %d, want %d", got.ID, m.ID)
	}
	if n := sender.WakeStatements() - before; n < 1 {
		t.Errorf("%d wake-up statements", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
