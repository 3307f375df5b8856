package resolvers

import (
	"context"
	"encoding/base64"
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

// WriteInbox is a field middleware that answers the inbox root field by writing its JSON
// straight from the page and the primed loaders. gqlgen's generated executor spends a field
// context, closures and often a goroutine on every value (about 20 allocations each, 10,000 a
// page); the writer spends almost none. The inbox resolver still runs as usual (arguments,
// authorization, priming); only the marshaling differs. A selection the writer does not know,
// a deferred field, or a value gqlgen would report as an error (a missing row, a null where
// the schema forbids one) makes it hand the page back to the generated marshaling, so every
// error and every rarely asked field keeps gqlgen's exact behaviour.
func (r *Resolver) WriteInbox(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Query" || fc.Field.Name != "inbox" {
		return next(ctx)
	}
	res, err := next(ctx)
	conn, ok := res.(*graph.ConversationConnection)
	if err != nil || !ok || conn == nil {
		return res, err
	}
	buf := inboxBuffers.Get().(*[]byte)
	w := inboxWriter{ctx: ctx, r: r, oc: graphql.GetOperationContext(ctx), buf: (*buf)[:0]}
	ok = w.connection(fc.Field.Selections, conn)
	*buf = w.buf
	if !ok {
		if cap(*buf) <= 256<<10 {
			inboxBuffers.Put(buf)
		}
		return res, nil
	}
	return &pooledJSON{buf}, nil
}

// inboxBuffers keep the writer's buffers between requests: a page is 5-50 KB of JSON.
var inboxBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// pooledJSON is a value already written as JSON; its buffer goes back to the pool once
// written (gqlgen writes a root field's value once; one never written is left to the GC).
type pooledJSON struct{ buf *[]byte }

func (j *pooledJSON) MarshalGQL(w io.Writer) {
	if j.buf == nil {
		return
	}
	_, _ = w.Write(*j.buf)
	if cap(*j.buf) <= 256<<10 {
		inboxBuffers.Put(j.buf)
	}
	j.buf = nil
}

// Implementors of the types an inbox page shows, as the generated executor lists them.
var (
	connectionTypes  = []string{"ConversationConnection"}
	edgeTypes        = []string{"ConversationEdge"}
	pageInfoTypes    = []string{"PageInfo"}
	conversationTyps = []string{"Conversation", "Node"}
	bookingTypes     = []string{"Booking", "Node", "ConversationSubject"}
	listingTypes     = []string{"Listing", "Node", "ConversationSubject"}
	userTypes        = []string{"User", "Node"}
	workshopTypes    = []string{"Workshop", "Node"}
	participantTypes = []string{"Participant"}
	messageTypes     = []string{"Message", "Node"}
)

type inboxWriter struct {
	ctx    context.Context
	r      *Resolver
	oc     *graphql.OperationContext
	buf    []byte
	fields map[fieldsKey][]graphql.CollectedField
}

// fieldsKey names one selection set as seen from one type: every row of a page shares it.
type fieldsKey struct {
	sel *ast.Selection
	n   int // gqlgen merges repeated fields by appending: a longer set may share its first
	typ string
}

// collect is graphql.CollectFields, once per selection set and type for the whole page; nil
// when a field is deferred (the writer answers in one piece).
func (w *inboxWriter) collect(sel ast.SelectionSet, types []string) ([]graphql.CollectedField, bool) {
	if len(sel) == 0 {
		return nil, false
	}
	k := fieldsKey{&sel[0], len(sel), types[0]}
	if f, ok := w.fields[k]; ok {
		return f, true
	}
	f := graphql.CollectFields(w.oc, sel, types)
	for _, c := range f {
		if c.Deferrables != nil {
			return nil, false
		}
	}
	if w.fields == nil {
		w.fields = map[fieldsKey][]graphql.CollectedField{}
	}
	w.fields[k] = f
	return f, true
}

// object writes {"alias":value,...}; field writes one value and says whether it could.
func (w *inboxWriter) object(sel ast.SelectionSet, types []string, field func(f *graphql.CollectedField) bool) bool {
	fs, ok := w.collect(sel, types)
	if !ok {
		return false
	}
	w.buf = append(w.buf, '{')
	for i := range fs {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.str(fs[i].Alias)
		w.buf = append(w.buf, ':')
		if fs[i].Name == "__typename" {
			w.str(types[0])
		} else if !field(&fs[i]) {
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

func (w *inboxWriter) connection(sel ast.SelectionSet, c *graph.ConversationConnection) bool {
	return w.object(sel, connectionTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "totalCount":
			w.int(int64(c.TotalCount))
		case "unreadTotal":
			w.int(int64(c.UnreadTotal))
		case "pageInfo":
			return w.pageInfo(f.Selections, c.PageInfo)
		case "nodes":
			return list(w, c.Nodes, func(t *db.Thread) bool { return w.conversation(f.Selections, t) })
		case "edges":
			return list(w, c.Edges, func(e *graph.ConversationEdge) bool { return w.edge(f.Selections, e) })
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) pageInfo(sel ast.SelectionSet, p *graph.PageInfo) bool {
	return w.object(sel, pageInfoTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "hasNextPage":
			w.bool(p.HasNextPage)
		case "hasPreviousPage":
			w.bool(p.HasPreviousPage)
		case "startCursor":
			w.optStr(p.StartCursor)
		case "endCursor":
			w.optStr(p.EndCursor)
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) edge(sel ast.SelectionSet, e *graph.ConversationEdge) bool {
	return w.object(sel, edgeTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "cursor":
			w.str(e.Cursor)
		case "node":
			return w.conversation(f.Selections, e.Node)
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) conversation(sel ast.SelectionSet, t *db.Thread) bool {
	c := &conversationResolver{w.r}
	return w.object(sel, conversationTyps, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			w.globalID("Conversation", strconv.AppendInt(nil, t.ID, 10))
		case "conversationId":
			w.buf = append(w.buf, '"')
			w.buf = strconv.AppendInt(w.buf, t.ID, 10)
			w.buf = append(w.buf, '"')
		case "kind":
			w.enum(t.Kind)
		case "viewerRole":
			w.enum(t.ViewerRole)
		case "unreadCount":
			w.int(int64(t.UnreadCount))
		case "totalMessages":
			w.int(int64(t.VisibleMessages()))
		case "archived":
			w.bool(t.ArchivedAt != nil)
		case "lastActivityAt":
			return w.time(t.LastActivityAt)
		case "createdAt":
			return w.time(t.CreatedAt)
		case "lastReadAt":
			w.optTime(t.LastReadAt)
		case "muted":
			w.bool(t.Muted(time.Now()))
		case "mutedUntil":
			until, _ := c.MutedUntil(w.ctx, t)
			w.optTime(until)
		case "pinnedAt":
			w.optTime(t.PinnedAt)
		case "subject":
			s, err := c.Subject(w.ctx, t)
			return err == nil && w.subject(f.Selections, s)
		case "booking":
			b, err := c.Booking(w.ctx, t)
			return err == nil && (b == nil && w.null() || b != nil && w.booking(f.Selections, b))
		case "listing":
			l, err := c.Listing(w.ctx, t)
			return err == nil && (l == nil && w.null() || l != nil && w.listing(f.Selections, l))
		case "participants":
			ps, err := c.Participants(w.ctx, t)
			return err == nil && list(w, ps, func(p *db.Participant) bool { return w.participant(f.Selections, p) })
		case "lastMessage":
			m, err := c.LastMessage(w.ctx, t)
			return err == nil && (m == nil && w.null() || m != nil && w.message(f.Selections, m))
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) subject(sel ast.SelectionSet, s db.Subject) bool {
	switch s := s.(type) {
	case *db.Booking:
		return s != nil && w.booking(sel, s)
	case *db.Listing:
		return s != nil && w.listing(sel, s)
	}
	return false
}

func (w *inboxWriter) booking(sel ast.SelectionSet, b *db.Booking) bool {
	return w.object(sel, bookingTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			w.globalID("Booking", strconv.AppendInt(nil, b.ID, 10))
		case "bookingId":
			w.int(b.ID)
		case "createdAt":
			return w.time(b.CreatedAt)
		case "carOwner":
			u, err := loadOne(w.ctx, w.r.loaders(w.ctx).users, b.CarOwnerID)
			return err == nil && u != nil && w.user(f.Selections, u)
		case "workshop":
			ws, err := loadOne(w.ctx, w.r.loaders(w.ctx).workshops, b.WorkshopOrgNr)
			return err == nil && ws != nil && w.workshop(f.Selections, ws)
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) listing(sel ast.SelectionSet, l *db.Listing) bool {
	return w.object(sel, listingTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			w.globalID("Listing", []byte(l.ID))
		case "listingId":
			w.str(l.ID)
		case "title":
			w.str(l.Title)
		case "price":
			return w.float(l.Price)
		case "thumbnailUrl":
			w.str(l.ThumbnailURL)
		case "status":
			w.enum(l.Status)
		case "seller":
			u, err := loadOne(w.ctx, w.r.loaders(w.ctx).users, l.SellerID)
			return err == nil && u != nil && w.user(f.Selections, u)
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) user(sel ast.SelectionSet, u *db.User) bool {
	return w.object(sel, userTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			w.globalID("User", []byte(u.ID))
		case "userId":
			w.str(u.ID)
		case "role":
			w.enum(u.Role)
		case "name":
			w.str(u.Name)
		case "avatarUrl":
			w.str(u.AvatarURL)
		case "verified":
			w.bool(u.Verified)
		case "orgNr":
			w.optStr(u.OrgNr)
		case "lastSeenAt":
			w.optTime(u.LastSeenAt)
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) workshop(sel ast.SelectionSet, ws *db.Workshop) bool {
	return w.object(sel, workshopTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			w.globalID("Workshop", []byte(ws.OrgNr))
		case "orgNr":
			w.str(ws.OrgNr)
		case "name":
			w.str(ws.Name)
		case "addressLine":
			w.str(ws.AddressLine)
		case "city":
			w.str(ws.City)
		case "postalCode":
			w.str(ws.PostalCode)
		case "avgRating":
			return w.float(ws.AvgRating)
		case "totalReviews":
			w.int(int64(ws.TotalReviews))
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) participant(sel ast.SelectionSet, p *db.Participant) bool {
	pr := &participantResolver{w.r}
	return w.object(sel, participantTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "role":
			w.enum(p.Role)
		case "name":
			name, err := pr.Name(w.ctx, p)
			if err != nil {
				return false
			}
			w.str(name)
		case "isViewer":
			is, _ := pr.IsViewer(w.ctx, p)
			w.bool(is)
		case "lastReadMessageId":
			if p.LastReadMessageID == 0 {
				w.null()
			} else {
				w.globalID("Message", strconv.AppendInt(nil, p.LastReadMessageID, 10))
			}
		case "lastReadAt":
			w.optTime(p.LastReadAt)
		case "user":
			u, err := pr.User(w.ctx, p)
			return err == nil && (u == nil && w.null() || u != nil && w.user(f.Selections, u))
		case "workshop":
			ws, err := pr.Workshop(w.ctx, p)
			return err == nil && (ws == nil && w.null() || ws != nil && w.workshop(f.Selections, ws))
		default:
			return false
		}
		return true
	})
}

func (w *inboxWriter) message(sel ast.SelectionSet, m *db.Message) bool {
	return w.object(sel, messageTypes, func(f *graphql.CollectedField) bool {
		switch f.Name {
		case "id":
			w.globalID("Message", strconv.AppendInt(nil, m.ID, 10))
		case "messageId":
			w.int(m.ID)
		case "conversationId":
			w.globalID("Conversation", strconv.AppendInt(nil, m.ConversationID, 10))
		case "type":
			w.enum(m.Type)
		case "body":
			body, _ := (&messageResolver{w.r}).Body(w.ctx, m)
			w.str(body)
		case "senderRole":
			w.str(m.SenderRole)
		case "isMine":
			w.bool(m.IsMine())
		case "isRead":
			w.bool(m.ReadAt != nil)
		case "readAt":
			w.optTime(m.ReadAt)
		case "clientMessageId":
			w.optStr(m.ClientMessageID)
		case "removed":
			w.bool(m.RemovedAt != nil)
		case "createdAt":
			return w.time(m.CreatedAt)
		case "sender":
			u, err := (&messageResolver{w.r}).Sender(w.ctx, m)
			return err == nil && (u == nil && w.null() || u != nil && w.user(f.Selections, u))
		default:
			return false
		}
		return true
	})
}

// list writes a JSON array of items, each written by one.
func list[T any](w *inboxWriter, items []T, one func(T) bool) bool {
	w.buf = append(w.buf, '[')
	for i, it := range items {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if !one(it) {
			return false
		}
	}
	w.buf = append(w.buf, ']')
	return true
}

// Scalars, written as gqlgen's marshalers write them.

func (w *inboxWriter) null() bool { w.buf = append(w.buf, "null"...); return true }

func (w *inboxWriter) int(n int64) { w.buf = strconv.AppendInt(w.buf, n, 10) }

func (w *inboxWriter) bool(b bool) { w.buf = strconv.AppendBool(w.buf, b) }

func (w *inboxWriter) float(f float64) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	w.buf = strconv.AppendFloat(w.buf, f, 'g', -1, 64)
	return true
}

// time writes a non-null Time; a zero time is gqlgen's null error, so the page goes back.
func (w *inboxWriter) time(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	w.buf = append(w.buf, '"')
	w.buf = t.AppendFormat(w.buf, time.RFC3339Nano)
	w.buf = append(w.buf, '"')
	return true
}

func (w *inboxWriter) optTime(t *time.Time) {
	if t == nil || t.IsZero() {
		w.null()
		return
	}
	w.time(*t)
}

func (w *inboxWriter) optStr(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.str(*s)
}

// enum writes a stored lower-case value as its upper-case GraphQL enum value.
func (w *inboxWriter) enum(s string) {
	w.buf = append(w.buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		w.buf = append(w.buf, c)
	}
	w.buf = append(w.buf, '"')
}

// globalID writes base64("Type:key"), as globalID does.
func (w *inboxWriter) globalID(typ string, key []byte) {
	raw := append(append([]byte(typ), ':'), key...)
	w.buf = append(w.buf, '"')
	w.buf = base64.RawURLEncoding.AppendEncode(w.buf, raw)
	w.buf = append(w.buf, '"')
}

// str writes a JSON string escaped as gqlgen's MarshalString escapes it.
func (w *inboxWriter) str(s string) {
	const hex = "0123456789ABCDEF"
	w.buf = append(w.buf, '"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		w.buf = append(w.buf, s[start:i]...)
		switch c {
		case '\t':
			w.buf = append(w.buf, `\t`...)
		case '\r':
			w.buf = append(w.buf, `\r`...)
		case '\n':
			w.buf = append(w.buf, `\n`...)
		case '\\':
			w.buf = append(w.buf, `\\`...)
		case '"':
			w.buf = append(w.buf, `\"`...)
		default:
			w.buf = append(w.buf, `\u00`...)
			w.buf = append(w.buf, hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	w.buf = append(w.buf, s[start:]...)
	w.buf = append(w.buf, '"')
}
