package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Batch loads for dataloaders: each takes many keys and runs one statement. They return rows
// that were referenced from rows the viewer was already authorised to see.

// UsersByID loads users by id.
func (s *Store) UsersByID(ctx context.Context, ids []string) ([]*User, error) {
	return selectIn[User](ctx, s.DB, "id", ids)
}

// WorkshopsByOrgNr loads workshops by organisation number.
func (s *Store) WorkshopsByOrgNr(ctx context.Context, orgNrs []string) ([]*Workshop, error) {
	return selectIn[Workshop](ctx, s.DB, "org_nr", orgNrs)
}

// ServicesByOrgNr loads the services of workshops, cheapest first.
func (s *Store) ServicesByOrgNr(ctx context.Context, orgNrs []string) (map[string][]*WorkshopService, error) {
	var svcs []*WorkshopService
	err := s.DB.NewSelect().Model(&svcs).Where("org_nr IN (?)", bun.In(orgNrs)).Order("org_nr", "price", "name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load services: %w", err)
	}
	out := make(map[string][]*WorkshopService, len(orgNrs))
	for _, sv := range svcs {
		out[sv.OrgNr] = append(out[sv.OrgNr], sv)
	}
	return out, nil
}

// BookingsByID loads bookings by id.
func (s *Store) BookingsByID(ctx context.Context, ids []int64) ([]*Booking, error) {
	return selectIn[Booking](ctx, s.DB, "id", ids)
}

// ListingsByID loads listings by id.
func (s *Store) ListingsByID(ctx context.Context, ids []string) ([]*Listing, error) {
	return selectIn[Listing](ctx, s.DB, "id", ids)
}

func selectIn[T any, K comparable](ctx context.Context, db bun.IDB, column string, keys []K) ([]*T, error) {
	var rows []*T
	if err := scanSelect(ctx, db, db.NewSelect().Model(&rows).Where("? IN (?)", bun.Ident(column), bun.In(keys)), &rows); err != nil {
		return nil, fmt.Errorf("load %T: %w", rows, err)
	}
	return rows, nil
}
