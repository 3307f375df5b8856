package privacy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

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
