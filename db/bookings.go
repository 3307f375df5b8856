package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Booking is a car owner's appointment with a workshop; its thread is a conversation.
type Booking struct {
	bun.BaseModel `bun:"table:bookings,alias:b"`

	ID            int64     `bun:"id,pk"`
	CarOwnerID    string    `bun:"car_owner_id,notnull"`
	WorkshopOrgNr string    `bun:"workshop_org_nr,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt     time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}
