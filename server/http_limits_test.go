package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// dial opens a raw connection to the test server, for clients no http.Client would be.
func dial(t *testing.T, e *apptest.Env) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// answer is what the server sent before it closed the connection, or before the reader gave up.
type answer struct {
	text   string
	closed bool
}

// readUntilClosed reads what the server sends until it closes the connection or limit passes.
func readUntilClosed(c net.Conn, limit time.Duration) <-chan answer {
	out := make(chan answer, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(limit))
		var got bytes.Buffer
		_, err := io.Copy(&got, c)
		var ne net.Error
		ok := errors.As(err, &ne)
		out <- answer{text: got.String(), closed: !ok || !ne.Timeout()}
	}()
	return out
}

// trickle writes one byte of b at every tick until the server closes the connection.
func trickle(t *testing.T, c net.Conn, head string, b []byte, every time.Duration) string {
	t.Helper()
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	out := readUntilClosed(c, 20*time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case a := <-out:
			if !a.closed {
				t.Fatalf("the server held a trickled request open for 20s; it sent %q", a.text)
			}
			if i >= len(b) {
				t.Fatalf("the whole body went through before the server closed")
			}
			return a.text
		case <-tick.C:
			if i < len(b) {
				_, _ = c.Write(b[i : i+1])
			}
		}
	}
}

func TestTrickledBodyIsCutAtTheBodyDeadline(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.BodyTimeout = 300 * time.Millisecond })
	body := []byte(`{"query":"{ __typename }"}` + strings.Repeat(" ", 400))
	head := fmt.Sprintf("POST /graphql HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	got := trickle(t, dial(t, e), head, body, 50*time.Millisecond)
	if !strings.HasPrefix(got, "HTTP/1.1 408") || !strings.Contains(got, `"REQUEST_TIMEOUT"`) {
		t.Fatalf("a body cut off is not answered 408 REQUEST_TIMEOUT:\n%s", got)
	}
}

func TestTrickledHeadersAreCut(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.ReadHeaderTimeout = 300 * time.Millisecond })
	trickle(t, dial(t, e), "GET /graphql?query=%7B__typename%7D HTTP/1.1\r\n", []byte(strings.Repeat("X-Slow: a\r\n", 40)), 50*time.Millisecond)
}

// A body over the limit is refused by its Content-Length, before the server waits for it.
func TestBodyOverTheLimitIsRefusedBeforeItIsRead(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxBody = 64 << 10 })
	gqlCode := func(m map[string]any) any {
		return m["errors"].([]any)[0].(map[string]any)["extensions"].(map[string]any)["code"]
	}
	// An Upgrade header on a POST is no WebSocket handshake and escapes nothing.
	for path, codeAt := range map[string]func(map[string]any) any{
		"/graphql": gqlCode,
		"/graphql\r\nUpgrade: x\r\nAccept: text/event-stream": gqlCode,
		"/api/co/messages/send":                               func(m map[string]any) any { return m["error"].(map[string]any)["code"] },
	} {
		c := dial(t, e)
		path, extra, _ := strings.Cut(path, "\r\n")
		if extra != "" {
			extra += "\r\n"
		}
		head := "POST " + path + " HTTP/1.1\r\nHost: parley\r\n" + extra + "Content-Type: application/json\r\nContent-Length: 314572800\r\n\r\n{\"query\":"
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: no answer to a 300 MB Content-Length: %v", path, err)
		}
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || m == nil || codeAt(m) != "PAYLOAD_TOO_LARGE" {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, m)
		}
	}
}

// A chunked body has no Content-Length: it is cut when it passes the limit.
func TestChunkedBodyOverTheLimitIs413(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxBody = 64 << 10 })
	big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 256<<10) + `"}}`
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	r := e.Do(t, e.User(t, "co-kari"), req)
	if r.Status != http.StatusRequestEntityTooLarge || r.Code() != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("chunked 256 KiB body: %d %+v", r.Status, r.Errors)
	}
	// Uploads have their own, larger limit.
	if r := upload(t, e, e.User(t, "co-ola"), e.ThreadOf(t, 1001), bytes.Repeat([]byte("a"), 200<<10)); r.Status == http.StatusRequestEntityTooLarge {
		t.Fatalf("a 200 KiB upload was refused by the body limit: %+v", r.Errors)
	}
}

// A chunked upload has no Content-Length: it is cut when it passes the upload limit, and
// answered 413 as one with a Content-Length is (gqlgen's multipart transport answered 422).
func TestChunkedUploadOverTheLimitIs413(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxBody, c.MaxUploadBytes = 64<<10, 64<<10 })
	req := uploadRequest(e, e.ThreadOf(t, 1001), bytes.Repeat([]byte("a"), 2<<20))
	req.Body, req.ContentLength = io.NopCloser(io.MultiReader(req.Body)), -1
	r := e.Do(t, e.User(t, "co-ola"), req)
	if r.Status != http.StatusRequestEntityTooLarge || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "more than") {
		t.Fatalf("chunked 2 MiB upload over a 1.6 MiB limit: %d %+v", r.Status, r.Errors)
	}
}

func upload(t *testing.T, e *apptest.Env, c apptest.Creds, conv string, content []byte) *apptest.Response {
	t.Helper()
	return e.Do(t, c, uploadRequest(e, conv, content))
}

func uploadRequest(e *apptest.Env, conv string, content []byte) *http.Request {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(map[string]any{"query": `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`,
		"variables": map[string]any{"in": map[string]any{"conversationId": conv, "attachments": []any{map[string]any{"file": nil}}}}})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.in.attachments.0.file"]}`)
	fw, _ := w.CreateFormFile("0", "notes.txt")
	_, _ = fw.Write(content)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

func limits(prefix string, anonymous ratelimit.Rule) func(*server.Config) {
	return func(c *server.Config) {
		l := ratelimit.DefaultLimits()
		l.User[ratelimit.Read] = ratelimit.Rule{Rate: 0.1, Burst: 3}
		l.Anonymous = anonymous
		c.Limits, c.RedisURL, c.RatePrefix = &l, "redis://127.0.0.1:6379/0", prefix
	}
}

func newPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

func TestAnonymousCallersAreLimitedPerAddress(t *testing.T) {
	e := apptest.NewWith(t, limits(newPrefix(), ratelimit.Rule{Rate: 0.1, Burst: 3}))
	anon := apptest.Creds{}
	for i := 0; i < 3; i++ {
		// X-Forwarded-For from an untrusted peer changes nothing.
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/graphql?query=%7B__typename%7D", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		if r := e.Do(t, anon, req); r.Code() != "" {
			t.Fatalf("anonymous request %d within the burst: %+v", i, r.Errors)
		}
	}
	r := e.GQL(t, anon, `{ __typename }`, nil)
	if r.Status != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" || r.Errors[0].Extensions["retryAfter"] == nil {
		t.Fatalf("4th anonymous request: %d %+v", r.Status, r.Errors)
	}
	resp, m := get(t, e.URL+"/v1/messages/unread", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		m["success"] != false || m["error"].(map[string]any)["code"] != "RATE_LIMITED" {
		t.Fatalf("anonymous REST over the limit: %d %v", resp.StatusCode, m)
	}
	if resp, _ := get(t, e.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("health check of a limited address: %d", resp.StatusCode)
	}
	if r := e.GQL(t, e.User(t, "co-kari"), `{ viewer { id } }`, nil); r.Code() != "" {
		t.Fatalf("a user from the same address: %+v", r.Errors)
	}
}

func TestTrustedProxiesForwardTheClientAddress(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) {
		limits(newPrefix(), ratelimit.Rule{Rate: 0.1, Burst: 1})(c)
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	for i, want := range []int{200, 429, 200} {
		client := []string{"203.0.113.7", "203.0.113.7", "203.0.113.8"}[i]
		resp, _ := get(t, e.URL+"/graphql?query=%7B__typename%7D", map[string]string{"X-Forwarded-For": "198.51.100.1, " + client})
		if resp.StatusCode != want {
			t.Fatalf("request %d from %s through the proxy: %d, want %d", i, client, resp.StatusCode, want)
		}
	}
}

// A user's token is taken before the document is parsed: a stream of broken documents runs
// out of tokens like any other request.
func TestRateLimitsApplyBeforeParsing(t *testing.T) {
	e := apptest.NewWith(t, limits(newPrefix(), ratelimit.Rule{}))
	kari := e.User(t, "co-kari")
	for i := 0; i < 3; i++ {
		if r := e.GQL(t, kari, `{ viewer { id `, nil); r.Code() == "RATE_LIMITED" {
			t.Fatalf("broken document %d within the burst was rate limited", i)
		}
	}
	r := e.GQL(t, kari, `{ viewer { id `, nil)
	if r.Status != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" {
		t.Fatalf("4th broken document: %d %+v", r.Status, r.Errors)
	}
}

// Past its in-flight limit a replica answers 503 at once; health checks still answer.
func TestOverloadIsAnswered503(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxInFlight = 1 })
	kari := e.User(t, "co-kari")
	release := holdSlot(t, e, kari)
	r := awaitStatus(t, e, kari, http.StatusServiceUnavailable)
	if r.Code() != "OVERLOADED" {
		t.Fatalf("overloaded: %+v", r.Errors)
	}
	resp, m := get(t, e.URL+"/api/co/messages/unread", map[string]string{"Authorization": "Bearer " + kari.Token})
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || m["error"].(map[string]any)["code"] != "OVERLOADED" {
		t.Fatalf("REST while overloaded: %d %v", resp.StatusCode, m)
	}
	if resp, _ := get(t, e.URL+"/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readiness while overloaded: %d", resp.StatusCode)
	}
	release()
	awaitStatus(t, e, kari, http.StatusOK)
}

// holdSlot starts an upload whose body never finishes, which holds an in-flight slot. Should
// it meet the slot taken (by awaitStatus's probe) and be refused, it tries again. release ends
// the upload.
func holdSlot(t *testing.T, e *apptest.Env, c apptest.Creds) (release func()) {
	t.Helper()
	head := "POST /graphql HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer " + c.Token +
		"\r\nContent-Type: multipart/form-data; boundary=xx\r\nContent-Length: 100000\r\n\r\n--xx\r\n"
	var mu sync.Mutex
	var conn net.Conn
	released := false
	var hold func()
	hold = func() {
		mu.Lock()
		defer mu.Unlock()
		if released {
			return
		}
		conn = dial(t, e)
		if _, err := io.WriteString(conn, head); err != nil {
			t.Error(err)
			return
		}
		go func(conn net.Conn) {
			if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
				resp.Body.Close()
				hold()
			}
		}(conn)
	}
	hold()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		released = true
		conn.Close()
	}
}

// awaitStatus repeats a small query until it is answered with status.
func awaitStatus(t *testing.T, e *apptest.Env, c apptest.Creds, status int) *apptest.Response {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.GQL(t, c, `{ viewer { id } }`, nil)
		if r.Status == status {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d within 20s; last %d %+v", status, r.Status, r.Errors)
		}
		time.Sleep(10 * time.Millisecond) // polling for the server's state, not timing it
	}
}

func TestCORSSendsCredentialsOnlyToNamedOrigins(t *testing.T) {
	for _, tc := range []struct {
		origins []string
		creds   string
	}{{[]string{"*"}, ""}, {[]string{"https://app.parley.no"}, "true"}, {[]string{"https://app.parley.no", "*"}, "true"}} {
		e := apptest.NewWith(t, func(c *server.Config) { c.CORSOrigins = tc.origins })
		resp, _ := get(t, e.URL+"/healthz", map[string]string{"Origin": "https://app.parley.no"})
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.parley.no" || resp.Header.Get("Access-Control-Allow-Credentials") != tc.creds {
			t.Errorf("origins %v: allow-origin %q, credentials %q, want %q", tc.origins,
				resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"), tc.creds)
		}
	}
}

// A browser's preflight for a REST send may name Idempotency-Key.
func TestCORSPreflightAllowsIdempotencyKey(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.CORSOrigins = []string{"https://app.parley.no"} })
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, e.URL+"/v1/conversations", nil)
	req.Header.Set("Origin", "https://app.parley.no")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "idempotency-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if allowed := resp.Header.Get("Access-Control-Allow-Headers"); !strings.Contains(allowed, "Idempotency-Key") {
		t.Fatalf("preflight allows headers %q, want Idempotency-Key among them", allowed)
	}
}

// An established event stream leaves the in-flight count and outlives the body deadline.
func TestEventStreamsAreNotCountedOrCut(t *testing.T) {
	timeout := 100 * time.Millisecond
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxInFlight, c.BodyTimeout = 1, timeout })
	conv, kari := e.ThreadOf(t, 1002), e.User(t, "co-kari")
	body, _ := json.Marshal(map[string]any{"query": `subscription($c: ID) { messageAdded(conversationId: $c) { body } }`,
		"variables": map[string]any{"c": conv}})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	e.User(t, "ws-dekk").Sign(req)
	opened := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	stop := time.AfterFunc(20*time.Second, func() { resp.Body.Close() })
	defer stop.Stop()
	for i := 0; i == 0 || time.Since(opened) < 3*timeout; i++ {
		text := fmt.Sprintf("past the body deadline %d", i)
		r := e.GQL(t, kari, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`,
			map[string]any{"in": map[string]any{"conversationId": conv, "body": text}})
		if r.Code() != "" {
			t.Fatalf("a send beside an open stream with one slot: %d %+v", r.Status, r.Errors)
		}
		for events.Scan() && !strings.Contains(events.Text(), text) {
		}
		if events.Err() != nil || !strings.Contains(events.Text(), text) {
			t.Fatalf("the stream ended before %q: %v", text, events.Err())
		}
	}
}

// An open WebSocket leaves the in-flight count once upgraded, and still answers afterwards.
func TestWebSocketsAreNotCounted(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxInFlight, c.BodyTimeout = 1, 100*time.Millisecond })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	kari := e.User(t, "co-kari")
	for _, msg := range []string{`{"type":"connection_init","payload":{"Authorization":"Bearer ` + kari.Token + `"}}`, "query"} {
		if msg == "query" {
			if r := e.GQL(t, kari, `{ viewer { id } }`, nil); r.Status != http.StatusOK || r.Code() != "" {
				t.Fatalf("a query beside an open WebSocket with one slot: %d %+v", r.Status, r.Errors)
			}
			msg = `{"type":"subscribe","id":"1","payload":{"query":"{ viewer { id } }"}}`
		}
		if err := ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, b, err := ws.Read(ctx); err != nil || strings.Contains(string(b), "error") {
			t.Fatalf("WebSocket answer to %s: %s %v", msg, b, err)
		}
	}
}

// A query sent as an event stream is a request like any other: it keeps its in-flight slot
// until answered (gqlgen's SSE transport flushes before it runs the operation). Here the query
// waits on a locked table while a probe finds the only slot taken.
func TestQueriesOverEventStreamsAreCounted(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxInFlight = 1 })
	kari := e.User(t, "co-kari")
	tx, err := e.Store.DB.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), "LOCK TABLE message_templates IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": `{ messageTemplates { id } }`})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	kari.Sign(req)
	resp, err := http.DefaultClient.Do(req) // returns at the stream's first flush
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if r := e.GQL(t, kari, `{ __typename }`, nil); r.Status != http.StatusServiceUnavailable || r.Code() != "OVERLOADED" {
		t.Fatalf("a query beside a running event-stream query with one slot: %d %+v, want 503 OVERLOADED", r.Status, r.Errors)
	}
	_ = tx.Rollback()
	rest, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(rest), `"messageTemplates"`) {
		t.Fatalf("the event-stream query's answer: %s", rest)
	}
	awaitStatus(t, e, kari, http.StatusOK)
}
