package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Thread is a conversation as one party sees it: the conversation and that party's state.
type Thread struct {
	Conversation

	ViewerParty       string     `bun:"viewer_party_id"`
	ViewerRole        string     `bun:"viewer_role"`
	UnreadCount       int        `bun:"viewer_unread_count"`
	LastReadMessageID int64      `bun:"viewer_last_read_message_id"`
	LastReadAt        *time.Time `bun:"viewer_last_read_at"`
	ArchivedAt        *time.Time `bun:"viewer_archived_at"`
	HiddenUpTo        int64      `bun:"viewer_hidden_up_to"`
	HiddenCount       int        `bun:"viewer_hidden_count"`
	MutedAt           *time.Time `bun:"viewer_muted_at"`
	MutedUntil        *time.Time `bun:"viewer_muted_until"`
	PinnedAt          *time.Time `bun:"viewer_pinned_at"`
	// ViewerLastMessageID is the newest message the viewer did not delete for itself
	// (viewerLastExpr); see LastVisibleMessageID.
	ViewerLastMessageID *int64 `bun:"viewer_last_message_id"`
	// PreviewUnread: ViewerLastMessageID was not read (a retried send's thread); read the
	// thread again for it.
	PreviewUnread bool `bun:"-"`
}

// Muted reports whether the viewer's mute holds at now (a mute lapses by itself).
func (t *Thread) Muted(now time.Time) bool {
	return t.MutedAt != nil && (t.MutedUntil == nil || t.MutedUntil.After(now))
}

// LastVisibleMessageID is the newest message of the thread the viewer can see, if any: the
// inbox's preview. Deleting the thread hides everything up to HiddenUpTo.
func (t *Thread) LastVisibleMessageID() (int64, bool) {
	if t.ViewerLastMessageID == nil || *t.ViewerLastMessageID <= t.HiddenUpTo {
		return 0, false
	}
	return *t.ViewerLastMessageID, true
}

// viewerLastExpr is the newest message of thread c that party p did not delete for itself:
// the thread's last message, unless p's newest delete-for-me reaches it; then the newest
// other, looked up backwards along the thread's index. A party that did not hide the last
// message pays one comparison.
const viewerLastExpr = `CASE WHEN c.last_message_id IS NULL OR c.last_message_id > p.last_hidden_message_id THEN c.last_message_id
	ELSE (SELECT m.id FROM messages AS m WHERE m.conversation_id = c.id AND m.id > p.hidden_up_to
		AND NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = p.party_id AND h.message_id = m.id)
		ORDER BY m.id DESC LIMIT 1) END AS viewer_last_message_id`

// VisibleMessages is how many of the thread's messages the viewer can still see.
func (t *Thread) VisibleMessages() int { return t.MessageCount - t.HiddenCount }

// Inbox statuses.
const (
	StatusAll      = "all"
	StatusUnread   = "unread"
	StatusRead     = "read"
	StatusArchived = "archived"
)

// InboxQuery selects and pages a viewer's threads. After pages by keyset; Offset jumps.
type InboxQuery struct {
	Status string
	Role   string
	Kind   string
	Text   string
	Limit  int
	After  *InboxCursor
	Offset int
}

// InboxCursor is the position of a thread in the inbox order. The order is the pinned threads
// in pin order (Pinned: At is when it was pinned), then the rest by last activity.
type InboxCursor struct {
	At     time.Time
	ID     int64
	Pinned bool
}

// InboxPage is one page of an inbox with the figures over the whole filtered set.
type InboxPage struct {
	Threads     []*Thread
	HasNext     bool
	TotalCount  int
	UnreadTotal int
}

func (s *Store) threadQuery(v Viewer) *bun.SelectQuery {
	return s.DB.NewSelect().
		TableExpr("participants AS p").
		Join("JOIN conversations AS c ON c.id = p.conversation_id").
		// By name, not c.*: conversations has columns no model reads (retention_day).
		ColumnExpr("c.id, c.kind, c.booking_id, c.listing_id, c.buyer_id, c.last_message_id, c.message_count, c.last_activity_at, c.created_at").
		ColumnExpr(`p.party_id AS viewer_party_id, p.role AS viewer_role,
			p.unread_count AS viewer_unread_count, p.last_read_message_id AS viewer_last_read_message_id,
			p.last_read_at AS viewer_last_read_at, p.archived_at AS viewer_archived_at,
			p.hidden_up_to AS viewer_hidden_up_to, p.hidden_count AS viewer_hidden_count,
			p.muted_at AS viewer_muted_at, p.muted_until AS viewer_muted_until, p.pinned_at AS viewer_pinned_at`).
		ColumnExpr(viewerLastExpr).
		Where("p.party_id = ? AND p.kind = ?", v.Party(), v.Kind())
}

// Inbox lists the viewer's threads: the pinned ones first (pin order), then the others,
// newest activity first. While the page starts among the pinned ones, the pinned lookup (a few
// rows of a small index) rides in the same statement as the keyset scan (UNION ALL); the scan
// leaves pinned rows out, so no thread shows on two pages. A page-numbered request (offset)
// reads the pinned ones first, as it needs their number.
func (s *Store) Inbox(ctx context.Context, v Viewer, q InboxQuery) (*InboxPage, error) {
	if page, done, err := s.openInboxFirstPage(ctx, v, q); done || err != nil {
		return page, err
	}
	page := &InboxPage{}
	if err := scanSelect(ctx, s.DB, s.inboxCounts(v, q), &page.TotalCount, &page.UnreadTotal); err != nil {
		return nil, fmt.Errorf("count inbox: %w", err)
	}
	rest := inboxFilter(s.threadQuery(v), q).Where("p.pinned_at IS NULL").
		OrderExpr("p.last_activity_at DESC, p.conversation_id DESC").
		Limit(q.Limit + 1)
	sel := rest
	var threads []*Thread
	switch {
	case q.After != nil && !q.After.Pinned:
		rest.Where("(p.last_activity_at, p.conversation_id) < (?, ?)", q.After.At, q.After.ID)
	case q.Offset > 0:
		pinned := s.pinnedQuery(v, q)
		if err := scanSelect(ctx, s.DB, pinned, &threads); err != nil {
			return nil, fmt.Errorf("list pinned: %w", err)
		}
		skip := min(q.Offset, len(threads))
		threads = threads[skip:]
		rest.Offset(q.Offset - skip)
	default:
		sel = s.pinnedQuery(v, q).UnionAll(rest)
	}
	var rows []*Thread
	if err := scanSelect(ctx, s.DB, sel, &rows); err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	threads = append(threads, rows...)
	sortPinnedFirst(threads)
	if len(threads) > q.Limit {
		threads, page.HasNext = threads[:q.Limit], true
	}
	page.Threads = threads
	return page, nil
}

// pinnedQuery selects the viewer's pinned threads that pass the filter, in pin order, after
// the cursor when it is a pinned one.
func (s *Store) pinnedQuery(v Viewer, q InboxQuery) *bun.SelectQuery {
	sel := inboxFilter(s.threadQuery(v), q).Where("p.pinned_at IS NOT NULL").
		OrderExpr("p.pinned_at, p.conversation_id").Limit(100) // MaxPinned, with room to spare
	if q.After != nil {
		sel.Where("(p.pinned_at, p.conversation_id) > (?, ?)", q.After.At, q.After.ID)
	}
	return sel
}

// sortPinnedFirst puts the rows in inbox order: a UNION ALL promises no order of its own.
func sortPinnedFirst(ts []*Thread) {
	slices.SortStableFunc(ts, func(a, b *Thread) int {
		switch {
		case a.PinnedAt != nil && b.PinnedAt != nil:
			return cmp.Or(a.PinnedAt.Compare(*b.PinnedAt), cmp.Compare(a.ID, b.ID))
		case a.PinnedAt != nil:
			return -1
		case b.PinnedAt != nil:
			return 1
		}
		return cmp.Or(b.LastActivityAt.Compare(a.LastActivityAt), cmp.Compare(b.ID, a.ID))
	})
}

// inboxCounts selects the totalCount and unreadTotal of an inbox query. The open inbox with no
// other filter, the page every client opens, sums the party's inbox_totals shards; a filtered
// one reads participants alone (an index-only scan of the party's threads) unless the text
// filter needs the conversation.
func (s *Store) inboxCounts(v Viewer, q InboxQuery) *bun.SelectQuery {
	if isOpenInbox(q) {
		return s.DB.NewSelect().TableExpr("inbox_totals").
			ColumnExpr("coalesce(sum(threads), 0), coalesce(sum(unread), 0)").
			Where("party_id = ? AND kind = ?", v.Party(), v.Kind())
	}
	agg := s.DB.NewSelect().
		TableExpr("participants AS p").
		ColumnExpr("count(*), coalesce(sum(p.unread_count), 0)").
		Where("p.party_id = ? AND p.kind = ?", v.Party(), v.Kind())
	if strings.TrimSpace(q.Text) != "" {
		agg.Join("JOIN conversations AS c ON c.id = p.conversation_id")
	}
	return inboxFilter(agg, q)
}

// isOpenInbox reports whether q asks for the open inbox with no other filter.
func isOpenInbox(q InboxQuery) bool {
	return (q.Status == "" || q.Status == StatusAll) && q.Role == "" && q.Kind == "" && strings.TrimSpace(q.Text) == ""
}

func inboxFilter(q *bun.SelectQuery, f InboxQuery) *bun.SelectQuery {
	switch f.Status {
	case StatusArchived:
		q.Where("p.deleted_at IS NULL AND p.archived_at IS NOT NULL")
	case StatusUnread:
		q.Where("p.deleted_at IS NULL AND p.archived_at IS NULL AND p.unread_count > 0")
	case StatusRead:
		q.Where("p.deleted_at IS NULL AND p.archived_at IS NULL AND p.unread_count = 0")
	default:
		q.Where("p.deleted_at IS NULL AND p.archived_at IS NULL")
	}
	if f.Role != "" {
		q.Where("p.role = ?", f.Role)
	}
	if f.Kind != "" {
		q.Where("p.kind = ?", f.Kind)
	}
	if text := strings.TrimSpace(f.Text); text != "" {
		like := "%" + escapeLike(text) + "%"
		q.Where(`(EXISTS (SELECT 1 FROM bookings b JOIN workshops w ON w.org_nr = b.workshop_org_nr
				JOIN users co ON co.id = b.car_owner_id
				WHERE b.id = c.booking_id AND (w.name ILIKE ?0 OR co.name ILIKE ?0 OR b.id::text = ?1))
			OR EXISTS (SELECT 1 FROM listings l JOIN users s ON s.id = l.seller_id JOIN users bu ON bu.id = c.buyer_id
				WHERE l.id = c.listing_id AND (l.title ILIKE ?0 OR s.name ILIKE ?0 OR bu.name ILIKE ?0))
			OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.id > p.hidden_up_to
				AND m.removed_at IS NULL AND m.body ILIKE ?0
				AND NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = p.party_id AND h.message_id = m.id)))`, like, text)
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Thread loads one conversation the viewer takes part in; any other is ErrNotFound.
func (s *Store) Thread(ctx context.Context, v Viewer, conversationID int64) (*Thread, error) {
	return s.threadWhere(ctx, v, "c.id = ?", conversationID)
}

// ThreadByBooking loads the thread of a booking the viewer takes part in.
func (s *Store) ThreadByBooking(ctx context.Context, v Viewer, bookingID int64) (*Thread, error) {
	return s.threadWhere(ctx, v, "c.booking_id = ?", bookingID)
}

func (s *Store) threadWhere(ctx context.Context, v Viewer, where string, arg any) (*Thread, error) {
	t := new(Thread)
	err := s.threadQuery(v).Where(where, arg).Where("p.deleted_at IS NULL").Limit(1).Scan(ctx, t)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("conversation: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	return t, nil
}

// Participants loads the participants of the given conversations, by conversation.
func (s *Store) Participants(ctx context.Context, conversationIDs []int64) (map[int64][]*Participant, error) {
	var ps []*Participant
	err := scanSelect(ctx, s.DB, s.DB.NewSelect().Model(&ps).Where("conversation_id IN (?)", bun.In(conversationIDs)).
		OrderExpr("conversation_id, joined_at, party_id"), &ps)
	if err != nil {
		return nil, fmt.Errorf("load participants: %w", err)
	}
	out := make(map[int64][]*Participant, len(conversationIDs))
	for _, p := range ps {
		out[p.ConversationID] = append(out[p.ConversationID], p)
	}
	return out, nil
}

// notDeleted (participants AS p) is "p.deleted_at IS NULL" spelled as the predicates of the
// two partial indexes that hold a party's rows between them, participants_open_idx and
// participants_closed_idx (archived), so that the planner reads both (a BitmapOr): no index
// holds all of a party's rows. anyParticipant is the same for every row, deleted ones too.
const (
	notDeleted     = "p.deleted_at IS NULL AND (p.archived_at IS NULL OR p.archived_at IS NOT NULL)"
	anyParticipant = "(p.deleted_at IS NULL AND p.archived_at IS NULL OR p.deleted_at IS NOT NULL OR p.archived_at IS NOT NULL)"
)

// SharesConversation reports whether the viewer and a user take part in a common thread.
func (s *Store) SharesConversation(ctx context.Context, v Viewer, userID string) (bool, error) {
	return s.DB.NewSelect().TableExpr("participants AS p").
		Join("JOIN participants AS o ON o.conversation_id = p.conversation_id").
		Join("LEFT JOIN users AS u ON u.id = ?", userID).
		Where("p.party_id = ? AND "+notDeleted, v.Party()).
		Where("o.party_id = ? OR o.party_id = 'org:' || u.org_nr", userID).
		Exists(ctx)
}

// Threads loads the given conversations that the viewer takes part in; others are left out.
func (s *Store) Threads(ctx context.Context, v Viewer, ids []int64) ([]*Thread, error) {
	var ts []*Thread
	if err := s.threadQuery(v).Where("c.id IN (?) AND p.deleted_at IS NULL", bun.In(ids)).Scan(ctx, &ts); err != nil {
		return nil, fmt.Errorf("load conversations: %w", err)
	}
	return ts, nil
}

// openPageStmt is the first page of the open inbox, the page every client opens, with its
// totals: one statement, prepared once per connection (its plan cost more than its run).
// $1 the party, $2 its kind, $3 the rows to read. The page is the party's few pinned threads
// (participants_pinned_idx) and the keyset index scan of the others bounded by the limit; the
// totals sum the party's inbox_totals shards. The rows come in no order: sortPinnedFirst.
var openPageStmt = &prepared{
	name:   "parley_inbox_open_page",
	params: "text, text, int",
	body: sync.OnceValue(func() string {
		// Columns by name, not c.*: a prepared c.* fails once a column is added (0A000).
		const open = `FROM participants WHERE party_id = $1 AND kind = $2 AND deleted_at IS NULL AND archived_at IS NULL`
		const cols = `conversation_id, party_id, role, unread_count, last_read_message_id, last_read_at, archived_at,
			hidden_up_to, hidden_count, last_hidden_message_id, muted_at, muted_until, pinned_at`
		return `SELECT ` + prefixedColumns("c", "", (*Conversation)(nil)) + `, p.party_id AS viewer_party_id, p.role AS viewer_role,
			p.unread_count AS viewer_unread_count, p.last_read_message_id AS viewer_last_read_message_id,
			p.last_read_at AS viewer_last_read_at, p.archived_at AS viewer_archived_at,
			p.hidden_up_to AS viewer_hidden_up_to, p.hidden_count AS viewer_hidden_count,
			p.muted_at AS viewer_muted_at, p.muted_until AS viewer_muted_until, p.pinned_at AS viewer_pinned_at,
			` + viewerLastExpr + `, tot.threads AS inbox_threads, tot.unread AS inbox_unread
		FROM ((SELECT ` + cols + ` ` + open + ` AND pinned_at IS NOT NULL
				ORDER BY pinned_at, conversation_id LIMIT 100)
			UNION ALL
			(SELECT ` + cols + ` ` + open + ` AND pinned_at IS NULL
				ORDER BY last_activity_at DESC, conversation_id DESC LIMIT $3)) AS p
		JOIN conversations AS c ON c.id = p.conversation_id
		CROSS JOIN (SELECT coalesce(sum(threads), 0) AS threads, coalesce(sum(unread), 0) AS unread
			FROM inbox_totals WHERE party_id = $1 AND kind = $2) AS tot`
	}),
}

// threadWithTotals is a row of openPageStmt.
type threadWithTotals struct {
	Thread
	InboxThreads int `bun:"inbox_threads"`
	InboxUnread  int `bun:"inbox_unread"`
}

var threadWithTotalsType = reflect.TypeFor[threadWithTotals]()

// openInboxFirstPage is Inbox for the first page of the open inbox, in one statement when the
// page has rows (an empty one reads its totals apart).
func (s *Store) openInboxFirstPage(ctx context.Context, v Viewer, q InboxQuery) (*InboxPage, bool, error) {
	if !isOpenInbox(q) || q.After != nil || q.Offset > 0 {
		return nil, false, nil
	}
	page := &InboxPage{Threads: make([]*Thread, 0, q.Limit+1)}
	threads := make([]Thread, 0, q.Limit+1)
	rows := eachRow[threadWithTotals]{table: s.DB.Table(threadWithTotalsType), each: func(r *threadWithTotals) {
		page.TotalCount, page.UnreadTotal = r.InboxThreads, r.InboxUnread
		page.Threads = append(page.Threads, keep(&threads, r.Thread))
	}}
	if err := s.scanPrepared(ctx, openPageStmt, rows, v.Party(), v.Kind(), q.Limit+1); err != nil {
		return nil, true, fmt.Errorf("list inbox: %w", err)
	}
	if len(page.Threads) == 0 {
		return nil, false, nil
	}
	sortPinnedFirst(page.Threads)
	if len(page.Threads) > q.Limit {
		page.Threads, page.HasNext = page.Threads[:q.Limit], true
	}
	return page, true, nil
}
