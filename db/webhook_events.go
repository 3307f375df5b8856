package db

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// Webhook event types.
const (
	EventMessageReceived     = "message.received"
	EventMessageRead         = "message.read"
	EventConversationCreated = "conversation.created"
	EventNotificationCreated = "notification.created"
	EventMessageReported     = "message.reported"
	EventMessageUpdated      = "message.updated"
	EventMessageDeleted      = "message.deleted"
)

// WebhookEventTypes are the event types an endpoint may subscribe to.
var WebhookEventTypes = []string{EventMessageReceived, EventMessageRead, EventConversationCreated,
	EventNotificationCreated, EventMessageReported, EventMessageUpdated, EventMessageDeleted}

// WebhookEvent is one event in the outbox, written with the change that caused it.
type WebhookEvent struct {
	bun.BaseModel `bun:"table:webhook_events,alias:wev"`

	ID        int64           `bun:"id,pk,autoincrement"`
	Type      string          `bun:"type,notnull"`
	Data      json.RawMessage `bun:"data,type:jsonb,notnull"`
	CreatedAt time.Time       `bun:"created_at,notnull,default:current_timestamp"`
}
