package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// The delivery queue the webhook workers of every replica share. A worker claims due rows in
// one short statement (FOR UPDATE SKIP LOCKED, so replicas never claim the same row), which
// pushes their next_attempt_at past a lease and marks them with a token; it then delivers
// outside any transaction and records the attempt under that token. A worker that dies leaves
// its rows to be claimed again when the lease runs out: delivery is at least once.

// WebhookJob is a claimed delivery: what to send, where, and the secrets to sign it with.
type WebhookJob struct {
	DeliveryID        int64           `bun:"delivery_id"`
	LeaseToken        int64           `bun:"lease_token"`
	Step              int             `bun:"step"` // this attempt's number in the retry schedule, from 1
	EventID           int64           `bun:"event_id"`
	EventType         string          `bun:"event_type"`
	EventData         json.RawMessage `bun:"event_data,type:jsonb"`
	EventCreatedAt    time.Time       `bun:"event_created_at"`
	EndpointID        int64           `bun:"endpoint_id"`
	URL               string          `bun:"url"`
	Secret            string          `bun:"secret"`
	PreviousSecret    *string         `bun:"previous_secret"`
	PreviousExpiresAt *time.Time      `bun:"previous_secret_expires_at"`
	// Traceparent is the W3C trace context of the request that queued the event, if traced.
	Traceparent *string `bun:"event_traceparent"`
}

// Secrets are the secrets that sign the job at now.
func (j *WebhookJob) Secrets(now time.Time) []string {
	e := WebhookEndpoint{Secret: j.Secret, PreviousSecret: j.PreviousSecret, PreviousSecretExpiresAt: j.PreviousExpiresAt}
	return e.Secrets(now)
}

// ClaimWebhookJobs claims up to limit due deliveries of active endpoints for lease. A
// notification.created event's texts are rendered in its recipient's language here, so every
// attempt (and replay) sends them as the user's current locale reads them.
func (s *Store) ClaimWebhookJobs(ctx context.Context, limit int, lease time.Duration) ([]*WebhookJob, error) {
	var jobs []*WebhookJob
	err := s.DB.NewRaw(`WITH due AS (
			SELECT d.id FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND e.active
			ORDER BY d.next_attempt_at, d.id LIMIT ?
			FOR UPDATE OF d SKIP LOCKED
		)
		UPDATE webhook_deliveries AS d
		SET next_attempt_at = now() + make_interval(secs => ?), lease_token = ?, step = d.step + 1, updated_at = now()
		FROM due, webhook_events AS ev, webhook_endpoints AS e
		WHERE d.id = due.id AND ev.id = d.event_id AND e.id = d.endpoint_id
		RETURNING d.id AS delivery_id, d.lease_token, d.step,
			ev.id AS event_id, ev.type AS event_type, ev.data AS event_data, ev.created_at AS event_created_at,
			ev.traceparent AS event_traceparent, e.id AS endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at`,
		limit, lease.Seconds(), rand.Int64()).Scan(ctx, &jobs)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	localizeNotificationEvents(ctx, s.DB, jobs)
	return jobs, nil
}

// WebhookOutcome is what came of an attempt and what to do next.
type WebhookOutcome struct {
	Attempt   WebhookAttempt
	Delivered bool
	// RetryAt is when to try again; nil for no retry (delivered, gone, or the schedule ran out).
	RetryAt *time.Time
	// Gone is a 410 answer: the receiver asks to be disabled.
	Gone bool
	// DisableAfter disables an endpoint whose every attempt failed for this long.
	DisableAfter time.Duration
}

// FinishWebhookJob records an attempt and moves the delivery on, in one transaction. A job
// whose lease was taken over (or replayed) records its attempt and changes nothing else; one
// whose delivery was deleted meanwhile records nothing.
func (s *Store) FinishWebhookJob(ctx context.Context, j *WebhookJob, o WebhookOutcome) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id int64
		err := tx.NewSelect().Table("webhook_deliveries").Column("id").Where("id = ?", j.DeliveryID).For("UPDATE").Scan(ctx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("lock webhook delivery: %w", err)
		}
		o.Attempt.DeliveryID = j.DeliveryID
		if _, err := tx.NewInsert().Model(&o.Attempt).Exec(ctx); err != nil {
			return fmt.Errorf("record webhook attempt: %w", err)
		}
		ok, err := moveDelivery(ctx, tx, j, o)
		if err != nil || !ok {
			return err
		}
		return checkEndpointHealth(ctx, tx, j, o)
	})
}

func moveDelivery(ctx context.Context, tx bun.Tx, j *WebhookJob, o WebhookOutcome) (bool, error) {
	q := tx.NewUpdate().Table("webhook_deliveries").
		Set("lease_token = NULL, updated_at = now()").
		Set("last_status_code = ?, last_error = ?", o.Attempt.StatusCode, o.Attempt.Error).
		Where("id = ? AND lease_token = ?", j.DeliveryID, j.LeaseToken)
	switch {
	case o.Delivered:
		q.Set("status = 'delivered', delivered_at = now()")
	case o.RetryAt != nil:
		q.Set("next_attempt_at = ?", *o.RetryAt)
	default:
		q.Set("status = 'failed'")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("update webhook delivery: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// checkEndpointHealth tracks the endpoint's run of failures and disables it on a 410, when a
// delivery ran out of retries with no success since its first attempt, or when every attempt
// failed for DisableAfter.
func checkEndpointHealth(ctx context.Context, tx bun.Tx, j *WebhookJob, o WebhookOutcome) error {
	if o.Delivered {
		_, err := tx.NewUpdate().Table("webhook_endpoints").Set("failing_since = NULL").
			Where("id = ? AND failing_since IS NOT NULL", j.EndpointID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark webhook endpoint healthy: %w", err)
		}
		return nil
	}
	var since time.Time
	err := tx.NewUpdate().Table("webhook_endpoints").Set("failing_since = coalesce(failing_since, ?)", o.Attempt.StartedAt).
		Where("id = ?", j.EndpointID).Returning("failing_since").Scan(ctx, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("mark webhook endpoint failing: %w", err)
	}
	reason, err := disableReason(ctx, tx, j, o, since)
	if err != nil || reason == "" {
		return err
	}
	return disableEndpoint(ctx, tx, j.EndpointID, reason)
}

// disableReason says why a failing endpoint is to be turned off, or "" to keep it on.
func disableReason(ctx context.Context, tx bun.Tx, j *WebhookJob, o WebhookOutcome, since time.Time) (string, error) {
	if o.Gone {
		return "the receiver answered 410 Gone", nil
	}
	if o.RetryAt == nil {
		// Out of retries: off when nothing succeeded since this delivery's first attempt.
		var first time.Time
		err := tx.NewSelect().Table("webhook_attempts").ColumnExpr("min(started_at)").
			Where("delivery_id = ?", j.DeliveryID).Scan(ctx, &first)
		if err != nil {
			return "", fmt.Errorf("find first webhook attempt: %w", err)
		}
		if !since.After(first) {
			return fmt.Sprintf("every attempt failed since %s and a delivery ran out of retries", wireTime(since)), nil
		}
	}
	if o.DisableAfter > 0 && time.Since(since) >= o.DisableAfter {
		return fmt.Sprintf("every attempt failed since %s", wireTime(since)), nil
	}
	return "", nil
}

// disableEndpoint turns an endpoint off and tells its owner: a notification when the owner is
// a user, a log line otherwise.
func disableEndpoint(ctx context.Context, tx bun.Tx, id int64, reason string) error {
	var rows []struct {
		URL        string  `bun:"url"`
		OwnerParty *string `bun:"owner_party"`
	}
	err := tx.NewUpdate().Table("webhook_endpoints").
		Set("active = false, disabled_reason = ?, updated_at = now()", reason).
		Where("id = ? AND active", id).Returning("url, owner_party").Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("disable webhook endpoint: %w", err)
	}
	if len(rows) == 0 {
		return nil // already off
	}
	owner := rows[0].OwnerParty
	if owner == nil || strings.HasPrefix(*owner, "org:") {
		slog.WarnContext(ctx, "webhooks: endpoint disabled", "endpoint_id", id, "owner", deref(owner), "reason", reason)
		return nil
	}
	return notifyEndpointDisabled(ctx, tx, *owner, id, rows[0].URL, reason)
}

func notifyEndpointDisabled(ctx context.Context, tx bun.Tx, userID string, endpointID int64, url, reason string) error {
	data, _ := json.Marshal(map[string]any{"endpoint_id": endpointID, "url": url, "reason": reason})
	n := &Notification{UserID: userID, Type: "webhook.disabled", Title: "Webhook endpoint disabled",
		Body: url + ": " + reason, Data: data}
	if _, err := tx.NewInsert().Model(n).Returning("id, created_at").Exec(ctx); err != nil {
		return fmt.Errorf("notify webhook owner: %w", err)
	}
	if err := emit(ctx, tx, ChannelState, "n", userID, n.ID); err != nil {
		return err
	}
	slog.WarnContext(ctx, "webhooks: endpoint disabled; owner notified", "endpoint_id", endpointID, "reason", reason)
	return notificationWebhooks(ctx, tx, "n.id = ?", n.ID)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
