package db_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/parley/parley/db"
	"github.com/uptrace/bun"
)

// A replay over all of a viewer's conversations returns the same items, in the same order,
// whether it walks the table by id or reads conversation by conversation, in batches smaller
// than the number of conversations and larger: every message and change the viewer can see,
// none of a thread not theirs, none hidden from them.
func TestReplayAcrossConversationsReadsEachConversationExactly(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	s := f.store
	ola, kari := viewer("co-ola", db.RoleCarOwner, ""), viewer("co-kari", db.RoleCarOwner, "")
	shopA, shopB := viewer("ws-a1", db.RoleWorkshop, orgA), viewer("ws-b1", db.RoleWorkshop, orgB)
	must(t, s.UpsertBooking(ctx, &db.Booking{ID: 7003, CarOwnerID: "co-ola", WorkshopOrgNr: orgB}))
	must(t, s.UpsertBooking(ctx, &db.Booking{ID: 7004, CarOwnerID: "co-kari", WorkshopOrgNr: orgA}))
	must(t, s.UpsertBooking(ctx, &db.Booking{ID: 7005, CarOwnerID: "co-ola", WorkshopOrgNr: orgA}))
	type thread struct {
		id          int64
		owner, shop db.Viewer
	}
	threads := []thread{{f.bookingConv, ola, shopA}, {threadOf(t, s, kari, 7002), kari, shopA},
		{threadOf(t, s, ola, 7003), ola, shopB}, {threadOf(t, s, kari, 7004), kari, shopA}, {threadOf(t, s, ola, 7005), ola, shopA}}
	var hidden, deletedBefore, notA int64
	sendAndReact := func(th thread, body string) int64 {
		m, _, err := s.SendMessage(ctx, th.owner, db.SendInput{ConversationID: th.id, Body: body})
		must(t, err)
		_, err = s.React(ctx, th.shop, m.ID, "👍", true)
		must(t, err)
		if th.shop == shopB {
			notA = m.ID
		}
		return m.ID
	}
	for round := 0; round < 4; round++ {
		for i, th := range threads {
			id := sendAndReact(th, "round")
			if round == 1 && i == 0 {
				must(t, s.HideMessage(ctx, shopA, id))
				hidden = id
			}
		}
		if round == 1 { // the workshop deletes thread 4: what came before stays hidden from it
			must(t, s.DeleteConversation(ctx, shopA, threads[3].id))
			deletedBefore = threads[3].id
		}
	}
	for i := 0; i < 7; i++ { // one thread runs ahead of the others
		sendAndReact(threads[1], "burst")
	}
	_, err := s.EditMessage(ctx, ola, hidden, "edited", time.Hour)
	must(t, err)
	// Archived threads replay as open ones do (they sit in another index than the open ones).
	must(t, s.SetArchived(ctx, ola, threads[2].id, true))
	must(t, s.SetArchived(ctx, shopA, threads[1].id, true))

	for _, v := range []db.Viewer{shopA, ola, kari} {
		for _, after := range []int64{0, hidden} {
			s.ReplayWalkIDs = math.MaxInt64
			wantMsgs, wantChanges := replayAll(t, s, v, after, 500)
			if len(wantMsgs) < 5 || len(wantChanges) < 5 {
				t.Fatalf("%s after %d: %d messages, %d changes", v.UserID, after, len(wantMsgs), len(wantChanges))
			}
			for _, limit := range []int{1, 3, 500} {
				for _, walk := range []int64{-1, math.MaxInt64} {
					s.ReplayWalkIDs = walk
					msgs, changes := replayAll(t, s, v, after, limit)
					if !slices.Equal(msgs, wantMsgs) || !slices.Equal(changes, wantChanges) {
						t.Fatalf("%s after %d, batches of %d, walk %d:\n messages %v\n     want %v\n changes %v\n    want %v",
							v.UserID, after, limit, walk, msgs, wantMsgs, changes, wantChanges)
					}
				}
			}
		}
	}
	s.ReplayWalkIDs = -1
	msgs, _ := replayAll(t, s, shopA, 0, 3)
	if slices.Contains(msgs, hidden) || slices.Contains(msgs, notA) {
		t.Fatalf("workshop A replayed a message hidden from it (%d) or not its own (%d): %v", hidden, notA, msgs)
	}
	var before int
	must(t, s.DB.NewRaw("SELECT count(*) FROM messages WHERE conversation_id = ? AND id IN (?)", deletedBefore, bun.In(msgs)).Scan(ctx, &before))
	if before != 2 { // only rounds 2 and 3 of the deleted thread
		t.Fatalf("workshop A replayed %d messages of the thread it deleted, want 2", before)
	}
}

// replayAll reads a replay to its end from after in batches of limit, as the live hub does,
// and returns the message ids and change ids.
func replayAll(t *testing.T, s *db.Store, v db.Viewer, after int64, limit int) (msgs, changes []int64) {
	t.Helper()
	ctx := context.Background()
	const upTo = math.MaxInt64 / 2
	for cursor := after; ; {
		page, err := s.ViewerMessagesAfter(ctx, v, 0, cursor, upTo, limit)
		must(t, err)
		for _, m := range page {
			msgs = append(msgs, m.ID)
			cursor = m.ID
		}
		if len(page) < limit {
			break
		}
	}
	for cursor := after; ; {
		page, err := s.ViewerChangesAfter(ctx, v, 0, cursor, upTo, limit)
		must(t, err)
		for _, c := range page {
			if c.Message == nil {
				t.Fatalf("change %d without its message", c.ID)
			}
			changes = append(changes, c.ID)
			cursor = c.ID
		}
		if len(page) < limit {
			break
		}
	}
	return msgs, changes
}
