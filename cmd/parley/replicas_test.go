package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest/gqlws"
)

// Two replicas share one database: a message sent through the second reaches a subscriber
// on the first within a second, and nobody else.
func TestMessageCrossesReplicas(t *testing.T) {
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	out, _ := runParley(t, environ, "seed", "--json")
	var seed server.SeedData
	if err := json.Unmarshal([]byte(out), &seed); err != nil {
		t.Fatal(err)
	}
	first, second := freeAddr(t), freeAddr(t)
	serveParley(t, environ, first)
	serveParley(t, environ, second)
	token := func(id string) string {
		all := append(append([]server.SeedUser{}, seed.CarOwners...), seed.Workshops[0].Users...)
		for _, u := range all {
			if u.ID == id {
				return u.Token
			}
		}
		t.Fatalf("no seeded %s", id)
		return ""
	}
	thread := seed.Bookings[0].ThreadID // booking 1001: co-ola and workshop 921460929
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	sub := func(id string) *gqlws.Conn {
		c, err := gqlws.Dial(ctx, "http://"+first+"/graphql", nil, map[string]any{"Authorization": "Bearer " + token(id)})
		if err != nil {
			t.Fatalf("dial first replica: %v", err)
		}
		t.Cleanup(func() { c.CloseNow() })
		if err := c.Subscribe(ctx, "1", `subscription { messageAdded { messageId body } }`, nil); err != nil {
			t.Fatal(err)
		}
		return c
	}
	workshop, stranger := sub("ws-bilfix"), sub("co-kari")
	// A replica marks a user online once it holds their subscription (presence is in the
	// database, so either replica can tell): from then on both get what they may see.
	waitOnline(t, second, token("co-ola"), thread, "WORKSHOP")
	waitOnline(t, second, token("co-kari"), threadOfBooking(t, seed, 1002), "CAR_OWNER")
	body := fmt.Sprintf("across replicas %d", time.Now().UnixNano())
	sent := time.Now()
	res := graphql(t, second, token("co-ola"), fmt.Sprintf(`mutation { sendMessage(input: {conversationId: %q, body: %q}) { message { messageId } } }`, thread, body))
	if res["errors"] != nil {
		t.Fatalf("send through the second replica: %v", res["errors"])
	}
	recvCtx, recvCancel := context.WithTimeout(ctx, time.Second)
	defer recvCancel()
	m, err := workshop.Next(recvCtx)
	if err != nil {
		t.Fatalf("nothing reached the first replica's subscriber within a second: %v", err)
	}
	var got struct{ MessageAdded struct{ Body string } }
	if err := m.Data(&got); err != nil || got.MessageAdded.Body != body {
		t.Fatalf("got %s (%v)", m.Payload, err)
	}
	t.Logf("delivered across replicas in %v", time.Since(sent))
	quietCtx, quietCancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer quietCancel()
	if m, err := stranger.Next(quietCtx); err == nil {
		t.Fatalf("a non-participant received %s", m.Payload)
	} else if !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("stranger's connection: %v", err)
	}
}

// waitOnline waits until the participant of role in thread shows as online to the viewer
// with token.
func waitOnline(t *testing.T, addr, token, thread, role string) {
	t.Helper()
	q := fmt.Sprintf(`{ conversation(id: %q) { participants { role online } } }`, thread)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var out struct {
			Data struct {
				Conversation struct {
					Participants []struct {
						Role   string
						Online bool
					}
				}
			}
		}
		b, _ := json.Marshal(graphql(t, addr, token, q))
		_ = json.Unmarshal(b, &out)
		for _, p := range out.Data.Conversation.Participants {
			if p.Role == role && p.Online {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s of %s not online within 30s: %s", role, thread, b)
		}
	}
}
