package resolvers_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

const (
	muteMutation   = `mutation($id: ID!, $until: Time) { muteConversation(conversationId: $id, until: $until) { conversation { id muted mutedUntil } } }`
	unmuteMutation = `mutation($id: ID!) { unmuteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }`
	pinMutation    = `mutation($id: ID!) { pinConversation(conversationId: $id) { conversation { conversationId pinnedAt } } }`
	unpinMutation  = `mutation($id: ID!) { unpinConversation(conversationId: $id) { conversation { conversationId pinnedAt } } }`
)

type muteState struct {
	Muted      bool
	MutedUntil *time.Time
}

func convState(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) (muteState, int) {
	t.Helper()
	var out struct {
		Conversation struct {
			muteState
			UnreadCount int
		}
	}
	e.GQL(t, c, `query($id: ID!) { conversation(id: $id) { muted mutedUntil unreadCount } }`, map[string]any{"id": conv}).Decode(t, &out)
	return out.Conversation.muteState, out.Conversation.UnreadCount
}

// A muted thread makes no notification but still counts unread; a mute with a time lapses by
// itself; unmuting notifies again.
func TestMuteStopsNotificationsNotUnread(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	var muted struct {
		MuteConversation struct{ Conversation muteState }
	}
	e.GQL(t, ola, muteMutation, map[string]any{"id": conv}).Decode(t, &muted)
	if c := muted.MuteConversation.Conversation; !c.Muted || c.MutedUntil != nil {
		t.Fatalf("muted forever: %+v", c)
	}
	before := unread(t, e, ola)
	send(t, e, shop, conv, "while muted")
	after := unread(t, e, ola)
	if after.UnreadCounts.Notifications != before.UnreadCounts.Notifications || after.UnreadCounts.Messages != before.UnreadCounts.Messages+1 {
		t.Fatalf("muted: unread %+v -> %+v, want one more message and no notification", before, after)
	}

	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	e.GQL(t, ola, muteMutation, map[string]any{"id": conv, "until": until}).Decode(t, &muted)
	if c := muted.MuteConversation.Conversation; !c.Muted || c.MutedUntil == nil || !c.MutedUntil.Equal(until) {
		t.Fatalf("muted until %v: %+v", until, c)
	}
	// The hour passes: the mute lapses without anyone clearing it.
	if _, err := e.Store.DB.ExecContext(t.Context(), "UPDATE participants SET muted_until = now() - interval '1 second' WHERE party_id = 'co-ola'"); err != nil {
		t.Fatal(err)
	}
	if s, _ := convState(t, e, ola, conv); s.Muted || s.MutedUntil != nil {
		t.Fatalf("lapsed mute still shows: %+v", s)
	}
	send(t, e, shop, conv, "after the mute")
	if got := unread(t, e, ola); got.UnreadCounts.Notifications != after.UnreadCounts.Notifications+1 {
		t.Fatalf("lapsed mute: notifications %d -> %d", after.UnreadCounts.Notifications, got.UnreadCounts.Notifications)
	}

	e.GQL(t, ola, muteMutation, map[string]any{"id": conv}).Decode(t, &muted)
	var un struct {
		UnmuteConversation struct{ Conversation muteState }
	}
	e.GQL(t, ola, unmuteMutation, map[string]any{"id": conv}).Decode(t, &un)
	if un.UnmuteConversation.Conversation.Muted {
		t.Fatal("still muted after unmute")
	}
	if r := e.GQL(t, ola, muteMutation, map[string]any{"id": conv, "until": time.Now().Add(-time.Minute)}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("mute until the past: %+v", r.Errors)
	}
}

// Pinned threads come first in pin order, then the rest by activity; cursor and offset pages
// show every thread once; a sixth pin is refused with PIN_LIMIT.
func TestPinnedThreadsComeFirst(t *testing.T) {
	e := apptest.New(t)
	var convs []string
	var kari apptest.Creds
	for b := range 8 {
		var shop apptest.Creds
		var conv string
		conv, kari, shop = newThread(t, e, 7000+b)
		send(t, e, shop, conv, "hello "+itoa(b))
		convs = append(convs, conv) // oldest activity first
	}
	pin := func(conv string) *apptest.Response {
		return e.GQL(t, kari, pinMutation, map[string]any{"id": conv})
	}
	for _, c := range []string{convs[2], convs[0], convs[5]} {
		if r := pin(c); r.Code() != "" {
			t.Fatalf("pin: %+v", r.Errors)
		}
	}
	pin(convs[2]) // pinning again keeps its place
	all := inbox(t, e, kari, map[string]any{"first": 50})
	var order []string
	for _, n := range all.Inbox.Nodes {
		order = append(order, itoa(n.ConversationID))
	}
	total := all.Inbox.TotalCount
	if len(order) != total || !slices.Equal(order[:4], []string{convs[2], convs[0], convs[5], convs[7]}) {
		t.Fatalf("inbox order %v (total %d), want pinned %s %s %s first, then %s", order, total, convs[2], convs[0], convs[5], convs[7])
	}
	// Pages of 2 by cursor and by offset: the same order, nothing twice, nothing missing.
	var byCursor, byOffset []string
	var after *string
	for range 20 {
		vars := map[string]any{"first": 2}
		if after != nil {
			vars["after"] = *after
		}
		p := inbox(t, e, kari, vars)
		for _, n := range p.Inbox.Nodes {
			byCursor = append(byCursor, itoa(n.ConversationID))
		}
		if !p.Inbox.PageInfo.HasNextPage {
			break
		}
		after = p.Inbox.PageInfo.EndCursor
	}
	for off := 0; off < total; off += 2 {
		var p struct {
			Inbox struct {
				Nodes []struct{ ConversationID string }
			}
		}
		e.GQL(t, kari, `query($o: Int) { inbox(first: 2, offset: $o) { nodes { conversationId } } }`, map[string]any{"o": off}).Decode(t, &p)
		for _, n := range p.Inbox.Nodes {
			byOffset = append(byOffset, n.ConversationID)
		}
	}
	if !slices.Equal(byCursor, order) || !slices.Equal(byOffset, order) {
		t.Fatalf("pages:\n by cursor %v\n by offset %v\n want      %v", byCursor, byOffset, order)
	}
	// A filter keeps pinned threads that pass it first.
	unreadOnly := inbox(t, e, kari, map[string]any{"first": 50, "filter": map[string]any{"status": "UNREAD"}})
	if len(unreadOnly.Inbox.Nodes) == 0 || itoa(unreadOnly.Inbox.Nodes[0].ConversationID) != convs[2] {
		t.Fatalf("unread filter: %+v", unreadOnly.Inbox.Nodes)
	}

	pin(convs[1])
	pin(convs[3])
	if r := pin(convs[4]); r.Code() != "PIN_LIMIT" {
		t.Fatalf("sixth pin: %+v", r.Errors)
	}
	var un struct {
		UnpinConversation struct{ Conversation struct{ PinnedAt *time.Time } }
	}
	e.GQL(t, kari, unpinMutation, map[string]any{"id": convs[0]}).Decode(t, &un)
	if un.UnpinConversation.Conversation.PinnedAt != nil {
		t.Fatal("unpinned thread still has pinnedAt")
	}
	if r := pin(convs[4]); r.Code() != "" {
		t.Fatalf("pin after an unpin: %+v", r.Errors)
	}
	first := inbox(t, e, kari, map[string]any{"first": 6}).Inbox.Nodes
	if got := []string{itoa(first[0].ConversationID), itoa(first[4].ConversationID), itoa(first[5].ConversationID)}; !slices.Equal(got, []string{convs[2], convs[4], convs[7]}) {
		t.Fatalf("after unpin and pin: %v", got)
	}
}

// Mute, pin and their undoing are for one's own threads only.
func TestMutePinAuthorization(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001) // co-ola and ws-bilfix
	for _, q := range []string{muteMutation, unmuteMutation, pinMutation, unpinMutation} {
		name := strings.Fields(q)[3]
		for who, c := range map[string]apptest.Creds{
			"another car owner": e.User(t, "co-kari"), "another workshop": e.User(t, "ws-dekk"),
			"a seller": e.User(t, "usr_per"), "the back office": apptest.Office(), "anonymous": {},
		} {
			want := "NOT_FOUND"
			switch who {
			case "anonymous":
				want = "UNAUTHENTICATED"
			case "the back office":
				want = "FORBIDDEN"
			}
			if r := e.GQL(t, c, q, map[string]any{"id": conv}); r.Code() != want {
				t.Errorf("%s by %s: %q %+v, want %s", name, who, r.Code(), r.Errors, want)
			}
		}
		if r := e.GQL(t, e.User(t, "co-ola"), q, map[string]any{"id": "nonsense"}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s with a bad id: %+v", name, r.Errors)
		}
	}
	if s, _ := convState(t, e, e.User(t, "co-ola"), conv); s.Muted {
		t.Fatal("a stranger's mute reached the thread")
	}
}

const replyMutation = `mutation($in: SendMessageInput!) { sendMessage(input: $in) {
  message { messageId replyTo { id messageId sender { userId } senderRole senderName excerpt removed } } } }`

type quoted struct {
	ID         string
	MessageID  int
	Sender     *struct{ UserID string }
	SenderRole string
	SenderName string
	Excerpt    string
	Removed    bool
}

func reply(t *testing.T, e *apptest.Env, c apptest.Creds, conv string, to any, body string) (*quoted, *apptest.Response) {
	t.Helper()
	in := map[string]any{"conversationId": conv, "body": body, "replyToId": to}
	r := e.GQL(t, c, replyMutation, map[string]any{"in": in})
	if r.Code() != "" {
		return nil, r
	}
	var out struct {
		SendMessage struct{ Message struct{ ReplyTo *quoted } }
	}
	r.Decode(t, &out)
	return out.SendMessage.Message.ReplyTo, r
}

// A reply quotes a message of its thread: sender and a rune-safe excerpt; a quote of a
// message removed since says so; a quote from elsewhere is refused.
func TestReplyQuotesAMessage(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	long := strings.Repeat("æøå ", 50) // 200 runes, 350 bytes
	orig := send(t, e, ola, conv, long).SendMessage.Message
	q, r := reply(t, e, shop, conv, orig.ID, "quoting")
	if q == nil {
		t.Fatalf("reply: %+v", r.Errors)
	}
	want := string([]rune(long)[:139]) + "…"
	if q.MessageID != orig.MessageID || q.Excerpt != want || q.Removed || q.Sender == nil || q.Sender.UserID != "co-ola" || q.SenderName == "" {
		t.Fatalf("quote: %+v", q)
	}
	// The other side sees the quote in the thread, and a workshop's message quotes by workshop name.
	var page struct {
		Messages struct {
			Nodes []struct {
				MessageID int
				ReplyTo   *quoted
			}
		}
	}
	e.GQL(t, ola, `query($c: ID!) { messages(conversationId: $c, last: 1) { nodes { messageId replyTo { messageId excerpt removed } } } }`,
		map[string]any{"c": conv}).Decode(t, &page)
	if n := page.Messages.Nodes; len(n) != 1 || n[0].ReplyTo == nil || n[0].ReplyTo.MessageID != orig.MessageID {
		t.Fatalf("thread view: %+v", n)
	}
	shopMsg := send(t, e, shop, conv, "from the shop").SendMessage.Message
	if q, r := reply(t, e, ola, conv, shopMsg.MessageID, "ok"); q == nil || q.SenderName == "" {
		t.Fatalf("quote of a workshop message: %+v %+v", q, r)
	}

	// Quotes from another thread, of a message that does not exist, or from someone else's thread.
	other := send(t, e, e.User(t, "co-kari"), threadOf(t, e, 1002), "elsewhere").SendMessage.Message
	for name, to := range map[string]any{"another thread": other.ID, "no such message": 999999999, "not an id": "x"} {
		if _, r := reply(t, e, ola, conv, to, "bad"); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("reply to %s: %+v", name, r.Errors)
		}
	}
	if _, r := reply(t, e, e.User(t, "ws-dekk"), conv, orig.ID, "intruder"); r.Code() != "NOT_FOUND" {
		t.Errorf("reply in another workshop's thread: %+v", r.Errors)
	}
	if _, r := reply(t, e, apptest.Creds{}, conv, orig.ID, "anon"); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous reply: %+v", r.Errors)
	}
	// A retry under the same clientMessageId must quote the same message.
	in := map[string]any{"conversationId": conv, "body": "again", "replyToId": orig.ID, "clientMessageId": "r-1"}
	e.GQL(t, shop, replyMutation, map[string]any{"in": in})
	in["replyToId"] = shopMsg.ID
	if r := e.GQL(t, shop, replyMutation, map[string]any{"in": in}); r.Code() != "CONFLICT" {
		t.Errorf("retry quoting another message: %+v", r.Errors)
	}

	// Moderation removes the quoted message: the reply says so and shows no text.
	var rep struct{ ReportMessage struct{ ID string } }
	e.GQL(t, shop, `mutation($m: ID!) { reportMessage(input: {messageId: $m, reason: SPAM}) { id } }`, map[string]any{"m": orig.ID}).Decode(t, &rep)
	if r := e.GQL(t, apptest.Office(), `mutation($r: ID!) { resolveReport(input: {reportId: $r, action: REMOVE_MESSAGE}) { status } }`,
		map[string]any{"r": rep.ReportMessage.ID}); r.Code() != "" {
		t.Fatalf("remove: %+v", r.Errors)
	}
	e.GQL(t, ola, `query($c: ID!) { messages(conversationId: $c, first: 50, after: "0") { nodes { messageId replyTo { messageId excerpt removed } } } }`,
		map[string]any{"c": conv}).Decode(t, &page)
	found := false
	for _, n := range page.Messages.Nodes {
		if n.ReplyTo != nil && n.ReplyTo.MessageID == orig.MessageID {
			found = true
			if !n.ReplyTo.Removed || n.ReplyTo.Excerpt != "" {
				t.Fatalf("quote of a removed message: %+v", n.ReplyTo)
			}
		}
	}
	if !found {
		t.Fatal("no reply found after the removal")
	}
}

// A message hidden from the sender (they deleted the thread) cannot be quoted by them.
func TestReplyToAHiddenMessageIsRefused(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	old := send(t, e, shop, conv, "old").SendMessage.Message
	e.GQL(t, ola, `mutation($c: ID!) { deleteConversation(conversationId: $c) { conversationId } }`, map[string]any{"c": conv})
	send(t, e, shop, conv, "new")
	if _, r := reply(t, e, ola, conv, old.ID, "quoting the past"); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("quote of a hidden message: %+v", r.Errors)
	}
}

// A reply quoting a message its sender unsent since shows the quote as removed, with no
// text, to both participants.
func TestReplyToAnUnsentMessageShowsItRemoved(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	orig := send(t, e, ola, conv, "ring meg på 99887766").SendMessage.Message
	q, r := reply(t, e, shop, conv, orig.ID, "ok, ringer")
	if q == nil || q.Removed || q.Excerpt == "" {
		t.Fatalf("quote before the unsend: %+v %+v", q, r.Errors)
	}
	var answer struct {
		SendMessage struct{ Message struct{ MessageID int } }
	}
	r.Decode(t, &answer)
	e.GQL(t, ola, unsendMutation, map[string]any{"id": orig.ID}).Decode(t, new(any))
	for who, c := range map[string]apptest.Creds{"sender": ola, "replier": shop} {
		var page struct {
			Messages struct {
				Nodes []struct {
					MessageID int
					ReplyTo   *quoted
				}
			}
		}
		e.GQL(t, c, `query($c: ID!) { messages(conversationId: $c, last: 1) { nodes { messageId replyTo { messageId excerpt removed } } } }`,
			map[string]any{"c": conv}).Decode(t, &page)
		n := page.Messages.Nodes
		if len(n) != 1 || n[0].MessageID != answer.SendMessage.Message.MessageID || n[0].ReplyTo == nil {
			t.Fatalf("%s's thread: %+v", who, n)
		}
		if got := n[0].ReplyTo; got.MessageID != orig.MessageID || !got.Removed || got.Excerpt != "" {
			t.Errorf("%s sees the quote of an unsent message as %+v", who, got)
		}
	}
}

type deliveryRow struct {
	MessageID     int
	DeliveryState *string
}

func deliveryStates(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) map[int]string {
	t.Helper()
	var out struct{ Messages struct{ Nodes []deliveryRow } }
	e.GQL(t, c, `query($c: ID!) { messages(conversationId: $c, last: 50) { nodes { messageId deliveryState } } }`,
		map[string]any{"c": conv}).Decode(t, &out)
	m := map[int]string{}
	for _, n := range out.Messages.Nodes {
		m[n.MessageID] = fmt.Sprint(deref(n.DeliveryState))
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

const receiptSub = `subscription($c: ID) { readReceipt(conversationId: $c) { lastReadMessageId lastDeliveredMessageId participant { role } } }`

type receipt struct {
	ReadReceipt struct {
		LastReadMessageID      *string
		LastDeliveredMessageID *string
	}
}

// SENT until a live subscription of the other side gets the message (DELIVERED, which the
// sender's readReceipt shows live), SEEN once read; others' messages show no state.
func TestDeliveryStatesLive(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	first := send(t, e, ola, conv, "nobody online").SendMessage.Message
	if got := deliveryStates(t, e, ola, conv)[first.MessageID]; got != "SENT" {
		t.Fatalf("with nobody subscribed: %s", got)
	}
	receipts := dial(t, e, ola)
	subscribe(t, receipts, "r", receiptSub, map[string]any{"c": conv})
	shopConn := dial(t, e, shop)
	subscribe(t, shopConn, "m", messageAddedSub, map[string]any{"c": conv})
	holding(t, e, map[string]int{"messages": 1, "receipts": 1})
	second := send(t, e, ola, conv, "the shop is online").SendMessage.Message
	// A subscription without after starts at the hub's position, which may still be just below
	// the first message (its wake-up not handled yet): that one may come first.
	var got added
	next(t, shopConn, 30*time.Second, &got)
	if got.MessageAdded.MessageID == first.MessageID {
		next(t, shopConn, 30*time.Second, &got)
	}
	if got.MessageAdded.MessageID != second.MessageID {
		t.Fatalf("shop got %+v", got)
	}
	var rc receipt
	next(t, receipts, 30*time.Second, &rc)
	if id := rc.ReadReceipt.LastDeliveredMessageID; id == nil || !strings.HasSuffix(decodeID(*id), strconv.Itoa(second.MessageID)) {
		t.Fatalf("receipt %+v, want delivered up to %d", rc, second.MessageID)
	}
	states := deliveryStates(t, e, ola, conv)
	if states[first.MessageID] != "DELIVERED" || states[second.MessageID] != "DELIVERED" {
		t.Fatalf("after delivery: %v", states)
	}
	markRead(t, e, shop, conv, first.ID)
	next(t, receipts, 30*time.Second, &rc)
	states = deliveryStates(t, e, ola, conv)
	if states[first.MessageID] != "SEEN" || states[second.MessageID] != "DELIVERED" {
		t.Fatalf("after a read: %v", states)
	}
	if s := deliveryStates(t, e, shop, conv)[first.MessageID]; s != "null" {
		t.Fatalf("the recipient sees a delivery state: %s", s)
	}

	// The push side's entry point: MarkDelivered moves it and tells the sender live.
	third := send(t, e, ola, conv, "pushed").SendMessage.Message
	next(t, shopConn, 30*time.Second, &got) // the shop's subscription marks it too
	next(t, receipts, 30*time.Second, &rc)
	cid, _ := strconv.ParseInt(decodeID(conv), 10, 64)
	if err := e.Store.MarkDelivered(t.Context(), cid, "org:921460929", int64(third.MessageID)); err != nil {
		t.Fatal(err)
	}
	if s := deliveryStates(t, e, ola, conv)[third.MessageID]; s != "DELIVERED" {
		t.Fatalf("after MarkDelivered: %s", s)
	}
	// Another workshop cannot watch this thread's receipts.
	stranger := dial(t, e, e.User(t, "ws-dekk"))
	subscribe(t, stranger, "r", receiptSub, map[string]any{"c": conv})
	ctx, cancel := contextWithTimeout(t, 30*time.Second)
	defer cancel()
	if m, err := stranger.Next(ctx); err == nil && !strings.Contains(string(m.Payload), "NOT_FOUND") {
		t.Fatalf("stranger's receipt subscription: %s %s", m.Type, m.Payload)
	}
}

// A message the recipient's device gets by resuming (messageAdded with after) is delivered too.
func TestReplayMarksDelivered(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	sent := send(t, e, ola, conv, "sent while the shop was away").SendMessage.Message
	receipts := dial(t, e, ola)
	subscribe(t, receipts, "r", receiptSub, map[string]any{"c": conv})
	holding(t, e, map[string]int{"receipts": 1})
	shopConn := dial(t, e, shop)
	subscribe(t, shopConn, "m", messageAddedSub, map[string]any{"c": conv, "after": "0"})
	var got added
	for got.MessageAdded.MessageID != sent.MessageID {
		next(t, shopConn, 30*time.Second, &got)
	}
	var rc receipt
	for rc.ReadReceipt.LastDeliveredMessageID == nil || !strings.HasSuffix(decodeID(*rc.ReadReceipt.LastDeliveredMessageID), strconv.Itoa(sent.MessageID)) {
		next(t, receipts, 30*time.Second, &rc)
	}
	if s := deliveryStates(t, e, ola, conv)[sent.MessageID]; s != "DELIVERED" {
		t.Fatalf("after the replay: %s", s)
	}
}

// decodeID is the key of a global id ("TYPE:key", base64), or the id itself when plain.
func decodeID(id string) string {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if _, key, ok := strings.Cut(string(raw), ":"); err == nil && ok {
		return key
	}
	return strings.TrimPrefix(id, "conv_")
}

// Mute and pin reach the viewer's open inboxes live (conversationUpdated).
func TestMuteAndPinAreLive(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola := e.User(t, "co-ola")
	c := dial(t, e, ola)
	subscribe(t, c, "inbox", `subscription { conversationUpdated { conversationId muted pinnedAt } }`, nil)
	holding(t, e, map[string]int{"inbox": 1})
	var ev struct {
		ConversationUpdated struct {
			ConversationID string
			Muted          bool
			PinnedAt       *time.Time
		}
	}
	e.GQL(t, ola, pinMutation, map[string]any{"id": conv})
	next(t, c, 30*time.Second, &ev)
	if ev.ConversationUpdated.PinnedAt == nil {
		t.Fatalf("after pin: %+v", ev)
	}
	e.GQL(t, ola, muteMutation, map[string]any{"id": conv})
	next(t, c, 30*time.Second, &ev)
	if !ev.ConversationUpdated.Muted {
		t.Fatalf("after mute: %+v", ev)
	}
	e.GQL(t, ola, unpinMutation, map[string]any{"id": conv})
	next(t, c, 30*time.Second, &ev)
	if ev.ConversationUpdated.PinnedAt != nil || !ev.ConversationUpdated.Muted {
		t.Fatalf("after unpin: %+v", ev)
	}
}
