package server

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley/parley/db/blobs"
)

// ConfigError lists every mistake in the configuration, one line each: invalid settings first,
// then (under PARLEY_ENV=production) the refused development fallbacks.
type ConfigError struct {
	Lines      []string
	production int // how many of the last Lines are refused fallbacks
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("the configuration has %d mistake(s):\n  %s", len(e.Lines), strings.Join(e.Lines, "\n  "))
}

// Unwrap gives the refused development fallbacks as a *ProductionError, when there are any.
func (e *ConfigError) Unwrap() error {
	if e.production == 0 {
		return nil
	}
	return &ProductionError{Lines: e.Lines[len(e.Lines)-e.production:]}
}

// problems collects one line per invalid setting while the configuration is read, so reading
// goes on past the first.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// envInt reads a whole number from lo to hi; def when unset or invalid.
func (p *problems) envInt(key string, def, lo, hi int, want string) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.addf("%s=%q: want %s", key, v, want)
		return def
	}
	return n
}

// envBool reads true or false; def when unset or invalid.
func (p *problems) envBool(key string, def bool) bool {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.addf("%s=%q: want true or false", key, v)
		return def
	}
	return b
}

// durations reads positive durations such as 1s into dst, by variable name; a bad one leaves
// its default.
func (p *problems) durations(dst map[string]*time.Duration) {
	for _, key := range slices.Sorted(maps.Keys(dst)) {
		if v := os.Getenv(key); v != "" {
			n, err := time.ParseDuration(v)
			if err != nil || n <= 0 {
				p.addf("%s=%q: want a positive duration such as 1s", key, v)
				continue
			}
			*dst[key] = n
		}
	}
}

// checkAddresses checks the settings that are read as given: addresses, URLs, names.
func checkAddresses(c Config, p *problems) {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
		p.addf("PARLEY_ADDR=%q: want host:port or :port, such as :8080", c.Addr)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(c.LogLevel)); err != nil {
		p.addf("PARLEY_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			p.addf("DATABASE_URL: want postgres://user:password@host:5432/name (the value is not shown: it may hold a password)")
		}
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			p.addf("PARLEY_REDIS_URL: want redis://[:password@]host:6379/0 or rediss://... (the value is not shown: it may hold a password)")
		}
	}
	if c.JWKSURL != "" {
		if u, err := url.Parse(c.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.addf("PARLEY_JWKS_URL=%q: want an https:// URL of a JSON Web Key Set", c.JWKSURL)
		}
	}
	if c.Production() && c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		p.addf("PARLEY_JWT_SECRET is %d bytes: want at least 32 in production (the value is not shown)", len(c.JWTSecret))
	}
	if c.BlobURL != "" {
		if err := blobs.CheckURL(c.BlobURL); err != nil {
			p.addf("PARLEY_BLOB_URL=%q: %v", redact(c.BlobURL), err)
		}
	}
	for _, o := range c.CORSOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "") {
			p.addf("PARLEY_CORS_ORIGINS: %q is not an origin: want * or scheme://host[:port], such as https://app.example.no", o)
		}
	}
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535
}
