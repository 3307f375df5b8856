package benchhostile

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

// bucket names an outcome in the report.
func bucket(o outcome) string {
	switch {
	case o.Held:
		return "held"
	case o.Closed:
		return "cut"
	case o.Err != nil:
		return "net"
	case o.Code == "RATE_LIMITED" || o.Status == http.StatusTooManyRequests:
		return "429"
	case o.Status == http.StatusServiceUnavailable:
		return "503"
	case o.Status >= 500:
		return "5xx"
	case o.Status >= 400:
		return "4xx"
	case o.Code != "":
		return "200 errors"
	}
	return "200"
}

var buckets = []string{"200", "200 errors", "4xx", "429", "503", "5xx", "net", "cut", "held"}

// report gathers the outcomes as clients record them, and prints the figures.
type report struct {
	Where   string
	Options Options
	Mix     mix
	Elapsed time.Duration
	IdleCPU float64 // cores used before the run
	RunCPU  float64 // during
	After   settled
	Health  healthResult
	Load    string // the machine's load average after the run: other work skews every figure

	mu     sync.Mutex
	counts map[kind]map[string]int
	valid  []time.Duration // latencies of valid requests answered without errors
}

func (r *report) record(k kind, o outcome, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[kind]map[string]int{}
	}
	if r.counts[k] == nil {
		r.counts[k] = map[string]int{}
	}
	b := bucket(o)
	r.counts[k][b]++
	if k == valid && b == "200" {
		r.valid = append(r.valid, took)
	}
}

func (r *report) print(w io.Writer) {
	line := func(name, format string, args ...any) {
		fmt.Fprintf(w, "%-24s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	line("server", "%s", r.Where)
	var mixed []string
	for _, k := range kinds {
		mixed = append(mixed, fmt.Sprintf("%d %s", r.Mix[k], k))
	}
	line("clients", "%d (%s)", r.Options.Clients, strings.Join(mixed, ", "))
	line("duration", "%.1f s", r.Elapsed.Seconds())
	total := map[string]int{}
	for _, k := range kinds {
		var parts []string
		for _, b := range buckets {
			if n := r.counts[k][b]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s=%d", strings.ReplaceAll(b, " ", "+"), n))
				total[b] += n
			}
		}
		line("kind "+string(k), "%s", strings.Join(parts, " "))
	}
	sum := 0
	for _, b := range buckets {
		sum += total[b]
	}
	line("requests", "%d", sum)
	for _, b := range buckets[:7] {
		line("status "+b, "%d", total[b])
	}
	held := r.counts[trickled]["held"]
	line("trickled bodies", "%d refused or cut by the server, %d held until the end", sumOf(r.counts[trickled])-held, held)
	line("health checks", "%d of %d answered 200, slowest %.1f ms", r.Health.OK, r.Health.Sent, ms(r.Health.Slowest))
	line("load average", "%s", r.Load)
	line("cpu before", "%.2f cores (this process, 1 s idle window)", r.IdleCPU)
	line("cpu during", "%.2f cores", r.RunCPU)
	line("cpu after", "%s", r.After)
	p50, p99 := benchkit.Quantile(r.valid, 0.50), benchkit.Quantile(r.valid, 0.99)
	line("valid p50", "%.1f ms", ms(p50))
	line("valid p99", "%.1f ms (%d admitted of %d valid requests)", ms(p99), len(r.valid), sumOf(r.counts[valid]))
}

func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// healthResult is how /healthz answered during the run.
type healthResult struct {
	Sent, OK int
	Slowest  time.Duration
}

// checkHealth asks /healthz four times a second until ctx ends.
func checkHealth(ctx context.Context, c *client) healthResult {
	var h healthResult
	u := strings.TrimSuffix(c.url, "/graphql") + "/healthz"
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return h
		case <-tick.C:
		}
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := c.http.Do(req)
		if ctx.Err() != nil {
			return h
		}
		h.Sent++
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				h.OK++
			}
		}
		h.Slowest = max(h.Slowest, time.Since(start))
	}
}

// cpuRate is the cores this process used over the next window.
func cpuRate(ctx context.Context, window time.Duration) float64 {
	c0, t0 := benchkit.CPUSeconds(), time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(window):
	}
	return (benchkit.CPUSeconds() - c0) / time.Since(t0).Seconds()
}

// settled is how soon after the run the CPU went back to idle.
type settled struct {
	Rate    float64
	Seconds int
	Idle    bool
}

func (s settled) String() string {
	if s.Idle {
		return fmt.Sprintf("%.2f cores, idle again within %d s of the run's end", s.Rate, s.Seconds)
	}
	return fmt.Sprintf("%.2f cores, still busy %d s after the run's end", s.Rate, s.Seconds)
}

// settleCPU watches one-second windows after the run until the CPU is near its idle rate.
func settleCPU(ctx context.Context, idle float64, windows int) settled {
	var s settled
	for s.Seconds < windows && ctx.Err() == nil {
		s.Rate = cpuRate(ctx, time.Second)
		s.Seconds++
		if s.Rate <= 2*idle+0.05 {
			s.Idle = true
			return s
		}
	}
	return s
}
