package resolvers

import (
	"context"

	"github.com/parley/parley/db"
)

// Display data for rows the caller was already authorised to see, through the per-request
// batch loaders GraphQL's fields use, so both front doors read it the same way and in one
// statement per kind. A key with no row is left out of the map.

// BookingsByID loads bookings.
func (r *Resolver) BookingsByID(ctx context.Context, ids []int64) (map[int64]*db.Booking, error) {
	return loadMap(ctx, r.loaders(ctx).bookings, ids)
}

// ListingsByID loads listings.
func (r *Resolver) ListingsByID(ctx context.Context, ids []string) (map[string]*db.Listing, error) {
	return loadMap(ctx, r.loaders(ctx).listings, ids)
}

// UsersByID loads users.
func (r *Resolver) UsersByID(ctx context.Context, ids []string) (map[string]*db.User, error) {
	return loadMap(ctx, r.loaders(ctx).users, ids)
}

// WorkshopsByOrgNr loads workshops.
func (r *Resolver) WorkshopsByOrgNr(ctx context.Context, orgNrs []string) (map[string]*db.Workshop, error) {
	return loadMap(ctx, r.loaders(ctx).workshops, orgNrs)
}

// MessagesByID loads messages as the caller of ctx sees them.
func (r *Resolver) MessagesByID(ctx context.Context, ids []int64) (map[int64]*db.Message, error) {
	return loadMap(ctx, r.loaders(ctx).messages, ids)
}

// AttachmentsOf loads the attachments of messages, by message id.
func (r *Resolver) AttachmentsOf(ctx context.Context, messageIDs []int64) (map[int64][]*db.Attachment, error) {
	return loadMap(ctx, r.loaders(ctx).attachments, messageIDs)
}

// ParticipantsOf loads the participants of threads, by thread id.
func (r *Resolver) ParticipantsOf(ctx context.Context, threadIDs []int64) (map[int64][]*db.Participant, error) {
	return loadMap(ctx, r.loaders(ctx).participants, threadIDs)
}

// ServicesOf loads the services of workshops, by organisation number.
func (r *Resolver) ServicesOf(ctx context.Context, orgNrs []string) (map[string][]*db.WorkshopService, error) {
	return loadMap(ctx, r.loaders(ctx).services, orgNrs)
}

// loadMap fetches keys in one statement, without the loader's batching window (the caller
// holds them all), and primes the loader with what it found; keys with no row are left out.
func loadMap[K comparable, V any](ctx context.Context, l *batch[K, V], keys []K) (map[K]V, error) {
	if len(keys) == 0 {
		return map[K]V{}, nil
	}
	out, err := l.fetch(ctx, keys)
	if err != nil {
		return nil, err
	}
	for k, v := range out {
		l.Prime(k, v)
	}
	return out, nil
}
