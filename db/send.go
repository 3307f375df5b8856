package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/i18n"
)

// MaxBodyRunes bounds a message's text.
const MaxBodyRunes = 10000

// SendInput is a message to add to a thread. Attachments carry files already stored.
type SendInput struct {
	ConversationID  int64
	Type            string
	Body            string
	TemplateID      *int64
	ClientMessageID string
	Attachments     []*Attachment
	// ReplyToID quotes a message of the same thread that the sender can see.
	ReplyToID *int64
	// WorkshopOrgNr, when set, must be the workshop of the thread's booking (the REST routes
	// that name it): a send to another workshop's thread is refused.
	WorkshopOrgNr string
}

// Validate checks what a client sends, before anything is written.
func (in *SendInput) Validate() error {
	switch in.Type {
	case "":
		in.Type = TypeText
	case TypeText, TypeImage, TypeDocument, TypeQuickReply:
	default:
		return Invalid("type", "must be text, image, document or quick_reply")
	}
	if (in.Type == TypeImage || in.Type == TypeDocument) && len(in.Attachments) == 0 {
		return Invalid("attachments", "a message of type %s needs an attachment", in.Type)
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" && len(in.Attachments) == 0 {
		return Rule("body", "a message needs text or at least one attachment")
	}
	if n := utf8.RuneCountInString(in.Body); n > MaxBodyRunes {
		return Invalid("body", "is %d characters, more than the %d allowed", n, MaxBodyRunes)
	}
	if !utf8.ValidString(in.Body) || strings.ContainsRune(in.Body, 0) {
		return Invalid("body", "is not valid UTF-8 text")
	}
	if len(in.ClientMessageID) > 128 {
		return Invalid("clientMessageId", "is longer than 128 characters")
	}
	return nil
}

// SendResult is what a send did: the message, the thread as the sender sees it after the send,
// and whether the message is new (false: a retry of an earlier send returned that message).
type SendResult struct {
	Message *Message
	Thread  *Thread
	Created bool
	// WorkshopOrgNr is the workshop of the thread's booking ("" for a listing conversation).
	WorkshopOrgNr string
}

// SendMessage adds a message to a thread the viewer takes part in. A retry with the same
// ClientMessageID returns the first message and created=false.
func (s *Store) SendMessage(ctx context.Context, v Viewer, in SendInput) (msg *Message, created bool, err error) {
	res, err := s.Send(ctx, v, in)
	if err != nil {
		return nil, false, err
	}
	return res.Message, res.Created, nil
}

// Send is SendMessage with the thread as it is after the send. It is one autocommit statement
// (parley_send, migration 20261130000020, last redefined by 20261201000170): one round trip to
// PostgreSQL, one commit that waits for the disk. Sends that arrive while others are in
// flight share their statement and commit (group commit, db/send_batch.go). The NOTIFY that
// wakes the live hubs goes out after it, off the send's path.
func (s *Store) Send(ctx context.Context, v Viewer, in SendInput) (*SendResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.sendGrouped(ctx, v, in) // db/send_batch.go
	if err != nil {
		return nil, err
	}
	// After the commit, not in it: a notifying transaction holds a database-wide lock through
	// its WAL flush, so sends that notify commit one at a time. Nor does the send wait for it:
	// this process's hub is poked at once, and the notifier wakes the other replicas' hubs with
	// the wake-ups of many sends in one statement (db/wake.go).
	if r.res.Created {
		s.wakes.wake(r.wakeUps())
	}
	return &r.res, nil
}

// sendError maps a send's failure: a concurrent send of the same clientMessageId in another
// thread that won the race (the unique index decides) is a conflict, not an internal error.
func sendError(err error) error {
	if isClientIDTaken(err) {
		return fmt.Errorf("clientMessageId already used: %w", ErrConflict)
	}
	return err
}

// sendSQL calls parley_send; its arguments are in the function's order.
const sendSQL = `SELECT * FROM parley_send(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// sendSQLTraced is sendSQL for a traced request: in the same statement, and so the same
// transaction, it sets parley.traceparent, which the webhook events the send queues record
// (migration 20261201000100). The title argument names t.tp (adding nothing) so that
// parley_send runs after set_config: a function in FROM that refers to an earlier item runs
// once per row of it, after it.
const sendSQLTraced = `SELECT s.* FROM (SELECT set_config('parley.traceparent', ?18, true) AS tp) AS t,
	parley_send(?0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 || left(t.tp, 0), ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) AS s`

// sendStmt is sendSQL prepared on each connection (db/prepared.go): parsing and planning the
// call cost PostgreSQL 50-70 µs a send.
var sendStmt = &prepared{name: "parley_send_go",
	params: "bigint, text, text, text, text, text, bigint, text, text, text, text, text[], text[], bigint[], text[], text[], text[], bigint",
	body:   func() string { return "SELECT * FROM parley_send(" + dollars(18) + ")" }}

// sendPrepared runs sendStmt with args on one of bdb's connections, preparing it there first
// when needed.
func sendPrepared(ctx context.Context, bdb *bun.DB, args []any, v Viewer, conv int64) (r *sendRow, err error) {
	err = onPrepared(ctx, bdb, sendStmt, len(args), func(conn bun.Conn, exec string) error {
		r, err = scanSend(conn.QueryRowContext(ctx, exec, args...), v, conv)
		return err
	})
	return r, err
}

// dollars is "$1, $2, ..., $n".
func dollars(n int) string {
	d := make([]string, n)
	for i := range d {
		d[i] = dollar(i + 1)
	}
	return strings.Join(d, ", ")
}

// traceparent is the W3C trace context of ctx's span when it is sampled: the parent of the
// webhook deliveries a send queues.
func traceparent(ctx context.Context) (string, bool) {
	if !trace.SpanContextFromContext(ctx).IsSampled() {
		return "", false
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c["traceparent"], true
}

// noFiles is the empty array every file column of a send without attachments gets, made once.
var noFiles = pgArray([]string{})

// send writes a validated message through idb: the database, or a transaction that sends a
// first message with the conversation it opens. The caller wakes the hubs (sendRow.wake).
func send(ctx context.Context, idb bun.IConn, v Viewer, in SendInput) (*sendRow, error) {
	n := len(in.Attachments)
	names, types, keys, urls, sums := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	sizes := make([]int64, n)
	for i, a := range in.Attachments {
		names[i], types[i], sizes[i], keys[i], urls[i], sums[i] = a.Name, a.ContentType, a.SizeBytes, a.StorageKey, a.URL, a.SHA256
	}
	var workshop any
	if in.WorkshopOrgNr != "" {
		workshop = in.WorkshopOrgNr
	}
	files := []any{noFiles, noFiles, noFiles, noFiles, noFiles, noFiles}
	if n > 0 {
		files = []any{pgArray(names), pgArray(types), pgArray(sizes), pgArray(keys), pgArray(urls), pgArray(sums)}
	}
	args := []any{in.ConversationID, v.Party(), v.UserID, v.Kind(), in.Type, in.Body,
		in.TemplateID, in.ClientMessageID, workshop, sendTitle(v), previewOf(in.Body),
		files[0], files[1], files[2], files[3], files[4], files[5], in.ReplyToID}
	var r *sendRow
	var err error
	if tp, ok := traceparent(ctx); ok {
		r, err = scanSend(idb.QueryRowContext(ctx, sendSQLTraced, append(args, tp)...), v, in.ConversationID)
	} else if bdb, ok := idb.(*bun.DB); ok {
		r, err = sendPrepared(ctx, bdb, args, v, in.ConversationID)
	} else {
		r, err = scanSend(idb.QueryRowContext(ctx, sendSQL, args...), v, in.ConversationID)
	}
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if err := r.refusal(in); err != nil {
		return nil, err
	}
	for i, id := range r.attachmentIDs {
		if i < n {
			in.Attachments[i].ID, in.Attachments[i].MessageID = id, r.res.Message.ID
		}
	}
	return r, nil
}

// wake tells the live hubs of every replica about a new message and its notifications, in
// one statement of its own (nothing for a retry: its events went out with the first send).
func (r *sendRow) wake(ctx context.Context, idb bun.IConn) error {
	if !r.res.Created {
		return nil
	}
	channels, payloads := r.wakeUps()
	return notify(ctx, idb, channels, payloads)
}

// wakeUps are the channels and payloads that announce the new message and its notifications.
func (r *sendRow) wakeUps() (channels, payloads []string) {
	m := r.res.Message
	channels = make([]string, 1, 1+len(r.noteIDs))
	payloads = make([]string, 1, 1+len(r.noteIDs))
	channels[0], payloads[0] = ChannelMessages, "m "+strconv.FormatInt(m.ID, 10)+" "+strconv.FormatInt(m.ConversationID, 10)
	for i, id := range r.noteIDs {
		channels = append(channels, ChannelState)
		payloads = append(payloads, "n "+r.noteUsers[i]+" "+strconv.FormatInt(id, 10))
	}
	return channels, payloads
}

// sendRow is parley_send's row: a code ("" when sent or replayed) and what was sent.
type sendRow struct {
	code          string
	attachmentIDs []int64
	res           SendResult
	// The notifications written, for the wake-up: their users and ids.
	noteUsers []string
	noteIDs   []int64
}

// scanSend reads parley_send's row. On a refusal every column but the code may be NULL.
func scanSend(row interface{ Scan(...any) error }, v Viewer, conversationID int64) (*sendRow, error) {
	// One struct for the columns scanned through pointers: one allocation, not twenty.
	var c struct {
		code, sender, senderRole, typ, body, kind, role, workshop sql.Null[string]
		created                                                   sql.Null[bool]
		msgID, lastRead, hiddenUpTo                               sql.Null[int64]
		count, unread, hiddenCount                                sql.Null[int]
		sentAt, activity, convCreated                             sql.Null[time.Time]
		ids, noteIDs                                              []int64
		noteUsers                                                 []string
	}
	m := &Message{ConversationID: conversationID, ViewerParty: v.Party()}
	t := &Thread{Conversation: Conversation{ID: conversationID}, ViewerParty: v.Party()}
	err := row.Scan(&c.code, &c.created,
		&c.msgID, &c.sender, &m.SenderUserID, &c.senderRole, &c.typ, &c.body, &m.TemplateID, &m.ClientMessageID,
		&m.RemovedAt, &c.sentAt, &m.ReadAt, pgArray(&c.ids),
		&c.kind, &t.BookingID, &t.ListingID, &t.BuyerID, &t.LastMessageID, &c.count, &c.activity, &c.convCreated,
		&c.role, &c.unread, &c.lastRead, &t.LastReadAt, &t.ArchivedAt, &c.hiddenUpTo, &c.hiddenCount,
		&c.workshop, pgArray(&c.noteUsers), pgArray(&c.noteIDs), &m.ReplyToID)
	if err != nil {
		return nil, err
	}
	m.ID, m.SenderPartyID, m.SenderRole, m.Type, m.Body, m.CreatedAt = c.msgID.V, c.sender.V, c.senderRole.V, c.typ.V, c.body.V, c.sentAt.V
	t.Kind, t.MessageCount, t.LastActivityAt, t.CreatedAt = c.kind.V, c.count.V, c.activity.V, c.convCreated.V
	t.ViewerRole, t.UnreadCount, t.LastReadMessageID, t.HiddenUpTo, t.HiddenCount = c.role.V, c.unread.V, c.lastRead.V, c.hiddenUpTo.V, c.hiddenCount.V
	if c.created.V {
		t.ViewerLastMessageID = t.LastMessageID // the sender's own new message
	} else {
		t.PreviewUnread = true // a retry's: the sender may have deleted the last one for itself since
	}
	if len(c.noteUsers) != len(c.noteIDs) {
		return nil, fmt.Errorf("%d notification users for %d ids", len(c.noteUsers), len(c.noteIDs))
	}
	return &sendRow{code: c.code.V, attachmentIDs: c.ids, noteUsers: c.noteUsers, noteIDs: c.noteIDs,
		res: SendResult{Message: m, Thread: t, Created: c.created.V, WorkshopOrgNr: c.workshop.V}}, nil
}

// refusal maps parley_send's codes to the domain's errors.
func (r *sendRow) refusal(in SendInput) error {
	switch r.code {
	case "":
		return nil
	case "not_found":
		return fmt.Errorf("conversation: %w", ErrNotFound)
	case "workshop":
		return Rule("workshopOrgNr", "%s is not the workshop of this thread", in.WorkshopOrgNr)
	case "used_elsewhere":
		return fmt.Errorf("clientMessageId already used in another conversation: %w", ErrConflict)
	case "used_differently":
		return fmt.Errorf("clientMessageId already used for a different message: %w", ErrConflict)
	case "blocked":
		return ErrBlocked
	case "erased":
		return fmt.Errorf("sender was erased: %w", ErrForbidden)
	case "reply_not_found":
		return Rule("replyToId", "is not a message of this conversation that you can see")
	}
	return fmt.Errorf("send: unknown refusal %q", r.code)
}

// sendTitle is the title of a send's notifications: one for every recipient, in the default
// locale, as the send writes the rows for all of them in one statement. Readers see them
// rendered in their own language (notification_text.go); pushes and digests render their own
// (package away).
func sendTitle(v Viewer) string {
	if v.Name != "" {
		return i18n.Text(i18n.Default, i18n.NewMessageFrom, v.Name)
	}
	return i18n.Text(i18n.Default, i18n.NewMessage)
}

// previewOf is a notification's text for a message body.
func previewOf(body string) string {
	if body == "" {
		return i18n.Text(i18n.Default, i18n.SentAttachment)
	}
	if utf8.RuneCountInString(body) <= 140 {
		return body
	}
	return string([]rune(body)[:139]) + "…"
}
