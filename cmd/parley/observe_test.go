package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/db/dbtest"
)

// collector is an in-process OTLP/HTTP receiver that keeps the trace requests it gets.
type collector struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func (c *collector) has(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.bodies {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// TestServeAdminListenerAndOTLP runs `parley serve` as an operator would: metrics on the admin
// listener only, and traces exported over OTLP to the endpoint the standard variables name.
func TestServeAdminListenerAndOTLP(t *testing.T) {
	col := &collector{}
	otlp := httptest.NewServer(col)
	defer otlp.Close()
	admin := freeAddr(t)
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t), "PARLEY_ADMIN_ADDR="+admin,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+otlp.URL, "OTEL_SERVICE_NAME=parley-under-test", "OTEL_BSP_SCHEDULE_DELAY=50")
	addr := freeAddr(t)
	_, logs := serveParley(t, environ, addr)
	tok, _ := runParley(t, environ, "token", "--sub", "co-kari", "--role", "car_owner")
	graphql(t, addr, strings.TrimSpace(tok), `query Viewer { viewer { userId } }`)

	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + admin + "/metrics"); code != 200 || !strings.Contains(body, `parley_graphql_operations_total{operation="Viewer",outcome="ok",type="query"} 1`) {
		t.Errorf("admin /metrics: %d\n%.2000s", code, body)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if code, _ := get("http://" + addr + path); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, code)
		}
	}
	if code, _ := get("http://" + admin + "/readyz"); code != 200 {
		t.Errorf("admin /readyz: %d", code)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !col.has("parley-under-test") || !col.has("graphql query Viewer") {
		if time.Now().After(deadline) {
			t.Fatalf("no trace of the query reached the OTLP endpoint\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), `"trace_id"`) {
		t.Errorf("no log line carries a trace id:\n%s", logs)
	}
}
