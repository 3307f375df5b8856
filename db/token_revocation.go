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
