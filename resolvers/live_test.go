package resolvers_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/apptest/gqlws"
)

const messageAddedSub = `subscription($c: ID, $after: String) { messageAdded(conversationId: $c, after: $after) { messageId body isMine } }`

type added struct {
	MessageAdded struct {
		MessageID int
		Body      string
		IsMine    bool
	}
}

func dial(t *testing.T, e *apptest.Env, c apptest.Creds) *gqlws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, err := gqlws.Dial(ctx, e.URL+"/graphql", nil, map[string]any{"Authorization": "Bearer " + c.Token})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

func subscribe(t *testing.T, conn *gqlws.Conn, id, query string, vars map[string]any) {
	t.Helper()
	if err := conn.Subscribe(t.Context(), id, query, vars); err != nil {
		t.Fatal(err)
	}
}

// next reads the next event, failing after d.
func next(t *testing.T, conn *gqlws.Conn, d time.Duration, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	m, err := conn.Next(ctx)
	if err != nil {
		t.Fatalf("no event within %v: %v", d, err)
	}
	if err := m.Data(v); err != nil {
		t.Fatal(err)
	}
}

// quiet checks nothing arrives within d.
func quiet(t *testing.T, conn *gqlws.Conn, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	if m, err := conn.Next(ctx); err == nil {
		t.Fatalf("unexpected event: %s %s", m.Type, m.Payload)
	}
}

func TestMessageAddedReachesParticipantsOnly(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	shop := dial(t, e, e.User(t, "ws-bilfix"))
	subscribe(t, shop, "1", messageAddedSub, map[string]any{"c": conv})
	stranger := dial(t, e, e.User(t, "co-kari"))
	subscribe(t, stranger, "1", messageAddedSub, nil) // all of kari's conversations
	subscribed(t, e, 2)
	start := time.Now()
	sent := send(t, e, e.User(t, "co-ola"), conv, "live hello")
	var got added
	next(t, shop, time.Second, &got)
	if got.MessageAdded.MessageID != sent.SendMessage.Message.MessageID || got.MessageAdded.Body != "live hello" || got.MessageAdded.IsMine {
		t.Fatalf("got %+v", got)
	}
	t.Logf("delivered in %v", time.Since(start))
	quiet(t, stranger, 300*time.Millisecond)
	// A stranger cannot subscribe to someone else's conversation at all.
	other := dial(t, e, e.User(t, "co-kari"))
	subscribe(t, other, "2", messageAddedSub, map[string]any{"c": conv})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	m, err := other.Next(ctx)
	if err != nil || m.Type == "next" && m.Data(&got) == nil {
		t.Fatalf("stranger's subscription: %v %s", err, m.Payload)
	}
}

func TestMessageAddedResumesFromCursor(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	first := send(t, e, kari, conv, "one").SendMessage.Message.MessageID
	send(t, e, kari, conv, "two")
	send(t, e, kari, conv, "three")
	c := dial(t, e, e.User(t, "ws-dekk"))
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv, "after": strconv.Itoa(first)})
	for _, want := range []string{"two", "three"} {
		var got added
		next(t, c, time.Second, &got)
		if got.MessageAdded.Body != want {
			t.Fatalf("replay got %q, want %q", got.MessageAdded.Body, want)
		}
	}
	send(t, e, kari, conv, "four")
	var got added
	next(t, c, time.Second, &got)
	if got.MessageAdded.Body != "four" {
		t.Fatalf("live got %q", got.MessageAdded.Body)
	}
}

// While 1,000 messages are sent concurrently, a subscriber drops and resumes several times
// with after; it ends with every message exactly once, in id order.
func TestMessageAddedGapFreeAcrossReconnects(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	const total = 1000
	var wg sync.WaitGroup
	sentIDs := make(chan int, total)
	for s := 0; s < 4; s++ {
		who := ola
		if s%2 == 1 {
			who = shop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < total/4; i++ {
				r := e.GQL(t, who, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": fmt.Sprintf("s%d-%d", s, i)}})
				var out sent
				if len(r.Errors) > 0 || r.Into(&out) != nil {
					t.Errorf("send: %+v", r.Errors)
					return
				}
				sentIDs <- out.SendMessage.Message.MessageID
			}
		}()
	}
	seen := map[int]bool{}
	var order []int
	cursor := ""
	for round := 0; len(order) < total && round < 100; round++ {
		c := dial(t, e, ola)
		vars := map[string]any{"c": conv}
		if cursor != "" {
			vars["after"] = cursor
		} else {
			vars["after"] = "0"
		}
		subscribe(t, c, "1", `subscription($c: ID, $after: String) { messageAdded(conversationId: $c, after: $after) { messageId body } }`, vars)
		for n := 0; n < 150 && len(order) < total; n++ {
			var got added
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			m, err := c.Next(ctx)
			cancel()
			if err != nil || m.Data(&got) != nil {
				t.Fatalf("round %d: %v %s", round, err, m.Payload)
			}
			id := got.MessageAdded.MessageID
			if !isSeedBody(got.MessageAdded.Body) {
				if seen[id] {
					t.Fatalf("message %d delivered twice", id)
				}
				seen[id] = true
				order = append(order, id)
			}
			cursor = strconv.Itoa(id)
		}
		c.CloseNow() // vanish mid-stream, then resume
	}
	wg.Wait()
	close(sentIDs)
	for id := range sentIDs {
		if !seen[id] {
			t.Errorf("message %d never delivered", id)
		}
	}
	if len(order) != total {
		t.Fatalf("delivered %d of %d", len(order), total)
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("out of order at %d: %d after %d", i, order[i], order[i-1])
		}
	}
}

func isSeedBody(b string) bool { return len(b) < 2 || b[0] != 's' || (b[1] < '0' || b[1] > '9') }

func TestListenerKilledMidStreamLosesNothing(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	c := dial(t, e, e.User(t, "ws-dekk"))
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	subscribed(t, e, 1)
	killed := map[int]bool{}
	var want []int
	for i := 0; i < 30; i++ {
		if i == 10 || i == 20 {
			killListener(t, e, killed)
		}
		want = append(want, send(t, e, kari, conv, fmt.Sprintf("k%d", i)).SendMessage.Message.MessageID)
	}
	for _, id := range want {
		var got added
		next(t, c, 30*time.Second, &got)
		if got.MessageAdded.MessageID != id {
			t.Fatalf("got message %d, want %d", got.MessageAdded.MessageID, id)
		}
	}
}

// subscribed waits until the hub holds n message subscriptions: from then on, they get every
// message sent.
func subscribed(t *testing.T, e *apptest.Env, n int) {
	t.Helper()
	holding(t, e, map[string]int{"messages": n})
}

// holding waits until the hub holds the given number of live subscriptions of each kind
// named (as Hub.Counts names them).
func holding(t *testing.T, e *apptest.Env, want map[string]int) {
	t.Helper()
	eventually(t, 30*time.Second, fmt.Sprintf("the hub holds %v", want), func() bool {
		got := e.App.Hub.Counts()
		for kind, n := range want {
			if got[kind] != n {
				return false
			}
		}
		return true
	})
}

// killListener terminates the hub's LISTEN connection, once one other than those killed
// before is up (the hub reconnects after a kill, and LISTENs when it is started).
func killListener(t *testing.T, e *apptest.Env, killed map[int]bool) {
	t.Helper()
	pid := 0
	eventually(t, 30*time.Second, "a LISTEN connection", func() bool {
		var pids []int
		err := e.Store.DB.NewRaw(`SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`).Scan(t.Context(), &pids)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pids {
			if !killed[p] {
				pid = p
				return true
			}
		}
		return false
	})
	var ok bool
	if err := e.Store.DB.NewRaw(`SELECT pg_terminate_backend(?)`, pid).Scan(t.Context(), &ok); err != nil || !ok {
		t.Fatalf("kill the listener %d: %v (%v)", pid, err, ok)
	}
	killed[pid] = true
}

func TestSubscriptionsDoNotLeakGoroutines(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	conv := threadOf(t, e, 1001)
	settle := func() int {
		for i := 0; i < 50; i++ {
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
		}
		return runtime.NumGoroutine()
	}
	c := dial(t, e, ola)
	subscribe(t, c, "warm", messageAddedSub, map[string]any{"c": conv})
	if err := c.Complete(t.Context(), "warm"); err != nil {
		t.Fatal(err)
	}
	before := settle()
	var wg sync.WaitGroup
	for w := 0; w < 10; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				conn, err := gqlws.Dial(ctx, e.URL+"/graphql", nil, map[string]any{"Authorization": "Bearer " + ola.Token})
				if err != nil {
					cancel()
					t.Errorf("dial: %v", err)
					return
				}
				_ = conn.Subscribe(ctx, "1", messageAddedSub, map[string]any{"c": conv})
				if i%2 == 0 {
					_ = conn.Complete(ctx, "1")
					_ = conn.Close()
				} else {
					conn.CloseNow()
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		after := settle()
		counts := e.App.Hub.Counts()
		if after <= before+5 && counts["messages"] == 0 {
			t.Logf("goroutines before %d, after 1,000 subscriptions %d", before, after)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines before %d, after %d; live subscriptions left %v", before, after, counts)
		}
	}
}

func TestWebSocketAuthentication(t *testing.T) {
	e := apptest.New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var ce *gqlws.CloseError
	if _, err := gqlws.Dial(ctx, e.URL+"/graphql", nil, nil); !errors.As(err, &ce) || ce.Code != 4401 {
		t.Fatalf("no credentials: %v", err)
	}
	if _, err := gqlws.Dial(ctx, e.URL+"/graphql", nil, map[string]any{"authToken": "garbage"}); !errors.As(err, &ce) || ce.Code != 4403 {
		t.Fatalf("bad token: %v", err)
	}
	header := map[string][]string{"Authorization": {"Bearer " + e.User(t, "co-ola").Token}}
	conn, err := gqlws.Dial(ctx, e.URL+"/graphql", header, nil)
	if err != nil {
		t.Fatalf("token on the upgrade request: %v", err)
	}
	conn.Close()
	conn, err = gqlws.Dial(ctx, e.URL+"/graphql", nil, map[string]any{"authToken": e.User(t, "co-ola").Token})
	if err != nil {
		t.Fatalf("authToken in connection_init: %v", err)
	}
	conn.Close()
}

func TestSubscriptionEndsWhenTokenExpires(t *testing.T) {
	e := apptest.New(t)
	tok := apptest.TokenFor(t, viewerFor("co-ola", "car_owner", ""), 1500*time.Millisecond)
	c := dial(t, e, apptest.Bearer(tok))
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": threadOf(t, e, 1001)})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil || m.Type != "error" || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
		t.Fatalf("expiry: %v %s %s", err, m.Type, m.Payload)
	}
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

// A message id taken by a transaction still open holds back every higher id, in any thread: a
// subscriber to all their threads resuming with after gets the lower one first once it
// commits, never the higher one before it (its cursor would then skip the lower one).
func TestMessageAddedWaitsForALowerIdStillUncommitted(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	other := threadOf(t, e, 1003)
	before := send(t, e, ola, other, "before").SendMessage.Message.MessageID
	if err := e.App.Hub.Settle(t.Context()); err != nil {
		t.Fatal(err)
	}

	tx, err := e.App.Store.DB.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var held int
	err = tx.QueryRowContext(t.Context(), `INSERT INTO messages (conversation_id, sender_party_id, sender_user_id, sender_role, type, body)
		SELECT p.conversation_id, p.party_id, p.party_id, p.role, 'text', 'held'
		FROM participants AS p JOIN conversations AS c ON c.id = p.conversation_id
		WHERE c.booking_id = 1001 AND p.party_id = 'co-ola' RETURNING id`).Scan(&held)
	if err != nil {
		t.Fatal(err)
	}
	later := send(t, e, ola, other, "later").SendMessage.Message.MessageID
	if later <= held {
		t.Fatalf("ids %d then %d, want rising", held, later)
	}

	c := dial(t, e, ola)
	subscribe(t, c, "1", `subscription($after: String) { messageAdded(after: $after) { messageId body } }`,
		map[string]any{"after": strconv.Itoa(before - 1)})
	var first added
	next(t, c, 10*time.Second, &first) // the replay has read past it: the later one is committed
	if first.MessageAdded.MessageID != before {
		t.Fatalf("got message %d first, want %d", first.MessageAdded.MessageID, before)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{held, later} {
		var got added
		next(t, c, 10*time.Second, &got)
		if got.MessageAdded.MessageID != want {
			t.Fatalf("got message %d (%q), want %d", got.MessageAdded.MessageID, got.MessageAdded.Body, want)
		}
	}
}
