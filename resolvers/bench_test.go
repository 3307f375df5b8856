package resolvers_test

import (
	"fmt"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// BenchmarkInboxQuery is one inbox page of 20 threads with subject, participants and last
// message, through the full HTTP stack.
func BenchmarkInboxQuery(b *testing.B) { benchInbox(b, apptest.New(b)) }

// BenchmarkInboxQueryTraced is BenchmarkInboxQuery with tracing on: every span recorded and
// handed to a batch exporter that drops them (the cost of OTEL_EXPORTER_OTLP_ENDPOINT).
func BenchmarkInboxQueryTraced(b *testing.B) { benchInbox(b, apptest.NewWith(b, traced)) }

func traced(c *server.Config) {
	c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
}

func benchInbox(b *testing.B, e *apptest.Env) {
	for i := 0; i < 25; i++ {
		r := e.GQL(b, apptest.Office(), fmt.Sprintf(`mutation { upsertBooking(input: {bookingId: %d, carOwnerId: "co-kari", workshopOrgNr: "921460929"}) { bookingId } }`, 9000+i), nil)
		if r.Code() != "" {
			b.Fatal(r.Errors)
		}
	}
	kari := e.User(b, "co-kari")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := e.GQL(b, kari, inboxQuery, map[string]any{"first": 20})
		if r.Code() != "" {
			b.Fatal(r.Errors)
		}
	}
}

// BenchmarkSendMessage sends a text message through the full HTTP stack: authorisation, the
// transactional insert with counters, and notifications.
func BenchmarkSendMessage(b *testing.B) { benchSend(b, apptest.New(b)) }

// BenchmarkSendMessageTraced is BenchmarkSendMessage with tracing on (see
// BenchmarkInboxQueryTraced).
func BenchmarkSendMessageTraced(b *testing.B) { benchSend(b, apptest.NewWith(b, traced)) }

func benchSend(b *testing.B, e *apptest.Env) {
	kari := e.User(b, "co-kari")
	var conv string
	for _, bk := range e.Seed.Bookings {
		if bk.ID == 1002 {
			conv = bk.ThreadID
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := e.GQL(b, kari, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": "benchmark message"}})
		if r.Code() != "" {
			b.Fatal(r.Errors)
		}
	}
}
