package server

import (
	"fmt"
	"slices"
	"strings"
)

// ProductionError lists every development fallback that PARLEY_ENV=production refuses, one
// line each, so an operator fixes them all in one go.
type ProductionError struct{ Lines []string }

func (e *ProductionError) Error() string {
	return fmt.Sprintf("PARLEY_ENV=production refuses %d development fallback(s):\n  %s",
		len(e.Lines), strings.Join(e.Lines, "\n  "))
}

// productionProblems names the development fallbacks c would fall back to; none outside
// production.
func (c Config) productionProblems() []string {
	if !c.Production() {
		return nil
	}
	var out []string
	add := func(bad bool, line string) {
		if bad {
			out = append(out, line)
		}
	}
	add(c.JWTSecret == "" && c.JWKSURL == "",
		"PARLEY_JWT_SECRET or PARLEY_JWKS_URL must be set: a generated development secret is refused")
	add(c.JWTIssuer == "", "PARLEY_JWT_ISSUER must be set (the iss of accepted tokens)")
	add(c.JWTAudience == "", "PARLEY_JWT_AUDIENCE must be set (the aud of accepted tokens)")
	add(c.DatabaseURL == "",
		"DATABASE_URL must be set: the local-server probe and the embedded PostgreSQL are refused")
	add(c.Limits != nil && c.RedisURL == "",
		"PARLEY_REDIS_URL must be set: per-process rate limits are refused (PARLEY_RATE_LIMITS=false turns limits off)")
	add(c.AnonymousIntrospection,
		"PARLEY_INTROSPECTION=true would serve the schema to anonymous callers: refused (unset, callers with credentials still introspect)")
	add(slices.Contains(c.CORSOrigins, "*"),
		"PARLEY_CORS_ORIGINS must name the allowed browser origins (or none): * is refused")
	return append(out, c.awayProblems()...)
}

// knownEnv are the PARLEY_* variables Parley reads (TestKnownEnvIsComplete keeps it honest).
var knownEnv = []string{
	"PARLEY_ADDR", "PARLEY_ADMIN_ADDR", "PARLEY_API_KEYS", "PARLEY_BLOB_URL", "PARLEY_BODY_TIMEOUT", "PARLEY_CORS_ORIGINS",
	"PARLEY_DATA_DIR", "PARLEY_DB_CONN_MAX_LIFETIME", "PARLEY_DB_MAX_IDLE_CONNS", "PARLEY_DB_MAX_OPEN_CONNS",
	"PARLEY_DIGEST_AFTER", "PARLEY_MAIL_FROM", "PARLEY_PUBLIC_URL", "PARLEY_SMTP_URL",
	"PARLEY_VAPID_PRIVATE_KEY", "PARLEY_VAPID_PUBLIC_KEY", "PARLEY_VAPID_SUBJECT",
	"PARLEY_RETENTION", "PARLEY_EXPORT_TTL", "PARLEY_EXPORT_MAX_FILES_MB",
	"PARLEY_EDIT_WINDOW", "PARLEY_ENV", "PARLEY_IDLE_TIMEOUT", "PARLEY_INTROSPECTION", "PARLEY_JWKS_URL", "PARLEY_JWT_AUDIENCE",
	"PARLEY_JWT_ISSUER", "PARLEY_JWT_MAX_TTL", "PARLEY_JWT_SECRET", "PARLEY_LIVE_BUFFER", "PARLEY_LOG_LEVEL",
	"PARLEY_MAX_BODY_KB", "PARLEY_MAX_INFLIGHT", "PARLEY_MAX_QUERY_DEPTH", "PARLEY_MAX_SUBSCRIPTIONS",
	"PARLEY_MAX_UPLOAD_MB", "PARLEY_RATE_ANONYMOUS", "PARLEY_RATE_API_KEY", "PARLEY_RATE_LIMITS",
	"PARLEY_RATE_LIMIT_ON_REDIS_ERROR", "PARLEY_RATE_OTHER", "PARLEY_RATE_READ", "PARLEY_RATE_SEND",
	"PARLEY_REACTIONS", "PARLEY_READ_HEADER_TIMEOUT", "PARLEY_REDIS_URL", "PARLEY_TEST_LOG", "PARLEY_TRUSTED_PROXIES", "PARLEY_WAKE_GAP",
	"PARLEY_WEBHOOK_ALLOW_PRIVATE", "PARLEY_WEBHOOK_DISABLE_AFTER", "PARLEY_WEBHOOK_POLL", "PARLEY_WEBHOOK_RETRIES",
	"PARLEY_WEBHOOK_TIMEOUT", "PARLEY_WEBHOOK_WORKER", "PARLEY_WS_INIT_TIMEOUT", "PARLEY_WS_PING_INTERVAL",
}

// UnknownEnv returns one warning per PARLEY_* variable of environ (os.Environ's form) that
// Parley does not read, naming the closest known one when it is likely a typo.
func UnknownEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "PARLEY_") || slices.Contains(knownEnv, name) {
			continue
		}
		line := "unknown variable " + name + " is ignored"
		if near := closest(name); near != "" {
			line += "; did you mean " + near + "?"
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// closest is the known name within a few edits of name, or "".
func closest(name string) string {
	best, bestDist := "", 4
	for _, k := range knownEnv {
		if d := editDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
