package server

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/privacy"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/webhooks"
)

// Setting is one effective setting, as `parley config` prints it: the variable, the value the
// server runs with (secrets masked), and whether it was set or is the default.
type Setting struct {
	Name, Value string
	Set         bool
}

// masked stands for a secret's value.
const masked = "****"

// Settings lists the effective configuration by variable name, secrets masked: values of
// variables named like secrets (SECRET, PASSWORD, KEY, TOKEN) and the password of any URL.
func (c Config) Settings() []Setting {
	wh := webhooks.Settings{Retries: c.WebhookRetries, Poll: c.WebhookPoll, Timeout: c.WebhookTimeout,
		DisableAfter: c.WebhookDisableAfter}.WithDefaults()
	blob := c.BlobURL
	if blob == "" {
		blob = "file://" + filepath.Join(c.DataDir, "files")
	}
	depth := c.MaxQueryDepth
	if depth == 0 {
		depth = DefaultOptions().MaxDepth
	}
	rows := [][2]string{
		{"PARLEY_ENV", c.Env}, {"PARLEY_ADDR", c.Addr}, {"PARLEY_ADMIN_ADDR", orNote(c.AdminAddr, "off")},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", orNote(c.OTLPEndpoint, "(unset: no tracing)")}, {"PARLEY_LOG_LEVEL", c.LogLevel}, {"PARLEY_DATA_DIR", c.DataDir},
		{"DATABASE_URL", orNote(c.DatabaseURL, "(unset: the local server's database parley, else an embedded server)")},
		{"PARLEY_DB_MAX_OPEN_CONNS", strconv.Itoa(c.Pool().MaxOpen)}, {"PARLEY_DB_MAX_IDLE_CONNS", strconv.Itoa(c.Pool().MaxIdle)},
		{"PARLEY_DB_CONN_MAX_LIFETIME", c.Pool().MaxLifetime.String()},
		{"PARLEY_JWT_SECRET", orNote(c.JWTSecret, "(unset: generated and kept in the data folder)")},
		{"PARLEY_JWKS_URL", c.JWKSURL}, {"PARLEY_JWT_ISSUER", c.JWTIssuer}, {"PARLEY_JWT_AUDIENCE", c.JWTAudience},
		{"PARLEY_JWT_MAX_TTL", c.JWTMaxTTL.String()}, {"PARLEY_API_KEYS", strings.Join(c.APIKeys, ",")},
		{"PARLEY_INTROSPECTION", fmt.Sprintf("%t (anonymous callers: %t)", c.Introspection, c.AnonymousIntrospection)},
		{"PARLEY_CORS_ORIGINS", orNote(strings.Join(c.CORSOrigins, ","), "none")},
		{"PARLEY_TRUSTED_PROXIES", joinPrefixes(c)}, {"PARLEY_BLOB_URL", blob},
		{"PARLEY_MAX_UPLOAD_MB", strconv.FormatInt(c.MaxUploadBytes>>20, 10)},
		{"PARLEY_MAX_BODY_KB", strconv.FormatInt(c.MaxBodyBytes()>>10, 10)},
		{"PARLEY_BODY_TIMEOUT", c.BodyReadTimeout().String()}, {"PARLEY_READ_HEADER_TIMEOUT", c.HeaderTimeout().String()},
		{"PARLEY_IDLE_TIMEOUT", c.KeepAlive().String()}, {"PARLEY_MAX_INFLIGHT", strconv.Itoa(c.InFlightLimit())},
		{"PARLEY_MAX_QUERY_DEPTH", strconv.Itoa(depth)}, {"PARLEY_LIVE_BUFFER", strconv.Itoa(c.LiveBuffer)},
		{"PARLEY_WAKE_GAP", orDefault(c.WakeGap, db.DefaultWakeGap).String()},
		{"PARLEY_MAX_SUBSCRIPTIONS", strconv.Itoa(c.MaxSubscriptions)},
		{"PARLEY_EDIT_WINDOW", orDefault(c.EditWindow, 15*time.Minute).String()},
		{"PARLEY_REACTIONS", orNote(strings.Join(c.Reactions, ","), "👍,❤️,😂,😮,😢,🙏")},
		{"PARLEY_WS_INIT_TIMEOUT", orDefault(c.WSInitTimeout, 10*time.Second).String()},
		{"PARLEY_WS_PING_INTERVAL", orDefault(c.WSPingInterval, 20*time.Second).String()},
		{"PARLEY_REDIS_URL", orNote(c.RedisURL, "(unset: redis://127.0.0.1:6379, else per-process limits)")},
		{"PARLEY_RATE_LIMIT_ON_REDIS_ERROR", map[bool]string{false: "open", true: "closed"}[c.RateFailClosed]},
		{"PARLEY_RATE_LIMITS", strconv.FormatBool(c.Limits != nil)},
	}
	if c.Limits != nil {
		rule := func(r ratelimit.Rule) string { return fmt.Sprintf("%g:%d", r.Rate, r.Burst) }
		rows = append(rows, [][2]string{{"PARLEY_RATE_SEND", rule(c.Limits.User[ratelimit.Send])},
			{"PARLEY_RATE_READ", rule(c.Limits.User[ratelimit.Read])}, {"PARLEY_RATE_OTHER", rule(c.Limits.User[ratelimit.Other])},
			{"PARLEY_RATE_ANONYMOUS", rule(c.Limits.Anonymous)}, {"PARLEY_RATE_API_KEY", rule(c.Limits.APIKey)}}...)
	}
	rows = append(rows, [][2]string{{"PARLEY_WEBHOOK_WORKER", strconv.FormatBool(c.WebhookWorker)},
		{"PARLEY_WEBHOOK_ALLOW_PRIVATE", strconv.FormatBool(c.WebhookAllowPrivate)},
		{"PARLEY_WEBHOOK_RETRIES", joinDurations(wh.Retries)}, {"PARLEY_WEBHOOK_POLL", wh.Poll.String()},
		{"PARLEY_WEBHOOK_TIMEOUT", wh.Timeout.String()}, {"PARLEY_WEBHOOK_DISABLE_AFTER", wh.DisableAfter.String()},
		{"PARLEY_VAPID_PUBLIC_KEY", orNote(c.VAPID.PublicKey, "(unset: generated and kept in the data folder)")},
		{"PARLEY_VAPID_PRIVATE_KEY", orNote(c.VAPID.PrivateKey, "(unset: generated and kept in the data folder)")},
		{"PARLEY_VAPID_SUBJECT", orNote(c.VAPID.Subject, "(unset: mailto:parley@localhost in development)")},
		{"PARLEY_SMTP_URL", orNote(c.SMTPURL, "(unset: no e-mail digests)")},
		{"PARLEY_MAIL_FROM", c.MailFrom}, {"PARLEY_PUBLIC_URL", c.publicURL()},
		{"PARLEY_DIGEST_AFTER", orDefault(c.DigestAfter, time.Hour).String()},
		{"PARLEY_RETENTION", orNote(retentionText(c.Retention), "0 (off)")},
		{"PARLEY_EXPORT_TTL", orDefault(c.ExportTTL, privacy.DefaultExportKeep).String()},
		{"PARLEY_EXPORT_MAX_FILES_MB", strconv.FormatInt(orInt64(c.ExportMaxFileBytes, privacy.DefaultExportFileBytes)>>20, 10)}}...)
	out := make([]Setting, len(rows))
	for i, r := range rows {
		out[i] = Setting{Name: r[0], Value: maskValue(r[0], r[1]), Set: os.Getenv(r[0]) != ""}
	}
	return out
}

// PrintSettings writes the effective configuration as aligned lines: name, value, and
// "(default)" for what was not set.
func (c Config) PrintSettings(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range c.Settings() {
		from := "set"
		if !s.Set {
			from = "default"
		}
		fmt.Fprintf(tw, "%s\t%s\t(%s)\n", s.Name, s.Value, from)
	}
	return tw.Flush()
}

// secretName tells whether a variable holds a secret by its name (PARLEY_RATE_API_KEY is the
// rate of API-key callers, not a key).
func secretName(name string) bool {
	if name == "PARLEY_RATE_API_KEY" || name == "PARLEY_VAPID_PUBLIC_KEY" { // a rule and a public key, not secrets
		return false
	}
	for _, w := range []string{"SECRET", "PASSWORD", "KEY", "TOKEN"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// maskValue hides a secret variable's value (all of it; a list shows how many items it has)
// and the password (or token) in any URL of a value.
func maskValue(name, v string) string {
	if v == "" || strings.HasPrefix(v, "(unset") {
		return v
	}
	if secretName(name) {
		if n := len(splitList(v)); n > 1 {
			return fmt.Sprintf("%s (%d values)", masked, n)
		}
		return masked
	}
	if u, err := url.Parse(v); err == nil && u.User != nil {
		return maskURL(v) // one URL: a comma may be part of its password
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = maskURL(p)
	}
	return strings.Join(parts, ",")
}

// maskURL hides the password (or token) of a URL and the values of its secret-named query
// parameters. A URL that does not parse (a password with an unescaped #, ? or /) loses its
// whole user part: the parser's reading of it cannot be trusted to find the password.
func maskURL(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		if i, j := strings.Index(p, "://"), strings.LastIndex(p, "@"); i >= 0 && j > i {
			return p[:i+3] + masked + p[j:]
		}
		return p
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), masked)
		} else if strings.HasPrefix(u.Scheme, "redis") && u.User.Username() != "" {
			u.User = url.User(masked) // a lone user part is often a token (redis://token@host)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretName(strings.ToUpper(k)) {
				q.Set(k, masked)
			}
		}
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A%2A", masked) // url escapes the stars
}

func orNote(v, note string) string {
	if v == "" {
		return note
	}
	return v
}

func joinPrefixes(c Config) string {
	s := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func joinDurations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ",")
}
