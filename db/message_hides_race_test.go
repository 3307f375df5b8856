package db_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// A retention step on a thread while a delete-for-me of one of its messages is under way
// keeps the party's hidden count true: the step skips the thread or counts the hide.
func TestHideRacingARetentionStepCountsTrue(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	s := f.store
	ola := viewer("co-ola", db.RoleCarOwner, "")
	m, _, err := s.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "hide me"})
	must(t, err)
	future := time.Now().Add(time.Hour) // every thread is closed by then
	purged := make(chan error, 1)
	s.DB.AddQueryHook(&onQuery{text: "INSERT INTO message_hides", do: func() {
		go func() {
			_, err := s.PurgeClosedThread(ctx, future, 1000)
			purged <- err
		}()
		// Go on once the step is done (it skipped the thread) or waits for this hide's locks.
		deadline := time.Now().Add(30 * time.Second)
		for {
			select {
			case err := <-purged:
				purged <- err
				return
			default:
			}
			var waiting int
			must(t, s.DB.NewRaw(`SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(ctx, &waiting))
			if waiting > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Error("the retention step neither finished nor waited")
				return
			}
		}
	}})
	must(t, s.HideMessage(ctx, ola, m.ID))
	must(t, <-purged)
	for { // the rest of the thread (all of it, if the step skipped it)
		b, err := s.PurgeClosedThread(ctx, future, 1000)
		must(t, err)
		if b == nil {
			break
		}
	}
	var hidden, total int
	must(t, s.DB.NewRaw(`SELECT p.hidden_count, c.message_count FROM participants AS p
		JOIN conversations AS c ON c.id = p.conversation_id WHERE p.conversation_id = ? AND p.party_id = ?`,
		f.bookingConv, ola.Party()).Scan(ctx, &hidden, &total))
	if total != 0 || hidden != 0 {
		t.Fatalf("after the thread was purged: hidden count %d, message count %d; want 0 and 0", hidden, total)
	}
}
