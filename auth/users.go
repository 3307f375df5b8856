package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/parley/parley/db"
)

// DefaultRecheck is how long a replica trusts its copy of a user's token revocation before it
// reads the row again: a revocation made on another replica holds there within this time.
const DefaultRecheck = 10 * time.Second

// touchEvery is how often an unchanged user's row is refreshed (last_seen_at).
const touchEvery = 5 * time.Minute

// userState is what a replica remembers of a user between requests.
type userState struct {
	claims  userClaims // the claims last written to the row
	written time.Time  // when the row was last written
	checked time.Time  // when revoked was last read
	revoked time.Time  // tokens issued before this are refused
}

// userClaims are the token claims the user's row records; compared as they are, with no
// string built on every request.
type userClaims struct{ role, orgNr, name, locale string }

// checkRevoked records the user (creating the row on first sight) and refuses a token issued
// (at iat; zero when it has none) before the user's revocation time. The row is written at
// most every few minutes and its revocation time read at most every recheck period, so most
// requests cost no round trip.
func (a *Authenticator) checkRevoked(ctx context.Context, v db.Viewer, iat time.Time) error {
	if a.store == nil {
		return nil
	}
	revoked, err := a.revokedBefore(ctx, v)
	if err != nil {
		return err
	}
	if revoked.IsZero() {
		return nil
	}
	if iat.IsZero() || iat.Before(revoked) {
		return fmt.Errorf("token was revoked: %w", ErrUnauthenticated)
	}
	return nil
}

// StillValid tells whether a principal authenticated earlier (a WebSocket's, at
// connection_init) would be accepted now: its token has not expired (with the same clock
// skew a fresh request gets) and was not revoked since.
func (a *Authenticator) StillValid(ctx context.Context, p *Principal) error {
	if p.User == nil {
		return nil
	}
	if !p.Expires.IsZero() && time.Now().After(p.Expires.Add(ClockSkew)) {
		return fmt.Errorf("token expired: %w", ErrUnauthenticated)
	}
	return a.checkRevoked(ctx, *p.User, p.IssuedAt)
}

func (a *Authenticator) revokedBefore(ctx context.Context, v db.Viewer) (time.Time, error) {
	now := time.Now()
	claims := userClaims{v.Role, v.OrgNr, v.Name, v.Locale}
	st, _ := a.users.Load(v.UserID)
	s, _ := st.(userState)
	gen := a.generation()
	switch {
	case s.claims != claims || now.Sub(s.written) >= touchEvery:
		revoked, err := a.store.TouchUser(ctx, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("record user: %w", err)
		}
		s = userState{claims: claims, written: now, checked: now, revoked: revoked}
	case now.Sub(s.checked) >= a.recheck:
		revoked, err := a.store.TokensRevokedBefore(ctx, v.UserID)
		if err != nil {
			return time.Time{}, err
		}
		s.checked, s.revoked = now, revoked
	default:
		return s.revoked, nil
	}
	a.keep(v.UserID, s, gen)
	if !s.revoked.IsZero() {
		a.endWatches(v.UserID, s.revoked)
	}
	return s.revoked, nil
}

// generation counts the revocations this replica has heard of (see keep).
func (a *Authenticator) generation() uint64 {
	a.genMu.Lock()
	defer a.genMu.Unlock()
	return a.gen
}

// keep stores what a request read of the user, unless a revocation arrived since it began
// reading: the request's copy may predate it and would hide it until the next recheck.
func (a *Authenticator) keep(userID string, s userState, gen uint64) {
	a.genMu.Lock()
	defer a.genMu.Unlock()
	if a.gen == gen {
		a.users.Store(userID, s)
	}
}

// Revoked tells this replica at once that the user's tokens issued before t are refused: the
// next request reads the row again, and the user's open subscriptions opened with such a token
// end. Other replicas learn it within their recheck period.
func (a *Authenticator) Revoked(userID string, t time.Time) {
	a.genMu.Lock()
	a.gen++
	a.users.Delete(userID)
	a.genMu.Unlock()
	a.endWatches(userID, t)
}

// watch is an open subscription that ends when its token is revoked.
type watch struct {
	iat time.Time
	end func()
}

// Watch calls end when this replica learns that the user's tokens issued at iat are revoked
// (by Revoked, on rereading the row for a request, or every recheck period: see
// RecheckWatches). stop forgets the watch.
func (a *Authenticator) Watch(userID string, iat time.Time, end func()) (stop func()) {
	w := &watch{iat: iat, end: end}
	a.mu.Lock()
	if a.watches == nil {
		a.watches = map[string]map[*watch]struct{}{}
	}
	if a.watches[userID] == nil {
		a.watches[userID] = map[*watch]struct{}{}
	}
	a.watches[userID][w] = struct{}{}
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		delete(a.watches[userID], w)
		if len(a.watches[userID]) == 0 {
			delete(a.watches, userID)
		}
	}
}

// endWatches ends the user's subscriptions opened with tokens issued before t.
func (a *Authenticator) endWatches(userID string, t time.Time) {
	var ended []func()
	a.mu.Lock()
	for w := range a.watches[userID] {
		if w.iat.Before(t) {
			ended = append(ended, w.end)
		}
	}
	a.mu.Unlock()
	for _, end := range ended {
		end()
	}
}
