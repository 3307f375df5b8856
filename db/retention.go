package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Retention (issue 15, privacy). A thread is closed when nothing was sent in it for the
// retention period (bookings carry no status in Parley, and a sold listing's buyer and seller
// may still be arranging the handover, so inactivity is the one signal both marketplaces
// share). Its messages, their files and everything hanging off them (reads, notifications,
// reports) are deleted a small batch at a time; the thread itself and its participants stay,
// with counts that match what is left.

// RetentionBatch is what one retention step did.
type RetentionBatch struct {
	ConversationID int64
	Messages       int
	// Keys are the stored files to delete now that the transaction committed.
	Keys []string
}

// PurgeClosedThread deletes up to limit of the oldest messages of one thread that has been
// inactive since before cutoff; nil when there is none. The thread row is locked, so a send
// into it waits, and a send that got there first makes it active again (skipped).
// The typo lexicon then forgets the words only the deleted texts had (pruneSearchWords).
func (s *Store) PurgeClosedThread(ctx context.Context, cutoff time.Time, limit int) (*RetentionBatch, error) {
	var out *RetentionBatch
	var words []string
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var conv int64
		err := tx.NewRaw(findClosedThread, cutoff).Scan(ctx, &conv)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find closed thread: %w", err)
		}
		out = &RetentionBatch{ConversationID: conv}
		if words, err = purgeWords(ctx, tx, conv, limit); err != nil {
			return err
		}
		var row struct {
			N    int      `bun:"n"`
			Keys []string `bun:"keys,array"`
		}
		if err := tx.NewRaw(purgeBatch, conv, limit).Scan(ctx, &row); err != nil {
			return fmt.Errorf("purge thread %d: %w", conv, err)
		}
		out.Messages, out.Keys = row.N, row.Keys
		return emit(ctx, tx, ChannelState, "c", conv)
	})
	if err != nil {
		return nil, err
	}
	s.pruneSearchWords(ctx, words)
	return out, nil
}

// purgeWords lists the words of the messages purgeBatch is about to delete (the same oldest
// limit of the locked thread).
func purgeWords(ctx context.Context, tx bun.Tx, conv int64, limit int) ([]string, error) {
	var ids []int64
	err := tx.NewRaw("SELECT id FROM messages WHERE conversation_id = ? ORDER BY id LIMIT ?", conv, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list messages to purge: %w", err)
	}
	return messageWords(ctx, tx, ids)
}

// findClosedThread locks one thread inactive since ?0 that still holds messages, from the
// oldest day of last activity (conversations_retention_day_idx, migration 20261201000140: a
// day, not the time, so that a send's update of the thread stays HOT). Within the cutoff's own
// day the index is read until a thread older than the cutoff: a day's threads at most.
const findClosedThread = `SELECT id FROM conversations
	WHERE retention_day <= (?0::timestamptz AT TIME ZONE 'UTC')::date AND last_activity_at < ?0 AND message_count > 0
	ORDER BY retention_day LIMIT 1 FOR UPDATE SKIP LOCKED`

// purgeBatch deletes the oldest ?1 messages of thread ?0 and keeps the counters true: each
// party's unread count loses the deleted messages it had not read, its hidden count those it
// had hidden (with the thread or one by one), the thread its message count and, with the last
// message, its last_message_id.
// Files are queued in blob_deletions in the same statement. (Foreign keys are checked at the
// end of the statement, after last_message_id moved.)
const purgeBatch = `WITH doomed AS (
		SELECT id, sender_party_id FROM messages WHERE conversation_id = ?0 ORDER BY id LIMIT ?1
	), keys AS (
		SELECT a.storage_key FROM attachments AS a JOIN doomed ON doomed.id = a.message_id WHERE a.storage_key <> ''
	), queued AS (
		INSERT INTO blob_deletions (storage_key) SELECT storage_key FROM keys ON CONFLICT DO NOTHING
	), per AS (
		SELECT p.party_id,
			count(*) FILTER (WHERE d.sender_party_id <> p.party_id AND d.id > p.hidden_up_to AND NOT EXISTS (
				SELECT 1 FROM message_reads AS r WHERE r.message_id = d.id AND r.party_id = p.party_id)) AS unread,
			count(*) FILTER (WHERE d.id <= p.hidden_up_to OR EXISTS (
				SELECT 1 FROM message_hides AS h WHERE h.party_id = p.party_id AND h.message_id = d.id)) AS hidden
		FROM participants AS p CROSS JOIN doomed AS d WHERE p.conversation_id = ?0 GROUP BY p.party_id
	), parts AS (
		UPDATE participants AS p SET unread_count = greatest(0, p.unread_count - per.unread),
			hidden_count = greatest(0, p.hidden_count - per.hidden)
		FROM per WHERE p.conversation_id = ?0 AND p.party_id = per.party_id AND (per.unread > 0 OR per.hidden > 0)
	), conv AS (
		UPDATE conversations AS c SET message_count = greatest(0, c.message_count - (SELECT count(*) FROM doomed)),
			last_message_id = (SELECT max(m.id) FROM messages AS m WHERE m.conversation_id = ?0
				AND m.id NOT IN (SELECT id FROM doomed))
		WHERE c.id = ?0
	), del AS (
		DELETE FROM messages WHERE id IN (SELECT id FROM doomed) RETURNING id
	)
	SELECT (SELECT count(*) FROM del) AS n, array(SELECT storage_key FROM keys) AS keys`
