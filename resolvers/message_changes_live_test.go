package resolvers_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/apptest/gqlws"
)

const messageChangedSub = `subscription($c: ID, $after: String) { messageChanged(conversationId: $c, after: $after) {
  cursor kind message { messageId body isMine editedAt unsentAt reactions { emoji count reactedByMe } } } }`

type changed struct {
	MessageChanged struct {
		Cursor  string
		Kind    string
		Message struct {
			MessageID int
			Body      string
			IsMine    bool
			EditedAt  *string
			UnsentAt  *string
			Reactions []reaction
		}
	}
}

func nextChange(t *testing.T, c *gqlws.Conn) changed {
	t.Helper()
	var got changed
	next(t, c, 10*time.Second, &got)
	return got
}

// changeID is the position a messageChanged cursor stands for.
func changeID(t *testing.T, cursor string) int {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "e:"))
	if err != nil || err2 != nil {
		t.Fatalf("cursor %q", cursor)
	}
	return n
}

// Each kind of change reaches both participants live, and nobody else; a subscriber resuming
// with after gets the stored changes after its cursor, then live ones, with no repeat.
func TestMessageChangedDeliversEachKindLiveAndResumes(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "first words").SendMessage.Message
	shopConn, olaConn := dial(t, e, shop), dial(t, e, ola)
	subscribe(t, shopConn, "1", messageChangedSub, map[string]any{"c": conv})
	subscribe(t, olaConn, "1", messageChangedSub, nil) // all of ola's threads
	stranger := dial(t, e, e.User(t, "co-kari"))
	subscribe(t, stranger, "1", messageChangedSub, nil)
	otherShop := dial(t, e, e.User(t, "ws-dekk"))
	subscribe(t, otherShop, "1", messageChangedSub, nil)
	holding(t, e, map[string]int{"changes": 4})

	// The message comes as it is when delivered: one change at a time, so each is seen.
	steps := map[string]func(){
		"EDITED": func() {
			e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": "better words"}).Decode(t, new(any))
		},
		"REACTIONS": func() { e.GQL(t, shop, reactMutation, map[string]any{"id": m.ID, "e": "👍"}).Decode(t, new(any)) },
		"UNSENT":    func() { e.GQL(t, ola, unsendMutation, map[string]any{"id": m.ID}).Decode(t, new(any)) },
	}
	var cursors []string
	for i, want := range []string{"EDITED", "REACTIONS", "UNSENT"} {
		steps[want]()
		got := nextChange(t, shopConn)
		mine := nextChange(t, olaConn)
		c := got.MessageChanged
		if c.Kind != want || c.Message.MessageID != m.MessageID || c.Message.IsMine || mine.MessageChanged.Kind != want || !mine.MessageChanged.Message.IsMine {
			t.Fatalf("change %d: workshop got %+v, sender got %+v", i, c, mine.MessageChanged)
		}
		if c.Cursor != mine.MessageChanged.Cursor {
			t.Fatalf("change %d has cursors %q and %q", i, c.Cursor, mine.MessageChanged.Cursor)
		}
		cursors = append(cursors, c.Cursor)
		switch want {
		case "EDITED":
			if c.Message.Body != "better words" || c.Message.EditedAt == nil {
				t.Fatalf("edit arrived as %+v", c.Message)
			}
		case "REACTIONS":
			if r := c.Message.Reactions; len(r) != 1 || r[0] != (reaction{"👍", 1, true}) {
				t.Fatalf("reaction arrived as %+v", r)
			}
		case "UNSENT":
			if c.Message.Body != "" || c.Message.UnsentAt == nil {
				t.Fatalf("unsend arrived as %+v", c.Message)
			}
		}
	}
	quiet(t, stranger, 300*time.Millisecond)
	quiet(t, otherShop, 100*time.Millisecond)

	resumed := dial(t, e, shop)
	subscribe(t, resumed, "1", messageChangedSub, map[string]any{"c": conv, "after": cursors[0]})
	for _, want := range cursors[1:] {
		if got := nextChange(t, resumed); got.MessageChanged.Cursor != want {
			t.Fatalf("replay got %q, want %q", got.MessageChanged.Cursor, want)
		}
	}
	m2 := send(t, e, ola, conv, "second").SendMessage.Message
	e.GQL(t, shop, reactMutation, map[string]any{"id": m2.ID, "e": "😂"}).Decode(t, new(any))
	got := nextChange(t, resumed)
	if got.MessageChanged.Kind != "REACTIONS" || got.MessageChanged.Message.MessageID != m2.MessageID {
		t.Fatalf("live after the replay: %+v", got)
	}
	quiet(t, resumed, 300*time.Millisecond) // nothing twice

	all := dial(t, e, shop)
	subscribe(t, all, "1", messageChangedSub, map[string]any{"c": conv, "after": "0"})
	for i := 0; i < 4; i++ {
		nextChange(t, all)
	}
	quiet(t, all, 200*time.Millisecond)

	// A stranger cannot subscribe to the thread, nor resume in it.
	refused := dial(t, e, e.User(t, "co-kari"))
	subscribe(t, refused, "1", messageChangedSub, map[string]any{"c": conv, "after": "0"})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if msg, err := refused.Next(ctx); err != nil || !strings.Contains(string(msg.Payload), "NOT_FOUND") {
		t.Fatalf("a stranger subscribing: %v %s %s", err, msg.Type, msg.Payload)
	}
}

// A message deleted for one participant no longer sends them its changes.
func TestMessageChangedSkipsMessagesDeletedForMe(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	m := send(t, e, ola, conv, "edit me later").SendMessage.Message
	e.GQL(t, shop, hideMutation, map[string]any{"id": m.ID}).Decode(t, new(any))
	c := dial(t, e, shop)
	subscribe(t, c, "1", messageChangedSub, map[string]any{"c": conv})
	holding(t, e, map[string]int{"changes": 1})
	e.GQL(t, ola, editMutation, map[string]any{"id": m.ID, "body": "edited"}).Decode(t, new(any))
	quiet(t, c, 500*time.Millisecond)
	r := dial(t, e, shop)
	subscribe(t, r, "1", messageChangedSub, map[string]any{"c": conv, "after": "0"})
	quiet(t, r, 500*time.Millisecond)
}

// While reactions are toggled concurrently in two threads, a subscriber drops and resumes
// several times with after; it ends with every change exactly once, in order.
func TestMessageChangedGapFreeAcrossReconnects(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	var ids []string
	for i := 0; i < 4; i++ {
		ids = append(ids, send(t, e, ola, conv, "target "+itoa(i)).SendMessage.Message.ID)
	}
	const perWorker, workers = 100, 4
	const total = perWorker * workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		who := ola
		if w%2 == 1 {
			who = shop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				q := reactMutation
				if i%2 == 1 {
					q = unreactMutation
				}
				if r := e.GQL(t, who, q, map[string]any{"id": ids[w], "e": "🙏"}); len(r.Errors) > 0 {
					t.Errorf("react: %+v", r.Errors)
					return
				}
			}
		}()
	}
	seen := map[int]bool{}
	last, cursor := 0, "0"
	for round := 0; len(seen) < total && round < 100; round++ {
		c := dial(t, e, ola)
		subscribe(t, c, "1", `subscription($c: ID, $after: String) { messageChanged(conversationId: $c, after: $after) { cursor kind } }`,
			map[string]any{"c": conv, "after": cursor})
		for n := 0; n < 70 && len(seen) < total; n++ {
			var got changed
			next(t, c, 10*time.Second, &got)
			id := changeID(t, got.MessageChanged.Cursor)
			if seen[id] || id <= last {
				t.Fatalf("change %d after %d (twice: %v)", id, last, seen[id])
			}
			seen[id], last, cursor = true, id, got.MessageChanged.Cursor
		}
		c.CloseNow()
	}
	wg.Wait()
	if len(seen) != total {
		t.Fatalf("delivered %d of %d changes", len(seen), total)
	}
}

// message.updated and message.deleted reach a subscribed endpoint with the message in the
// marketplace wire form; the unsent one carries no text and no files.
func TestWebhooksForEditAndUnsend(t *testing.T) {
	e := apptest.New(t)
	rcv := newReceiver(t, always(http.StatusNoContent))
	createHook(t, e, rcv.URL, []string{"message.updated", "message.deleted"}, nil)
	conv := convOf(t, e, "tesla3")
	per := e.User(t, "usr_per")
	m := send(t, e, per, conv, "Er prisen fast?").SendMessage.Message
	e.GQL(t, per, editMutation, map[string]any{"id": m.ID, "body": "Er prisen forhandlingsbar?"}).Decode(t, new(any))
	e.GQL(t, per, reactMutation, map[string]any{"id": m.ID, "e": "👍"}).Decode(t, new(any)) // no webhook
	// Delivered before the unsend, which blanks the text of pending deliveries.
	rcv.waitFor(t, 1, 10*time.Second)
	e.GQL(t, per, unsendMutation, map[string]any{"id": m.ID}).Decode(t, new(any))
	hooks := rcv.waitFor(t, 2, 10*time.Second)
	byType := map[string]map[string]any{}
	for _, h := range hooks {
		byType[h.Payload["type"].(string)] = h.Payload
	}
	up, del := byType["message.updated"], byType["message.deleted"]
	if up == nil || del == nil {
		t.Fatalf("got %d hooks: %v", len(hooks), byType)
	}
	wantID := "msg_" + itoa(m.MessageID)
	if get(up, "data", "message", "id") != wantID || get(up, "data", "message", "content") != "Er prisen forhandlingsbar?" ||
		get(up, "data", "edited_at") == nil || get(up, "data", "conversation", "id") != conv {
		t.Errorf("message.updated data = %v", up["data"])
	}
	if get(del, "data", "message", "id") != wantID || get(del, "data", "message", "content") != "" || get(del, "data", "deleted_at") == nil {
		t.Errorf("message.deleted data = %v", del["data"])
	}
	if n := count(t, e, "webhook_events WHERE type NOT IN ('message.updated', 'message.deleted')"); n != 0 {
		t.Errorf("%d other webhook events written", n)
	}
}

// A change id taken by a transaction still open holds back every higher one, in any thread:
// a subscriber to all their threads resuming with after gets the lower one first once it
// commits, never the higher one before it.
func TestMessageChangedWaitsForALowerIdStillUncommitted(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	other := threadOf(t, e, 1003)
	target := send(t, e, ola, other, "target").SendMessage.Message.ID
	c0 := dial(t, e, ola)
	subscribe(t, c0, "1", messageChangedSub, nil)
	e.GQL(t, ola, reactMutation, map[string]any{"id": target, "e": "👍"}).Decode(t, new(any))
	before := changeID(t, nextChange(t, c0).MessageChanged.Cursor)
	c0.CloseNow()
	if err := e.App.Hub.Settle(t.Context()); err != nil {
		t.Fatal(err)
	}

	tx, err := e.App.Store.DB.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var held int
	err = tx.QueryRowContext(t.Context(), `INSERT INTO message_events (conversation_id, message_id, kind, actor)
		SELECT m.conversation_id, m.id, 'reactions', 'co-ola' FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id
		WHERE c.booking_id = 1001 ORDER BY m.id LIMIT 1 RETURNING id`).Scan(&held)
	if err != nil {
		t.Fatal(err)
	}
	e.GQL(t, ola, unreactMutation, map[string]any{"id": target, "e": "👍"}).Decode(t, new(any))

	c := dial(t, e, ola)
	subscribe(t, c, "1", messageChangedSub, map[string]any{"after": changeCursorOf(before - 1)})
	if got := changeID(t, nextChange(t, c).MessageChanged.Cursor); got != before {
		t.Fatalf("got change %d first, want %d", got, before)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{held, held + 1} {
		if got := changeID(t, nextChange(t, c).MessageChanged.Cursor); got != want {
			t.Fatalf("got change %d, want %d", got, want)
		}
	}
}

func changeCursorOf(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.Itoa(id)))
}

// Editing or unsending the message an inbox row shows updates that row live.
func TestEditAndUnsendOfTheLastMessageUpdateTheInboxRow(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1002)
	kari, shop := e.User(t, "co-kari"), e.User(t, "ws-dekk")
	c := dial(t, e, shop)
	subscribe(t, c, "inbox", `subscription { conversationUpdated { conversationId lastMessage { body } } }`, nil)
	holding(t, e, map[string]int{"inbox": 1})
	m := send(t, e, kari, conv, "Er bilen klar?").SendMessage.Message
	waitInbox := func(want string) {
		t.Helper()
		for {
			var ev struct {
				ConversationUpdated struct{ LastMessage struct{ Body string } }
			}
			next(t, c, 30*time.Second, &ev)
			if ev.ConversationUpdated.LastMessage.Body == want {
				return
			}
		}
	}
	waitInbox("Er bilen klar?")
	e.GQL(t, kari, editMutation, map[string]any{"id": m.ID, "body": "Er bilen ferdig?"}).Decode(t, &struct{}{})
	waitInbox("Er bilen ferdig?")
	e.GQL(t, kari, unsendMutation, map[string]any{"id": m.ID}).Decode(t, &struct{}{})
	waitInbox("")
}
