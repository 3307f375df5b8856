package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// SetArchived archives or unarchives a thread for the viewer only. A new message unarchives it
// for everyone (see touchParticipants).
func (s *Store) SetArchived(ctx context.Context, v Viewer, conversationID int64, archived bool) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, _, err := lockParticipant(ctx, tx, v, conversationID); err != nil {
			return err
		}
		set := "archived_at = NULL"
		if archived {
			set = "archived_at = coalesce(archived_at, now())"
		}
		_, err := tx.NewUpdate().Table("participants").Set(set).
			Where("conversation_id = ? AND party_id = ?", conversationID, v.Party()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		return emit(ctx, tx, ChannelState, "c", conversationID)
	})
}

// DeleteConversation removes a thread from the viewer's view for good: the messages so far stay
// hidden from them (the other side keeps its history), its unread count and notifications are
// cleared. A later message brings the thread back with only the new messages.
func (s *Store) DeleteConversation(ctx context.Context, v Viewer, conversationID int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, _, err := lockParticipant(ctx, tx, v, conversationID); err != nil {
			return err
		}
		_, err := tx.NewRaw(`UPDATE participants AS p SET deleted_at = now(), archived_at = NULL, unread_count = 0, pinned_at = NULL,
				hidden_up_to = coalesce(c.last_message_id, 0), hidden_count = c.message_count
			FROM conversations AS c
			WHERE c.id = p.conversation_id AND p.conversation_id = ? AND p.party_id = ?`, conversationID, v.Party()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete conversation: %w", err)
		}
		_, err = tx.NewUpdate().Table("notifications").Set("read_at = coalesce(read_at, now())").
			Where("user_id = ? AND conversation_id = ?", v.UserID, conversationID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("clear notifications: %w", err)
		}
		return emit(ctx, tx, ChannelState, "c", conversationID)
	})
}

// Report reasons.
var reportReasons = map[string]bool{"spam": true, "harassment": true, "fraud": true, "inappropriate": true, "other": true}

// ReportMessage files the viewer's report about a message someone else sent them. A message
// can be reported once per user.
func (s *Store) ReportMessage(ctx context.Context, v Viewer, messageID int64, reason, details string) (*Report, error) {
	if !reportReasons[reason] {
		return nil, Invalid("reason", "must be spam, harassment, fraud, inappropriate or other")
	}
	if details = strings.TrimSpace(details); len([]rune(details)) > 2000 {
		return nil, Invalid("details", "must be at most 2000 characters")
	}
	m, err := s.Message(ctx, v, messageID)
	if err != nil {
		return nil, err
	}
	if m.IsMine() {
		return nil, Rule("messageId", "you cannot report your own message")
	}
	r := &Report{MessageID: messageID, ReporterID: v.UserID, Reason: reason, Details: details, Status: "open"}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(r).Returning("id, created_at").Exec(ctx)
		if isUniqueViolation(err) {
			return fmt.Errorf("you have already reported this message: %w", ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("insert report: %w", err)
		}
		return reportWebhook(ctx, tx, r, m)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
