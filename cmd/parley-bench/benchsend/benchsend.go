// Package benchsend is `parley-bench send`: sendMessage throughput over HTTP, through GraphQL
// and through the REST route, against pgbench inserting rows of the same shape into the same
// messages table, in the same run.
// Part of parley-bench, never of the production binary: it may import server and db.
package benchsend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"slices"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
	"github.com/parley/parley/cmd/parley-bench/benchlive"
	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
)

// Options are the benchmark's flags.
type Options struct {
	Senders  int           // concurrent senders, and pgbench clients
	Sweep    bool          // also run 1 and 4 senders
	Threads  int           // threads sent into, at least 4 per sender
	Duration time.Duration // each of GraphQL, REST and pgbench, at each sender count
	// CPUProfile, when set, is where each Parley phase's CPU profile of the in-process server
	// goes, as CPUProfile.graphql-N and CPUProfile.rest-N (N senders).
	CPUProfile string
}

// statsSettle is how long after a phase PostgreSQL's idle backends take at most to publish
// their counters to pg_stat_database (PGSTAT_IDLE_INTERVAL, 10 s), and a second more.
const statsSettle = 11 * time.Second

// phase is one measured run: Parley through GraphQL or REST, or pgbench.
type phase struct {
	Name       string
	Senders    int
	Sends      int
	Failed     int
	FirstError string
	PerSecond  float64
	ParleyCPU  float64 // seconds, 0 for pgbench
	PGCPU      float64
	Work       counters
	Grouped    db.SendStats // the server's sends alone and in batches during the phase
}

// Run benchmarks and writes the report to out.
func Run(ctx context.Context, cfg server.Config, o Options, out io.Writer) error {
	if o.Senders < 1 {
		return errors.New("--senders must be at least 1")
	}
	if o.Duration < time.Second {
		return errors.New("--duration must be at least 1s")
	}
	if _, err := exec.LookPath("pgbench"); err != nil {
		return fmt.Errorf("bench send compares with pgbench: %w", err)
	}
	cfg.Limits = nil // rate limits off: every send is measured, none refused
	inst, err := benchlive.StartInProcess(ctx, cfg)
	if err != nil {
		return err
	}
	defer inst.Stop()
	if inst.DSN == "" {
		return errors.New("bench send needs a PostgreSQL server for pgbench: set DATABASE_URL or run one on 127.0.0.1:5432")
	}
	r := &report{Options: o, Where: inst.Where, Load: benchkit.LoadAverage()}
	b, err := prepare(ctx, inst, o, r)
	if err != nil {
		return err
	}
	defer b.close()
	for _, n := range o.senderCounts() {
		if err := b.warmUp(ctx, n); err != nil {
			return err
		}
		for _, name := range []string{"graphql", "rest", "floor", "pgbench"} {
			p, err := b.run(ctx, name, n)
			if err != nil {
				return err
			}
			r.Phases = append(r.Phases, p)
		}
	}
	r.print(out)
	return r.verdict()
}

// verdict fails the run when the server refused sends: the rates count only those it took.
func (r *report) verdict() error {
	for _, p := range r.Phases {
		if p.Failed > 0 {
			return fmt.Errorf("%s at %d senders: %d sends failed, first: %s", p.Name, p.Senders, p.Failed, p.FirstError)
		}
	}
	return nil
}

func (o Options) senderCounts() []int {
	if !o.Sweep {
		return []int{o.Senders}
	}
	counts := []int{1, 4}
	if !slices.Contains(counts, o.Senders) {
		counts = append(counts, o.Senders)
	}
	return counts
}

// warmUp sends through GraphQL and REST for warmUpFor, unmeasured: otherwise the first phase
// alone pays the server's cold start (its database connections, their prepared statements
// and plan caches), and pgbench, last, finds the database warm.
func (b *bench) warmUp(ctx context.Context, senders int) error {
	for _, rest := range []bool{false, true} {
		res, err := runChild(ctx, Plan{URL: b.url, REST: rest, Senders: senders, Duration: warmUpFor, Targets: b.targets})
		if err != nil {
			return err
		}
		if res.Failed > 0 {
			return fmt.Errorf("warm-up: %d sends failed, first: %s", res.Failed, res.FirstError)
		}
	}
	if b.stats.scratch == nil { // as after a phase: its counters must not land in the next
		return benchkit.Sleep(ctx, statsSettle)
	}
	return nil
}

const warmUpFor = time.Second

// bench is what the phases share.
type bench struct {
	o       Options
	url     string
	dsn     string
	targets []target
	stats   *stats
	cpu     *benchkit.BackendCPU
	sends   func() db.SendStats
	close   func()
}

func prepare(ctx context.Context, inst *benchlive.Scratch, o Options, r *report) (*bench, error) {
	targets, err := setUp(ctx, inst.URL, inst.APIKey, max(o.Threads, 4*o.Senders))
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(inst.DSN)
	if err != nil {
		return nil, err
	}
	name := u.Path[1:]
	adminURL := *u
	adminURL.Path = "/postgres"
	admin, err := db.Open(ctx, adminURL.String())
	if err != nil {
		return nil, err
	}
	scratch, err := db.Open(ctx, inst.DSN)
	if err != nil {
		admin.Close()
		return nil, err
	}
	s := &stats{admin: admin.DB, name: name}
	if err := s.useStatements(ctx, scratch.DB); err != nil {
		r.NoStatements = err.Error()
		scratch.Close() // an idle backend in the bench database would only add noise
	}
	_ = admin.QueryRowContext(ctx, "SELECT version(), current_setting('synchronous_commit'), current_setting('fsync')").
		Scan(&r.PGVersion, &r.SyncCommit, &r.Fsync)
	watchCtx, stop := context.WithCancel(ctx)
	b := &bench{o: o, url: inst.URL, dsn: inst.DSN, targets: targets, stats: s, cpu: benchkit.WatchBackends(watchCtx, name), sends: inst.Sends,
		close: func() { stop(); s.close(); admin.Close() }}
	r.Threads = len(targets)
	if s.scratch == nil { // the set-up's counters are not yet all published
		if err := benchkit.Sleep(ctx, statsSettle); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

// run measures one phase. Parley's phases wait statsSettle afterwards for PostgreSQL's
// counters, unless pg_stat_statements counts; pgbench's backends publish theirs as they exit, which run awaits.
func (b *bench) run(ctx context.Context, name string, senders int) (phase, error) {
	p := phase{Name: name, Senders: senders}
	before, err := b.stats.read(ctx)
	if err != nil {
		return p, err
	}
	b.cpu.Reset()
	cpu0 := benchkit.CPUSeconds()
	if name == "pgbench" {
		p.PerSecond, p.Sends, err = pgbench(ctx, b.dsn, b.targets, senders, b.o.Duration)
	} else {
		var res Result
		stop, perr := b.profile(name, senders)
		if perr != nil {
			return p, perr
		}
		grouped0 := b.sends()
		res, err = runChild(ctx, Plan{URL: b.url, REST: name == "rest", Floor: name == "floor", Senders: senders, Duration: b.o.Duration, Targets: b.targets})
		p.Sends, p.Failed, p.FirstError, p.PerSecond = res.OK, res.Failed, res.FirstError, float64(res.OK)/res.Seconds
		p.ParleyCPU = benchkit.CPUSeconds() - cpu0
		g := b.sends()
		p.Grouped = db.SendStats{Alone: g.Alone - grouped0.Alone, Batches: g.Batches - grouped0.Batches, Batched: g.Batched - grouped0.Batched}
		stop()
	}
	if err != nil {
		return p, err
	}
	p.PGCPU = b.cpu.Seconds()
	if name == "pgbench" {
		if err := b.stats.awaitPgbenchGone(ctx); err != nil {
			return p, err
		}
	}
	if name != "pgbench" && b.stats.scratch == nil {
		if err := benchkit.Sleep(ctx, statsSettle); err != nil {
			return p, err
		}
	}
	after, err := b.stats.read(ctx)
	p.Work = after.minus(before)
	return p, err
}

// profile starts the CPU profile of one Parley phase, when asked for; stop ends it.
func (b *bench) profile(name string, senders int) (stop func(), err error) {
	if b.o.CPUProfile == "" {
		return func() {}, nil
	}
	return benchkit.StartProfile(fmt.Sprintf("%s.%s-%d", b.o.CPUProfile, name, senders))
}
