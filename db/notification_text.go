package db

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/parley/parley/i18n"
)

// A notification's texts are rendered when it is read, in its reader's language: the send
// writes one row per recipient in one statement and cannot look up each recipient's locale
// without more work on the hot path. The stored title and body stay as written (in
// i18n.Default): the text of types with no key, and of rows whose message is gone.

// TextLocale is the one place that decides the language of the texts a viewer reads: the
// token's locale claim, else the locale stored on the user (back office or an earlier token),
// else i18n.Default.
func (v Viewer) TextLocale(stored string) string {
	if v.Locale != "" {
		return i18n.Locale(v.Locale)
	}
	return i18n.Locale(stored)
}

// withReaderText selects a notification with what rendering it needs: its user's stored
// locale, the name of its message's sender, and whether that message is attachments only.
// Joins by primary key in the same statement: no round trip more per page.
func withReaderText(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr("n.*").
		ColumnExpr("coalesce(ru.locale, '') AS user_locale, coalesce(su.name, '') AS sender_name").
		ColumnExpr("coalesce(m.body = '' AND m.removed_at IS NULL AND m.unsent_at IS NULL, false) AS attachment_only").
		ColumnExpr("m.id IS NOT NULL AS has_message").
		Join("LEFT JOIN users AS ru ON ru.id = n.user_id").
		Join("LEFT JOIN messages AS m ON m.id = n.message_id").
		Join("LEFT JOIN users AS su ON su.id = m.sender_user_id")
}

// For is n as viewer v reads it: a copy with its title (and an attachment-only message's
// text) in v's language. n must have been read with withReaderText.
func (n *Notification) For(v Viewer) *Notification {
	out := *n
	if n.Type != NotificationMessageReceived || !n.HasMessage {
		return &out
	}
	loc := v.TextLocale(n.UserLocale)
	out.Title = i18n.Text(loc, i18n.NewMessage)
	if n.SenderName != "" {
		out.Title = i18n.Text(loc, i18n.NewMessageFrom, n.SenderName)
	}
	if n.AttachmentOnly {
		out.Body = i18n.Text(loc, i18n.SentAttachment)
	}
	return &out
}

// forAll renders a page of notifications for v, in place.
func forAll(v Viewer, ns []*Notification) {
	for i, n := range ns {
		ns[i] = n.For(v)
	}
}

// localizeNotificationEvents renders the title and body of claimed notification.created
// events about a message in their recipient's language (the user's stored locale, else
// i18n.Default): the send queues them with the text written once for every recipient. One
// statement, only for a batch that holds such events. A failed lookup keeps the queued text:
// a display detail never holds a delivery back.
func localizeNotificationEvents(ctx context.Context, idb bun.IDB, jobs []*WebhookJob) {
	ids := map[*WebhookJob]int64{}
	var keys []int64
	for _, j := range jobs {
		if id, ok := eventNotificationID(j); ok {
			ids[j] = id
			keys = append(keys, id)
		}
	}
	if len(keys) == 0 {
		return
	}
	var ns []*Notification
	if err := withReaderText(idb.NewSelect().Model(&ns)).Where("n.id IN (?)", bun.In(keys)).Scan(ctx); err != nil {
		slog.Warn("webhooks: load notification texts", "err", err)
		return
	}
	byID := make(map[int64]*Notification, len(ns))
	for _, n := range ns {
		byID[n.ID] = n.For(Viewer{})
	}
	for j, id := range ids {
		if n := byID[id]; n != nil && n.Type == NotificationMessageReceived {
			j.EventData = withNotificationText(j.EventData, n.Title, n.Body)
		}
	}
}

// eventNotificationID is the notification a notification.created event is about.
func eventNotificationID(j *WebhookJob) (int64, bool) {
	if j.EventType != EventNotificationCreated {
		return 0, false
	}
	var ev struct {
		Notification struct {
			ID string `json:"id"`
		} `json:"notification"`
	}
	if json.Unmarshal(j.EventData, &ev) != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(ev.Notification.ID, "ntf_"), 10, 64)
	return id, err == nil
}

// withNotificationText is an event's data with its notification's title and body replaced;
// every other value is kept as queued.
func withNotificationText(data json.RawMessage, title, body string) json.RawMessage {
	var top, note map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil || json.Unmarshal(top["notification"], &note) != nil {
		return data
	}
	note["title"], _ = json.Marshal(title)
	note["body"], _ = json.Marshal(body)
	var err error
	if top["notification"], err = json.Marshal(note); err != nil {
		return data
	}
	out, err := json.Marshal(top)
	if err != nil {
		return data
	}
	return out
}
