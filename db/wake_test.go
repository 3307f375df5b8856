package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/parley/parley/db"
)

// heldNotify holds the first wake-up statement until released, and counts them all.
type heldNotify struct {
	n       atomic.Int64
	started chan struct{}
	release chan struct{}
}

func (h *heldNotify) BeforeQuery(ctx context.Context, q *bun.QueryEvent) context.Context {
	if strings.Contains(q.Query, "pg_notify(x.c, x.p)") && h.n.Add(1) == 1 {
		close(h.started)
		<-h.release
	}
	return ctx
}
func (h *heldNotify) AfterQuery(context.Context, *bun.QueryEvent) {}

// A send does not wait for its wake-up: with the notifier's first statement held, many
// concurrent sends return, this process's hub is poked for each at once, and once released
// everything queued behind the held statement goes out in one more statement: fewer
// notifying statements than sends, every message still announced.
func TestSendsQueueTheirWakeUpsAndReturn(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ln := listeningForMessages(ctx, t, f.store)
	defer ln.Close()
	var pokes atomic.Int64
	f.store.OnWake("", func() { pokes.Add(1) })
	hook := &heldNotify{started: make(chan struct{}), release: make(chan struct{})}
	f.store.DB.AddQueryHook(hook)
	released := sync.OnceFunc(func() { close(hook.release) })
	defer released()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	before := f.store.WakeStatements()
	const sends = 17
	ids := make(chan int64, sends)
	sendOne := func(i int) {
		m, _, err := f.store.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: fmt.Sprint("queued ", i)})
		if err != nil {
			t.Error(err)
			return
		}
		ids <- m.ID
	}
	sendOne(0)
	<-hook.started // the first wake-up's statement, held
	var wg sync.WaitGroup
	for i := 1; i < sends; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); sendOne(i) }()
	}
	wg.Wait() // every send returned while the wake-up statement is held
	close(ids)
	if n := pokes.Load(); n != sends {
		t.Errorf("the local hub was poked %d times for %d sends", n, sends)
	}
	released()
	want := map[string]bool{}
	for id := range ids {
		want[fmt.Sprintf("m %d %d", id, f.bookingConv)] = true
	}
	if len(want) != sends {
		t.Fatalf("%d messages sent, want %d", len(want), sends)
	}
	for len(want) > 0 {
		_, payload, err := ln.ReceiveTimeout(ctx, 30*time.Second)
		if err != nil {
			t.Fatalf("still waiting for %v: %v", want, err)
		}
		delete(want, payload)
	}
	if n := f.store.WakeStatements() - before; n != 2 {
		t.Errorf("%d wake-up statements for %d sends, want 2 (the held one, then the rest together)", n, sends)
	}
	if n := hook.n.Load(); n != 2 {
		t.Errorf("the database saw %d wake-up statements, want 2", n)
	}
}

// listeningForMessages returns a listener on the messages and ephemeral channels once its
// LISTEN is in effect (a sync marker came back).
func listeningForMessages(ctx context.Context, t *testing.T, s *db.Store) *pgdriver.Listener {
	t.Helper()
	ln := pgdriver.NewListener(s.DB)
	must(t, ln.Listen(ctx, db.ChannelMessages, db.ChannelEphemeral))
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		must(t, s.EmitSync(ctx, 0))
		if _, payload, err := ln.ReceiveTimeout(ctx, 100*time.Millisecond); err == nil && payload == "s 0" {
			return ln
		}
	}
	ln.Close()
	t.Fatal("listener never saw its own sync marker")
	return nil
}

// The send statement is prepared once per connection: a connection that lost it (DEALLOCATE)
// or runs a parley_send created again since (as a migration does) prepares it again.
func TestSendPreparesAgainAfterDeallocate(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	s := f.store
	s.DB.SetMaxOpenConns(1) // one connection: the DEALLOCATE reaches the one sends use
	ola := viewer("co-ola", db.RoleCarOwner, "")
	sendOK := func(body string) {
		t.Helper()
		m, created, err := s.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: body})
		if err != nil || !created || m.Body != body {
			t.Fatalf("send %q: %+v %v %v", body, m, created, err)
		}
	}
	sendOK("first")
	exec(t, s, "DEALLOCATE ALL")
	sendOK("after DEALLOCATE")
	var def string
	must(t, s.DB.QueryRowContext(ctx, "SELECT pg_get_functiondef('parley_send'::regproc)").Scan(&def))
	exec(t, s, "DROP FUNCTION parley_send")
	exec(t, s, def)
	sendOK("after the function was created again")
}

// With a local hub to poke, a send's wake-ups carry its replica, so that hub can skip them
// when they come back by NOTIFY.
func TestWakeUpsCarryTheReplicaThatWasPoked(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ln := listeningForMessages(ctx, t, f.store)
	defer ln.Close()
	f.store.OnWake("replica-x", func() {})
	m, _, err := f.store.SendMessage(ctx, viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Body: "tagged"})
	must(t, err)
	want := fmt.Sprintf("m %d %d replica-x", m.ID, f.bookingConv)
	for {
		_, payload, err := ln.ReceiveTimeout(ctx, 30*time.Second)
		must(t, err)
		if payload != want {
			continue
		}
		ev, err := db.ParseEvent(payload)
		must(t, err)
		if ev.Kind != 'm' || ev.MessageID != m.ID || ev.ConversationID != f.bookingConv || ev.Origin != "replica-x" {
			t.Fatalf("parsed %+v", ev)
		}
		return
	}
}
