package db_test

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parley/parley/db"
)

// InboxDisplay reads in two statements what the per-kind batch statements read: the same
// rows, field for field, for booking and listing threads, threads with and without messages
// and several threads naming one workshop (whose row it sends once).
func TestInboxDisplayLoadsWhatThePerKindStatementsLoad(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	s := f.store
	ws := viewer("ws-a2", db.RoleWorkshop, orgA)
	_, _, err := s.SendMessage(ctx, viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Body: "Hei"})
	must(t, err)
	_, _, err = s.SendMessage(ctx, ws, db.SendInput{ConversationID: f.bookingConv, Body: "Hei \"Ola\""})
	must(t, err)
	kariConv := threadOf(t, s, viewer("co-kari", db.RoleCarOwner, ""), 7002) // no messages
	_, _, err = s.SendMessage(ctx, viewer("usr_per", db.RoleBuyer, ""), db.SendInput{ConversationID: f.listingConv, Body: "Ledig?"})
	must(t, err)

	for _, v := range []db.Viewer{ws, viewer("co-ola", db.RoleCarOwner, ""), viewer("usr_anne", db.RoleSeller, "")} {
		page, err := s.Inbox(ctx, v, db.InboxQuery{Limit: 20})
		must(t, err)
		if len(page.Threads) == 0 {
			t.Fatalf("%s: empty inbox", v.UserID)
		}
		got, err := s.InboxDisplay(ctx, v.Party(), page.Threads)
		must(t, err)
		want := perKind(t, s, v, page.Threads)
		if v == ws && !slices.ContainsFunc(page.Threads, func(th *db.Thread) bool { return th.ID == kariConv }) {
			t.Fatalf("workshop inbox lacks the thread with no messages")
		}
		same(t, v.UserID+" participants", got.Participants, want.Participants)
		same(t, v.UserID+" bookings", byID(got.Bookings, func(b *db.Booking) string { return str(b.ID) }), byID(want.Bookings, func(b *db.Booking) string { return str(b.ID) }))
		same(t, v.UserID+" listings", byID(got.Listings, func(l *db.Listing) string { return l.ID }), byID(want.Listings, func(l *db.Listing) string { return l.ID }))
		same(t, v.UserID+" messages", byID(got.Messages, func(m *db.Message) string { return str(m.ID) }), byID(want.Messages, func(m *db.Message) string { return str(m.ID) }))
		userKey := func(u *db.User) string { return u.ID }
		gotUsers := byID(got.Users, userKey)
		for id, u := range byID(want.Users, userKey) {
			same(t, v.UserID+" user "+id, gotUsers[id], u)
		}
		orgs := map[string]int{}
		for _, w := range got.Workshops {
			orgs[w.OrgNr]++
			same(t, v.UserID+" workshop "+w.OrgNr, w, byID(want.Workshops, func(w *db.Workshop) string { return w.OrgNr })[w.OrgNr])
		}
		for org, n := range orgs {
			if n != 1 {
				t.Errorf("%s: workshop %s sent %d times", v.UserID, org, n)
			}
		}
	}
}

// perKind loads the display data of threads with the batch statements the loaders use.
func perKind(t *testing.T, s *db.Store, v db.Viewer, threads []*db.Thread) *db.InboxDisplay {
	t.Helper()
	ctx := context.Background()
	var ids, bookings, lasts []int64
	var listings []string
	for _, th := range threads {
		ids = append(ids, th.ID)
		if th.BookingID != nil {
			bookings = append(bookings, *th.BookingID)
		}
		if th.ListingID != nil {
			listings = append(listings, *th.ListingID)
		}
		if th.LastMessageID != nil {
			lasts = append(lasts, *th.LastMessageID)
		}
	}
	d := &db.InboxDisplay{}
	var err error
	d.Participants, err = s.Participants(ctx, ids)
	must(t, err)
	for _, id := range ids {
		if d.Participants[id] == nil {
			d.Participants[id] = nil
		}
	}
	d.Bookings, err = s.BookingsByID(ctx, bookings)
	must(t, err)
	d.Listings, err = s.ListingsByID(ctx, listings)
	must(t, err)
	d.Messages, err = s.MessagesByID(ctx, v.Party(), lasts)
	must(t, err)
	var people, orgs []string
	for _, ps := range d.Participants {
		for _, p := range ps {
			if org, ok := strings.CutPrefix(p.PartyID, "org:"); ok {
				orgs = append(orgs, org)
			} else {
				people = append(people, p.PartyID)
			}
		}
	}
	d.Users, err = s.UsersByID(ctx, people)
	must(t, err)
	d.Workshops, err = s.WorkshopsByOrgNr(ctx, orgs)
	must(t, err)
	return d
}

func byID[T any](rows []*T, key func(*T) string) map[string]*T {
	out := make(map[string]*T, len(rows))
	for _, r := range rows {
		out[key(r)] = r
	}
	return out
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func str(n int64) string { return strconv.FormatInt(n, 10) }

// A connection that lost its prepared statements (DEALLOCATE, a pooler's reset), or holds
// them from before a migration, prepares them again; the page and its display read the same.
func TestInboxStatementsPrepareAgainAfterDeallocate(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	s := f.store
	s.DB.SetMaxOpenConns(1) // one connection: the DEALLOCATE reaches the one the reads use
	v := viewer("co-ola", db.RoleCarOwner, "")
	read := func() (*db.InboxPage, *db.InboxDisplay) {
		page, err := s.Inbox(ctx, v, db.InboxQuery{Limit: 20})
		must(t, err)
		d, err := s.InboxDisplay(ctx, v.Party(), page.Threads)
		must(t, err)
		return page, d
	}
	page1, d1 := read()
	if len(page1.Threads) != 1 || page1.TotalCount != 1 {
		t.Fatalf("page of %d threads, total %d; want 1 and 1", len(page1.Threads), page1.TotalCount)
	}
	exec(t, s, "DEALLOCATE ALL")
	page2, d2 := read()
	same(t, "page after DEALLOCATE", page2, page1)
	same(t, "display after DEALLOCATE", d2, d1)
	// A migration adds a column and changes a selected column's type: the statements prepared
	// before it (0A000 for the changed type) are prepared again.
	exec(t, s, "ALTER TABLE conversations ADD COLUMN later_column int")
	exec(t, s, "ALTER TABLE messages ALTER COLUMN sender_role TYPE varchar(100)")
	page3, d3 := read()
	same(t, "page after ALTER TABLE", page3, page1)
	same(t, "display after ALTER TABLE", d3, d1)
}
