package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
)

const (
	orgA = "921460929"
	orgB = "923609016"
)

// notifyFixture is a fresh database with two workshops (three users at A, one at B), a car
// owner with a booking at A, and a listing conversation between a buyer and a seller.
type notifyFixture struct {
	store       *db.Store
	bookingConv int64
	listingConv int64
}

func newNotifyFixture(t *testing.T) *notifyFixture {
	t.Helper()
	ctx := context.Background()
	s := db.NewStore(dbtest.New(t))
	for _, w := range []string{orgA, orgB} {
		must(t, s.UpsertWorkshop(ctx, &db.Workshop{OrgNr: w, Name: "Workshop " + w}, nil))
	}
	users := []struct{ id, role, orgNr string }{
		{"co-ola", db.RoleCarOwner, ""}, {"co-kari", db.RoleCarOwner, ""},
		{"ws-a1", db.RoleWorkshop, orgA}, {"ws-a2", db.RoleWorkshop, orgA}, {"ws-a3", db.RoleWorkshop, orgA},
		{"ws-b1", db.RoleWorkshop, orgB},
		{"usr_per", db.RoleBuyer, ""}, {"usr_anne", db.RoleSeller, ""},
	}
	for _, u := range users {
		row := &db.User{ID: u.id, Role: u.role, Name: u.id}
		if u.orgNr != "" {
			row.OrgNr = &u.orgNr
		}
		must(t, s.UpsertUser(ctx, row))
	}
	// A non-workshop user carrying A's org_nr (the store never writes one, the schema allows it):
	// only workshop users speak for a workshop, so it must never be notified for A.
	exec(t, s, `INSERT INTO users (id, role, org_nr) VALUES ('usr_odd', 'seller', ?)`, orgA)

	f := &notifyFixture{store: s}
	must(t, s.UpsertBooking(ctx, &db.Booking{ID: 7001, CarOwnerID: "co-ola", WorkshopOrgNr: orgA}))
	must(t, s.UpsertBooking(ctx, &db.Booking{ID: 7002, CarOwnerID: "co-kari", WorkshopOrgNr: orgA}))
	f.bookingConv = threadOf(t, s, viewer("co-ola", db.RoleCarOwner, ""), 7001)
	must(t, s.UpsertListing(ctx, &db.Listing{ID: "golf7", SellerID: "usr_anne", Title: "Golf"}))
	res, err := s.StartListingConversation(ctx, viewer("usr_per", db.RoleBuyer, ""), "golf7", nil)
	must(t, err)
	f.listingConv = res.Thread.ID
	return f
}

func TestSendNotifiesEveryUserOnTheOtherSide(t *testing.T) {
	f := newNotifyFixture(t)
	cases := []struct {
		name string
		from db.Viewer
		conv func(*notifyFixture) int64
		data map[string]any // beyond conversation_id and message_id
		want []string
	}{
		{name: "car owner to workshop: every user of the workshop, none of another",
			from: viewer("co-ola", db.RoleCarOwner, ""), conv: booking, data: map[string]any{"booking_id": 7001.0},
			want: []string{"ws-a1", "ws-a2", "ws-a3"}},
		{name: "workshop user to car owner: the owner, not the sender nor their colleagues",
			from: viewer("ws-a2", db.RoleWorkshop, orgA), conv: booking, data: map[string]any{"booking_id": 7001.0},
			want: []string{"co-ola"}},
		{name: "buyer to seller", from: viewer("usr_per", db.RoleBuyer, ""), conv: listing,
			data: map[string]any{"listing_id": "golf7"}, want: []string{"usr_anne"}},
		{name: "seller to buyer", from: viewer("usr_anne", db.RoleSeller, ""), conv: listing,
			data: map[string]any{"listing_id": "golf7"}, want: []string{"usr_per"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := fmt.Sprintf("message %d from %s", i, tc.from.UserID)
			msg, notes, pinged := sendAndWatch(t, f.store, tc.from, tc.conv(f), body)
			checkNotifications(t, msg, tc.from, notes, pinged, tc.want, tc.data)
		})
	}
}

// A user who is on both sides of a thread (their role changed after the booking) is never
// notified of their own message, whichever side they write from.
func TestSendNeverNotifiesTheSendersOwnUser(t *testing.T) {
	f := newNotifyFixture(t)
	kariThread := threadOf(t, f.store, viewer("co-kari", db.RoleCarOwner, ""), 7002)
	exec(t, f.store, `UPDATE users SET role = 'workshop', org_nr = ? WHERE id = 'co-kari'`, orgA)
	data := map[string]any{"booking_id": 7002.0}

	asOwner := viewer("co-kari", db.RoleCarOwner, "")
	msg, notes, pinged := sendAndWatch(t, f.store, asOwner, kariThread, "as the owner")
	checkNotifications(t, msg, asOwner, notes, pinged, []string{"ws-a1", "ws-a2", "ws-a3"}, data)

	asShop := viewer("co-kari", db.RoleWorkshop, orgA)
	msg, notes, pinged = sendAndWatch(t, f.store, asShop, kariThread, "as the workshop")
	checkNotifications(t, msg, asShop, notes, pinged, nil, data)
}

func booking(f *notifyFixture) int64 { return f.bookingConv }
func listing(f *notifyFixture) int64 { return f.listingConv }

func viewer(id, role, orgNr string) db.Viewer {
	return db.Viewer{UserID: id, Role: role, OrgNr: orgNr, Name: "Name of " + id}
}

// sendAndWatch sends body as v and returns the message, the notifications stored for it, and
// the notification ids announced with pg_notify, by user.
func sendAndWatch(t *testing.T, s *db.Store, v db.Viewer, conv int64, body string) (*db.Message, []*db.Notification, map[string][]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln := listening(ctx, t, s)
	defer ln.Close()

	msg, created, err := s.SendMessage(ctx, v, db.SendInput{ConversationID: conv, Body: body})
	must(t, err)
	if !created {
		t.Fatalf("message not created")
	}
	// The sync marker arrives after every event committed before it: all of the send's.
	must(t, s.EmitSync(ctx, msg.ID))
	pinged := map[string][]int64{}
	for {
		_, payload, err := ln.Receive(ctx)
		must(t, err)
		ev, err := db.ParseEvent(payload)
		must(t, err)
		if ev.Kind == 'n' {
			pinged[ev.UserID] = append(pinged[ev.UserID], ev.NotificationID)
		}
		if ev.Kind == 's' && ev.MessageID == msg.ID {
			break
		}
	}
	var notes []*db.Notification
	must(t, s.DB.NewSelect().Model(&notes).Where("message_id = ?", msg.ID).OrderExpr("user_id").Scan(ctx))
	return msg, notes, pinged
}

// listening returns a listener on the state and ephemeral channels once its LISTEN is in
// effect: pgdriver's Listen only writes the command, so a NOTIFY committed right after it can
// still be missed. A sync marker that comes back proves the listener is registered.
func listening(ctx context.Context, t *testing.T, s *db.Store) *pgdriver.Listener {
	t.Helper()
	ln := pgdriver.NewListener(s.DB)
	if err := ln.Listen(ctx, db.ChannelState, db.ChannelEphemeral); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		must(t, s.EmitSync(ctx, 0))
		_, payload, err := ln.ReceiveTimeout(ctx, 100*time.Millisecond)
		if err == nil && payload == "s 0" {
			return ln
		}
	}
	ln.Close()
	t.Fatalf("listener never saw its own sync marker: %v", ctx.Err())
	return nil
}

func checkNotifications(t *testing.T, msg *db.Message, from db.Viewer, notes []*db.Notification,
	pinged map[string][]int64, want []string, extra map[string]any) {
	t.Helper()
	var got []string
	for _, n := range notes {
		got = append(got, n.UserID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("notified %v, want %v", got, want)
	}
	wantData := map[string]any{"conversation_id": float64(msg.ConversationID), "message_id": float64(msg.ID)}
	maps.Copy(wantData, extra)
	for _, n := range notes {
		var data map[string]any
		must(t, json.Unmarshal(n.Data, &data))
		if n.Type != "message.received" || n.Title != "New message from "+from.Name || n.Body != msg.Body ||
			n.ConversationID == nil || *n.ConversationID != msg.ConversationID ||
			n.MessageID == nil || *n.MessageID != msg.ID || !maps.Equal(data, wantData) || n.ReadAt != nil {
			t.Errorf("notification for %s = type %q title %q body %q conv %v msg %v data %v, want message.received, %q, %q, %d, %d, %v",
				n.UserID, n.Type, n.Title, n.Body, deref(n.ConversationID), deref(n.MessageID), data,
				"New message from "+from.Name, msg.Body, msg.ConversationID, msg.ID, wantData)
		}
		if ids := pinged[n.UserID]; len(ids) != 1 || ids[0] != n.ID {
			t.Errorf("pg_notify for %s announced %v, want exactly [%d]", n.UserID, ids, n.ID)
		}
	}
	if len(pinged) != len(notes) {
		t.Errorf("pg_notify announced notifications for %v, want only %v", slices.Sorted(maps.Keys(pinged)), got)
	}
}

func threadOf(t *testing.T, s *db.Store, v db.Viewer, bookingID int64) int64 {
	t.Helper()
	th, err := s.ThreadByBooking(context.Background(), v, bookingID)
	must(t, err)
	return th.ID
}

func exec(t *testing.T, s *db.Store, query string, args ...any) {
	t.Helper()
	if _, err := s.DB.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", strings.Fields(query)[0], err)
	}
}

func deref(p *int64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatInt(*p, 10)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
