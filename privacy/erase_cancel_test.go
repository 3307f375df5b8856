package privacy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// cancelOn cancels a context once a statement containing text has run.
type cancelOn struct {
	text   string
	cancel context.CancelFunc
}

func (c *cancelOn) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *cancelOn) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	if strings.Contains(ev.Query, c.text) {
		c.cancel()
	}
}

// An erasure whose caller goes away once the user row is committed still blanks every
// message of theirs: the user is erased, their text must not wait for someone to erase again.
func TestEraseUserFinishesWhenTheCallerLeaves(t *testing.T) {
	e := apptest.New(t)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	for _, body := range []string{"my address is Storgata 1", "my number is 99 88 77 66", "see you"} {
		send(t, e, ola, conv, body)
	}
	send(t, e, shop, conv, "thanks")
	e.Store.EraseBatch = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The list of their messages is read after the user row's transaction committed.
	e.Store.DB.AddQueryHook(&cancelOn{text: "FROM messages AS m WHERE m.sender_user_id", cancel: cancel})
	if _, err := e.Store.EraseUser(ctx, "co-ola", "test", "caller leaves"); err != nil {
		t.Fatalf("erase: %v", err)
	}
	if n := count(t, e, "SELECT count(*) FROM messages WHERE sender_user_id = 'co-ola' AND (body <> '' OR removed_at IS NULL)"); n != 0 {
		t.Fatalf("%d of their messages left with text", n)
	}
}

// Erasing again a user whose erasure was interrupted (the user row committed, the call failed
// before this replica heard of it) refuses their tokens on this replica at once, as the first
// erasure does, not only after its recheck period.
func TestEraseUserAgainRefusesTheirTokensAtOnce(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.TokenRecheck = time.Hour })
	ola := e.User(t, "co-ola")
	const me = `{ inbox(first: 1) { totalCount } }`
	if r := e.GQL(t, ola, me, nil); r.Code() != "" {
		t.Fatalf("before: %+v", r.Errors)
	}
	// What the first step of an erasure commits, without the rest of the call.
	if _, err := e.Store.DB.NewRaw("UPDATE users SET name = '', erased_at = now() WHERE id = 'co-ola'").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out erasure
	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "again"}).Decode(t, &out)
	if !out.EraseUser.AlreadyErased {
		t.Fatalf("the erasure again = %+v, want alreadyErased", out.EraseUser)
	}
	if r := e.GQL(t, ola, me, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the erased user's token after erasing again: code %q, errors %+v", r.Code(), r.Errors)
	}
}
