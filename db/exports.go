package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"
)

// Data exports (issue 15, privacy): a user asks, a worker on some replica claims the request
// with a lease and a token (as webhook deliveries are claimed), writes the archive to the
// file store, and finishes the row under that token. A replica that dies mid-export leaves
// the row to be claimed again once the lease runs out.

// DataExport is a user's request for their data and, once done, where the archive is.
type DataExport struct {
	ID          int64      `bun:"id"`
	UserID      string     `bun:"user_id"`
	Status      string     `bun:"status"`
	Attempts    int        `bun:"attempts"`
	LeaseToken  int64      `bun:"lease_token"`
	StorageKey  string     `bun:"storage_key"`
	SizeBytes   int64      `bun:"size_bytes"`
	Error       string     `bun:"error"`
	CreatedAt   time.Time  `bun:"created_at"`
	FinishedAt  *time.Time `bun:"finished_at"`
	ExpiresAt   *time.Time `bun:"expires_at"`
	LeasedUntil time.Time  `bun:"leased_until"`
}

// RequestDataExport queues an export of the user's data; while one is still pending it is
// returned instead (one running export per user).
func (s *Store) RequestDataExport(ctx context.Context, userID string) (*DataExport, error) {
	e := new(DataExport)
	err := s.DB.NewRaw(`INSERT INTO data_exports (user_id) VALUES (?)
		ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING RETURNING *`, userID).Scan(ctx, e)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.DB.NewRaw(`SELECT * FROM data_exports WHERE user_id = ? AND status = 'pending'`, userID).Scan(ctx, e)
	}
	if err != nil {
		return nil, fmt.Errorf("request data export: %w", err)
	}
	return e, nil
}

// DataExport loads one of the user's exports; anyone else's is not found.
func (s *Store) DataExport(ctx context.Context, userID string, id int64) (*DataExport, error) {
	e := new(DataExport)
	err := s.DB.NewRaw(`SELECT * FROM data_exports WHERE id = ? AND user_id = ?`, id, userID).Scan(ctx, e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("data export: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load data export: %w", err)
	}
	return e, nil
}

// DataExports lists the user's exports, newest first (at most limit).
func (s *Store) DataExports(ctx context.Context, userID string, limit int) ([]*DataExport, error) {
	var out []*DataExport
	err := s.DB.NewRaw(`SELECT * FROM data_exports WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("list data exports: %w", err)
	}
	return out, nil
}

// ClaimDataExport claims the oldest due export for lease; nil when none is due.
func (s *Store) ClaimDataExport(ctx context.Context, lease time.Duration) (*DataExport, error) {
	e := new(DataExport)
	err := s.DB.NewRaw(`WITH due AS (
			SELECT id FROM data_exports WHERE status = 'pending' AND leased_until <= now()
			ORDER BY leased_until, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		UPDATE data_exports AS d SET leased_until = now() + make_interval(secs => ?), lease_token = ?, attempts = d.attempts + 1
		FROM due WHERE d.id = due.id RETURNING d.*`, lease.Seconds(), rand.Int64()).Scan(ctx, e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim data export: %w", err)
	}
	return e, nil
}

// FinishDataExport records a built archive under the claim's token; false when the claim was
// lost (another worker took the row after the lease ran out), and then the caller deletes its
// archive.
func (s *Store) FinishDataExport(ctx context.Context, e *DataExport, key string, size int64, keep time.Duration) (bool, error) {
	res, err := s.DB.NewRaw(`UPDATE data_exports SET status = 'done', storage_key = ?, size_bytes = ?, lease_token = NULL,
			finished_at = now(), expires_at = now() + make_interval(secs => ?)
		WHERE id = ? AND lease_token = ? AND status = 'pending'`, key, size, keep.Seconds(), e.ID, e.LeaseToken).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("finish data export: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FailDataExport gives the export up after its last attempt, or leaves it for retryAt.
func (s *Store) FailDataExport(ctx context.Context, e *DataExport, msg string, retryAt *time.Time) error {
	q := `UPDATE data_exports SET status = 'failed', error = ?, lease_token = NULL, finished_at = now()
		WHERE id = ? AND lease_token = ?`
	args := []any{msg, e.ID, e.LeaseToken}
	if retryAt != nil {
		q = `UPDATE data_exports SET error = ?, lease_token = NULL, leased_until = ? WHERE id = ? AND lease_token = ?`
		args = []any{msg, *retryAt, e.ID, e.LeaseToken}
	}
	if _, err := s.DB.NewRaw(q, args...).Exec(ctx); err != nil {
		return fmt.Errorf("fail data export: %w", err)
	}
	return nil
}

// ExpireDataExports marks up to limit exports past their expiry as expired and queues their
// archives for deletion, in one statement; it returns the archives' keys.
func (s *Store) ExpireDataExports(ctx context.Context, limit int) ([]string, error) {
	var keys []string
	err := s.DB.NewRaw(`WITH old AS (
			SELECT id, storage_key FROM data_exports WHERE status = 'done' AND expires_at <= now()
			ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED
		), upd AS (
			UPDATE data_exports AS d SET status = 'expired', storage_key = '' FROM old WHERE d.id = old.id
		), queued AS (
			INSERT INTO blob_deletions (storage_key) SELECT storage_key FROM old WHERE storage_key <> '' ON CONFLICT DO NOTHING
		)
		SELECT storage_key FROM old WHERE storage_key <> ''`, limit).Scan(ctx, &keys)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("expire data exports: %w", err)
	}
	return keys, nil
}

// ExportFile is a stored file that goes into an archive.
type ExportFile struct {
	AttachmentID int64  `bun:"id"`
	Name         string `bun:"name"`
	StorageKey   string `bun:"storage_key"`
	SizeBytes    int64  `bun:"size_bytes"`
}

// ExportSection is one part of data.json: a name and a query returning (key bigint, doc
// jsonb) rows above a key (?0), ordered by key, at most ?1 rows, for the user (?2) and their
// party (?3). Sections are read a page at a time, so an export holds one page in memory.
type ExportSection struct {
	Name  string
	Query string
}

// ExportSections are the parts of data.json after the profile. Attachments carry "file", the
// archive path of their bytes, up to the last attachment whose bytes fit the archive (?4).
var ExportSections = []ExportSection{
	{"conversations", `SELECT p.conversation_id AS key, jsonb_build_object('id', c.id, 'kind', c.kind,
			'booking_id', c.booking_id, 'listing_id', c.listing_id, 'role', p.role, 'joined_at', p.joined_at,
			'archived_at', p.archived_at, 'deleted_at', p.deleted_at, 'muted_at', p.muted_at, 'muted_until', p.muted_until,
			'pinned_at', p.pinned_at) AS doc
		FROM participants AS p JOIN conversations AS c ON c.id = p.conversation_id
		WHERE p.party_id = ?3 AND ` + anyParticipant + ` AND p.conversation_id > ?0 ORDER BY p.conversation_id LIMIT ?1`},
	// An unsent message is there without its text or history (unsending deleted them; the
	// CASE keeps it so should a row still hold one). edits are the bodies before each edit.
	{"messages", `SELECT m.id AS key, jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id, 'type', m.type,
			'body', CASE WHEN m.unsent_at IS NULL THEN m.body ELSE '' END, 'client_message_id', m.client_message_id,
			'reply_to_id', m.reply_to_id, 'removed', m.removed_at IS NOT NULL, 'created_at', m.created_at,
			'edited_at', m.edited_at, 'unsent_at', m.unsent_at,
			'edits', coalesce((SELECT jsonb_agg(jsonb_build_object('previous_body', e.previous_body, 'edited_at', e.edited_at) ORDER BY e.id)
				FROM message_edits AS e WHERE e.message_id = m.id AND m.unsent_at IS NULL), '[]'),
			'attachments', coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id,
				'name', a.name, 'content_type', a.content_type, 'size_bytes', a.size_bytes, 'sha256', a.sha256,
				'url', nullif(a.url, ''), 'file', CASE WHEN a.storage_key <> '' AND a.id <= ?4 THEN 'files/' || a.id || '-' || a.name END) ORDER BY a.id)
				FROM attachments AS a WHERE a.message_id = m.id), '[]')) AS doc
		FROM messages AS m WHERE m.sender_user_id = ?2 AND m.id > ?0 ORDER BY m.id LIMIT ?1`},
	// Their party's reactions, a message at a time (the key must be one number).
	{"reactions", `SELECT r.message_id AS key, jsonb_build_object('message_id', r.message_id,
			'conversation_id', m.conversation_id, 'reactions', jsonb_agg(jsonb_build_object('emoji', r.emoji,
				'created_at', r.created_at) ORDER BY r.created_at, r.emoji)) AS doc
		FROM message_reactions AS r JOIN messages AS m ON m.id = r.message_id
		WHERE r.party_id = ?3 AND r.message_id > ?0 GROUP BY r.message_id, m.conversation_id ORDER BY r.message_id LIMIT ?1`},
	// Messages their party deleted for itself only (deleteMessageForMe).
	{"hidden_messages", `SELECT h.message_id AS key, jsonb_build_object('message_id', h.message_id,
			'conversation_id', m.conversation_id, 'hidden_at', h.hidden_at) AS doc
		FROM message_hides AS h JOIN messages AS m ON m.id = h.message_id
		WHERE h.party_id = ?3 AND h.message_id > ?0 ORDER BY h.message_id LIMIT ?1`},
	{"reads", `SELECT r.message_id AS key, jsonb_build_object('message_id', r.message_id, 'conversation_id', m.conversation_id,
			'read_at', r.read_at) AS doc
		FROM message_reads AS r JOIN messages AS m ON m.id = r.message_id
		WHERE r.party_id = ?3 AND r.message_id > ?0 ORDER BY r.message_id LIMIT ?1`},
	{"notifications", `SELECT n.id AS key, jsonb_build_object('id', n.id, 'type', n.type, 'title', n.title, 'body', n.body,
			'data', n.data, 'conversation_id', n.conversation_id, 'message_id', n.message_id, 'read_at', n.read_at,
			'created_at', n.created_at) AS doc
		FROM notifications AS n WHERE n.user_id = ?2 AND n.id > ?0 ORDER BY n.id LIMIT ?1`},
	// Endpoints only: the subscription's keys are secrets of the browser.
	{"push_subscriptions", `SELECT s.id AS key, jsonb_build_object('id', s.id, 'endpoint', s.endpoint, 'created_at', s.created_at) AS doc
		FROM push_subscriptions AS s WHERE s.user_id = ?2 AND s.id > ?0 ORDER BY s.id LIMIT ?1`},
	{"blocks", `SELECT row_number() OVER (ORDER BY b.created_at, b.blocked_user_id) AS key,
			jsonb_build_object('blocked_user_id', b.blocked_user_id, 'created_at', b.created_at) AS doc
		FROM blocks AS b WHERE b.blocker_party = ?3 AND ?0 = 0 ORDER BY key`},
	{"reports", `SELECT r.id AS key, jsonb_build_object('id', r.id, 'message_id', r.message_id, 'reason', r.reason,
			'details', r.details, 'status', r.status, 'created_at', r.created_at, 'resolved_at', r.resolved_at) AS doc
		FROM reports AS r WHERE r.reporter_id = ?2 AND r.id > ?0 ORDER BY r.id LIMIT ?1`},
	{"message_templates", `SELECT t.id AS key, jsonb_build_object('id', t.id, 'name', t.name, 'category', t.category,
			'content', t.content, 'created_at', t.created_at) AS doc
		FROM message_templates AS t WHERE t.owner_id = ?2 AND t.id > ?0 ORDER BY t.id LIMIT ?1`},
}

// ExportFilesQuery selects the stored files of the user's (?2) messages, oldest first, while
// their running total stays within the budget (?4 bytes): a prefix in id order.
const ExportFilesQuery = `SELECT id, name, storage_key, size_bytes FROM (
		SELECT a.id, a.name, a.storage_key, a.size_bytes, sum(a.size_bytes) OVER (ORDER BY a.id) AS total
		FROM attachments AS a JOIN messages AS m ON m.id = a.message_id
		WHERE m.sender_user_id = ?2 AND a.storage_key <> '') AS x
	WHERE total <= ?4`

// ExportRow is one row of a section.
type ExportRow struct {
	Key int64           `bun:"key"`
	Doc json.RawMessage `bun:"doc,type:jsonb"`
}

// ExportPage reads a page of a section above key; lastFileID is the last attachment in the
// archive's files.
func (s *Store) ExportPage(ctx context.Context, sec ExportSection, userID, party string, key int64, limit int, lastFileID int64) ([]ExportRow, error) {
	var rows []ExportRow
	if err := s.DB.NewRaw(sec.Query, key, limit, userID, party, lastFileID).Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("export %s: %w", sec.Name, err)
	}
	return rows, nil
}

// ExportProfile is the user's row as JSON (without the token revocation), and their party.
func (s *Store) ExportProfile(ctx context.Context, userID string) (json.RawMessage, string, error) {
	var row struct {
		Doc   json.RawMessage `bun:"doc,type:jsonb"`
		Party string          `bun:"party"`
	}
	err := s.DB.NewRaw(`SELECT to_jsonb(u) - 'tokens_revoked_before' AS doc,
			CASE WHEN u.role = 'workshop' THEN 'org:' || u.org_nr ELSE u.id END AS party
		FROM users AS u WHERE u.id = ?`, userID).Scan(ctx, &row)
	if err != nil {
		return nil, "", fmt.Errorf("export profile: %w", err)
	}
	return row.Doc, row.Party, nil
}

// ExportFiles lists the files an archive holds (see ExportFilesQuery).
func (s *Store) ExportFiles(ctx context.Context, userID string, budget int64) ([]*ExportFile, error) {
	var out []*ExportFile
	err := s.DB.NewRaw(ExportFilesQuery+` ORDER BY id`, 0, 0, userID, "", budget).Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("export files: %w", err)
	}
	return out, nil
}

// ExportFileStats counts the user's stored files and bytes beyond the budget.
func (s *Store) ExportFileStats(ctx context.Context, userID string, budget int64) (omitted int, err error) {
	err = s.DB.NewRaw(`SELECT count(*) FROM (SELECT sum(a.size_bytes) OVER (ORDER BY a.id) AS total
		FROM attachments AS a JOIN messages AS m ON m.id = a.message_id
		WHERE m.sender_user_id = ? AND a.storage_key <> '') AS x WHERE total > ?`, userID, budget).Scan(ctx, &omitted)
	if err != nil {
		return 0, fmt.Errorf("export file stats: %w", err)
	}
	return omitted, nil
}

// BlobDeletion is a stored file waiting to be deleted.
type BlobDeletion struct {
	StorageKey string `bun:"storage_key"`
	Attempts   int    `bun:"attempts"`
}

// DueBlobDeletions takes up to limit due deletions and moves each one's next try a minute on
// (so two workers rarely try the same key, and a failing one waits).
func (s *Store) DueBlobDeletions(ctx context.Context, limit int) ([]string, error) {
	var keys []string
	err := s.DB.NewRaw(`WITH due AS (
			SELECT storage_key FROM blob_deletions WHERE next_at <= now() ORDER BY next_at LIMIT ? FOR UPDATE SKIP LOCKED)
		UPDATE blob_deletions AS b SET attempts = b.attempts + 1, next_at = now() + interval '1 minute'
		FROM due WHERE b.storage_key = due.storage_key RETURNING b.storage_key`, limit).Scan(ctx, &keys)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("due blob deletions: %w", err)
	}
	return keys, nil
}

// BlobsDeleted forgets deletions the bucket confirmed.
func (s *Store) BlobsDeleted(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.DB.NewRaw(`DELETE FROM blob_deletions WHERE storage_key IN (?)`, bun.In(keys)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("forget blob deletions: %w", err)
	}
	return nil
}
