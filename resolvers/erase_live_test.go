package resolvers_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

const erasedSub = `subscription($c: ID, $after: String) { messageChanged(conversationId: $c, after: $after) {
  cursor kind message { messageId body removed sender { userId name deleted } } } }`

type erasedChange struct {
	MessageChanged struct {
		Cursor  string
		Kind    string
		Message struct {
			MessageID int
			Body      string
			Removed   bool
			Sender    *struct {
				UserID, Name string
				Deleted      bool
			}
		}
	}
}

// When the back office erases a car owner, the workshop's open client gets each of their
// messages as an ERASED change (blanked, removed, from a deleted user), live and on resuming
// with after, and its inbox row shows the blanked last message; a stranger gets nothing. The
// erasure runs in several transactions (batches of 2 messages).
func TestEraseUserReachesOpenClientsLive(t *testing.T) {
	e := apptest.New(t)
	e.Store.EraseBatch = 2
	conv := threadOf(t, e, 1001)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	first := send(t, e, ola, conv, "my number is 99 88 77 66").SendMessage.Message
	send(t, e, shop, conv, "we will call you")
	send(t, e, ola, conv, "I live in Storgata 17")
	last := send(t, e, ola, conv, "after five is best").SendMessage.Message

	changes, inbox, stranger := dial(t, e, shop), dial(t, e, shop), dial(t, e, e.User(t, "co-kari"))
	subscribe(t, changes, "1", erasedSub, map[string]any{"c": conv})
	subscribe(t, inbox, "1", `subscription { conversationUpdated { conversationId lastMessage { messageId body } } }`, nil)
	subscribe(t, stranger, "1", erasedSub, nil)
	holding(t, e, map[string]int{"changes": 2, "inbox": 1})
	// A change before the erasure, to resume after.
	e.GQL(t, shop, reactMutation, map[string]any{"id": first.ID, "e": "👍"}).Decode(t, new(any))
	var before erasedChange
	next(t, changes, 30*time.Second, &before)
	if before.MessageChanged.Kind != "REACTIONS" {
		t.Fatalf("before the erasure: %+v", before)
	}

	ctx := context.Background()
	var all, here int // theirs (the demo data has more), and theirs in this thread
	err := e.Store.DB.NewRaw(`SELECT count(*), count(*) FILTER (WHERE conversation_id = ?) FROM messages
		WHERE sender_user_id = 'co-ola'`, conv).Scan(ctx, &all, &here)
	if err != nil || here < 3 {
		t.Fatalf("ola's messages: %d here (%v)", here, err)
	}

	var er struct{ EraseUser struct{ Messages int } }
	e.GQL(t, apptest.Office(), `mutation { eraseUser(userId: "co-ola", reason: "GDPR request") { messages } }`, nil).Decode(t, &er)
	if er.EraseUser.Messages != all {
		t.Fatalf("erased %d messages, want %d", er.EraseUser.Messages, all)
	}
	var cursors []string
	prev := 0
	for i := 0; i < here; i++ {
		var got erasedChange
		next(t, changes, 30*time.Second, &got)
		c, m := got.MessageChanged, got.MessageChanged.Message
		if c.Kind != "ERASED" || m.Body != "" || !m.Removed || m.Sender == nil || !m.Sender.Deleted ||
			m.Sender.Name != "" || m.Sender.UserID != "co-ola" || m.MessageID <= prev {
			t.Fatalf("change %d: %+v", i, got)
		}
		prev = m.MessageID
		cursors = append(cursors, c.Cursor)
	}
	if prev != last.MessageID {
		t.Fatalf("the last erased change is of message %d, want %d", prev, last.MessageID)
	}
	for {
		var ev struct {
			ConversationUpdated struct {
				LastMessage struct {
					MessageID int
					Body      string
				}
			}
		}
		next(t, inbox, 30*time.Second, &ev)
		if lm := ev.ConversationUpdated.LastMessage; lm.MessageID == last.MessageID && lm.Body == "" {
			break
		}
	}
	quiet(t, stranger, 300*time.Millisecond)

	resumed := dial(t, e, shop)
	subscribe(t, resumed, "1", erasedSub, map[string]any{"c": conv, "after": before.MessageChanged.Cursor})
	for _, want := range cursors {
		var got erasedChange
		next(t, resumed, 30*time.Second, &got)
		if got.MessageChanged.Cursor != want || got.MessageChanged.Kind != "ERASED" || got.MessageChanged.Message.Body != "" {
			t.Fatalf("replay got %+v, want cursor %q", got, want)
		}
	}
	quiet(t, resumed, 300*time.Millisecond)

	// Not one transaction: a batch of 2 messages each.
	var txs int
	err = e.Store.DB.NewRaw("SELECT count(DISTINCT xmin::text) FROM message_events WHERE kind = 'erased'").Scan(ctx, &txs)
	if err != nil || txs != (all+1)/2 {
		t.Fatalf("the %d erased changes came from %d transactions (%v), want %d", all, txs, err, (all+1)/2)
	}
}
