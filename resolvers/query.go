package resolvers

import (
	"context"

	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

const (
	maxPage         = MaxPageSize
	defaultMessages = 50
)

// MaxPageSize and MaxOffset bound every list, whichever door asks.
const (
	MaxPageSize = 100
	MaxOffset   = 1_000_000
)

func (r *queryResolver) Viewer(ctx context.Context) (*db.User, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	return loadOne(ctx, r.loaders(ctx).users, v.UserID)
}

func (r *queryResolver) Inbox(ctx context.Context, first *int, after *string, offset *int, filter *graph.InboxFilter) (*graph.ConversationConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	q, err := inboxQuery(first, after, offset, filter)
	if err != nil {
		return nil, err
	}
	page, err := r.Store.Inbox(ctx, v, q)
	if err != nil {
		return nil, err
	}
	if graphql.HasOperationContext(ctx) { // other front doors load their own display data
		if err := r.primeInbox(ctx, v, page.Threads); err != nil {
			return nil, err
		}
	}
	conn := &graph.ConversationConnection{
		Nodes: page.Threads, TotalCount: page.TotalCount, UnreadTotal: page.UnreadTotal,
		PageInfo: &graph.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: q.After != nil || q.Offset > 0},
	}
	setPageEnds(conn.PageInfo, page.Threads, inboxCursor)
	// A query that asks for nodes only gets no edges: a cursor per row is most of the
	// connection's own allocations.
	if !graphql.HasOperationContext(ctx) || selects(ctx, "edges") {
		conn.Edges = make([]*graph.ConversationEdge, len(page.Threads))
		for i, t := range page.Threads {
			conn.Edges[i] = &graph.ConversationEdge{Cursor: inboxCursor(t), Node: t}
		}
	}
	return conn, nil
}

func inboxQuery(first *int, after *string, offset *int, f *graph.InboxFilter) (db.InboxQuery, error) {
	var q db.InboxQuery
	var err error
	if q.Limit, err = pageSize("first", first, 20, maxPage); err != nil {
		return q, err
	}
	if q.After, err = parseInboxCursor("after", after); err != nil {
		return q, err
	}
	if q.Offset, err = offsetArg(offset); err != nil {
		return q, err
	}
	if f != nil {
		if f.Status != nil {
			q.Status = strings.ToLower(string(*f.Status))
		}
		if f.Role != nil {
			q.Role = strings.ToLower(string(*f.Role))
		}
		if f.Kind != nil {
			q.Kind = strings.ToLower(string(*f.Kind))
		}
		if f.Query != nil {
			q.Text = *f.Query
			if len(q.Text) > 200 {
				return q, db.Invalid("filter.query", "must be at most 200 characters")
			}
		}
	}
	return q, nil
}

func setPageEnds[E any](pi *graph.PageInfo, edges []E, cursor func(E) string) {
	if len(edges) > 0 {
		start, end := cursor(edges[0]), cursor(edges[len(edges)-1])
		pi.StartCursor, pi.EndCursor = &start, &end
	}
}

func (r *queryResolver) Conversation(ctx context.Context, id string) (*db.Thread, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	cid, err := parseIntID("id", "Conversation", id)
	if err != nil {
		return nil, err
	}
	return r.Store.Thread(ctx, v, cid)
}

func (r *queryResolver) BookingConversation(ctx context.Context, bookingID int) (*db.Thread, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if bookingID <= 0 {
		return nil, db.Invalid("bookingId", "must be a positive integer")
	}
	return r.Store.ThreadByBooking(ctx, v, int64(bookingID))
}

func (r *queryResolver) Messages(ctx context.Context, conversationID string, first *int, after *string, last *int, before *string, offset *int, beforeTime *time.Time) (*graph.MessageConnection, error) {
	t, err := r.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	return r.threadMessages(ctx, t, messageArgs{first, after, last, before, offset, beforeTime})
}

// messageArgs are the paging arguments of a thread's messages.
type messageArgs struct {
	first      *int
	after      *string
	last       *int
	before     *string
	offset     *int
	beforeTime *time.Time
}

// threadMessages pages a thread the viewer is already authorised for.
func (r *Resolver) threadMessages(ctx context.Context, t *db.Thread, a messageArgs) (*graph.MessageConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	p, err := messagePage(a)
	if err != nil {
		return nil, err
	}
	list, err := r.Store.Messages(ctx, v, t, p)
	if err != nil {
		return nil, err
	}
	forward := p.After > 0 || p.FromOldest
	conn := &graph.MessageConnection{
		Nodes: list.Messages, TotalCount: t.VisibleMessages(),
		Edges: make([]*graph.MessageEdge, len(list.Messages)),
		PageInfo: &graph.PageInfo{
			HasNextPage:     (forward && list.HasMore) || (!forward && (p.Before > 0 || p.Offset > 0)),
			HasPreviousPage: (!forward && list.HasMore) || (forward && (p.After > 0 || p.Offset > 0)),
		},
	}
	for i, m := range list.Messages {
		conn.Edges[i] = &graph.MessageEdge{Cursor: messageCursor(m.ID), Node: m}
	}
	setPageEnds(conn.PageInfo, conn.Edges, func(e *graph.MessageEdge) string { return e.Cursor })
	return conn, nil
}

func messagePage(a messageArgs) (db.MessagePage, error) {
	p := db.MessagePage{BeforeTime: a.beforeTime}
	var err error
	if a.first != nil && a.last != nil {
		return p, db.Invalid("first", "give first or last, not both")
	}
	if p.After, err = parseMessageCursor("after", a.after); err != nil {
		return p, err
	}
	if p.Before, err = parseMessageCursor("before", a.before); err != nil {
		return p, err
	}
	if p.After > 0 && p.Before > 0 {
		return p, db.Invalid("after", "give after or before, not both")
	}
	if p.Offset, err = offsetArg(a.offset); err != nil {
		return p, err
	}
	p.FromOldest = a.first != nil
	size, name := a.last, "last"
	if a.first != nil {
		size, name = a.first, "first"
	}
	p.Limit, err = pageSize(name, size, defaultMessages, maxPage)
	return p, err
}

func (r *queryResolver) Notifications(ctx context.Context, first *int, after *string, offset *int, filter *graph.NotificationFilter) (*graph.NotificationConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	q := db.NotificationQuery{}
	if q.Limit, err = pageSize("first", first, 20, maxPage); err != nil {
		return nil, err
	}
	if q.After, err = parseTimeCursor("after", after); err != nil {
		return nil, err
	}
	if q.Offset, err = offsetArg(offset); err != nil {
		return nil, err
	}
	if filter != nil {
		if filter.Status != nil {
			q.Status = strings.ToLower(string(*filter.Status))
		}
		if filter.Type != nil {
			q.Type = *filter.Type
		}
		q.Since = filter.Since
	}
	page, err := r.Store.Notifications(ctx, v, q)
	if err != nil {
		return nil, err
	}
	conn := &graph.NotificationConnection{
		Nodes: page.Notifications, TotalCount: page.TotalCount, UnreadTotal: page.UnreadTotal,
		Edges:    make([]*graph.NotificationEdge, len(page.Notifications)),
		PageInfo: &graph.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: q.After != nil || q.Offset > 0},
	}
	for i, n := range page.Notifications {
		conn.Edges[i] = &graph.NotificationEdge{Cursor: timeCursor(n.CreatedAt, n.ID), Node: n}
	}
	setPageEnds(conn.PageInfo, conn.Edges, func(e *graph.NotificationEdge) string { return e.Cursor })
	return conn, nil
}

func (r *queryResolver) Notification(ctx context.Context, id string) (*db.Notification, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	nid, err := parseIntID("id", "Notification", id)
	if err != nil {
		return nil, err
	}
	return r.Store.Notification(ctx, v, nid)
}

func (r *queryResolver) UnreadCounts(ctx context.Context) (*db.UnreadCounts, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Unread(ctx, v)
}

func (r *queryResolver) MessageTemplates(ctx context.Context) ([]*db.MessageTemplate, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Templates(ctx, v)
}

func (r *queryResolver) SearchWorkshops(ctx context.Context, query string, near *graph.GeoPoint, first *int) (*graph.WorkshopSearchResults, error) {
	if _, err := viewer(ctx); err != nil {
		return nil, err
	}
	limit, err := pageSize("first", first, 20, maxPage)
	if err != nil {
		return nil, err
	}
	if len(query) > 200 {
		return nil, db.Invalid("query", "must be at most 200 characters")
	}
	var pt *db.Point
	if near != nil {
		if near.Latitude < -90 || near.Latitude > 90 || near.Longitude < -180 || near.Longitude > 180 {
			return nil, db.Invalid("near", "latitude must be within ±90 and longitude within ±180")
		}
		pt = &db.Point{Lat: near.Latitude, Lng: near.Longitude}
	}
	hits, err := r.Store.SearchWorkshops(ctx, query, pt, limit)
	if err != nil {
		return nil, err
	}
	res := &graph.WorkshopSearchResults{Results: hits, Query: query}
	if len(hits) > 0 {
		res.Count = hits[0].Total
	}
	return res, nil
}

// Node resolves a global id to the object, if the viewer may see it.
func (r *queryResolver) Node(ctx context.Context, id string) (db.Node, error) {
	typ, key, ok := decodeGlobalID(id)
	if ok && typ == "Report" {
		return r.nodeReport(ctx, key)
	}
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, db.Invalid("id", "%q is not a global id", id)
	}
	n, err := strconv.ParseInt(key, 10, 64)
	switch typ {
	case "Attachment":
		return r.Store.Attachment(ctx, v, n)
	case "Conversation":
		return r.Store.Thread(ctx, v, n)
	case "Message":
		return r.Store.Message(ctx, v, n)
	case "Notification":
		return r.Store.Notification(ctx, v, n)
	case "MessageTemplate":
		return r.Store.Template(ctx, v, n)
	case "User":
		return r.nodeUser(ctx, v, key)
	case "Workshop":
		return loadOne(ctx, r.loaders(ctx).workshops, key)
	case "Booking", "Listing":
		return r.nodeSubject(ctx, v, typ, key, n, err)
	}
	return nil, fmt.Errorf("node %q: %w", id, db.ErrNotFound)
}
