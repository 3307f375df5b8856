package resolvers

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"

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

// loadMap loads keys through l in one batch, leaving out keys with no row.
func loadMap[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K) (map[K]V, error) {
	thunks := make([]func() (V, error), len(keys))
	for i, k := range keys {
		thunks[i] = l.LoadThunk(ctx, k)
	}
	out := make(map[K]V, len(keys))
	for i, thunk := range thunks {
		v, err := thunk()
		switch {
		case errors.Is(err, dataloadgen.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out[keys[i]] = v
	}
	return out, nil
}
