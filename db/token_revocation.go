package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RevokeUserTokens refuses the user's tokens issued before the given moment. Revocation only
// moves forward: an earlier moment than the stored one keeps the stored one, which it returns.
func (s *Store) RevokeUserTokens(ctx context.Context, userID string, before time.Time) (time.Time, error) {
	var at time.Time
	err := s.DB.NewRaw(`UPDATE users SET tokens_revoked_before = GREATEST(tokens_revoked_before, ?), updated_at = now()
		WHERE id = ? RETURNING tokens_revoked_before`, before, userID).Scan(ctx, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, fmt.Errorf("user %q: %w", userID, ErrNotFound)
	case err != nil:
		return time.Time{}, fmt.Errorf("revoke tokens: %w", err)
	}
	return at, nil
}

// TokensRevokedBefore is the user's token revocation time; zero when none or no such user.
func (s *Store) TokensRevokedBefore(ctx context.Context, userID string) (time.Time, error) {
	var at sql.NullTime
	err := s.DB.NewRaw(`SELECT tokens_revoked_before FROM users WHERE id = ?`, userID).Scan(ctx, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("read token revocation: %w", err)
	}
	return at.Time, nil
}

// TokensRevokedSince reads, in one statement, the revocation times of the given users that
// are later than the matching issuedAt: the users whose tokens of that age are now refused.
// issuedAt[i] belongs to userIDs[i]; a zero time matches any revocation.
func (s *Store) TokensRevokedSince(ctx context.Context, userIDs []string, issuedAt []time.Time) (map[string]time.Time, error) {
	var rows []struct {
		ID      string    `bun:"id"`
		Revoked time.Time `bun:"tokens_revoked_before"`
	}
	err := s.DB.NewRaw(`SELECT u.id, u.tokens_revoked_before
		FROM unnest(?::text[], ?::timestamptz[]) AS w(id, iat) JOIN users u ON u.id = w.id
		WHERE u.tokens_revoked_before > w.iat`, pgArray(userIDs), pgArray(issuedAt)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read token revocations: %w", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Revoked
	}
	return out, nil
}
