package restcompat_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

// An edited message shows edited_at, an unsent one empty content, no attachments and
// unsent: true, and one deleted for the caller is not listed; every documented field keeps
// its meaning.
func TestMKEditedUnsentAndHiddenMessages(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	per := e.User(t, "usr_per")
	conv := convOf(t, e, "tesla3")
	gql := func(c apptest.Creds, q string, vars map[string]any) {
		t.Helper()
		if r := e.GQL(t, c, q, vars); r.Code() != "" {
			t.Fatalf("%s: %+v", q, r.Errors)
		}
	}
	mkOK(t, "send", call(t, e, per, "POST", "/v1/messages/conversations/"+conv, map[string]any{"content": "first", "type": "text"}), 201)
	msgs := messagesOf(t, e, per, conv)
	last := msgs[len(msgs)-1]
	id := get(last, "id").(string)
	if get(last, "edited_at") != nil || get(last, "unsent") != false {
		t.Fatalf("a fresh message = %v", last)
	}
	gql(per, `mutation($id: ID!) { editMessage(id: $id, body: "second") { id } }`, map[string]any{"id": id})
	msgs = messagesOf(t, e, per, conv)
	if last = msgs[len(msgs)-1]; get(last, "content") != "second" || get(last, "edited_at") == nil {
		t.Fatalf("an edited message = %v", last)
	}
	gql(per, `mutation($id: ID!) { unsendMessage(id: $id) { id } }`, map[string]any{"id": id})
	msgs = messagesOf(t, e, per, conv)
	if last = msgs[len(msgs)-1]; get(last, "content") != "" || get(last, "unsent") != true || get(last, "removed") != false || len(get(last, "attachments").([]any)) != 0 {
		t.Fatalf("an unsent message = %v", last)
	}
	list := mkOK(t, "list", call(t, e, per, "GET", "/v1/messages/conversations", nil), 200)
	if lm := get(list, "conversations", 0, "last_message"); get(lm, "content") != "" || get(lm, "unsent") != true {
		t.Fatalf("last_message of an unsent message = %v", lm)
	}
	before := len(msgs)
	gql(per, `mutation($id: ID!) { deleteMessageForMe(id: $id) }`, map[string]any{"id": get(msgs[0], "id")})
	if n := len(messagesOf(t, e, per, conv)); n != before-1 {
		t.Fatalf("%d messages listed after deleting one for me, want %d", n, before-1)
	}
}

// A message the caller deleted for themselves leaves their inbox's last_message and
// total_messages (the newest message they did not delete is shown); the other side's inbox
// keeps it. The shapes do not change.
func TestInboxesLeaveOutMessagesDeletedForMe(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ola, bilfix := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	thread := threadOf(t, e, 1001)
	row := func(c apptest.Creds, path string) any {
		t.Helper()
		r := call(t, e, c, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("%s = %d %s", path, r.Status, r.Raw)
		}
		for _, row := range get(r.Body, "data").([]any) {
			if get(row, "thread_id") == thread {
				return row
			}
		}
		t.Fatalf("%s has no thread %s: %s", path, thread, r.Raw)
		return nil
	}
	for _, body := range []string{"first", "last"} {
		if r := call(t, e, ola, "POST", "/api/co/messages/send", map[string]any{"thread_id": thread, "message": body}); r.Status != 201 {
			t.Fatalf("send = %d %s", r.Status, r.Raw)
		}
	}
	before := row(ola, "/api/co/messages/inbox")
	last := get(before, "last_message")
	if get(last, "content") != "last" {
		t.Fatalf("last_message before = %v", last)
	}
	if r := e.GQL(t, ola, `mutation($id: ID!) { deleteMessageForMe(id: $id) }`, map[string]any{"id": jsonInt(get(last, "id"))}); r.Code() != "" {
		t.Fatalf("deleteMessageForMe: %+v", r.Errors)
	}
	after := row(ola, "/api/co/messages/inbox")
	if get(after, "last_message", "content") != "first" || get(after, "total_messages") != get(before, "total_messages").(float64)-1 {
		t.Fatalf("the car owner's row after deleting the last message for themselves = %v (before %v)", after, before)
	}
	if got := row(bilfix, "/api/ws/messages"); get(got, "last_message", "content") != "last" || get(got, "total_messages") != get(before, "total_messages") {
		t.Fatalf("the workshop's row = %v", got)
	}
}
