package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/parley/parley/i18n"
)

// An erasure blanks the erased user's messages a batch at a time (EraseUser).

// actorBackOffice is the actor of the changes an erasure records (no party made them).
const actorBackOffice = "backoffice"

// defaultEraseBatch is how many messages one erasure step blanks, as a retention step does.
const defaultEraseBatch = 200

// erasedBatch is what one erasure step did.
type erasedBatch struct {
	messages int
	keys     []string
	words    []string // the words their texts had, for pruneSearchWords
	change   int64    // the last change recorded, for the wake-up (0: none)
	conv     int64
}

// eraseMessages blanks the messages of out's user, a batch per transaction, waking the live
// hubs after each, and returns the words their texts had. A second round, once sends in flight
// have committed (awaitSends), catches a message a send wrote between the erasure's commit and
// the first listing: parley_send refuses an erased sender only from its own check on.
func (s *Store) eraseMessages(ctx context.Context, out *Erasure) ([]string, error) {
	seen := map[string]bool{}
	var words []string
	for round, again := 0, out.Already; round < 2; round, again = round+1, true {
		if round == 1 {
			if s.eraseSweepHook != nil {
				s.eraseSweepHook()
			}
			if err := s.awaitSends(ctx, out.UserID); err != nil {
				return nil, err
			}
		}
		ids, err := s.messagesToErase(ctx, out.UserID, again)
		if err != nil {
			return nil, err
		}
		got, err := s.eraseInBatches(ctx, out, ids)
		if err != nil {
			return nil, err
		}
		for _, w := range got {
			if !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	out.Files = len(out.Keys)
	return words, nil
}

// eraseInBatches blanks the messages ids a batch per transaction, counting them in out, and
// returns the words their texts had.
func (s *Store) eraseInBatches(ctx context.Context, out *Erasure, ids []int64) ([]string, error) {
	size := s.EraseBatch
	if size <= 0 {
		size = defaultEraseBatch
	}
	var words []string
	for len(ids) > 0 {
		n := min(size, len(ids))
		b, err := s.eraseBatch(ctx, ids[:n])
		if err != nil {
			return nil, err
		}
		ids = ids[n:]
		out.Messages += b.messages
		out.Keys = append(out.Keys, b.keys...)
		words = append(words, b.words...)
		s.wakeChange(ctx, b.change, b.conv)
	}
	return words, nil
}

// awaitSends waits for the sends of userID still in flight: each holds a key-share lock on the
// user's row (its message's foreign key) until it commits, and FOR UPDATE waits for them.
func (s *Store) awaitSends(ctx context.Context, userID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw("SELECT 1 FROM users WHERE id = ? FOR UPDATE", userID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("await sends: %w", err)
		}
		return nil
	})
}

// messagesToErase lists the user's messages, oldest first (the unique index on sender and
// client id finds them). After an erasure (again), only those an interrupted one left: with
// text, files, history, reactions or a client id, or not removed.
func (s *Store) messagesToErase(ctx context.Context, userID string, again bool) ([]int64, error) {
	var ids []int64
	err := s.DB.NewRaw(`SELECT m.id FROM messages AS m WHERE m.sender_user_id = ?0 AND (NOT ?1
			OR m.body <> '' OR m.removed_at IS NULL OR m.client_message_id IS NOT NULL OR m.template_id IS NOT NULL
			OR EXISTS (SELECT 1 FROM attachments AS a WHERE a.message_id = m.id)
			OR EXISTS (SELECT 1 FROM message_edits AS e WHERE e.message_id = m.id)
			OR EXISTS (SELECT 1 FROM message_reactions AS r WHERE r.message_id = m.id))
		ORDER BY m.id`, userID, again).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find messages to erase: %w", err)
	}
	return ids, nil
}

// eraseBatch blanks the messages ids in one transaction: their files are unlinked (queued in
// blob_deletions), others' notifications about them lose text and sender name, their history
// and reactions go, and each records an 'erased' change. Every thread touched wakes its
// inbox rows (conversationUpdated), whose sender is now a deleted user.
func (s *Store) eraseBatch(ctx context.Context, ids []int64) (*erasedBatch, error) {
	b := &erasedBatch{}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if b.words, err = messageWords(ctx, tx, ids); err != nil {
			return err
		}
		err = tx.NewRaw(unlinkFiles, pgArray(ids)).Scan(ctx, &b.keys)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("unlink files: %w", err)
		}
		for _, q := range eraseBatchStatements {
			if _, err := tx.NewRaw(q, pgArray(ids), i18n.Text(i18n.Default, i18n.NewMessage)).Exec(ctx); err != nil {
				return fmt.Errorf("erase messages: %w", err)
			}
		}
		return recordErased(ctx, tx, ids, b)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// eraseBatchStatements clear what hangs off the messages ?0 (an array of ids). ?1 is the
// title a notification about them keeps.
var eraseBatchStatements = []string{
	// Others' notifications about their messages carry the text and the sender's name.
	`UPDATE notifications SET title = ?1, body = '' WHERE message_id = ANY(?0::bigint[])`,
	// The bodies their messages had before each edit are their text too; reactions to them go
	// as an unsent message's do.
	`DELETE FROM message_edits WHERE message_id = ANY(?0::bigint[])`,
	`DELETE FROM message_reactions WHERE message_id = ANY(?0::bigint[])`,
}

// recordErased blanks the messages ids and records an 'erased' change for each, in id order.
// message_events rows hold no text, only which message changed.
func recordErased(ctx context.Context, tx bun.Tx, ids []int64, b *erasedBatch) error {
	var changes, convs []int64
	err := tx.NewRaw(`WITH blanked AS (
			UPDATE messages SET body = '', client_message_id = NULL, template_id = NULL,
				removed_at = coalesce(removed_at, now())
			WHERE id = ANY(?0::bigint[]) RETURNING id, conversation_id
		)
		INSERT INTO message_events (conversation_id, message_id, kind, actor)
		SELECT conversation_id, id, ?1, ?2 FROM blanked ORDER BY id
		RETURNING id, conversation_id`, pgArray(ids), ChangeErased, actorBackOffice).Scan(ctx, &changes, &convs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("blank messages: %w", err)
	}
	b.messages = len(changes)
	for i, c := range changes {
		if c > b.change {
			b.change, b.conv = c, convs[i]
		}
	}
	for _, c := range distinct(convs) {
		if err := emit(ctx, tx, ChannelState, "c", c); err != nil {
			return err
		}
	}
	return nil
}
