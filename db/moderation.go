package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ErrBlocked refuses a message to someone who blocked the sender.
var ErrBlocked = fmt.Errorf("the other participant does not accept your messages: %w", ErrForbidden)

// Block makes the viewer's party refuse messages from a user.
func (s *Store) Block(ctx context.Context, v Viewer, userID string) error {
	if userID == v.UserID {
		return Rule("userId", "you cannot block yourself")
	}
	ok, err := s.SharesConversation(ctx, v, userID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("user: %w", ErrNotFound) // only people one has talked with
	}
	_, err = s.DB.NewInsert().Model(&Block{BlockerParty: v.Party(), BlockedUserID: userID}).
		ModelTableExpr("blocks").On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("block: %w", err)
	}
	return nil
}

// Unblock lifts a block; lifting one that is not there is fine.
func (s *Store) Unblock(ctx context.Context, v Viewer, userID string) error {
	_, err := s.DB.NewDelete().TableExpr("blocks").
		Where("blocker_party = ? AND blocked_user_id = ?", v.Party(), userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("unblock: %w", err)
	}
	return nil
}

// Blocked lists the users the viewer's party blocks.
func (s *Store) Blocked(ctx context.Context, v Viewer) ([]string, error) {
	var ids []string
	err := s.DB.NewSelect().TableExpr("blocks").Column("blocked_user_id").
		Where("blocker_party = ?", v.Party()).Order("created_at").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	return ids, nil
}

// ReportQuery selects reports for moderators.
type ReportQuery struct {
	Status string
	Reason string
	Limit  int
	After  *InboxCursor
}

// Reports lists reports for the back office, oldest first.
func (s *Store) Reports(ctx context.Context, q ReportQuery) ([]*Report, bool, error) {
	var rs []*Report
	sel := s.DB.NewSelect().Model(&rs).OrderExpr("r.created_at, r.id").Limit(q.Limit + 1)
	if q.Status != "" {
		sel.Where("r.status = ?", q.Status)
	}
	if q.Reason != "" {
		sel.Where("r.reason = ?", q.Reason)
	}
	if q.After != nil {
		sel.Where("(r.created_at, r.id) > (?, ?)", q.After.At, q.After.ID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("list reports: %w", err)
	}
	if len(rs) > q.Limit {
		return rs[:q.Limit], true, nil
	}
	return rs, false, nil
}

// ResolveReport closes an open report: dismissed, or with its message removed for both
// participants (its text gone). Other open reports of the same message are resolved with it.
func (s *Store) ResolveReport(ctx context.Context, id int64, remove bool, note string) (*Report, error) {
	r := new(Report)
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(r).Where("r.id = ?", id).For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("report: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("load report: %w", err)
		}
		if r.Status != "open" {
			return fmt.Errorf("report %d is already %s: %w", id, r.Status, ErrConflict)
		}
		status := "dismissed"
		if remove {
			status = "removed"
			if err := removeMessage(ctx, tx, r.MessageID); err != nil {
				return err
			}
		}
		now := time.Now()
		r.Status, r.ResolvedAt, r.ResolutionNote = status, &now, note
		_, err = tx.NewUpdate().Model(r).Column("status", "resolved_at", "resolution_note").WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("resolve report: %w", err)
		}
		if remove {
			_, err = tx.NewUpdate().Table("reports").Set("status = 'removed', resolved_at = now()").
				Where("message_id = ? AND status = 'open'", r.MessageID).Exec(ctx)
		}
		return err
	})
	return r, err
}

// removeMessage blanks a message for everyone and drops its files from view. Its earlier
// texts (edit history) and the text in queued webhook events go too.
func removeMessage(ctx context.Context, tx bun.Tx, messageID int64) error {
	m := &Message{ID: messageID}
	err := tx.NewUpdate().Table("messages").Set("removed_at = coalesce(removed_at, now()), body = ''").
		Where("id = ?", messageID).Returning("conversation_id, created_at").Scan(ctx, &m.ConversationID, &m.CreatedAt)
	if err != nil {
		return fmt.Errorf("remove message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM message_edits WHERE message_id = ?", messageID); err != nil {
		return fmt.Errorf("remove message history: %w", err)
	}
	if err := blankWebhookText(ctx, tx, m); err != nil {
		return err
	}
	return emit(ctx, tx, ChannelState, "c", m.ConversationID)
}

// Report loads one report, for the back office.
func (s *Store) Report(ctx context.Context, id int64) (*Report, error) {
	r := new(Report)
	err := s.DB.NewSelect().Model(r).Where("r.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("report: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load report: %w", err)
	}
	return r, nil
}
