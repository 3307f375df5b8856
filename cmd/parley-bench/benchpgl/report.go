package benchpgl

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
	"github.com/parley/parley/cmd/parley-bench/benchreads"
)

// report is one run's figures.
type report struct {
	Options
	Where, PGLVersion string
	Load0, Load1      string
	Set               *benchreads.Set
	Phases            []*phase
}

// print writes one "name: value" line per figure, the throughput ratios last.
func (r *report) print(w io.Writer) {
	line := func(name, format string, args ...any) {
		fmt.Fprintf(w, "%-32s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	s := r.Set
	line("parley", "%s; the read rate limit never runs dry", r.Where)
	line("postgraphile", "%s, over the same database, options %s", r.PGLVersion, strings.Join(pglOptions, " "))
	line("machine", "%d CPUs, GOMAXPROCS %d, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	line("set", "%s messages in %d threads (workshop %d, car owner %d), built in %.1f s",
		benchreads.SizeName(s.Messages), s.Threads, s.ShopThreads, s.OwnerThreads, s.Took.Seconds())
	line("load", "%d clients at once in a child process, %v per server and viewer in %d turns each, taken alternately, after %d warm-up requests; "+
		"CPU: Parley getrusage of this process, PostGraphile /proc of its node process, PostgreSQL the database's backends from /proc",
		r.Concurrency, r.Duration, r.Rounds, warmUp)
	line("load average", "%s before, %s after", r.Load0, r.Load1)
	for _, p := range r.Phases {
		per := func(x float64) float64 { return 1000 * x / float64(max(p.OK, 1)) }
		line(p.Viewer+" "+p.Server, "%.1f req/s, p50 %s ms, p99 %s ms, CPU %.2f ms/req server + %.2f ms/req PostgreSQL (%d requests, %d failed)",
			p.rate(), ms(benchkit.Quantile(p.Took, 0.50)), ms(benchkit.Quantile(p.Took, 0.99)), per(p.ServerCPU), per(p.PGCPU), p.OK, p.Failed)
	}
	// On a shared machine the rates follow the other load; CPU per request much less so.
	line("parley/postgraphile cpu per request", "car owner %.2f×, workshop %.2f× (server + PostgreSQL; below 1 is Parley cheaper)",
		r.cpuRatio("car owner"), r.cpuRatio("workshop"))
	line("parley/postgraphile throughput", "car owner %.2f×, workshop %.2f×", r.ratio("car owner"), r.ratio("workshop"))
}

// cpuRatio is Parley's CPU per request over PostGraphile's, each with PostgreSQL's.
func (r *report) cpuRatio(viewer string) float64 {
	cost := map[string]float64{}
	for _, p := range r.Phases {
		if p.Viewer == viewer {
			cost[p.Server] = (p.ServerCPU + p.PGCPU) / float64(max(p.OK, 1))
		}
	}
	if cost["postgraphile"] == 0 {
		return 0
	}
	return cost["parley"] / cost["postgraphile"]
}

func (r *report) ratio(viewer string) float64 {
	rate := map[string]float64{}
	for _, p := range r.Phases {
		if p.Viewer == viewer {
			rate[p.Server] = p.rate()
		}
	}
	if rate["postgraphile"] == 0 {
		return 0
	}
	return rate["parley"] / rate["postgraphile"]
}

// verdict fails the run when a server failed requests: the rates count only answers.
func (r *report) verdict() error {
	for _, p := range r.Phases {
		if p.Failed > 0 {
			return fmt.Errorf("%s %s: %d requests failed, first: %s", p.Viewer, p.Server, p.Failed, p.FirstError)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
