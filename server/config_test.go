package server

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/ratelimit"
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

func TestHTTPLimitSettings(t *testing.T) {
	c, err := ConfigFromEnv()
	if err != nil || c.MaxBodyBytes() != 2<<20 || c.BodyReadTimeout() != time.Minute || c.InFlightLimit() < 8 ||
		c.Limits.Anonymous != (ratelimit.Rule{Rate: 10, Burst: 40}) {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	for k, v := range map[string]string{"PARLEY_MAX_BODY_KB": "64", "PARLEY_BODY_TIMEOUT": "5s", "PARLEY_MAX_INFLIGHT": "7",
		"PARLEY_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1", "PARLEY_RATE_ANONYMOUS": "1:2"} {
		t.Setenv(k, v)
	}
	c, err = ConfigFromEnv()
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	if err != nil || c.MaxBodyBytes() != 64<<10 || c.BodyReadTimeout() != 5*time.Second || c.InFlightLimit() != 7 ||
		!slices.Equal(c.TrustedProxies, want) || c.Limits.Anonymous != (ratelimit.Rule{Rate: 1, Burst: 2}) {
		t.Fatalf("settings: %+v, %v", c, err)
	}
	for k, bad := range map[string]string{"PARLEY_MAX_BODY_KB": "0", "PARLEY_BODY_TIMEOUT": "soon", "PARLEY_MAX_INFLIGHT": "-1",
		"PARLEY_TRUSTED_PROXIES": "proxy.local", "PARLEY_RATE_ANONYMOUS": "lots"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, bad)
			if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s=%q: %v", k, bad, err)
			}
		})
	}
}

// Production serves introspection and suggestions only to callers with credentials, unless
// PARLEY_INTROSPECTION says otherwise.
func TestIntrospectionSettings(t *testing.T) {
	for _, c := range []struct {
		env, setting     string
		users, anonymous bool
	}{
		{"development", "", true, true},
		{"production", "", true, false},
		{"production", "true", true, true},
		{"production", "false", false, false},
		{"development", "false", false, false},
	} {
		t.Setenv("PARLEY_ENV", c.env)
		t.Setenv("PARLEY_INTROSPECTION", c.setting)
		got, err := ConfigFromEnv()
		if err != nil || got.Introspection != c.users || got.AnonymousIntrospection != c.anonymous {
			t.Errorf("%s with PARLEY_INTROSPECTION=%q: users %v, anonymous %v, %v", c.env, c.setting, got.Introspection, got.AnonymousIntrospection, err)
		}
	}
}
