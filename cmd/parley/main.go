// Command parley serves Parley's GraphQL messaging API, and manages its database, tokens and
// demo data. It holds flags and wiring only: everything it runs is built by package server.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley/parley/server"
)

const usage = `usage: parley <command> [flags]

commands:
  serve     serve the API (GraphQL at /graphql, GraphiQL at /)
  migrate   up | down | status
  token     print a signed user token: --sub ID --role ROLE [--org-nr N] [--name N] [--ttl 24h]
  seed      load the demo data set (--json prints ids and tokens for scripts)
  config    print the effective configuration, secrets masked (exits 1 listing every mistake)
  dev       cluster up|down|status: replicas behind a load balancer on this machine (development)

benchmarks are a separate command: go run ./cmd/parley-bench help
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := server.ConfigFromEnv()
	server.SetupLogging(cfg.LogLevel) // an invalid level logs at info
	// Warned even when the configuration has mistakes: a misspelt name may be why.
	for _, line := range server.UnknownEnv(os.Environ()) {
		slog.Warn(line)
	}
	if err == nil {
		err = run(ctx, cfg, os.Args[1], os.Args[2:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg server.Config, cmd string, args []string) error {
	switch cmd {
	case "serve":
		return serve(ctx, cfg, args)
	case "migrate":
		return migrate(ctx, cfg, args)
	case "token":
		return token(cfg, args)
	case "seed":
		return seed(ctx, cfg, args)
	case "config":
		return cfg.PrintSettings(os.Stdout)
	case "dev":
		return dev(ctx, cfg, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
