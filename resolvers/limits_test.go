package resolvers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
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
	if r := e.GQL(t, ola, b.String(), nil); r.Code() != "QUERY_TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, "aliases") {
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
	if r := e.GQL(t, ola, huge, nil); r.Code() != "QUERY_TOO_COMPLEX" {
		t.Fatalf("40 KiB query: %q", r.Code())
	}
}

func TestQueryDepthLimit(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxQueryDepth = 4 })
	tok := apptest.Bearer(apptest.Token(t, viewerFor("x", "buyer", "")))
	if r := e.GQL(t, tok, `{ inbox { nodes { lastMessage { id } } } }`, nil); r.Code() != "" {
		t.Fatalf("4 levels: %+v", r.Errors)
	}
	five := `{ inbox { nodes { lastMessage { sender { id } } } } }`
	if r := e.GQL(t, tok, five, nil); r.Code() != "QUERY_TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, "deep") {
		t.Fatalf("5 levels: %+v", r.Errors)
	}
	// A fragment does not hide depth.
	viaFragment := `fragment M on Message { sender { id } } { inbox { nodes { lastMessage { ...M } } } }`
	if r := e.GQL(t, tok, viaFragment, nil); r.Code() != "QUERY_TOO_COMPLEX" {
		t.Fatalf("5 levels through a fragment: %+v", r.Errors)
	}
}

func TestIntrospectionSwitch(t *testing.T) {
	e := apptest.New(t)
	r := e.GQL(t, e.User(t, "co-ola"), `{ __schema { queryType { name } } }`, nil)
	if r.Code() != "" {
		t.Fatalf("introspection on by default: %+v", r.Errors)
	}
	off := apptest.NewWith(t, func(c *server.Config) { c.Introspection = false })
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
	if server.RequestID(ctx) != "" {
		c.n.Add(1)
	}
	return ctx
}
func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// An inbox page costs the same number of statements whatever its size.
func TestInboxStatementsDoNotGrowWithPageSize(t *testing.T) {
	// No webhook worker: the counter would count its polling.
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
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
	if one > 3 { // the page with its totals, the threads' display, the participants
		t.Fatalf("inbox page ran %d statements", one)
	}
	t.Logf("inbox page: %d statements for 1 or 12 rows", one)
}

// cpuOf is the process's CPU time (user and system) spent while fn runs: the server runs in
// this process, so it is what one request costs the server, whatever else the machine does.
func cpuOf(t *testing.T, fn func()) time.Duration {
	t.Helper()
	used := func() time.Duration {
		var u syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
			t.Fatal(err)
		}
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	before := used()
	fn()
	return used() - before
}

// maxCPU is a generous bound on what refusing one document may cost; the documents below cost
// from seconds to hours before the limits.
const maxCPU = 500 * time.Millisecond

// refusedCheaply sends q without credentials and wants it refused with code, with a message
// containing want, for less than maxCPU.
func refusedCheaply(t *testing.T, e *apptest.Env, name, q, code, want string) *apptest.Response {
	t.Helper()
	var r *apptest.Response
	cpu := cpuOf(t, func() { r = e.GQL(t, apptest.Creds{}, q, nil) })
	if len(r.Errors) == 0 {
		t.Fatalf("%s (%d bytes) was answered: %.200s", name, len(q), r.Data)
	}
	if r.Code() != code || !strings.Contains(r.Errors[0].Message, want) {
		t.Errorf("%s (%d bytes): code %q, %d errors, first %+v; want %s saying %q", name, len(q), r.Code(), len(r.Errors), r.Errors[0], code, want)
	}
	if cpu > maxCPU {
		t.Errorf("%s (%d bytes) cost %v of CPU", name, len(q), cpu)
	}
	return r
}

// fanOut is the attack report's document: F0 selects __typename, every Fi spreads F(i-1) ten
// times, the operation spreads Flevels; 10^levels fields once expanded.
func fanOut(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ ...F%d }\nfragment F0 on Query { __typename }\n", levels)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query {%s }\n", i, strings.Repeat(fmt.Sprintf(" ...F%d", i-1), 10))
	}
	return b.String()
}

// Fragments are measured once each, so a fan of spreads costs what its text costs.
func TestFragmentFanOutIsRefusedCheaply(t *testing.T) {
	e := apptest.New(t)
	refusedCheaply(t, e, "10^8 fields", fanOut(8), "QUERY_TOO_COMPLEX", "fields once its fragments are expanded")
	refusedCheaply(t, e, "10^30 fields", fanOut(30), "QUERY_TOO_COMPLEX", "more than a trillion fields")
	// Depth behind shared fragments still counts (refused before validation looks at names).
	refusedCheaply(t, e, "depth through fragments", "fragment E on Message { a { b { c { d { e { f } } } } } }"+
		" { inbox { nodes { lastMessage { ...E } } } }", "QUERY_TOO_COMPLEX", "9 levels deep")
	deep := "fragment D on User { id } fragment C on Conversation { participants { user { ...D } } }" +
		" { inbox { nodes { ...C lastMessage { sender { ...D } } } } }"
	if r := e.GQL(t, e.User(t, "co-ola"), deep, nil); r.Code() != "" {
		t.Fatalf("5 levels through fragments: %+v", r.Errors)
	}
	cycle := "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }"
	refusedCheaply(t, e, "cycle", cycle, "QUERY_TOO_COMPLEX", "spreads itself")
}

// Documents that make validation compare fields pairwise or report an error per token are
// refused before validation; what gets through stays cheap, and no answer holds more than 50
// errors.
func TestQuadraticValidationIsRefusedCheaply(t *testing.T) {
	e := apptest.New(t)
	fields := func(format string, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	for _, c := range []struct{ name, q, want string }{
		{"10,800 repeated fields", "{ viewer { " + strings.Repeat("id ", 10800) + "} }", "tokens"},
		{"10,000 unknown fields", "{ " + strings.Repeat("a ", 10000) + "}", "tokens"},
		{"10,000 unknown directives", "{ viewer " + strings.Repeat("@a ", 10000) + "{ id } }", "tokens"},
		{"3,000 comments", strings.Repeat("#\n", 3000) + "{ __typename }", "tokens"},
		{"1,000 repeated fields", "{ viewer { " + strings.Repeat("id ", 1000) + "} }", "one field 1000 times"},
		{"repeats merged across fields", "{ " + strings.Repeat("viewer { "+strings.Repeat("id ", 10)+"} ", 10) + "}", "one field 100 times"},
		{"repeats merged through fragments", "fragment V on User { " + strings.Repeat("id ", 20) + "} { viewer { " + strings.Repeat("...V ", 20) + "} }", "one field 400 times"},
		{"60 directives", "{ viewer " + strings.Repeat("@skip(if: false) ", 60) + "{ id } }", "60 directives"},
		{"31 aliases", "{ " + fields("a%d: viewer { id } ", 31) + "}", "31 aliases"},
		{"9 levels", "{ inbox { nodes { lastMessage { conversation { lastMessage { conversation { participants { user { id } } } } } } } } }", "9 levels deep"},
	} {
		refusedCheaply(t, e, c.name, c.q, "QUERY_TOO_COMPLEX", c.want)
	}
	// 1,900 distinct unknown fields fit the limits: validation reports them cheaply, and the
	// answer keeps 49 of them and says how many more there were.
	r := refusedCheaply(t, e, "1,900 unknown fields", "{ "+fields("a%d ", 1900)+"}", "GRAPHQL_VALIDATION_FAILED", `"a0"`)
	last := r.Errors[len(r.Errors)-1]
	if len(r.Errors) != 50 || last.Extensions["code"] != "TOO_MANY_ERRORS" || last.Message != "1851 more errors were dropped." {
		t.Fatalf("%d errors, the last %+v", len(r.Errors), last)
	}
}

// cancelWatch holds the first statement a GraphQL operation runs until the operation's context
// ends, and reports how it ended: a client that hangs up must stop the work done for it.
type cancelWatch struct {
	started chan struct{}
	ended   chan error
	once    sync.Once
}

func (c *cancelWatch) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if !graphql.HasOperationContext(ctx) {
		return ctx // authentication, before the body is read: Go sees a hang-up only after
	}
	c.once.Do(func() {
		close(c.started)
		select {
		case <-ctx.Done():
			c.ended <- ctx.Err()
		case <-time.After(10 * time.Second):
			c.ended <- nil
		}
	})
	return ctx
}
func (c *cancelWatch) AfterQuery(context.Context, *bun.QueryEvent) {}

// Work stops when the client goes away: the statements of a request run under its context.
// (What comes before execution is bounded by the document limits above.)
func TestWorkStopsWhenTheClientGoesAway(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	watch := &cancelWatch{started: make(chan struct{}), ended: make(chan error, 1)}
	e.Store.DB.AddQueryHook(watch)
	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	body, _ := json.Marshal(map[string]any{"query": `{ inbox { nodes { id lastMessage { body } } } }`})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	e.User(t, "co-ola").Sign(req)
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-watch.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the request ran no statement")
	}
	hangUp()
	if err := <-watch.ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("the statement's context ended with %v, want context.Canceled", err)
	}
}
