// Package benchhostile measures one Parley replica under hostile load: valid users' reads and
// sends mixed with costly documents, oversized and trickled bodies and anonymous floods. It
// reports what the valid users got, the answers by status, whether health checks kept
// answering, and whether the server's CPU went back to idle afterwards. It only ever targets
// loopback addresses and stops by itself. It imports server only to run Parley in-process; part of parley-bench, never of the production binary.
package benchhostile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
	"github.com/parley/parley/cmd/parley-bench/benchlive"
	"github.com/parley/parley/server"
)

// Options are the flags of `parley-bench hostile`.
type Options struct {
	Clients  int           // concurrent clients, valid and hostile
	Duration time.Duration // how long they run
	Requests int           // stop after this many requests in all
	URL      string        // GraphQL URL of a running server on loopback; "" runs one in-process
	APIKey   string        // back-office key of that server, to make the valid users
	Grace    time.Duration // how long requests under way when the run ends may still take
	Settle   time.Duration // how long to watch for the CPU to go back to idle afterwards
}

func (o Options) check() error {
	switch {
	case o.Clients < 12 || o.Clients > 5000:
		return errors.New("--clients must be from 12 to 5000")
	case o.Duration < time.Second || o.Duration > 10*time.Minute:
		return errors.New("--duration must be from 1s to 10m")
	case o.Grace < 0 || o.Settle < time.Second:
		return errors.New("--grace must not be negative, --settle must be at least 1s")
	case o.Requests < 1:
		return errors.New("--requests must be at least 1")
	case o.URL != "" && o.APIKey == "":
		return errors.New("--url needs the server's back-office key: --api-key or PARLEY_API_KEYS")
	}
	return loopbackOnly(o.URL)
}

// loopbackOnly refuses a target that is not on this machine's loopback.
func loopbackOnly(target string) error {
	if target == "" {
		return nil
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("--url %q: want an http:// URL", target)
	}
	ips, err := net.LookupIP(u.Hostname())
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("--url %q: cannot resolve %s", target, u.Hostname())
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("--url %q: only loopback targets are allowed", target)
		}
	}
	return nil
}

// Run starts (or targets) the server, runs the clients and writes the report to out.
func Run(ctx context.Context, cfg server.Config, o Options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	if _, err := benchlive.RaiseFileLimit(); err != nil {
		return fmt.Errorf("raise open-files limit: %w", err)
	}
	where := "external, " + o.URL
	if o.URL == "" {
		srv, err := benchlive.StartInProcess(ctx, cfg)
		if err != nil {
			return err
		}
		defer srv.Stop()
		o.URL, o.APIKey, where = srv.URL, srv.APIKey, srv.Where
	}
	c := newClient(o.URL, o.Clients)
	mix := mixFor(o.Clients)
	fx, err := setUp(ctx, c, o.APIKey, mix.users())
	if err != nil {
		return err
	}
	r := &report{Where: where, Options: o, Mix: mix}
	r.IdleCPU = cpuRate(ctx, time.Second)
	runClients(ctx, c, fx, mix, o, r)
	r.After = settleCPU(ctx, r.IdleCPU, int(o.Settle/time.Second))
	r.print(out)
	return nil
}

// runClients runs every client and a health checker until the duration or the request
// budget is spent; requests under way then get a grace period to finish.
func runClients(ctx context.Context, c *client, fx *fixture, mix mix, o Options, r *report) {
	reqCtx, cancelRequests := context.WithTimeout(ctx, o.Duration+o.Grace)
	defer cancelRequests()
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	budget := &budget{left: int64(o.Requests)}
	var wg sync.WaitGroup
	health := make(chan healthResult, 1)
	go func() { health <- checkHealth(ctx, c) }()
	cpu0, start := benchkit.CPUSeconds(), time.Now()
	for i, k := range mix.kinds() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runClient(ctx, reqCtx, c, fx, k, i, budget, r)
		}()
	}
	wg.Wait()
	cancel()
	r.Elapsed = time.Since(start)
	r.RunCPU = (benchkit.CPUSeconds() - cpu0) / r.Elapsed.Seconds()
	r.Health = <-health
	r.Load = benchkit.LoadAverage()
}
