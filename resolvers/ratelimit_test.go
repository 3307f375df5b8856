package resolvers_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/livews"
)

func strict(prefix string) func(*server.Config) {
	return func(c *server.Config) {
		c.Limits = &ratelimit.Limits{
			User:   map[ratelimit.Class]ratelimit.Rule{ratelimit.Send: {Rate: 0.5, Burst: 3}, ratelimit.Read: {Rate: 0.5, Burst: 5}, ratelimit.Other: {Rate: 0.5, Burst: 3}},
			APIKey: ratelimit.Rule{Rate: 0.5, Burst: 4},
		}
		c.RedisURL = "redis://127.0.0.1:6379/0"
		c.RatePrefix = prefix
	}
}

func newPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}

func TestRateLimitsPerClassInGraphQL(t *testing.T) {
	e := apptest.NewWith(t, strict(newPrefix()))
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	for i := 0; i < 3; i++ {
		send(t, e, kari, conv, "within the burst")
	}
	r := e.GQL(t, kari, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": "one too many"}})
	if r.Code() != "RATE_LIMITED" || r.Errors[0].Extensions["retryAfter"] == nil {
		t.Fatalf("4th send: %q %+v", r.Code(), r.Errors)
	}
	if n := totalMessages(t, e, conv); n != 5 {
		t.Fatalf("thread has %d messages, want 2 seeded + 3", n)
	}
	// Reading draws from another bucket, and other users are not affected.
	if r := e.GQL(t, kari, `{ unreadCounts { messages } }`, nil); r.Code() != "" {
		t.Fatalf("a read after the send limit: %+v", r.Errors)
	}
	send(t, e, e.User(t, "ws-dekk"), conv, "another user sends fine")
	for i := 0; i < 5; i++ {
		e.GQL(t, kari, `{ viewer { id } }`, nil)
	}
	if r := e.GQL(t, kari, `{ viewer { id } }`, nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("reads over the limit: %q", r.Code())
	}
	// 0.5 a second refills one token within about 2s; a refused read takes no token.
	eventually(t, 30*time.Second, "a read allowed again after the refill", func() bool {
		r := e.GQL(t, kari, `{ viewer { id } }`, nil)
		if c := r.Code(); c != "" && c != "RATE_LIMITED" {
			t.Fatalf("waiting for the refill: %+v", r.Errors)
		}
		return r.Code() == ""
	})
}

func TestRateLimitsAnswer429InRESTEnvelopes(t *testing.T) {
	e := apptest.NewWith(t, strict(newPrefix()))
	per := e.User(t, "usr_per")
	var last *http.Response
	for i := 0; i < 6; i++ {
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/v1/messages/unread", nil)
		req.Header.Set("Authorization", "Bearer "+per.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("6th read = %d", last.StatusCode)
	}
	if s, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After = %q", last.Header.Get("Retry-After"))
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/v1/messages/unread", nil)
	req.Header.Set("Authorization", "Bearer "+per.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Success bool
		Error   struct{ Code string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Success || body.Error.Code != "RATE_LIMITED" {
		t.Fatalf("429 body: %+v %v", body, err)
	}
}

// Two replicas share the buckets through Redis: the limit is the user's, not the server's.
func TestRateLimitsHoldAcrossReplicas(t *testing.T) {
	prefix := newPrefix()
	a, b := apptest.NewWith(t, strict(prefix)), apptest.NewWith(t, strict(prefix))
	for i := 0; i < 3; i++ {
		e := a
		if i%2 == 1 {
			e = b
		}
		send(t, e, e.User(t, "co-kari"), threadOf(t, e, 1002), "shared bucket")
	}
	r := b.GQL(t, b.User(t, "co-kari"), sendMutation, map[string]any{"in": map[string]any{"conversationId": threadOf(t, b, 1002), "body": "x"}})
	if r.Code() != "RATE_LIMITED" {
		t.Fatalf("4th send on the other replica: %q", r.Code())
	}
}

// Each API key has its own bucket: one key over its limit leaves another untouched.
func TestRateLimitsForAPIKeys(t *testing.T) {
	const second = "second-back-office-key"
	e := apptest.NewWith(t, func(c *server.Config) {
		strict(newPrefix())(c)
		c.APIKeys = append(c.APIKeys, second)
	})
	q := `mutation { upsertUser(input: {userId: "x1", role: BUYER}) { userId } }`
	for i := 0; i < 4; i++ {
		if r := e.GQL(t, apptest.Office(), q, nil); r.Code() != "" {
			t.Fatalf("call %d: %+v", i, r.Errors)
		}
	}
	if r := e.GQL(t, apptest.Office(), q, nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("5th back-office call: %q", r.Code())
	}
	for i := 0; i < 4; i++ {
		if r := e.GQL(t, apptest.Creds{APIKey: second}, q, nil); r.Code() != "" {
			t.Fatalf("call %d with the second key, after the first ran out: %+v", i, r.Errors)
		}
	}
	if r := e.GQL(t, apptest.Creds{APIKey: second}, q, nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("5th call with the second key: %q", r.Code())
	}
}

func TestSubscriptionCapPerUser(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxSubscriptions = 2 })
	c := dial(t, e, e.User(t, "co-ola"))
	subscribe(t, c, "1", messageAddedSub, nil)
	subscribe(t, c, "2", messageAddedSub, nil)
	subscribed(t, e, 2)
	subscribe(t, c, "3", messageAddedSub, nil)
	ctx, cancel := contextWithTimeout(t, 2*time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil || !strings.Contains(string(m.Payload), "RATE_LIMITED") {
		t.Fatalf("third subscription: %v %s %s", err, m.Type, m.Payload)
	}
	other := dial(t, e, e.User(t, "co-kari")) // the cap is per user
	subscribe(t, other, "1", messageAddedSub, nil)
	quiet(t, other, 200*time.Millisecond)
}

// Every subscribe message on a WebSocket takes a read token before its document is parsed,
// so broken documents sent in a loop run out of tokens; the refusal is that operation's
// error and the socket stays open.
func TestWebSocketSubscribeMessagesTakeTokens(t *testing.T) {
	e := apptest.NewWith(t, strict(newPrefix()))
	w := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	w.Send(apptest.InitMsg(e.User(t, "co-kari").Token))
	w.Until("connection_ack")
	for i := 1; ; i++ {
		id := strconv.Itoa(i)
		w.Send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": "{ viewer { id "}})
		m := w.Until("error")
		if m["id"] != id {
			t.Fatalf("error for %v, want %s: %v", m["id"], id, m)
		}
		errs, _ := m["payload"].([]any)
		first, _ := errs[0].(map[string]any)
		ext, _ := first["extensions"].(map[string]any)
		if ext["code"] != "RATE_LIMITED" {
			if i > 5 {
				t.Fatalf("broken document %d past the burst of 5: %v", i, m)
			}
			continue
		}
		if i <= 5 || ext["retryAfter"] == nil {
			t.Fatalf("broken document %d: %v", i, m)
		}
		break
	}
	w.Send(map[string]any{"type": "ping"})
	w.Until("pong")
}

// Aliases and fragments do not make sends cheaper: each send field in an operation takes a
// send token, and a send inside a fragment on Mutation is still a send.
func TestRateLimitsCountEverySendField(t *testing.T) {
	e := apptest.NewWith(t, strict(newPrefix()))
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	in := map[string]any{"in": map[string]any{"conversationId": conv, "body": "aliased"}}
	aliased := `mutation($in: SendMessageInput!) { a: sendMessage(input: $in) { message { id } }
		b: sendMessage(input: $in) { message { id } } c: sendMessage(input: $in) { message { id } } }`
	if r := e.GQL(t, kari, aliased, in); r.Code() != "" {
		t.Fatalf("three aliased sends within the burst of 3: %+v", r.Errors)
	}
	fragment := `mutation($in: SendMessageInput!) { ... on Mutation { sendMessage(input: $in) { message { id } } } }`
	if r := e.GQL(t, kari, fragment, in); r.Code() != "RATE_LIMITED" {
		t.Fatalf("a send in a fragment after the burst was spent: %q %+v", r.Code(), r.Errors)
	}
	if n := totalMessages(t, e, conv); n != 5 {
		t.Fatalf("thread has %d messages, want 2 seeded + 3", n)
	}
}
