// Package benchlive measures live delivery: how many WebSocket subscribers one Parley replica
// holds, how fast a message sent over HTTP reaches every one of them, and what an idle
// subscription costs the server in memory.
// Part of parley-bench, never of the production binary: it may import server to run Parley in-process.
package benchlive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server"
)

// Options are the flags of `parley-bench live`.
type Options struct {
	Subscribers int
	Rate        int           // messages a second
	Duration    time.Duration // of sending
	Threads     int           // conversations the messages go round; each subscriber watches one
	PerUser     int           // subscriptions one user holds at most
	Server      string        // GraphQL URL of a running server; "" runs one in this process
	APIKey      string        // back-office key of that server
	Drain       time.Duration // how long to wait for stragglers once deliveries stop
	SendLate    bool          // send messages whose time passed (tests on a busy machine), not count them late
	Dialers     int           // connections opened at once
	CPUProfile  string        // file for the in-process server's CPU profile while sending
	MemProfile  string        // file for the in-process server's heap profile with subscribers idle
}

// Run benchmarks and writes the report to out. It fails when the server did not take every
// message in time, or a subscriber missed one.
func Run(ctx context.Context, cfg server.Config, o Options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.MemProfile != "" {
		runtime.MemProfileRate = 1 // every allocation, so small per-subscription costs show
	}
	limit, err := RaiseFileLimit()
	if err != nil {
		return fmt.Errorf("raise open-files limit: %w", err)
	}
	if o.Server == "" && uint64(o.Subscribers)+256 > limit {
		return fmt.Errorf("%d subscribers need about %d open files; the limit is %d", o.Subscribers, o.Subscribers+256, limit)
	}
	srv, err := serverFor(ctx, cfg, o)
	if err != nil {
		return err
	}
	defer srv.close()
	r := &report{Options: o, Where: srv.Where, Load: benchkit.LoadAverage()}
	if err := measure(ctx, srv, o, r); err != nil {
		return err
	}
	r.print(out)
	return r.verdict()
}

func (o Options) check() error {
	switch {
	case o.Subscribers < 1:
		return errors.New("--subscribers must be at least 1")
	case o.Rate < 1:
		return errors.New("--rate must be at least 1 message a second")
	case o.Duration < time.Second:
		return errors.New("--duration must be at least 1s")
	case o.Threads < 1 || o.Threads > o.Subscribers:
		return errors.New("--threads must be from 1 to the number of subscribers")
	case o.PerUser < 1:
		return errors.New("--per-user must be at least 1")
	}
	return nil
}

func serverFor(ctx context.Context, cfg server.Config, o Options) (*benchServer, error) {
	if o.Server == "" {
		if cfg.Limits != nil { // every subscriber dials from one loopback address, unauthenticated
			l := *cfg.Limits
			l.Anonymous = ratelimit.Rule{}
			cfg.Limits = &l
		}
		return startServer(ctx, cfg)
	}
	if o.APIKey == "" {
		return nil, errors.New("--server needs the server's back-office key: --api-key or PARLEY_API_KEYS")
	}
	return &benchServer{URL: o.Server, APIKey: o.APIKey, Where: "external, " + o.Server, close: func() {}}, nil
}

// measure sets up the threads, connects the subscribers, measures the idle server, sends,
// and collects what arrived.
func measure(ctx context.Context, srv *benchServer, o Options, r *report) error {
	c := benchkit.NewClient(srv.URL, srv.APIKey, max(8, o.Rate/10))
	r.Layout = newLayout(o.Subscribers, o.Threads, o.PerUser, o.Rate)
	fx, err := setUp(ctx, c, r.Layout)
	if err != nil {
		return err
	}
	before := sampleMemory()
	kids, err := startClients(ctx, planFor(fx, r.Layout, srv.URL, o.Dialers))
	if err != nil {
		return err
	}
	defer kids.stop()
	if r.Connected, err = kids.connected(); err != nil {
		return err
	}
	if r.Connected.Connected == 0 {
		return fmt.Errorf("no subscriber connected: %s", r.Connected.FirstError)
	}
	if err := settle(ctx, srv, r.Connected.Connected); err != nil {
		if res, ferr := kids.finish(Finish{}); ferr == nil && len(res.Ended) > 0 {
			return fmt.Errorf("%w; the server ended subscriptions: %s", err, endings(res.Ended))
		}
		return err
	}
	if srv.app != nil {
		after := sampleMemory()
		r.Before, r.After = &before, &after
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return err
		}
	}
	stopProfile, err := benchkit.StartProfile(o.CPUProfile)
	if err != nil {
		return err
	}
	cpu0 := benchkit.CPUSeconds()
	r.Sent = send(ctx, c, fx, o.Rate, o.Duration, o.SendLate)
	r.Result, err = kids.finish(Finish{PerThread: r.Sent.PerThread, Drain: o.Drain})
	r.ServerCPU = benchkit.CPUSeconds() - cpu0
	stopProfile()
	if err == nil && srv.app != nil && o.MemProfile != "" {
		err = writeHeapProfile(o.MemProfile + ".sent") // -base the idle one: what sending allocated
	}
	return err
}

// settle waits until the server holds every subscription: counted on an in-process hub, or a
// fixed pause for an external server.
func settle(ctx context.Context, srv *benchServer, n int) error {
	if srv.app == nil {
		return benchkit.Sleep(ctx, 3*time.Second)
	}
	return srv.waitSubscribed(ctx, n, 15*time.Second)
}

// planFor gives each subscriber its thread and token: the thread's car owner's or a workshop
// user's, so both parties' access is checked at every delivery.
func planFor(fx *fixture, l layout, url string, dialers int) Plan {
	p := Plan{URL: url, Dialers: dialers}
	for _, t := range fx.Threads {
		p.Tokens = append(p.Tokens, t.Owner)
	}
	p.Tokens = append(p.Tokens, fx.Watchers...)
	for i, as := range l.As {
		t := i % l.Threads
		tok := t
		if as >= 0 {
			tok = l.Threads + as
		}
		p.Subs = append(p.Subs, PlanSub{Token: tok, Conversation: fx.Threads[t].Conversation, Thread: t})
	}
	return p
}
