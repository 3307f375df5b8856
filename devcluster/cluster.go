// Package devcluster starts Parley's multi-replica topology on one machine, for development:
// a one-shot migration, N `parley serve` processes on local ports against one database, and a
// load balancer in front (this package's Balancer, run by the same binary). `parley dev
// cluster up|down|status` drives it; it records what it started in a state file so that `down`
// stops exactly that. It runs the parley binary as child processes and imports nothing of
// Parley's; the production path never calls it.
package devcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options say what to start.
type Options struct {
	Binary      string   // the parley binary (os.Executable)
	Dir         string   // state file and logs
	Replicas    int      // how many `parley serve`
	Port        int      // the balancer's port; replicas take the next ones (0: free ports for all)
	DatabaseURL string   // shared by every replica
	Env         []string // the replicas' environment (the caller's, with the shared secret)
}

// Process is one started process.
type Process struct {
	Name  string `json:"name"`
	PID   int    `json:"pid"`
	Addr  string `json:"addr"`
	Admin string `json:"admin,omitempty"` // the replica's admin listener (metrics, probes)
	Log   string `json:"log"`
}

// State is what `up` started, kept in Dir/state.json.
type State struct {
	URL       string    `json:"url"`
	Balancer  Process   `json:"balancer"`
	Replicas  []Process `json:"replicas"`
	StartedAt time.Time `json:"started_at"`
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

// ReadState reads the state of the cluster in dir; os.ErrNotExist when none is up.
func ReadState(dir string) (*State, error) {
	b, err := os.ReadFile(statePath(dir))
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	return &s, nil
}

// Up migrates the database once, starts the replicas and the balancer, waits until each is
// ready, and records them. On any failure it stops what it started.
func Up(ctx context.Context, o Options) (st *State, err error) {
	if s, err := ReadState(o.Dir); err == nil && s.anyRunning() {
		return nil, fmt.Errorf("a cluster is already up (%s): stop it with `parley dev cluster down`", s.URL)
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, err
	}
	env := slices.Concat(o.Env, []string{"DATABASE_URL=" + o.DatabaseURL})
	if err := runOnce(ctx, o.Binary, env, filepath.Join(o.Dir, "migrate.log"), "migrate", "up"); err != nil {
		return nil, err
	}
	st = &State{StartedAt: time.Now().UTC()}
	defer func() {
		if err != nil {
			st.stop()
		}
	}()
	ports, err := choosePorts(o.Port, 2*o.Replicas+1)
	if err != nil {
		return nil, err
	}
	var backends []string
	for i := range o.Replicas {
		p := Process{Name: fmt.Sprintf("replica-%d", i+1), Addr: addr(ports[1+i]), Admin: addr(ports[1+o.Replicas+i])}
		p.Log = filepath.Join(o.Dir, p.Name+".log")
		replicaEnv := slices.Concat(env, []string{"PARLEY_ADDR=" + p.Addr, "PARLEY_ADMIN_ADDR=" + p.Admin, "PARLEY_TRUSTED_PROXIES=127.0.0.1"})
		if p.PID, err = startDetached(o.Binary, replicaEnv, p.Log, "serve", "--migrate=false"); err != nil {
			return st, err
		}
		st.Replicas = append(st.Replicas, p)
		backends = append(backends, p.Addr)
	}
	lb := Process{Name: "balancer", Addr: addr(ports[0]), Log: filepath.Join(o.Dir, "balancer.log")}
	if lb.PID, err = startDetached(o.Binary, o.Env, lb.Log, "dev", "balance", "--listen", lb.Addr, "--backends", strings.Join(backends, ",")); err != nil {
		return st, err
	}
	st.Balancer, st.URL = lb, "http://"+lb.Addr
	for _, p := range append(slices.Clone(st.Replicas), lb) {
		if err := waitReady(ctx, p); err != nil {
			return st, err
		}
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return st, os.WriteFile(statePath(o.Dir), b, 0o640)
}

// Down stops the cluster recorded in dir and removes its state; nothing up is no error.
func Down(dir string) error {
	s, err := ReadState(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	s.stop()
	return os.Remove(statePath(dir))
}

// stop ends the balancer first (no new requests), then the replicas: SIGTERM, which lets
// requests in flight finish, and SIGKILL for one still there after 40 s.
func (s *State) stop() {
	procs := append([]Process{s.Balancer}, s.Replicas...)
	for _, p := range procs {
		if p.PID > 0 && Running(p.PID) {
			_ = syscall.Kill(p.PID, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(40 * time.Second)
	for _, p := range procs {
		for p.PID > 0 && Running(p.PID) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(p.PID, syscall.SIGKILL)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (s *State) anyRunning() bool {
	for _, p := range append([]Process{s.Balancer}, s.Replicas...) {
		if p.PID > 0 && Running(p.PID) {
			return true
		}
	}
	return false
}

// Running tells whether pid is a live process (a zombie, which waits only for its parent to
// read its exit, is not).
func Running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) // no /proc (macOS): trust the signal
	}
	_, after, _ := bytes.Cut(b, []byte(") "))
	return len(after) == 0 || after[0] != 'Z'
}

// runOnce runs the binary to completion (the one-shot migration), its output in logPath.
func runOnce(ctx context.Context, bin string, env []string, logPath string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(logPath, out, 0o640)
	if err != nil {
		return fmt.Errorf("parley %s: %w\n%s", strings.Join(args, " "), err, tail(out))
	}
	return nil
}

// startDetached starts the binary in a session of its own, so it outlives `up`; its output
// goes to logPath.
func startDetached(bin string, env []string, logPath string, args ...string) (int, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	return pid, cmd.Process.Release()
}

// waitReady waits for the process's /readyz to answer 200 (a minute at most).
func waitReady(ctx context.Context, p Process) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.Addr+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !Running(p.PID) {
			b, _ := os.ReadFile(p.Log)
			return fmt.Errorf("%s exited:\n%s", p.Name, tail(b))
		}
		select {
		case <-ctx.Done():
			b, _ := os.ReadFile(p.Log)
			return fmt.Errorf("%s not ready at %s within a minute:\n%s", p.Name, p.Addr, tail(b))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// choosePorts gives n ports: base, base+1, ... when base is set, else free ones.
func choosePorts(base, n int) ([]int, error) {
	ports := make([]int, n)
	for i := range ports {
		if base > 0 {
			ports[i] = base + i
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close() // held until all are chosen, so none repeats
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

func addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// tail is the last lines of a log, for an error message.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}
