package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/db"
)

// A verified HS256 token is answered from the cache with what verifying it gave, only between
// its verification and its expiry; a token differing in any byte is verified afresh.
func TestVerifiedTokensAreKeptUntilTheyExpire(t *testing.T) {
	secret := []byte("a-secret-of-thirty-two-bytes-000")
	a, err := New(context.Background(), Config{Secret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, exp, err := Mint(secret, db.Viewer{UserID: "u1", Role: db.RoleWorkshop, OrgNr: "921460929", Name: "W"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := a.tokens.entries[tok]
	if !ok || e.viewer != first || !e.expires.Equal(exp.Truncate(time.Second)) {
		t.Fatalf("cache entry %+v (kept %v), want %+v until %v", e, ok, first, exp)
	}
	if again, err := a.Verify(tok); err != nil || again != first {
		t.Fatalf("second verify: %+v %v, want %+v", again, err, first)
	}
	if _, _, ok := a.tokens.get(tok, e.expires); ok {
		t.Error("a hit at its expiry")
	}
	if _, _, ok := a.tokens.get(tok, e.verified.Add(-time.Nanosecond)); ok {
		t.Error("a hit before it was verified")
	}
	tampered := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[tok[len(tok)-2:] != "AA"]
	if _, err := a.Verify(tampered); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("tampered signature: %v", err)
	}
	expired, _, err := Mint(secret, db.Viewer{UserID: "u1", Role: db.RoleBuyer}, -time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(expired); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired: %v", err)
	}
	if len(a.tokens.entries) != 1 {
		t.Errorf("%d tokens kept, want only the valid one", len(a.tokens.entries))
	}
}

// Tokens checked against a JWKS are verified on every request: the key set may drop their key.
func TestJWKSTokensAreNotKept(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(ctx, Config{JWKSURL: jwksServer(t, rsaKey, ecKey)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, jwt.SigningMethodRS256, "r1", rsaKey, Claims{Role: "buyer", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "u1", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}})
	if _, err := a.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if len(a.tokens.entries) != 0 {
		t.Errorf("%d JWKS tokens kept", len(a.tokens.entries))
	}
}

// The cache stays bounded: when full it drops expired tokens, then everything.
func TestTokenCacheStaysBounded(t *testing.T) {
	var tc tokenCache
	now := time.Now()
	c := &Claims{RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}
	for i := range maxCachedTokens + 10 {
		tc.put(string(rune(i))+"-token", db.Viewer{UserID: "u"}, c, now)
		if len(tc.entries) > maxCachedTokens {
			t.Fatalf("%d entries after %d puts", len(tc.entries), i+1)
		}
	}
}
