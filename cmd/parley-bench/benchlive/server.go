package benchlive

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
	"github.com/uptrace/bun"
)

// benchServer is the Parley under test: in this process, or elsewhere (app is nil then).
type benchServer struct {
	URL    string
	APIKey string
	Where  string
	dsn    string // the scratch database's, "" on an embedded server
	app    *server.App
	close  func()
}

// startServer runs Parley in this process as `parley serve` wires it (live hub, webhook worker,
// HTTP handler) on a scratch database, with its own secret and API key, on a loopback port.
func startServer(ctx context.Context, cfg server.Config) (*benchServer, error) {
	dir, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return nil, err
	}
	cfg.DataDir, cfg.BlobURL, cfg.JWKSURL = dir, "", ""
	cfg.JWTSecret, cfg.APIKeys = randomHex(32), []string{randomHex(16)}
	cfg.RatePrefix = "bench-" + randomHex(4) + ":" // fresh rate buckets, apart from other runs
	database, where, dsn, drop, err := openScratch(ctx, cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cleanup := func() { database.Close(); drop(); os.RemoveAll(dir) }
	a, err := wire(ctx, cfg, database)
	if err != nil {
		cleanup()
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	hubDone, err := a.StartLive(runCtx)
	if err != nil {
		stop()
		cleanup()
		return nil, err
	}
	webhooksDone := a.StartWebhooks(runCtx)
	stopAll := func() { stop(); _ = <-hubDone; <-webhooksDone; cleanup() }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stopAll()
		return nil, err
	}
	srv := a.HTTPServer()
	go func() { _ = srv.Serve(ln) }()
	return &benchServer{URL: "http://" + ln.Addr().String() + "/graphql", APIKey: cfg.APIKeys[0], Where: "in-process, " + where, dsn: dsn, app: a,
		close: func() { srv.Close(); awaitUnsubscribed(a, 10*time.Second); stopAll() }}, nil
}

// Scratch is an in-process Parley on a scratch database, as `bench live` runs it, for the
// other benchmarks: with the database's handle and DSN (empty on an embedded server) for
// those that load or query their data with SQL.
type Scratch struct {
	URL, APIKey, Where, DSN string
	DB                      *bun.DB
	Sends                   func() db.SendStats // the server's group-commit counts
	Stop                    func()
}

// StartInProcess runs Parley in this process on a scratch database until Stop.
func StartInProcess(ctx context.Context, cfg server.Config) (*Scratch, error) {
	s, err := startServer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Scratch{URL: s.URL, APIKey: s.APIKey, Where: s.Where, DSN: s.dsn, DB: s.app.Store.DB, Sends: s.app.Store.SendStats, Stop: s.close}, nil
}

func wire(ctx context.Context, cfg server.Config, database *server.Database) (*server.App, error) {
	if err := db.Migrate(ctx, database.DB, "up", io.Discard); err != nil {
		return nil, err
	}
	return server.New(ctx, cfg, db.NewStore(database.DB))
}

// openScratch creates a database of the benchmark's own on the server Parley would use
// (DATABASE_URL's, else the local one), to drop afterwards; where no server answers, it lets
// Parley start an embedded one under the scratch data folder.
func openScratch(ctx context.Context, cfg server.Config) (d *server.Database, where, dsn string, drop func(), err error) {
	adminDSN := cfg.DatabaseURL
	if adminDSN == "" {
		adminDSN = db.EnvDSN("postgres")
	}
	admin, err := db.Open(ctx, adminDSN)
	if err != nil {
		cfg.DatabaseURL = ""
		d, err := server.OpenDatabase(ctx, cfg)
		return d, "database on an embedded PostgreSQL server in " + cfg.DataDir, "", func() {}, err
	}
	name := "parley_bench_" + randomHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, "", "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	drop = func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		drop()
		return nil, "", "", nil, err
	}
	u.Path = "/" + name
	cfg.DatabaseURL = u.String()
	if d, err = server.OpenDatabase(ctx, cfg); err != nil {
		drop()
		return nil, "", "", nil, err
	}
	return d, fmt.Sprintf("scratch database %s on %s, dropped after", name, u.Host), cfg.DatabaseURL, drop, nil
}

// waitSubscribed waits until the hub holds n message subscriptions, then a moment more for
// the connections' set-up garbage to become collectable. It gives up when the count stalls.
func (s *benchServer) waitSubscribed(ctx context.Context, n int, stall time.Duration) error {
	last, since := -1, time.Now()
	for {
		got := s.app.Hub.Counts()["messages"]
		if got >= n {
			return benchkit.Sleep(ctx, 2*time.Second)
		}
		if got != last {
			last, since = got, time.Now()
		}
		if time.Since(since) > stall {
			return fmt.Errorf("the hub holds %d of %d subscriptions, and no more for %v", got, n, stall)
		}
		if err := benchkit.Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// awaitUnsubscribed gives the hub a moment to see the clients go, and to record their
// presence as it does, before the database is dropped under it.
func awaitUnsubscribed(a *server.App, limit time.Duration) {
	end := time.Now().Add(limit)
	for a.Hub.Counts()["messages"] > 0 && time.Now().Before(end) {
		time.Sleep(20 * time.Millisecond)
	}
	for idle := 0; idle < 10 && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		idle++
		if a.Store.DB.Stats().InUse > 0 {
			idle = 0
		}
	}
}

// memory is this process's heap in use, goroutine stacks and goroutines, after collection.
type memory struct {
	Heap, Stack uint64
	Goroutines  int
}

func sampleMemory() memory {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{Heap: ms.HeapInuse, Stack: ms.StackInuse, Goroutines: runtime.NumGoroutine()}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: it panics where randomness is unavailable
	return hex.EncodeToString(b)
}
