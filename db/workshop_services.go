package db

import "github.com/uptrace/bun"

// WorkshopService is one priced service a workshop offers.
type WorkshopService struct {
	bun.BaseModel `bun:"table:workshop_services,alias:ws"`

	ID       int64   `bun:"id,pk,autoincrement"`
	OrgNr    string  `bun:"org_nr,notnull"`
	Name     string  `bun:"name,notnull"`
	Category string  `bun:"category,notnull"`
	Price    float64 `bun:"price,notnull"`
}
