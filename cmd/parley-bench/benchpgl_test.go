package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parley/parley/db/dbtest"
)

// A short comparison with PostGraphile through the binary, on a 10k set: both servers answer
// the same first pages (the command checks before timing), every phase reports positive
// figures with no failed request, and the ratio line comes last. No speed is asserted.
func TestBenchPostGraphileReportsTheRatio(t *testing.T) {
	npmInstalled(t, "benchpgl/node")
	out, logs := runBench(t, env(t, "DATABASE_URL="+dbtest.AdminDSN()),
		"postgraphile", "--size", "10k", "--duration", "1s", "--concurrency", "2")
	f := figures(t, out)
	phase := regexp.MustCompile(`^([0-9.]+) req/s, p50 ([0-9.]+) ms, p99 ([0-9.]+) ms, CPU ([0-9.]+) ms/req server \+ ([0-9.]+) ms/req PostgreSQL \([0-9]+ requests, 0 failed\)$`)
	for _, viewer := range []string{"car owner", "workshop"} {
		for _, server := range []string{"parley", "postgraphile"} {
			m := phase.FindStringSubmatch(f[viewer+" "+server])
			if m == nil {
				t.Fatalf("%s %s: %q is not a phase's figures\n%s%s", viewer, server, f[viewer+" "+server], out, logs)
			}
			for _, v := range m[1:4] { // CPU may round to 0 on a short run
				if x, _ := strconv.ParseFloat(v, 64); x <= 0 {
					t.Errorf("%s %s: not a positive figure in %q", viewer, server, m[0])
				}
			}
		}
	}
	if !strings.Contains(f["postgraphile"], "PostGraphile 4.") || !strings.Contains(f["set"], "10k messages") {
		t.Errorf("postgraphile %q, set %q", f["postgraphile"], f["set"])
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := regexp.MustCompile(`^parley/postgraphile throughput: +car owner ([0-9.]+)×, workshop ([0-9.]+)×$`).FindStringSubmatch(lines[len(lines)-1])
	if last == nil {
		t.Fatalf("the last line is not the ratio: %q", lines[len(lines)-1])
	}
	for _, v := range last[1:] {
		if x, _ := strconv.ParseFloat(v, 64); x <= 0 {
			t.Errorf("ratio not positive: %q", lines[len(lines)-1])
		}
	}
}

func TestBenchPostGraphileRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--size", "10"}, {"--size", "10k,1M"}, {"--concurrency", "0"}, {"--duration", "10ms"}, {"--rounds", "0"}, {"--duration", "1s", "--rounds", "20"}} {
		refusal(t, "--", append([]string{"postgraphile"}, args...)...) // naming the flag
	}
}
