package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Report is a user's complaint about a message, waiting for moderation.
type Report struct {
	bun.BaseModel `bun:"table:reports,alias:r"`

	ID         int64      `bun:"id,pk,autoincrement"`
	MessageID  int64      `bun:"message_id,notnull"`
	ReporterID string     `bun:"reporter_id,notnull"`
	Reason     string     `bun:"reason,notnull"`
	Details    string     `bun:"details,notnull"`
	Status     string     `bun:"status,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	ResolvedAt *time.Time `bun:"resolved_at"`
	// ResolutionNote is what the moderator wrote when resolving.
	ResolutionNote string `bun:"resolution_note,notnull"`
}
