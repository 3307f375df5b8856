// Command parley-bench measures Parley: live delivery, valid traffic under attack, send
// throughput against pgbench, reads at 10k and 1M messages and the PostGraphile comparison. It
// runs Parley in its own process (or against a running server) and prints figures, the key
// figure last. It is a separate binary so the load generators stay out of the production one;
// it may import anything.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchhostile"
	"github.com/parley/parley/cmd/parley-bench/benchlive"
	"github.com/parley/parley/cmd/parley-bench/benchpgl"
	"github.com/parley/parley/cmd/parley-bench/benchreads"
	"github.com/parley/parley/cmd/parley-bench/benchsend"
	"github.com/parley/parley/server"
)

const benchUsage = `usage: parley-bench live [--subscribers N] [--rate R] [--duration D] [--threads T] [--server URL] [--send-late]
       parley-bench hostile [--clients N] [--duration D] [--requests N] [--grace D] [--settle D] [--url URL --api-key KEY]
       parley-bench send [--senders N] [--threads T] [--sweep] [--duration D]
       parley-bench reads [--sizes 10k,1M] [--requests N]
       parley-bench search [--size 1M] [--requests N]
       parley-bench postgraphile [--size 1M] [--concurrency N] [--duration D] [--rounds N] [--node-dir DIR]`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := server.ConfigFromEnv()
	if err == nil {
		server.SetupLogging(cfg.LogLevel)
		err = bench(ctx, cfg, os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parley-bench:", err)
		os.Exit(1)
	}
}

// bench runs a benchmark. "live-clients", "send-clients" and "postgraphile-clients" are the
// child processes of "live", "send" and "postgraphile", not for people.
func bench(ctx context.Context, cfg server.Config, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", benchUsage)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Println(benchUsage)
		return nil
	}
	quietLogs()
	switch args[0] {
	case "live":
		return benchLive(ctx, cfg, args[1:])
	case "hostile":
		return benchHostile(ctx, cfg, args[1:])
	case "send":
		return benchSend(ctx, cfg, args[1:])
	case "send-clients":
		return benchsend.RunClients(ctx, os.Stdin, os.Stdout)
	case "reads":
		return benchReads(ctx, cfg, args[1:])
	case "search":
		return benchSearch(ctx, cfg, args[1:])
	case "postgraphile":
		return benchPostGraphile(ctx, cfg, args[1:])
	case "postgraphile-clients":
		return benchpgl.RunClients(ctx, os.Stdin, os.Stdout)
	case "live-clients":
		return benchlive.RunClients(ctx, os.Stdin, os.Stdout)
	}
	return fmt.Errorf("unknown benchmark %q\n%s", args[0], benchUsage)
}

func benchLive(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("parley-bench live", flag.ContinueOnError)
	var o benchlive.Options
	fs.IntVar(&o.Subscribers, "subscribers", 1000, "WebSocket subscribers to hold, one subscription each")
	fs.IntVar(&o.Rate, "rate", 100, "messages sent a second")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "how long to send")
	fs.IntVar(&o.Threads, "threads", 1, "conversations to spread messages and subscribers over (1: every subscriber gets every message)")
	fs.IntVar(&o.PerUser, "per-user", 10, "subscriptions one user holds at most (the server caps it: PARLEY_MAX_SUBSCRIPTIONS)")
	fs.StringVar(&o.Server, "server", "", "GraphQL URL of a running server (default: run one in this process on a scratch database)")
	fs.StringVar(&o.APIKey, "api-key", firstOf(cfg.APIKeys), "back-office key of --server (default: the first of PARLEY_API_KEYS)")
	fs.DurationVar(&o.Drain, "drain", 10*time.Second, "give up waiting for deliveries after this long without one")
	fs.BoolVar(&o.SendLate, "send-late", false, "send every scheduled message, even those whose time passed while the server was slow (tests on a busy machine; the rate then slips)")
	fs.IntVar(&o.Dialers, "dialers", 32, "connections opened at once")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write the in-process server's CPU profile while sending to this file")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write the in-process server's heap profile, subscribers connected and idle, to this file (and after sending, to this file.sent)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return benchlive.Run(ctx, cfg, o, os.Stdout)
}

func benchHostile(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("parley-bench hostile", flag.ContinueOnError)
	var o benchhostile.Options
	fs.IntVar(&o.Clients, "clients", 500, "concurrent clients: half valid users, the rest attacks and anonymous floods")
	fs.DurationVar(&o.Duration, "duration", 15*time.Second, "how long the clients run")
	fs.IntVar(&o.Requests, "requests", 200000, "stop after this many requests in all")
	fs.DurationVar(&o.Grace, "grace", 10*time.Second, "how long requests under way at the end may still take")
	fs.DurationVar(&o.Settle, "settle", 10*time.Second, "how long to watch for the CPU to go back to idle afterwards")
	fs.StringVar(&o.URL, "url", "", "GraphQL URL of a running server on loopback (default: run one in this process on a scratch database)")
	fs.StringVar(&o.APIKey, "api-key", firstOf(cfg.APIKeys), "back-office key of --url (default: the first of PARLEY_API_KEYS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return benchhostile.Run(ctx, cfg, o, os.Stdout)
}

func benchSend(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("parley-bench send", flag.ContinueOnError)
	var o benchsend.Options
	fs.IntVar(&o.Senders, "senders", 16, "concurrent senders, and pgbench clients")
	fs.BoolVar(&o.Sweep, "sweep", false, "also run 1 and 4 senders")
	fs.IntVar(&o.Threads, "threads", 64, "threads sent into, each its own car owner's (at least 4 per sender)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each of GraphQL, REST and pgbench runs, at each sender count")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write the in-process server's CPU profile of each Parley phase to this file with .graphql-N or .rest-N appended")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return benchsend.Run(ctx, cfg, o, os.Stdout)
}

func benchReads(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("parley-bench reads", flag.ContinueOnError)
	var o benchreads.Options
	sizes := fs.String("sizes", "10k,1M", "data sets to build, in messages (2k to 2M), smallest first: the p99 ratios compare the last with the first")
	fs.IntVar(&o.Requests, "requests", 200, "timed requests per read and set, one at a time, after a warm-up")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if o.Sizes, err = benchreads.ParseSizes(*sizes); err != nil {
		return err
	}
	return benchreads.Run(ctx, cfg, o, os.Stdout)
}

func benchSearch(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("parley-bench search", flag.ContinueOnError)
	var o benchreads.SearchOptions
	size := fs.String("size", "1M", "data set to build, in messages (2k to 2M), as bench reads builds it")
	fs.IntVar(&o.Requests, "requests", 200, "timed requests per search and viewer, one at a time, after a warm-up")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sizes, err := benchreads.ParseSizes(*size)
	if err != nil || len(sizes) != 1 {
		return fmt.Errorf("--size: %q is not one count such as 1M", *size)
	}
	o.Size = sizes[0]
	return benchreads.RunSearch(ctx, cfg, o, os.Stdout)
}

func benchPostGraphile(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("parley-bench postgraphile", flag.ContinueOnError)
	var o benchpgl.Options
	size := fs.String("size", "1M", "data set to build, in messages (2k to 2M): 10k or 1M as bench reads builds them")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "clients at once, for each server")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each server is timed, per viewer")
	fs.IntVar(&o.Rounds, "rounds", 5, "turns the duration is split into, the servers taking them alternately")
	fs.StringVar(&o.NodeDir, "node-dir", "", "PostGraphile's package folder (default: cmd/parley-bench/benchpgl/node here or above)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sizes, err := benchreads.ParseSizes(*size)
	if err != nil || len(sizes) != 1 {
		return fmt.Errorf("--size: %q is not one count such as 10k or 1M", *size)
	}
	o.Size = sizes[0]
	return benchpgl.Run(ctx, cfg, o, os.Stdout)
}

// quietLogs keeps a benchmark's output to its figures unless PARLEY_LOG_LEVEL asks for more:
// a log line per request would cost CPU the benchmark is measuring.
func quietLogs() {
	if os.Getenv("PARLEY_LOG_LEVEL") == "" {
		server.SetupLogging("warn")
	}
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
