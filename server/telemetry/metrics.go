// Package telemetry owns Parley's metrics and traces as parts of the field's standard kit:
// a Prometheus registry with the request, GraphQL, live and webhook families; an OpenTelemetry
// tracer provider that exports over OTLP when the standard OTEL_* variables ask for it; the
// gqlgen extensions that measure and trace operations; the SQL hook that traces statements.
// It imports nothing of Parley's: package server feeds it (hooks, scrape-time collectors).
package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one server's Prometheus families, in a registry of their own (so several servers
// in one test process keep their figures apart). Every label takes a bounded set of values:
// route templates, status codes, operation names under a cap, outcomes; never an id.
type Metrics struct {
	Registry *prometheus.Registry

	httpRequests    *prometheus.CounterVec
	httpDuration    *prometheus.HistogramVec
	gqlOperations   *prometheus.CounterVec
	gqlDuration     *prometheus.HistogramVec
	deliveryLatency prometheus.Histogram
	webhookAttempts *prometheus.CounterVec
	webhookDuration prometheus.Histogram
	names           *opNames
}

// Namespace prefixes every Parley family.
const Namespace = "parley"

// NewMetrics makes the families, with the Go runtime and process collectors beside them.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), names: newOpNames(MaxOperationNames)}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "http_requests_total",
		Help: "HTTP requests answered, by route template (the mux pattern), method and status code."},
		[]string{"route", "method", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template and method (WebSockets and event streams excluded).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
		[]string{"route", "method"})
	m.gqlOperations = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "graphql_operations_total",
		Help: "GraphQL responses, by operation name (anonymous, invalid and names past the cap folded), type and outcome (ok or the first error's code)."},
		[]string{"operation", "type", "outcome"})
	m.gqlDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "graphql_operation_duration_seconds",
		Help:    "Time to execute a GraphQL query or mutation, by operation name and type.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}},
		[]string{"operation", "type"})
	m.deliveryLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "live_delivery_latency_seconds",
		Help:    "Time from a message's created_at (the database's clock) to its hand-over to a live subscriber.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	m.webhookAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "webhook_attempts_total",
		Help: "Webhook delivery attempts by outcome: delivered (2xx), refused (another answer), unreachable (no answer), gone (410)."},
		[]string{"outcome"})
	m.webhookDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "webhook_attempt_duration_seconds",
		Help:    "Time of one webhook delivery request.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	m.Registry.MustRegister(m.httpRequests, m.httpDuration, m.gqlOperations, m.gqlDuration, m.deliveryLatency,
		m.webhookAttempts, m.webhookDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus' text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry, EnableOpenMetrics: true})
}

// ObserveHTTP counts an answered request; timed says whether its duration means anything (not
// for a WebSocket or an event stream, which live as long as the client stays).
func (m *Metrics) ObserveHTTP(route, method string, code int, took time.Duration, timed bool) {
	method = boundedMethod(method)
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	if timed {
		m.httpDuration.WithLabelValues(route, method).Observe(took.Seconds())
	}
}

func boundedMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodHead:
		return method
	}
	return "other"
}

// ObserveDelivery records how old a live message was when a subscriber was handed it.
func (m *Metrics) ObserveDelivery(age time.Duration) {
	m.deliveryLatency.Observe(max(age, 0).Seconds())
}

// ObserveWebhookAttempt counts a delivery attempt by outcome, with its duration.
func (m *Metrics) ObserveWebhookAttempt(outcome string, took time.Duration) {
	m.webhookAttempts.WithLabelValues(outcome).Inc()
	m.webhookDuration.Observe(took.Seconds())
}

// PrepareWebhookOutcomes makes the attempt counters exist at zero, so a rate over them works
// before the first failure.
func (m *Metrics) PrepareWebhookOutcomes(outcomes []string) {
	for _, o := range outcomes {
		m.webhookAttempts.WithLabelValues(o)
	}
}
