package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/resolvers/ratelimit"
)

func TestRateLimitSettings(t *testing.T) {
	t.Setenv("PARLEY_RATE_SEND", "2:7")
	c, err := ConfigFromEnv()
	if err != nil || c.Limits == nil || c.Limits.User[ratelimit.Send] != (ratelimit.Rule{Rate: 2, Burst: 7}) {
		t.Fatalf("PARLEY_RATE_SEND=2:7 gave %+v, %v", c.Limits, err)
	}
	for _, bad := range []string{"fast", "2", "0:5", "2:0", "-1:3"} {
		t.Setenv("PARLEY_RATE_SEND", bad)
		if _, err := ConfigFromEnv(); err == nil {
			t.Errorf("PARLEY_RATE_SEND=%q was accepted", bad)
		}
	}
	t.Setenv("PARLEY_RATE_SEND", "")
	t.Setenv("PARLEY_RATE_LIMITS", "false")
	if c, err := ConfigFromEnv(); err != nil || c.Limits != nil {
		t.Fatalf("PARLEY_RATE_LIMITS=false gave %+v, %v", c.Limits, err)
	}
}

func TestTokenSettings(t *testing.T) {
	c, err := ConfigFromEnv()
	if err != nil || c.JWTMaxTTL != 30*24*time.Hour {
		t.Fatalf("default PARLEY_JWT_MAX_TTL: %v, %v", c.JWTMaxTTL, err)
	}
	t.Setenv("PARLEY_JWT_MAX_TTL", "forever")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "PARLEY_JWT_MAX_TTL") {
		t.Fatalf("PARLEY_JWT_MAX_TTL=forever: %v", err)
	}
}

// In production tokens must name this service: start-up refuses without an issuer or an
// audience, in one line naming the variable.
func TestProductionRequiresIssuerAndAudience(t *testing.T) {
	base := Config{Env: "production", JWTSecret: "prod-secret-0123456789abcdef0123456789"}
	for _, tc := range []struct {
		iss, aud, want string
	}{
		{"", "parley-api", "PARLEY_JWT_ISSUER"},
		{"https://id.example.no", "", "PARLEY_JWT_AUDIENCE"},
	} {
		cfg := base
		cfg.JWTIssuer, cfg.JWTAudience = tc.iss, tc.aud
		_, err := New(context.Background(), cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("iss %q aud %q: start-up error %v, want one line naming %s", tc.iss, tc.aud, err, tc.want)
		}
	}
	dev := base
	dev.Env = "development"
	if _, err := dev.AuthConfig(); err != nil {
		t.Fatalf("development without issuer and audience: %v", err)
	}
}
