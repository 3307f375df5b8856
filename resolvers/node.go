package resolvers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
)

// nodeUser shows the viewer themself, or someone they share a conversation with.
func (r *queryResolver) nodeUser(ctx context.Context, v db.Viewer, userID string) (db.Node, error) {
	if userID != v.UserID {
		ok, err := r.Store.SharesConversation(ctx, v, userID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("user: %w", db.ErrNotFound)
		}
	}
	return loadOne(ctx, r.loaders(ctx).users, userID)
}

// nodeReport shows a report to the back office only; to a user it does not exist.
func (r *queryResolver) nodeReport(ctx context.Context, key string) (db.Node, error) {
	if err := auth.BackOffice(ctx); err != nil {
		if errors.Is(err, auth.ErrForbidden) {
			return nil, fmt.Errorf("report: %w", db.ErrNotFound)
		}
		return nil, err
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("report: %w", db.ErrNotFound)
	}
	return r.Store.Report(ctx, id)
}

// nodeSubject shows a booking to its parties, and a listing to any marketplace user.
func (r *queryResolver) nodeSubject(ctx context.Context, v db.Viewer, typ, key string, n int64, parseErr error) (db.Node, error) {
	if typ == "Booking" {
		if parseErr != nil {
			return nil, fmt.Errorf("booking: %w", db.ErrNotFound)
		}
		if _, err := r.Store.ThreadByBooking(ctx, v, n); err != nil {
			return nil, err
		}
		return loadOne(ctx, r.loaders(ctx).bookings, n)
	}
	if v.Kind() != db.KindListing {
		return nil, fmt.Errorf("listing: %w", db.ErrNotFound)
	}
	return loadOne(ctx, r.loaders(ctx).listings, key)
}
