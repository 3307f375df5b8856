package restcompat_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

func TestMKArchiveIsPerParticipantAndANewMessageUnarchives(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	conv := convOf(t, e, "tesla3")
	mkOK(t, "archive", call(t, e, per, "PUT", "/v1/messages/conversations/"+conv+"/archive", nil), 200)
	if got := conversationIDs(t, e, per, ""); len(got) != 0 {
		t.Fatalf("archived still listed for per: %v", got)
	}
	if got := conversationIDs(t, e, per, "?status=archived"); !slices.Equal(got, []string{conv}) {
		t.Fatalf("status=archived = %v", got)
	}
	if got := conversationIDs(t, e, anne, ""); !slices.Equal(got, []string{conv}) {
		t.Fatalf("anne's list after per archived = %v, want it kept", got)
	}
	mkOK(t, "unarchive", call(t, e, per, "DELETE", "/v1/messages/conversations/"+conv+"/archive", nil), 200)
	if got := conversationIDs(t, e, per, ""); !slices.Equal(got, []string{conv}) {
		t.Fatalf("after unarchive = %v", got)
	}
	mkOK(t, "archive again", call(t, e, per, "PATCH", "/api/messages/"+conv+"/archive", nil), 200)
	mkOK(t, "anne replies", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": "Fortsatt interessert?"}), 201)
	if got := conversationIDs(t, e, per, ""); !slices.Equal(got, []string{conv}) {
		t.Fatalf("a new message did not bring the conversation back: %v", got)
	}
	if got := conversationIDs(t, e, per, "?status=archived"); len(got) != 0 {
		t.Fatalf("still archived after a new message: %v", got)
	}
}

func TestMKDeleteHidesForTheCallerOnly(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	conv := convOf(t, e, "tesla3")
	mkOK(t, "delete", call(t, e, per, "DELETE", "/v1/messages/conversations/"+conv, nil), 200)
	if got := conversationIDs(t, e, per, ""); len(got) != 0 {
		t.Fatalf("per still lists the deleted conversation: %v", got)
	}
	if got := conversationIDs(t, e, per, "?status=archived"); len(got) != 0 {
		t.Fatalf("deleted shows as archived: %v", got)
	}
	mkErr(t, "GET after delete", call(t, e, per, "GET", "/v1/messages/conversations/"+conv, nil), 404, "")
	mkErr(t, "send after delete", call(t, e, per, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": "hei"}), 404, "")
	mkErr(t, "delete twice", call(t, e, per, "DELETE", "/v1/messages/conversations/"+conv, nil), 404, "")
	if got := messagesOf(t, e, anne, conv); len(got) != 2 {
		t.Fatalf("anne's history after per deleted = %d messages, want 2", len(got))
	}
	unread := mkOK(t, "per unread", call(t, e, per, "GET", "/v1/messages/unread", nil), 200)
	if unread["unread_count"] != 0.0 {
		t.Fatalf("per's unread after delete = %v", unread)
	}
	// Deletion is permanent: a later message brings the conversation back with only itself.
	mkOK(t, "anne writes", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": "Ny pris!"}), 201)
	got := messagesOf(t, e, per, conv)
	if len(got) != 1 || get(got[0], "content") != "Ny pris!" {
		t.Fatalf("per after a new message = %v, want only the new one", got)
	}
}

func TestMKStartTwiceReturnsTheSameConversation(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	lise, anne := e.User(t, "usr_lise"), e.User(t, "usr_anne")
	first := mkOK(t, "first", call(t, e, lise, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_tesla3", "message": "Hei!"}), 201)
	conv := get(first, "conversation", "id")
	second := mkOK(t, "second", call(t, e, lise, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_tesla3", "message": "Hallo igjen"}), 200)
	if get(second, "conversation", "id") != conv || get(second, "message", "content") != "Hallo igjen" {
		t.Fatalf("second start = %v, want %v with the new message", second, conv)
	}
	third := mkOK(t, "no message", call(t, e, lise, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "tesla3"}), 200)
	if get(third, "conversation", "id") != conv || third["message"] != nil {
		t.Fatalf("start without a message = %v", third)
	}
	if got := messagesOf(t, e, lise, conv.(string)); len(got) != 2 {
		t.Fatalf("messages after three starts = %d, want 2", len(got))
	}
	// The seller is the other participant, and sees lise as the buyer.
	rows := mkOK(t, "anne's list", call(t, e, anne, "GET", "/v1/messages/conversations", nil), 200)["conversations"].([]any)
	if len(rows) != 2 || get(rows[0], "id") != conv || get(rows[0], "participant", "id") != "usr_lise" || get(rows[0], "participant", "type") != "buyer" || get(rows[0], "unread_count") != 2.0 {
		t.Fatalf("anne's list = %v", rows)
	}
	mkErr(t, "start on one's own listing", call(t, e, anne, "POST", "/v1/messages/conversations", map[string]any{"listing_id": "lst_tesla3"}), 422, "listing_id")
}

func TestMKSendTemplate(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	anne, per := e.User(t, "usr_anne"), e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	tpl := templateID(t, e, anne, "Visning")
	vars := map[string]any{"name": "Per", "day": "lørdag", "time": "12"}
	sent := mkOK(t, "template", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"template_id": tpl, "variables": vars, "type": "quick_reply"}), 201)
	if get(sent, "message", "content") != "Hei Per! Du er velkommen på visning lørdag kl. 12." || get(sent, "message", "type") != "quick_reply" {
		t.Fatalf("template send = %v", sent)
	}
	missing := call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"template_id": tpl, "variables": map[string]any{"name": "Per", "day": "lørdag"}})
	mkErr(t, "missing variable", missing, 400, "variables")
	if msg, _ := get(missing.Body, "error", "message").(string); !strings.Contains(msg, "time") {
		t.Fatalf("missing variable message %q does not name it", msg)
	}
	if got := messagesOf(t, e, per, conv); len(got) != 3 {
		t.Fatalf("messages after a failed template send = %d, want 3", len(got))
	}
	mkErr(t, "someone else's template", call(t, e, e.User(t, "usr_lise"), "POST", "/v1/messages/conversations/"+convOf(t, e, "golf7"),
		map[string]any{"template_id": tpl, "variables": vars}), 404, "")
}

func TestMKSendMultipartAttachments(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	anne, per := e.User(t, "usr_anne"), e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	r := multipartCall(t, e, anne, "POST", "/v1/messages/conversations/"+conv, []part{
		{name: "content", value: "Here are the service records"},
		{name: "type", value: "document"},
		{name: "attachment", value: pdfFile, filename: "service.pdf", contentType: "application/pdf"},
		{name: "attachment", value: pngFile, filename: "car.png", contentType: "image/png"},
	})
	sent := mkOK(t, "multipart", r, 201)
	if get(sent, "message", "type") != "document" || get(sent, "message", "content") != "Here are the service records" || len(get(sent, "message", "attachments").([]any)) != 2 {
		t.Fatalf("multipart send = %s", r.Raw)
	}
	msgs := messagesOf(t, e, per, conv)
	last := msgs[len(msgs)-1]
	atts, _ := get(last, "attachments").([]any)
	if len(atts) != 2 || get(atts[0], "name") != "service.pdf" || get(atts[0], "content_type") != "application/pdf" || get(atts[1], "content_type") != "image/png" {
		t.Fatalf("per sees %v", last)
	}
	// A file alone is a message too; the legacy route takes multipart as well.
	only := multipartCall(t, e, per, "POST", "/api/messages", []part{{name: "conversation_id", value: conv}, {name: "type", value: "image"},
		{name: "attachment", value: pngFile, filename: "me.png", contentType: "image/png"}})
	if d := mkOK(t, "file only", only, 201); get(d, "message", "type") != "image" || len(get(d, "message", "attachments").([]any)) != 1 {
		t.Fatalf("file-only send = %s", only.Raw)
	}
	bad := multipartCall(t, e, anne, "POST", "/v1/messages/conversations/"+conv, []part{{name: "attachment", value: "just text", filename: "x.txt", contentType: "text/plain"}})
	mkErr(t, "text file", bad, 415, "")
	if got := messagesOf(t, e, per, conv); len(got) != 4 {
		t.Fatalf("messages after a refused file = %d, want 4", len(got))
	}
}

func TestMKReadOnlyTouchesMessagesToTheCaller(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	jon, lise := e.User(t, "usr_jon"), e.User(t, "usr_lise")
	conv := convOf(t, e, "golf7")
	msgs := messagesOf(t, e, jon, conv) // lise, jon, lise
	ids := []string{get(msgs[0], "id").(string), get(msgs[1], "id").(string)}
	some := mkOK(t, "read ids", call(t, e, jon, "PUT", "/v1/messages/conversations/"+conv+"/read", map[string]any{"message_ids": ids}), 200)
	if some["updated"] != 1.0 || some["unread_count"] != 1.0 {
		t.Fatalf("jon reads lise's first and his own = %v, want 1 updated, 1 left", some)
	}
	after := messagesOf(t, e, jon, conv)
	if get(after[0], "read") != true || get(after[2], "read") != false {
		t.Fatalf("jon's view after reading by id = %v", after)
	}
	whole := mkOK(t, "read whole", call(t, e, jon, "PUT", "/v1/messages/conversations/"+conv+"/read", nil), 200)
	if whole["updated"] != 1.0 || whole["unread_count"] != 0.0 {
		t.Fatalf("jon reads the rest = %v", whole)
	}
	// Lise's own unread message (jon's reply) is untouched; her messages now show as read.
	if u := mkOK(t, "lise unread", call(t, e, lise, "GET", "/v1/messages/unread", nil), 200); u["unread_count"] != 1.0 {
		t.Fatalf("lise's unread = %v, want 1", u)
	}
	mine := messagesOf(t, e, lise, conv)
	if get(mine[0], "read") != true || get(mine[2], "read") != true || get(mine[1], "read") != false {
		t.Fatalf("lise's view = %v", mine)
	}
	other := get(messagesOf(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"))[0], "id")
	mkErr(t, "a message of another conversation", call(t, e, jon, "PUT", "/v1/messages/conversations/"+conv+"/read", map[string]any{"message_ids": []any{other}}), 404, "")
}

func TestMKReportRules(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	msgs := messagesOf(t, e, per, convOf(t, e, "tesla3"))
	own, annes := get(msgs[0], "id").(string), get(msgs[1], "id").(string)
	mkErr(t, "bad reason", call(t, e, per, "POST", "/v1/messages/"+annes+"/report", map[string]any{"reason": "rude"}), 400, "reason")
	mkErr(t, "own message", call(t, e, per, "POST", "/v1/messages/"+own+"/report", map[string]any{"reason": "spam"}), 422, "msgId")
	mkOK(t, "report", call(t, e, per, "POST", "/v1/messages/"+annes+"/report", map[string]any{"reason": "fraud"}), 201)
	mkErr(t, "twice", call(t, e, per, "POST", "/v1/messages/"+annes+"/report", map[string]any{"reason": "spam"}), 409, "")
	mkErr(t, "someone else's conversation", call(t, e, e.User(t, "usr_lise"), "POST", "/v1/messages/"+annes+"/report", map[string]any{"reason": "spam"}), 404, "")
	// Anne may still report per's message: reports are per reporter.
	mkOK(t, "anne reports", call(t, e, e.User(t, "usr_anne"), "POST", "/v1/messages/"+own+"/report", map[string]any{"reason": "other"}), 201)
}

func TestMKConversationPagingAndBefore(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	for i := range 3 {
		mkOK(t, "send", call(t, e, per, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": fmt.Sprintf("m%d", i)}), 201)
	}
	all := messagesOf(t, e, per, conv) // 5, oldest first
	contents := func(path string) ([]string, map[string]any) {
		data := mkOK(t, path, call(t, e, per, "GET", path, nil), 200)
		var out []string
		for _, m := range data["messages"].([]any) {
			out = append(out, get(m, "content").(string))
		}
		return out, data["pagination"].(map[string]any)
	}
	want := func(i ...int) []string {
		var out []string
		for _, n := range i {
			out = append(out, get(all[n], "content").(string))
		}
		return out
	}
	base := "/v1/messages/conversations/" + conv
	if got, p := contents(base + "?limit=2"); !slices.Equal(got, want(3, 4)) || p["has_more"] != true || p["total"] != 5.0 {
		t.Fatalf("page 1 = %v %v", got, p)
	}
	if got, p := contents(base + "?limit=2&page=2"); !slices.Equal(got, want(1, 2)) || p["has_more"] != true || p["page"] != 2.0 {
		t.Fatalf("page 2 = %v %v", got, p)
	}
	if got, p := contents(base + "?limit=2&page=3"); !slices.Equal(got, want(0)) || p["has_more"] != false {
		t.Fatalf("page 3 = %v %v", got, p)
	}
	if got, p := contents(base + "?limit=2&page=9"); len(got) != 0 || p["has_more"] != false {
		t.Fatalf("past the end = %v %v", got, p)
	}
	// before takes an exact time; GraphQL gives sent times to the nanosecond.
	var out struct {
		Messages struct{ Nodes []struct{ CreatedAt string } }
	}
	e.GQL(t, per, `query($c: ID!) { messages(conversationId: $c) { nodes { createdAt } } }`, map[string]any{"c": conv}).Decode(t, &out)
	third := out.Messages.Nodes[2].CreatedAt
	if got, _ := contents(base + "?before=" + url.QueryEscape(third)); !slices.Equal(got, want(0, 1)) {
		t.Fatalf("before the third = %v", got)
	}
	if got, _ := contents(base + "?before=2000-01-01T00:00:00Z"); len(got) != 0 {
		t.Fatalf("before 2000 = %v", got)
	}
	if got, _ := contents("/api/messages/" + conv + "?limit=1&before=" + url.QueryEscape(third)); !slices.Equal(got, want(1)) {
		t.Fatalf("legacy route with before = %v", got)
	}
}

func TestMKOnlineIsRecentlySeen(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	online := func() any {
		data := mkOK(t, "conversation", call(t, e, per, "GET", "/v1/messages/conversations/"+conv, nil), 200)
		return get(data, "conversation", "participant", "online")
	}
	if got := online(); got != false {
		t.Fatalf("anne never seen: online = %v", got)
	}
	call(t, e, e.User(t, "usr_anne"), "GET", "/v1/messages/unread", nil)
	if got := online(); got != true {
		t.Fatalf("anne just seen: online = %v", got)
	}
}

func TestMKNotificationFiltersAndReadAll(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	conv := convOf(t, e, "tesla3")
	for _, body := range []string{"En", "To"} {
		mkOK(t, "send", call(t, e, anne, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": body}), 201)
	}
	list := func(query string) map[string]any {
		return mkOK(t, query, call(t, e, per, "GET", "/api/notifications"+query, nil), 200)
	}
	if d := list("?limit=2&page=2"); len(d["notifications"].([]any)) != 1 || get(d, "pagination", "total") != 3.0 || d["unread_count"] != 3.0 {
		t.Fatalf("page 2 = %v", d)
	}
	if d := list("?status=read"); len(d["notifications"].([]any)) != 0 || d["unread_count"] != 3.0 {
		t.Fatalf("status=read = %v, want none but the unread count kept", d)
	}
	if d := list("?type=other.kind"); get(d, "pagination", "total") != 0.0 {
		t.Fatalf("type filter = %v", d)
	}
	if d := list("?since=2999-01-01T00:00:00Z"); get(d, "pagination", "total") != 0.0 {
		t.Fatalf("since the future = %v", d)
	}
	if d := list("?status=unread"); get(d, "notifications", 0, "body") != "To" {
		t.Fatalf("newest first = %v", d)
	}
	all := mkOK(t, "read-all", call(t, e, per, "PATCH", "/api/notifications/read-all", nil), 200)
	if all["updated"] != 3.0 || all["messages_marked"] != 3.0 {
		t.Fatalf("read-all = %v", all)
	}
	if u := mkOK(t, "unread", call(t, e, per, "GET", "/v1/messages/unread", nil), 200); u["unread_count"] != 0.0 {
		t.Fatalf("messages unread after read-all = %v", u)
	}
	if c := mkOK(t, "count", call(t, e, per, "GET", "/api/notifications/unread-count", nil), 200); c["unread_count"] != 0.0 {
		t.Fatalf("notifications unread after read-all = %v", c)
	}
	raw, _ := json.Marshal(firstNotification(t, e, per)["data"])
	if !strings.Contains(string(raw), `"conversation_id":"`+conv+`"`) {
		t.Fatalf("data ids not prefixed: %s", raw)
	}
}
