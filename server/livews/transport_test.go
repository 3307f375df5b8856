package livews_test

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	gobwas "github.com/gobwas/ws"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/apptest/gqlws"
	"github.com/parley/parley/server/livews"
)

func subscribeMsg(id, conv string) map[string]any {
	return map[string]any{"type": "subscribe", "id": id,
		"payload": map[string]any{"query": messageAddedSub, "variables": map[string]any{"c": conv}}}
}

// Every way of breaking graphql-transport-ws closes the socket with the code the protocol
// gives it, and leaves nothing behind.
func TestWebSocketProtocolViolationsCloseWithTheirCodes(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WSInitTimeout = 300 * time.Millisecond })
	token := e.User(t, "co-ola").Token
	conv := threadOf(t, e, 1001)
	cases := []struct {
		name string
		send []any
		code int
	}{
		{"subscribe before connection_init", []any{subscribeMsg("1", conv)}, livews.CloseUnauthorized},
		{"connection_init twice", []any{apptest.InitMsg(token), apptest.InitMsg(token)}, livews.CloseTooManyInits},
		{"not JSON", []any{[]byte("{")}, livews.CloseBadRequest},
		{"unknown message type", []any{apptest.InitMsg(token), map[string]any{"type": "start", "id": "1"}}, livews.CloseBadRequest},
		{"subscribe without an id", []any{apptest.InitMsg(token), subscribeMsg("", conv)}, livews.CloseBadRequest},
		{"subscribe without a payload", []any{apptest.InitMsg(token), map[string]any{"type": "subscribe", "id": "1"}}, livews.CloseBadRequest},
		{"an id already subscribed", []any{apptest.InitMsg(token), subscribeMsg("1", conv), subscribeMsg("1", conv)}, livews.CloseDuplicateID},
		{"connection_init payload not an object", []any{map[string]any{"type": "connection_init", "payload": "x"}}, livews.CloseBadRequest},
		{"no connection_init in time", nil, livews.CloseInitTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
			for _, m := range tc.send {
				w.Send(m)
			}
			w.ClosedWith(tc.code)
		})
	}
	waitFor(t, func() bool {
		return e.App.Sockets.Connections() == 0 && e.App.Hub.Counts()["messages"] == 0
	})
}

// The legacy protocol says why in connection_error before it closes.
func TestLegacyProtocolErrorsSayWhy(t *testing.T) {
	e := apptest.New(t)
	w := apptest.DialWS(t, e, livews.ProtocolLegacy, nil)
	w.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": "garbage"}})
	m := w.Until("connection_error")
	if b, _ := json.Marshal(m); !strings.Contains(string(b), "Forbidden") {
		t.Fatalf("connection_error = %s", b)
	}
	w.ClosedWith(livews.CloseForbidden)
}

// Queries and mutations run over the socket too: one result, then complete. A document that
// does not validate is the operation's error, and the connection stays usable.
func TestWebSocketQueriesAndErrors(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	w := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	w.Send(apptest.InitMsg(ola.Token))
	w.Until("connection_ack")

	w.Send(map[string]any{"type": "subscribe", "id": "q", "payload": map[string]any{"query": `{ inbox(first: 1) { totalCount } }`}})
	next := w.Until("next")
	if b, _ := json.Marshal(next); next["id"] != "q" || !strings.Contains(string(b), "totalCount") {
		t.Fatalf("next = %s", b)
	}
	if done := w.Until("complete"); done["id"] != "q" {
		t.Fatalf("complete = %v", done)
	}

	w.Send(map[string]any{"type": "subscribe", "id": "bad", "payload": map[string]any{"query": `subscription { nope }`}})
	errMsg := w.Until("error")
	if b, _ := json.Marshal(errMsg); errMsg["id"] != "bad" || !strings.Contains(string(b), "GRAPHQL_VALIDATION_FAILED") {
		t.Fatalf("error = %s", b)
	}

	// Someone else's thread is not found, and ends that operation only.
	other := threadOf(t, e, 1002)
	w.Send(subscribeMsg("theirs", other))
	next = w.Until("next")
	if b, _ := json.Marshal(next); next["id"] != "theirs" || !strings.Contains(string(b), "NOT_FOUND") {
		t.Fatalf("subscribing to another's thread: %s", b)
	}
	w.Until("complete")

	w.Send(map[string]any{"type": "ping"})
	w.Until("pong")
}

// After complete, nothing more is sent for that id and the hub lets the subscription go.
func TestWebSocketCompleteStopsDelivery(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	w := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	w.Send(apptest.InitMsg(e.User(t, "co-ola").Token))
	w.Until("connection_ack")
	w.Send(subscribeMsg("1", conv))
	waitFor(t, func() bool { return e.App.Hub.Counts()["messages"] == 1 })
	w.Send(map[string]any{"type": "complete", "id": "1"})
	waitFor(t, func() bool { return e.App.Hub.Counts()["messages"] == 0 })
	send(t, e, e.User(t, "ws-bilfix"), conv, "after complete")
	if m, err := w.Read(500 * time.Millisecond); err == nil {
		t.Fatalf("after complete the server sent %v", m)
	}
}

// Browsers may connect from the configured origins and the server's own; others get 403.
func TestWebSocketOrigins(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.CORSOrigins = []string{"https://app.parley.no", "*.bilverksted.no"} })
	for origin, ok := range map[string]bool{
		"https://app.parley.no": true, "https://oslo.bilverksted.no": true, e.URL: true,
		"https://evil.example": false, "https://app.parley.no.evil.example": false,
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.URL, "http")+"/graphql",
			&websocket.DialOptions{Subprotocols: []string{livews.ProtocolTransportWS}, HTTPHeader: http.Header{"Origin": {origin}}})
		cancel()
		if ok && err != nil {
			t.Errorf("origin %s refused: %v", origin, err)
		}
		if !ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden) {
			t.Errorf("origin %s: want 403, got %v", origin, err)
		}
		if c != nil {
			c.CloseNow()
		}
	}
}

// The server pings; a peer that answers stays, a peer that falls silent is dropped.
func TestWebSocketKeepAlive(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WSPingInterval = 150 * time.Millisecond })
	token := e.User(t, "co-ola").Token
	alive := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	alive.Send(apptest.InitMsg(token))
	alive.Until("connection_ack")
	for i := 0; i < 8; i++ { // over a second: reading also answers the WebSocket pings
		alive.Until("ping")
	}
	alive.Send(map[string]any{"type": "ping"})
	alive.Until("pong")

	silent := rawGobwas(t, e)
	writeFrame(t, silent, gobwas.NewTextFrame(mustJSONBytes(apptest.InitMsg(token))))
	start := time.Now()
	_ = silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for { // never answering: the server must drop us after three silent periods
		if _, err := silent.Read(buf); err != nil {
			break
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("a silent peer was kept %v", d)
	}
}

// Shutdown closes every socket with 1001, so clients reconnect to another replica.
func TestWebSocketShutdownSaysGoingAway(t *testing.T) {
	e := apptest.New(t)
	w := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	w.Send(apptest.InitMsg(e.User(t, "co-ola").Token))
	w.Until("connection_ack")
	e.App.Sockets.Shutdown()
	w.ClosedWith(livews.CloseGoingAway)
}

// Fragmented messages are put together, pings answered, and frames that break RFC 6455
// close the socket with its codes.
func TestWebSocketFrames(t *testing.T) {
	e := apptest.New(t)
	token := e.User(t, "co-ola").Token
	c := rawGobwas(t, e)
	msg := mustJSONBytes(apptest.InitMsg(token))
	writeFrame(t, c, gobwas.NewFrame(gobwas.OpText, false, msg[:10]))
	writeFrame(t, c, gobwas.NewFrame(gobwas.OpContinuation, true, msg[10:]))
	if f := readFrame(t, c); !strings.Contains(string(f.Payload), "connection_ack") {
		t.Fatalf("after a fragmented connection_init: %s", f.Payload)
	}
	writeFrame(t, c, gobwas.NewPingFrame([]byte("hi")))
	if f := readFrame(t, c); f.Header.OpCode != gobwas.OpPong || string(f.Payload) != "hi" {
		t.Fatalf("ping answered with %v %q", f.Header.OpCode, f.Payload)
	}

	unmasked := rawGobwas(t, e)
	if err := gobwas.WriteFrame(unmasked, gobwas.NewTextFrame(msg)); err != nil {
		t.Fatal(err)
	}
	expectCloseFrame(t, unmasked, livews.CloseProtocolError)

	big := rawGobwas(t, e)
	writeFrame(t, big, gobwas.NewTextFrame(make([]byte, 1<<20+1)))
	expectCloseFrame(t, big, livews.CloseTooBig)

	notText := rawGobwas(t, e)
	writeFrame(t, notText, gobwas.NewTextFrame([]byte{'"', 0xff, '"'}))
	expectCloseFrame(t, notText, livews.CloseInvalidData)

	// The peer's close is answered with its own code when valid, else with 1002.
	for sent, want := range map[int]int{4000: 4000, 1000: 1000, 999: livews.CloseProtocolError, 1006: livews.CloseProtocolError} {
		c := rawGobwas(t, e)
		writeFrame(t, c, gobwas.NewCloseFrame(gobwas.NewCloseFrameBody(gobwas.StatusCode(sent), "")))
		expectCloseFrame(t, c, want)
	}
}

type gobwasConn interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
	SetReadDeadline(time.Time) error
	Close() error
}

func rawGobwas(t *testing.T, e *apptest.Env) gobwasConn {
	t.Helper()
	d := gobwas.Dialer{Protocols: []string{livews.ProtocolTransportWS}, Timeout: 5 * time.Second}
	c, br, _, err := d.Dial(t.Context(), "ws"+strings.TrimPrefix(e.URL, "http")+"/graphql")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if br != nil {
		t.Fatal("server sent data before connection_init")
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func writeFrame(t *testing.T, c gobwasConn, f gobwas.Frame) {
	t.Helper()
	if err := gobwas.WriteFrame(c, gobwas.MaskFrameInPlace(f)); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

func readFrame(t *testing.T, c gobwasConn) gobwas.Frame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := gobwas.ReadFrame(c)
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}

func expectCloseFrame(t *testing.T, c gobwasConn, code int) {
	t.Helper()
	for {
		f := readFrame(t, c)
		if f.Header.OpCode == gobwas.OpClose {
			if got, _ := gobwas.ParseCloseFrameData(f.Payload); int(got) != code {
				t.Fatalf("closed with %d, want %d", got, code)
			}
			return
		}
	}
}

func mustJSONBytes(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// An idle subscriber costs the server one goroutine: nothing waits on its subscription.
func TestIdleSubscriptionsHoldOneGoroutineEach(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	conv := threadOf(t, e, 1001)
	warm := dial(t, e, ola)
	subscribe(t, warm, "warm", messageAddedSub, map[string]any{"c": conv})
	waitFor(t, func() bool { return e.App.Hub.Counts()["messages"] == 1 })
	before := quietGoroutines()
	const n = 40 // at most PARLEY_MAX_SUBSCRIPTIONS (50) for one user
	for i := 0; i < n; i++ {
		c := dial(t, e, ola)
		subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	}
	waitFor(t, func() bool { return e.App.Hub.Counts()["messages"] == n+1 })
	// The clients live in this process too, but a coder/websocket client that is not reading
	// parks no goroutine: the growth is the server's.
	grown := quietGoroutines() - before
	if grown > n+n/10 {
		t.Fatalf("%d idle subscriptions hold %d goroutines", n, grown)
	}
	t.Logf("%d idle subscriptions hold %d goroutines", n, grown)
}

func quietGoroutines() int {
	for i := 0; i < 10; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

// threadOf is the conversation id (as a string) of a seeded booking.
func threadOf(t *testing.T, e *apptest.Env, bookingID int64) string { return e.ThreadOf(t, bookingID) }

const messageAddedSub = `subscription($c: ID, $after: String) { messageAdded(conversationId: $c, after: $after) { messageId body isMine } }`

// send sends a message through GraphQL over HTTP.
func send(t *testing.T, e *apptest.Env, c apptest.Creds, conv, body string) {
	t.Helper()
	e.GQL(t, c, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { created } }`,
		map[string]any{"in": map[string]any{"conversationId": conv, "body": body}}).Decode(t, &struct{}{})
}

// dial opens an acknowledged graphql-transport-ws connection as c.
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

// waitFor waits for cond, polling the server's state with a generous deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 30s")
		}
		time.Sleep(20 * time.Millisecond) // polling for the server's state, not timing it
	}
}
