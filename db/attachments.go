package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Attachment is a file sent with a message: stored by Parley (StorageKey) or elsewhere (URL).
type Attachment struct {
	bun.BaseModel `bun:"table:attachments,alias:a"`

	ID          int64     `bun:"id,pk,autoincrement"`
	MessageID   int64     `bun:"message_id,notnull"`
	Name        string    `bun:"name,notnull"`
	ContentType string    `bun:"content_type,notnull"`
	SizeBytes   int64     `bun:"size_bytes,notnull"`
	StorageKey  string    `bun:"storage_key,notnull"`
	URL         string    `bun:"url,notnull"`
	SHA256      string    `bun:"sha256,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull,default:current_timestamp"`
}
