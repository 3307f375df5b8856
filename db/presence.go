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
		ON CONFLICT (user_id, replica_id) DO UPDATE SET connections = presence.connections + 1`,
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

// PresenceHeartbeat keeps a replica's presence rows counting: one row per replica, however
// many users it holds. It also drops the rows of replicas gone for ten TTLs (crashed ones).
func (s *Store) PresenceHeartbeat(ctx context.Context, replica string) error {
	_, err := s.DB.NewRaw(`WITH beat AS (
			INSERT INTO replicas (id) VALUES (?0) ON CONFLICT (id) DO UPDATE SET seen_at = now()),
		gone AS (
			DELETE FROM replicas WHERE seen_at < now() - ?1::interval AND id <> ?0 RETURNING id)
		DELETE FROM presence WHERE replica_id IN (SELECT id FROM gone)`,
		replica, ttl(10*PresenceTTL)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("presence heartbeat: %w", err)
	}
	return nil
}

// ClearPresence drops a replica's presence (at start, and at stop) and starts its heartbeat.
func (s *Store) ClearPresence(ctx context.Context, replica string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Table("presence").Where("replica_id = ?", replica).Exec(ctx); err != nil {
			return fmt.Errorf("clear presence: %w", err)
		}
		_, err := tx.NewRaw(`INSERT INTO replicas (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET seen_at = now()`,
			replica).Exec(ctx)
		return err
	})
}

func ttl(d time.Duration) string { return fmt.Sprintf("%d seconds", int(d.Seconds())) }

// Online says which of the given parties (user ids, or org parties meaning any of the
// workshop's users) hold a live connection on any replica.
func (s *Store) Online(ctx context.Context, parties []string) (map[string]bool, error) {
	var online []string
	// Users by id and workshop users by org_nr, each through its own index (an OR in one
	// join would read every user with an org_nr).
	err := s.DB.NewRaw(`WITH who AS (
			SELECT x.party, u.id FROM unnest(?0::text[]) AS x(party) JOIN users u ON u.id = x.party
			UNION ALL
			SELECT x.party, u.id FROM unnest(?0::text[]) AS x(party)
			JOIN users u ON u.org_nr = substr(x.party, 5) AND u.role = 'workshop'
			WHERE starts_with(x.party, 'org:'))
		SELECT DISTINCT who.party FROM who
		JOIN presence AS pr ON pr.user_id = who.id
		JOIN replicas AS r ON r.id = pr.replica_id AND r.seen_at > now() - ?1::interval`,
		pgArray(parties), ttl(PresenceTTL)).Scan(ctx, &online)
	if err != nil {
		return nil, fmt.Errorf("load presence: %w", err)
	}
	out := make(map[string]bool, len(online))
	for _, p := range online {
		out[p] = true
	}
	return out, nil
}
