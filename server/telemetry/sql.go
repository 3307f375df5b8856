package telemetry

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/otel/trace"
)

// SQLHook traces bun's statements with bunotel, but only inside a trace: the live hub's and
// the webhook worker's polling would otherwise start a trace of their own every second.
// Statements are recorded as written, with placeholders, never with their arguments.
func SQLHook(tp trace.TracerProvider) bun.QueryHook {
	return sqlHook{bunotel.NewQueryHook(bunotel.WithTracerProvider(tp), bunotel.WithDBName("parley"))}
}

type sqlHook struct{ inner *bunotel.QueryHook }

type untracedKey struct{}

// Init lets bunotel see the database (its connection-pool metrics go to the global meter
// provider, which Parley leaves as a no-op: the pool is in Prometheus already).
func (h sqlHook) Init(db *bun.DB) { h.inner.Init(db) }

func (h sqlHook) BeforeQuery(ctx context.Context, ev *bun.QueryEvent) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return context.WithValue(ctx, untracedKey{}, true)
	}
	return h.inner.BeforeQuery(ctx, ev)
}

func (h sqlHook) AfterQuery(ctx context.Context, ev *bun.QueryEvent) {
	if ctx.Value(untracedKey{}) == nil {
		h.inner.AfterQuery(ctx, ev) // ends the span BeforeQuery started
	}
}
