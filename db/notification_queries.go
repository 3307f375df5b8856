package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// NotificationQuery selects and pages a user's notifications, newest first.
type NotificationQuery struct {
	Status string // all, unread, read
	Type   string
	Since  *time.Time
	Limit  int
	After  *InboxCursor
	Offset int
}

// NotificationPage is one page of notifications with figures over the filtered set.
type NotificationPage struct {
	Notifications []*Notification
	HasNext       bool
	TotalCount    int
	UnreadTotal   int
}

// Notifications lists the viewer's notifications.
func (s *Store) Notifications(ctx context.Context, v Viewer, q NotificationQuery) (*NotificationPage, error) {
	page := &NotificationPage{}
	if err := s.countNotifications(ctx, v, q, page); err != nil {
		return nil, fmt.Errorf("count notifications: %w", err)
	}
	sel := notificationFilter(withReaderText(s.DB.NewSelect().Model(&page.Notifications)), v, q).
		OrderExpr("n.created_at DESC, n.id DESC").Limit(q.Limit + 1)
	if q.After != nil {
		sel.Where("(n.created_at, n.id) < (?, ?)", q.After.At, q.After.ID)
	} else if q.Offset > 0 {
		sel.Offset(q.Offset)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	if len(page.Notifications) > q.Limit {
		page.Notifications, page.HasNext = page.Notifications[:q.Limit], true
	}
	forAll(v, page.Notifications)
	return page, nil
}

// countNotifications sets the page's figures: from the user's counters when only the status
// filters, else by counting the filtered rows.
func (s *Store) countNotifications(ctx context.Context, v Viewer, q NotificationQuery, page *NotificationPage) error {
	if q.Type != "" || q.Since != nil {
		return notificationFilter(s.DB.NewSelect().TableExpr("notifications AS n"), v, q).
			ColumnExpr("count(*), count(*) FILTER (WHERE n.read_at IS NULL)").
			Scan(ctx, &page.TotalCount, &page.UnreadTotal)
	}
	var total, unread int
	err := s.DB.NewSelect().Table("notification_counts").ColumnExpr("coalesce(sum(total), 0), coalesce(sum(unread), 0)").
		Where("user_id = ?", v.UserID).Scan(ctx, &total, &unread)
	switch q.Status {
	case StatusUnread:
		page.TotalCount, page.UnreadTotal = unread, unread
	case StatusRead:
		page.TotalCount = total - unread
	default:
		page.TotalCount, page.UnreadTotal = total, unread
	}
	return err
}

func notificationFilter(q *bun.SelectQuery, v Viewer, f NotificationQuery) *bun.SelectQuery {
	q.Where("n.user_id = ?", v.UserID)
	switch f.Status {
	case StatusUnread:
		q.Where("n.read_at IS NULL")
	case StatusRead:
		q.Where("n.read_at IS NOT NULL")
	}
	if f.Type != "" {
		q.Where("n.type = ?", f.Type)
	}
	if f.Since != nil {
		q.Where("n.created_at >= ?", *f.Since)
	}
	return q
}

// Notification loads one of the viewer's notifications.
func (s *Store) Notification(ctx context.Context, v Viewer, id int64) (*Notification, error) {
	n := new(Notification)
	err := withReaderText(s.DB.NewSelect().Model(n)).Where("n.id = ? AND n.user_id = ?", id, v.UserID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("notification: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load notification: %w", err)
	}
	return n.For(v), nil
}

// NotificationsRead says what marking notifications read did.
type NotificationsRead struct {
	Updated        int
	MessagesMarked int
}

// MarkNotificationsRead marks the viewer's notifications read (all of them when ids is nil),
// and the messages they are about. Every id must be the viewer's.
func (s *Store) MarkNotificationsRead(ctx context.Context, v Viewer, ids []int64) (*NotificationsRead, error) {
	res := &NotificationsRead{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if ids != nil {
			if err := checkOwnNotifications(ctx, tx, v, ids); err != nil {
				return err
			}
		}
		// The messages are marked before the notifications, as a send and a thread read order
		// their locks: participants, then notification rows and counters. So the unread rows are
		// read without a lock, and the update below skips any another request marked meanwhile.
		var unread []struct {
			ID        int64 `bun:"id"`
			MessageID int64 `bun:"message_id"` // 0 for a notification about no message
		}
		q := tx.NewSelect().Table("notifications").ColumnExpr("id, coalesce(message_id, 0) AS message_id").
			Where("user_id = ? AND read_at IS NULL", v.UserID)
		if ids != nil {
			q.Where("id IN (?)", bun.In(ids))
		}
		if err := q.Scan(ctx, &unread); err != nil {
			return fmt.Errorf("find unread notifications: %w", err)
		}
		if len(unread) == 0 {
			return nil
		}
		var noteIDs, messageIDs []int64
		for _, n := range unread {
			noteIDs = append(noteIDs, n.ID)
			if n.MessageID != 0 {
				messageIDs = append(messageIDs, n.MessageID)
			}
		}
		if len(messageIDs) > 0 {
			n, err := markRead(ctx, tx, v.Party(), "m.id IN (?)", bun.In(messageIDs))
			if err != nil {
				return err
			}
			res.MessagesMarked = n
		}
		_, err := tx.NewUpdate().Table("notifications").Set("read_at = now()").
			Where("id IN (?) AND read_at IS NULL", bun.In(noteIDs)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark notifications read: %w", err)
		}
		res.Updated = len(noteIDs)
		return nil
	})
	return res, err
}

func checkOwnNotifications(ctx context.Context, tx bun.Tx, v Viewer, ids []int64) error {
	var found int
	err := tx.NewSelect().Table("notifications").ColumnExpr("count(DISTINCT id)").
		Where("user_id = ? AND id IN (?)", v.UserID, bun.In(ids)).Scan(ctx, &found)
	if err != nil {
		return fmt.Errorf("check notifications: %w", err)
	}
	if found != len(uniq(ids)) {
		return fmt.Errorf("notification: %w", ErrNotFound)
	}
	return nil
}

func uniq(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// UnreadCounts are the viewer's badges.
type UnreadCounts struct {
	Messages                int
	ConversationsWithUnread int
	Notifications           int
}

// Unread counts the viewer's unread messages (from the per-participant counters), threads with
// unread messages, and unread notifications.
func (s *Store) Unread(ctx context.Context, v Viewer) (*UnreadCounts, error) {
	u := &UnreadCounts{}
	err := s.DB.NewSelect().TableExpr("participants AS p").
		ColumnExpr("coalesce(sum(p.unread_count), 0), count(*)").
		Where("p.party_id = ? AND p.kind = ? AND p.unread_count > 0", v.Party(), v.Kind()).
		Where("p.deleted_at IS NULL AND p.archived_at IS NULL").
		Scan(ctx, &u.Messages, &u.ConversationsWithUnread)
	if err != nil {
		return nil, fmt.Errorf("count unread messages: %w", err)
	}
	err = s.DB.NewSelect().Table("notification_counts").ColumnExpr("coalesce(sum(unread), 0)").
		Where("user_id = ?", v.UserID).Scan(ctx, &u.Notifications)
	if err != nil {
		return nil, fmt.Errorf("count unread notifications: %w", err)
	}
	return u, nil
}
