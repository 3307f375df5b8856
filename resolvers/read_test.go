package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

func TestMarkReadUpToAMessageOnlyTouchesMessagesToTheViewer(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	all := page(t, e, ola, map[string]any{"c": conv})
	m := ids(all) // ola's question, then two workshop replies
	res := markRead(t, e, ola, conv, itoa(m[1])).MarkConversationRead
	if res.Updated != 1 || res.UnreadCount != 1 || res.ReadAt == nil {
		t.Fatalf("read up to the first reply = %+v, want 1 updated, 1 left", res)
	}
	again := markRead(t, e, ola, conv, itoa(m[1])).MarkConversationRead
	if again.Updated != 0 || again.UnreadCount != 1 {
		t.Fatalf("reading again = %+v, want nothing new", again)
	}
	// Marking up to one's own message marks nothing of one's own.
	shop := e.User(t, "ws-bilfix")
	if r := markRead(t, e, shop, conv, itoa(m[2])).MarkConversationRead; r.Updated != 1 || r.UnreadCount != 0 {
		t.Fatalf("workshop reads up to its own reply = %+v, want only ola's message", r)
	}
	if r := e.GQL(t, ola, markReadMutation, map[string]any{"in": map[string]any{"conversationId": conv, "upToMessageId": "999999"}}); r.Code() != "NOT_FOUND" {
		t.Fatalf("a message of no thread: %q", r.Code())
	}
	other := ids(page(t, e, e.User(t, "co-kari"), map[string]any{"c": threadOf(t, e, 1002)}))
	if r := e.GQL(t, ola, markReadMutation, map[string]any{"in": map[string]any{"conversationId": conv, "upToMessageId": itoa(other[0])}}); r.Code() != "NOT_FOUND" {
		t.Fatalf("a message of another thread: %q", r.Code())
	}
	if whole := markRead(t, e, ola, conv, "").MarkConversationRead; whole.Updated != 1 || whole.UnreadCount != 0 {
		t.Fatalf("read the whole thread = %+v", whole)
	}
}

func TestMarkGivenMessagesRead(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	m := ids(page(t, e, ola, map[string]any{"c": conv}))
	q := `mutation($c: ID!, $ids: [ID!]!) { markMessagesRead(input: {conversationId: $c, messageIds: $ids}) { updated unreadCount } }`
	var out struct {
		MarkMessagesRead struct{ Updated, UnreadCount int }
	}
	e.GQL(t, ola, q, map[string]any{"c": conv, "ids": []string{itoa(m[0]), itoa(m[2])}}).Decode(t, &out)
	if out.MarkMessagesRead.Updated != 1 || out.MarkMessagesRead.UnreadCount != 1 {
		t.Fatalf("own + last reply = %+v, want 1 updated (not the own message), 1 left", out.MarkMessagesRead)
	}
	if r := e.GQL(t, ola, q, map[string]any{"c": conv, "ids": []string{"999999"}}); r.Code() != "NOT_FOUND" {
		t.Fatalf("unknown message: %q", r.Code())
	}
	if r := e.GQL(t, ola, q, map[string]any{"c": conv, "ids": []string{}}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("no ids: %q", r.Code())
	}
}

func TestNotificationsListFilterAndMarkReadMarksMessages(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	var list struct {
		Notifications struct {
			TotalCount, UnreadTotal int
			Nodes                   []struct {
				ID, Type string
				IsRead   bool
				Message  *struct{ MessageID int }
				Data     map[string]any
			}
		}
	}
	e.GQL(t, ola, `query($f: NotificationFilter) { notifications(filter: $f) { totalCount unreadTotal nodes { id type isRead message { messageId } data } } }`,
		map[string]any{"f": map[string]any{"status": "UNREAD", "type": "message.received"}}).Decode(t, &list)
	n := list.Notifications
	if n.TotalCount != 3 || n.UnreadTotal != 3 || len(n.Nodes) != 3 || n.Nodes[0].Message == nil || n.Nodes[0].Data["booking_id"] == nil {
		t.Fatalf("notifications = %+v", n)
	}
	var none struct{ Notifications struct{ TotalCount int } }
	e.GQL(t, ola, `{ notifications(filter: {since: "2999-01-01T00:00:00Z"}) { totalCount } }`, nil).Decode(t, &none)
	if none.Notifications.TotalCount != 0 {
		t.Fatalf("since the future = %d", none.Notifications.TotalCount)
	}
	var marked struct {
		MarkNotificationsRead struct{ Updated, MessagesMarked int }
	}
	e.GQL(t, ola, `mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) { updated messagesMarked } }`,
		map[string]any{"ids": []string{n.Nodes[0].ID}}).Decode(t, &marked)
	if marked.MarkNotificationsRead.Updated != 1 || marked.MarkNotificationsRead.MessagesMarked != 1 {
		t.Fatalf("mark one = %+v", marked.MarkNotificationsRead)
	}
	if u := unread(t, e, ola).UnreadCounts; u.Messages != 2 || u.Notifications != 2 {
		t.Fatalf("unread after marking one = %+v, want 2 and 2", u)
	}
	var all struct {
		MarkAllNotificationsRead struct{ Updated, MessagesMarked int }
	}
	e.GQL(t, ola, `mutation { markAllNotificationsRead { updated messagesMarked } }`, nil).Decode(t, &all)
	if all.MarkAllNotificationsRead.Updated != 2 || all.MarkAllNotificationsRead.MessagesMarked != 2 {
		t.Fatalf("mark all = %+v", all.MarkAllNotificationsRead)
	}
	if u := unread(t, e, ola).UnreadCounts; u != (struct{ Messages, ConversationsWithUnread, Notifications int }{}) {
		t.Fatalf("unread after marking all = %+v", u)
	}
	if r := e.GQL(t, ola, `mutation { markNotificationsRead(ids: ["abc"]) { updated } }`, nil); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("malformed id: %q", r.Code())
	}
}

// The notification figures come from counters kept by triggers; they must agree with counting
// the rows (the type filter counts rows) through sends and reads.
func TestNotificationFiguresFollowSendsAndReads(t *testing.T) {
	e := apptest.New(t)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := threadOf(t, e, 1001)
	type figures struct{ TotalCount, UnreadTotal int }
	count := func(status, typ string) figures {
		f := map[string]any{}
		if status != "" {
			f["status"] = status
		}
		if typ != "" {
			f["type"] = typ
		}
		var out struct{ Notifications figures }
		e.GQL(t, ola, `query($f: NotificationFilter) { notifications(filter: $f) { totalCount unreadTotal } }`,
			map[string]any{"f": f}).Decode(t, &out)
		return out.Notifications
	}
	check := func(step string, all, read, unreadOnly figures) {
		t.Helper()
		for _, c := range []struct {
			status string
			want   figures
		}{{"", all}, {"READ", read}, {"UNREAD", unreadOnly}} {
			if got := count(c.status, ""); got != c.want {
				t.Fatalf("%s: status %q = %+v, want %+v", step, c.status, got, c.want)
			}
			if got := count(c.status, "message.received"); got != c.want {
				t.Fatalf("%s: status %q by type = %+v, want %+v", step, c.status, got, c.want)
			}
		}
		if u := unread(t, e, ola).UnreadCounts; u.Notifications != all.UnreadTotal {
			t.Fatalf("%s: unread badge = %d, want %d", step, u.Notifications, all.UnreadTotal)
		}
	}
	check("seeded", figures{3, 3}, figures{0, 0}, figures{3, 3})
	send(t, e, shop, conv, "Bilen er klar.")
	check("after a send", figures{4, 4}, figures{0, 0}, figures{4, 4})
	markRead(t, e, ola, conv, "")
	check("after reading the thread", figures{4, 1}, figures{3, 0}, figures{1, 1})
}
