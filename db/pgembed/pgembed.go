// Package pgembed starts and stops a private PostgreSQL server for development, so that parley
// runs on a machine that has PostgreSQL installed but no server configured for it.
// It imports nothing of Parley's; server starts it when no database is configured.
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyTimeout bounds the wait for a freshly started server to accept connections.
const readyTimeout = 30 * time.Second

// errPortTaken means another program bound our port between freePort and postgres.
var errPortTaken = errors.New("port taken before the server could bind it")

// Server is a running private PostgreSQL server.
type Server struct {
	DSN     string // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
	DataDir string // the cluster's data folder (PGDATA)
	LogFile string // the server's own log, inside DataDir
	Port    int

	logger   *slog.Logger
	cmd      *exec.Cmd
	logStart int64         // size of LogFile when this server started: its own lines come after
	exited   chan struct{} // closed once the process has exited
	waitErr  error         // the process's exit status, set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Start runs (or reuses an already-initialised data folder under dir and starts) a PostgreSQL
// server listening only on 127.0.0.1 on a free port, and returns it once it accepts connections.
// The DSN is of the form postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable.
//
// The server is a child process in our process group, so a Ctrl-C in the terminal stops it too
// instead of leaving it orphaned on the data folder.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.Default()
	}
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := lookupRunAs()
	if err != nil {
		return nil, err
	}
	dataDir, err := placeDataDir(dir, owner, logger)
	if err != nil {
		return nil, err
	}
	if err := initCluster(ctx, bin, dataDir, owner, logger); err != nil {
		return nil, err
	}
	if err := removeStalePidFile(dataDir, logger); err != nil {
		return nil, err
	}
	return startServer(ctx, bin, dataDir, owner, logger)
}

// startServer launches postgres on a free port, trying another port if one is stolen from under us.
func startServer(ctx context.Context, bin, dataDir string, owner *runAs, logger *slog.Logger) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := launch(bin, dataDir, port, owner, logger)
		if err != nil {
			return nil, err
		}
		err = s.waitReady(ctx)
		if err == nil {
			logger.Info("private PostgreSQL is ready", "dsn", s.DSN, "data_dir", s.DataDir, "log", s.LogFile)
			return s, nil
		}
		_ = s.Stop() // the startup error is the one worth reporting
		if attempt < 3 && errors.Is(err, errPortTaken) {
			continue
		}
		return nil, err
	}
}

// freePort asks the kernel for a free port. Someone else may take it before postgres binds it;
// startServer then tries again.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgembed: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts postgres in the background with its output appended to a log in the data folder.
func launch(bin, dataDir string, port int, owner *runAs, logger *slog.Logger) (*Server, error) {
	logPath := filepath.Join(dataDir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("pgembed: open server log: %w", err)
	}
	defer logFile.Close() // the child keeps its own copy of the descriptor
	info, err := logFile.Stat()
	if err != nil {
		return nil, fmt.Errorf("pgembed: open server log: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", dataDir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		// No Unix socket at all: clients use TCP, and a socket folder would need its own
		// ownership, cleanup after crashes and a path short enough for the kernel.
		"-c", "unix_socket_directories=")
	cmd.Dir = "/" // our own working folder may be closed to the postgres OS user
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = owner.sysProcAttr()
	logger.Info("starting private PostgreSQL", "bin", bin, "data_dir", dataDir, "port", port, "log", logPath)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgembed: start postgres: %w", err)
	}
	s := &Server{
		DSN:      fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		DataDir:  dataDir,
		LogFile:  logPath,
		Port:     port,
		logger:   logger,
		cmd:      cmd,
		logStart: info.Size(),
		exited:   make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// waitReady polls the server until it is ready for queries, it exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := probe(ctx, s.Port)
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return s.exitError()
		case <-ctx.Done():
			return fmt.Errorf("pgembed: server on port %d not ready (last answer: %w), see %s: %w", s.Port, err, s.LogFile, ctx.Err())
		case <-tick.C:
		}
	}
}

// exitError explains an exit during startup with the server's own last words.
func (s *Server) exitError() error {
	tail := s.logTail()
	err := fmt.Errorf("pgembed: postgres exited during startup (%w); last lines of %s:\n%s", s.waitErr, s.LogFile, tail)
	if strings.Contains(tail, "could not bind") {
		return fmt.Errorf("%w: %w", errPortTaken, err)
	}
	return err
}

// logTail returns the last lines this server wrote to its log.
func (s *Server) logTail() string {
	f, err := os.Open(s.LogFile)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	const maxTail = 4096
	start := s.logStart
	if info, err := f.Stat(); err == nil && info.Size()-start > maxTail {
		start = info.Size() - maxTail
	}
	b, err := io.ReadAll(io.NewSectionReader(f, start, maxTail))
	if err != nil {
		return err.Error()
	}
	return lastLines(string(b), 10)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop shuts the server down (fast shutdown) and waits for it. Calling it again returns the
// first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("pgembed: server had already exited: %w", s.waitErr)
		}
		return nil
	default:
	}
	// SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.
	// If that hangs, SIGQUIT exits at once (crash recovery on the next start), then SIGKILL.
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, 60 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}}
	for i, step := range steps {
		if err := s.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pgembed: stop server: %w", err)
		}
		select {
		case <-s.exited:
			if i > 0 {
				return fmt.Errorf("pgembed: server ignored fast shutdown and was stopped with %v", step.sig)
			}
			s.logger.Info("stopped private PostgreSQL", "data_dir", s.DataDir)
			return nil
		case <-time.After(step.wait):
		}
	}
	return fmt.Errorf("pgembed: server (pid %d) did not exit", s.cmd.Process.Pid)
}
