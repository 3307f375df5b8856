package db

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// NotificationMessageReceived is the type of a notification about a new message.
const NotificationMessageReceived = "message.received"

// Notification is something a user should know about, such as a new message.
type Notification struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`

	ID             int64           `bun:"id,pk,autoincrement"`
	UserID         string          `bun:"user_id,notnull"`
	Type           string          `bun:"type,notnull"`
	Title          string          `bun:"title,notnull"`
	Body           string          `bun:"body,notnull"`
	Data           json.RawMessage `bun:"data,type:jsonb,notnull"`
	ConversationID *int64          `bun:"conversation_id"`
	MessageID      *int64          `bun:"message_id"`
	ReadAt         *time.Time      `bun:"read_at"`
	CreatedAt      time.Time       `bun:"created_at,notnull,default:current_timestamp"`

	// Read with the row, never stored (withReaderText): what rendering its texts in the
	// reader's language needs.
	UserLocale     string `bun:"user_locale,scanonly"`
	SenderName     string `bun:"sender_name,scanonly"`
	AttachmentOnly bool   `bun:"attachment_only,scanonly"`
	HasMessage     bool   `bun:"has_message,scanonly"`
}
