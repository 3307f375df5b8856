package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parley/parley/db/dbtest"
)

// A minimal send benchmark through the binary: every line reports positive figures, and the
// key figure comes last. Nothing here depends on the machine's speed.
func TestBenchSendReportsEveryLine(t *testing.T) {
	out, _ := runBench(t, env(t, "DATABASE_URL="+dbtest.AdminDSN()), "send", "--senders", "1", "--duration", "1s")
	f := figures(t, out)
	positive := func(name, label string, pattern *regexp.Regexp) {
		t.Helper()
		m := pattern.FindStringSubmatch(f[name])
		if m == nil {
			t.Errorf("%s: no %s in %q", name, label, f[name])
			return
		}
		if v, _ := strconv.ParseFloat(m[1], 64); v <= 0 {
			t.Errorf("%s: %s = %s, want a positive figure", name, label, m[1])
		}
	}
	for _, name := range []string{"graphql at 1 senders", "rest at 1 senders", "pgbench at 1 senders"} {
		if v := leadingNumber(t, f, name); v <= 0 {
			t.Errorf("%s = %q, want a positive rate", name, f[name])
		}
		positive(name, "PostgreSQL CPU", regexp.MustCompile(`PostgreSQL CPU ([0-9.]+) ms/send`))
		positive(name, "transactions per send", regexp.MustCompile(`; ([0-9.]+) transactions`))
		if name != "pgbench at 1 senders" {
			positive(name, "Parley CPU", regexp.MustCompile(`Parley CPU ([0-9.]+) ms/send`))
			if !strings.Contains(f[name], ", 0 failed") {
				t.Errorf("%s = %q, want no failed sends", name, f[name])
			}
		}
	}
	// The floor: the same requests' stack with no database work; it has a rate, and a ratio.
	if v := leadingNumber(t, f, "floor at 1 senders"); v <= 0 || !strings.Contains(f["floor at 1 senders"], ", 0 failed") {
		t.Errorf("floor at 1 senders = %q, want a positive rate and no failures", f["floor at 1 senders"])
	}
	if v := leadingNumber(t, f, "floor/pgbench at 1 senders"); v <= 0 {
		t.Errorf("floor/pgbench = %q", f["floor/pgbench at 1 senders"])
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "graphql/pgbench at 1 senders:") {
		t.Errorf("last line %q, want the GraphQL ratio", last)
	}
	if v := leadingNumber(t, f, "graphql/pgbench at 1 senders"); v <= 0 {
		t.Errorf("graphql/pgbench = %q", f["graphql/pgbench at 1 senders"])
	}
}

func TestBenchSendRefusesBadFlags(t *testing.T) {
	refusal(t, "--senders must be at least 1", "send", "--senders", "0")
}
