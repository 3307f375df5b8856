package restcompat_test

import (
	"fmt"
	"testing"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// The REST inbox loads its display data (subjects, people, last messages, attachments) through
// the resolvers' per-request batch loaders, as GraphQL's fields do: a page costs the same
// number of statements whatever its size.
func TestCoInboxStatementsDoNotGrowWithPageSize(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	kari := e.User(t, "co-kari")
	for b := 0; b < 12; b++ {
		r := e.GQL(t, apptest.Office(), `mutation($b: Int!) { upsertBooking(input: {bookingId: $b, carOwnerId: "co-kari", workshopOrgNr: "921460929"}) { bookingId } }`,
			map[string]any{"b": 7000 + b})
		if r.Code() != "" {
			t.Fatalf("upsertBooking: %+v", r.Errors)
		}
		var out struct {
			BookingConversation struct{ ConversationID string }
		}
		e.GQL(t, kari, `query($b: Int!) { bookingConversation(bookingId: $b) { conversationId } }`, map[string]any{"b": 7000 + b}).Decode(t, &out)
		thread := out.BookingConversation.ConversationID
		if s := call(t, e, kari, "POST", "/api/co/messages/send", map[string]any{"thread_id": thread, "message": "hello"}); s.Status != 201 {
			t.Fatalf("send = %d %s", s.Status, s.Raw)
		}
	}
	counter := &statementCounter{}
	e.Store.DB.AddQueryHook(counter)
	statements := func(size int) int64 {
		t.Helper()
		before := counter.n.Load()
		r := call(t, e, kari, "GET", fmt.Sprintf("/api/co/messages/inbox?page_size=%d", size), nil)
		if rows, _ := get(r.Body, "data").([]any); r.Status != 200 || len(rows) != size {
			t.Fatalf("page of %d: %d %s", size, r.Status, r.Raw)
		}
		return counter.n.Load() - before
	}
	one, twelve := statements(1), statements(12)
	if one != twelve {
		t.Fatalf("REST inbox page of 1 ran %d statements, page of 12 ran %d", one, twelve)
	}
	t.Logf("REST inbox page: %d statements for 1 or 12 rows", one)
}
