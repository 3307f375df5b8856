package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// ReadResult says what a mark-read did.
type ReadResult struct {
	Updated     int
	UnreadCount int
	ReadAt      *time.Time
}

// MarkThreadRead marks the messages sent to the viewer read, up to and including upTo, or
// every message sent up to until, or the whole thread when neither is given. The viewer's own
// messages are never touched.
func (s *Store) MarkThreadRead(ctx context.Context, v Viewer, conversationID, upTo int64, until *time.Time) (*ReadResult, error) {
	res := &ReadResult{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, last, err := lockParticipant(ctx, tx, v, conversationID)
		if err != nil {
			return err
		}
		switch {
		case upTo > 0:
			err = checkInThread(ctx, tx, conversationID, upTo)
		case until != nil:
			upTo, err = lastSentBy(ctx, tx, conversationID, *until)
		default:
			upTo = last
		}
		if err != nil {
			return err
		}
		floor := max(p.LastReadMessageID, p.HiddenUpTo)
		n, err := markRead(ctx, tx, v.Party(), "m.conversation_id = ? AND m.id > ? AND m.id <= ?", conversationID, floor, upTo)
		if err != nil {
			return err
		}
		res.Updated = n
		_, err = tx.NewUpdate().Table("participants").
			Set("last_read_message_id = GREATEST(last_read_message_id, ?)", upTo).
			Set("last_read_at = now()").
			Where("conversation_id = ? AND party_id = ?", conversationID, v.Party()).
			Returning("unread_count, last_read_at").Exec(ctx, &res.UnreadCount, &res.ReadAt)
		if err != nil {
			return fmt.Errorf("advance read position: %w", err)
		}
		if err := emit(ctx, tx, ChannelState, "r", conversationID, v.Party(), upTo); err != nil {
			return err
		}
		return readNotificationsAbout(ctx, tx, v, "conversation_id = ? AND message_id <= ?", conversationID, upTo)
	})
	return res, err
}

// MarkMessagesRead marks the given messages of a thread read for the viewer. Every id must be a
// message of that thread the viewer can see.
func (s *Store) MarkMessagesRead(ctx context.Context, v Viewer, conversationID int64, ids []int64) (*ReadResult, error) {
	res := &ReadResult{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, _, err := lockParticipant(ctx, tx, v, conversationID)
		if err != nil {
			return err
		}
		var found int
		err = tx.NewSelect().Table("messages").ColumnExpr("count(*)").
			Where("conversation_id = ? AND id > ? AND id IN (?)", conversationID, p.HiddenUpTo, bun.In(ids)).Scan(ctx, &found)
		if err != nil {
			return fmt.Errorf("check messages: %w", err)
		}
		if found != len(ids) {
			return fmt.Errorf("message: %w", ErrNotFound)
		}
		if res.Updated, err = markRead(ctx, tx, v.Party(), "m.id IN (?)", bun.In(ids)); err != nil {
			return err
		}
		err = tx.NewSelect().Table("participants").Column("unread_count", "last_read_at").
			Where("conversation_id = ? AND party_id = ?", conversationID, v.Party()).Scan(ctx, &res.UnreadCount, &res.ReadAt)
		if err != nil {
			return fmt.Errorf("read participant: %w", err)
		}
		return readNotificationsAbout(ctx, tx, v, "message_id IN (?)", bun.In(ids))
	})
	return res, err
}

// lockParticipant authorises the viewer for a thread and locks its read state; it returns the
// thread's last message id.
func lockParticipant(ctx context.Context, tx bun.Tx, v Viewer, conversationID int64) (*Participant, int64, error) {
	p := new(Participant)
	err := tx.NewSelect().Model(p).
		Join("JOIN conversations AS c ON c.id = p.conversation_id").
		Where("p.conversation_id = ? AND p.party_id = ? AND c.kind = ? AND p.deleted_at IS NULL", conversationID, v.Party(), v.Kind()).
		For("UPDATE OF p").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("conversation: %w", ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("lock participant: %w", err)
	}
	var last sql.NullInt64
	if err := tx.NewSelect().Table("conversations").Column("last_message_id").Where("id = ?", conversationID).Scan(ctx, &last); err != nil {
		return nil, 0, fmt.Errorf("load last message: %w", err)
	}
	return p, last.Int64, nil
}

// lastSentBy is the id of the thread's last message sent at or before t (0 if none).
func lastSentBy(ctx context.Context, tx bun.Tx, conversationID int64, t time.Time) (int64, error) {
	var id int64
	err := tx.NewSelect().Table("messages").ColumnExpr("coalesce(max(id), 0)").
		Where("conversation_id = ? AND created_at <= ?", conversationID, t).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("find last message by time: %w", err)
	}
	return id, nil
}

func checkInThread(ctx context.Context, tx bun.Tx, conversationID, messageID int64) error {
	ok, err := tx.NewSelect().Table("messages").Where("id = ? AND conversation_id = ?", messageID, conversationID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("check message: %w", err)
	}
	if !ok {
		return fmt.Errorf("message %d: %w", messageID, ErrNotFound)
	}
	return nil
}

// markRead records reads by party of the messages matching cond (over messages AS m) that
// others sent it, and lowers the party's unread counters by what became read. It returns how
// many became read.
func markRead(ctx context.Context, tx bun.IDB, party, cond string, args ...any) (int, error) {
	var n int
	// cond's own ? placeholders take args in order, so the party goes last, by index.
	args = append(args, party)
	partyArg := fmt.Sprintf("?%d", len(args)-1)
	query := strings.ReplaceAll(`WITH targets AS (
			SELECT m.id, m.conversation_id FROM messages AS m
			JOIN participants AS p ON p.conversation_id = m.conversation_id AND p.party_id = ?P
			WHERE (`+cond+`) AND m.sender_party_id <> ?P AND m.id > p.hidden_up_to
		), ins AS (
			INSERT INTO message_reads (message_id, party_id)
			SELECT id, ?P FROM targets ON CONFLICT DO NOTHING RETURNING message_id
		), per AS (
			SELECT t.conversation_id, count(*) AS n, array_agg(t.id) AS ids FROM ins JOIN targets AS t ON t.id = ins.message_id
			GROUP BY t.conversation_id
		), upd AS (
			UPDATE participants AS p SET unread_count = GREATEST(0, p.unread_count - per.n), last_read_at = now()
			FROM per WHERE p.conversation_id = per.conversation_id AND p.party_id = ?P
			RETURNING per.n, per.conversation_id, per.ids
		)
		SELECT conversation_id, n, ids FROM upd, pg_notify('`+ChannelState+`', 'r ' || conversation_id || ' ' || ?P || ' 0')`,
		"?P", partyArg)
	var batches []readBatch
	if err := tx.NewRaw(query, args...).Scan(ctx, &batches); err != nil {
		return 0, fmt.Errorf("mark messages read: %w", err)
	}
	for _, b := range batches {
		n += b.N
	}
	return n, readWebhooks(ctx, tx, party, batches)
}

// readNotificationsAbout marks the viewer's notifications about messages now read as read too.
func readNotificationsAbout(ctx context.Context, tx bun.Tx, v Viewer, cond string, args ...any) error {
	_, err := tx.NewUpdate().Table("notifications").Set("read_at = now()").
		Where("user_id = ? AND read_at IS NULL", v.UserID).Where(cond, args...).Exec(ctx)
	if err != nil {
		return fmt.Errorf("read notifications: %w", err)
	}
	return nil
}
