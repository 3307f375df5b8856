package db

import (
	"time"

	"github.com/uptrace/bun"
)

// MessageRead records that a party read a message.
type MessageRead struct {
	bun.BaseModel `bun:"table:message_reads,alias:mr"`

	MessageID int64     `bun:"message_id,pk"`
	PartyID   string    `bun:"party_id,pk"`
	ReadAt    time.Time `bun:"read_at,notnull,default:current_timestamp"`
}
