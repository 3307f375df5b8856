package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/parley/parley/db"
)

// DefaultRetries is the Standard Webhooks schedule after the first, immediate attempt: 5 s,
// 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (eight attempts over about 27.5 hours).
var DefaultRetries = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Settings tune delivery. Zero fields take the defaults.
type Settings struct {
	// Retries are the waits before each retry; each gets up to ±10% jitter.
	Retries []time.Duration
	// Poll is how often a worker looks for due deliveries (1 s).
	Poll time.Duration
	// Timeout bounds one request, from dialling to the last byte read (5 s).
	Timeout time.Duration
	// DisableAfter disables an endpoint whose every attempt failed for this long (72 h).
	DisableAfter time.Duration
	// AllowPrivate lets receivers live at loopback, private and link-local addresses
	// (development and tests).
	AllowPrivate bool
	// RequireHTTPS refuses to send to a receiver that is not https (production): an endpoint
	// registered before it was set gets a failed attempt, not a cleartext request.
	RequireHTTPS bool
	// Batch is how many deliveries a worker claims at once and sends concurrently (16).
	Batch int
	// Tracer makes a span per delivery attempt (nil: none), in the trace of the request that
	// queued the event when that was traced (its traceparent is kept with the event).
	Tracer trace.Tracer
	// OnAttempt, when set, is told each attempt's outcome (one of Outcomes) and duration.
	OnAttempt func(outcome string, took time.Duration)
}

// Outcomes of an attempt, for metrics: a 2xx, another answer, no answer, or 410 Gone.
var Outcomes = []string{"delivered", "refused", "unreachable", "gone"}

// WithDefaults fills in the defaults of the settings left zero (also shown by `parley config`).
func (s Settings) WithDefaults() Settings {
	if s.Retries == nil {
		s.Retries = DefaultRetries
	}
	if s.Poll <= 0 {
		s.Poll = time.Second
	}
	if s.Timeout <= 0 {
		s.Timeout = 5 * time.Second
	}
	if s.DisableAfter <= 0 {
		s.DisableAfter = 72 * time.Hour
	}
	if s.Batch <= 0 {
		s.Batch = 16
	}
	if s.Tracer == nil {
		s.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return s
}

// maxResponseBody is how much of a receiver's answer is read and kept.
const maxResponseBody = 1024

// Worker delivers due webhook deliveries. Every replica runs one; they share the queue.
type Worker struct {
	store  *db.Store
	client *http.Client
	s      Settings
}

// NewWorker makes a worker over store.
func NewWorker(store *db.Store, s Settings) *Worker {
	s = s.WithDefaults()
	return &Worker{store: store, client: newClient(s), s: s}
}

func newClient(s Settings) *http.Client {
	dialer := &net.Dialer{Timeout: s.Timeout, KeepAlive: 30 * time.Second}
	if !s.AllowPrivate {
		dialer.Control = dialControl
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would be dialled instead of the receiver, past the address check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   s.Timeout,
		ResponseHeaderTimeout: s.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	var rt http.RoundTripper = tr
	if s.RequireHTTPS {
		rt = httpsOnly{tr}
	}
	return &http.Client{Transport: rt, Timeout: s.Timeout,
		// A redirect is an answer, not a new destination: it could point anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// lease is how long a claim holds a delivery: well past the request timeout, so only a dead
// worker's claims run out.
func (w *Worker) lease() time.Duration { return max(4*w.s.Timeout, 30*time.Second) }

// Run delivers until ctx ends; deliveries in flight then finish (within Timeout).
func (w *Worker) Run(ctx context.Context) error {
	Poll(ctx, w.s.Poll, func(ctx context.Context) bool {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "webhooks: claim failed", "err", err)
		}
		return n == w.s.Batch && err == nil // more may be due
	})
	return nil
}

// Poll runs pass until ctx ends: again at once while it reports more work, else after every.
// The outbox workers (webhooks, pushes, digests, privacy) share it.
func Poll(ctx context.Context, every time.Duration, pass func(context.Context) (busy bool)) {
	for {
		if pass(ctx) && ctx.Err() == nil {
			continue
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the due deliveries (up to a batch), sends them concurrently and records the
// attempts. It returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.store.ClaimWebhookJobs(ctx, w.s.Batch, w.lease())
	if err != nil {
		return 0, err
	}
	// Shutdown must not cut a request short: its claim would only be retried after the lease.
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { w.deliver(ctx, j) })
	}
	wg.Wait()
	return len(jobs), nil
}

func (w *Worker) deliver(ctx context.Context, j *db.WebhookJob) {
	if j.Traceparent != nil { // the delivery joins the trace of the request that queued it
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{"traceparent": *j.Traceparent})
	}
	ctx, span := w.s.Tracer.Start(ctx, "webhook.deliver", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	a := w.attempt(ctx, j)
	o := w.outcome(j, a)
	w.observe(span, j, a, o)
	if err := w.store.FinishWebhookJob(ctx, j, o); err != nil {
		slog.ErrorContext(ctx, "webhooks: record attempt", "delivery_id", j.DeliveryID, "err", err)
		return
	}
	if !o.Delivered {
		slog.InfoContext(ctx, "webhooks: attempt failed", "delivery_id", j.DeliveryID, "endpoint_id", j.EndpointID,
			"step", j.Step, "status", deref(a.StatusCode), "err", a.Error, "retry", o.RetryAt != nil)
	}
}

// observe reports an attempt to the metrics hook and its span.
func (w *Worker) observe(span trace.Span, j *db.WebhookJob, a db.WebhookAttempt, o db.WebhookOutcome) {
	outcome := "refused"
	switch {
	case o.Delivered:
		outcome = "delivered"
	case o.Gone:
		outcome = "gone"
	case a.StatusCode == nil:
		outcome = "unreachable"
	}
	if w.s.OnAttempt != nil {
		w.s.OnAttempt(outcome, time.Since(a.StartedAt)) // the stored duration is in whole milliseconds
	}
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.Int64("webhook.event_id", j.EventID), attribute.String("webhook.event_type", j.EventType),
		attribute.Int64("webhook.delivery_id", j.DeliveryID), attribute.Int64("webhook.endpoint_id", j.EndpointID),
		attribute.Int("webhook.attempt", j.Step), attribute.String("webhook.outcome", outcome))
	if id := eventMessageID(j.EventData); id != "" {
		span.SetAttributes(attribute.String("parley.message_id", id)) // ties the delivery to the send's trace
	}
	if a.StatusCode != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", *a.StatusCode))
	}
	if !o.Delivered {
		span.SetStatus(codes.Error, outcome)
	}
}

// eventMessageID is the message an event is about (message.received), or "".
func eventMessageID(data json.RawMessage) string {
	var ev struct {
		Message struct {
			ID string `json:"id"`
		} `json:"message"`
	}
	_ = json.Unmarshal(data, &ev)
	return ev.Message.ID
}

// MessageID is the webhook-id of an event: the same on every attempt and every replay, so a
// receiver can drop what it already handled.
func MessageID(eventID int64) string { return "evt_" + strconv.FormatInt(eventID, 10) }

// Body is what is sent for an event: its id, type, time and data. It is the same bytes on
// every attempt.
func Body(ev *db.WebhookEvent) ([]byte, error) {
	return json.Marshal(struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{MessageID(ev.ID), ev.Type, ev.CreatedAt.UTC().Format(time.RFC3339Nano), ev.Data})
}

// attempt makes one signed request and says what came of it.
func (w *Worker) attempt(ctx context.Context, j *db.WebhookJob) db.WebhookAttempt {
	start := time.Now()
	a := db.WebhookAttempt{StartedAt: start}
	req, err := w.request(ctx, j, start)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	resp, err := w.client.Do(req)
	if err != nil {
		a.Error, a.DurationMs = err.Error(), int(time.Since(start).Milliseconds())
		return a
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	a.DurationMs = int(time.Since(start).Milliseconds())
	a.StatusCode, a.ResponseBody = &resp.StatusCode, cleanText(body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.Error = "receiver answered " + resp.Status
	}
	return a
}

func (w *Worker) request(ctx context.Context, j *db.WebhookJob, now time.Time) (*http.Request, error) {
	body, err := Body(&db.WebhookEvent{ID: j.EventID, Type: j.EventType, Data: j.EventData, CreatedAt: j.EventCreatedAt})
	if err != nil {
		return nil, err
	}
	id, ts := MessageID(j.EventID), now.Unix()
	sig, err := SignatureHeader(j.Secrets(now), id, ts, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	return req, nil
}

// outcome decides what follows an attempt: done on a 2xx, the endpoint disabled on a 410,
// otherwise the next retry of the schedule, if one is left.
func (w *Worker) outcome(j *db.WebhookJob, a db.WebhookAttempt) db.WebhookOutcome {
	o := db.WebhookOutcome{Attempt: a, DisableAfter: w.s.DisableAfter}
	code := deref(a.StatusCode)
	switch {
	case a.Error == "" && code >= 200 && code <= 299:
		o.Delivered = true
	case code == http.StatusGone:
		o.Gone = true
	case j.Step <= len(w.s.Retries):
		at := time.Now().Add(jitter(w.s.Retries[j.Step-1]))
		o.RetryAt = &at
	}
	return o
}

// jitter spreads a wait by up to ±10%, so receivers that fail together are not retried together.
func jitter(d time.Duration) time.Duration {
	spread := d / 5
	if spread <= 0 {
		return d
	}
	return d - spread/2 + rand.N(spread)
}

// cleanText keeps a response body storable as text: valid UTF-8 without NUL bytes.
func cleanText(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// NewClient is the guarded client deliveries use (no proxy, no redirects, public addresses
// only unless AllowPrivate, https only with RequireHTTPS), for other outgoing requests to
// URLs users give, such as Web Push endpoints.
func NewClient(s Settings) *http.Client { return newClient(s.WithDefaults()) }
