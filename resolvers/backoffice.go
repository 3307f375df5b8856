package resolvers

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

// Back-office mutations: only an API key may call them.

func (r *mutationResolver) UpsertUser(ctx context.Context, in graph.UpsertUserInput) (*db.User, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	u := &db.User{ID: in.UserID, Role: strings.ToLower(string(in.Role)), Name: deref(in.Name),
		AvatarURL: deref(in.AvatarURL), Verified: deref(in.Verified), OrgNr: in.OrgNr, Locale: in.Locale}
	if in.Email != nil {
		e := strings.TrimSpace(*in.Email)
		u.Email = &e
	}
	if err := r.Store.UpsertUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

func (r *mutationResolver) UpsertWorkshop(ctx context.Context, in graph.UpsertWorkshopInput) (*db.Workshop, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	w := &db.Workshop{
		OrgNr: in.OrgNr, Name: in.Name, AddressLine: deref(in.AddressLine), City: deref(in.City),
		PostalCode: deref(in.PostalCode), Latitude: in.Latitude, Longitude: in.Longitude,
		AvgRating: deref(in.AvgRating), TotalReviews: deref(in.TotalReviews),
	}
	var err error
	if w.Logo, err = rawList("logo", in.Logo); err != nil {
		return nil, err
	}
	if w.Categories, err = rawList("categories", in.Categories); err != nil {
		return nil, err
	}
	services := make([]*db.WorkshopService, len(in.Services))
	for i, s := range in.Services {
		services[i] = &db.WorkshopService{Name: s.Name, Category: deref(s.Category), Price: s.Price}
	}
	if err := r.Store.UpsertWorkshop(ctx, w, services); err != nil {
		return nil, err
	}
	return w, nil
}

func rawList(field string, in []any) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(in))
	for i, v := range in {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, db.Invalid(field, "is not JSON")
		}
		out[i] = b
	}
	return out, nil
}

func (r *mutationResolver) UpsertBooking(ctx context.Context, in graph.UpsertBookingInput) (*db.Booking, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	b := &db.Booking{ID: int64(in.BookingID), CarOwnerID: in.CarOwnerID, WorkshopOrgNr: in.WorkshopOrgNr}
	if err := r.Store.UpsertBooking(ctx, b); err != nil {
		return nil, err
	}
	return b, nil
}

func (r *mutationResolver) UpsertListing(ctx context.Context, in graph.UpsertListingInput) (*db.Listing, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id := strings.TrimPrefix(in.ListingID, "lst_")
	if !validListingID(id) {
		return nil, db.Invalid("listingId", "must be 1 to 64 letters, digits, _ or -")
	}
	l := &db.Listing{ID: id, SellerID: in.SellerID, Title: in.Title, Price: deref(in.Price),
		ThumbnailURL: deref(in.ThumbnailURL)}
	if in.Status != nil {
		l.Status = strings.ToLower(string(*in.Status))
	}
	if err := r.Store.UpsertListing(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

func validListingID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (r *mutationResolver) IssueToken(ctx context.Context, in graph.IssueTokenInput) (*graph.IssuedToken, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	ttl := 24 * time.Hour
	if in.TTLSeconds != nil {
		ttl = time.Duration(*in.TTLSeconds) * time.Second
	}
	if maxTTL := r.Tokens.MaxTTL; ttl <= 0 || ttl > maxTTL {
		return nil, db.Invalid("ttlSeconds", "must be between 1 and %d (PARLEY_JWT_MAX_TTL)", int(maxTTL.Seconds()))
	}
	v := db.Viewer{UserID: in.UserID, Role: strings.ToLower(string(in.Role)), OrgNr: deref(in.OrgNr), Name: deref(in.Name)}
	if err := checkViewerClaims(v); err != nil {
		return nil, err
	}
	tok, exp, err := r.Tokens.Mint(v, ttl)
	if err != nil {
		return nil, err
	}
	return &graph.IssuedToken{Token: tok, ExpiresAt: exp}, nil
}

// RevokeUserTokens refuses the user's tokens issued before the given moment (now by default).
// A moment in the future would lock the user out until then, so it is refused.
func (r *mutationResolver) RevokeUserTokens(ctx context.Context, userID string, before *time.Time) (*graph.TokenRevocation, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	at := time.Now()
	if before != nil {
		if before.After(at.Add(auth.ClockSkew)) {
			return nil, db.Invalid("before", "must not be in the future")
		}
		at = *before
	}
	// iat has whole seconds: round up so that a token of the same second is refused too.
	if t := at.Truncate(time.Second); !t.Equal(at) {
		at = t.Add(time.Second)
	}
	stored, err := r.Store.RevokeUserTokens(ctx, userID, at)
	if err != nil {
		return nil, err
	}
	r.Tokens.Revoked(userID, stored)
	return &graph.TokenRevocation{UserID: userID, RevokedBefore: stored}, nil
}

func checkViewerClaims(v db.Viewer) error {
	switch {
	case v.UserID == "" || len(v.UserID) > 128 || strings.HasPrefix(v.UserID, "org:"):
		return db.Invalid("userId", "must be 1 to 128 characters and not start with org:")
	case v.Role == db.RoleWorkshop && !db.ValidOrgNr(v.OrgNr):
		return db.Invalid("orgNr", "a workshop user needs a valid 9-digit organisation number")
	}
	return nil
}
