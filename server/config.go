// Package server owns the HTTP side of Parley and wires it together: configuration, the
// database, the GraphQL endpoint (transports, document limits, rate limits, error presentation),
// middleware (request ids, logs, CORS, authentication, body bounds, load shedding), the web app
// and GraphiQL bundles, attachment downloads, the mounted REST front door, the live hub and
// webhook worker it starts, and the admin listener's handler (metrics, health, readiness, pprof)
// with the metrics and traces server/telemetry keeps. The parley binary, parley-bench and the
// end-to-end tests build the server through it.
//
// It may import every Parley package below it (resolvers, rest-compat, auth, ratelimit,
// apierror, webhooks, away, i18n, db and its subpackages, web/graphiql, web/app,
// server/livews, server/telemetry); nothing but commands and tests imports it.
package server

import (
	"errors"
	"math"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/away"
	"github.com/parley/parley/db"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server/telemetry"
)

// Config is everything Parley reads from its environment.
type Config struct {
	// Env is "development" (the default: generated secrets, embedded database, open defaults
	// for a laptop) or "production" (PARLEY_ENV), which refuses those fallbacks.
	Env            string
	Addr           string   // PARLEY_ADDR
	DatabaseURL    string   // DATABASE_URL
	JWTSecret      string   // PARLEY_JWT_SECRET
	JWKSURL        string   // PARLEY_JWKS_URL
	APIKeys        []string // PARLEY_API_KEYS, comma-separated
	Introspection  bool     // PARLEY_INTROSPECTION, for callers with credentials
	DataDir        string   // PARLEY_DATA_DIR: generated secret, files, embedded database
	MaxUploadBytes int64    // PARLEY_MAX_UPLOAD_MB
	LogLevel       string   // PARLEY_LOG_LEVEL
	MaxQueryDepth  int      // PARLEY_MAX_QUERY_DEPTH
	BlobURL        string   // PARLEY_BLOB_URL: where attachment bytes go (file://, s3://, gs://)
	CORSOrigins    []string // PARLEY_CORS_ORIGINS, comma-separated; * allows any
	LiveBuffer     int      // PARLEY_LIVE_BUFFER: events a subscriber may lag before it is ended
	// WakeGap is PARLEY_WAKE_GAP, the least time between two of this replica's wake-up
	// statements (NOTIFYs for its sends); zero takes db.DefaultWakeGap.
	WakeGap time.Duration
	// WebSocket timing (PARLEY_WS_INIT_TIMEOUT, PARLEY_WS_PING_INTERVAL); zero takes the
	// defaults, 10 s for connection_init and a keep-alive every 20 s.
	WSInitTimeout  time.Duration
	WSPingInterval time.Duration
	// AnonymousIntrospection serves introspection and "Did you mean" suggestions to anonymous
	// callers: PARLEY_INTROSPECTION when set, else only in development.
	AnonymousIntrospection bool
	// Limits are the request rates (PARLEY_RATE_SEND, _READ, _OTHER, _API_KEY as rate:burst;
	// PARLEY_RATE_LIMITS=false turns them off). Nil means no limits.
	Limits *ratelimit.Limits
	// RedisURL is where the rate buckets live (PARLEY_REDIS_URL, default the local Redis).
	RedisURL string
	// RateFailClosed refuses requests while Redis cannot be reached, instead of letting them
	// through unlimited (PARLEY_RATE_LIMIT_ON_REDIS_ERROR=closed; the default is open).
	RateFailClosed bool
	// DBPool sizes the connection pool (PARLEY_DB_MAX_OPEN_CONNS, PARLEY_DB_MAX_IDLE_CONNS,
	// PARLEY_DB_CONN_MAX_LIFETIME); zero fields take db.DefaultPool's.
	DBPool db.Pool
	// MaxSubscriptions caps one user's live subscriptions per replica (PARLEY_MAX_SUBSCRIPTIONS).
	MaxSubscriptions int
	// RatePrefix keeps test servers sharing one Redis apart.
	RatePrefix string
	// EditWindow is how long a sender may edit or unsend a message (PARLEY_EDIT_WINDOW,
	// default 15m); zero takes the default.
	EditWindow time.Duration
	// Reactions are the emoji one may react with (PARLEY_REACTIONS, comma-separated); nil
	// takes resolvers.DefaultReactions.
	Reactions []string

	// HTTP limits; zero takes the defaults (see the methods of the same names).
	MaxBody           int64          // PARLEY_MAX_BODY_KB: request body bytes, multipart uploads apart
	BodyTimeout       time.Duration  // PARLEY_BODY_TIMEOUT: time to read a request body
	ReadHeaderTimeout time.Duration  // PARLEY_READ_HEADER_TIMEOUT
	IdleTimeout       time.Duration  // PARLEY_IDLE_TIMEOUT: keep-alive connections between requests
	MaxInFlight       int            // PARLEY_MAX_INFLIGHT: requests worked on at once; more get 503
	TrustedProxies    []netip.Prefix // PARLEY_TRUSTED_PROXIES: peers whose X-Forwarded-For is believed

	// Webhook delivery. Zero durations and a nil schedule take the defaults of webhooks.
	WebhookWorker       bool            // PARLEY_WEBHOOK_WORKER: run a delivery worker on this replica
	WebhookAllowPrivate bool            // PARLEY_WEBHOOK_ALLOW_PRIVATE: receivers at loopback/private addresses
	WebhookRetries      []time.Duration // PARLEY_WEBHOOK_RETRIES, comma-separated waits such as 5s,5m,30m
	WebhookPoll         time.Duration   // PARLEY_WEBHOOK_POLL
	WebhookTimeout      time.Duration   // PARLEY_WEBHOOK_TIMEOUT
	WebhookDisableAfter time.Duration   // PARLEY_WEBHOOK_DISABLE_AFTER

	// User tokens. Issuer and audience, when set, must be the token's iss and one of its aud
	// (both required in production); JWTMaxTTL caps a token's lifetime, accepted and minted.
	JWTIssuer   string        // PARLEY_JWT_ISSUER
	JWTAudience string        // PARLEY_JWT_AUDIENCE
	JWTMaxTTL   time.Duration // PARLEY_JWT_MAX_TTL, 720h
	// TokenRecheck bounds how stale a replica's copy of a user's token revocation may be
	// (tests shorten it; zero is auth.DefaultRecheck).
	TokenRecheck time.Duration
	// Reaching users who are away (package away). VAPID: PARLEY_VAPID_PUBLIC_KEY,
	// PARLEY_VAPID_PRIVATE_KEY, PARLEY_VAPID_SUBJECT (generated in development). The digest
	// runs when SMTPURL is set.
	VAPID       away.VAPID
	SMTPURL     string        // PARLEY_SMTP_URL
	MailFrom    string        // PARLEY_MAIL_FROM
	PublicURL   string        // PARLEY_PUBLIC_URL: links in mails
	DigestAfter time.Duration // PARLEY_DIGEST_AFTER, 1h
	// AwayPoll and PushCollapse tune the workers (tests); zero takes their defaults.
	AwayPoll     time.Duration
	PushCollapse time.Duration
	// Privacy (package privacy): PARLEY_RETENTION (0: off), PARLEY_EXPORT_TTL (7 days),
	// PARLEY_EXPORT_MAX_FILES_MB (1024). PrivacyPoll tunes the worker (tests; 5 s).
	Retention          time.Duration
	ExportTTL          time.Duration
	ExportMaxFileBytes int64
	PrivacyPoll        time.Duration
	RetentionBatch     int // messages per retention step (tests; 200)
	// GeneratedInbox answers the inbox through gqlgen's generated marshaling only (tests
	// compare it with the inbox writer; see server.Options).
	GeneratedInbox bool

	// AdminAddr is the admin listener (/metrics, /healthz, /readyz, /debug/pprof/), never the
	// public one (PARLEY_ADMIN_ADDR, default 127.0.0.1:9090; off for none).
	AdminAddr string
	// OTLPEndpoint is where traces are exported (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
	// OTEL_EXPORTER_OTLP_ENDPOINT; the other OTEL_* variables are read by the SDK). Empty:
	// no tracing.
	OTLPEndpoint string
	// TracerProvider traces requests, operations, statements and webhook deliveries (nil: no
	// tracing, at no cost). `parley serve` makes one from the OTEL_* variables; tests pass one
	// with an in-memory exporter.
	TracerProvider trace.TracerProvider
}

// DefaultAdminAddr serves the admin endpoints on loopback only: an operator who wants them
// scraped from elsewhere (Prometheus, Kubernetes probes) sets PARLEY_ADMIN_ADDR=:9090.
const DefaultAdminAddr = "127.0.0.1:9090"

// adminConfig reads PARLEY_ADMIN_ADDR and the OTLP endpoint.
func adminConfig(c *Config, p *problems) {
	c.AdminAddr = envOr("PARLEY_ADMIN_ADDR", DefaultAdminAddr)
	if c.AdminAddr == "off" {
		c.AdminAddr = ""
	} else if _, port, err := net.SplitHostPort(c.AdminAddr); err != nil || port == "" {
		p.addf("PARLEY_ADMIN_ADDR=%q: want host:port such as 127.0.0.1:9090 or :9090, or off", c.AdminAddr)
	} else if c.AdminAddr == c.Addr {
		p.addf("PARLEY_ADMIN_ADDR=%q is PARLEY_ADDR too: the admin endpoints must not be on the public port", c.AdminAddr)
	}
	c.OTLPEndpoint = telemetry.OTLPEndpoint()
}

// ConfigFromEnv reads the configuration, with development defaults. It checks every setting
// before it returns: a *ConfigError lists each mistake on a line of its own (and, under
// PARLEY_ENV=production, each refused development fallback), so an operator fixes them all in
// one go.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Env:           envOr("PARLEY_ENV", "development"),
		Addr:          envOr("PARLEY_ADDR", ":8080"),
		DatabaseURL:   os.Getenv("DATABASE_URL"),
		JWTSecret:     os.Getenv("PARLEY_JWT_SECRET"),
		JWKSURL:       os.Getenv("PARLEY_JWKS_URL"),
		DataDir:       envOr("PARLEY_DATA_DIR", ".parley"),
		Introspection: true,
		LogLevel:      envOr("PARLEY_LOG_LEVEL", "info"),
		BlobURL:       os.Getenv("PARLEY_BLOB_URL"),
		CORSOrigins:   corsOrigins(envOr("PARLEY_CORS_ORIGINS", "*")),
	}
	var p problems
	if c.Env != "development" && c.Env != "production" {
		p.addf("PARLEY_ENV=%q: want development or production", c.Env)
	}
	c.APIKeys = splitList(os.Getenv("PARLEY_API_KEYS"))
	c.Introspection = p.envBool("PARLEY_INTROSPECTION", true)
	c.AnonymousIntrospection = c.Introspection && (!c.Production() || os.Getenv("PARLEY_INTROSPECTION") != "")
	c.MaxUploadBytes = int64(p.envInt("PARLEY_MAX_UPLOAD_MB", 10, 1, 1024, "a whole number of megabytes, 1 to 1024")) << 20
	limitsFromEnv(&c, &p)
	c.LiveBuffer = p.envInt("PARLEY_LIVE_BUFFER", 256, 1, 100000, "a whole number from 1 to 100000")
	p.durations(map[string]*time.Duration{"PARLEY_WAKE_GAP": &c.WakeGap})
	tokenConfig(&c, &p)
	webhookConfig(&c, &p)
	privacyConfig(&c, &p)
	awayConfig(&c, &p)
	httpConfig(&c, &p)
	c.MaxQueryDepth = p.envInt("PARLEY_MAX_QUERY_DEPTH", 0, 2, 100, "a whole number from 2 to 100")
	poolConfig(&c, &p)
	messageConfig(&c, &p)
	adminConfig(&c, &p)
	checkAddresses(c, &p)
	prod := c.productionProblems()
	if len(p) > 0 {
		return c, &ConfigError{Lines: append(p, prod...), production: len(prod)}
	}
	if len(prod) > 0 {
		return c, &ProductionError{Lines: prod}
	}
	return c, nil
}

// messageConfig reads the edit window and the reaction emoji.
func messageConfig(c *Config, p *problems) {
	p.durations(map[string]*time.Duration{"PARLEY_EDIT_WINDOW": &c.EditWindow})
	v := os.Getenv("PARLEY_REACTIONS")
	if v == "" {
		return
	}
	c.Reactions = splitList(v)
	if len(c.Reactions) == 0 || len(c.Reactions) > 20 {
		p.addf("PARLEY_REACTIONS=%q: want 1 to 20 comma-separated emoji", v)
	}
	for _, e := range c.Reactions {
		if utf8.RuneCountInString(e) > 16 {
			p.addf("PARLEY_REACTIONS: %q is longer than an emoji", e)
		}
	}
}

// corsOrigins reads PARLEY_CORS_ORIGINS: a comma-separated list, * for any, none for no
// cross-origin browser access.
func corsOrigins(v string) []string {
	if strings.TrimSpace(v) == "none" {
		return nil
	}
	return splitList(v)
}

// poolConfig reads the PARLEY_DB_* pool settings.
func poolConfig(c *Config, p *problems) {
	c.DBPool = db.DefaultPool()
	const want = "a whole number from 1 to 1000"
	c.DBPool.MaxOpen = p.envInt("PARLEY_DB_MAX_OPEN_CONNS", c.DBPool.MaxOpen, 1, 1000, want)
	c.DBPool.MaxIdle = p.envInt("PARLEY_DB_MAX_IDLE_CONNS", c.DBPool.MaxIdle, 1, 1000, want)
	if c.DBPool.MaxIdle > c.DBPool.MaxOpen {
		p.addf("PARLEY_DB_MAX_IDLE_CONNS=%d is more than PARLEY_DB_MAX_OPEN_CONNS=%d", c.DBPool.MaxIdle, c.DBPool.MaxOpen)
	}
	p.durations(map[string]*time.Duration{"PARLEY_DB_CONN_MAX_LIFETIME": &c.DBPool.MaxLifetime})
}

// httpConfig reads the request body, timeout, in-flight and proxy settings.
func httpConfig(c *Config, p *problems) {
	c.MaxBody = int64(p.envInt("PARLEY_MAX_BODY_KB", 0, 1, 1<<20, "a whole number of KiB, 1 to 1048576")) << 10
	c.MaxInFlight = p.envInt("PARLEY_MAX_INFLIGHT", 0, 1, math.MaxInt32, "a whole number, at least 1")
	for _, s := range splitList(os.Getenv("PARLEY_TRUSTED_PROXIES")) {
		pre, err := netip.ParsePrefix(s)
		if err != nil {
			a, err2 := netip.ParseAddr(s)
			if err2 != nil {
				p.addf("PARLEY_TRUSTED_PROXIES: %q is neither an address nor a CIDR range", s)
				continue
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, pre.Masked())
	}
	p.durations(map[string]*time.Duration{"PARLEY_BODY_TIMEOUT": &c.BodyTimeout,
		"PARLEY_READ_HEADER_TIMEOUT": &c.ReadHeaderTimeout, "PARLEY_IDLE_TIMEOUT": &c.IdleTimeout})
}

// MaxBodyBytes is the largest request body outside multipart uploads (default 2 MiB).
func (c Config) MaxBodyBytes() int64 { return orDefault(c.MaxBody, 2<<20) }

// BodyReadTimeout is how long a request may take to send its body (default 60 s).
func (c Config) BodyReadTimeout() time.Duration { return orDefault(c.BodyTimeout, time.Minute) }

// HeaderTimeout is how long a client may take to send a request's headers (default 10 s).
func (c Config) HeaderTimeout() time.Duration { return orDefault(c.ReadHeaderTimeout, 10*time.Second) }

// KeepAlive is how long an idle keep-alive connection stays open (default 2 min).
func (c Config) KeepAlive() time.Duration { return orDefault(c.IdleTimeout, 2*time.Minute) }

// InFlightLimit is how many requests one replica works on at once. The default, 8 per CPU,
// keeps the database busy while admitted requests stay quick: `parley-bench hostile` on two
// cores gave a valid-request p99 of 3.8 s at 32 per CPU and 0.5 s at 8 (BENCHMARKS.md).
func (c Config) InFlightLimit() int { return orDefault(c.MaxInFlight, 8*runtime.GOMAXPROCS(0)) }

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Pool is the configured connection pool, db.DefaultPool where unset.
func (c Config) Pool() db.Pool {
	if c.DBPool.MaxOpen == 0 {
		return db.DefaultPool()
	}
	return c.DBPool
}

// Production tells whether the operator asked for production behaviour (PARLEY_ENV=production).
func (c Config) Production() bool { return c.Env == "production" }

// tokenConfig reads the PARLEY_JWT_* settings of user tokens.
func tokenConfig(c *Config, p *problems) {
	c.JWTIssuer = os.Getenv("PARLEY_JWT_ISSUER")
	c.JWTAudience = os.Getenv("PARLEY_JWT_AUDIENCE")
	c.JWTMaxTTL = auth.DefaultMaxTTL
	p.durations(map[string]*time.Duration{"PARLEY_JWT_MAX_TTL": &c.JWTMaxTTL})
}

// AuthConfig is what the authenticator and token minting need. In production tokens must name
// this service: an issuer and an audience are required.
func (c Config) AuthConfig() (auth.Config, error) {
	if c.Production() && c.JWTIssuer == "" {
		return auth.Config{}, errors.New("PARLEY_JWT_ISSUER must be set when PARLEY_ENV=production (the iss of accepted tokens)")
	}
	if c.Production() && c.JWTAudience == "" {
		return auth.Config{}, errors.New("PARLEY_JWT_AUDIENCE must be set when PARLEY_ENV=production (the aud of accepted tokens)")
	}
	return auth.Config{Secret: []byte(c.JWTSecret), JWKSURL: c.JWKSURL, APIKeys: c.APIKeys, Issuer: c.JWTIssuer,
		Audience: c.JWTAudience, MaxTTL: c.JWTMaxTTL, Recheck: c.TokenRecheck}, nil
}

// webhookConfig reads the PARLEY_WEBHOOK_* settings (and the WebSocket timings).
func webhookConfig(c *Config, p *problems) {
	c.WebhookWorker = p.envBool("PARLEY_WEBHOOK_WORKER", true)
	c.WebhookAllowPrivate = p.envBool("PARLEY_WEBHOOK_ALLOW_PRIVATE", false)
	if v := os.Getenv("PARLEY_WEBHOOK_RETRIES"); v != "" {
		for _, part := range splitList(v) {
			d, err := time.ParseDuration(part)
			if err != nil || d < 0 {
				p.addf("PARLEY_WEBHOOK_RETRIES=%q: want comma-separated durations such as 5s,5m,30m", v)
				c.WebhookRetries = nil
				break
			}
			c.WebhookRetries = append(c.WebhookRetries, d)
		}
	}
	p.durations(map[string]*time.Duration{"PARLEY_WEBHOOK_POLL": &c.WebhookPoll,
		"PARLEY_WEBHOOK_TIMEOUT": &c.WebhookTimeout, "PARLEY_WEBHOOK_DISABLE_AFTER": &c.WebhookDisableAfter,
		"PARLEY_WS_INIT_TIMEOUT": &c.WSInitTimeout, "PARLEY_WS_PING_INTERVAL": &c.WSPingInterval})
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func limitsFromEnv(c *Config, p *problems) {
	c.RedisURL = os.Getenv("PARLEY_REDIS_URL")
	switch v := os.Getenv("PARLEY_RATE_LIMIT_ON_REDIS_ERROR"); v {
	case "", "open":
	case "closed":
		c.RateFailClosed = true
	default:
		p.addf("PARLEY_RATE_LIMIT_ON_REDIS_ERROR=%q: want open or closed", v)
	}
	c.MaxSubscriptions = p.envInt("PARLEY_MAX_SUBSCRIPTIONS", 50, 0, math.MaxInt32, "a whole number, 0 for no cap")
	if !p.envBool("PARLEY_RATE_LIMITS", true) {
		return
	}
	l := ratelimit.DefaultLimits()
	rule := func(env string, dst *ratelimit.Rule) {
		if v := os.Getenv(env); v != "" {
			r, err := ratelimit.ParseRule(v)
			if err != nil {
				p.addf("%s: %v", env, err)
				return
			}
			*dst = r
		}
	}
	for env, class := range map[string]ratelimit.Class{"PARLEY_RATE_SEND": ratelimit.Send, "PARLEY_RATE_READ": ratelimit.Read, "PARLEY_RATE_OTHER": ratelimit.Other} {
		r := l.User[class]
		rule(env, &r)
		l.User[class] = r
	}
	rule("PARLEY_RATE_ANONYMOUS", &l.Anonymous)
	rule("PARLEY_RATE_API_KEY", &l.APIKey)
	c.Limits = &l
}
