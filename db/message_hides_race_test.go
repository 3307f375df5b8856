package db_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
)

// onQuery runs do once, before the first statement that contains text.
type onQuery struct {
	text string
	done atomic.Bool
	do   func()
}

func (h *onQuery) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	if strings.Contains(ev.Query, h.text) && h.done.CompareAndSwap(false, true) {
		h.do()
	}
	return ctx
}
func (h *onQuery) AfterQuery(context.Context, *bun.QueryEvent) {}

// A thread deleted while a delete-for-me of one of its messages is under way (after that
// message was found visible, before it is counted) is not counted twice: the party's hidden
// count stays the thread's message count.
func TestHideRacingADeletedThreadCountsOnce(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	s := f.store
	ola := viewer("co-ola", db.RoleCarOwner, "")
	m, _, err := s.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "hide me"})
	must(t, err)
	s.DB.AddQueryHook(&onQuery{text: "INSERT INTO message_hides", do: func() {
		must(t, s.DeleteConversation(ctx, ola, f.bookingConv))
	}})
	must(t, s.HideMessage(ctx, ola, m.ID))
	var hidden, total int
	must(t, s.DB.NewRaw(`SELECT p.hidden_count, c.message_count FROM participants AS p
		JOIN conversations AS c ON c.id = p.conversation_id WHERE p.conversation_id = ? AND p.party_id = ?`,
		f.bookingConv, ola.Party()).Scan(ctx, &hidden, &total))
	if hidden != total {
		t.Fatalf("hidden count %d of %d messages: the hidden message was counted twice", hidden, total)
	}
}
