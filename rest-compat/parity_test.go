package restcompat_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// The parity tests ask REST and GraphQL the same question for the same user and compare the
// answers in one neutral form: ids, order, counts, unread figures and read flags.

// parityState makes the demo data less uniform: a message from each side, one notification
// read, one thread read, so read flags and counts differ between rows.
func parityState(t *testing.T, e *apptest.Env) {
	t.Helper()
	ola, bilfix := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	if r := call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": threadOf(t, e, 1001), "message": "Ja takk."}); r.Status != 201 {
		t.Fatalf("send = %d %s", r.Status, r.Raw)
	}
	e.GQL(t, bilfix, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { created } }`,
		map[string]any{"in": map[string]any{"conversationId": threadOf(t, e, 1001), "body": "Da bytter vi dem i dag."}}).Decode(t, &struct{}{})
	note := notificationOf(t, e, "co-ola", 1003)
	if r := call(t, e, ola, "POST", "/api/co/notifications/mark-read", map[string]any{"ids": []int64{note}}); r.Status != 200 {
		t.Fatalf("mark notification = %d %s", r.Status, r.Raw)
	}
	if r := call(t, e, e.User(t, "co-kari"), "POST", "/api/co/messages/mark-read", map[string]any{"thread_id": threadOf(t, e, 1002)}); r.Status != 200 {
		t.Fatalf("kari mark-read = %d %s", r.Status, r.Raw)
	}
}

// toSecond is a time (RFC 3339, either precision) to the second, for comparing REST's
// second-precision times with GraphQL's.
func toSecond(t *testing.T, v any) string {
	t.Helper()
	s, isStr := v.(string)
	if !isStr {
		return fmt.Sprint(v) // null stays <nil>
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return at.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func sameAnswer(t *testing.T, what string, rest, gql any) {
	t.Helper()
	if !reflect.DeepEqual(rest, gql) {
		a, _ := json.Marshal(rest)
		b, _ := json.Marshal(gql)
		t.Errorf("%s differs:\nREST    %s\nGraphQL %s", what, a, b)
	}
}

type inboxView struct {
	Total, UnreadTotal int
	Rows               []inboxRowView
}

type inboxRowView struct {
	ID, BookingID, Unread, Total, LastMessageID int64
	ThreadID, OrgNr, Workshop, UpdatedAt        string
	ReadAt                                      string
	LastRead                                    bool
}

func TestParityInbox(t *testing.T) {
	e := apptest.New(t)
	parityState(t, e)
	for _, user := range []string{"co-ola", "co-kari"} {
		c := e.User(t, user)
		r := call(t, e, c, "GET", "/api/co/messages/inbox?page_size=100", nil)
		rest := inboxView{Total: int(jsonInt(get(r.Body, "meta", "total"))), UnreadTotal: int(jsonInt(get(r.Body, "meta", "unread_total")))}
		for _, row := range get(r.Body, "data").([]any) {
			rest.Rows = append(rest.Rows, inboxRowView{ID: jsonInt(get(row, "id")), BookingID: jsonInt(get(row, "booking_id")),
				Unread: jsonInt(get(row, "unread_count")), Total: jsonInt(get(row, "total_messages")), LastMessageID: jsonInt(get(row, "last_message", "id")),
				ThreadID: get(row, "thread_id").(string), OrgNr: get(row, "workshop_org_nr").(string), Workshop: get(row, "workshop_name").(string),
				UpdatedAt: toSecond(t, get(row, "updated_at")), ReadAt: toSecond(t, get(row, "read_at")), LastRead: get(row, "last_message", "is_read").(bool)})
		}
		var out struct {
			Inbox struct {
				TotalCount, UnreadTotal int
				Nodes                   []struct {
					ConversationID             int64 `json:"conversationId,string"`
					UnreadCount, TotalMessages int64
					LastActivityAt             string
					LastReadAt                 *string
					Booking                    struct {
						BookingID int64
						Workshop  struct{ OrgNr, Name string }
					}
					LastMessage struct {
						MessageID int64
						IsRead    bool
					}
				}
			}
		}
		e.GQL(t, c, `{ inbox(first: 100, filter: {kind: BOOKING}) { totalCount unreadTotal nodes { conversationId unreadCount
			totalMessages lastActivityAt lastReadAt booking { bookingId workshop { orgNr name } } lastMessage { messageId isRead } } } }`, nil).Decode(t, &out)
		gql := inboxView{Total: out.Inbox.TotalCount, UnreadTotal: out.Inbox.UnreadTotal}
		for _, n := range out.Inbox.Nodes {
			var readAt any
			if n.LastReadAt != nil {
				readAt = *n.LastReadAt
			}
			gql.Rows = append(gql.Rows, inboxRowView{ID: n.ConversationID, BookingID: n.Booking.BookingID, Unread: n.UnreadCount,
				Total: n.TotalMessages, LastMessageID: n.LastMessage.MessageID, ThreadID: strconv.FormatInt(n.ConversationID, 10),
				OrgNr: n.Booking.Workshop.OrgNr, Workshop: n.Booking.Workshop.Name, UpdatedAt: toSecond(t, n.LastActivityAt),
				ReadAt: toSecond(t, readAt), LastRead: n.LastMessage.IsRead})
		}
		if len(rest.Rows) == 0 {
			t.Fatalf("%s: an empty inbox compares nothing", user)
		}
		sameAnswer(t, user+" inbox", rest, gql)
	}
}

type threadView struct {
	Total, Unread int
	Messages      []messageView
}

type messageView struct {
	ID                      int64
	Text, Sender, CreatedAt string
	Read                    bool
	Attachments             int
}

func TestParityThread(t *testing.T) {
	e := apptest.New(t)
	parityState(t, e)
	cases := []struct {
		user    string
		booking int64
	}{{"co-ola", 1001}, {"co-ola", 1003}, {"co-kari", 1002}}
	for _, c := range cases {
		creds := e.User(t, c.user)
		r := call(t, e, creds, "GET", fmt.Sprintf("/api/co/messages/thread/%d?size=100", c.booking), nil)
		rest := threadView{Total: int(jsonInt(get(r.Body, "meta", "total"))), Unread: int(jsonInt(get(r.Body, "meta", "unread_count")))}
		for _, m := range get(r.Body, "data").([]any) {
			rest.Messages = append(rest.Messages, messageView{ID: jsonInt(get(m, "id")), Text: get(m, "message_text").(string),
				Sender: get(m, "sender_type").(string), CreatedAt: toSecond(t, get(m, "created_at")), Read: get(m, "is_read").(bool),
				Attachments: len(get(m, "attachments").([]any))})
		}
		var out struct {
			Conversation struct{ UnreadCount int }
			Messages     struct {
				TotalCount int
				Nodes      []struct {
					MessageID        int64
					Body, SenderRole string
					CreatedAt        string
					IsRead           bool
					Attachments      []struct{ Name string }
				}
			}
		}
		e.GQL(t, creds, `query($c: ID!) { conversation(id: $c) { unreadCount } messages(conversationId: $c, first: 100) {
			totalCount nodes { messageId body senderRole createdAt isRead attachments { name } } } }`,
			map[string]any{"c": threadOf(t, e, c.booking)}).Decode(t, &out)
		gql := threadView{Total: out.Messages.TotalCount, Unread: out.Conversation.UnreadCount}
		for _, m := range out.Messages.Nodes {
			gql.Messages = append(gql.Messages, messageView{ID: m.MessageID, Text: m.Body, Sender: m.SenderRole,
				CreatedAt: toSecond(t, m.CreatedAt), Read: m.IsRead, Attachments: len(m.Attachments)})
		}
		if len(rest.Messages) == 0 {
			t.Fatalf("%s %d: an empty thread compares nothing", c.user, c.booking)
		}
		sameAnswer(t, fmt.Sprintf("%s thread %d", c.user, c.booking), rest, gql)
	}
}

func TestParityUnreadCounts(t *testing.T) {
	e := apptest.New(t)
	parityState(t, e)
	for _, user := range []string{"co-ola", "co-kari"} {
		c := e.User(t, user)
		var out struct {
			UnreadCounts struct{ Messages, ConversationsWithUnread, Notifications int }
		}
		e.GQL(t, c, `{ unreadCounts { messages conversationsWithUnread notifications } }`, nil).Decode(t, &out)
		notes := call(t, e, c, "GET", "/api/co/notifications/unread-count", nil)
		inbox := call(t, e, c, "GET", "/api/co/messages/inbox?page_size=100", nil)
		withUnread := 0
		for _, row := range get(inbox.Body, "data").([]any) {
			if jsonInt(get(row, "unread_count")) > 0 {
				withUnread++
			}
		}
		rest := []int{int(jsonInt(get(notes.Body, "data", "unread_count"))), int(jsonInt(get(inbox.Body, "meta", "unread_total"))), withUnread}
		sameAnswer(t, user+" unread counts (notifications, messages, threads with unread)", rest,
			[]int{out.UnreadCounts.Notifications, out.UnreadCounts.Messages, out.UnreadCounts.ConversationsWithUnread})
	}
}

type notificationsView struct {
	Total, UnreadTotal int
	Rows               []notificationView
}

type notificationView struct {
	ID                      int64
	Type, Title, Body, Data string
	Read                    bool
	CreatedAt, ReadAt       string
}

func TestParityNotifications(t *testing.T) {
	e := apptest.New(t)
	parityState(t, e)
	filters := []struct {
		query  string
		filter map[string]any
	}{
		{"", nil},
		{"?status=unread", map[string]any{"status": "UNREAD"}},
		{"?status=read", map[string]any{"status": "READ"}},
		{"?type=message.received&since=2020-01-01T00:00:00Z", map[string]any{"type": "message.received", "since": "2020-01-01T00:00:00Z"}},
	}
	for _, user := range []string{"co-ola", "co-kari"} {
		c := e.User(t, user)
		for _, f := range filters {
			sep := "?"
			if f.query != "" {
				sep = "&"
			}
			r := call(t, e, c, "GET", "/api/co/notifications"+f.query+sep+"page_size=100", nil)
			rest := notificationsView{Total: int(jsonInt(get(r.Body, "meta", "total"))), UnreadTotal: int(jsonInt(get(r.Body, "meta", "unread_total")))}
			for _, n := range get(r.Body, "data").([]any) {
				data, _ := json.Marshal(get(n, "data"))
				rest.Rows = append(rest.Rows, notificationView{ID: jsonInt(get(n, "id")), Type: get(n, "type").(string), Title: get(n, "title").(string),
					Body: get(n, "body").(string), Data: string(data), Read: get(n, "is_read").(bool),
					CreatedAt: toSecond(t, get(n, "created_at")), ReadAt: toSecond(t, get(n, "read_at"))})
			}
			var out struct {
				Notifications struct {
					TotalCount, UnreadTotal int
					Nodes                   []struct {
						NotificationID    int64
						Type, Title, Body string
						Data              map[string]any
						IsRead            bool
						CreatedAt         string
						ReadAt            *string
					}
				}
			}
			e.GQL(t, c, `query($f: NotificationFilter) { notifications(first: 100, filter: $f) { totalCount unreadTotal nodes {
				notificationId type title body data isRead createdAt readAt } } }`, map[string]any{"f": f.filter}).Decode(t, &out)
			gql := notificationsView{Total: out.Notifications.TotalCount, UnreadTotal: out.Notifications.UnreadTotal}
			for _, n := range out.Notifications.Nodes {
				data, _ := json.Marshal(n.Data)
				var readAt any
				if n.ReadAt != nil {
					readAt = *n.ReadAt
				}
				gql.Rows = append(gql.Rows, notificationView{ID: n.NotificationID, Type: n.Type, Title: n.Title, Body: n.Body,
					Data: string(data), Read: n.IsRead, CreatedAt: toSecond(t, n.CreatedAt), ReadAt: toSecond(t, readAt)})
			}
			if f.query == "" && len(rest.Rows) == 0 {
				t.Fatalf("%s: no notifications to compare", user)
			}
			sameAnswer(t, user+" notifications "+f.query, rest, gql)
		}
	}
}
