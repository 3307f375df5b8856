package restcompat_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// statementCounter counts the SQL statements bun runs for HTTP requests (not the live hub's).
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if server.RequestID(ctx) != "" {
		c.n.Add(1)
	}
	return ctx
}
func (c *statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// POST /api/co/messages/send costs what the GraphQL send costs (parley_send; the NOTIFY goes out
// after it, off the request): the org_nr check, the booking's workshop and the unread count come from parley_send.
// Only a retry reads the attachments of the earlier message.
func TestCoSendCostsWhatTheGraphQLSendCosts(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	ola := e.User(t, "co-ola")
	thread := threadOf(t, e, 1001)
	call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": thread, "message": "warm up"})
	counter := &statementCounter{}
	e.Store.DB.AddQueryHook(counter)
	statements := func(body map[string]any, status int) int64 {
		t.Helper()
		before := counter.n.Load()
		r := call(t, e, ola, "POST", "/api/co/messages/send", body)
		if r.Status != status || (status == 201 && get(r.Body, "message", "text") != body["message"]) {
			t.Fatalf("send = %d %s", r.Status, r.Raw)
		}
		return counter.n.Load() - before
	}
	if n := statements(map[string]any{"thread_id": thread, "message": "Hei", "org_nr": "921460929"}, 201); n != 1 {
		t.Errorf("a send ran %d statements, want 1", n)
	}
	if n := statements(map[string]any{"thread_id": thread, "message": "Hei", "org_nr": "923609016"}, 422); n != 1 {
		t.Errorf("a send to another workshop's thread ran %d statements, want 1", n)
	}
	retry := map[string]any{"thread_id": thread, "message": "Once", "client_message_id": "co-stmt-1"}
	statements(retry, 201)
	if n := statements(retry, 201); n != 2 {
		t.Errorf("a retried send ran %d statements, want 2", n)
	}
}
