package benchpgl

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/parley/parley/cmd/parley/benchreads"
)

// report is one run's figures.
type report struct {
	Options
	Where, PGLVersion string
	Load0, Load1      string
	Set               *benchreads.Set
	Phases            []phase
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
	line("load", "%d clients at once in a child process, %v per server and viewer after %d warm-up requests; "+
		"CPU: Parley getrusage of this process, PostGraphile /proc of its node process, PostgreSQL the database's backends from /proc",
		r.Concurrency, r.Duration, warmUp)
	line("load average", "%s before, %s after", r.Load0, r.Load1)
	for _, p := range r.Phases {
		per := func(x float64) float64 { return 1000 * x / float64(max(p.Res.OK, 1)) }
		line(p.Viewer+" "+p.Server, "%.1f req/s, p50 %s ms, p99 %s ms, CPU %.2f ms/req server + %.2f ms/req PostgreSQL (%d requests, %d failed)",
			float64(p.Res.OK)/p.Res.Seconds, ms(p.Res.P50), ms(p.Res.P99), per(p.ServerCPU), per(p.PGCPU), p.Res.OK, p.Res.Failed)
	}
	line("parley/postgraphile throughput", "car owner %.2f×, workshop %.2f×", r.ratio("car owner"), r.ratio("workshop"))
}

func (r *report) ratio(viewer string) float64 {
	rate := map[string]float64{}
	for _, p := range r.Phases {
		if p.Viewer == viewer {
			rate[p.Server] = float64(p.Res.OK) / p.Res.Seconds
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
		if p.Res.Failed > 0 {
			return fmt.Errorf("%s %s: %d requests failed, first: %s", p.Viewer, p.Server, p.Res.Failed, p.Res.FirstError)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
