package db

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

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
}
