package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/pgembed"
)

// Database is an open database and what to do when done with it.
type Database struct {
	DB    *bun.DB
	Close func()
}

// OpenDatabase connects to DATABASE_URL when set; otherwise to the server the PG* variables
// point at (default 127.0.0.1:5432), creating the database "parley" there; and where none
// answers, to a private server it starts under the data folder. One log line says which.
func OpenDatabase(ctx context.Context, cfg Config) (*Database, error) {
	if cfg.DatabaseURL != "" {
		bdb, err := db.OpenPool(ctx, cfg.DatabaseURL, cfg.Pool())
		if err != nil {
			return nil, err
		}
		slog.Info("database: using DATABASE_URL", "server", redact(cfg.DatabaseURL))
		return &Database{DB: bdb, Close: func() { bdb.Close() }}, nil
	}
	local := db.EnvDSN("postgres")
	if d, err := openCreating(ctx, local, "parley", cfg.Pool()); err == nil {
		slog.Info("database: using the local PostgreSQL server", "server", redact(local), "database", "parley")
		return d, nil
	} else {
		slog.Debug("no local PostgreSQL server", "err", err)
	}
	return openEmbedded(ctx, cfg)
}

func openEmbedded(ctx context.Context, cfg Config) (*Database, error) {
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
	if err != nil {
		return nil, err
	}
	srv, err := pgembed.Start(ctx, dir, slog.Default())
	if err != nil {
		return nil, fmt.Errorf("no PostgreSQL server answered and an embedded one could not start: %w", err)
	}
	d, err := openCreating(ctx, srv.DSN, "parley", cfg.Pool())
	if err != nil {
		_ = srv.Stop() // the open's error is the one to report
		return nil, err
	}
	slog.Info("database: started an embedded PostgreSQL server", "data_dir", srv.DataDir, "port", srv.Port)
	inner := d.Close
	d.Close = func() {
		inner()
		if err := srv.Stop(); err != nil {
			slog.Warn("database: stop the embedded PostgreSQL server", "err", err)
		}
	}
	return d, nil
}

// openCreating connects to database name on the server of adminDSN, creating it if missing.
func openCreating(ctx context.Context, adminDSN, name string, pool db.Pool) (*Database, error) {
	admin, err := db.Open(ctx, adminDSN)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.NewRaw("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(ctx, &exists); err != nil {
		return nil, err
	}
	if !exists {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil && !strings.Contains(err.Error(), "already exists") {
			return nil, fmt.Errorf("create database %s: %w", name, err)
		}
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	bdb, err := db.OpenPool(ctx, u.String(), pool)
	if err != nil {
		return nil, err
	}
	return &Database{DB: bdb, Close: func() { bdb.Close() }}, nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

// EnsureSecret fills in a development JWT secret when none is configured: generated once and
// kept in the data folder, so tokens survive restarts. It logs that it did.
func EnsureSecret(cfg *Config) error {
	if cfg.JWTSecret != "" || cfg.JWKSURL != "" {
		return nil
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		cfg.JWTSecret = strings.TrimSpace(string(b))
		slog.Info("using the development JWT secret kept in the data folder", "path", path)
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	cfg.JWTSecret = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(cfg.JWTSecret+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep generated secret: %w", err)
	}
	slog.Warn("PARLEY_JWT_SECRET is not set: generated a development secret", "path", path)
	return nil
}

// LocalDatabase creates the database name on the local PostgreSQL server (the PG* variables,
// default 127.0.0.1:5432) when it is missing, and returns its URL. `parley dev cluster` uses it.
func LocalDatabase(ctx context.Context, name string) (string, error) {
	d, err := openCreating(ctx, db.EnvDSN("postgres"), name, db.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		return "", fmt.Errorf("local PostgreSQL: %w", err)
	}
	d.Close()
	return db.EnvDSN(name), nil
}
