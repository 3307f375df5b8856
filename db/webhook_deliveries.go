package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event on its way to one endpoint, with its attempts.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd"`

	ID             int64      `bun:"id,pk,autoincrement"`
	EventID        int64      `bun:"event_id,notnull"`
	EndpointID     int64      `bun:"endpoint_id,notnull"`
	Status         string     `bun:"status,notnull"`
	Step           int        `bun:"step,notnull"`
	NextAttemptAt  time.Time  `bun:"next_attempt_at,notnull"`
	LeaseToken     *int64     `bun:"lease_token"`
	LastStatusCode *int       `bun:"last_status_code"`
	LastError      string     `bun:"last_error,notnull"`
	DeliveredAt    *time.Time `bun:"delivered_at"`
	CreatedAt      time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull,default:current_timestamp"`

	Event    *WebhookEvent     `bun:"rel:belongs-to,join:event_id=id"`
	Attempts []*WebhookAttempt `bun:"rel:has-many,join:id=delivery_id"`
}
