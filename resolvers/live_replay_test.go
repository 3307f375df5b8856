package resolvers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// messageAdded and messageChanged with after and no conversation, replayed conversation by
// conversation (as from far back on a large database): every message and change of the
// viewer's threads comes once, in id order, none of a thread not theirs, then the live ones.
func TestReplayOverAllConversationsReadsEachThreadOnce(t *testing.T) {
	e := apptest.New(t)
	e.Store.ReplayWalkIDs = -1 // before anything subscribes: a small database would walk by id
	ola, kari := e.User(t, "co-ola"), e.User(t, "co-kari")
	shop, other := e.User(t, "ws-dekk"), e.User(t, "ws-bilfix")
	theirs := map[string]apptest.Creds{threadOf(t, e, 1002): kari, threadOf(t, e, 1003): ola}
	notTheirs := threadOf(t, e, 1001)
	var want []int // ws-dekk's new messages, in the order sent
	for round := 0; round < 3; round++ {
		for conv, from := range theirs {
			m := send(t, e, from, conv, fmt.Sprintf("s%d-%s", round, conv)).SendMessage.Message
			e.GQL(t, shop, reactMutation, map[string]any{"id": m.ID, "e": "👍"}).Decode(t, new(any))
			want = append(want, m.MessageID)
		}
		m := send(t, e, ola, notTheirs, "not theirs").SendMessage.Message
		e.GQL(t, other, reactMutation, map[string]any{"id": m.ID, "e": "👍"}).Decode(t, new(any))
	}

	c := dial(t, e, shop)
	subscribe(t, c, "1", messageAddedSub, map[string]any{"after": "0"})
	subscribe(t, c, "2", messageChangedSub, map[string]any{"after": "0"})
	var got, changedIDs []int
	lastCursor := 0
	for len(got) < 3+len(want) || len(changedIDs) < len(want) { // 3 seeded messages in its threads
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		m, err := c.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("after %v and %v: %v", got, changedIDs, err)
		}
		if m.ID == "1" {
			var a added
			if err := m.Data(&a); err != nil {
				t.Fatal(err)
			}
			if a.MessageAdded.Body == "not theirs" || (len(got) > 0 && a.MessageAdded.MessageID <= got[len(got)-1]) {
				t.Fatalf("message %+v after %v", a.MessageAdded, got)
			}
			got = append(got, a.MessageAdded.MessageID)
			continue
		}
		var ch changed
		if err := m.Data(&ch); err != nil {
			t.Fatal(err)
		}
		if id := changeID(t, ch.MessageChanged.Cursor); id <= lastCursor {
			t.Fatalf("change %d after %d", id, lastCursor)
		} else {
			lastCursor = id
		}
		changedIDs = append(changedIDs, ch.MessageChanged.Message.MessageID)
	}
	if fmt.Sprint(got[3:]) != fmt.Sprint(want) || fmt.Sprint(changedIDs) != fmt.Sprint(want) {
		t.Fatalf("replayed messages %v and changes of %v, want %v", got, changedIDs, want)
	}
	live := send(t, e, kari, threadOf(t, e, 1002), "live").SendMessage.Message.MessageID
	var a added
	next(t, c, 10*time.Second, &a)
	if a.MessageAdded.MessageID != live {
		t.Fatalf("live after the replay: %+v", a.MessageAdded)
	}
	quiet(t, c, 300*time.Millisecond) // nothing twice
}
