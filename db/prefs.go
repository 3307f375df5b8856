package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MaxPinned is how many threads a party may pin.
const MaxPinned = 5

// ErrPinLimit refuses a pin beyond MaxPinned.
var ErrPinLimit = errors.New("at most 5 conversations can be pinned; unpin one first")

// SetMuted mutes a thread for the viewer's party until a time (nil: forever), or unmutes it.
// A muted thread still counts unread; its new messages make no notification (parley_send).
func (s *Store) SetMuted(ctx context.Context, v Viewer, conversationID int64, muted bool, until *time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, _, err := lockParticipant(ctx, tx, v, conversationID); err != nil {
			return err
		}
		q := tx.NewUpdate().Table("participants").
			Where("conversation_id = ? AND party_id = ?", conversationID, v.Party())
		if muted {
			q.Set("muted_at = now(), muted_until = ?", until)
		} else {
			q.Set("muted_at = NULL, muted_until = NULL")
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("mute: %w", err)
		}
		return emit(ctx, tx, ChannelState, "c", conversationID)
	})
}

// SetPinned pins a thread to the top of the viewer's inbox (after those pinned before it), or
// unpins it. Pinning one already pinned keeps its place. The party's pins are counted under a
// transaction-scoped advisory lock, so two concurrent pins cannot both take the fifth place.
func (s *Store) SetPinned(ctx context.Context, v Viewer, conversationID int64, pinned bool) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, _, err := lockParticipant(ctx, tx, v, conversationID)
		if err != nil {
			return err
		}
		if pinned && p.PinnedAt != nil || !pinned && p.PinnedAt == nil {
			return nil
		}
		set := "pinned_at = NULL"
		if pinned {
			if err := checkPinRoom(ctx, tx, v); err != nil {
				return err
			}
			set = "pinned_at = clock_timestamp()"
		}
		_, err = tx.NewUpdate().Table("participants").Set(set).
			Where("conversation_id = ? AND party_id = ?", conversationID, v.Party()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("pin: %w", err)
		}
		return emit(ctx, tx, ChannelState, "c", conversationID)
	})
}

func checkPinRoom(ctx context.Context, tx bun.Tx, v Viewer) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('pin:' || ?, 0))", v.Party()); err != nil {
		return fmt.Errorf("lock pins: %w", err)
	}
	var n int
	err := tx.NewSelect().TableExpr("participants AS p").ColumnExpr("count(*)").
		Where("p.party_id = ? AND p.kind = ? AND p.pinned_at IS NOT NULL AND p.deleted_at IS NULL", v.Party(), v.Kind()).
		Scan(ctx, &n)
	if err != nil {
		return fmt.Errorf("count pins: %w", err)
	}
	if n >= MaxPinned {
		return ErrPinLimit
	}
	return nil
}

// Delivery is how far messages of a conversation reached a device of a party.
type Delivery struct {
	ConversationID int64
	Party          string
	UpTo           int64
}

// MarkDelivered records that a party's device got the conversation's messages up to upTo (a
// live subscription or a push). Delivery only moves forward.
func (s *Store) MarkDelivered(ctx context.Context, conversationID int64, party string, upTo int64) error {
	return s.MarkDeliveredBatch(ctx, []Delivery{{conversationID, party, upTo}})
}

// MarkDeliveredBatch records many deliveries in one statement, and tells the senders (a "d" event, which
// the hubs send as a read receipt) for each participant row that moved. Rows are locked in a fixed order so that
// concurrent batches cannot deadlock.
func (s *Store) MarkDeliveredBatch(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	convs, parties, upTos := make([]int64, len(ds)), make([]string, len(ds)), make([]int64, len(ds))
	for i, d := range ds {
		convs[i], parties[i], upTos[i] = d.ConversationID, d.Party, d.UpTo
	}
	_, err := s.DB.ExecContext(ctx, `WITH d AS (
			SELECT x.c, x.p, max(x.u) AS u FROM unnest(?::bigint[], ?::text[], ?::bigint[]) AS x (c, p, u) GROUP BY x.c, x.p
		), locked AS (
			SELECT p.conversation_id, p.party_id, d.u FROM participants AS p
			JOIN d ON d.c = p.conversation_id AND d.p = p.party_id
			WHERE p.last_delivered_message_id < d.u
			ORDER BY p.conversation_id, p.party_id
			FOR NO KEY UPDATE OF p
		), moved AS (
			UPDATE participants AS p SET last_delivered_message_id = GREATEST(p.last_delivered_message_id, l.u)
			FROM locked AS l WHERE p.conversation_id = l.conversation_id AND p.party_id = l.party_id
			RETURNING p.conversation_id, p.party_id, p.last_delivered_message_id
		)
		SELECT pg_notify(?, 'd ' || m.conversation_id || ' ' || m.party_id || ' ' || m.last_delivered_message_id) FROM moved AS m`,
		pgArray(convs), pgArray(parties), pgArray(upTos), ChannelState)
	if err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	return nil
}
