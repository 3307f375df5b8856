package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/away"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/blobs"
	"github.com/parley/parley/db/live"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/resolvers"
	restcompat "github.com/parley/parley/rest-compat"
	"github.com/parley/parley/server/livews"
	"github.com/parley/parley/server/telemetry"
	"github.com/parley/parley/web/graphiql"
	"github.com/parley/parley/webhooks"
)

// App is a wired Parley: the store, the authenticator, the resolvers and the HTTP routes.
type App struct {
	Hub      *live.Hub
	Store    *db.Store
	Auth     *auth.Authenticator
	Resolver *resolvers.Resolver
	// Limiter keeps callers within their request rates (nil: no limits).
	Limiter *ratelimit.Limiter
	Config  Config
	// Sockets are the open WebSockets; Shutdown closes them with 1001 so clients reconnect
	// to another replica.
	Sockets *livews.Transport
	// DevSignIn, when set, is the web app's development sign-in list (see Config.DevSignIn).
	DevSignIn []DevUser
	// Metrics are this server's Prometheus families, served by AdminHandler.
	Metrics *telemetry.Metrics

	draining    atomic.Bool // Drain was called: /readyz answers 503
	outboxMu    sync.Mutex
	outboxStats db.OutboxStats
	outboxAt    time.Time
}

// New wires Parley over an open, migrated database.
func New(ctx context.Context, cfg Config, store *db.Store) (*App, error) {
	authCfg, err := cfg.AuthConfig()
	if err != nil {
		return nil, err
	}
	authn, err := auth.New(ctx, authCfg, store)
	if err != nil {
		return nil, err
	}
	blobURL := cfg.BlobURL
	if blobURL == "" {
		if blobURL, err = blobs.FolderURL(filepath.Join(cfg.DataDir, "files")); err != nil {
			return nil, err
		}
	}
	files, err := blobs.Open(ctx, blobURL)
	if err != nil {
		return nil, err
	}
	metrics := telemetry.NewMetrics()
	hub := live.NewHub(store, live.PGSource{DB: store.DB}, live.Options{Buffer: cfg.LiveBuffer, OnDeliver: metrics.ObserveDelivery})
	store.OnWake(hub.Replica(), hub.Poke) // this replica's sends reach its hub without a NOTIFY round trip
	store.SetWakeGap(cfg.WakeGap)
	limiter, err := newLimiter(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r := &resolvers.Resolver{Store: store, Tokens: authn, Files: files, MaxUploadBytes: cfg.MaxUploadBytes,
		Hub: hub, MaxSubscriptions: cfg.MaxSubscriptions, WebhookAllowPrivate: cfg.WebhookAllowPrivate,
		WebhookRequireHTTPS: cfg.Production(), VAPIDPublicKey: cfg.VAPID.PublicKey, EditWindow: cfg.EditWindow,
		Reactions: cfg.Reactions}
	sockets := NewSockets(limiter, authn, cfg.CORSOrigins)
	sockets.InitTimeout, sockets.PingInterval = cfg.WSInitTimeout, cfg.WSPingInterval
	a := &App{Hub: hub, Store: store, Auth: authn, Resolver: r, Limiter: limiter, Config: cfg, Sockets: sockets, Metrics: metrics}
	a.instrument()
	return a, nil
}

// newLimiter keeps rate buckets in Redis, so limits hold across replicas. Without a configured
// Redis and none answering locally, buckets stay in this process (and say so).
func newLimiter(ctx context.Context, cfg Config) (*ratelimit.Limiter, error) {
	if cfg.Limits == nil {
		return nil, nil
	}
	url := cfg.RedisURL
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("PARLEY_REDIS_URL: %w", err)
	}
	// A failing Redis must not hold requests: short timeouts and one retry, unless the URL
	// sets its own (dial_timeout, read_timeout, max_retries).
	if opts.DialTimeout == 0 {
		opts.DialTimeout = time.Second
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout, opts.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 1
	}
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		client.Close()
		if cfg.RedisURL != "" {
			return nil, fmt.Errorf("rate limits: Redis at %s: %w", redact(cfg.RedisURL), err)
		}
		slog.Warn("rate limits: no Redis answered; buckets are kept per replica", "err", err)
		return &ratelimit.Limiter{Store: &ratelimit.Local{}, Limits: *cfg.Limits}, nil
	}
	slog.Info("rate limits: buckets in Redis", "redis", opts.Addr)
	return &ratelimit.Limiter{Store: ratelimit.Redis{Client: client}, Limits: *cfg.Limits, Prefix: cfg.RatePrefix,
		FailClosed: cfg.RateFailClosed}, nil
}

// StartWebhooks runs a webhook delivery worker until ctx ends, when Config.WebhookWorker is
// set; every replica runs one and they share the queue. done closes once it stopped.
func (a *App) StartWebhooks(ctx context.Context) (done <-chan struct{}) {
	ch := make(chan struct{})
	if !a.Config.WebhookWorker {
		close(ch)
		return ch
	}
	w := webhooks.NewWorker(a.Store, webhooks.Settings{Retries: a.Config.WebhookRetries, Poll: a.Config.WebhookPoll,
		Timeout: a.Config.WebhookTimeout, DisableAfter: a.Config.WebhookDisableAfter, AllowPrivate: a.Config.WebhookAllowPrivate,
		RequireHTTPS: a.Config.Production(), OnAttempt: a.Metrics.ObserveWebhookAttempt, Tracer: a.tracer("github.com/parley/parley/webhooks")})
	go func() {
		defer close(ch)
		_ = w.Run(ctx)
	}()
	return ch
}

// StartLive runs the live hub until ctx ends, and returns once it is ready to deliver. While
// ctx lives, open subscriptions are also checked for revoked tokens every recheck period.
func (a *App) StartLive(ctx context.Context) (done <-chan error, err error) {
	go a.Auth.RecheckWatches(ctx)
	errc := make(chan error, 1)
	go func() {
		err := a.Hub.Run(ctx)
		// Wake the other replicas for the last sends now rather than lose their wake-ups
		// (which would delay them until those replicas' next read).
		flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if ferr := a.Store.FlushWakes(flush); ferr != nil {
			slog.Warn("wake the live hubs at shutdown", "err", ferr)
		}
		errc <- err
	}()
	select {
	case <-a.Hub.Ready():
		return errc, nil
	case err := <-errc:
		return nil, fmt.Errorf("start live hub: %w", err)
	}
}

// Handler is the whole HTTP surface with its middleware.
func (a *App) Handler() http.Handler {
	opts := DefaultOptions()
	opts.Introspection, opts.AnonymousIntrospection = a.Config.Introspection, a.Config.AnonymousIntrospection
	opts.Auth, opts.Origins, opts.Sockets, opts.Limiter = a.Auth, a.Config.CORSOrigins, a.Sockets, a.Limiter
	if a.Config.MaxQueryDepth > 0 {
		opts.MaxDepth = a.Config.MaxQueryDepth
	}
	opts.MaxBodyBytes = a.Config.MaxBodyBytes()
	opts.GeneratedInbox = a.Config.GeneratedInbox
	opts.Metrics, opts.Tracer = a.Metrics, a.tracer("github.com/parley/parley/server")
	mux := http.NewServeMux()
	mux.Handle("/graphql", Handler(a.Resolver, opts))
	mux.Handle("GET /{$}", graphiql.Page())
	mux.Handle("GET "+graphiql.Prefix, graphiql.Assets())
	a.mountWebApp(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /readyz", a.ready)
	mux.HandleFunc("GET /attachments/{id}", a.download)
	mux.HandleFunc("GET "+resolvers.ExportPath+"{id}", a.exportDownload)
	mux.HandleFunc("GET "+away.UnsubscribePath, a.unsubscribe)
	mux.HandleFunc("POST "+away.UnsubscribePath, a.unsubscribe)
	legacy := restcompat.Handler(a.Resolver, callerLimits{a.Limiter}.Limit)
	for _, prefix := range restcompat.Patterns {
		mux.Handle(prefix, legacy)
	}
	h := shedLoad(a.Config.InFlightLimit(), noteRoute(mux))
	h = a.limitCallers(a.boundBodies(h))
	return a.traced(requestID(a.logRequests(mux, recoverPanics(cors(a.Config.CORSOrigins, authenticate(a.Auth, noteUser(h)))))))
}

// tracer is the named tracer of the configured provider, or nil when tracing is off.
func (a *App) tracer(name string) trace.Tracer {
	if a.Config.TracerProvider == nil {
		return nil
	}
	return a.Config.TracerProvider.Tracer(name)
}

// MaxHeaderBytes bounds a request's headers (net/http answers 431 past it): the credentials
// in them are read before any rate limit, and net/http's default allows 1 MiB.
const MaxHeaderBytes = 64 << 10

// HTTPServer serves Handler with the configured header and keep-alive timeouts; bodies have
// their own per-request deadline (see boundBodies), which streams and WebSockets escape.
func (a *App) HTTPServer() *http.Server {
	return &http.Server{Handler: a.Handler(), ReadHeaderTimeout: a.Config.HeaderTimeout(), IdleTimeout: a.Config.KeepAlive(),
		MaxHeaderBytes: MaxHeaderBytes}
}

// download serves a stored attachment to a participant of its thread; anyone else gets 404.
func (a *App) download(w http.ResponseWriter, r *http.Request) {
	d, err := a.Resolver.OpenAttachment(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if d.Body == nil {
		http.Redirect(w, r, d.URL, http.StatusFound)
		return
	}
	defer d.Body.Close()
	serveDownload(w, d)
}

func serveDownload(w http.ResponseWriter, d *resolvers.Download) {
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(d.Size, 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", d.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, d.Body)
}

// writeError answers err as the error table says, in the server's own JSON error shape.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	ans := apierror.For(err)
	if ans.Code == apierror.CodeInternal && !errors.Is(err, context.Canceled) {
		slog.ErrorContext(r.Context(), "request failed", "err", err)
	}
	writeJSON(w, ans.Status, map[string]any{"error": map[string]string{"code": ans.Code, "message": apierror.PublicMessage(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
