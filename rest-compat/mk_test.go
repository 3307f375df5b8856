package restcompat_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// Contract tests: one per marketplace route, with the document's example requests on the
// seeded data, checking every documented field and its JSON type.

var (
	listingFields     = map[string]string{"id": "string", "title": "string", "thumbnail": "string", "price": "number", "status": "string"}
	conversationRow   = map[string]string{"id": "string", "listing": "object", "participant": "object", "last_message": "object", "unread_count": "number", "created_at": "time", "updated_at": "time"}
	messageFields     = map[string]string{"id": "string", "content": "string", "sender_id": "string", "type": "string", "read": "bool", "read_at": "time|null", "sent_at": "time"}
	notificationShape = map[string]string{"id": "string", "type": "string", "title": "string", "body": "string", "data": "object", "read": "bool", "read_at": "time|null", "created_at": "time"}
)

func TestMKListConversations(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	for _, path := range []string{"/v1/messages/conversations?page=1&limit=20&status=all&role=buyer", "/api/messages"} {
		data := mkOK(t, path, call(t, e, per, "GET", path, nil), 200)
		shape(t, "data", data, map[string]string{"conversations": "array", "pagination": "object", "summary": "object"})
		shape(t, "pagination", data["pagination"], map[string]string{"page": "number", "limit": "number", "total": "number"})
		shape(t, "summary", data["summary"], map[string]string{"total": "number", "unread": "number"})
		row := get(data, "conversations", 0)
		shape(t, "conversation", row, conversationRow)
		shape(t, "listing", get(row, "listing"), listingFields)
		shape(t, "participant", get(row, "participant"), map[string]string{"id": "string", "name": "string", "avatar": "string", "type": "string", "verified": "bool"})
		shape(t, "last_message", get(row, "last_message"), map[string]string{"content": "string", "sender": "string", "sent_at": "time", "read": "bool"})
		if len(data["conversations"].([]any)) != 1 || get(row, "id") != conv || get(row, "listing", "id") != "lst_tesla3" ||
			get(row, "listing", "price") != 289000.0 || get(row, "listing", "status") != "active" ||
			get(row, "participant", "id") != "usr_anne" || get(row, "participant", "type") != "seller" || get(row, "participant", "name") != "Anne Vik" ||
			get(row, "last_message", "sender") != "usr_anne" || get(row, "last_message", "read") != false || get(row, "unread_count") != 1.0 {
			t.Fatalf("%s row = %v", path, row)
		}
		if get(data, "pagination", "total") != 1.0 || get(data, "pagination", "limit") != 20.0 || get(data, "summary", "total") != 1.0 || get(data, "summary", "unread") != 1.0 {
			t.Fatalf("%s figures = %v %v", path, data["pagination"], data["summary"])
		}
	}
	// The seller sees the buyer as the other party, and their own last message as unread by per.
	anne := mkOK(t, "anne", call(t, e, e.User(t, "usr_anne"), "GET", "/v1/messages/conversations?role=seller", nil), 200)
	row := get(anne, "conversations", 0)
	if get(row, "participant", "id") != "usr_per" || get(row, "participant", "type") != "buyer" || get(row, "last_message", "read") != false || get(row, "unread_count") != 1.0 {
		t.Fatalf("seller's row = %v", row)
	}
	// A filter narrows the list but not the summary.
	none := mkOK(t, "role=seller", call(t, e, per, "GET", "/v1/messages/conversations?role=seller", nil), 200)
	if len(none["conversations"].([]any)) != 0 || get(none, "pagination", "total") != 0.0 || get(none, "summary", "total") != 1.0 || get(none, "summary", "unread") != 1.0 {
		t.Fatalf("per as seller = %v", none)
	}
	unread := mkOK(t, "status=unread", call(t, e, per, "GET", "/v1/messages/conversations?status=unread", nil), 200)
	read := mkOK(t, "status=read", call(t, e, per, "GET", "/v1/messages/conversations?status=read", nil), 200)
	if get(unread, "pagination", "total") != 1.0 || get(read, "pagination", "total") != 0.0 {
		t.Fatalf("unread/read filters = %v / %v", unread["pagination"], read["pagination"])
	}
}

func TestMKGetConversation(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	var bodies []string
	for _, path := range []string{"/v1/messages/conversations/" + conv + "?page=1&limit=50", "/api/messages/" + conv} {
		r := call(t, e, per, "GET", path, nil)
		data := mkOK(t, path, r, 200)
		shape(t, "data", data, map[string]string{"conversation": "object", "messages": "array", "pagination": "object"})
		shape(t, "conversation", data["conversation"], map[string]string{"id": "string", "listing": "object", "participant": "object"})
		shape(t, "listing", get(data, "conversation", "listing"), listingFields)
		shape(t, "participant", get(data, "conversation", "participant"), map[string]string{"id": "string", "name": "string", "type": "string", "verified": "bool", "online": "bool"})
		shape(t, "pagination", data["pagination"], map[string]string{"page": "number", "limit": "number", "total": "number", "has_more": "bool"})
		msgs := data["messages"].([]any)
		for i, m := range msgs {
			shape(t, "message", m, messageFields)
			if !strings.HasPrefix(get(m, "id").(string), "msg_") || get(m, "type") != "text" || (get(m, "read") == false) != (get(m, "read_at") == nil) {
				t.Fatalf("message %d = %v", i, m)
			}
		}
		if get(data, "conversation", "id") != conv || get(data, "conversation", "participant", "id") != "usr_anne" || len(msgs) != 2 ||
			get(msgs[0], "sender_id") != "usr_per" || get(msgs[1], "sender_id") != "usr_anne" || get(msgs[1], "content") != "Ja, den er det. Vil du komme på visning?" ||
			get(data, "pagination", "total") != 2.0 || get(data, "pagination", "limit") != 50.0 || get(data, "pagination", "has_more") != false {
			t.Fatalf("%s = %s", path, r.Raw)
		}
		bodies = append(bodies, string(r.Raw))
	}
	if bodies[0] != bodies[1] {
		t.Fatalf("/api/messages/{threadId} differs from /v1:\n%s\n%s", bodies[0], bodies[1])
	}
}

func TestMKStartConversation(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	lise := e.User(t, "usr_lise")
	body := map[string]any{"listing_id": "lst_tesla3", "message": "Hello, I'm interested in this vehicle. Is it still available?"}
	data := mkOK(t, "start", call(t, e, lise, "POST", "/v1/messages/conversations", body), 201)
	shape(t, "data", data, map[string]string{"conversation": "object", "message": "object"})
	shape(t, "conversation", data["conversation"], map[string]string{"id": "string", "listing": "object", "participant": "object", "created_at": "time"})
	shape(t, "listing", get(data, "conversation", "listing"), map[string]string{"id": "string", "title": "string"})
	shape(t, "participant", get(data, "conversation", "participant"), map[string]string{"id": "string", "name": "string"})
	shape(t, "message", data["message"], map[string]string{"id": "string", "content": "string", "sent_at": "time"})
	conv := get(data, "conversation", "id").(string)
	if !strings.HasPrefix(conv, "conv_") || get(data, "conversation", "listing", "id") != "lst_tesla3" ||
		get(data, "conversation", "listing", "title") != "Tesla Model 3 Long Range 2021" || get(data, "conversation", "participant", "id") != "usr_anne" ||
		get(data, "conversation", "participant", "name") != "Anne Vik" || get(data, "message", "content") != body["message"] {
		t.Fatalf("start = %v", data)
	}
	// The legacy route starts one too, from listing_id and content.
	legacy := mkOK(t, "POST /api/messages", call(t, e, e.User(t, "usr_per"), "POST", "/api/messages", map[string]any{"listing_id": "lst_golf7", "content": "Hei Jon"}), 201)
	if get(legacy, "conversation", "participant", "id") != "usr_jon" || get(legacy, "message", "content") != "Hei Jon" {
		t.Fatalf("legacy start = %v", legacy)
	}
}

func TestMKSendMessage(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	anne := e.User(t, "usr_anne")
	conv := convOf(t, e, "tesla3")
	body := map[string]any{"content": "Thank you for your interest! Yes, it's available.", "type": "text"}
	data := mkOK(t, "send", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, body), 201)
	shape(t, "message", data["message"], map[string]string{"id": "string", "content": "string", "type": "string", "sent_at": "time"})
	if get(data, "message", "content") != body["content"] || get(data, "message", "type") != "text" {
		t.Fatalf("send = %v", data)
	}
	d := mkOK(t, "quick_reply", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": "x", "type": "quick_reply"}), 201)
	if get(d, "message", "type") != "quick_reply" {
		t.Fatalf("type quick_reply = %v", d)
	}
	// An image or a document needs its file (multipart "attachment").
	for _, typ := range []string{"image", "document"} {
		mkErr(t, typ+" without a file", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": "x", "type": typ}), 400, "attachment")
	}
	// The legacy route sends with conversation_id; the answer is the /v1 one.
	legacy := mkOK(t, "POST /api/messages", call(t, e, anne, "POST", "/api/messages", map[string]any{"conversation_id": conv, "content": "Velkommen"}), 201)
	shape(t, "message", legacy["message"], map[string]string{"id": "string", "content": "string", "type": "string", "sent_at": "time"})
	if got := messagesOf(t, e, e.User(t, "usr_per"), conv); len(got) != 5 || get(got[4], "content") != "Velkommen" {
		t.Fatalf("per sees %d messages: %v", len(got), got)
	}
}

func TestMKMarkRead(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	data := mkOK(t, "read", call(t, e, per, "PUT", "/v1/messages/conversations/"+conv+"/read", nil), 200)
	shape(t, "data", data, map[string]string{"updated": "number", "unread_count": "number"})
	if data["updated"] != 1.0 || data["unread_count"] != 0.0 {
		t.Fatalf("read whole = %v", data)
	}
	msgs := messagesOf(t, e, per, conv)
	body := map[string]any{"message_ids": []string{get(msgs[0], "id").(string), get(msgs[1], "id").(string)}}
	again := mkOK(t, "read ids", call(t, e, per, "PUT", "/v1/messages/conversations/"+conv+"/read", body), 200)
	if again["updated"] != 0.0 || again["unread_count"] != 0.0 {
		t.Fatalf("read ids already read = %v", again)
	}
}

func TestMKArchiveAndUnarchive(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	for _, step := range []struct {
		method, path string
		archived     bool
	}{
		{"PUT", "/v1/messages/conversations/" + conv + "/archive", true},
		{"DELETE", "/v1/messages/conversations/" + conv + "/archive", false},
		{"PATCH", "/api/messages/" + conv + "/archive", true},
	} {
		data := mkOK(t, step.method+" "+step.path, call(t, e, per, step.method, step.path, nil), 200)
		shape(t, "conversation", data["conversation"], map[string]string{"id": "string", "archived": "bool"})
		if get(data, "conversation", "id") != conv || get(data, "conversation", "archived") != step.archived {
			t.Fatalf("%s %s = %v", step.method, step.path, data)
		}
	}
}

func TestMKDeleteConversation(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	data := mkOK(t, "delete", call(t, e, per, "DELETE", "/v1/messages/conversations/"+conv, nil), 200)
	shape(t, "data", data, map[string]string{"deleted": "bool", "id": "string"})
	if data["deleted"] != true || data["id"] != conv {
		t.Fatalf("delete = %v", data)
	}
}

func TestMKTemplates(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	anne := e.User(t, "usr_anne")
	list := mkOK(t, "templates", call(t, e, anne, "GET", "/v1/messages/templates", nil), 200)
	shape(t, "data", list, map[string]string{"templates": "array"})
	tpl := get(list, "templates", 0)
	shape(t, "template", tpl, map[string]string{"id": "string", "name": "string", "category": "string", "content": "string"})
	if !strings.HasPrefix(get(tpl, "id").(string), "tpl_") || get(tpl, "name") != "Visning" || get(tpl, "category") != "viewing" ||
		!strings.Contains(get(tpl, "content").(string), "{{name}}") {
		t.Fatalf("template = %v", tpl)
	}
	body := map[string]any{"name": "Quick Response", "category": "inquiry", "content": "Thank you for contacting us..."}
	created := mkOK(t, "create", call(t, e, anne, "POST", "/v1/messages/templates", body), 201)
	shape(t, "template", created["template"], map[string]string{"id": "string", "name": "string", "category": "string", "content": "string"})
	if get(created, "template", "name") != "Quick Response" || get(created, "template", "category") != "inquiry" || get(created, "template", "content") != body["content"] {
		t.Fatalf("created = %v", created)
	}
	if got := mkOK(t, "templates", call(t, e, anne, "GET", "/v1/messages/templates", nil), 200); len(got["templates"].([]any)) != 2 {
		t.Fatalf("after create = %v", got)
	}
	mkErr(t, "same name", call(t, e, anne, "POST", "/v1/messages/templates", body), 409, "")
	// Templates are the caller's own.
	if got := mkOK(t, "per's templates", call(t, e, e.User(t, "usr_per"), "GET", "/v1/messages/templates", nil), 200); len(got["templates"].([]any)) != 0 {
		t.Fatalf("per's templates = %v", got)
	}
}

func TestMKUnread(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	jon := e.User(t, "usr_jon")
	var bodies []string
	for _, path := range []string{"/v1/messages/unread", "/api/messages/unread"} {
		r := call(t, e, jon, "GET", path, nil)
		data := mkOK(t, path, r, 200)
		shape(t, "data", data, map[string]string{"unread_count": "number", "conversations_with_unread": "number"})
		if data["unread_count"] != 2.0 || data["conversations_with_unread"] != 1.0 {
			t.Fatalf("%s = %v", path, data)
		}
		bodies = append(bodies, string(r.Raw))
	}
	if bodies[0] != bodies[1] {
		t.Fatalf("the two unread routes differ: %s / %s", bodies[0], bodies[1])
	}
}

func TestMKReportMessage(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	annes := get(messagesOf(t, e, per, convOf(t, e, "tesla3"))[1], "id").(string)
	body := map[string]any{"reason": "spam", "details": "User is sending promotional content"}
	data := mkOK(t, "report", call(t, e, per, "POST", "/v1/messages/"+annes+"/report", body), 201)
	shape(t, "report", data["report"], map[string]string{"id": "string", "message_id": "string", "reason": "string", "details": "string", "status": "string", "created_at": "time"})
	if get(data, "report", "message_id") != annes || get(data, "report", "reason") != "spam" || get(data, "report", "details") != body["details"] || get(data, "report", "status") != "open" {
		t.Fatalf("report = %v", data)
	}
}

func TestMKNotifications(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	data := mkOK(t, "list", call(t, e, per, "GET", "/api/notifications?page=1&limit=20&status=all&type=message.received&since=2000-01-01T00:00:00Z", nil), 200)
	shape(t, "data", data, map[string]string{"notifications": "array", "pagination": "object", "unread_count": "number"})
	shape(t, "pagination", data["pagination"], map[string]string{"page": "number", "limit": "number", "total": "number"})
	n := get(data, "notifications", 0)
	shape(t, "notification", n, notificationShape)
	annes := get(messagesOf(t, e, per, conv)[1], "id")
	if !strings.HasPrefix(get(n, "id").(string), "ntf_") || get(n, "type") != "message.received" || get(n, "read") != false ||
		get(n, "data", "conversation_id") != conv || get(n, "data", "message_id") != annes || get(n, "data", "listing_id") != "lst_tesla3" ||
		get(data, "pagination", "total") != 1.0 || data["unread_count"] != 1.0 {
		t.Fatalf("notifications = %v", data)
	}
	count := mkOK(t, "unread-count", call(t, e, per, "GET", "/api/notifications/unread-count", nil), 200)
	shape(t, "data", count, map[string]string{"unread_count": "number"})
	if count["unread_count"] != 1.0 {
		t.Fatalf("unread-count = %v", count)
	}
	one := mkOK(t, "read one", call(t, e, per, "PATCH", "/api/notifications/"+get(n, "id").(string)+"/read", nil), 200)
	shape(t, "data", one, map[string]string{"updated": "number", "messages_marked": "number"})
	if one["updated"] != 1.0 || one["messages_marked"] != 1.0 {
		t.Fatalf("read one = %v", one)
	}
	all := mkOK(t, "read-all", call(t, e, per, "PATCH", "/api/notifications/read-all", nil), 200)
	shape(t, "data", all, map[string]string{"updated": "number", "messages_marked": "number"})
	if all["updated"] != 0.0 || all["messages_marked"] != 0.0 {
		t.Fatalf("read-all with nothing unread = %v", all)
	}
	after := firstNotification(t, e, per)
	if after["read"] != true || !isKind(after["read_at"], "time") {
		t.Fatalf("after reading = %v", after)
	}
}

// The documented examples decode into the documented types; a sanity check of the helper.
func TestMKShapeHelper(t *testing.T) {
	var v any
	_ = json.Unmarshal([]byte(`{"a":"2024-01-15T10:00:00Z","b":null,"c":1,"d":true}`), &v)
	if !isKind(get(v, "a"), "time") || !isKind(get(v, "b"), "time|null") || isKind(get(v, "c"), "string") || !isKind(get(v, "d"), "bool") {
		t.Fatal("isKind misjudges JSON kinds")
	}
}
