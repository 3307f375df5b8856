package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Figures an operator watches (metrics and readiness). Each is one small statement on an index,
// cheap enough to run on every scrape.

// NewestMessageID is the highest committed message id (0 with no messages).
func (s *Store) NewestMessageID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.DB.NewRaw(`SELECT coalesce(max(id), 0) FROM messages`).Scan(ctx, &id); err != nil {
		return 0, fmt.Errorf("newest message id: %w", err)
	}
	return id, nil
}

// OutboxStats describes the webhook deliveries still to be made to active endpoints.
type OutboxStats struct {
	// Pending counts deliveries waiting for an attempt, up to OutboxCountCap.
	Pending int64
	// OldestDue is how long the most overdue delivery has been due and unclaimed (0 when none
	// is): a worker keeping up holds it near its poll interval.
	OldestDue time.Duration
}

// OutboxCountCap bounds the pending count, so a scrape never scans a huge backlog.
const OutboxCountCap = 100000

// WebhookOutboxStats reads the outbox's depth and lateness. Claimed deliveries have their
// next_attempt_at moved past their lease, so they do not count as late while being sent.
func (s *Store) WebhookOutboxStats(ctx context.Context) (OutboxStats, error) {
	var out struct {
		Pending   int64   `bun:"pending"`
		OldestDue float64 `bun:"oldest_due"`
	}
	err := s.DB.NewRaw(`SELECT
		(SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND e.active LIMIT ?) AS p) AS pending,
		coalesce((SELECT greatest(0, extract(epoch FROM now() - d.next_attempt_at))::float8
			FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND e.active ORDER BY d.next_attempt_at LIMIT 1), 0) AS oldest_due`,
		OutboxCountCap).Scan(ctx, &out)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("webhook outbox stats: %w", err)
	}
	return OutboxStats{Pending: out.Pending, OldestDue: time.Duration(out.OldestDue * float64(time.Second))}, nil
}

// PendingMigrations counts the embedded migrations not yet applied to bdb.
func PendingMigrations(ctx context.Context, bdb bun.IDB) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	var applied []string
	if err := bdb.NewRaw(`SELECT name FROM bun_migrations`).Scan(ctx, &applied); err != nil {
		return 0, fmt.Errorf("read applied migrations: %w", err)
	}
	done := make(map[string]bool, len(applied))
	for _, n := range applied {
		done[n] = true
	}
	pending := 0
	for _, m := range ms.Sorted() {
		if !done[m.Name] {
			pending++
		}
	}
	return pending, nil
}
