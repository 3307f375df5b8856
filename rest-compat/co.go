package restcompat

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// coMessage is a message as the car-owner and workshop routes show it. The aliases exist for
// older clients and always agree: text = message = content = message_text,
// sender_role = from = sender_type, unread = !is_read.
type coMessage struct {
	ID            int64            `json:"id"`
	BookingID     int64            `json:"booking_id"`
	WorkshopOrgNr string           `json:"workshop_org_nr"`
	SenderType    string           `json:"sender_type"`
	MessageText   string           `json:"message_text"`
	Attachments   []attachmentWire `json:"attachments"`
	IsRead        bool             `json:"is_read"`
	CreatedAt     string           `json:"created_at"`
	Text          string           `json:"text"`
	Message       string           `json:"message"`
	Content       string           `json:"content"`
	SenderRole    string           `json:"sender_role"`
	From          string           `json:"from"`
	Unread        bool             `json:"unread"`
	// Removed says a moderator removed the message: its text is then empty.
	Removed bool `json:"removed"`
	// Unsent says the sender unsent it: its text is then empty and it has no attachments.
	Unsent bool `json:"unsent"`
	// EditedAt is when the sender last edited it, or null.
	EditedAt *string `json:"edited_at"`
}

func (d *display) coMessage(m *resolvers.Message, b *resolvers.Booking) coMessage {
	text := messageText(m)
	out := coMessage{ID: m.ID, SenderType: m.SenderRole, MessageText: text, Attachments: d.attachmentsOf(m.ID),
		IsRead: m.ReadAt != nil, CreatedAt: ts(m.CreatedAt), Text: text, Message: text, Content: text,
		SenderRole: m.SenderRole, From: m.SenderRole, Unread: m.ReadAt == nil, Removed: m.RemovedAt != nil,
		Unsent: m.UnsentAt != nil, EditedAt: timeString(m.EditedAt)}
	if b != nil {
		out.BookingID, out.WorkshopOrgNr = b.ID, b.WorkshopOrgNr
	}
	return out
}

// coInboxRow is a booking thread in an inbox. Workshops see the car owner named instead.
type coInboxRow struct {
	ID            int64   `json:"id"`
	ThreadID      string  `json:"thread_id"`
	BookingID     int64   `json:"booking_id"`
	WorkshopOrgNr string  `json:"workshop_org_nr"`
	WorkshopName  string  `json:"workshop_name,omitempty"`
	CarOwnerID    string  `json:"car_owner_id,omitempty"`
	CarOwnerName  string  `json:"car_owner_name,omitempty"`
	OrgNr         string  `json:"org_nr"`
	LastMessage   any     `json:"last_message"`
	UnreadCount   int     `json:"unread_count"`
	TotalMessages int     `json:"total_messages"`
	UpdatedAt     string  `json:"updated_at"`
	ReadAt        *string `json:"read_at"`
}

func (d *display) inboxRow(t *resolvers.Thread, forWorkshop bool) coInboxRow {
	b := d.bookings[deref(t.BookingID)]
	row := coInboxRow{ID: t.ID, ThreadID: strconv.FormatInt(t.ID, 10), UnreadCount: t.UnreadCount,
		TotalMessages: t.VisibleMessages(), UpdatedAt: ts(t.LastActivityAt), ReadAt: timeString(t.LastReadAt),
		LastMessage: map[string]any{}}
	if b != nil {
		row.BookingID, row.WorkshopOrgNr, row.OrgNr = b.ID, b.WorkshopOrgNr, b.WorkshopOrgNr
		if forWorkshop {
			row.CarOwnerID, row.CarOwnerName = b.CarOwnerID, d.userName(b.CarOwnerID)
		} else {
			row.WorkshopName = d.workshopName(b.WorkshopOrgNr)
		}
	}
	if m := d.lastMsgs[t.ID]; m != nil {
		row.LastMessage = d.coMessage(m, b)
	}
	return row
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}

// bookingInbox serves the inbox of booking threads for CO and WS.
func (a *api) bookingInbox(w http.ResponseWriter, r *http.Request, fam family) {
	p, err := pageParams(r, 20, "page_size", "size")
	if err != nil {
		fail(w, r, fam, err)
		return
	}
	a.writeInbox(w, r, fam, p)
}

func (a *api) writeInbox(w http.ResponseWriter, r *http.Request, fam family, p pageReq) {
	v, _ := auth.User(r.Context())
	filter := &graph.InboxFilter{Kind: ptr(graph.ConversationKindBooking)}
	if q := searchText(r); q != "" {
		filter.Query = &q
	}
	conn, err := a.res.QueryRoot().Inbox(r.Context(), &p.size, nil, p.offset(), filter)
	if err != nil {
		fail(w, r, fam, err)
		return
	}
	d, err := a.loadDisplay(r.Context(), v.Party(), conn.Nodes, nil)
	if err != nil {
		fail(w, r, fam, err)
		return
	}
	rows := make([]coInboxRow, len(conn.Nodes))
	for i, t := range conn.Nodes {
		rows[i] = d.inboxRow(t, fam == familyWS)
	}
	m := pageMeta(p, conn.TotalCount)
	m["unread_total"] = conn.UnreadTotal
	body := map[string]any{"data": rows, "meta": m, "links": pageLinks(r, p, conn.TotalCount)}
	if fam == familyWS {
		body["success"], body["message"] = true, "OK"
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *api) coInbox(w http.ResponseWriter, r *http.Request) { a.bookingInbox(w, r, familyCO) }

// bookingThread serves a booking thread's messages, oldest first, by page.
func (a *api) bookingThread(w http.ResponseWriter, r *http.Request, fam family, bookingID int) {
	p, err := pageParams(r, 50, "size", "page_size")
	var t *resolvers.Thread
	if err == nil {
		t, err = a.res.QueryRoot().BookingConversation(r.Context(), bookingID)
	}
	var conn *graph.MessageConnection
	if err == nil {
		conn, err = a.res.QueryRoot().Messages(r.Context(), strconv.FormatInt(t.ID, 10), &p.size, nil, nil, nil, p.offset(), nil)
	}
	if err != nil {
		fail(w, r, fam, err)
		return
	}
	v, _ := auth.User(r.Context())
	d, err := a.loadDisplay(r.Context(), v.Party(), []*resolvers.Thread{t}, conn.Nodes)
	if err != nil {
		fail(w, r, fam, err)
		return
	}
	b := d.bookings[int64(bookingID)]
	if b == nil {
		fail(w, r, fam, fmt.Errorf("booking: %w", apierror.ErrNotFound))
		return
	}
	msgs := make([]coMessage, len(conn.Nodes))
	for i, m := range conn.Nodes {
		msgs[i] = d.coMessage(m, b)
	}
	m := pageMeta(p, conn.TotalCount)
	m["org_nr"], m["unread_count"], m["booking_id"] = b.WorkshopOrgNr, t.UnreadCount, bookingID
	body := map[string]any{"data": msgs, "meta": m, "links": pageLinks(r, p, conn.TotalCount)}
	if fam == familyWS {
		body["success"], body["message"] = true, "OK"
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *api) coThread(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "booking_id")
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	a.bookingThread(w, r, familyCO, id)
}

// readBody is the body of mark-read and read-up-to.
type readBody struct {
	ThreadID   any    `json:"thread_id"`
	LastReadID *int64 `json:"last_read_id"`
	LastReadAt string `json:"last_read_at"`
}

// input checks both fields, whichever is used: last_read_id wins when both are given, as
// upToMessageId does in GraphQL.
func (b readBody) input(conversationID int64) (graph.MarkConversationReadInput, error) {
	in := graph.MarkConversationReadInput{ConversationID: strconv.FormatInt(conversationID, 10)}
	if b.LastReadAt != "" {
		t, err := upToTime("last_read_at", b.LastReadAt)
		if err != nil {
			return in, err
		}
		in.UpToTime = t
	}
	if b.LastReadID != nil {
		if *b.LastReadID <= 0 {
			return in, apierror.Invalid("last_read_id", "must be a positive message id")
		}
		in.UpToMessageID = ptr(strconv.FormatInt(*b.LastReadID, 10))
	}
	return in, nil
}

// markThreadRead marks a thread read for the caller and writes the legacy counts.
func (a *api) markThreadRead(w http.ResponseWriter, r *http.Request, conversationID int64, body readBody) {
	in, err := body.input(conversationID)
	var res *graph.MarkReadPayload
	if err == nil {
		res, err = a.res.MutationRoot().MarkConversationRead(r.Context(), in)
	}
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"updated": res.Updated, "json_updated": res.Updated,
		"unread_count": res.UnreadCount, "read_at": timeString(res.ReadAt)})
}

func (a *api) coMarkRead(w http.ResponseWriter, r *http.Request) {
	var body readBody
	if err := decodeJSON(r, &body); err != nil {
		fail(w, r, familyCO, err)
		return
	}
	id, err := threadIDParam(body.ThreadID)
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	a.markThreadRead(w, r, id, body)
}

// threadIDParam reads thread_id, a string (or, leniently, a number) holding a conversation id.
func threadIDParam(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return 0, apierror.Invalid("thread_id", "is required")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, apierror.Invalid("thread_id", "%q is not a thread id", s)
	}
	return n, nil
}

func (a *api) coReadUpTo(w http.ResponseWriter, r *http.Request) {
	bookingID, err := pathInt(r, "booking_id")
	var body readBody
	if err == nil {
		err = decodeJSON(r, &body)
	}
	if err == nil && body.LastReadID == nil && body.LastReadAt == "" {
		err = apierror.Invalid("last_read_id", "is required")
	}
	var t *resolvers.Thread
	if err == nil {
		t, err = a.res.QueryRoot().BookingConversation(r.Context(), bookingID)
	}
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	a.markThreadRead(w, r, t.ID, body)
}

// sendBody is a JSON send on the car-owner and workshop routes.
type sendBody struct {
	ThreadID    any          `json:"thread_id"`
	BookingID   *int         `json:"booking_id"`
	Message     string       `json:"message"`
	OrgNr       string       `json:"org_nr"`
	Attachments []descriptor `json:"attachments"`
	// ClientMessageID (or the Idempotency-Key header) makes a retry return the first send.
	ClientMessageID string `json:"client_message_id"`
}

// readSend reads a JSON or multipart send: text, and attachment descriptors or files.
func (a *api) readSend(w http.ResponseWriter, r *http.Request) (sendBody, []*graph.AttachmentInput, error) {
	var body sendBody
	if !isMultipart(r) {
		err := decodeJSON(r, &body)
		var atts []*graph.AttachmentInput
		for _, d := range body.Attachments {
			atts = append(atts, d.input())
		}
		return body, atts, err
	}
	if err := a.parseMultipart(w, r); err != nil {
		return body, nil, err
	}
	body.ThreadID, body.Message, body.OrgNr = r.FormValue("thread_id"), r.FormValue("message"), r.FormValue("org_nr")
	body.ClientMessageID = r.FormValue("client_message_id")
	if r.FormValue("thread_id") == "" {
		body.ThreadID = nil
	}
	if raw := r.FormValue("booking_id"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n <= 0 {
			return body, nil, apierror.Invalid("booking_id", "%q is not a booking id", raw)
		}
		body.BookingID = &n
	}
	atts, err := uploads(r, "files")
	return body, atts, err
}

// sendFieldNames are the booking routes' names for the send arguments.
var sendFieldNames = fieldNames{"body": "message", "conversationId": "thread_id", "clientMessageId": "client_message_id",
	"workshopOrgNr": "org_nr"}

// sendToThread sends into a booking thread and writes the message with the thread's unread count.
// The send's one statement checks org_nr and returns the booking's workshop and the unread count;
// only a message that may have attachments (a retry, or a send with files) reads them after.
func (a *api) sendToThread(w http.ResponseWriter, r *http.Request, fam family, conversationID int64, body sendBody, atts []*graph.AttachmentInput) {
	key, err := idempotencyKey(r, body.ClientMessageID)
	var res *resolvers.SendResult
	if err == nil {
		res, err = a.res.Send(r.Context(), graph.SendMessageInput{
			ConversationID: strconv.FormatInt(conversationID, 10), Body: &body.Message, Attachments: atts, ClientMessageID: key}, body.OrgNr)
	}
	d := &display{attachments: map[int64][]*resolvers.Attachment{}}
	if err == nil && (!res.Created || len(atts) > 0) {
		err = d.loadAttachments(r.Context(), a.res, []*resolvers.Message{res.Message})
	}
	if err != nil {
		fail(w, r, fam, sendFieldNames.rename(err))
		return
	}
	markReplay(w, res.Created)
	b := &resolvers.Booking{ID: deref(res.Thread.BookingID), WorkshopOrgNr: res.WorkshopOrgNr}
	out := map[string]any{"message": d.coMessage(res.Message, b), "unread_count": res.Thread.UnreadCount}
	ok(w, fam, http.StatusCreated, "Message sent", out)
}

func (a *api) coSend(w http.ResponseWriter, r *http.Request) {
	body, atts, err := a.readSend(w, r)
	var id int64
	if err == nil {
		id, err = threadIDParam(body.ThreadID)
	}
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	a.sendToThread(w, r, familyCO, id, body, atts)
}
