package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Conversation is a thread: about a booking (car owner and workshop) or a listing (buyer and
// seller).
type Conversation struct {
	bun.BaseModel `bun:"table:conversations,alias:c"`

	ID             int64     `bun:"id,pk,autoincrement"`
	Kind           string    `bun:"kind,notnull"`
	BookingID      *int64    `bun:"booking_id"`
	ListingID      *string   `bun:"listing_id"`
	BuyerID        *string   `bun:"buyer_id"`
	LastMessageID  *int64    `bun:"last_message_id"`
	MessageCount   int       `bun:"message_count,notnull"`
	LastActivityAt time.Time `bun:"last_activity_at,notnull,default:current_timestamp"`
	CreatedAt      time.Time `bun:"created_at,notnull,default:current_timestamp"`
}
