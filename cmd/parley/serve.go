package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/telemetry"
)

func serve(ctx context.Context, cfg server.Config, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	doMigrate := fs.Bool("migrate", true, "apply pending migrations at start")
	doSeed := fs.Bool("seed", false, "load the demo data set at start and print its tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Listen first: a taken port fails at once, before any background work would hold us.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	var adminLn net.Listener
	if cfg.AdminAddr != "" {
		if adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			return fmt.Errorf("cannot listen on PARLEY_ADMIN_ADDR %s (off turns the admin listener off): %w", cfg.AdminAddr, err)
		}
		defer adminLn.Close()
	}
	stopTracing, err := startTracing(ctx, &cfg)
	if err != nil {
		return err
	}
	defer stopTracing()
	a, closeDB, err := openApp(ctx, cfg, *doMigrate)
	if err != nil {
		return err
	}
	defer closeDB()
	// Background work stops with runCtx, which ends on any return: a failed start never waits
	// for a signal.
	runCtx, cancel := context.WithCancel(ctx)
	hubDone, err := a.StartLive(runCtx)
	if err != nil {
		cancel()
		return err
	}
	webhooksDone := a.StartWebhooks(runCtx)
	awayDone := a.StartAway(runCtx)
	privacyDone := a.StartPrivacy(runCtx)
	defer func() { cancel(); _ = <-hubDone; <-webhooksDone; <-awayDone; <-privacyDone }()
	if *doSeed {
		data, err := server.Seed(runCtx, a)
		if err != nil {
			return err
		}
		printSeedSummary(data, cfg.Addr)
		if cfg.DevSignIn(true) {
			a.DevSignIn = server.DevUsers(data)
		}
	}
	if adminLn != nil {
		admin := &http.Server{Handler: a.AdminHandler(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: server.MaxHeaderBytes}
		slog.Info("admin listening", "addr", adminLn.Addr().String(), "paths", "/metrics /healthz /readyz /debug/pprof/")
		go func() { _ = admin.Serve(adminLn) }()
		defer admin.Close() // after the public server has drained: /readyz says 503 meanwhile
	}
	go func() { <-ctx.Done(); a.Drain() }()
	return serveOn(ctx, ln, a.HTTPServer(), a.Sockets.Shutdown)
}

// startTracing makes the OTLP tracer provider the OTEL_* variables ask for, if any; the
// function it returns flushes the spans still buffered.
func startTracing(ctx context.Context, cfg *server.Config) (stop func(), err error) {
	tp, err := telemetry.TracerFromEnv(ctx, version())
	if err != nil || tp == nil {
		return func() {}, err
	}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	otel.SetTracerProvider(tp)
	cfg.TracerProvider = tp
	slog.Info("tracing: exporting spans over OTLP", "endpoint", redactURL(cfg.OTLPEndpoint), "protocol", telemetry.TracesProtocol())
	return func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(shutCtx); err != nil {
			slog.Warn("tracing: flush spans", "err", err)
		}
	}, nil
}

// version is the module version the binary was built at, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// listen serves h on addr until ctx ends; see serveOn.
func listen(ctx context.Context, addr string, h http.Handler, onShutdown func()) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serveOn(ctx, ln, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: server.MaxHeaderBytes}, onShutdown)
}

// serveOn serves until ctx ends (SIGINT/SIGTERM), then lets in-flight requests finish;
// onShutdown closes what the server no longer tracks (hijacked WebSockets).
func serveOn(ctx context.Context, ln net.Listener, srv *http.Server, onShutdown func()) error {
	if onShutdown != nil {
		srv.RegisterOnShutdown(onShutdown)
	}
	slog.Info("listening", "addr", ln.Addr().String(), "graphql", "/graphql", "graphiql", "/", "app", "/app/")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	slog.Info("stopped")
	return nil
}

// logWriter sends the migrator's lines to the log.
type logWriter struct{}

func (logWriter) Write(p []byte) (int, error) {
	slog.Info("migrate", "result", string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}

func printSeedSummary(d *server.SeedData, addr string) {
	fmt.Fprintf(os.Stderr, "\nDemo data loaded. Web app: http://localhost%s/app/  GraphiQL: http://localhost%s/  (add the header below)\n",
		portOf(addr), portOf(addr))
	for _, u := range d.CarOwners {
		fmt.Fprintf(os.Stderr, "  car owner %-12s Authorization: Bearer %s\n", u.ID, u.Token)
	}
	for _, w := range d.Workshops {
		for _, u := range w.Users {
			fmt.Fprintf(os.Stderr, "  workshop  %-12s Authorization: Bearer %s\n", u.ID, u.Token)
		}
	}
	for _, u := range append(d.Buyers, d.Sellers...) {
		fmt.Fprintf(os.Stderr, "  market    %-12s Authorization: Bearer %s\n", u.ID, u.Token)
	}
	fmt.Fprintln(os.Stderr)
}

func portOf(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return ":" + port
	}
	return addr
}

// redactURL hides a URL's password (an endpoint may carry credentials); a value that does not
// parse is hidden whole.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
