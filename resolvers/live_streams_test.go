package resolvers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/apptest/gqlws"
)

func TestStreamsOfInboxUnreadNotificationsReceiptsAndTyping(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari, shop := e.User(t, "co-kari"), e.User(t, "ws-dekk")
	c := dial(t, e, shop)
	subscribe(t, c, "unread", `subscription { unreadCountsChanged { messages conversationsWithUnread } }`, nil)
	var u struct {
		UnreadCountsChanged struct{ Messages, ConversationsWithUnread int }
	}
	next(t, c, time.Second, &u) // the current counts first
	if u.UnreadCountsChanged.Messages != 1 {
		t.Fatalf("initial unread = %+v", u)
	}
	subscribe(t, c, "inbox", `subscription { conversationUpdated { conversationId unreadCount lastMessage { body } } }`, nil)
	subscribe(t, c, "notes", `subscription { notificationAdded { type body } }`, nil)
	subscribe(t, c, "typing", `subscription($c: ID) { typing(conversationId: $c) { user { userId } expiresAt } }`, map[string]any{"c": conv})
	subscribe(t, c, "receipts", `subscription { readReceipt { conversationId lastReadMessageId participant { role } } }`, nil)
	holding(t, e, map[string]int{"unread": 1, "inbox": 1, "notifications": 1, "typing": 1, "receipts": 1})

	if r := e.GQL(t, kari, `mutation($c: ID!) { setTyping(conversationId: $c) }`, map[string]any{"c": conv}); r.Code() != "" {
		t.Fatalf("setTyping: %+v", r.Errors)
	}
	got := collect(t, c, 1)
	if !strings.Contains(got["typing"], `"userId":"co-kari"`) {
		t.Fatalf("typing event: %v", got)
	}
	send(t, e, kari, conv, "Er bilen klar?")
	got = collect(t, c, 3) // unread, inbox row, notification
	if !strings.Contains(got["unread"], `"messages":2`) || !strings.Contains(got["inbox"], "Er bilen klar?") ||
		!strings.Contains(got["notes"], `"type":"message.received"`) {
		t.Fatalf("after a send: %v", got)
	}
	markRead(t, e, kari, conv, "") // the car owner reads: the workshop gets a receipt
	got = collect(t, c, 2)         // receipt + inbox row (read by the other side)
	if !strings.Contains(got["receipts"], `"role":"CAR_OWNER"`) {
		t.Fatalf("receipt: %v", got)
	}
}

// collect reads n events and keys their payloads by subscription id.
func collect(t *testing.T, c *gqlws.Conn, n int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		m, err := c.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("event %d of %d: %v (so far %v)", i+1, n, err, out)
		}
		out[m.ID] += string(m.Payload)
	}
	return out
}

// A participant removed from a conversation stops receiving it at once, though their
// subscription was allowed when it started.
func TestDeliveryIsAuthorizedWhenDelivered(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1003) // co-ola and 923609016
	c := dial(t, e, e.User(t, "co-ola"))
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	subscribed(t, e, 1)
	shop := e.User(t, "ws-dekk")
	send(t, e, shop, conv, "before")
	var got added
	next(t, c, time.Second, &got)
	// The back office moves the booking to another car owner: co-ola leaves the thread.
	if r := e.GQL(t, apptest.Office(), `mutation { upsertBooking(input: {bookingId: 1003, carOwnerId: "co-kari", workshopOrgNr: "923609016"}) { bookingId } }`, nil); r.Code() != "" {
		t.Fatal(r.Errors)
	}
	send(t, e, shop, conv, "after")
	quiet(t, c, 500*time.Millisecond)
}

// A subscriber that reads nothing while messages pile up is ended with SLOW_CONSUMER and the
// cursor to resume from, and gets that error once it reads again.
func TestSlowConsumerIsEndedWithACursorToResumeFrom(t *testing.T) {
	// The client reads nothing for as long as the sends below take: on a busy machine that can
	// outlast the keep-alive's three silent periods, which would drop it as a dead peer.
	e := apptest.NewWith(t, func(c *server.Config) { c.LiveBuffer = 4; c.WSPingInterval = time.Hour })
	conv := threadOf(t, e, 1002)
	kari := e.User(t, "co-kari")
	c := dial(t, e, e.User(t, "ws-dekk"))
	subscribe(t, c, "1", messageAddedSub, map[string]any{"c": conv})
	subscribed(t, e, 1)
	// Messages of 9 KB pile up until the socket buffers are full (some MB), the server's
	// writes stall and its small event buffer overflows. The client starts reading as soon as
	// the hub has ended it, well within the server's write timeout.
	big := strings.Repeat("x", 9000)
	for i := 0; e.App.Hub.EndedSlow() == 0; i++ {
		if i == 5000 {
			t.Fatal("5,000 unread messages of 9 KB and the subscriber is not ended as slow")
		}
		send(t, e, kari, conv, big)
	}
	for n := 0; ; n++ {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		m, err := c.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("no SLOW_CONSUMER error after %d messages: %v", n, err)
		}
		if m.Type == "error" {
			if !strings.Contains(string(m.Payload), "SLOW_CONSUMER") || !strings.Contains(string(m.Payload), "resumeAfter") {
				t.Fatalf("error = %s", m.Payload)
			}
			t.Logf("ended after %d messages with %s", n, m.Payload)
			return
		}
	}
}

func TestLegacySubscriptionsTransportWS(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	write := func(v any) {
		b, _ := json.Marshal(v)
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	read := func(want string) map[string]any {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			if m["type"] == want {
				return m
			}
		}
	}
	write(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": e.User(t, "ws-dekk").Token}})
	read("connection_ack")
	write(map[string]any{"type": "start", "id": "1", "payload": map[string]any{"query": messageAddedSub, "variables": map[string]any{"c": conv}}})
	subscribed(t, e, 1)
	send(t, e, e.User(t, "co-kari"), conv, "legacy")
	m := read("data")
	if b, _ := json.Marshal(m); !strings.Contains(string(b), "legacy") {
		t.Fatalf("data = %s", b)
	}
}

func TestServerSentEvents(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	body, _ := json.Marshal(map[string]any{"query": messageAddedSub, "variables": map[string]any{"c": conv}})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+e.User(t, "ws-dekk").Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	subscribed(t, e, 1) // the event waits in the response body until it is read below
	send(t, e, e.User(t, "co-kari"), conv, "over sse")
	sc := bufio.NewScanner(resp.Body)
	deadline := time.AfterFunc(3*time.Second, func() { resp.Body.Close() })
	defer deadline.Stop()
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data:") && strings.Contains(line, "over sse") {
			return
		}
	}
	t.Fatal("no event over SSE")
}

// A participant is online while they hold a subscription, and last seen when they let go.
func TestPresenceFollowsSubscriptions(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	shop := e.User(t, "ws-bilfix")
	ola := func() (online bool, lastSeen *string) {
		var out struct {
			Conversation struct {
				Participants []struct {
					Role       string
					Online     bool
					LastSeenAt *string
				}
			}
		}
		e.GQL(t, shop, `query($c: ID!) { conversation(id: $c) { participants { role online lastSeenAt } } }`, map[string]any{"c": conv}).Decode(t, &out)
		for _, p := range out.Conversation.Participants {
			if p.Role == "CAR_OWNER" {
				return p.Online, p.LastSeenAt
			}
		}
		t.Fatal("no car owner in the thread")
		return false, nil
	}
	if on, _ := ola(); on {
		t.Fatal("online before subscribing")
	}
	c := dial(t, e, e.User(t, "co-ola"))
	subscribe(t, c, "1", messageAddedSub, nil)
	waitFor(t, func() bool { on, _ := ola(); return on })
	c.Close()
	waitFor(t, func() bool { on, seen := ola(); return !on && seen != nil })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	eventually(t, 30*time.Second, "condition", cond)
}
