package db

import (
	"time"

	"github.com/uptrace/bun"
)

// WebhookAttempt is one HTTP request of a delivery and what came of it.
type WebhookAttempt struct {
	bun.BaseModel `bun:"table:webhook_attempts,alias:wa"`

	ID           int64     `bun:"id,pk,autoincrement"`
	DeliveryID   int64     `bun:"delivery_id,notnull"`
	StartedAt    time.Time `bun:"started_at,notnull"`
	DurationMs   int       `bun:"duration_ms,notnull"`
	StatusCode   *int      `bun:"status_code"`
	Error        string    `bun:"error,notnull"`
	ResponseBody string    `bun:"response_body,notnull"`
}
