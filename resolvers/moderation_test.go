package resolvers_test

import (
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

const archiveMutation = `mutation($c: ID!) { archiveConversation(conversationId: $c) { conversation { conversationId archived } } }`
const unarchiveMutation = `mutation($c: ID!) { unarchiveConversation(conversationId: $c) { conversation { conversationId archived } } }`

type archivedResult struct {
	Conversation struct {
		ConversationID int `json:"conversationId,string"`
		Archived       bool
	}
}

func archive(t *testing.T, e *apptest.Env, c apptest.Creds, q, conv string) archivedResult {
	t.Helper()
	var out map[string]archivedResult
	e.GQL(t, c, q, map[string]any{"c": conv}).Decode(t, &out)
	for _, v := range out {
		return v
	}
	t.Fatal("no payload")
	return archivedResult{}
}

// inboxIDs lists the viewer's conversation ids under an inbox status.
func inboxIDs(t *testing.T, e *apptest.Env, c apptest.Creds, status string) []int {
	t.Helper()
	return ids2(inbox(t, e, c, map[string]any{"filter": map[string]any{"status": status}}))
}

func ids2(r inboxResult) []int {
	var out []int
	for _, n := range r.Inbox.Nodes {
		out = append(out, n.ConversationID)
	}
	return out
}

func TestArchiveIsPerViewerAndUndoneByANewMessage(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "tesla3")
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	res := archive(t, e, per, archiveMutation, conv)
	if !res.Conversation.Archived {
		t.Fatalf("archive = %+v", res)
	}
	id := res.Conversation.ConversationID
	if got := inboxIDs(t, e, per, "ALL"); len(got) != 0 {
		t.Fatalf("per's ALL after archiving = %v", got)
	}
	if got := inboxIDs(t, e, per, "ARCHIVED"); len(got) != 1 || got[0] != id {
		t.Fatalf("per's ARCHIVED = %v", got)
	}
	if got := inboxIDs(t, e, anne, "ALL"); len(got) != 1 || got[0] != id {
		t.Fatalf("anne's inbox after per archived = %v", got)
	}
	if again := archive(t, e, per, archiveMutation, conv); !again.Conversation.Archived {
		t.Fatalf("archiving twice = %+v", again)
	}
	if un := archive(t, e, per, unarchiveMutation, "conv_"+itoa(id)); un.Conversation.Archived {
		t.Fatalf("unarchive = %+v", un)
	}
	if got := inboxIDs(t, e, per, "ALL"); len(got) != 1 {
		t.Fatalf("per's ALL after unarchiving = %v", got)
	}
	archive(t, e, per, archiveMutation, conv)
	send(t, e, anne, conv, "Fortsatt interessert?")
	if got := inboxIDs(t, e, per, "ARCHIVED"); len(got) != 0 {
		t.Fatalf("still archived after a new message: %v", got)
	}
	if got := inboxIDs(t, e, per, "UNREAD"); len(got) != 1 {
		t.Fatalf("per's UNREAD after the new message = %v", got)
	}
	for _, c := range []struct {
		who  apptest.Creds
		conv string
		code string
	}{
		{e.User(t, "usr_lise"), conv, "NOT_FOUND"},
		{e.User(t, "co-ola"), conv, "NOT_FOUND"},
		{per, "conv_x", "BAD_USER_INPUT"},
		{apptest.Creds{}, conv, "UNAUTHENTICATED"},
	} {
		for _, q := range []string{archiveMutation, unarchiveMutation} {
			if r := e.GQL(t, c.who, q, map[string]any{"c": c.conv}); r.Code() != c.code {
				t.Fatalf("%s on %s = %q, want %s", q[:30], c.conv, r.Code(), c.code)
			}
		}
	}
}

const deleteMutation = `mutation($c: ID!) { deleteConversation(conversationId: $c) { conversationId } }`

func TestDeleteConversationIsForTheViewerOnly(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "tesla3")
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	if r := e.GQL(t, e.User(t, "usr_lise"), deleteMutation, map[string]any{"c": conv}); r.Code() != "NOT_FOUND" {
		t.Fatalf("another buyer deletes: %q", r.Code())
	}
	if r := e.GQL(t, per, deleteMutation, map[string]any{"c": "lst_tesla3"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a malformed id: %q", r.Code())
	}
	var out struct {
		DeleteConversation struct{ ConversationID string }
	}
	e.GQL(t, per, deleteMutation, map[string]any{"c": conv}).Decode(t, &out)
	if out.DeleteConversation.ConversationID == "" {
		t.Fatal("no id in the payload")
	}
	if got := inboxIDs(t, e, per, "ALL"); len(got) != 0 {
		t.Fatalf("per's inbox after delete = %v", got)
	}
	if r := e.GQL(t, per, `query($c: ID!) { conversation(id: $c) { conversationId } }`, map[string]any{"c": conv}); r.Code() != "NOT_FOUND" {
		t.Fatalf("conversation after delete: %q", r.Code())
	}
	if r := e.GQL(t, per, deleteMutation, map[string]any{"c": conv}); r.Code() != "NOT_FOUND" {
		t.Fatalf("deleting twice: %q", r.Code())
	}
	if u := unread(t, e, per).UnreadCounts; u.Messages != 0 || u.Notifications != 0 {
		t.Fatalf("per's unread after delete = %+v", u)
	}
	if got := ids(page(t, e, anne, map[string]any{"c": conv})); len(got) != 2 {
		t.Fatalf("anne's history = %v, want both messages", got)
	}
	// A new message brings it back for per, with only what came after the delete.
	newID := send(t, e, anne, conv, "Ny pris!").SendMessage.Message.MessageID
	if got := ids(page(t, e, per, map[string]any{"c": conv})); len(got) != 1 || got[0] != newID {
		t.Fatalf("per after a new message = %v, want only %d", got, newID)
	}
}

const reportMutation = `mutation($in: ReportMessageInput!) { reportMessage(input: $in) { id reportId messageId reason details status createdAt } }`

func TestReportMessage(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "tesla3")
	per := e.User(t, "usr_per")
	m := ids(page(t, e, per, map[string]any{"c": conv})) // per's question, anne's reply
	var out struct {
		ReportMessage struct {
			ID, MessageID, Reason, Details, Status, CreatedAt string
			ReportID                                          int
		}
	}
	e.GQL(t, per, reportMutation, map[string]any{"in": map[string]any{"messageId": "msg_" + itoa(m[1]), "reason": "SPAM", "details": "  reklame  "}}).Decode(t, &out)
	rp := out.ReportMessage
	if rp.ReportID <= 0 || rp.ID == "" || rp.MessageID == "" || rp.Reason != "SPAM" || rp.Details != "reklame" || rp.Status != "OPEN" || rp.CreatedAt == "" {
		t.Fatalf("report = %+v", rp)
	}
	for _, c := range []struct {
		who  apptest.Creds
		in   map[string]any
		code string
	}{
		{per, map[string]any{"messageId": itoa(m[1]), "reason": "FRAUD"}, "CONFLICT"},
		{per, map[string]any{"messageId": itoa(m[0]), "reason": "SPAM"}, "BAD_USER_INPUT"},
		{per, map[string]any{"messageId": "msg_x", "reason": "SPAM"}, "BAD_USER_INPUT"},
		{per, map[string]any{"messageId": "999999", "reason": "SPAM"}, "NOT_FOUND"},
		{per, map[string]any{"messageId": itoa(m[1]), "reason": "RUDE"}, "GRAPHQL_VALIDATION_FAILED"},
		{e.User(t, "usr_lise"), map[string]any{"messageId": itoa(m[1]), "reason": "SPAM"}, "NOT_FOUND"},
		{e.User(t, "co-ola"), map[string]any{"messageId": itoa(m[1]), "reason": "SPAM"}, "NOT_FOUND"},
	} {
		r := e.GQL(t, c.who, reportMutation, map[string]any{"in": c.in})
		if r.Code() != c.code {
			t.Fatalf("report %v = %q %+v, want %s", c.in, r.Code(), r.Errors, c.code)
		}
	}
	// The other side may report the message per could not.
	if r := e.GQL(t, e.User(t, "usr_anne"), reportMutation, map[string]any{"in": map[string]any{"messageId": itoa(m[0]), "reason": "OTHER"}}); r.Code() != "" {
		t.Fatalf("anne reports per's message: %+v", r.Errors)
	}
}

const timedPageQuery = `query($c: ID!, $last: Int, $offset: Int, $bt: Time) {
  messages(conversationId: $c, last: $last, offset: $offset, beforeTime: $bt) {
    totalCount pageInfo { hasPreviousPage hasNextPage } nodes { messageId createdAt }
  }
}`

type timedPage struct {
	Messages struct {
		TotalCount int
		PageInfo   struct{ HasPreviousPage, HasNextPage bool }
		Nodes      []struct {
			MessageID int
			CreatedAt time.Time
		}
	}
}

func (p timedPage) ids() []int {
	var out []int
	for _, n := range p.Messages.Nodes {
		out = append(out, n.MessageID)
	}
	return out
}

func TestMessagesOffsetAndBeforeTime(t *testing.T) {
	e := apptest.New(t)
	conv, kari, shop := newThread(t, e, 5101)
	var want []int
	for i := range 5 {
		who := kari
		if i%2 == 1 {
			who = shop
		}
		want = append(want, send(t, e, who, conv, "m"+itoa(i)).SendMessage.Message.MessageID)
	}
	get := func(vars map[string]any) timedPage {
		t.Helper()
		vars["c"] = conv
		var out timedPage
		e.GQL(t, kari, timedPageQuery, vars).Decode(t, &out)
		return out
	}
	if p := get(map[string]any{"last": 2, "offset": 0}); !equal(p.ids(), want[3:]) || !p.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("offset 0 = %v %+v", p.ids(), p.Messages.PageInfo)
	}
	if p := get(map[string]any{"last": 2, "offset": 2}); !equal(p.ids(), want[1:3]) || !p.Messages.PageInfo.HasPreviousPage || !p.Messages.PageInfo.HasNextPage {
		t.Fatalf("offset 2 = %v %+v", p.ids(), p.Messages.PageInfo)
	}
	if p := get(map[string]any{"last": 2, "offset": 4}); !equal(p.ids(), want[:1]) || p.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("offset 4 = %v %+v", p.ids(), p.Messages.PageInfo)
	}
	if p := get(map[string]any{"last": 2, "offset": 10}); len(p.ids()) != 0 || p.Messages.TotalCount != 5 {
		t.Fatalf("offset past the end = %v", p.ids())
	}
	all := get(map[string]any{})
	third := all.Messages.Nodes[2].CreatedAt
	if p := get(map[string]any{"bt": third.Format(time.RFC3339Nano)}); !equal(p.ids(), want[:2]) {
		t.Fatalf("before the third = %v, want %v", p.ids(), want[:2])
	}
	if p := get(map[string]any{"bt": third.Format(time.RFC3339Nano), "last": 1, "offset": 1}); !equal(p.ids(), want[:1]) {
		t.Fatalf("before the third, second newest = %v", p.ids())
	}
	if p := get(map[string]any{"bt": "2000-01-01T00:00:00Z"}); len(p.ids()) != 0 {
		t.Fatalf("before 2000 = %v", p.ids())
	}
	if r := e.GQL(t, kari, timedPageQuery, map[string]any{"c": conv, "offset": -1}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("negative offset: %q", r.Code())
	}
}

func TestMarkConversationReadUpToTime(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "golf7")
	jon := e.User(t, "usr_jon")
	var all timedPage
	e.GQL(t, jon, timedPageQuery, map[string]any{"c": conv}).Decode(t, &all) // lise, jon, lise
	q := `mutation($c: ID!, $at: Time) { markConversationRead(input: {conversationId: $c, upToTime: $at}) { updated unreadCount readAt } }`
	var out struct {
		MarkConversationRead struct {
			Updated, UnreadCount int
			ReadAt               *string
		}
	}
	e.GQL(t, jon, q, map[string]any{"c": conv, "at": "2000-01-01T00:00:00Z"}).Decode(t, &out)
	if r := out.MarkConversationRead; r.Updated != 0 || r.UnreadCount != 2 {
		t.Fatalf("up to 2000 = %+v, want nothing read", r)
	}
	// Up to jon's own reply: lise's first message becomes read, jon's own is never touched.
	e.GQL(t, jon, q, map[string]any{"c": conv, "at": all.Messages.Nodes[1].CreatedAt.Format(time.RFC3339Nano)}).Decode(t, &out)
	if r := out.MarkConversationRead; r.Updated != 1 || r.UnreadCount != 1 || r.ReadAt == nil {
		t.Fatalf("up to the second message = %+v", r)
	}
	e.GQL(t, jon, q, map[string]any{"c": conv, "at": time.Now().Add(time.Hour).Format(time.RFC3339)}).Decode(t, &out)
	if r := out.MarkConversationRead; r.Updated != 1 || r.UnreadCount != 0 {
		t.Fatalf("up to the future = %+v", r)
	}
	if u := unread(t, e, e.User(t, "usr_lise")).UnreadCounts; u.Messages != 1 {
		t.Fatalf("lise's unread after jon read = %+v, want her own 1 untouched", u)
	}
}
