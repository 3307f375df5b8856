// Package benchpgl is `parley-bench postgraphile`: Parley's inbox page against the same
// question answered by PostGraphile v4 (npm) over the same database, at the same concurrency,
// one after the other in the same run, for the workshop and the car owner of a benchreads set.
// Part of parley-bench, never of the production binary: it may import server and the other
// bench packages.
package benchpgl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
	"github.com/parley/parley/cmd/parley-bench/benchlive"
	"github.com/parley/parley/cmd/parley-bench/benchreads"
	"github.com/parley/parley/server"
)

// Options are the flags of `parley-bench postgraphile`.
type Options struct {
	Size        int           // messages in the data set
	Concurrency int           // clients at once, for both servers
	Duration    time.Duration // per server and viewer
	Rounds      int           // the duration is split into this many turns of each server
	NodeDir     string        // PostGraphile's package folder; "" finds it
}

// warmUp requests go to each server and viewer before the timed run: connections, the JIT
// and caches settle.
const warmUp = 50

func (o Options) check() error {
	switch {
	case o.Size < 2000 || o.Size > 2_000_000:
		return errors.New("--size must be from 2k to 2M messages")
	case o.Concurrency < 1 || o.Concurrency > 256:
		return errors.New("--concurrency must be from 1 to 256")
	case o.Duration < time.Second:
		return errors.New("--duration must be at least 1s")
	case o.Rounds < 1 || o.Duration/time.Duration(max(o.Rounds, 1)) < 100*time.Millisecond:
		return errors.New("--rounds must be at least 1 and leave each turn 100ms or more")
	}
	return nil
}

// viewer is one inbox the servers are asked for.
type viewer struct {
	Name    string // "car owner", "workshop"
	Party   string
	Threads int
	token   string
}

// phase is one server's timed turns for one viewer, added up.
type phase struct {
	Server     string // "parley", "postgraphile"
	Viewer     string
	OK, Failed int
	FirstError string
	Seconds    float64
	Took       []time.Duration
	ServerCPU  float64 // seconds
	PGCPU      float64
}

func (p *phase) add(r Result, serverCPU, pgCPU float64) {
	p.OK, p.Failed, p.Seconds = p.OK+r.OK, p.Failed+r.Failed, p.Seconds+r.Seconds
	p.Took = append(p.Took, r.Took...)
	if p.FirstError == "" {
		p.FirstError = r.FirstError
	}
	p.ServerCPU += serverCPU
	p.PGCPU += pgCPU
}

func (p *phase) rate() float64 { return float64(p.OK) / max(p.Seconds, 1e-9) }

// Run builds the set, starts both servers, checks they answer alike, times them, and
// writes the report to out.
func Run(ctx context.Context, cfg server.Config, o Options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	dir, err := NodeDir(o.NodeDir)
	if err != nil {
		return err
	}
	srv, err := benchlive.StartInProcess(ctx, benchreads.NoReadLimit(cfg))
	if err != nil {
		return err
	}
	defer srv.Stop()
	if srv.DSN == "" {
		return errors.New("bench postgraphile needs a PostgreSQL server both can reach (DATABASE_URL or the local one); none answered")
	}
	r := &report{Options: o, Where: srv.Where}
	if r.Set, err = benchreads.Build(ctx, srv.DSN, o.Size); err != nil {
		return err
	}
	pgl, err := startPostGraphile(ctx, dir, srv.DSN, srv.DB.DB)
	if err != nil {
		return err
	}
	defer pgl.Stop()
	r.PGLVersion, r.Load0 = pgl.Version, benchkit.LoadAverage() // after the build's own load
	viewers, err := issueTokens(ctx, srv, r.Set)
	if err != nil {
		return err
	}
	dbName, err := databaseName(srv.DSN)
	if err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	b := &bench{o: o, parleyURL: srv.URL, pgl: pgl, backends: benchkit.WatchBackends(watchCtx, dbName)}
	for _, v := range viewers {
		if err := b.sameAnswers(ctx, v); err != nil {
			return fmt.Errorf("%s: %w", v.Name, err)
		}
		phases, err := b.compare(ctx, v)
		if err != nil {
			return fmt.Errorf("%s: %w", v.Name, err)
		}
		r.Phases = append(r.Phases, phases...)
	}
	r.Load1 = benchkit.LoadAverage()
	r.print(out)
	return r.verdict()
}

func issueTokens(ctx context.Context, srv *benchlive.Scratch, s *benchreads.Set) ([]viewer, error) {
	q := fmt.Sprintf(`mutation {
		shop: issueToken(input: {userId: %q, role: WORKSHOP, orgNr: %q, ttlSeconds: 21600}) { token }
		owner: issueToken(input: {userId: %q, role: CAR_OWNER, ttlSeconds: 21600}) { token } }`, s.ShopUser, s.ShopOrg, s.OwnerID)
	var out struct{ Shop, Owner struct{ Token string } }
	if err := benchkit.NewClient(srv.URL, srv.APIKey, 1).DoPatiently(ctx, "", q, nil, &out); err != nil {
		return nil, fmt.Errorf("issue tokens: %w", err)
	}
	return []viewer{
		{Name: "car owner", Party: s.OwnerID, Threads: s.OwnerThreads, token: out.Owner.Token},
		{Name: "workshop", Party: "org:" + s.ShopOrg, Threads: s.ShopThreads, token: out.Shop.Token},
	}, nil
}

func databaseName(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	return u.Path[1:], nil
}

// bench is what the phases share.
type bench struct {
	o         Options
	parleyURL string
	pgl       *postgraphile
	backends  *benchkit.BackendCPU
}

// plan is the request a server is timed with for v.
func (b *bench) plan(server string, v viewer) Plan {
	p := Plan{Concurrency: b.o.Concurrency, Duration: b.o.Duration}
	var body any
	if server == "parley" {
		p.URL, p.Headers = b.parleyURL, map[string]string{"Authorization": "Bearer " + v.token}
		body = map[string]any{"query": benchreads.InboxQuery}
	} else {
		p.URL = b.pgl.URL
		body = map[string]any{"query": pglInboxQuery, "variables": map[string]any{"party": v.Party, "kind": "booking"}}
	}
	raw, _ := json.Marshal(body)
	p.Body = string(raw)
	return p
}

// servers are the two under test, in the order of the first turn.
var servers = []string{"parley", "postgraphile"}

// compare warms both servers up for v, then times them in turns, Parley first in even rounds
// and PostGraphile first in odd ones: a change in the machine's other load during the run
// then falls on both alike.
func (b *bench) compare(ctx context.Context, v viewer) ([]*phase, error) {
	phases := make([]*phase, len(servers))
	for i, server := range servers {
		if err := warm(ctx, b.plan(server, v)); err != nil {
			return nil, fmt.Errorf("%s: %w", server, err)
		}
		phases[i] = &phase{Server: server, Viewer: v.Name}
	}
	for round := 0; round < b.o.Rounds; round++ {
		for k := range servers {
			i := k
			if round%2 == 1 {
				i = len(servers) - 1 - k
			}
			if err := b.turn(ctx, phases[i], v); err != nil {
				return nil, fmt.Errorf("%s: %w", phases[i].Server, err)
			}
		}
	}
	return phases, nil
}

// turn times one server for its share of the duration, with the clients in a child process.
func (b *bench) turn(ctx context.Context, p *phase, v viewer) error {
	plan := b.plan(p.Server, v)
	plan.Duration = b.o.Duration / time.Duration(b.o.Rounds)
	cpu := benchkit.CPUSeconds
	if p.Server == "postgraphile" {
		cpu = b.pgl.CPU
	}
	b.backends.Reset()
	cpu0 := cpu()
	res, err := runChild(ctx, plan)
	if err != nil {
		return err
	}
	p.add(res, cpu()-cpu0, b.backends.Seconds())
	return nil
}

var warmClient = &http.Client{Timeout: 30 * time.Second}

// warm sends warmUp requests from this process, Concurrency at a time.
func warm(ctx context.Context, p Plan) error {
	p.Concurrency = min(p.Concurrency, warmUp)
	errs := make(chan error, p.Concurrency)
	for j := 0; j < p.Concurrency; j++ {
		go func() {
			var err error
			for k := j; k < warmUp && err == nil; k += p.Concurrency {
				err = post(ctx, warmClient, p)
			}
			errs <- err
		}()
	}
	var first error
	for j := 0; j < p.Concurrency; j++ {
		if err := <-errs; err != nil && first == nil {
			first = fmt.Errorf("warm-up: %w", err)
		}
	}
	return first
}
