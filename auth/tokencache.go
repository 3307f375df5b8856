package auth

import (
	"sync"
	"time"

	"github.com/parley/parley/db"
)

// maxCachedTokens bounds the verified-token cache: a few hundred bytes each.
const maxCachedTokens = 4096

// tokenCache remembers HS256 tokens this replica verified, so that a client's next request
// with the same token skips the HMAC and the JSON decoding (a tenth of a send's CPU).
// Verification depends only on the token, the fixed secret and the clock: every time check
// but expiry (nbf, iat, the lifetime cap) can only go from failing to passing as time moves
// on, so a token verified at t stays verified until it expires. A hit is used only from the
// moment of verification until exp; after exp the token is parsed again and refused as
// before. Tokens from a JWKS are not kept: their key may be withdrawn.
type tokenCache struct {
	mu      sync.RWMutex
	entries map[string]verifiedToken
}

type verifiedToken struct {
	viewer   db.Viewer
	claims   *Claims // read only
	verified time.Time
	expires  time.Time
}

func (tc *tokenCache) get(token string, now time.Time) (db.Viewer, *Claims, bool) {
	tc.mu.RLock()
	e, ok := tc.entries[token]
	tc.mu.RUnlock()
	if !ok || now.Before(e.verified) || !now.Before(e.expires) {
		return db.Viewer{}, nil, false
	}
	return e.viewer, e.claims, true
}

func (tc *tokenCache) put(token string, v db.Viewer, c *Claims, now time.Time) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.entries == nil || len(tc.entries) >= maxCachedTokens {
		tc.prune(now)
	}
	tc.entries[token] = verifiedToken{viewer: v, claims: c, verified: now, expires: c.ExpiresAt.Time}
}

// prune drops expired tokens, and everything when that is not enough.
func (tc *tokenCache) prune(now time.Time) {
	for k, e := range tc.entries {
		if !now.Before(e.expires) {
			delete(tc.entries, k)
		}
	}
	if tc.entries == nil || len(tc.entries) >= maxCachedTokens*3/4 {
		tc.entries = make(map[string]verifiedToken)
	}
}
