package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
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
	// Locale, when present, is the user's language for notifications (nb or en; other
	// values, such as nb-NO or no, are read by their language and ignored when unknown).
	Locale string `json:"locale,omitempty"`
	jwt.RegisteredClaims
}

// DefaultMaxTTL is the longest token lifetime accepted when Config.MaxTTL is zero.
const DefaultMaxTTL = 30 * 24 * time.Hour

// ClockSkew is how far the issuer's clock may differ from ours for iat, nbf and exp: a minute
// covers NTP-synced hosts and slow token hand-overs while a stolen expired token gains little.
const ClockSkew = 60 * time.Second

// MaxTokenBytes bounds a token before it is decoded and its signature checked: ours are a few
// hundred bytes, an identity provider's rarely more than two KiB.
const MaxTokenBytes = 8 << 10

// Config says which credentials to accept.
type Config struct {
	Secret  []byte   // HS256 key
	JWKSURL string   // RS256/ES256 keys, when set
	APIKeys []string // back-office keys
	// Issuer and Audience, when set, must be the token's iss and one of its aud.
	Issuer   string
	Audience string
	// MaxTTL is the longest lifetime (exp - iat) accepted and minted; zero is DefaultMaxTTL.
	MaxTTL time.Duration
	// Recheck bounds how stale a replica's copy of a user's revocation may be; zero is
	// DefaultRecheck.
	Recheck time.Duration
}

// Authenticator verifies credentials and records users on first sight.
type Authenticator struct {
	Minter
	jwks    keyfunc.Keyfunc
	apiKeys [][]byte
	store   *db.Store
	recheck time.Duration
	tokens  tokenCache
	users   sync.Map // user id -> userState
	genMu   sync.Mutex
	gen     uint64 // revocations heard of, under genMu
	mu      sync.Mutex
	watches map[string]map[*watch]struct{} // user id -> open subscriptions
}

// New builds an Authenticator. With a JWKS URL it fetches the key set (and refreshes it in the
// background while ctx lives).
func New(ctx context.Context, cfg Config, store *db.Store) (*Authenticator, error) {
	a := &Authenticator{Minter: Minter{Secret: cfg.Secret, Issuer: cfg.Issuer, Audience: cfg.Audience, MaxTTL: cfg.MaxTTL},
		store: store, recheck: cfg.Recheck}
	if a.MaxTTL <= 0 {
		a.MaxTTL = DefaultMaxTTL
	}
	if a.recheck <= 0 {
		a.recheck = DefaultRecheck
	}
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
	if len(a.Secret) == 0 && a.jwks == nil {
		return nil, errors.New("no token verification configured: set PARLEY_JWT_SECRET or PARLEY_JWKS_URL")
	}
	return a, nil
}

// KeyID is a short, stable name for an API key that does not reveal it: the first 8 bytes
// of its SHA-256, in hex.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// Authenticate reads the request's credentials. No credentials at all is (nil, nil).
func (a *Authenticator) Authenticate(ctx context.Context, authorization, apiKey string) (*Principal, error) {
	if apiKey != "" {
		for _, k := range a.apiKeys {
			if subtle.ConstantTimeCompare(k, []byte(apiKey)) == 1 {
				return &Principal{APIKey: true, KeyID: KeyID(k)}, nil
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
	v, c, err := a.parse(strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	if err := a.checkRevoked(ctx, v, issuedAt(c)); err != nil {
		return nil, err
	}
	return &Principal{User: &v, Expires: c.ExpiresAt.Time, IssuedAt: issuedAt(c)}, nil
}

// Verify checks a token's signature, times, issuer, audience and claims (not revocation).
func (a *Authenticator) Verify(token string) (db.Viewer, error) {
	v, _, err := a.parse(token)
	return v, err
}

func (a *Authenticator) parse(token string) (db.Viewer, *Claims, error) {
	if len(token) > MaxTokenBytes {
		return db.Viewer{}, nil, fmt.Errorf("token is longer than %d KiB: %w", MaxTokenBytes>>10, ErrUnauthenticated)
	}
	if v, c, ok := a.tokens.get(token, time.Now()); ok {
		return v, c, nil
	}
	var c Claims
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256", "RS256", "ES256"}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(ClockSkew)}
	if a.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.Issuer))
	}
	if a.Audience != "" {
		opts = append(opts, jwt.WithAudience(a.Audience))
	}
	tok, err := jwt.ParseWithClaims(token, &c, a.key, opts...)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return db.Viewer{}, nil, fmt.Errorf("token expired: %w", ErrUnauthenticated)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		return db.Viewer{}, nil, fmt.Errorf("token is not valid yet (iat or nbf in the future): %w", ErrUnauthenticated)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return db.Viewer{}, nil, fmt.Errorf("token is not meant for this service (iss or aud): %w", ErrUnauthenticated)
	case err != nil:
		return db.Viewer{}, nil, fmt.Errorf("invalid token: %w", ErrUnauthenticated)
	}
	if err := a.checkLifetime(&c); err != nil {
		return db.Viewer{}, nil, err
	}
	v := db.Viewer{UserID: c.Subject, Role: c.Role, OrgNr: c.OrgNr, Name: c.Name, Locale: db.LocaleOf(c.Locale)}
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
	if tok.Method.Alg() == "HS256" {
		a.tokens.put(token, v, &c, time.Now())
	}
	return v, &c, nil
}

// checkLifetime refuses tokens that live longer than MaxTTL: from iat, or from now (allowing
// for clock skew) when the token has no iat.
func (a *Authenticator) checkLifetime(c *Claims) error {
	from, slack := time.Now(), ClockSkew
	if c.IssuedAt != nil {
		from, slack = c.IssuedAt.Time, 0
	}
	if c.ExpiresAt.Time.Sub(from) > a.MaxTTL+slack {
		return fmt.Errorf("token lives longer than the %s this service accepts: %w", a.MaxTTL, ErrUnauthenticated)
	}
	return nil
}

func issuedAt(c *Claims) time.Time {
	if c.IssuedAt == nil {
		return time.Time{}
	}
	return c.IssuedAt.Time
}

func (a *Authenticator) key(t *jwt.Token) (any, error) {
	if t.Method.Alg() == "HS256" {
		if len(a.Secret) == 0 {
			return nil, errors.New("HS256 tokens are not accepted")
		}
		return a.Secret, nil
	}
	if a.jwks == nil {
		return nil, errors.New("no JWKS configured")
	}
	return a.jwks.Keyfunc(t)
}

// Minter signs HS256 user tokens with the configured issuer and audience, no longer-lived
// than MaxTTL.
type Minter struct {
	Secret   []byte
	Issuer   string // iss; "parley" when empty
	Audience string // aud, when set
	MaxTTL   time.Duration
}

// ErrTTLTooLong refuses to mint a token that the service would not accept.
var ErrTTLTooLong = errors.New("token lifetime is longer than the configured maximum (PARLEY_JWT_MAX_TTL)")

// Mint signs a token for a user that lives ttl.
func (m Minter) Mint(v db.Viewer, ttl time.Duration) (string, time.Time, error) {
	if len(m.Secret) == 0 {
		return "", time.Time{}, errors.New("no signing secret configured")
	}
	if m.MaxTTL > 0 && ttl > m.MaxTTL {
		return "", time.Time{}, ErrTTLTooLong
	}
	now := time.Now()
	exp := now.Add(ttl)
	c := Claims{Role: v.Role, OrgNr: v.OrgNr, Name: v.Name, Locale: v.Locale, RegisteredClaims: jwt.RegisteredClaims{
		Subject: v.UserID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), Issuer: m.Issuer,
	}}
	if c.Issuer == "" {
		c.Issuer = "parley"
	}
	if m.Audience != "" {
		c.Audience = jwt.ClaimStrings{m.Audience}
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(m.Secret)
	return s, exp, err
}

// Mint signs an HS256 token for a user with no issuer or audience settings (tests, tools).
func Mint(secret []byte, v db.Viewer, ttl time.Duration) (string, time.Time, error) {
	return Minter{Secret: secret, MaxTTL: DefaultMaxTTL}.Mint(v, ttl)
}
