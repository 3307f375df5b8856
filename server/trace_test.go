package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// TestSendMessageTrace captures, with the SDK's in-memory exporter, the trace of one
// sendMessage: the HTTP server span, the GraphQL operation and root-field spans, the SQL
// spans, and the webhook delivery (a trace of its own, carrying the message id). It prints
// both trees (go test -v); README's "Operating Parley" shows them.
func TestSendMessageTrace(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	e := apptest.NewWith(t, func(c *server.Config) { c.TracerProvider = tp })
	hook, delivered := receiver(t)
	addEndpoint(t, e, hook.URL)
	logs := apptest.CaptureLogs(t)
	spans.Reset()

	var out struct {
		SendMessage struct {
			Message struct {
				ID        string
				MessageID int64
			}
		}
	}
	e.GQL(t, e.User(t, "co-kari"), namedSend, map[string]any{"in": map[string]any{"conversationId": e.ThreadOf(t, 1002), "body": "traced"}}).Decode(t, &out)
	msgID := fmt.Sprintf("msg_%d", out.SendMessage.Message.MessageID)
	var delivery sdktrace.ReadOnlySpan
	waitFor(t, "the webhook delivery span", func() bool {
		for _, s := range spans.GetSpans().Snapshots() {
			if s.Name() == "webhook.deliver" && attr(s, "parley.message_id") == msgID {
				delivery = s
			}
		}
		return delivery != nil && delivered.Load() > 0 && hasChild(spans, delivery, "UPDATE")
	})

	all := spans.GetSpans().Snapshots()
	root := findSpan(t, all, func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "POST /graphql" && !s.Parent().IsValid() })
	send := tree(all, root.SpanContext().TraceID())
	for _, want := range []string{"POST /graphql", "graphql mutation SendMessage", "Mutation.sendMessage", "SELECT"} {
		if !strings.Contains(send, want) {
			t.Errorf("the send's trace has no %q span:\n%s", want, send)
		}
	}
	if !strings.Contains(send, "parley.message_id="+msgID) {
		t.Errorf("the send's trace does not name the message:\n%s", send)
	}
	if delivery.SpanContext().TraceID() != root.SpanContext().TraceID() {
		t.Errorf("the webhook delivery is not in the send's trace")
	}
	deliveryTree := tree(all, delivery.SpanContext().TraceID())
	for _, want := range []string{"webhook.deliver", "webhook.outcome=delivered", "UPDATE"} {
		if !strings.Contains(deliveryTree, want) {
			t.Errorf("the delivery's trace has no %q:\n%s", want, deliveryTree)
		}
	}
	if strings.Contains(send+deliveryTree, "traced") {
		t.Errorf("a span holds the message text")
	}
	t.Logf("the send's trace, its webhook delivery included:\n%s", send)

	// The request's log line carries its trace.
	traceID := root.SpanContext().TraceID().String()
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil && l["msg"] == "request" && l["trace_id"] == traceID && l["span_id"] != nil {
			found = true
		}
	}
	if !found {
		t.Errorf("no request log line with trace_id %s:\n%s", traceID, logs.String())
	}
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

func hasChild(spans *tracetest.InMemoryExporter, parent sdktrace.ReadOnlySpan, name string) bool {
	for _, s := range spans.GetSpans().Snapshots() {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() && s.Name() == name {
			return true
		}
	}
	return false
}

func findSpan(t *testing.T, all []sdktrace.ReadOnlySpan, ok func(sdktrace.ReadOnlySpan) bool) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range all {
		if ok(s) {
			return s
		}
	}
	t.Fatal("no such span")
	return nil
}

// shownAttrs are the attributes the printed tree keeps.
var shownAttrs = []string{"http.route", "http.response.status_code", "graphql.operation.name", "parley.message_id",
	"db.statement", "webhook.event_type", "webhook.attempt", "webhook.outcome"}

// tree prints one trace's spans as an indented tree, children in start order.
func tree(all []sdktrace.ReadOnlySpan, id trace.TraceID) string {
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range all {
		if s.SpanContext().TraceID() != id {
			continue
		}
		if s.Parent().IsValid() {
			children[s.Parent().SpanID()] = append(children[s.Parent().SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		fmt.Fprintf(&b, "%s%s (%s)", strings.Repeat("  ", depth), s.Name(), s.SpanKind())
		for _, k := range shownAttrs {
			if v := attr(s, k); v != "" {
				if len(v) > 60 {
					v = v[:57] + "..."
				}
				fmt.Fprintf(&b, " %s=%s", k, strings.Join(strings.Fields(v), " "))
			}
		}
		b.WriteString("\n")
		kids := children[s.SpanContext().SpanID()]
		slices.SortFunc(kids, func(x, y sdktrace.ReadOnlySpan) int { return x.StartTime().Compare(y.StartTime()) })
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return b.String()
}
