package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/i18n"
)

// Erasure (issue 15, privacy). An erased user keeps their row, so that threads, message ids,
// order and counts stay as the other participants knew them, but every personal field is
// cleared, their messages are blanked ("deleted user"), their files are queued for deletion
// from storage, and every token of theirs is refused from then on.

// ErasedTokensBefore is the token revocation of an erased user: no token is ever accepted
// again (the identity is gone; a returning person signs up under a new id).
var ErasedTokensBefore = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// ErrErased refuses to write a user that was erased.
var ErrErased = fmt.Errorf("the user was erased: %w", ErrConflict)

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID            int64           `bun:"id"`
	Action        string          `bun:"action"`
	ActorKeyID    string          `bun:"actor_key_id"`
	SubjectUserID string          `bun:"subject_user_id"`
	Reason        string          `bun:"reason"`
	Details       json.RawMessage `bun:"details,type:jsonb"`
	CreatedAt     time.Time       `bun:"created_at"`
}

// Erasure is what an erasure did; Already is set when the user had been erased before (then
// Messages and Files count only what an interrupted erasure had left).
type Erasure struct {
	UserID   string
	ErasedAt time.Time
	Already  bool
	Messages int
	Files    int
	Audit    *AuditEntry
	// Keys are the stored files to delete now that the transactions committed.
	Keys []string
}

// EraseUser erases a user, recording who (actorKeyID) and why in the audit log. The user row
// and what hangs off it go in one transaction; their messages then go EraseBatch at a time,
// each batch its own transaction (a long one would hold back the id horizon, and with it every
// live stream). Each blanked message records an 'erased' change (messageChanged). The stored
// files it unlinks are listed in blob_deletions and returned in Keys: the caller deletes them
// after the commit (DeleteBlobs), the privacy worker retries leftovers. Erasing an erased user
// again blanks only what an interrupted erasure left (Already).
func (s *Store) EraseUser(ctx context.Context, userID, actorKeyID, reason string) (*Erasure, error) {
	out := &Erasure{UserID: userID}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var erased sql.NullTime
		err := tx.NewRaw("SELECT erased_at FROM users WHERE id = ? FOR UPDATE", userID).Scan(ctx, &erased)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %q: %w", userID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		if erased.Valid {
			out.Already, out.ErasedAt = true, erased.Time
			return nil
		}
		return eraseUserRow(ctx, tx, out, actorKeyID, reason)
	})
	if err != nil {
		return nil, err
	}
	words, err := s.eraseMessages(ctx, out)
	if err != nil {
		return nil, err
	}
	if err := s.finishErasure(ctx, out); err != nil {
		return nil, err
	}
	s.pruneSearchWords(ctx, words)
	return out, nil
}

// eraseUserRow clears the user and what they own, and writes the audit entry (its counts are
// filled in by finishErasure).
func eraseUserRow(ctx context.Context, tx bun.Tx, out *Erasure, actorKeyID, reason string) error {
	id := out.UserID
	// Their exports' files: unlinked here, deleted after the commit.
	err := tx.NewRaw(`WITH gone AS (
			DELETE FROM data_exports WHERE user_id = ? RETURNING storage_key
		), keys AS (
			SELECT storage_key FROM gone WHERE storage_key <> ''
		), queued AS (
			INSERT INTO blob_deletions (storage_key) SELECT storage_key FROM keys ON CONFLICT DO NOTHING
		)
		SELECT storage_key FROM keys`, id).Scan(ctx, &out.Keys)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("unlink exports: %w", err)
	}
	for _, q := range eraseStatements {
		if _, err := tx.NewRaw(q, id).Exec(ctx); err != nil {
			return fmt.Errorf("erase user: %w", err)
		}
	}
	err = tx.NewRaw(`UPDATE users SET name = '', avatar_url = '', email = NULL, locale = NULL, verified = false,
			last_seen_at = NULL, erased_at = now(), tokens_revoked_before = ?, updated_at = now()
		WHERE id = ? RETURNING erased_at`, ErasedTokensBefore, id).Scan(ctx, &out.ErasedAt)
	if err != nil {
		return fmt.Errorf("clear user: %w", err)
	}
	out.Audit = &AuditEntry{Action: "user.erased", ActorKeyID: actorKeyID, SubjectUserID: id, Reason: reason}
	err = tx.NewRaw(`INSERT INTO audit_log (action, actor_key_id, subject_user_id, reason, details)
		VALUES (?, ?, ?, ?, '{}') RETURNING id, created_at`, out.Audit.Action, actorKeyID, id, reason).
		Scan(ctx, &out.Audit.ID, &out.Audit.CreatedAt)
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// finishErasure blanks the texts and files of the user's webhook events (and the previews in
// the notification events about their messages) still in the outbox (after the
// batches, so that an event a send wrote meanwhile is among them) and fills in the audit
// entry's counts.
func (s *Store) finishErasure(ctx context.Context, out *Erasure) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// A notification event's title names the sender too: it gets the title the erased
		// notifications got.
		_, err := tx.NewRaw(`UPDATE webhook_events SET data = CASE WHEN data #> '{notification}' IS NOT NULL
				THEN jsonb_set(jsonb_set(data, '{notification,body}', '""'), '{notification,title}', to_jsonb(?1::text))
				ELSE `+blankedEventData+` END
			WHERE (data #>> '{message,sender_id}' IN (?0, 'usr_' || ?0)
				OR data #>> '{notification,data,message_id}' IN (SELECT 'msg_' || m.id FROM messages AS m WHERE m.sender_user_id = ?0))
			AND (`+eventCarriesText+` OR data #>> '{notification,title}' <> ?1)`,
			out.UserID, i18n.Text(i18n.Default, i18n.NewMessage)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("blank webhook text: %w", err)
		}
		if out.Audit == nil {
			return nil
		}
		out.Audit.Details, _ = json.Marshal(map[string]int{"messages": out.Messages, "files": out.Files})
		_, err = tx.NewRaw("UPDATE audit_log SET details = ? WHERE id = ?", string(out.Audit.Details), out.Audit.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("write audit counts: %w", err)
		}
		return nil
	})
}

// eraseStatements remove or clear the rest of what Parley holds about the user (?0) outside
// their messages (eraseBatchStatements). Reactions of theirs elsewhere go as an unsent
// message's do (a car owner's party is their user id; a workshop user reacts as the workshop,
// which stays); their deletes-for-me go with them. Reports they filed stay for moderation,
// without their own words.
var eraseStatements = []string{
	`DELETE FROM notifications WHERE user_id = ?0`,
	`DELETE FROM push_subscriptions WHERE user_id = ?0`,
	`DELETE FROM push_sent WHERE user_id = ?0`,
	`DELETE FROM digest_state WHERE user_id = ?0`,
	`DELETE FROM presence WHERE user_id = ?0`,
	`DELETE FROM blocks WHERE blocked_user_id = ?0 OR blocker_party = ?0`,
	`DELETE FROM message_templates WHERE owner_id = ?0`,
	`DELETE FROM message_reactions WHERE party_id = ?0`,
	// Their deletes-for-me leave their hidden counts (those after the thread's hidden_up_to
	// were counted one by one).
	`WITH gone AS (
		DELETE FROM message_hides AS h USING messages AS m WHERE h.party_id = ?0 AND m.id = h.message_id
		RETURNING m.conversation_id, m.id
	), per AS (
		SELECT g.conversation_id, count(*) FILTER (WHERE g.id > p.hidden_up_to) AS n FROM gone AS g
		JOIN participants AS p ON p.conversation_id = g.conversation_id AND p.party_id = ?0 GROUP BY g.conversation_id
	)
	UPDATE participants AS p SET hidden_count = greatest(0, p.hidden_count - per.n), last_hidden_message_id = 0
	FROM per WHERE p.conversation_id = per.conversation_id AND p.party_id = ?0`,
	`UPDATE reports SET details = '' WHERE reporter_id = ?0`,
}

func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// AuditLog lists audit entries, newest first; userID narrows to one subject.
func (s *Store) AuditLog(ctx context.Context, userID string, limit int) ([]*AuditEntry, error) {
	var out []*AuditEntry
	q := s.DB.NewSelect().TableExpr("audit_log").Column("*").OrderExpr("created_at DESC, id DESC").Limit(limit)
	if userID != "" {
		q.Where("subject_user_id = ?", userID)
	}
	if err := q.Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}
