package server

import (
	"context"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/db"
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
	for v, closed := range map[string]bool{"": false, "open": false, "closed": true} {
		t.Setenv("PARLEY_RATE_LIMIT_ON_REDIS_ERROR", v)
		if c, err := ConfigFromEnv(); err != nil || c.RateFailClosed != closed {
			t.Fatalf("PARLEY_RATE_LIMIT_ON_REDIS_ERROR=%q: fail closed %v, %v", v, c.RateFailClosed, err)
		}
	}
	t.Setenv("PARLEY_RATE_LIMIT_ON_REDIS_ERROR", "ajar")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "PARLEY_RATE_LIMIT_ON_REDIS_ERROR") {
		t.Fatalf("PARLEY_RATE_LIMIT_ON_REDIS_ERROR=ajar: %v", err)
	}
	t.Setenv("PARLEY_RATE_LIMIT_ON_REDIS_ERROR", "")
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
		{"production", "false", false, false},
		{"development", "false", false, false},
	} {
		setProductionEssentials(t)
		t.Setenv("PARLEY_ENV", c.env)
		t.Setenv("PARLEY_INTROSPECTION", c.setting)
		got, err := ConfigFromEnv()
		if err != nil || got.Introspection != c.users || got.AnonymousIntrospection != c.anonymous {
			t.Errorf("%s with PARLEY_INTROSPECTION=%q: users %v, anonymous %v, %v", c.env, c.setting, got.Introspection, got.AnonymousIntrospection, err)
		}
	}
}

// setProductionEssentials sets what PARLEY_ENV=production requires, so a test can take one
// away.
func setProductionEssentials(t *testing.T) {
	for k, v := range map[string]string{"PARLEY_ENV": "production", "PARLEY_JWT_SECRET": "prod-secret-0123456789abcdef0123456789",
		"PARLEY_JWT_ISSUER": "https://id.example.no", "PARLEY_JWT_AUDIENCE": "parley-api", "DATABASE_URL": "postgres://db.example.no/parley",
		"PARLEY_REDIS_URL": "redis://redis.example.no:6379/0", "PARLEY_CORS_ORIGINS": "https://app.example.no", "PARLEY_INTROSPECTION": "",
		"PARLEY_VAPID_PUBLIC_KEY": testVAPIDPublic, "PARLEY_VAPID_PRIVATE_KEY": testVAPIDPrivate, "PARLEY_VAPID_SUBJECT": "mailto:ops@example.no"} {
		t.Setenv(k, v)
	}
}

// Each development fallback missing in production is one line of the start-up error, which
// names its variable.
func TestProductionRefusesEachFallback(t *testing.T) {
	for _, tc := range []struct{ name, key, value, want string }{
		{"generated JWT secret", "PARLEY_JWT_SECRET", "", "PARLEY_JWT_SECRET or PARLEY_JWKS_URL must be set"},
		{"no issuer", "PARLEY_JWT_ISSUER", "", "PARLEY_JWT_ISSUER must be set"},
		{"no audience", "PARLEY_JWT_AUDIENCE", "", "PARLEY_JWT_AUDIENCE must be set"},
		{"embedded PostgreSQL", "DATABASE_URL", "", "DATABASE_URL must be set"},
		{"in-process rate limits", "PARLEY_REDIS_URL", "", "PARLEY_REDIS_URL must be set"},
		{"introspection for everyone", "PARLEY_INTROSPECTION", "true", "PARLEY_INTROSPECTION=true would serve the schema to anonymous callers"},
		{"any CORS origin", "PARLEY_CORS_ORIGINS", "https://app.example.no,*", "PARLEY_CORS_ORIGINS must name the allowed browser origins"},
		{"default CORS origin", "PARLEY_CORS_ORIGINS", "", "PARLEY_CORS_ORIGINS must name the allowed browser origins"},
		{"generated VAPID keys", "PARLEY_VAPID_SUBJECT", "", "PARLEY_VAPID_PUBLIC_KEY, PARLEY_VAPID_PRIVATE_KEY and PARLEY_VAPID_SUBJECT must be set"},
		{"digest links to localhost", "PARLEY_SMTP_URL", "smtp://mail.example.no:587", "PARLEY_PUBLIC_URL must be set with PARLEY_SMTP_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setProductionEssentials(t)
			t.Setenv(tc.key, tc.value)
			_, err := ConfigFromEnv()
			var pe *ProductionError
			if !errors.As(err, &pe) || len(pe.Lines) != 1 || !strings.Contains(pe.Lines[0], tc.want) {
				t.Fatalf("%s=%q: %v, want one line containing %q", tc.key, tc.value, err, tc.want)
			}
		})
	}
	t.Run("all at once", func(t *testing.T) {
		t.Setenv("PARLEY_ENV", "production")
		for _, k := range []string{"PARLEY_JWT_SECRET", "PARLEY_JWKS_URL", "PARLEY_JWT_ISSUER", "PARLEY_JWT_AUDIENCE", "DATABASE_URL", "PARLEY_REDIS_URL", "PARLEY_CORS_ORIGINS",
			"PARLEY_VAPID_PUBLIC_KEY", "PARLEY_VAPID_PRIVATE_KEY", "PARLEY_VAPID_SUBJECT"} {
			t.Setenv(k, "")
		}
		t.Setenv("PARLEY_INTROSPECTION", "true")
		_, err := ConfigFromEnv()
		var pe *ProductionError
		if !errors.As(err, &pe) || len(pe.Lines) != 8 {
			t.Fatalf("every fallback missing: %v, want 8 lines", err)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		setProductionEssentials(t)
		if _, err := ConfigFromEnv(); err != nil {
			t.Fatalf("a complete production configuration: %v", err)
		}
		t.Setenv("PARLEY_JWT_SECRET", "")
		t.Setenv("PARLEY_JWKS_URL", "https://id.example.no/.well-known/jwks.json")
		t.Setenv("PARLEY_REDIS_URL", "")
		t.Setenv("PARLEY_RATE_LIMITS", "false")
		t.Setenv("PARLEY_CORS_ORIGINS", "none")
		if c, err := ConfigFromEnv(); err != nil || c.CORSOrigins != nil {
			t.Fatalf("JWKS, limits off, no CORS origins: %v, origins %q", err, c.CORSOrigins)
		}
	})
}

func TestUnknownVariablesAreNamed(t *testing.T) {
	got := UnknownEnv([]string{"PARLEY_JWT_SECERT=x", "PARLEY_ADDR=:80", "PARLEY_FROBNICATE=1", "HOME=/root", "PARLEY_RATE_SEND=1:2"})
	want := []string{"unknown variable PARLEY_FROBNICATE is ignored",
		"unknown variable PARLEY_JWT_SECERT is ignored; did you mean PARLEY_JWT_SECRET?"}
	if !slices.Equal(got, want) {
		t.Fatalf("warnings %q, want %q", got, want)
	}
}

// Every PARLEY_* name in the code is one UnknownEnv knows, so no real setting is warned about.
func TestKnownEnvIsComplete(t *testing.T) {
	root := ".."
	name := regexp.MustCompile(`"(PARLEY_[A-Z0-9_]+)"`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range name.FindAllSubmatch(b, -1) {
			if !slices.Contains(knownEnv, string(m[1])) {
				t.Errorf("%s reads %s, which knownEnv lacks", path, m[1])
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDatabasePoolSettings(t *testing.T) {
	c, err := ConfigFromEnv()
	if err != nil || c.Pool() != db.DefaultPool() {
		t.Fatalf("default pool: %+v, %v", c.DBPool, err)
	}
	t.Setenv("PARLEY_DB_MAX_OPEN_CONNS", "10")
	t.Setenv("PARLEY_DB_MAX_IDLE_CONNS", "4")
	t.Setenv("PARLEY_DB_CONN_MAX_LIFETIME", "5m")
	if c, err := ConfigFromEnv(); err != nil || c.Pool() != (db.Pool{MaxOpen: 10, MaxIdle: 4, MaxLifetime: 5 * time.Minute}) {
		t.Fatalf("pool settings: %+v, %v", c.DBPool, err)
	}
	for k, bad := range map[string]string{"PARLEY_DB_MAX_OPEN_CONNS": "0", "PARLEY_DB_MAX_IDLE_CONNS": "11", "PARLEY_DB_CONN_MAX_LIFETIME": "long"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, bad)
			if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s=%q: %v", k, bad, err)
			}
		})
	}
}

func TestAdminSettings(t *testing.T) {
	t.Setenv("PARLEY_ADMIN_ADDR", "")
	if c, err := ConfigFromEnv(); err != nil || c.AdminAddr != DefaultAdminAddr {
		t.Fatalf("default admin address: %q, %v", c.AdminAddr, err)
	}
	for v, want := range map[string]string{"off": "", ":9091": ":9091", "0.0.0.0:9090": "0.0.0.0:9090"} {
		t.Setenv("PARLEY_ADMIN_ADDR", v)
		if c, err := ConfigFromEnv(); err != nil || c.AdminAddr != want {
			t.Errorf("PARLEY_ADMIN_ADDR=%q: %q, %v", v, c.AdminAddr, err)
		}
	}
	t.Setenv("PARLEY_ADDR", ":9095")
	for _, bad := range []string{"9090", "localhost", ":9095"} {
		t.Setenv("PARLEY_ADMIN_ADDR", bad)
		if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "PARLEY_ADMIN_ADDR") {
			t.Errorf("PARLEY_ADMIN_ADDR=%q: %v", bad, err)
		}
	}
	t.Setenv("PARLEY_ADMIN_ADDR", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
	if c, _ := ConfigFromEnv(); c.OTLPEndpoint != "http://collector:4318" {
		t.Errorf("OTLP endpoint: %q", c.OTLPEndpoint)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/v1/traces")
	if c, _ := ConfigFromEnv(); c.OTLPEndpoint != "http://traces:4318/v1/traces" {
		t.Errorf("the traces-specific endpoint comes first: %q", c.OTLPEndpoint)
	}
}

// A VAPID key pair for configuration tests (webpush.GenerateVAPIDKeys; no push is sent).
const (
	testVAPIDPublic  = "BPcxZR8a010bJH7jZmCTethuXlmCVWP8NwoOgINgOLIj-e5rxYumWRKw5cUqcF73QdkYCbp2S-oK183rz3mYTxQ"
	testVAPIDPrivate = "uNYRqodmt5dYKBR1rihg9N23W5tL2dg0pfwZrbud6Ws"
)
