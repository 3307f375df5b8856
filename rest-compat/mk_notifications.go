package restcompat

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// mkNotification is a notification on the marketplace routes.
type mkNotification struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	Data      map[string]any `json:"data"`
	Read      bool           `json:"read"`
	ReadAt    *string        `json:"read_at"`
	CreatedAt string         `json:"created_at"`
}

func mkNotificationWire(n *resolvers.Notification) mkNotification {
	return mkNotification{ID: mkWireID(mkPrefixNotification, n.ID), Type: n.Type, Title: n.Title, Body: n.Body,
		Data: mkNotificationData(n.Data), Read: n.ReadAt != nil, ReadAt: timeString(n.ReadAt), CreatedAt: ts(n.CreatedAt)}
}

// mkNotificationData is a notification's data with the ids it names in marketplace form.
func mkNotificationData(raw json.RawMessage) map[string]any {
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || out == nil {
		return map[string]any{}
	}
	for key, prefix := range map[string]string{"conversation_id": mkPrefixConversation, "message_id": mkPrefixMessage} {
		if n, ok := out[key].(json.Number); ok {
			out[key] = prefix + n.String()
		}
	}
	if s, ok := out["listing_id"].(string); ok && !strings.HasPrefix(s, mkPrefixListing) {
		out["listing_id"] = mkPrefixListing + s
	}
	return out
}

// mkNotificationFilter reads status (all, unread, read), type and since.
func mkNotificationFilter(r *http.Request) (*graph.NotificationFilter, bool, error) {
	f := &graph.NotificationFilter{}
	filtered := false
	if s := strings.TrimSpace(r.URL.Query().Get("status")); s != "" {
		st := graph.NotificationStatus(strings.ToUpper(s))
		if !st.IsValid() {
			return nil, false, apierror.Invalid("status", "%q is not all, unread or read", s)
		}
		f.Status, filtered = &st, st != graph.NotificationStatusAll
	}
	if t := strings.TrimSpace(r.URL.Query().Get("type")); t != "" {
		f.Type, filtered = &t, true
	}
	since, err := timeParam(r, "since")
	if since != nil {
		f.Since, filtered = since, true
	}
	return f, filtered, err
}

// mkNotifications lists the caller's notifications, newest first. unread_count is the
// caller's unread notifications, whatever the filter.
func (a *api) mkNotifications(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 20, "limit")
	var f *graph.NotificationFilter
	filtered := false
	if err == nil {
		f, filtered, err = mkNotificationFilter(r)
	}
	var conn *graph.NotificationConnection
	if err == nil {
		conn, err = a.res.QueryRoot().Notifications(r.Context(), &p.size, nil, p.offset(), f)
	}
	var unread int
	if err == nil {
		unread = conn.UnreadTotal
		if filtered {
			var u *resolvers.UnreadCounts
			if u, err = a.res.QueryRoot().UnreadCounts(r.Context()); err == nil {
				unread = u.Notifications
			}
		}
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	out := make([]mkNotification, len(conn.Nodes))
	for i, n := range conn.Nodes {
		out[i] = mkNotificationWire(n)
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"notifications": out,
		"pagination": mkPagination(p, conn.TotalCount), "unread_count": unread})
}

func (a *api) mkNotificationsUnread(w http.ResponseWriter, r *http.Request) {
	u, err := a.res.QueryRoot().UnreadCounts(r.Context())
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"unread_count": u.Notifications})
}

var mkNotificationNames = fieldNames{"ids": "id"}

// mkNotificationRead marks one notification read, and the message it is about.
func (a *api) mkNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("id", mkPrefixNotification, r.PathValue("id"))
	var res *graph.MarkNotificationsReadPayload
	if err == nil {
		res, err = a.res.MutationRoot().MarkNotificationsRead(r.Context(), []string{id})
	}
	a.mkWriteNotificationsRead(w, r, res, err)
}

func (a *api) mkNotificationsReadAll(w http.ResponseWriter, r *http.Request) {
	res, err := a.res.MutationRoot().MarkAllNotificationsRead(r.Context())
	a.mkWriteNotificationsRead(w, r, res, err)
}

func (a *api) mkWriteNotificationsRead(w http.ResponseWriter, r *http.Request, res *graph.MarkNotificationsReadPayload, err error) {
	if err != nil {
		fail(w, r, familyMK, mkNotificationNames.rename(err))
		return
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"updated": res.Updated, "messages_marked": res.MessagesMarked})
}
