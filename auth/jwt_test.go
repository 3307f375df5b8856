package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwksServer serves one RSA and one EC public key, as an identity provider would.
func jwksServer(t *testing.T, rsaKey *rsa.PrivateKey, ecKey *ecdsa.PrivateKey) string {
	point, err := ecKey.PublicKey.Bytes() // uncompressed: 0x04, X, Y
	if err != nil {
		t.Fatal(err)
	}
	ecX, ecY := point[1:33], point[33:65]
	set := map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "r1", "alg": "RS256", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "e1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(ecX), "y": b64(ecY)},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, c Claims) string {
	tok := jwt.NewWithClaims(method, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyAcceptsJWKSKeysAndRejectsOthers(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	strangerKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(ctx, Config{JWKSURL: jwksServer(t, rsaKey, ecKey)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(exp time.Duration) Claims {
		return Claims{Role: "workshop", OrgNr: "921460929", Name: "W", RegisteredClaims: jwt.RegisteredClaims{
			Subject: "u1", ExpiresAt: jwt.NewNumericDate(time.Now().Add(exp))}}
	}
	for name, tok := range map[string]string{
		"RS256": sign(t, jwt.SigningMethodRS256, "r1", rsaKey, claims(time.Hour)),
		"ES256": sign(t, jwt.SigningMethodES256, "e1", ecKey, claims(time.Hour)),
	} {
		v, err := a.Verify(tok)
		if err != nil || v.UserID != "u1" || v.OrgNr != "921460929" {
			t.Errorf("%s: %+v %v", name, v, err)
		}
	}
	bad := map[string]string{
		"unknown key":   sign(t, jwt.SigningMethodRS256, "r1", strangerKey, claims(time.Hour)),
		"expired":       sign(t, jwt.SigningMethodRS256, "r1", rsaKey, claims(-time.Hour)),
		"HS256 refused": sign(t, jwt.SigningMethodHS256, "r1", []byte("anything-at-all-long-enough-000000"), claims(time.Hour)),
		"alg none":      sign(t, jwt.SigningMethodNone, "r1", jwt.UnsafeAllowNoneSignatureType, claims(time.Hour)),
	}
	for name, tok := range bad {
		if _, err := a.Verify(tok); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want unauthenticated", name, err)
		}
	}
}

// JWKS tokens are held to the same issuer, audience and revocation as HS256 ones.
func TestJWKSTokensNameTheServiceAndCanBeRevoked(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := db.NewStore(dbtest.New(t))
	a, err := New(ctx, Config{JWKSURL: jwksServer(t, rsaKey, ecKey), Issuer: "https://id.example.no", Audience: "parley-api"}, store)
	if err != nil {
		t.Fatal(err)
	}
	token := func(iat time.Time, aud ...string) string {
		return "Bearer " + sign(t, jwt.SigningMethodRS256, "r1", rsaKey, Claims{Role: "buyer", RegisteredClaims: jwt.RegisteredClaims{
			Subject: "u1", Issuer: "https://id.example.no", Audience: aud,
			IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(iat.Add(time.Hour))}})
	}
	old := token(time.Now().Add(-time.Minute), "parley-api")
	if _, err := a.Authenticate(ctx, old, ""); err != nil {
		t.Fatalf("a token for this service: %v", err)
	}
	if _, err := a.Authenticate(ctx, token(time.Now(), "billing"), ""); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a token for another service: %v", err)
	}
	at, err := store.RevokeUserTokens(ctx, "u1", time.Now().Truncate(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	a.Revoked("u1", at)
	if _, err := a.Authenticate(ctx, old, ""); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a revoked token: %v", err)
	}
	if _, err := a.Authenticate(ctx, token(at, "parley-api"), ""); err != nil {
		t.Fatalf("a token issued at the revocation: %v", err)
	}
}
