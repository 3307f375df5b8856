package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server/telemetry"
	"github.com/parley/parley/webhooks"
)

// Operating Parley: the metrics it keeps, the traces it makes and the admin listener that
// serves /metrics, /healthz, /readyz and pprof apart from the public port.

// instrument registers the collectors read at scrape time and, with a tracer provider, traces
// the database's statements.
func (a *App) instrument() {
	m := a.Metrics
	m.PrepareWebhookOutcomes(webhooks.Outcomes)
	m.Registry.MustRegister(collectors.NewDBStatsCollector(a.Store.DB.DB, "parley"), telemetry.NewProbe(a.gauges()...))
	if tp := a.Config.TracerProvider; tp != nil {
		a.Store.DB.AddQueryHook(telemetry.SQLHook(tp))
	}
}

// scrapeTimeout bounds the statements a scrape runs.
const scrapeTimeout = 2 * time.Second

// gauges are the figures read when Prometheus scrapes.
func (a *App) gauges() []telemetry.Gauge {
	one := func(v float64) []telemetry.Sample { return []telemetry.Sample{{Value: v}} }
	return []telemetry.Gauge{
		{Name: "live_subscriptions", Help: "Live subscriptions on this replica, by kind.", Labels: []string{"kind"},
			Read: func() []telemetry.Sample {
				var out []telemetry.Sample
				for kind, n := range a.Hub.Counts() {
					out = append(out, telemetry.Sample{Labels: []string{kind}, Value: float64(n)})
				}
				return out
			}},
		{Name: "live_websocket_connections", Help: "Open WebSocket connections on this replica.",
			Read: func() []telemetry.Sample { return one(float64(a.Sockets.Connections())) }},
		{Name: "live_slow_subscribers_total", Help: "Subscriptions ended because their subscriber fell behind.", Counter: true,
			Read: func() []telemetry.Sample { return one(float64(a.Hub.EndedSlow())) }},
		{Name: "live_hub_lag_messages", Help: "Newest committed message id minus the id this replica's hub has handled.",
			Read: a.hubLag},
		{Name: "webhook_outbox_pending", Help: "Webhook deliveries to active endpoints waiting for an attempt (whole deployment; capped at 100000).",
			Read: func() []telemetry.Sample { s := a.outbox(); return one(float64(s.Pending)) }},
		{Name: "webhook_outbox_oldest_due_seconds", Help: "How long the most overdue webhook delivery has waited past its due time (whole deployment).",
			Read: func() []telemetry.Sample { s := a.outbox(); return one(s.OldestDue.Seconds()) }},
		{Name: "rate_limit_refusals_total", Help: "Requests refused by the rate limits, by bucket.", Labels: []string{"bucket"}, Counter: true,
			Read: func() []telemetry.Sample {
				counts := a.Limiter.Refusals()
				out := make([]telemetry.Sample, len(counts))
				for i, n := range counts {
					out[i] = telemetry.Sample{Labels: []string{ratelimit.Buckets[i]}, Value: float64(n)}
				}
				return out
			}},
		{Name: "sends_total", Help: "Messages sent through this replica, by how they were committed: alone, or in a batch with others (group commit).",
			Labels: []string{"commit"}, Counter: true,
			Read: func() []telemetry.Sample {
				g := a.Store.SendStats()
				return []telemetry.Sample{{Labels: []string{"alone"}, Value: float64(g.Alone)}, {Labels: []string{"batched"}, Value: float64(g.Batched)}}
			}},
		{Name: "send_batches_total", Help: "Batch statements that committed sends together (group commit).", Counter: true,
			Read: func() []telemetry.Sample { return one(float64(a.Store.SendStats().Batches)) }},
		{Name: "rate_limit_store_failures_total", Help: "Requests decided without the rate-limit store because it failed.", Counter: true,
			Read: func() []telemetry.Sample { return one(float64(a.limiterFailures())) }},
	}
}

func (a *App) limiterFailures() int64 {
	if a.Limiter == nil {
		return 0
	}
	return a.Limiter.Failures()
}

func (a *App) hubLag() []telemetry.Sample {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	newest, err := a.Store.NewestMessageID(ctx)
	if err != nil {
		slog.Warn("metrics: hub lag", "err", err)
		return nil
	}
	return []telemetry.Sample{{Value: float64(max(0, newest-a.Hub.Position()))}}
}

// outbox reads the outbox figures once for both gauges of a scrape.
func (a *App) outbox() db.OutboxStats {
	a.outboxMu.Lock()
	defer a.outboxMu.Unlock()
	if time.Since(a.outboxAt) < 250*time.Millisecond { // both gauges of one scrape
		return a.outboxStats
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	s, err := a.Store.WebhookOutboxStats(ctx)
	if err != nil {
		slog.Warn("metrics: webhook outbox", "err", err)
	}
	a.outboxStats, a.outboxAt = s, time.Now()
	return s
}

// traced wraps the public handler in otelhttp's server spans when tracing is on; without a
// tracer provider nothing is wrapped, so tracing off costs nothing.
func (a *App) traced(h http.Handler) http.Handler {
	tp := a.Config.TracerProvider
	if tp == nil {
		return h
	}
	return otelhttp.NewHandler(h, "http", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(otel.GetTextMapPropagator()))
}

// nameSpan names the request's span by its route template once the mux has chosen it.
func nameSpan(r *http.Request, route string) {
	if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
		span.SetName(r.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
	}
}

// mayNameOperation lets authenticated callers give a new GraphQL operation name a label.
func mayNameOperation(ctx context.Context) bool {
	_, err := auth.PrincipalFrom(ctx)
	return err == nil
}

// AdminHandler serves the admin endpoints: /metrics, /healthz (the process is up), /readyz
// (see Ready) and net/http/pprof under /debug/pprof/. It is for the admin listener only.
func (a *App) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /readyz", a.ready)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Drain marks the replica as going away: /readyz answers 503 from now on, so load balancers
// stop sending it requests while those in flight finish.
func (a *App) Drain() { a.draining.Store(true) }

// Ready says why the replica should not get traffic, or "" when it should: it is not
// draining, the database answers, every migration is applied and the live hub runs.
func (a *App) Ready(ctx context.Context) string {
	if a.draining.Load() {
		return "shutting down"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.Store.DB.PingContext(ctx); err != nil {
		slog.WarnContext(ctx, "not ready", "err", err)
		return "database unavailable"
	}
	if n, err := db.PendingMigrations(ctx, a.Store.DB); err != nil || n > 0 {
		slog.WarnContext(ctx, "not ready: migrations", "pending", n, "err", err)
		return "migrations pending"
	}
	select {
	case <-a.Hub.Ready():
	default:
		return "live hub starting"
	}
	if a.Hub.Stopped() {
		return "live hub stopped"
	}
	return ""
}

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	if why := a.Ready(r.Context()); why != "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": why})
		return
	}
	writeJSON(w, 200, map[string]string{"status": "ready"})
}
