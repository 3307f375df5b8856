package db_test

import (
	"context"
	"fmt"
	"runtime"
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

// Sends that finish while another send's wake-up is under way wake the hubs together, in one
// statement after it; each returns only once its own wake-up went out, and every message is
// announced.
func TestConcurrentSendsWakeTheHubsTogether(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ln := pgdriver.NewListener(f.store.DB)
	defer ln.Close()
	must(t, ln.Listen(ctx, db.ChannelMessages))
	hook := &heldNotify{started: make(chan struct{}), release: make(chan struct{})}
	f.store.DB.AddQueryHook(hook)
	ola := viewer("co-ola", db.RoleCarOwner, "")
	var wg sync.WaitGroup
	ids := make(chan int64, 6)
	sendOne := func(i int) {
		defer wg.Done()
		m, _, err := f.store.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: fmt.Sprint("together ", i)})
		if err != nil {
			t.Error(err)
			return
		}
		ids <- m.ID
	}
	wg.Add(1)
	go sendOne(0)
	<-hook.started
	for i := 1; i < 6; i++ {
		wg.Add(1)
		go sendOne(i)
	}
	for deadline := time.Now().Add(30 * time.Second); f.store.WakesWaiting() < 5; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("%d sends wait for the wake-up, want 5", f.store.WakesWaiting())
		}
	}
	close(hook.release)
	wg.Wait()
	close(ids)
	if n := hook.n.Load(); n != 2 {
		t.Errorf("%d wake-up statements for 6 sends, want 2 (one, then the five together)", n)
	}
	want := map[string]bool{}
	for id := range ids {
		want[fmt.Sprintf("m %d %d", id, f.bookingConv)] = true
	}
	for len(want) > 0 {
		_, payload, err := ln.ReceiveTimeout(ctx, 30*time.Second)
		if err != nil {
			t.Fatalf("still waiting for %v: %v", want, err)
		}
		delete(want, payload)
	}
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
