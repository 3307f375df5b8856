package db

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// Workshop is a garage, identified by its organisation number.
type Workshop struct {
	bun.BaseModel `bun:"table:workshops,alias:w"`

	OrgNr        string            `bun:"org_nr,pk"`
	Name         string            `bun:"name,notnull"`
	AddressLine  string            `bun:"address_line,notnull"`
	City         string            `bun:"city,notnull"`
	PostalCode   string            `bun:"postal_code,notnull"`
	Latitude     *float64          `bun:"latitude"`
	Longitude    *float64          `bun:"longitude"`
	Logo         []json.RawMessage `bun:"logo,type:jsonb,notnull"`
	Categories   []json.RawMessage `bun:"categories,type:jsonb,notnull"`
	AvgRating    float64           `bun:"avg_rating,notnull"`
	TotalReviews int               `bun:"total_reviews,notnull"`
	SearchText   string            `bun:"search_text,notnull"`
	CreatedAt    time.Time         `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time         `bun:"updated_at,notnull,default:current_timestamp"`
}
