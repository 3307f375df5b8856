package resolvers_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

const (
	editMutation     = `mutation($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { body editedAt edits { previousBody editedAt } } }`
	unsendMutation   = `mutation($id: ID!) { unsendMessage(id: $id) { body unsentAt attachments { id } } }`
	hideMutation     = `mutation($id: ID!) { deleteMessageForMe(id: $id) }`
	reactMutation    = `mutation($id: ID!, $e: String!) { addReaction(messageId: $id, emoji: $e) { reactions { emoji count reactedByMe } } }`
	unreactMutation  = `mutation($id: ID!, $e: String!) { removeReaction(messageId: $id, emoji: $e) { reactions { emoji count reactedByMe } } }`
	messageNodeQuery = `query($id: ID!) { node(id: $id) { ... on Message { body editedAt unsentAt edits { previousBody } attachments { id } reactions { emoji count reactedByMe } } } }`
)

type messageView struct {
	Body        string
	Attachments []struct{ ID string }
	EditedAt    *string
	UnsentAt    *string
	Edits       []struct{ PreviousBody, EditedAt string }
	Reactions   []reaction
}

type reaction struct {
	Emoji       string
	Count       int
	ReactedByMe bool
}

// strangers are callers who must not learn that a message of booking 1001 (co-ola and
// ws-bilfix) exists: another car owner, another workshop.
func strangers(t *testing.T, e *apptest.Env) map[string]apptest.Creds {
	return map[string]apptest.Creds{"another user": e.User(t, "co-kari"), "another workshop": e.User(t, "ws-dekk")}
}

// refusedToAll checks that strangers get NOT_FOUND and an anonymous caller UNAUTHENTICATED.
func refusedToAll(t *testing.T, e *apptest.Env, query string, vars map[string]any) {
	t.Helper()
	for who, c := range strangers(t, e) {
		if r := e.GQL(t, c, query, vars); r.Code() != "NOT_FOUND" {
			t.Errorf("%s: code %q, want NOT_FOUND (%+v)", who, r.Code(), r.Errors)
		}
	}
	if r := e.GQL(t, apptest.Creds{}, query, vars); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous: code %q, want UNAUTHENTICATED", r.Code())
	}
}

func viewMessage(t *testing.T, e *apptest.Env, c apptest.Creds, id string) messageView {
	t.Helper()
	var out struct{ Node messageView }
	e.GQL(t, c, messageNodeQuery, map[string]any{"id": id}).Decode(t, &out)
	return out.Node
}

// age makes a message look sent an hour ago.
func age(t *testing.T, e *apptest.Env, messageID int) {
	t.Helper()
	if _, err := e.Store.DB.ExecContext(t.Context(), "UPDATE messages SET created_at = now() - interval '1 hour' WHERE id = ?", messageID); err != nil {
		t.Fatal(err)
	}
}

func TestEditMessageKeepsHistoryWithinTheWindowForTheSenderOnly(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "see you at 9").SendMessage.Message
	vars := map[string]any{"id": m.ID, "body": "  see you at 10  "}
	refusedToAll(t, e, editMutation, vars)
	if r := e.GQL(t, shop, editMutation, vars); r.Code() != "FORBIDDEN" {
		t.Fatalf("the other participant edits: code %q", r.Code())
	}
	var out struct{ EditMessage messageView }
	e.GQL(t, ola, editMutation, vars).Decode(t, &out)
	if out.EditMessage.Body != "see you at 10" || out.EditMessage.EditedAt == nil || len(out.EditMessage.Edits) != 1 ||
		out.EditMessage.Edits[0].PreviousBody != "see you at 9" {
		t.Fatalf("edited: %+v", out.EditMessage)
	}
	e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": "see you at 11"}).Decode(t, &out)
	seen := viewMessage(t, e, shop, m.ID) // the other side sees the text and the history
	if seen.Body != "see you at 11" || seen.EditedAt == nil || len(seen.Edits) != 2 || seen.Edits[1].PreviousBody != "see you at 10" {
		t.Fatalf("the workshop sees %+v", seen)
	}
	for name, body := range map[string]string{"empty": "   ", "too long": strings.Repeat("x", 10001), "NUL": "a\x00b"} {
		if r := e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": body}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s body: code %q", name, r.Code())
		}
	}
	age(t, e, m.MessageID)
	r := e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": "too late"})
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "within 15m") {
		t.Fatalf("an edit after the window: %+v", r.Errors)
	}
	if got := viewMessage(t, e, ola, m.ID); got.Body != "see you at 11" {
		t.Fatalf("a refused edit changed the body to %q", got.Body)
	}
}

func TestEditWindowIsConfigurable(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.EditWindow = time.Nanosecond })
	ola := e.User(t, "co-ola")
	m := send(t, e, ola, threadOf(t, e, 1001), "quick").SendMessage.Message
	if r := e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": "slow"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("edit after a 1ns window: code %q", r.Code())
	}
}

func TestUnsendDeletesTextAndFilesFromStorage(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	var up struct {
		SendMessage struct{ Message struct{ ID string } }
	}
	upload(t, e, ola, conv, "dent.png", pngBytes).Decode(t, &up)
	id := up.SendMessage.Message.ID
	var key string
	if err := e.Store.DB.NewRaw("SELECT storage_key FROM attachments WHERE message_id = (SELECT max(id) FROM messages)").Scan(t.Context(), &key); err != nil {
		t.Fatal(err)
	}
	text := send(t, e, ola, conv, "secret words").SendMessage.Message
	e.GQL(t, ola, editMutation, map[string]any{"id": text.ID, "body": "more secret words"}).Decode(t, new(any))
	e.GQL(t, shop, reactMutation, map[string]any{"id": text.ID, "e": "👍"}).Decode(t, new(any))

	vars := map[string]any{"id": id}
	refusedToAll(t, e, unsendMutation, vars)
	if r := e.GQL(t, shop, unsendMutation, vars); r.Code() != "FORBIDDEN" {
		t.Fatalf("the other participant unsends: code %q", r.Code())
	}
	var out struct{ UnsendMessage messageView }
	e.GQL(t, ola, unsendMutation, vars).Decode(t, &out)
	if out.UnsendMessage.UnsentAt == nil || out.UnsendMessage.Body != "" {
		t.Fatalf("unsent: %+v", out.UnsendMessage)
	}
	if _, err := e.App.Resolver.Files.Open(context.Background(), key); err == nil {
		t.Fatal("the file is still in blob storage")
	}
	if n := count(t, e, "attachments WHERE storage_key = '"+key+"'"); n != 0 {
		t.Fatalf("%d attachment rows left", n)
	}
	if n := count(t, e, "blob_deletions"); n != 0 {
		t.Fatalf("%d file deletions still queued after the file was deleted", n)
	}
	e.GQL(t, ola, unsendMutation, map[string]any{"id": text.ID}).Decode(t, &out)
	got := viewMessage(t, e, shop, text.ID)
	if got.Body != "" || got.UnsentAt == nil || len(got.Edits) != 0 || len(got.Reactions) != 0 || len(got.Attachments) != 0 {
		t.Fatalf("the other side sees %+v", got)
	}
	var left int
	err := e.Store.DB.NewRaw("SELECT count(*) FROM messages WHERE body LIKE '%secret%' UNION ALL SELECT count(*) FROM message_edits WHERE previous_body LIKE '%secret%'").Scan(t.Context(), &left)
	if err != nil || left != 0 {
		t.Fatalf("the text is still stored (%d, %v)", left, err)
	}
	e.GQL(t, ola, unsendMutation, map[string]any{"id": text.ID}).Decode(t, &out) // again: no change, no error

	late := send(t, e, ola, conv, "old news").SendMessage.Message
	age(t, e, late.MessageID)
	r := e.GQL(t, ola, unsendMutation, map[string]any{"id": late.ID})
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "deleteMessageForMe") {
		t.Fatalf("an unsend after the window: %+v", r.Errors)
	}
}

func TestDeleteMessageForMeHidesItFromTheCallerOnly(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "hide me").SendMessage.Message
	before := unread(t, e, shop).UnreadCounts.Messages
	vars := map[string]any{"id": m.ID}
	refusedToAll(t, e, hideMutation, vars)
	var ok struct{ DeleteMessageForMe bool }
	e.GQL(t, shop, hideMutation, vars).Decode(t, &ok)
	e.GQL(t, shop, hideMutation, vars).Decode(t, &ok) // again: fine
	if !ok.DeleteMessageForMe {
		t.Fatal("deleteMessageForMe returned false")
	}
	if r := e.GQL(t, shop, messageNodeQuery, vars); r.Code() != "NOT_FOUND" {
		t.Fatalf("the hider still reads it: %+v", r.Errors)
	}
	if bodies := threadBodies(t, e, shop, conv); strings.Contains(bodies, "hide me") {
		t.Fatalf("the hider's thread still lists it: %s", bodies)
	}
	if bodies := threadBodies(t, e, ola, conv); !strings.Contains(bodies, "hide me") {
		t.Fatalf("the sender lost it: %s", bodies)
	}
	if after := unread(t, e, shop).UnreadCounts.Messages; after != before-1 {
		t.Fatalf("unread %d before, %d after hiding an unread message", before, after)
	}
	if r := e.GQL(t, shop, reactMutation, map[string]any{"id": m.ID, "e": "👍"}); r.Code() != "NOT_FOUND" {
		t.Fatalf("reacting to a hidden message: code %q", r.Code())
	}
}

func threadBodies(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) string {
	t.Helper()
	var out struct {
		Conversation struct {
			Messages struct{ Nodes []struct{ Body string } }
		}
	}
	e.GQL(t, c, `query($c: ID!) { conversation(id: $c) { messages(last: 50) { nodes { body } } } }`, map[string]any{"c": conv}).Decode(t, &out)
	var b strings.Builder
	for _, n := range out.Conversation.Messages.Nodes {
		b.WriteString(n.Body + "|")
	}
	return b.String()
}

func TestReactionsCountOncePerParticipantWithoutBumpingTheThread(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "react to me").SendMessage.Message
	markRead(t, e, shop, conv, "")
	inboxBefore, senderBefore := inboxRow(t, e, shop, conv), inboxRow(t, e, ola, conv)
	vars := map[string]any{"id": m.ID, "e": "👍"}
	refusedToAll(t, e, reactMutation, vars)
	refusedToAll(t, e, unreactMutation, vars)
	var out struct {
		AddReaction struct{ Reactions []reaction }
	}
	e.GQL(t, shop, reactMutation, vars).Decode(t, &out)
	e.GQL(t, shop, reactMutation, vars).Decode(t, &out) // twice is once
	e.GQL(t, shop, reactMutation, map[string]any{"id": m.ID, "e": "❤️"}).Decode(t, &out)
	e.GQL(t, ola, reactMutation, vars).Decode(t, &out)
	want := []reaction{{"👍", 2, true}, {"❤️", 1, false}}
	if got := out.AddReaction.Reactions; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("reactions as the sender sees them: %+v", got)
	}
	if got := viewMessage(t, e, shop, m.ID).Reactions; len(got) != 2 || !got[1].ReactedByMe {
		t.Fatalf("reactions as the workshop sees them: %+v", got)
	}
	if r := e.GQL(t, ola, reactMutation, map[string]any{"id": m.ID, "e": "🍕"}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("an emoji not in the set: code %q", r.Code())
	}
	var rm struct {
		RemoveReaction struct{ Reactions []reaction }
	}
	e.GQL(t, ola, unreactMutation, vars).Decode(t, &rm)
	e.GQL(t, ola, unreactMutation, vars).Decode(t, &rm)
	if got := rm.RemoveReaction.Reactions; len(got) != 2 || got[0] != (reaction{"👍", 1, false}) {
		t.Fatalf("after removing: %+v", got)
	}
	if after := inboxRow(t, e, shop, conv); after != inboxBefore {
		t.Fatalf("reactions moved the thread: %+v, then %+v", inboxBefore, after)
	}
	if after := inboxRow(t, e, ola, conv); after != senderBefore {
		t.Fatalf("reactions changed the sender's thread: %+v, then %+v", senderBefore, after)
	}
	var set struct{ ReactionEmoji []string }
	e.GQL(t, ola, `{ reactionEmoji }`, nil).Decode(t, &set)
	if len(set.ReactionEmoji) != 6 || set.ReactionEmoji[0] != "👍" {
		t.Fatalf("reactionEmoji = %v", set.ReactionEmoji)
	}
}

type inboxState struct {
	UnreadCount    int
	LastActivityAt string
}

func inboxRow(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) inboxState {
	t.Helper()
	var out struct{ Conversation inboxState }
	e.GQL(t, c, `query($c: ID!) { conversation(id: $c) { unreadCount lastActivityAt } }`, map[string]any{"c": conv}).Decode(t, &out)
	return out.Conversation
}

// A page of messages loads its reactions and edit histories in one statement each.
func TestReactionsAndEditsLoadInBatches(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	for i := 0; i < 5; i++ {
		m := send(t, e, ola, conv, "m"+itoa(i)).SendMessage.Message
		e.GQL(t, ola, reactMutation, map[string]any{"id": m.ID, "e": "👍"}).Decode(t, new(any))
		e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": "e" + itoa(i)}).Decode(t, new(any))
	}
	calls := statements(t, e, func() {
		e.GQL(t, ola, `query($c: ID!) { conversation(id: $c) { messages(last: 20) { nodes { reactions { count } edits { previousBody } } } } }`,
			map[string]any{"c": conv}).Decode(t, new(any))
	})
	for _, table := range []string{"message_reactions", "message_edits"} {
		if n := calls[table]; n != 1 {
			t.Errorf("%d statements read %s for one page, want 1", n, table)
		}
	}
}

// tableReads counts a request's statements that read each of some tables.
type tableReads struct {
	mu     sync.Mutex
	tables []string
	n      map[string]int
}

func (c *tableReads) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	if server.RequestID(ctx) == "" {
		return ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tables {
		if strings.Contains(ev.Query, "FROM "+t) || strings.Contains(ev.Query, `FROM "`+t+`"`) {
			c.n[t]++
		}
	}
	return ctx
}
func (c *tableReads) AfterQuery(context.Context, *bun.QueryEvent) {}

func statements(t *testing.T, e *apptest.Env, run func()) map[string]int {
	t.Helper()
	c := &tableReads{tables: []string{"message_reactions", "message_edits"}, n: map[string]int{}}
	e.Store.DB.AddQueryHook(c)
	run()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// In a workshop, only the employee who sent a message edits or unsends it; a colleague sees
// it as the workshop's and reacts as the workshop.
func TestOnlyTheSendingEmployeeEditsAWorkshopMessage(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	shop := e.User(t, "ws-bilfix")
	colleague := apptest.Bearer(apptest.Token(t, db.Viewer{UserID: "ws-bilfix-2", Role: db.RoleWorkshop, OrgNr: "921460929", Name: "Kollega"}))
	m := send(t, e, shop, conv, "from the first employee").SendMessage.Message
	for _, q := range []string{editMutation, unsendMutation} {
		if r := e.GQL(t, colleague, q, map[string]any{"id": m.ID, "body": "from the colleague"}); r.Code() != "FORBIDDEN" {
			t.Errorf("a colleague: code %q (%+v)", r.Code(), r.Errors)
		}
	}
	var out struct {
		AddReaction struct{ Reactions []reaction }
	}
	e.GQL(t, colleague, reactMutation, map[string]any{"id": m.ID, "e": "👍"}).Decode(t, &out)
	if got := viewMessage(t, e, shop, m.ID).Reactions; len(got) != 1 || !got[0].ReactedByMe {
		t.Fatalf("the workshop's reaction as the sender sees it: %+v", got)
	}
}
