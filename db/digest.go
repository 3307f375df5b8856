package db

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// The e-mail digest of unread messages (issue 15). A user is due one when they have an
// e-mail address, have not turned digests off, hold no live subscription, were last seen more
// than `after` ago, got no digest within `after`, and hold unread message notifications older
// than `after` that no earlier digest covered. Workers claim due users with a lease, as push
// and webhook workers claim their rows.

// DigestClaim is a user claimed for a digest.
type DigestClaim struct {
	UserID     string    `bun:"user_id"`
	Email      string    `bun:"email"`
	Locale     string    `bun:"locale"`
	LeaseToken int64     `bun:"lease_token"`
	Since      time.Time `bun:"since"`      // the end of the previous digest's window
	WindowEnd  time.Time `bun:"window_end"` // notifications up to here are in this digest
}

// DigestEntry is one conversation of a digest.
type DigestEntry struct {
	ConversationID int64     `bun:"conversation_id"`
	Unread         int       `bun:"unread"`
	SenderName     string    `bun:"sender_name"` // of the newest unread message
	Latest         time.Time `bun:"latest"`
}

// ClaimDigests claims up to limit users due a digest for lease.
func (s *Store) ClaimDigests(ctx context.Context, limit int, after, lease time.Duration) ([]*DigestClaim, error) {
	var out []*DigestClaim
	err := s.DB.NewRaw(`WITH due AS (
			SELECT u.id, u.email, coalesce(u.locale, '') AS locale, coalesce(d.window_end, 'epoch') AS since
			FROM (SELECT DISTINCT n.user_id FROM notifications AS n
				WHERE n.read_at IS NULL AND n.type = 'message.received' AND n.created_at < now() - ?0::interval) AS un
			JOIN users AS u ON u.id = un.user_id
			LEFT JOIN digest_state AS d ON d.user_id = u.id
			WHERE u.email IS NOT NULL AND d.unsubscribed_at IS NULL
				AND coalesce(d.leased_until, '-infinity') < now()
				AND coalesce(d.sent_at, '-infinity') < now() - ?0::interval
				AND coalesce(u.last_seen_at, '-infinity') < now() - ?0::interval
				AND NOT EXISTS (SELECT 1 FROM presence AS pr JOIN replicas AS r ON r.id = pr.replica_id
					WHERE pr.user_id = u.id AND r.seen_at > now() - ?1::interval)
				AND EXISTS (SELECT 1 FROM notifications AS n WHERE n.user_id = u.id AND n.read_at IS NULL
					AND n.type = 'message.received' AND n.created_at < now() - ?0::interval
					AND n.created_at > coalesce(d.window_end, '-infinity'))
			ORDER BY u.id LIMIT ?2),
		claimed AS (
			INSERT INTO digest_state AS d (user_id, lease_token, leased_until)
			SELECT due.id, ?3, now() + make_interval(secs => ?4) FROM due
			ON CONFLICT (user_id) DO UPDATE SET lease_token = EXCLUDED.lease_token, leased_until = EXCLUDED.leased_until
			-- Checked again on the row as it is now: a worker whose read above came before
			-- another's claim and finish (leased_until back to NULL) must not mail again.
			WHERE coalesce(d.leased_until, '-infinity') < now() AND d.unsubscribed_at IS NULL
				AND coalesce(d.sent_at, '-infinity') < now() - ?0::interval
			RETURNING d.user_id, d.lease_token)
		SELECT claimed.user_id, due.email, due.locale, claimed.lease_token, due.since, now() - ?0::interval AS window_end
		FROM claimed JOIN due ON due.id = claimed.user_id ORDER BY claimed.user_id`,
		ttl(after), ttl(PresenceTTL), limit, rand.Int64(), lease.Seconds()).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("claim digests: %w", err)
	}
	return out, nil
}

// DigestEntries lists a claimed digest's conversations, newest first: one entry per
// conversation, whatever the number of unread messages in it.
func (s *Store) DigestEntries(ctx context.Context, c *DigestClaim, limit int) ([]*DigestEntry, error) {
	var out []*DigestEntry
	err := s.DB.NewRaw(`SELECT n.conversation_id, count(*) AS unread, max(n.created_at) AS latest,
			coalesce((array_agg(su.name ORDER BY n.id DESC))[1], '') AS sender_name
		FROM notifications AS n
		LEFT JOIN messages AS m ON m.id = n.message_id
		LEFT JOIN users AS su ON su.id = m.sender_user_id
		WHERE n.user_id = ? AND n.read_at IS NULL AND n.type = 'message.received' AND n.conversation_id IS NOT NULL
			AND n.created_at > ? AND n.created_at <= ?
		GROUP BY n.conversation_id ORDER BY latest DESC, n.conversation_id LIMIT ?`,
		c.UserID, c.Since, c.WindowEnd, limit).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("load digest entries: %w", err)
	}
	return out, nil
}

// FinishDigest records a digest as sent (its window closed) or, with sent false, releases the
// claim for another try after retryAt. False when the claim was lost.
func (s *Store) FinishDigest(ctx context.Context, c *DigestClaim, sent bool, retryAt time.Time) (bool, error) {
	q := s.DB.NewUpdate().Table("digest_state").Set("lease_token = NULL").
		Where("user_id = ? AND lease_token = ?", c.UserID, c.LeaseToken)
	if sent {
		q.Set("leased_until = NULL, sent_at = now(), window_end = ?", c.WindowEnd)
	} else {
		q.Set("leased_until = ?", retryAt)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("finish digest: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// StopDigests turns a user's digests off (the one-click unsubscribe). Unknown users change
// nothing.
func (s *Store) StopDigests(ctx context.Context, userID string) error {
	_, err := s.DB.NewRaw(`INSERT INTO digest_state (user_id, unsubscribed_at)
		SELECT id, now() FROM users WHERE id = ?
		ON CONFLICT (user_id) DO UPDATE SET unsubscribed_at = coalesce(digest_state.unsubscribed_at, now())`, userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("stop digests: %w", err)
	}
	return nil
}

// DigestsStopped tells whether a user turned digests off.
func (s *Store) DigestsStopped(ctx context.Context, userID string) (bool, error) {
	var n int
	err := s.DB.NewRaw("SELECT count(*) FROM digest_state WHERE user_id = ? AND unsubscribed_at IS NOT NULL", userID).Scan(ctx, &n)
	if err != nil {
		return false, fmt.Errorf("read digest state: %w", err)
	}
	return n > 0, nil
}

// UnsubscribeKey is the key that signs unsubscribe links (made by the migration).
func (s *Store) UnsubscribeKey(ctx context.Context) ([]byte, error) {
	var key string
	if err := s.DB.NewRaw("SELECT unsubscribe_key FROM away_keys").Scan(ctx, &key); err != nil {
		return nil, fmt.Errorf("load unsubscribe key: %w", err)
	}
	return []byte(key), nil
}

// UserLocale is the user's stored language (nb, en), or "" when none is set.
func (s *Store) UserLocale(ctx context.Context, userID string) (string, error) {
	var l string
	if err := s.DB.NewRaw("SELECT coalesce(locale, '') FROM users WHERE id = ?", userID).Scan(ctx, &l); err != nil {
		return "", fmt.Errorf("read user locale: %w", err)
	}
	return l, nil
}
