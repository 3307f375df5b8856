package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// PresenceTTL is how long a replica's presence rows count without a heartbeat.
const PresenceTTL = 45 * time.Second

// PresenceUp records that a user holds a live connection on a replica.
func (s *Store) PresenceUp(ctx context.Context, replica, userID string) error {
	_, err := s.DB.NewRaw(`INSERT INTO presence (user_id, replica_id, connections) VALUES (?, ?, 1)
		ON CONFLICT (user_id, replica_id) DO UPDATE SET connections = presence.connections + 1, seen_at = now()`,
		userID, replica).Exec(ctx)
	if err != nil {
		return fmt.Errorf("presence up: %w", err)
	}
	return emit(ctx, s.DB, ChannelEphemeral, "p", userID)
}

// PresenceDown records that a user dropped a live connection on a replica, and when they
// were last seen.
func (s *Store) PresenceDown(ctx context.Context, replica, userID string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("presence").Set("connections = connections - 1").
			Where("user_id = ? AND replica_id = ? AND connections > 1", userID, replica).Exec(ctx)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				_, err = tx.NewDelete().Table("presence").Where("user_id = ? AND replica_id = ?", userID, replica).Exec(ctx)
			}
		}
		if err != nil {
			return fmt.Errorf("presence down: %w", err)
		}
		if _, err := tx.NewUpdate().Table("users").Set("last_seen_at = now()").Where("id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("last seen: %w", err)
		}
		return emit(ctx, tx, ChannelEphemeral, "p", userID)
	})
}

// PresenceHeartbeat keeps a replica's rows fresh; ClearPresence drops them (at start and stop).
func (s *Store) PresenceHeartbeat(ctx context.Context, replica string) error {
	_, err := s.DB.NewUpdate().Table("presence").Set("seen_at = now()").Where("replica_id = ?", replica).Exec(ctx)
	return err
}

// ClearPresence removes a replica's presence rows.
func (s *Store) ClearPresence(ctx context.Context, replica string) error {
	_, err := s.DB.NewDelete().Table("presence").Where("replica_id = ?", replica).Exec(ctx)
	return err
}

// Online says which of the given parties (user ids, or org parties meaning any of the
// workshop's users) hold a live connection on any replica.
func (s *Store) Online(ctx context.Context, parties []string) (map[string]bool, error) {
	var online []string
	err := s.DB.NewRaw(`SELECT DISTINCT x.party FROM unnest(?::text[]) AS x(party)
		JOIN users AS u ON u.id = x.party OR x.party = 'org:' || u.org_nr
		JOIN presence AS pr ON pr.user_id = u.id AND pr.seen_at > now() - ?::interval`,
		pgArray(parties), fmt.Sprintf("%d seconds", int(PresenceTTL.Seconds()))).Scan(ctx, &online)
	if err != nil {
		return nil, fmt.Errorf("load presence: %w", err)
	}
	out := make(map[string]bool, len(online))
	for _, p := range online {
		out[p] = true
	}
	return out, nil
}
