package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Listing is a vehicle for sale in the marketplace.
type Listing struct {
	bun.BaseModel `bun:"table:listings,alias:l"`

	ID           string    `bun:"id,pk"`
	SellerID     string    `bun:"seller_id,notnull"`
	Title        string    `bun:"title,notnull"`
	Price        float64   `bun:"price,notnull"`
	ThumbnailURL string    `bun:"thumbnail_url,notnull"`
	Status       string    `bun:"status,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}
