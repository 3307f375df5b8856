package resolvers_test

import (
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// previewRow is a thread's totals and preview as one viewer sees them.
type previewRow struct {
	ConversationID string
	TotalMessages  int
	LastMessage    *struct{ Body string }
}

// previews reads the thread conv as c sees it in three ways: the open inbox's first page (the
// prepared statement), a filtered inbox (the general query) and conversation(id).
func previews(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) map[string]previewRow {
	t.Helper()
	const fields = `conversationId totalMessages lastMessage { body }`
	var out struct {
		Open, Filtered struct{ Nodes []previewRow }
		Conversation   previewRow
	}
	e.GQL(t, c, `query($c: ID!) { open: inbox(first: 20) { nodes { `+fields+` } }
		filtered: inbox(first: 20, filter: {status: READ}) { nodes { `+fields+` } }
		conversation(id: $c) { `+fields+` } }`, map[string]any{"c": conv}).Decode(t, &out)
	rows := map[string]previewRow{"conversation": out.Conversation}
	for name, nodes := range map[string][]previewRow{"open inbox": out.Open.Nodes, "filtered inbox": out.Filtered.Nodes} {
		for _, n := range nodes {
			if n.ConversationID == out.Conversation.ConversationID {
				rows[name] = n
			}
		}
	}
	if len(rows) != 3 {
		t.Fatalf("the thread is missing from an inbox: %+v", rows)
	}
	return rows
}

// samePreview checks that every way of reading the thread shows body (none for "") and total.
func samePreview(t *testing.T, who string, rows map[string]previewRow, body string, total int) {
	t.Helper()
	for how, r := range rows {
		got := ""
		if r.LastMessage != nil {
			got = r.LastMessage.Body
		}
		if got != body || r.TotalMessages != total {
			t.Errorf("%s, %s: preview %q of %d messages, want %q of %d", who, how, got, r.TotalMessages, body, total)
		}
	}
}

func hideForMe(t *testing.T, e *apptest.Env, c apptest.Creds, id string) {
	t.Helper()
	if r := e.GQL(t, c, hideMutation, map[string]any{"id": id}); r.Code() != "" {
		t.Fatalf("deleteMessageForMe: %+v", r.Errors)
	}
}

// A message deleted for oneself leaves one's own totalMessages and inbox preview (the newest
// message one did not delete), in every way of reading the inbox; the other side keeps both.
func TestDeleteMessageForMeLeavesTheCallersTotalsAndPreview(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	first := send(t, e, ola, conv, "first").SendMessage.Message
	last := send(t, e, ola, conv, "last").SendMessage.Message
	markRead(t, e, shop, conv, "") // so that the READ filter lists it
	total := previews(t, e, shop, conv)["conversation"].TotalMessages

	hideForMe(t, e, shop, last.ID)
	hideForMe(t, e, shop, last.ID) // again: counted once
	samePreview(t, "the hider", previews(t, e, shop, conv), "first", total-1)
	markRead(t, e, ola, conv, "")
	samePreview(t, "the sender", previews(t, e, ola, conv), "last", total)

	// An older one too: the preview goes further back.
	hideForMe(t, e, shop, first.ID)
	rows := previews(t, e, shop, conv)
	if p := rows["conversation"].LastMessage; p == nil || p.Body == "first" || p.Body == "last" {
		t.Fatalf("preview after hiding the two newest: %+v", p)
	}
	samePreview(t, "the hider of two", rows, rows["conversation"].LastMessage.Body, total-2)

	// A new message is the preview again, and counts.
	send(t, e, ola, conv, "next")
	markRead(t, e, shop, conv, "")
	samePreview(t, "the hider, after a new message", previews(t, e, shop, conv), "next", total-1)
	samePreview(t, "the sender, after a new message", previews(t, e, ola, conv), "next", total+1)
}

// Deleting for oneself every message of a thread leaves it in the inbox with no preview.
func TestDeleteMessageForMeOfEveryMessageLeavesNoPreview(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	shop := e.User(t, "ws-bilfix")
	markRead(t, e, shop, conv, "")
	var out struct {
		Conversation struct {
			Messages struct{ Nodes []struct{ ID string } }
		}
	}
	e.GQL(t, shop, `query($c: ID!) { conversation(id: $c) { messages(last: 50) { nodes { id } } } }`, map[string]any{"c": conv}).Decode(t, &out)
	for _, m := range out.Conversation.Messages.Nodes {
		hideForMe(t, e, shop, m.ID)
	}
	samePreview(t, "the hider of all", previews(t, e, shop, conv), "", 0)
}

// A sender cannot quote a message they deleted for themselves; the other side still can.
func TestReplyToAMessageDeletedForMeIsRefused(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "quote me").SendMessage.Message
	hideForMe(t, e, shop, m.ID)
	if _, r := reply(t, e, shop, conv, m.ID, "quoting what I deleted"); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("quote of a message deleted for me: %+v", r.Errors)
	}
	if q, r := reply(t, e, ola, conv, m.ID, "quoting my own"); q == nil || q.Excerpt != "quote me" {
		t.Fatalf("the other side's quote: %+v %+v", q, r.Errors)
	}
	if _, r := reply(t, e, e.User(t, "ws-dekk"), conv, m.ID, "intruder"); r.Code() != "NOT_FOUND" {
		t.Fatalf("a quote in someone else's thread: %+v", r.Errors)
	}
}

// A reply quoting a message the reader deleted for themselves shows it to them as removed, with
// no text, in the thread, by node and live; the others still read the excerpt.
func TestQuoteOfAMessageDeletedForMeShowsAsRemovedToThem(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "secret words").SendMessage.Message
	hideForMe(t, e, shop, m.ID)
	live := dial(t, e, shop)
	subscribe(t, live, "1", `subscription($c: ID) { messageAdded(conversationId: $c) { messageId replyTo { messageId excerpt removed } } }`,
		map[string]any{"c": conv})
	subscribed(t, e, 1)
	var sent struct {
		SendMessage struct {
			Message struct {
				ID        string
				MessageID int
			}
		}
	}
	e.GQL(t, ola, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id messageId } } }`,
		map[string]any{"in": map[string]any{"conversationId": conv, "body": "about that", "replyToId": m.ID}}).Decode(t, &sent)

	const quoteFields = `replyTo { messageId excerpt removed senderRole }`
	read := func(c apptest.Creds) (fromList, fromNode *quoted) {
		t.Helper()
		var out struct {
			Messages struct{ Nodes []struct{ ReplyTo *quoted } }
			Node     struct{ ReplyTo *quoted }
		}
		e.GQL(t, c, `query($c: ID!, $id: ID!) { messages(conversationId: $c, last: 1) { nodes { `+quoteFields+` } }
			node(id: $id) { ... on Message { `+quoteFields+` } } }`, map[string]any{"c": conv, "id": sent.SendMessage.Message.ID}).Decode(t, &out)
		if len(out.Messages.Nodes) != 1 {
			t.Fatalf("no reply listed: %+v", out)
		}
		return out.Messages.Nodes[0].ReplyTo, out.Node.ReplyTo
	}
	shopList, shopNode := read(shop)
	for how, q := range map[string]*quoted{"list": shopList, "node": shopNode} {
		if q == nil || q.MessageID != m.MessageID || !q.Removed || q.Excerpt != "" {
			t.Errorf("the hider's quote (%s): %+v", how, q)
		}
	}
	olaList, olaNode := read(ola)
	for how, q := range map[string]*quoted{"list": olaList, "node": olaNode} {
		if q == nil || q.Removed || q.Excerpt != "secret words" {
			t.Errorf("the sender's quote (%s): %+v", how, q)
		}
	}
	// The stream may first bring the message sent just before it started (see
	// TestDeliveryStatesLive): wait for the reply.
	var got struct {
		MessageAdded struct {
			MessageID int
			ReplyTo   *quoted
		}
	}
	for got.MessageAdded.MessageID != sent.SendMessage.Message.MessageID {
		next(t, live, 30*time.Second, &got)
	}
	if q := got.MessageAdded.ReplyTo; q == nil || !q.Removed || q.Excerpt != "" {
		t.Errorf("the hider's live quote: %+v", q)
	}
}
