// Package dbtest gives each test its own PostgreSQL database, cloned from a migrated template
// so a test costs a CREATE DATABASE, not a migration run.
// Tests only; it imports db for the migrations.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/parley/parley/db"
)

// AdminDSN is the server tests create databases on: TEST_DATABASE_URL, else the standard PG*
// variables, else postgres@127.0.0.1:5432.
func AdminDSN() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return db.EnvDSN("postgres")
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	tplName   string
	tplErr    error
)

// New returns an open database of the test's own, dropped when the test ends.
func New(t testing.TB) *bun.DB {
	t.Helper()
	bdb, err := db.Open(context.Background(), NewDSN(t))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { bdb.Close() })
	return bdb
}

// NewDSN creates a test database and returns its connection string, for a test that hands it
// to another process.
func NewDSN(t testing.TB) string {
	t.Helper()
	adminOnce.Do(func() { tplName, tplErr = prepareTemplate() })
	if tplErr != nil {
		t.Fatalf("prepare template database: %v", tplErr)
	}
	name := "parley_test_" + randomHex(6)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tplName)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return withDatabase(AdminDSN(), name)
}

// templateLockKey serialises test processes building the template.
const templateLockKey = 7346110002

// prepareTemplate makes sure a template migrated with the current migrations exists. It is
// named by a hash of the migrations, so a changed migration builds a new one.
func prepareTemplate() (string, error) {
	ctx := context.Background()
	admin = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(AdminDSN())))
	admin.SetMaxOpenConns(4)
	name := "parley_tpl_" + migrationsHash()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", redact(AdminDSN()), err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", templateLockKey) }() // closing conn ends the lock anyway
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	return name, buildTemplate(ctx, conn, name)
}

func buildTemplate(ctx context.Context, conn *sql.Conn, name string) error {
	building := name + "_building"
	if err := dropStale(ctx, conn, building); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return err
	}
	bdb, err := db.Open(ctx, withDatabase(AdminDSN(), building))
	if err != nil {
		return err
	}
	err = db.Migrate(ctx, bdb, "up", io.Discard)
	bdb.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name))
	return err
}

// dropStale removes a half-built template left by a run that died. Templates of other
// migration sets stay: another checkout may be testing with them right now.
func dropStale(ctx context.Context, conn *sql.Conn, building string) error {
	_, err := conn.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
	return err
}

func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(db.MigrationFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(db.MigrationFiles(), path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the test database server"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
