package away_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

func subscriptionsOf(t *testing.T, e *apptest.Env, userID string) int {
	t.Helper()
	var n int
	if err := e.Store.DB.NewRaw("SELECT count(*) FROM push_subscriptions WHERE user_id = ?", userID).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A push service answering 404 Not Found (an expired subscription, RFC 8030 section 7.3)
// removes the subscription, as 410 Gone does; the user's other subscriptions stay.
func TestPushDropsSubscriptionAnswered404(t *testing.T) {
	e, p := startPush(t, true)
	conv := e.ConvOf(t, "tesla3")
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	drained(t, e)
	subscribeBrowser(t, e, p, seller, "anne-old")
	subscribeBrowser(t, e, p, seller, "anne-new")
	p.mu.Lock()
	p.status["/push/anne-old"] = http.StatusNotFound
	p.mu.Unlock()
	sendAs(t, e, buyer, conv, "hei", "404-1")
	waitFor(t, "a push to the live subscription", func() bool { return len(p.received("anne-new")) == 1 })
	drained(t, e)
	var left []string
	_ = e.Store.DB.NewRaw("SELECT endpoint FROM push_subscriptions WHERE user_id = 'usr_anne'").Scan(context.Background(), &left)
	if len(left) != 1 || left[0] != p.URL+"/push/anne-new" {
		t.Fatalf("after a 404: subscriptions %v, want only anne-new", left)
	}
}

// A recipient with a live subscription on another replica is online: the replica running
// the push worker sees it (presence is in the database) and pushes nothing; once that
// replica is gone, she is pushed to.
func TestNoPushWhileLiveOnAnotherReplica(t *testing.T) {
	e, p := startPush(t, true) // this replica runs the push worker
	other := e.Replica(t, func(c *server.Config) { c.WebhookWorker = false })
	conv := e.ConvOf(t, "tesla3")
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	drained(t, e)
	subscribeBrowser(t, e, p, seller, "anne")

	ws := apptest.DialWS(t, other, "graphql-transport-ws", nil)
	ws.Send(apptest.InitMsg(apptest.Token(t, sellerViewer)))
	ws.Until("connection_ack")
	ws.Send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "subscription { notificationAdded { id } }"}})
	waitFor(t, "the seller's presence on the other replica", func() bool {
		var n int
		_ = e.Store.DB.NewRaw("SELECT count(*) FROM presence WHERE user_id = 'usr_anne'").Scan(context.Background(), &n)
		return n > 0
	})
	sendAs(t, e, buyer, conv, "Er du der?", "replica-1")
	drained(t, e)
	if o := outcomeOf(t, e, "usr_anne"); o != "online" {
		t.Fatalf("outcome %q, want online", o)
	}
	if n := len(p.received("anne")); n != 0 {
		t.Fatalf("%d pushes to a user live on another replica", n)
	}
	if n := subscriptionsOf(t, e, "usr_anne"); n != 1 {
		t.Fatalf("%d subscriptions, want 1", n)
	}
	// The other replica goes away with her connection: now she is away, and pushed to.
	other.Stop()
	sendAs(t, e, buyer, conv, "Hallo?", "replica-2")
	waitFor(t, "a push once the other replica is gone", func() bool { return len(p.received("anne")) == 1 })
}
