package restcompat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// coNotification is a notification as the car-owner routes show it; read_at is null while
// it is unread.
type coNotification struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Title     string          `json:"title"`
	Body      string          `json:"body"`
	Data      json.RawMessage `json:"data"`
	IsRead    bool            `json:"is_read"`
	CreatedAt string          `json:"created_at"`
	ReadAt    *string         `json:"read_at"`
}

func newCONotification(n *resolvers.Notification) coNotification {
	data := n.Data
	if len(data) == 0 || string(data) == "null" {
		data = json.RawMessage("{}")
	}
	return coNotification{ID: n.ID, Type: n.Type, Title: n.Title, Body: n.Body, Data: data,
		IsRead: n.ReadAt != nil, CreatedAt: ts(n.CreatedAt), ReadAt: timeString(n.ReadAt)}
}

// coNotifications lists the caller's notifications, newest first, by page.
func (a *api) coNotifications(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 20, "page_size", "size")
	var filter *graph.NotificationFilter
	if err == nil {
		filter, err = notificationFilter(r)
	}
	var conn *graph.NotificationConnection
	if err == nil {
		conn, err = a.res.QueryRoot().Notifications(r.Context(), &p.size, nil, p.offset(), filter)
	}
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	rows := make([]coNotification, len(conn.Nodes))
	for i, n := range conn.Nodes {
		rows[i] = newCONotification(n)
	}
	m := pageMeta(p, conn.TotalCount)
	m["unread_total"] = conn.UnreadTotal
	writeJSON(w, http.StatusOK, map[string]any{"data": rows, "meta": m, "links": pageLinks(r, p, conn.TotalCount)})
}

// notificationFilter reads status (all, read, unread), type and since.
func notificationFilter(r *http.Request) (*graph.NotificationFilter, error) {
	f := &graph.NotificationFilter{}
	switch s := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("status"))); s {
	case "", "all":
	case "read":
		f.Status = ptr(graph.NotificationStatusRead)
	case "unread":
		f.Status = ptr(graph.NotificationStatusUnread)
	default:
		return nil, apierror.Invalid("status", "%q is not one of all, read, unread", s)
	}
	if t := strings.TrimSpace(r.URL.Query().Get("type")); t != "" {
		f.Type = &t
	}
	since, err := timeParam(r, "since")
	f.Since = since
	return f, err
}

// idsBody is the body of the notifications' mark-read.
type idsBody struct {
	IDs []int64 `json:"ids"`
}

func (a *api) coNotificationsMarkRead(w http.ResponseWriter, r *http.Request) {
	var body idsBody
	if err := decodeJSON(r, &body); err != nil {
		fail(w, r, familyCO, err)
		return
	}
	ids := make([]string, len(body.IDs))
	for i, id := range body.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	res, err := a.res.MutationRoot().MarkNotificationsRead(r.Context(), ids)
	writeNotificationsRead(w, r, res, err)
}

func (a *api) coNotificationsReadAll(w http.ResponseWriter, r *http.Request) {
	res, err := a.res.MutationRoot().MarkAllNotificationsRead(r.Context())
	writeNotificationsRead(w, r, res, err)
}

func writeNotificationsRead(w http.ResponseWriter, r *http.Request, res *graph.MarkNotificationsReadPayload, err error) {
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"updated": res.Updated, "messages_marked": res.MessagesMarked})
}

func (a *api) coNotificationsUnread(w http.ResponseWriter, r *http.Request) {
	u, err := a.res.QueryRoot().UnreadCounts(r.Context())
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"unread_count": u.Notifications}, "meta": meta(w)})
}

func (a *api) coNotification(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	var n *resolvers.Notification
	if err == nil {
		n, err = a.res.QueryRoot().Notification(r.Context(), strconv.Itoa(id))
	}
	if err == nil && n == nil {
		err = fmt.Errorf("notification %d: %w", id, apierror.ErrNotFound)
	}
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	writeJSON(w, http.StatusOK, newCONotification(n))
}
