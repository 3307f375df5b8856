package db

import (
	"time"

	"github.com/uptrace/bun"
)

// MessageTemplate is a reusable message with {{variable}} placeholders.
type MessageTemplate struct {
	bun.BaseModel `bun:"table:message_templates,alias:mt"`

	ID        int64     `bun:"id,pk,autoincrement"`
	OwnerID   string    `bun:"owner_id,notnull"`
	Name      string    `bun:"name,notnull"`
	Category  string    `bun:"category,notnull"`
	Content   string    `bun:"content,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`
}
