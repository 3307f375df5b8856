package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/db"
)

// Claims are what Parley reads from a user token.
type Claims struct {
	Role  string `json:"role"`
	OrgNr string `json:"org_nr,omitempty"`
	Name  string `json:"name,omitempty"`
	jwt.RegisteredClaims
}

// Config says which credentials to accept.
type Config struct {
	Secret  []byte   // HS256 key
	JWKSURL string   // RS256/ES256 keys, when set
	APIKeys []string // back-office keys
}

// Authenticator verifies credentials and records users on first sight.
type Authenticator struct {
	secret  []byte
	jwks    keyfunc.Keyfunc
	apiKeys [][]byte
	store   *db.Store
	seen    sync.Map // claims fingerprint -> time last written
}

// New builds an Authenticator. With a JWKS URL it fetches the key set (and refreshes it in the
// background while ctx lives).
func New(ctx context.Context, cfg Config, store *db.Store) (*Authenticator, error) {
	a := &Authenticator{secret: cfg.Secret, store: store}
	for _, k := range cfg.APIKeys {
		if k = strings.TrimSpace(k); k != "" {
			a.apiKeys = append(a.apiKeys, []byte(k))
		}
	}
	if cfg.JWKSURL != "" {
		kf, err := keyfunc.NewDefaultCtx(ctx, []string{cfg.JWKSURL})
		if err != nil {
			return nil, fmt.Errorf("load JWKS from %s: %w", cfg.JWKSURL, err)
		}
		a.jwks = kf
	}
	if len(a.secret) == 0 && a.jwks == nil {
		return nil, errors.New("no token verification configured: set PARLEY_JWT_SECRET or PARLEY_JWKS_URL")
	}
	return a, nil
}

// Authenticate reads the request's credentials. No credentials at all is (nil, nil).
func (a *Authenticator) Authenticate(ctx context.Context, authorization, apiKey string) (*Principal, error) {
	if apiKey != "" {
		for _, k := range a.apiKeys {
			if subtle.ConstantTimeCompare(k, []byte(apiKey)) == 1 {
				return &Principal{APIKey: true}, nil
			}
		}
		return nil, fmt.Errorf("unknown API key: %w", ErrUnauthenticated)
	}
	if authorization == "" {
		return nil, nil
	}
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(authorization, "bearer ")
	}
	if !ok || strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("the Authorization header must be 'Bearer <token>': %w", ErrUnauthenticated)
	}
	v, exp, err := a.verify(strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	if err := a.touch(ctx, v); err != nil {
		return nil, err
	}
	return &Principal{User: &v, Expires: exp}, nil
}

// Verify checks a token's signature, expiry and claims.
func (a *Authenticator) Verify(token string) (db.Viewer, error) {
	v, _, err := a.verify(token)
	return v, err
}

func (a *Authenticator) verify(token string) (db.Viewer, time.Time, error) {
	v, c, err := a.parse(token)
	if err != nil || c.ExpiresAt == nil {
		return v, time.Time{}, err
	}
	return v, c.ExpiresAt.Time, nil
}

func (a *Authenticator) parse(token string) (db.Viewer, *Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, a.key,
		jwt.WithValidMethods([]string{"HS256", "RS256", "ES256"}),
		jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return db.Viewer{}, nil, fmt.Errorf("token expired: %w", ErrUnauthenticated)
	case err != nil:
		return db.Viewer{}, nil, fmt.Errorf("invalid token: %w", ErrUnauthenticated)
	}
	v := db.Viewer{UserID: c.Subject, Role: c.Role, OrgNr: c.OrgNr, Name: c.Name}
	switch {
	case v.UserID == "" || len(v.UserID) > 128 || strings.HasPrefix(v.UserID, "org:"):
		return db.Viewer{}, nil, fmt.Errorf("token has no usable sub claim: %w", ErrUnauthenticated)
	case !db.ValidRole(v.Role):
		return db.Viewer{}, nil, fmt.Errorf("token role must be car_owner, workshop, buyer or seller: %w", ErrUnauthenticated)
	case v.Role == db.RoleWorkshop && !db.ValidOrgNr(v.OrgNr):
		return db.Viewer{}, nil, fmt.Errorf("a workshop token needs a valid org_nr claim: %w", ErrUnauthenticated)
	}
	if v.Role != db.RoleWorkshop {
		v.OrgNr = ""
	}
	return v, &c, nil
}

func (a *Authenticator) key(t *jwt.Token) (any, error) {
	if t.Method.Alg() == "HS256" {
		if len(a.secret) == 0 {
			return nil, errors.New("HS256 tokens are not accepted")
		}
		return a.secret, nil
	}
	if a.jwks == nil {
		return nil, errors.New("no JWKS configured")
	}
	return a.jwks.Keyfunc(t)
}

// touch creates or refreshes the user row from the claims, at most every few minutes.
func (a *Authenticator) touch(ctx context.Context, v db.Viewer) error {
	if a.store == nil {
		return nil
	}
	fp := v.UserID + "\x00" + v.Role + "\x00" + v.OrgNr + "\x00" + v.Name
	if t, ok := a.seen.Load(fp); ok && time.Since(t.(time.Time)) < 5*time.Minute {
		return nil
	}
	if err := a.store.TouchUser(ctx, v); err != nil {
		return fmt.Errorf("record user: %w", err)
	}
	a.seen.Store(fp, time.Now())
	return nil
}

// Middleware authenticates every request and stores the outcome for the resolvers.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"), r.Header.Get("X-API-Key"))
		if err != nil && !errors.Is(err, ErrUnauthenticated) {
			slog.ErrorContext(r.Context(), "authenticate", "err", err)
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p, err)))
	})
}

// Mint signs an HS256 token for a user.
func Mint(secret []byte, v db.Viewer, ttl time.Duration) (string, time.Time, error) {
	if len(secret) == 0 {
		return "", time.Time{}, errors.New("no signing secret configured")
	}
	now := time.Now()
	exp := now.Add(ttl)
	c := Claims{Role: v.Role, OrgNr: v.OrgNr, Name: v.Name, RegisteredClaims: jwt.RegisteredClaims{
		Subject: v.UserID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), Issuer: "parley",
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	return s, exp, err
}
