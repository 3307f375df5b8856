package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// initCluster runs initdb on an empty dataDir and leaves an initialised one alone.
func initCluster(ctx context.Context, bin, dataDir string, r *runAs, logger *slog.Logger) error {
	_, err := os.Stat(filepath.Join(dataDir, "PG_VERSION"))
	if err == nil {
		logger.Info("reusing PostgreSQL data folder", "data_dir", dataDir)
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgembed: data folder: %w", err)
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return fmt.Errorf("pgembed: data folder: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("pgembed: %s is neither empty nor a PostgreSQL data folder; not touching it", dataDir)
	}
	logger.Info("creating PostgreSQL data folder", "data_dir", dataDir)
	err = initdb(ctx, bin, dataDir, r, "--locale=C.UTF-8")
	if err == nil {
		return nil
	}
	// C.UTF-8 is missing on some systems (older glibc, musl); the C locale always exists.
	logger.Warn("initdb with locale C.UTF-8 failed, trying without a locale", "err", err)
	if err := emptyDir(dataDir); err != nil {
		return err
	}
	return initdb(ctx, bin, dataDir, r, "--no-locale")
}

func initdb(ctx context.Context, bin, dataDir string, r *runAs, locale string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dataDir,
		"-U", "postgres", "--auth=trust", "-E", "UTF8", locale)
	cmd.Dir = "/" // our own working folder may be closed to the postgres OS user
	cmd.SysProcAttr = r.sysProcAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgembed: initdb %s: %w\n%s", locale, err, lastLines(string(out), 10))
	}
	return nil
}

// emptyDir removes what a failed initdb left, keeping the folder and its owner.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pgembed: clean data folder: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("pgembed: clean data folder: %w", err)
		}
	}
	return nil
}

// removeStalePidFile deletes a postmaster.pid left by a server that crashed or was killed, and
// refuses to start a second server on a data folder whose server still runs.
func removeStalePidFile(dataDir string, logger *slog.Logger) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgembed: read %s: %w", path, err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	if pid > 0 && postgresRunning(pid) {
		return fmt.Errorf("pgembed: a PostgreSQL server (pid %d) already runs on %s; stop it first (kill -INT %d)", pid, dataDir, pid)
	}
	logger.Warn("removing postmaster.pid of a server that no longer runs", "pid", pid, "file", path)
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("pgembed: remove stale pid file: %w", err)
	}
	return nil
}

// postgresRunning reports whether pid is a live postgres process. The name matters: after a
// reboot or in a new container the pid of a crashed server often belongs to something else.
func postgresRunning(pid int) bool {
	// EPERM means the process exists but belongs to another user.
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true // no /proc to ask (not Linux): trust kill
	}
	return strings.TrimSpace(string(comm)) == "postgres"
}
