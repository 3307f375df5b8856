package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parley/parley/db/dbtest"
)

// A small live benchmark through the binary: the server in the test's parley process, the
// subscribers in its child process. Every message must reach every subscriber of its thread.
// Nothing here depends on the machine's speed: --send-late sends every scheduled message
// however late, and --drain waits a minute for a delivery before giving up.
func TestBenchLiveDeliversEveryMessage(t *testing.T) {
	for _, tc := range []struct {
		threads, perThread int
	}{
		{threads: 1, perThread: 40}, // every subscriber gets every message
		{threads: 5, perThread: 8},  // each subscriber only its own thread's
	} {
		t.Run(fmt.Sprintf("threads=%d", tc.threads), func(t *testing.T) {
			out, logs := runBench(t, env(t, "DATABASE_URL="+dbtest.AdminDSN()),
				"live", "--subscribers", "50", "--rate", "20", "--duration", "2s", "--threads", strconv.Itoa(tc.threads),
				"--send-late", "--drain", "60s")
			f := figures(t, out)
			want := 50 * tc.perThread
			if got := leadingNumber(t, f, "deliveries expected"); got != float64(want) {
				t.Fatalf("deliveries expected = %v, want %d\n%s", got, want, out)
			}
			if got := leadingNumber(t, f, "deliveries received"); got != float64(want) {
				t.Fatalf("deliveries received = %v, want %d\n%s%s", got, want, out, logs)
			}
			for name, want := range map[string]string{
				"subscribers":                   "50 (of 50 asked; 0 failed;",
				"messages sent":                 "40 (of 40 scheduled",
				"deliveries received":           "(missing 0, duplicates 0, other thread 0; 50 of 50 subscribers got every message)",
				"subscriptions ended by server": "0",
				"server":                        "in-process, scratch database parley_bench_",
			} {
				if !strings.Contains(f[name], want) {
					t.Errorf("%s: %q does not contain %q", name, f[name], want)
				}
			}
			for _, name := range []string{"latency p50", "latency p99", "latency max"} {
				if v := leadingNumber(t, f, name); v <= 0 || !strings.HasSuffix(f[name], " ms") {
					t.Errorf("%s = %q, want a positive figure in ms", name, f[name])
				}
			}
			if v := leadingNumber(t, f, "memory per idle subscription"); v <= 0 || !strings.Contains(f["memory per idle subscription"], "KiB") {
				t.Errorf("memory per idle subscription = %q", f["memory per idle subscription"])
			}
			if v := leadingNumber(t, f, "goroutines per idle subscription"); v < 1 {
				t.Errorf("goroutines per idle subscription = %q: each subscription holds at least one", f["goroutines per idle subscription"])
			}
			if v := leadingNumber(t, f, "deliveries/s"); v <= 0 {
				t.Errorf("deliveries/s = %q", f["deliveries/s"])
			}
		})
	}
}

func TestBenchLiveRefusesBadFlags(t *testing.T) {
	refusal(t, "--subscribers must be at least 1", "live", "--subscribers", "0")
}

var figureLine = regexp.MustCompile(`^([a-z/ 0-9]+):\s+(.*)$`)

// figures reads the report's "name: value" lines.
func figures(t *testing.T, out string) map[string]string {
	t.Helper()
	f := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		m := figureLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a figure line: %q\n%s", line, out)
		}
		f[m[1]] = m[2]
	}
	return f
}

func leadingNumber(t *testing.T, f map[string]string, name string) float64 {
	t.Helper()
	v, ok := f[name]
	if !ok {
		t.Fatalf("no %q figure in %v", name, f)
	}
	n, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
	if err != nil {
		t.Fatalf("%s = %q: no leading number", name, v)
	}
	return n
}

// A small reads benchmark through the binary: every read at every size reports positive p50
// and p99 figures, with a ratio between the sizes and the key figure last. No timing is asserted.
func TestBenchReadsReportsEveryRead(t *testing.T) {
	out, logs := runBench(t, env(t, "DATABASE_URL="+dbtest.AdminDSN()), "reads", "--sizes", "2k,3k", "--requests", "3")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	timing := regexp.MustCompile(`^([a-z ]+) (2k|3k): p50 ([0-9.]+) ms, p99 ([0-9.]+) ms$`)
	ratio := regexp.MustCompile(`^([a-z ]+) p99 3k/2k: ([0-9.]+)$`)
	timed, ratios := map[string]int{}, map[string]bool{}
	for _, line := range lines {
		if m := timing.FindStringSubmatch(line); m != nil {
			for _, v := range m[3:] {
				if f, _ := strconv.ParseFloat(v, 64); f <= 0 {
					t.Errorf("not a positive figure: %q", line)
				}
			}
			timed[m[1]]++
		}
		if m := ratio.FindStringSubmatch(line); m != nil {
			if f, _ := strconv.ParseFloat(m[2], 64); f <= 0 {
				t.Errorf("not a positive ratio: %q", line)
			}
			ratios[m[1]] = true
		}
	}
	reads := []string{"workshop graphql inbox", "car owner graphql inbox", "workshop thread page", "car owner thread page",
		"workshop unread counts", "car owner unread counts", "workshop notifications", "car owner notifications",
		"workshop rest inbox", "car owner rest inbox"}
	for _, name := range reads {
		if timed[name] != 2 || !ratios[name] {
			t.Errorf("%s: %d timing lines and ratio %v, want 2 and one\n%s%s", name, timed[name], ratios[name], out, logs)
		}
	}
	last := regexp.MustCompile(`^workshop graphql inbox p99 at 3k: ([0-9.]+) ms \(([0-9.]+) times 2k\)$`).FindStringSubmatch(lines[len(lines)-1])
	if last == nil {
		t.Fatalf("the last line is not the key figure: %q", lines[len(lines)-1])
	}
	for _, v := range last[1:] {
		if f, _ := strconv.ParseFloat(v, 64); f <= 0 {
			t.Errorf("key figure not positive: %q", lines[len(lines)-1])
		}
	}
}

func TestBenchSearchReportsEverySearch(t *testing.T) {
	out, logs := runBench(t, env(t, "DATABASE_URL="+dbtest.AdminDSN()), "search", "--size", "2k", "--requests", "3")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	timing := regexp.MustCompile(`^(workshop|car owner) [a-z ]+ \([A-Za-z]+\): p50 ([0-9.]+) ms, p99 ([0-9.]+) ms$`)
	timed := 0
	for _, line := range lines {
		if m := timing.FindStringSubmatch(line); m != nil {
			timed++
		}
	}
	if timed != 8 {
		t.Errorf("%d timing lines, want 8\n%s%s", timed, out, logs)
	}
	if !regexp.MustCompile(`^worst search p99 at 2k: [0-9.]+ ms \(.+\)$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("the last line is not the key figure: %q", lines[len(lines)-1])
	}
}

func TestBenchReadsRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--sizes", "10"}, {"--sizes", "5M"}, {"--sizes", "ten"}, {"--requests", "0"}} {
		refusal(t, "--", append([]string{"reads"}, args...)...) // naming the flag
	}
}
