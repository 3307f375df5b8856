package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// A send is one round trip to PostgreSQL: parley_send, one autocommit statement that answers
// the payload's message and conversation. The NOTIFY that wakes the live hubs goes out after
// the commit, off the request (db/wake.go), so it is not counted. A retry of the same
// clientMessageId is that statement alone too.
func TestSendIsOneStatement(t *testing.T) {
	// No webhook worker: the counter would count its polling.
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	ola := e.User(t, "co-ola")
	conv := threadOf(t, e, 1001)
	send(t, e, ola, conv, "warm up") // the first request records the user
	counter := &queryCounter{}
	e.Store.DB.AddQueryHook(counter)
	statements := func(in map[string]any) int64 {
		t.Helper()
		before := counter.n.Load()
		var out sent
		e.GQL(t, ola, sendMutation, map[string]any{"in": in}).Decode(t, &out)
		if out.SendMessage.Message.Body != in["body"] || !out.SendMessage.Message.IsMine {
			t.Fatalf("send answered %+v", out)
		}
		return counter.n.Load() - before
	}
	if n := statements(map[string]any{"conversationId": conv, "body": "one statement"}); n != 1 {
		t.Errorf("a send ran %d statements, want 1", n)
	}
	retry := map[string]any{"conversationId": conv, "body": "once", "clientMessageId": "stmt-1"}
	statements(retry)
	if n := statements(retry); n != 1 {
		t.Errorf("a retried send ran %d statements, want 1", n)
	}
}
