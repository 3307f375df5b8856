package db

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// InboxDisplay is what the rows of an inbox page show besides the threads themselves: their
// subjects, last messages and participants, and the people and workshops those name. It
// comes in two statements whatever the page's size (one row per thread, one per participant)
// instead of one per kind: on a 2-core machine every round trip is CPU on both sides.
type InboxDisplay struct {
	Participants map[int64][]*Participant // by thread, oldest member first; every thread has a key
	Bookings     []*Booking
	Listings     []*Listing
	Messages     []*Message // with read state relative to the viewer's party
	Users        []*User    // people named by the rows above, each once or more
	Workshops    []*Workshop
}

// threadDisplayRow is one thread's subject, last message and what they name, as one row of
// LEFT JOINs; a part the thread does not have scans as zero values.
type threadDisplayRow struct {
	Booking  Booking  `bun:"embed:b_"`
	Workshop Workshop `bun:"embed:w_"`
	Listing  Listing  `bun:"embed:l_"`
	Message  Message  `bun:"embed:m_"`
	Sender   User     `bun:"embed:mu_"`
}

// participantRow is a participant and, for a person, the user.
type participantRow struct {
	Participant
	User User `bun:"embed:u_"`
}

var displayColumns = sync.OnceValues(func() (string, string) {
	t := func(alias string, model any) string {
		return prefixedColumns(alias, alias+"_", model)
	}
	rows := strings.Join([]string{
		t("b", (*Booking)(nil)), t("w", (*Workshop)(nil)), t("l", (*Listing)(nil)),
		t("m", (*Message)(nil)), prefixedColumns("mu", "mu_", (*User)(nil)),
	}, ", ")
	parts := prefixedColumns("p", "", (*Participant)(nil)) + ", " + prefixedColumns("u", "u_", (*User)(nil))
	return rows, parts
})

// prefixedColumns lists a model's stored columns as "alias.col AS prefixcol", the names an
// `embed:prefix` field scans.
func prefixedColumns(alias, prefix string, model any) string {
	table := pgdialect.New().Tables().Get(reflect.TypeOf(model).Elem())
	cols := make([]string, 0, len(table.Fields))
	for _, f := range table.Fields {
		cols = append(cols, alias+"."+string(f.SQLName)+" AS "+prefix+f.Name)
	}
	return strings.Join(cols, ", ")
}

// InboxDisplay loads the display data of threads the viewer (party) was authorised to see.
func (s *Store) InboxDisplay(ctx context.Context, party string, threads []*Thread) (*InboxDisplay, error) {
	d := &InboxDisplay{Participants: make(map[int64][]*Participant, len(threads))}
	if len(threads) == 0 {
		return d, nil
	}
	for _, t := range threads {
		d.Participants[t.ID] = nil
	}
	if err := s.threadDisplay(ctx, party, threads, d); err != nil {
		return nil, err
	}
	if err := s.participantDisplay(ctx, party, threads, d); err != nil {
		return nil, err
	}
	return d, nil
}

// threadDisplay reads one row per thread, the page's order, each join an index lookup by key.
// A workshop's columns come on the first row that names it only (a workshop page names the
// same workshop on every row, and its JSON columns are the costliest to scan). Each row is
// copied into slices sized for the page, so a page allocates only the parts its threads have.
func (s *Store) threadDisplay(ctx context.Context, party string, threads []*Thread, d *InboxDisplay) error {
	var nb, nl, nm int
	for _, t := range threads {
		nb += boolInt(t.BookingID != nil)
		nl += boolInt(t.ListingID != nil)
		_, ok := t.LastVisibleMessageID()
		nm += boolInt(ok)
	}
	bookings, listings := make([]Booking, 0, nb), make([]Listing, 0, nl)
	messages, senders := make([]Message, 0, nm), make([]User, 0, nm)
	var workshops []Workshop
	d.Bookings, d.Listings = make([]*Booking, 0, nb), make([]*Listing, 0, nl)
	d.Messages, d.Users = make([]*Message, 0, nm), make([]*User, 0, nm+2*len(threads))
	rows := eachRow[threadDisplayRow]{table: s.DB.Table(threadDisplayRowType), each: func(r *threadDisplayRow) {
		if r.Booking.ID != 0 {
			d.Bookings = append(d.Bookings, keep(&bookings, r.Booking))
		}
		if r.Workshop.OrgNr != "" {
			d.Workshops = append(d.Workshops, keep(&workshops, r.Workshop))
		}
		if r.Listing.ID != "" {
			d.Listings = append(d.Listings, keep(&listings, r.Listing))
		}
		if r.Message.ID != 0 {
			r.Message.ViewerParty = party
			d.Messages = append(d.Messages, keep(&messages, r.Message))
		}
		if r.Sender.ID != "" {
			d.Users = append(d.Users, keep(&senders, r.Sender))
		}
	}}
	if err := s.scanPrepared(ctx, threadDisplayStmt, rows, threadDisplayArgs(party, threads)...); err != nil {
		return fmt.Errorf("load inbox display: %w", err)
	}
	return nil
}

// participantDisplay reads the threads' participants with the users among them. The viewer
// is a participant of every thread on its page: a person's own user is kept once. The rows
// come by thread, so each thread's list is a piece of one slice.
func (s *Store) participantDisplay(ctx context.Context, party string, threads []*Thread, d *InboxDisplay) error {
	ids := make([]int64, len(threads))
	for i, t := range threads {
		ids[i] = t.ID
	}
	parts := make([]Participant, 0, 2*len(threads))
	var users []User
	viewerKept := false
	all := make([]*Participant, 0, 2*len(threads))
	rows := eachRow[participantRow]{table: s.DB.Table(participantRowType), each: func(r *participantRow) {
		all = append(all, keep(&parts, r.Participant))
		if r.User.ID != "" && (r.User.ID != party || !viewerKept) {
			viewerKept = viewerKept || r.User.ID == party
			d.Users = append(d.Users, keep(&users, r.User))
		}
	}}
	if err := s.scanPrepared(ctx, participantDisplayStmt, rows, pgdialect.Array(ids)); err != nil {
		return fmt.Errorf("load inbox participants: %w", err)
	}
	for start := 0; start < len(all); {
		id, end := all[start].ConversationID, start+1
		for end < len(all) && all[end].ConversationID == id {
			end++
		}
		d.Participants[id] = all[start:end:end]
		start = end
	}
	return nil
}

var (
	threadDisplayRowType = reflect.TypeFor[threadDisplayRow]()
	participantRowType   = reflect.TypeFor[participantRow]()
)

// keep appends v to *to and returns where it lives. A slice sized for the page never moves;
// one that grows leaves earlier values where they were, which is as good.
func keep[T any](to *[]T, v T) *T {
	*to = append(*to, v)
	return &(*to)[len(*to)-1]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// threadDisplayStmt is threadDisplay's statement, prepared: its joins cost PostgreSQL more
// to plan than to run. $1..$3 are the page's booking, listing and last message ids in its
// order (0 or an empty string for none), $4 the viewer's party.
var threadDisplayStmt = &prepared{
	name:   "parley_inbox_thread_display",
	params: "bigint[], text[], bigint[], text",
	body: sync.OnceValue(func() string {
		rowCols, _ := displayColumns()
		return `SELECT ` + rowCols + `, (SELECT min(r.read_at) FROM message_reads AS r WHERE r.message_id = m.id
			AND CASE WHEN m.sender_party_id = $4 THEN r.party_id <> $4 ELSE r.party_id = $4 END) AS m_read_at
		FROM unnest($1, $2, $3) WITH ORDINALITY AS t(booking_id, listing_id, last_id, n)
		LEFT JOIN bookings AS b ON b.id = t.booking_id
		LEFT JOIN (SELECT DISTINCT ON (eb.workshop_org_nr) eb.workshop_org_nr, e.n
			FROM unnest($1) WITH ORDINALITY AS e(booking_id, n) JOIN bookings AS eb ON eb.id = e.booking_id
			ORDER BY eb.workshop_org_nr, e.n) AS first ON first.n = t.n
		LEFT JOIN workshops AS w ON w.org_nr = first.workshop_org_nr
		LEFT JOIN listings AS l ON l.id = t.listing_id
		LEFT JOIN messages AS m ON m.id = t.last_id
		LEFT JOIN users AS mu ON mu.id = m.sender_user_id
		ORDER BY t.n`
	}),
}

// participantDisplayStmt is participantDisplay's statement, prepared; $1 is the thread ids.
var participantDisplayStmt = &prepared{
	name:   "parley_inbox_participant_display",
	params: "bigint[]",
	body: sync.OnceValue(func() string {
		_, partCols := displayColumns()
		return `SELECT ` + partCols + ` FROM participants AS p LEFT JOIN users AS u ON u.id = p.party_id
		WHERE p.conversation_id = ANY($1) ORDER BY p.conversation_id, p.joined_at, p.party_id`
	}),
}

// threadDisplayArgs are threadDisplayStmt's arguments for a page.
func threadDisplayArgs(party string, threads []*Thread) []any {
	n := len(threads)
	bookings, listings, lasts := make([]int64, n), make([]string, n), make([]int64, n)
	for i, t := range threads {
		bookings[i], listings[i] = deref(t.BookingID), deref(t.ListingID)
		lasts[i], _ = t.LastVisibleMessageID()
	}
	return []any{pgdialect.Array(bookings), pgdialect.Array(listings), pgdialect.Array(lasts), party}
}
