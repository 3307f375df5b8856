package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
	"github.com/parley/parley/server/apptest/gqlws"
)

const namedSend = `mutation SendMessage($in: SendMessageInput!) { sendMessage(input: $in) { message { id messageId } } }`

// receiver is a webhook receiver that counts what it gets.
func receiver(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func addEndpoint(t *testing.T, e *apptest.Env, url string) {
	t.Helper()
	r := e.GQL(t, apptest.Office(), `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret } }`,
		map[string]any{"in": map[string]any{"url": url, "events": []string{"message.received"}}})
	if r.Code() != "" {
		t.Fatalf("create webhook endpoint: %+v", r.Errors)
	}
}

// scrape reads the admin listener's /metrics.
func scrape(t *testing.T, e *apptest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(e.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value sums a family's samples whose labels include want (counters, gauges, and histogram
// counts).
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	sum := 0.0
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, true
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsAfterWorkload runs sends, inbox queries, a subscription, a webhook delivery and a
// rate-limit refusal through the real stack, then scrapes /metrics on the admin listener and
// checks that every family is there and moved.
func TestMetricsAfterWorkload(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) {
		l := ratelimit.DefaultLimits()
		l.User[ratelimit.Other] = ratelimit.Rule{Rate: 0.01, Burst: 1}
		c.Limits, c.RedisURL, c.RatePrefix = &l, "redis://127.0.0.1:6379/0", newPrefix()
	})
	hook, delivered := receiver(t)
	addEndpoint(t, e, hook.URL)
	kari := e.User(t, "co-kari")
	conv := e.ThreadOf(t, 1002)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, err := gqlws.Dial(ctx, e.URL+"/graphql", nil, map[string]any{"Authorization": "Bearer " + kari.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Subscribe(ctx, "1", `subscription($c: ID) { messageAdded(conversationId: $c) { id } }`, map[string]any{"c": conv}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the subscription", func() bool { return e.App.Hub.Counts()["messages"] == 1 })
	for i := 0; i < 3; i++ {
		if r := e.GQL(t, kari, namedSend, map[string]any{"in": map[string]any{"conversationId": conv, "body": "metrics"}}); r.Code() != "" {
			t.Fatalf("send: %+v", r.Errors)
		}
		if _, err := ws.Next(ctx); err != nil {
			t.Fatalf("live event: %v", err)
		}
		if r := e.GQL(t, kari, `query Inbox { inbox(first: 5) { totalCount } }`, nil); r.Code() != "" {
			t.Fatalf("inbox: %+v", r.Errors)
		}
	}
	read := `mutation MarkRead($c: ID!) { markConversationRead(input: {conversationId: $c}) { conversation { id } } }`
	e.GQL(t, kari, read, map[string]any{"c": conv})
	if r := e.GQL(t, kari, read, map[string]any{"c": conv}); r.Code() != "RATE_LIMITED" {
		t.Fatalf("second mark-read: code %q, want RATE_LIMITED", r.Code())
	}
	waitFor(t, "a webhook delivery", func() bool { return delivered.Load() > 0 })

	var fams map[string]*dto.MetricFamily
	waitFor(t, "the delivery's attempt in /metrics", func() bool {
		fams = scrape(t, e)
		n, _ := value(fams, "parley_webhook_attempts_total", map[string]string{"outcome": "delivered"})
		return n >= 1
	})
	atLeast := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"parley_http_requests_total", map[string]string{"route": "/graphql", "method": "POST", "code": "200"}, 8},
		{"parley_http_requests_total", map[string]string{"route": "/graphql", "method": "GET", "code": "101"}, 1},
		{"parley_http_request_duration_seconds", map[string]string{"route": "/graphql", "method": "POST"}, 8},
		{"parley_graphql_operations_total", map[string]string{"operation": "SendMessage", "type": "mutation", "outcome": "ok"}, 3},
		{"parley_graphql_operations_total", map[string]string{"operation": "Inbox", "type": "query", "outcome": "ok"}, 3},
		{"parley_graphql_operations_total", map[string]string{"operation": "MarkRead", "outcome": "RATE_LIMITED"}, 1},
		{"parley_graphql_operations_total", map[string]string{"type": "subscription", "outcome": "ok"}, 3},
		{"parley_graphql_operation_duration_seconds", map[string]string{"operation": "SendMessage"}, 3},
		{"parley_live_subscriptions", map[string]string{"kind": "messages"}, 1},
		{"parley_live_websocket_connections", nil, 1},
		{"parley_live_delivery_latency_seconds", nil, 3},
		{"parley_webhook_attempts_total", map[string]string{"outcome": "delivered"}, 1},
		{"parley_webhook_attempt_duration_seconds", nil, 1},
		{"parley_rate_limit_refusals_total", map[string]string{"bucket": "other"}, 1},
		{"parley_sends_total", map[string]string{"commit": "alone"}, 3},
		{"go_sql_open_connections", map[string]string{"db_name": "parley"}, 1},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	}
	for _, c := range atLeast {
		if v, ok := value(fams, c.name, c.labels); !ok || v < c.min {
			t.Errorf("%s%v = %v (present %v), want at least %v", c.name, c.labels, v, ok, c.min)
		}
	}
	for _, name := range []string{"parley_live_hub_lag_messages", "parley_webhook_outbox_pending",
		"parley_webhook_outbox_oldest_due_seconds", "parley_live_slow_subscribers_total", "parley_rate_limit_store_failures_total",
		"parley_send_batches_total"} {
		if v, ok := value(fams, name, nil); !ok || v < 0 {
			t.Errorf("%s = %v (present %v), want a value of at least 0", name, v, ok)
		}
	}
	checkDeployFiles(t, fams)
	logScrape(t, e)
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); v == conv || strings.Contains(v, "co-kari") || strings.Contains(v, "/"+conv) {
					t.Errorf("%s has an id in label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestAdminEndpointsStayOffThePublicPort: /metrics and pprof answer on the admin listener only;
// /readyz answers 503 once the replica drains.
func TestAdminEndpointsStayOffThePublicPort(t *testing.T) {
	e := apptest.New(t)
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1"} {
		if code, _ := get(e.URL + path); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, code)
		}
		if code, _ := get(e.AdminURL + path); code != http.StatusOK {
			t.Errorf("admin %s: %d, want 200", path, code)
		}
	}
	for _, base := range []string{e.AdminURL, e.URL} {
		if code, body := get(base + "/healthz"); code != 200 {
			t.Errorf("%s/healthz: %d %s", base, code, body)
		}
		if code, body := get(base + "/readyz"); code != 200 {
			t.Errorf("%s/readyz: %d %s", base, code, body)
		}
	}
	e.App.Drain()
	if code, body := get(e.AdminURL + "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz while draining: %d %s, want 503 shutting down", code, body)
	}
	if code, _ := get(e.AdminURL + "/healthz"); code != 200 {
		t.Errorf("/healthz while draining: %d, want 200 (the process is up)", code)
	}
}

// TestReadyNeedsMigrations: a database missing a migration is not ready.
func TestReadyNeedsMigrations(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.Store.DB.ExecContext(context.Background(),
		`DELETE FROM bun_migrations WHERE id = (SELECT max(id) FROM bun_migrations)`); err != nil {
		t.Fatal(err)
	}
	if why := e.App.Ready(context.Background()); why != "migrations pending" {
		t.Fatalf("Ready = %q, want migrations pending", why)
	}
}

// checkDeployFiles fails on a family the Grafana dashboard or the alert rules name that the
// server does not export (a renamed metric would leave a blank panel or a silent alert).
func checkDeployFiles(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	name := regexp.MustCompile(`\b(?:parley|go_sql|go|process)_[a-z_]+`)
	for _, file := range []string{"../deploy/grafana/parley.json", "../deploy/prometheus/alerts.yml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(file, ".json") && !json.Valid(b) {
			t.Errorf("%s is not valid JSON", file)
		}
		for _, n := range name.FindAllString(string(b), -1) {
			base := n
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				base = strings.TrimSuffix(base, suffix)
			}
			if _, ok := fams[base]; !ok {
				t.Errorf("%s names %s, which /metrics lacks", file, n)
			}
		}
	}
}

// logScrape logs the Parley families of a scrape, without histogram buckets (go test -v shows
// what an operator's curl of /metrics would).
func logScrape(t *testing.T, e *apptest.Env) {
	resp, err := http.Get(e.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var keep []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "parley_") && !strings.Contains(line, "_bucket") {
			keep = append(keep, line)
		}
	}
	t.Logf("curl %s/metrics | grep ^parley_ | grep -v _bucket\n%s", e.AdminURL, strings.Join(keep, "\n"))
}
