package main

import (
	"strings"
	"testing"

	"github.com/parley/parley/db/dbtest"
)

// A tiny hostile benchmark through the binary: it completes and reports every count. No timing
// is asserted: the figures are the benchmark's to report.
func TestBenchHostileReportsCounts(t *testing.T) {
	out, logs := runBench(t, env(t, "DATABASE_URL="+dbtest.AdminDSN()),
		"hostile", "--clients", "12", "--duration", "1s", "--requests", "300", "--grace", "1s", "--settle", "2s")
	f := figures(t, out)
	if n := leadingNumber(t, f, "requests"); n < 7 || n > 300 {
		t.Fatalf("requests = %v, want one per client at least and at most the budget\n%s%s", n, out, logs)
	}
	sum := 0.0
	for _, b := range []string{"200", "200 errors", "4xx", "429", "503", "5xx", "net"} {
		sum += leadingNumber(t, f, "status "+b)
	}
	if sum < 6 {
		t.Fatalf("statuses add up to %v\n%s", sum, out)
	}
	for _, name := range []string{"kind valid", "kind fanout", "kind oversized", "kind anonymous", "trickled bodies",
		"health checks", "cpu before", "cpu during", "cpu after", "valid p50"} {
		if _, ok := f[name]; !ok {
			t.Errorf("no %q figure\n%s", name, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "valid p99:") {
		t.Errorf("the key figure is not last:\n%s", out)
	}
}

func TestBenchHostileTargetsLoopbackOnly(t *testing.T) {
	refusal(t, "only loopback targets are allowed", "hostile", "--url", "http://192.0.2.1:8080/graphql", "--api-key", "k")
}
