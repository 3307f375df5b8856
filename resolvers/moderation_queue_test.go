package resolvers_test

import (
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

type reportsResult struct {
	Reports struct {
		Nodes []struct {
			ID, Reason, Status string
			Message            *struct{ Body string }
			Reporter           *struct{ UserID string }
		}
	}
}

func TestModerationQueueAndResolution(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "golf7")
	lise, jon := e.User(t, "usr_lise"), e.User(t, "usr_jon")
	bad := send(t, e, jon, conv, "Send me your bank details").SendMessage.Message.ID
	other := send(t, e, jon, conv, "Also this").SendMessage.Message.ID
	report := func(c apptest.Creds, msg, reason string) *apptest.Response {
		return e.GQL(t, c, `mutation($m: ID!, $r: ReportReason!) { reportMessage(input: {messageId: $m, reason: $r, details: "x"}) { id status } }`,
			map[string]any{"m": msg, "r": reason})
	}
	if r := report(lise, bad, "FRAUD"); r.Code() != "" {
		t.Fatalf("report: %+v", r.Errors)
	}
	if r := report(lise, other, "SPAM"); r.Code() != "" {
		t.Fatalf("report: %+v", r.Errors)
	}
	if r := report(lise, bad, "FRAUD"); r.Code() != "CONFLICT" {
		t.Fatalf("twice: %q", r.Code())
	}
	if r := report(jon, bad, "SPAM"); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("own message: %q", r.Code())
	}
	queue := func(vars map[string]any) reportsResult {
		var out reportsResult
		e.GQL(t, apptest.Office(), `query($s: ReportStatus, $r: ReportReason) { reports(status: $s, reason: $r) {
			nodes { id reason status message { body } reporter { userId } } } }`, vars).Decode(t, &out)
		return out
	}
	fraud := queue(map[string]any{"s": "OPEN", "r": "FRAUD"}).Reports.Nodes
	if len(fraud) != 1 || fraud[0].Message.Body != "Send me your bank details" || fraud[0].Reporter.UserID != "usr_lise" {
		t.Fatalf("fraud queue = %+v", fraud)
	}
	if r := e.GQL(t, lise, `{ reports { nodes { id } } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("a user reading the queue: %q", r.Code())
	}
	resolve := `mutation($id: ID!, $a: ReportAction!) { resolveReport(input: {reportId: $id, action: $a, note: "scam"}) { status resolutionNote } }`
	if r := e.GQL(t, lise, resolve, map[string]any{"id": fraud[0].ID, "a": "REMOVE_MESSAGE"}); r.Code() != "FORBIDDEN" {
		t.Fatalf("a user resolving: %q", r.Code())
	}
	var res struct {
		ResolveReport struct{ Status, ResolutionNote string }
	}
	e.GQL(t, apptest.Office(), resolve, map[string]any{"id": fraud[0].ID, "a": "REMOVE_MESSAGE"}).Decode(t, &res)
	if res.ResolveReport.Status != "REMOVED" || res.ResolveReport.ResolutionNote != "scam" {
		t.Fatalf("resolved = %+v", res)
	}
	if r := e.GQL(t, apptest.Office(), resolve, map[string]any{"id": fraud[0].ID, "a": "DISMISS"}); r.Code() != "CONFLICT" {
		t.Fatalf("resolving twice: %q", r.Code())
	}
	if r := e.GQL(t, apptest.Office(), resolve, map[string]any{"id": "999999", "a": "DISMISS"}); r.Code() != "NOT_FOUND" {
		t.Fatalf("unknown report: %q", r.Code())
	}
	// The removed message shows as removed, its text gone, to both participants.
	for _, c := range []apptest.Creds{lise, jon} {
		var msgs struct {
			Messages struct {
				Nodes []struct {
					ID, Body string
					Removed  bool
				}
			}
		}
		e.GQL(t, c, `query($c: ID!) { messages(conversationId: $c) { nodes { id body removed } } }`, map[string]any{"c": conv}).Decode(t, &msgs)
		for _, m := range msgs.Messages.Nodes {
			if m.ID == bad && (!m.Removed || m.Body != "") {
				t.Fatalf("removed message still shows: %+v", m)
			}
		}
	}
	var n int
	if err := e.Store.DB.NewRaw("SELECT count(*) FROM messages WHERE body LIKE '%bank details%'").Scan(t.Context(), &n); err != nil || n != 0 {
		t.Fatalf("the removed text is still stored (%d, %v)", n, err)
	}
	open := queue(map[string]any{"s": "OPEN"}).Reports.Nodes
	if len(open) != 1 || open[0].Reason != "SPAM" {
		t.Fatalf("open queue after resolving = %+v", open)
	}
}

func TestBlockingRefusesMessages(t *testing.T) {
	e := apptest.New(t)
	conv := strings.TrimPrefix(convOf(t, e, "tesla3"), "conv_")
	per, anne := e.User(t, "usr_per"), e.User(t, "usr_anne")
	block := `mutation($u: String!) { blockUser(userId: $u) }`
	if r := e.GQL(t, anne, block, map[string]any{"u": "usr_lise"}); r.Code() != "NOT_FOUND" {
		t.Fatalf("blocking a stranger: %q", r.Code())
	}
	if r := e.GQL(t, anne, block, map[string]any{"u": "usr_anne"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("blocking oneself: %q", r.Code())
	}
	if r := e.GQL(t, anne, block, map[string]any{"u": "usr_per"}); r.Code() != "" {
		t.Fatalf("block: %+v", r.Errors)
	}
	before := totalMessages(t, e, conv)
	r := e.GQL(t, per, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": "hello?"}})
	if r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "does not accept your messages") {
		t.Fatalf("a blocked user's send: %q %+v", r.Code(), r.Errors)
	}
	if totalMessages(t, e, conv) != before {
		t.Fatal("the refused message was stored")
	}
	send(t, e, anne, conv, "the blocker can still write") // blocking is one-way
	var blocked struct{ BlockedUsers []struct{ UserID string } }
	e.GQL(t, anne, `{ blockedUsers { userId } }`, nil).Decode(t, &blocked)
	if len(blocked.BlockedUsers) != 1 || blocked.BlockedUsers[0].UserID != "usr_per" {
		t.Fatalf("blockedUsers = %+v", blocked)
	}
	e.GQL(t, anne, `mutation { unblockUser(userId: "usr_per") }`, nil).Decode(t, &struct{}{})
	send(t, e, per, conv, "unblocked now")
}

// Someone the viewer shares a thread with, open or archived, can be blocked; after the
// viewer deleted their only thread together, that user is a stranger again. (The party's
// open and archived threads sit in two partial indexes: SharesConversation reads both.)
func TestBlockingNeedsAThreadOpenOrArchived(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "tesla3")
	anne := e.User(t, "usr_anne")
	block := `mutation($u: String!) { blockUser(userId: $u) }`
	archive(t, e, anne, archiveMutation, conv)
	if r := e.GQL(t, anne, block, map[string]any{"u": "usr_per"}); r.Code() != "" {
		t.Fatalf("blocking someone of an archived thread: %+v", r.Errors)
	}
	e.GQL(t, anne, deleteMutation, map[string]any{"c": conv}).Decode(t, &struct{}{})
	if r := e.GQL(t, anne, block, map[string]any{"u": "usr_per"}); r.Code() != "NOT_FOUND" {
		t.Fatalf("blocking someone of a deleted thread: %q", r.Code())
	}
}
