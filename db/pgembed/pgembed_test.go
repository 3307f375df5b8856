package pgembed

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// TestStartStopReuse runs a real server twice on one folder: the second start must find the
// data of the first, and Stop must leave nothing listening.
func TestStartStopReuse(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	dir := t.TempDir()

	first := start(ctx, t, dir, logger)
	if _, err := Start(ctx, dir, logger); err == nil || !strings.Contains(err.Error(), "already runs") {
		t.Fatalf("second server on a busy data folder: got %v, want an 'already runs' error", err)
	}
	db := open(t, first.DSN)
	mustExec(ctx, t, db, "SELECT 1")
	mustExec(ctx, t, db, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the first run')")
	db.Close()
	stop(t, first)
	version := modTime(t, filepath.Join(first.DataDir, "PG_VERSION"))

	// A crashed run leaves postmaster.pid behind; its pid no longer runs.
	writeStalePidFile(t, first.DataDir)

	second := start(ctx, t, dir, logger)
	if second.DataDir != first.DataDir {
		t.Fatalf("second start used %s, first used %s", second.DataDir, first.DataDir)
	}
	if got := modTime(t, filepath.Join(second.DataDir, "PG_VERSION")); !got.Equal(version) {
		t.Fatalf("PG_VERSION rewritten (%v, was %v): initdb ran again", got, version)
	}
	db = open(t, second.DSN)
	var note string
	if err := db.QueryRowContext(ctx, "SELECT note FROM kept").Scan(&note); err != nil {
		t.Fatalf("data of the first run: %v", err)
	}
	db.Close()
	stop(t, second)
}

func start(ctx context.Context, t *testing.T, dir string, logger *slog.Logger) *Server {
	t.Helper()
	s, err := Start(ctx, dir, logger)
	if errors.Is(err, ErrNoPostgres) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Stop()
		// As root the cluster may live outside dir (see placeDataDir); t.TempDir cleans only dir.
		if !strings.HasPrefix(s.DataDir, dir) {
			_ = os.RemoveAll(s.DataDir)
		}
	})
	want := "postgres://postgres@127.0.0.1:" + strconv.Itoa(s.Port) + "/postgres?sslmode=disable"
	if s.DSN != want || s.Port == 5432 {
		t.Fatalf("DSN %q on port %d, want %q on a port other than 5432", s.DSN, s.Port, want)
	}
	return s
}

// stop stops s and checks the process, its port and its pid file are gone.
func stop(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	default:
		t.Fatal("Stop returned while the server process still runs")
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.Port), time.Second); err == nil {
		conn.Close()
		t.Fatalf("port %d still accepts connections after Stop", s.Port)
	}
	if _, err := os.Stat(filepath.Join(s.DataDir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("postmaster.pid after Stop: %v", err)
	}
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(ctx context.Context, t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(ctx, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ModTime()
}

// writeStalePidFile writes a postmaster.pid naming a process that has exited.
func writeStalePidFile(t *testing.T, dataDir string) {
	t.Helper()
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(done.ProcessState.Pid())
	if err := os.WriteFile(filepath.Join(dataDir, "postmaster.pid"), []byte(pid+"\n"+dataDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveStalePidFile(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	tests := []struct {
		name string
		pid  int
	}{
		{"process gone", deadPid(t)},
		{"pid reused by another program", os.Getpid()},
		{"garbage", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "postmaster.pid")
			if err := os.WriteFile(path, []byte(strconv.Itoa(tt.pid)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := removeStalePidFile(dir, logger); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("pid file still there: %v", err)
			}
		})
	}
}

func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.Pid()
}

func TestVersionedBinDirs(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "13"} {
		if err := os.MkdirAll(filepath.Join(root, v, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, dir := range versionedBinDirs(filepath.Join(root, "*", "bin")) {
		got = append(got, filepath.Base(filepath.Dir(dir)))
	}
	if want := []string{"15", "13", "9.6"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
