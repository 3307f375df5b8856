// Package auth owns who is calling: it turns a request's credentials into a Principal (a user
// from a bearer JWT, or a back-office system from an API key), mints tokens and learns of
// revocations. Resolvers read the Principal from the context; the HTTP middleware and the
// WebSocket transport put it there. It imports db (users, revocations) and nothing that serves
// requests, so every layer above storage may import it.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parley/parley/db"
)

var (
	// ErrUnauthenticated means no credentials, or credentials that do not verify.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrMissingCredentials is ErrUnauthenticated for a caller that sent none at all (a
	// WebSocket closes with 4401 for it, and 4403 for credentials that do not verify).
	ErrMissingCredentials = fmt.Errorf("missing credentials: send Authorization: Bearer <token>: %w", ErrUnauthenticated)
	// ErrForbidden means valid credentials of the wrong kind or role for the operation.
	ErrForbidden = db.ErrForbidden
)

// Principal is who is calling: a user, or a back-office system holding an API key.
type Principal struct {
	User   *db.Viewer
	APIKey bool
	// KeyID names which API key called (a digest, never the key): each key has its own
	// rate bucket.
	KeyID string
	// Expires is when a user's token stops being valid (zero for an API key).
	Expires time.Time
	// IssuedAt is the token's iat (zero when it has none, or for an API key).
	IssuedAt time.Time
}

type ctxKey struct{}

type result struct {
	p   *Principal
	err error
}

// WithPrincipal stores the outcome of authenticating a request in ctx.
func WithPrincipal(ctx context.Context, p *Principal, err error) context.Context {
	return context.WithValue(ctx, ctxKey{}, result{p, err})
}

// PrincipalFrom returns who is calling, or why they are not authenticated.
func PrincipalFrom(ctx context.Context) (*Principal, error) {
	r, _ := ctx.Value(ctxKey{}).(result)
	if r.err != nil {
		return nil, r.err
	}
	if r.p == nil {
		return nil, ErrMissingCredentials
	}
	return r.p, nil
}

// User returns the calling user; an API key is FORBIDDEN here.
func User(ctx context.Context) (db.Viewer, error) {
	p, err := PrincipalFrom(ctx)
	if err != nil {
		return db.Viewer{}, err
	}
	if p.User == nil {
		return db.Viewer{}, fmt.Errorf("this operation needs a user's token, not an API key: %w", ErrForbidden)
	}
	return *p.User, nil
}

// BackOffice checks that the caller holds an API key; a user token is FORBIDDEN here.
func BackOffice(ctx context.Context) error {
	p, err := PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if !p.APIKey {
		return fmt.Errorf("this operation needs an X-API-Key: %w", ErrForbidden)
	}
	return nil
}
