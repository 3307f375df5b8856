// Package benchpgl is `parley bench postgraphile`: Parley's inbox page against the same
// question answered by PostGraphile v4 (npm) over the same database, at the same concurrency,
// one after the other in the same run, for the workshop and the car owner of a benchreads set.
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

	"github.com/parley/parley/cmd/parley/app"
	"github.com/parley/parley/cmd/parley/benchkit"
	"github.com/parley/parley/cmd/parley/benchlive"
	"github.com/parley/parley/cmd/parley/benchreads"
)

// Options are the flags of `parley bench postgraphile`.
type Options struct {
	Size        int           // messages in the data set
	Concurrency int           // clients at once, for both servers
	Duration    time.Duration // per server and viewer
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

// phase is one server's timed run for one viewer.
type phase struct {
	Server    string // "parley", "postgraphile"
	Viewer    string
	Res       Result
	ServerCPU float64 // seconds
	PGCPU     float64
}

// Run builds the set, starts both servers, checks they answer alike, times them, and
// writes the report to out.
func Run(ctx context.Context, cfg app.Config, o Options, out io.Writer) error {
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
	r := &report{Options: o, Where: srv.Where, Load0: benchkit.LoadAverage()}
	if r.Set, err = benchreads.Build(ctx, srv.DSN, o.Size); err != nil {
		return err
	}
	pgl, err := startPostGraphile(ctx, dir, srv.DSN, srv.DB.DB)
	if err != nil {
		return err
	}
	defer pgl.Stop()
	r.PGLVersion = pgl.Version
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
		for _, server := range []string{"parley", "postgraphile"} {
			p, err := b.run(ctx, server, v)
			if err != nil {
				return fmt.Errorf("%s %s: %w", v.Name, server, err)
			}
			r.Phases = append(r.Phases, p)
		}
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

// run warms the server up, then times it for v with the clients in a child process.
func (b *bench) run(ctx context.Context, server string, v viewer) (phase, error) {
	p := b.plan(server, v)
	if err := warm(ctx, p); err != nil {
		return phase{}, err
	}
	cpu := benchkit.CPUSeconds
	if server == "postgraphile" {
		cpu = b.pgl.CPU
	}
	b.backends.Reset()
	cpu0 := cpu()
	res, err := runChild(ctx, p)
	if err != nil {
		return phase{}, err
	}
	return phase{Server: server, Viewer: v.Name, Res: res, ServerCPU: cpu() - cpu0, PGCPU: b.backends.Seconds()}, nil
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
