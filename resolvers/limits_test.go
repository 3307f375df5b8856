package resolvers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/parley/parley/cmd/parley/app"
	"github.com/parley/parley/cmd/parley/app/apptest"
	"github.com/parley/parley/db"
)

func viewerFor(id, role, org string) db.Viewer { return db.Viewer{UserID: id, Role: role, OrgNr: org} }

func TestQueryLimits(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	deep := `{ inbox { nodes { lastMessage { attachments { id } sender { id } } participants { user { id } workshop { services { name } } } } } }`
	if r := e.GQL(t, ola, deep, nil); r.Code() != "" {
		t.Fatalf("a reasonable query was refused: %+v", r.Errors)
	}
	var b strings.Builder
	b.WriteString("{ ")
	for i := 0; i < 31; i++ {
		fmt.Fprintf(&b, "a%d: viewer { id } ", i)
	}
	b.WriteString("}")
	if r := e.GQL(t, ola, b.String(), nil); r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "aliases") {
		t.Fatalf("31 aliases: %+v", r.Errors)
	}
	nested := "{ viewer { id } inbox { nodes { messages { nodes { sender { id } } } } } }"
	if r := e.GQL(t, ola, nested, nil); r.Code() != "" {
		t.Fatalf("inbox with messages of 20x50: %+v", r.Errors)
	}
	costly := "{ inbox(first: 100) { nodes { messages(last: 100) { nodes { attachments { id name } sender { id name } } } } } }"
	if r := e.GQL(t, ola, costly, nil); r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("100 threads x 100 messages: %q %+v", r.Code(), r.Errors)
	}
	huge := "{ viewer { id } }" + strings.Repeat(" ", 40<<10)
	if r := e.GQL(t, ola, huge, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("40 KiB query: %q", r.Code())
	}
}

func TestQueryDepthLimit(t *testing.T) {
	e := apptest.NewWith(t, func(c *app.Config) { c.MaxQueryDepth = 4 })
	tok := apptest.Bearer(apptest.Token(t, viewerFor("x", "buyer", "")))
	if r := e.GQL(t, tok, `{ inbox { nodes { lastMessage { id } } } }`, nil); r.Code() != "" {
		t.Fatalf("4 levels: %+v", r.Errors)
	}
	five := `{ inbox { nodes { lastMessage { sender { id } } } } }`
	if r := e.GQL(t, tok, five, nil); r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "deep") {
		t.Fatalf("5 levels: %+v", r.Errors)
	}
	// A fragment does not hide depth.
	viaFragment := `fragment M on Message { sender { id } } { inbox { nodes { lastMessage { ...M } } } }`
	if r := e.GQL(t, tok, viaFragment, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("5 levels through a fragment: %+v", r.Errors)
	}
}

func TestIntrospectionSwitch(t *testing.T) {
	e := apptest.New(t)
	r := e.GQL(t, e.User(t, "co-ola"), `{ __schema { queryType { name } } }`, nil)
	if r.Code() != "" {
		t.Fatalf("introspection on by default: %+v", r.Errors)
	}
	off := apptest.NewWith(t, func(c *app.Config) { c.Introspection = false })
	r = off.GQL(t, apptest.Bearer(apptest.Token(t, viewerFor("x", "buyer", ""))), `{ __schema { queryType { name } } }`, nil)
	if r.Code() == "" {
		t.Fatalf("introspection off still answered: %s", r.Data)
	}
}

func TestAutomaticPersistedQueries(t *testing.T) {
	e := apptest.New(t)
	q := `{ viewer { userId } }`
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	ola := e.User(t, "co-ola")
	if r := e.GQLExt(t, ola, "", ext); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %q", r.Code())
	}
	if r := e.GQLExt(t, ola, q, ext); r.Code() != "" {
		t.Fatalf("register: %+v", r.Errors)
	}
	var v struct{ Viewer struct{ UserID string } }
	e.GQLExt(t, ola, "", ext).Decode(t, &v)
	if v.Viewer.UserID != "co-ola" {
		t.Fatalf("by hash = %+v", v)
	}
}

// queryCounter counts the SQL statements bun runs for HTTP requests (not the live hub's own
// background reads).
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if app.RequestID(ctx) != "" {
		c.n.Add(1)
	}
	return ctx
}
func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// An inbox page costs the same number of statements whatever its size.
func TestInboxStatementsDoNotGrowWithPageSize(t *testing.T) {
	// No webhook worker: the counter would count its polling.
	e := apptest.NewWith(t, func(c *app.Config) { c.WebhookWorker = false })
	for b := 0; b < 12; b++ {
		conv, kari, _ := newThread(t, e, 6000+b)
		send(t, e, kari, conv, "hello")
	}
	counter := &queryCounter{}
	e.Store.DB.AddQueryHook(counter)
	kari := e.User(t, "co-kari")
	statements := func(first int) int64 {
		before := counter.n.Load()
		got := inbox(t, e, kari, map[string]any{"first": first})
		if len(got.Inbox.Nodes) != first {
			t.Fatalf("page of %d has %d rows", first, len(got.Inbox.Nodes))
		}
		return counter.n.Load() - before
	}
	statements(1) // the first request records the user
	one, twelve := statements(1), statements(12)
	if one != twelve {
		t.Fatalf("inbox page of 1 ran %d statements, page of 12 ran %d", one, twelve)
	}
	if one > 10 {
		t.Fatalf("inbox page ran %d statements", one)
	}
	t.Logf("inbox page: %d statements for 1 or 12 rows", one)
}
