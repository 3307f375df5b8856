package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/apptest/gqlws"
	"github.com/parley/parley/server/livews"
)

const whoAmI = `{ viewer { userId } }`

// claimsOf are co-ola's claims issued now, living an hour, changed by extra (nil deletes).
func claimsOf(extra jwt.MapClaims) jwt.MapClaims {
	now := time.Now().Unix()
	c := jwt.MapClaims{"sub": "co-ola", "role": "car_owner", "iat": now, "exp": now + 3600}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// A token of the same identity provider meant for another service is refused.
func TestTokensMustNameThisService(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.JWTIssuer, c.JWTAudience = "https://id.example.no", "parley-api" })
	iss, aud := "https://id.example.no", "parley-api"
	for _, tc := range []struct {
		name  string
		extra jwt.MapClaims
		code  string
	}{
		{"iss and aud", jwt.MapClaims{"iss": iss, "aud": aud}, ""},
		{"aud as an array", jwt.MapClaims{"iss": iss, "aud": []string{"billing", aud}}, ""},
		{"another audience", jwt.MapClaims{"iss": iss, "aud": "billing"}, "UNAUTHENTICATED"},
		{"another audience in an array", jwt.MapClaims{"iss": iss, "aud": []string{"billing"}}, "UNAUTHENTICATED"},
		{"no audience", jwt.MapClaims{"iss": iss}, "UNAUTHENTICATED"},
		{"another issuer", jwt.MapClaims{"iss": "https://evil.example", "aud": aud}, "UNAUTHENTICATED"},
		{"no issuer", jwt.MapClaims{"aud": aud}, "UNAUTHENTICATED"},
	} {
		if r := e.GQL(t, apptest.Bearer(apptest.SignClaims(t, claimsOf(tc.extra))), whoAmI, nil); r.Code() != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, r.Code(), tc.code)
		}
	}
	var out struct{ IssueToken struct{ Token string } }
	e.GQL(t, apptest.Office(), `mutation { issueToken(input: {userId: "co-ola", role: CAR_OWNER}) { token } }`, nil).Decode(t, &out)
	for name, c := range map[string]apptest.Creds{"issueToken": apptest.Bearer(out.IssueToken.Token), "seeded": e.User(t, "co-ola")} {
		if r := e.GQL(t, c, whoAmI, nil); r.Code() != "" {
			t.Errorf("a token minted by %s was refused: %+v", name, r.Errors)
		}
	}
}

// Lifetimes are capped, and times in the future are refused beyond a minute of clock skew.
func TestTokenTimesAreChecked(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.JWTMaxTTL = 24 * time.Hour })
	now := time.Now().Unix()
	const day, century = 24 * 3600, 100 * 365 * 24 * 3600
	for _, tc := range []struct {
		name  string
		extra jwt.MapClaims
		code  string
	}{
		{"a day", jwt.MapClaims{"exp": now + day}, ""},
		{"a day and an hour", jwt.MapClaims{"exp": now + day + 3600}, "UNAUTHENTICATED"},
		{"a century", jwt.MapClaims{"exp": now + century}, "UNAUTHENTICATED"},
		{"a century without iat", jwt.MapClaims{"iat": nil, "exp": now + century}, "UNAUTHENTICATED"},
		{"an hour without iat", jwt.MapClaims{"iat": nil}, ""},
		{"no exp", jwt.MapClaims{"exp": nil}, "UNAUTHENTICATED"},
		{"iat 30 s ahead", jwt.MapClaims{"iat": now + 30}, ""},
		{"iat 10 min ahead", jwt.MapClaims{"iat": now + 600}, "UNAUTHENTICATED"},
		{"nbf 30 s ahead", jwt.MapClaims{"nbf": now + 30}, ""},
		{"nbf 10 min ahead", jwt.MapClaims{"nbf": now + 600}, "UNAUTHENTICATED"},
		{"expired 45 s ago", jwt.MapClaims{"iat": now - 3600, "exp": now - 45}, ""},
		{"expired 2 min ago", jwt.MapClaims{"iat": now - 3600, "exp": now - 120}, "UNAUTHENTICATED"},
	} {
		if r := e.GQL(t, apptest.Bearer(apptest.SignClaims(t, claimsOf(tc.extra))), whoAmI, nil); r.Code() != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, r.Code(), tc.code)
		}
	}
	issue := `mutation($ttl: Int) { issueToken(input: {userId: "co-ola", role: CAR_OWNER, ttlSeconds: $ttl}) { token } }`
	if r := e.GQL(t, apptest.Office(), issue, map[string]any{"ttl": day + 1}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("issueToken above PARLEY_JWT_MAX_TTL: code %q", r.Code())
	}
	if r := e.GQL(t, apptest.Office(), issue, map[string]any{"ttl": day}); r.Code() != "" {
		t.Errorf("issueToken at PARLEY_JWT_MAX_TTL: %+v", r.Errors)
	}
}

const revoke = `mutation($user: ID!, $before: Time) { revokeUserTokens(userId: $user, before: $before) { userId revokedBefore } }`

type revocation struct {
	RevokeUserTokens struct {
		UserID        string
		RevokedBefore time.Time
	}
}

func TestRevokeUserTokens(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	for _, tc := range []struct {
		name string
		c    apptest.Creds
		vars map[string]any
		code string
	}{
		{"a user's token", ola, map[string]any{"user": "co-ola"}, "FORBIDDEN"},
		{"an unknown user", apptest.Office(), map[string]any{"user": "nobody"}, "NOT_FOUND"},
		{"a time in the future", apptest.Office(), map[string]any{"user": "co-ola", "before": time.Now().Add(time.Hour)}, "BAD_USER_INPUT"},
	} {
		if r := e.GQL(t, tc.c, revoke, tc.vars); r.Code() != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, r.Code(), tc.code)
		}
	}
	if r := e.GQL(t, ola, whoAmI, nil); r.Code() != "" {
		t.Fatalf("before revocation: %+v", r.Errors)
	}
	var out revocation
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola"}).Decode(t, &out)
	at := out.RevokeUserTokens.RevokedBefore
	if at.IsZero() || at.Before(time.Now().Add(-time.Minute)) {
		t.Fatalf("revokedBefore = %v", at)
	}
	if r := e.GQL(t, ola, whoAmI, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("GraphQL with a revoked token: code %q", r.Code())
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/co/messages/inbox", nil)
	if r := e.Do(t, ola, req); r.Status != http.StatusUnauthorized {
		t.Errorf("REST with a revoked token: status %d", r.Status)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var ce *gqlws.CloseError
	if _, err := gqlws.Dial(ctx, e.URL+"/graphql", nil, map[string]any{"authToken": ola.Token}); !errors.As(err, &ce) || ce.Code != 4403 {
		t.Errorf("WebSocket with a revoked token: %v", err)
	}
	before := apptest.SignClaims(t, claimsOf(jwt.MapClaims{"iat": at.Unix() - 1}))
	if r := e.GQL(t, apptest.Bearer(before), whoAmI, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("a token issued a second before revocation: code %q", r.Code())
	}
	after := apptest.SignClaims(t, claimsOf(jwt.MapClaims{"iat": at.Unix()}))
	if r := e.GQL(t, apptest.Bearer(after), whoAmI, nil); r.Code() != "" {
		t.Errorf("a token issued after revocation: %+v", r.Errors)
	}
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola", "before": at.Add(-time.Hour)}).Decode(t, &out)
	if !out.RevokeUserTokens.RevokedBefore.Equal(at) {
		t.Errorf("an earlier time moved revocation back to %v", out.RevokeUserTokens.RevokedBefore)
	}
}

// A revocation made on one replica holds on another within its recheck period.
func TestRevocationHoldsAcrossReplicas(t *testing.T) {
	e := apptest.New(t)
	other := e.Replica(t, func(c *server.Config) { c.TokenRecheck = 100 * time.Millisecond })
	ola := e.User(t, "co-ola")
	if r := other.GQL(t, ola, whoAmI, nil); r.Code() != "" {
		t.Fatalf("before revocation: %+v", r.Errors)
	}
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola"}).Decode(t, &revocation{})
	deadline := time.Now().Add(10 * time.Second)
	for other.GQL(t, ola, whoAmI, nil).Code() != "UNAUTHENTICATED" {
		if time.Now().After(deadline) {
			t.Fatal("the other replica still accepts the revoked token")
		}
	}
}

// An open subscription of a revoked user ends on the replica that revoked.
func TestRevocationEndsOpenSubscriptions(t *testing.T) {
	e := apptest.New(t)
	ola, conv := e.User(t, "co-ola"), threadOf(t, e, 1001)
	c := dial(t, e, ola)
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	subscribed(t, e, 1)
	send(t, e, ola, conv, "Er bilen klar?")
	var got struct{ MessageAdded struct{ Body string } }
	next(t, c, 10*time.Second, &got) // the subscription is live
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola"}).Decode(t, &revocation{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil || m.Type != "error" || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
		t.Fatalf("after revocation: %v %s %s", err, m.Type, m.Payload)
	}
}

// An erased user's open subscription ends at once, as a revoked one does.
func TestErasureEndsOpenSubscriptions(t *testing.T) {
	e := apptest.New(t)
	ola, conv := e.User(t, "co-ola"), threadOf(t, e, 1001)
	c := dial(t, e, ola)
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	subscribed(t, e, 1)
	send(t, e, ola, conv, "Er bilen klar?")
	var got struct{ MessageAdded struct{ Body string } }
	next(t, c, 10*time.Second, &got) // the subscription is live
	e.GQL(t, apptest.Office(), `mutation { eraseUser(userId: "co-ola", reason: "test") { userId } }`, nil).Decode(t, &struct{}{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil || m.Type != "error" || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
		t.Fatalf("after erasure: %v %s %s", err, m.Type, m.Payload)
	}
}

// A revoked user's event stream (SSE) ends and the server lives on: ending a subscription
// served by neither WebSocket transport once crashed the process.
func TestRevocationEndsEventStreams(t *testing.T) {
	e := apptest.New(t)
	ola, conv := e.User(t, "co-ola"), threadOf(t, e, 1001)
	body, _ := json.Marshal(map[string]any{"query": messageAddedSub, "variables": map[string]any{"c": conv}})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	ola.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	subscribed(t, e, 1)
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola"}).Decode(t, &revocation{})
	ended := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, resp.Body); ended <- err }()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("the stream broke instead of ending: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the revoked user's event stream is still open")
	}
	if r := e.GQL(t, e.User(t, "ws-bilfix"), whoAmI, nil); r.Code() != "" {
		t.Fatalf("the server after the stream ended: %+v", r.Errors)
	}
}

// Credentials are bounded before they are decoded: a token over 8 KiB is refused however well
// signed, and a request whose headers pass 64 KiB is refused by the server with 431.
func TestOversizedTokensAndHeadersAreRefused(t *testing.T) {
	e := apptest.NewEmpty(t)
	for _, tc := range []struct {
		pad  int
		code string
	}{{5 << 10, ""}, {7 << 10, "UNAUTHENTICATED"}} {
		tok := apptest.SignClaims(t, claimsOf(jwt.MapClaims{"pad": strings.Repeat("x", tc.pad)}))
		r := e.GQL(t, apptest.Bearer(tok), whoAmI, nil)
		if r.Code() != tc.code || (tc.code != "" && !strings.Contains(r.Errors[0].Message, "8 KiB")) {
			t.Errorf("a %d-byte token: %+v, want code %q", len(tok), r.Errors, tc.code)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/healthz", nil)
	req.Header.Set("Authorization", "Bearer "+strings.Repeat("x", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: %d, want 431", resp.StatusCode)
	}
}

// A revocation made on one replica ends the user's open subscriptions on another within its
// recheck period, though the user sends that replica nothing more.
func TestRevocationEndsSubscriptionsOnOtherReplicas(t *testing.T) {
	e := apptest.New(t)
	other := e.Replica(t, func(c *server.Config) { c.TokenRecheck = 100 * time.Millisecond })
	ola, conv := e.User(t, "co-ola"), threadOf(t, e, 1001)
	c := dial(t, other, ola)
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	subscribed(t, other, 1)
	send(t, e, ola, conv, "Er bilen klar?")
	var got added
	next(t, c, 10*time.Second, &got) // the subscription is live
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola"}).Decode(t, &revocation{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	m, err := c.Next(ctx)
	if err != nil || m.Type != "error" || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
		t.Fatalf("after revocation on another replica: %v %s %s", err, m.Type, m.Payload)
	}
}

// A WebSocket opened before a revocation runs no more operations: the next query or mutation
// closes it with 4403 before it runs.
func TestRevokedSocketRunsNothing(t *testing.T) {
	e := apptest.New(t)
	ola, conv := e.User(t, "co-ola"), threadOf(t, e, 1001)
	query := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	mutate := apptest.DialWS(t, e, livews.ProtocolTransportWS, nil)
	for _, w := range []*apptest.RawWS{query, mutate} {
		w.Send(apptest.InitMsg(ola.Token))
		w.Until("connection_ack")
	}
	op := func(id, q string, vars map[string]any) map[string]any {
		return map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": q, "variables": vars}}
	}
	query.Send(op("before", whoAmI, nil))
	query.Until("next")
	query.Until("complete")

	var out revocation
	e.GQL(t, apptest.Office(), revoke, map[string]any{"user": "co-ola"}).Decode(t, &out)
	const body = "Sendt etter tilbakekalling"
	query.Send(op("after", whoAmI, nil))
	mutate.Send(op("send", sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": body}}))
	for name, w := range map[string]*apptest.RawWS{"query": query, "sendMessage": mutate} {
		m, err := w.Read(10 * time.Second)
		if err == nil {
			t.Errorf("%s over a revoked socket ran: %v", name, m)
		} else if code := int(websocket.CloseStatus(err)); code != livews.CloseForbidden {
			t.Errorf("%s over a revoked socket: closed with %d (%v), want 4403", name, code, err)
		}
	}

	fresh := apptest.Bearer(apptest.SignClaims(t, claimsOf(jwt.MapClaims{"iat": out.RevokeUserTokens.RevokedBefore.Unix()})))
	r := e.GQL(t, fresh, `query($c: ID!) { messages(conversationId: $c, last: 50) { edges { node { body } } } }`, map[string]any{"c": conv})
	if r.Code() != "" || strings.Contains(string(r.Data), body) {
		t.Errorf("the message sent over a revoked socket was stored: %s %+v", r.Data, r.Errors)
	}
}
