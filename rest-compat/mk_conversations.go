package restcompat

import (
	"net/http"
	"strings"
	"time"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// mkConversationRow is a conversation in the list.
type mkConversationRow struct {
	ID          string         `json:"id"`
	Listing     mkListing      `json:"listing"`
	Participant mkPerson       `json:"participant"`
	LastMessage *mkLastMessage `json:"last_message"`
	UnreadCount int            `json:"unread_count"`
	CreatedAt   string         `json:"created_at"`
	UpdatedAt   string         `json:"updated_at"`
}

// mkLastMessage is the newest message the caller can see; read is relative to the caller.
type mkLastMessage struct {
	Content string `json:"content"`
	Sender  string `json:"sender"`
	SentAt  string `json:"sent_at"`
	Read    bool   `json:"read"`
	Removed bool   `json:"removed"`
	Unsent  bool   `json:"unsent"`
}

func (d *mkDisplay) conversationRow(t *resolvers.Thread) mkConversationRow {
	row := mkConversationRow{ID: mkWireID(mkPrefixConversation, t.ID), Listing: d.listing(t), Participant: d.person(t),
		UnreadCount: t.UnreadCount, CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.LastActivityAt)}
	if m := d.lastMsgs[t.ID]; m != nil {
		row.LastMessage = &mkLastMessage{Content: messageText(m), Sender: mkSenderID(m), SentAt: ts(m.CreatedAt), Read: m.ReadAt != nil,
			Removed: m.RemovedAt != nil, Unsent: m.UnsentAt != nil}
	}
	return row
}

// mkInboxFilter reads status (all, unread, read, archived) and role (buyer, seller).
func mkInboxFilter(r *http.Request) (*graph.InboxFilter, error) {
	f := &graph.InboxFilter{Kind: ptr(graph.ConversationKindListing)}
	if s := strings.TrimSpace(r.URL.Query().Get("status")); s != "" {
		st := graph.InboxStatus(strings.ToUpper(s))
		if !st.IsValid() {
			return nil, apierror.Invalid("status", "%q is not all, unread, read or archived", s)
		}
		f.Status = &st
	}
	switch role := strings.TrimSpace(r.URL.Query().Get("role")); role {
	case "":
	case resolvers.RoleBuyer, resolvers.RoleSeller:
		f.Role = ptr(graph.Role(strings.ToUpper(role)))
	default:
		return nil, apierror.Invalid("role", "%q is not buyer or seller", role)
	}
	return f, nil
}

// mkConversations lists the caller's conversations, newest activity first. summary counts
// every conversation of the caller's inbox (status all) and its unread messages, whatever the
// filter.
func (a *api) mkConversations(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 20, "limit")
	var f *graph.InboxFilter
	if err == nil {
		f, err = mkInboxFilter(r)
	}
	var conn, all *graph.ConversationConnection
	if err == nil {
		conn, err = a.res.QueryRoot().Inbox(r.Context(), &p.size, nil, p.offset(), f)
	}
	all = conn
	if err == nil && (f.Role != nil || (f.Status != nil && *f.Status != graph.InboxStatusAll)) {
		all, err = a.res.QueryRoot().Inbox(r.Context(), ptr(1), nil, nil, &graph.InboxFilter{Kind: f.Kind})
	}
	v, _ := auth.User(r.Context())
	var d *mkDisplay
	if err == nil {
		d, err = a.loadMK(r.Context(), v, conn.Nodes, nil)
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	rows := make([]mkConversationRow, len(conn.Nodes))
	for i, t := range conn.Nodes {
		rows[i] = d.conversationRow(t)
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{
		"conversations": rows,
		"pagination":    mkPagination(p, conn.TotalCount),
		"summary":       map[string]any{"total": all.TotalCount, "unread": all.UnreadTotal},
	})
}

// mkConversationParam reads the conversation id of the path: {id} on /v1, {threadId} on /api.
func mkConversationParam(r *http.Request) (string, error) {
	if raw := r.PathValue("threadId"); raw != "" {
		return mkParseID("threadId", mkPrefixConversation, raw)
	}
	return mkParseID("id", mkPrefixConversation, r.PathValue("id"))
}

// mkConversation shows a conversation and a page of its messages, oldest first: page 1 is the
// newest limit messages, page 2 the ones before them. before keeps messages sent before that
// time. total counts every message the caller can see in the conversation.
func (a *api) mkConversation(w http.ResponseWriter, r *http.Request) {
	id, err := mkConversationParam(r)
	var p pageReq
	if err == nil {
		p, err = pageParams(r, 50, "limit")
	}
	var before *time.Time
	if err == nil {
		before, err = timeParam(r, "before")
	}
	var t *resolvers.Thread
	if err == nil {
		t, err = a.res.QueryRoot().Conversation(r.Context(), id)
	}
	var conn *graph.MessageConnection
	if err == nil {
		conn, err = a.res.QueryRoot().Messages(r.Context(), id, nil, nil, &p.size, nil, p.offset(), before)
	}
	v, _ := auth.User(r.Context())
	var d *mkDisplay
	if err == nil {
		d, err = a.loadMK(r.Context(), v, []*resolvers.Thread{t}, conn.Nodes)
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	msgs := make([]mkMessage, len(conn.Nodes))
	for i, m := range conn.Nodes {
		msgs[i] = d.mkMessage(m)
	}
	pg := mkPagination(p, conn.TotalCount)
	pg["has_more"] = conn.PageInfo.HasPreviousPage
	ok(w, familyMK, http.StatusOK, "", map[string]any{
		"conversation": map[string]any{"id": mkWireID(mkPrefixConversation, t.ID), "listing": d.listing(t), "participant": d.presence(t, time.Now())},
		"messages":     msgs,
		"pagination":   pg,
	})
}

// mkStartBody is the body of a start: listing_id and an optional first message.
type mkStartBody struct {
	ListingID       string `json:"listing_id"`
	Message         string `json:"message"`
	ClientMessageID string `json:"client_message_id"`
}

var mkStartNames = fieldNames{"listingId": "listing_id", "bookingId": "listing_id", "body": "message", "type": "type",
	"clientMessageId": "client_message_id"}

func (a *api) mkStart(w http.ResponseWriter, r *http.Request) {
	var body mkStartBody
	if err := decodeJSON(r, &body); err != nil {
		fail(w, r, familyMK, err)
		return
	}
	a.mkStartConversation(w, r, body, mkStartNames)
}

// mkStartConversation opens (or finds) the caller's conversation about a listing: 201 when it
// was created, 200 when it existed. A non-empty message is sent either way.
func (a *api) mkStartConversation(w http.ResponseWriter, r *http.Request, body mkStartBody, names fieldNames) {
	listingID, err := mkParseListingID(names["listingId"], body.ListingID)
	var key *string
	if err == nil {
		key, err = idempotencyKey(r, body.ClientMessageID)
	}
	var res *graph.StartConversationPayload
	if err == nil {
		in := graph.StartConversationInput{ListingID: &listingID, ClientMessageID: key}
		if strings.TrimSpace(body.Message) != "" {
			in.Message = &body.Message
		}
		res, err = a.res.MutationRoot().StartConversation(r.Context(), in)
	}
	v, _ := auth.User(r.Context())
	var d *mkDisplay
	if err == nil {
		d, err = a.loadMK(r.Context(), v, []*resolvers.Thread{res.Conversation}, nil)
	}
	if err != nil {
		fail(w, r, familyMK, names.rename(err))
		return
	}
	t := res.Conversation
	l, p := d.listing(t), d.person(t)
	conv := map[string]any{"id": mkWireID(mkPrefixConversation, t.ID), "listing": map[string]any{"id": l.ID, "title": l.Title},
		"participant": map[string]any{"id": p.ID, "name": p.Name}, "created_at": ts(t.CreatedAt)}
	var msg any
	if m := res.Message; m != nil {
		msg = map[string]any{"id": mkWireID(mkPrefixMessage, m.ID), "content": messageText(m), "sent_at": ts(m.CreatedAt)}
	}
	st := http.StatusOK
	if res.Created {
		st = http.StatusCreated
	}
	ok(w, familyMK, st, "", map[string]any{"conversation": conv, "message": msg})
}

func (a *api) mkArchive(w http.ResponseWriter, r *http.Request)   { a.mkSetArchived(w, r, true) }
func (a *api) mkUnarchive(w http.ResponseWriter, r *http.Request) { a.mkSetArchived(w, r, false) }

// mkSetArchived archives or unarchives a conversation for the caller only.
func (a *api) mkSetArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	id, err := mkConversationParam(r)
	var res *graph.ConversationPayload
	if err == nil && archived {
		res, err = a.res.MutationRoot().ArchiveConversation(r.Context(), id)
	} else if err == nil {
		res, err = a.res.MutationRoot().UnarchiveConversation(r.Context(), id)
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	t := res.Conversation
	ok(w, familyMK, http.StatusOK, "", map[string]any{
		"conversation": map[string]any{"id": mkWireID(mkPrefixConversation, t.ID), "archived": t.ArchivedAt != nil}})
}

// mkDelete deletes a conversation for the caller, for good; the other side keeps it.
func (a *api) mkDelete(w http.ResponseWriter, r *http.Request) {
	id, err := mkConversationParam(r)
	if err == nil {
		_, err = a.res.MutationRoot().DeleteConversation(r.Context(), id)
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"deleted": true, "id": id})
}

// mkUnread is the caller's unread messages and conversations holding them.
func (a *api) mkUnread(w http.ResponseWriter, r *http.Request) {
	u, err := a.res.QueryRoot().UnreadCounts(r.Context())
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"unread_count": u.Messages, "conversations_with_unread": u.ConversationsWithUnread})
}
