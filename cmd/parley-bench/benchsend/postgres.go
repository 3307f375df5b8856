package benchsend

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// counters are the bench database's work as PostgreSQL counts it.
type counters struct {
	Statements          float64 // pg_stat_statements calls, when it is loaded
	Xacts               float64 // transactions committed and rolled back
	Written, Read       float64 // rows inserted, updated and deleted; rows fetched and returned
	FromStatementsTable bool
}

// stats reads the counters through an admin connection (to another database, so that
// reading does not count).
type stats struct {
	admin   *sql.DB
	scratch *sql.DB // only when pg_stat_statements works there
	name    string
}

// useStatements creates pg_stat_statements in the bench database and reports whether it
// answers: it needs shared_preload_libraries, which this benchmark does not change.
func (s *stats) useStatements(ctx context.Context, scratch *sql.DB) error {
	if _, err := scratch.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return err
	}
	if _, err := scratch.ExecContext(ctx, "SELECT 1 FROM pg_stat_statements LIMIT 1"); err != nil {
		return err
	}
	s.scratch = scratch
	return nil
}

func (s *stats) close() {
	if s.scratch != nil {
		s.scratch.Close()
	}
}

func (s *stats) read(ctx context.Context) (counters, error) {
	var c counters
	err := s.admin.QueryRowContext(ctx, `SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted,
		tup_fetched + tup_returned FROM pg_stat_database WHERE datname = $1`, s.name).Scan(&c.Xacts, &c.Written, &c.Read)
	if err != nil || s.scratch == nil {
		return c, err
	}
	c.FromStatementsTable = true
	err = s.scratch.QueryRowContext(ctx, `SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND query NOT LIKE '%pg_stat_statements%'`, s.name).Scan(&c.Statements)
	return c, err
}

func (c counters) minus(o counters) counters {
	return counters{Statements: c.Statements - o.Statements, Xacts: c.Xacts - o.Xacts, Written: c.Written - o.Written,
		Read: c.Read - o.Read, FromStatementsTable: c.FromStatementsTable}
}

// backendCPU samples the CPU time of the bench database's backends from /proc every 100 ms:
// a backend's time after its last sample before it exits is lost.
type backendCPU struct {
	name string
	mu   sync.Mutex
	pids map[int]*[2]float64 // first seen (0 for backends started since reset) and last
	// others are processes that are not PostgreSQL's: skipped, since the sampler's own CPU
	// time counts as Parley's.
	others map[int]bool
}

func watchBackends(ctx context.Context, name string) *backendCPU {
	b := &backendCPU{name: name, pids: map[int]*[2]float64{}, others: map[int]bool{}}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				b.sample()
			}
		}
	}()
	return b
}

func (b *backendCPU) sample() {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, dir := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(dir))
		if b.others[pid] {
			continue
		}
		cpu, ok := b.backendTime(dir, pid)
		if !ok {
			continue
		}
		if p := b.pids[pid]; p != nil {
			p[1] = cpu
		} else {
			b.pids[pid] = &[2]float64{0, cpu}
		}
	}
}

// backendTime is the user and system seconds of a backend of the bench database.
func (b *backendCPU) backendTime(dir string, pid int) (float64, bool) {
	comm, err := os.ReadFile(dir + "/comm") // a backend is "postgres" from its fork; its title comes later
	if err == nil && string(comm) != "postgres\n" {
		b.others[pid] = true
		return 0, false
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	f := strings.Fields(strings.ReplaceAll(string(cmdline), "\x00", " "))
	// "postgres: [cluster name: ]user database host(port) activity"
	if err != nil || len(f) < 4 || f[0] != "postgres:" || (f[2] != b.name && f[3] != b.name) {
		return 0, false
	}
	stat, err := os.ReadFile(dir + "/stat")
	i := strings.LastIndexByte(string(stat), ')')
	if err != nil || i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(stat[i+1:])) // fields 3 on: utime is field 14, stime 15
	if len(fields) < 13 {
		return 0, false
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100, true // USER_HZ
}

// reset starts a new measurement from the backends' present times.
func (b *backendCPU) reset() {
	b.sample()
	b.mu.Lock()
	defer b.mu.Unlock()
	for pid, p := range b.pids {
		p[0] = p[1]
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			delete(b.pids, pid)
		}
	}
}

// seconds is the backends' CPU time since reset.
func (b *backendCPU) seconds() float64 {
	b.sample()
	b.mu.Lock()
	defer b.mu.Unlock()
	var s float64
	for _, p := range b.pids {
		s += p[1] - p[0]
	}
	return s
}

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
var txLine = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)

// pgbench inserts rows shaped like the sends' into messages, each client picking one of the
// threads at random per transaction (one script per thread), and returns tps and rows.
func pgbench(ctx context.Context, dsn string, targets []target, clients int, d time.Duration) (tps float64, rows int, err error) {
	dir, err := os.MkdirTemp("", "parley-bench-send-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	args := []string{"-n", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(clients), "-T", strconv.Itoa(int(d.Seconds()))}
	for i, tg := range targets {
		script := fmt.Sprintf(`\set k random(0, 999999)
INSERT INTO messages (conversation_id, sender_party_id, sender_user_id, sender_role, type, body)
VALUES (%s, '%s', '%s', 'car_owner', 'text', 'bench send ' || :client_id || ' ' || :k || ' ' || (extract(epoch from clock_timestamp()) * 1e9)::bigint);
`, tg.Row, tg.UserID, tg.UserID) // a car owner's party is their user id
		path := filepath.Join(dir, fmt.Sprintf("thread%d.sql", i))
		if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
			return 0, 0, err
		}
		args = append(args, "-f", path+"@1")
	}
	out, err := exec.CommandContext(ctx, "pgbench", append(args, dsn)...).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m, n := tpsLine.FindSubmatch(out), txLine.FindSubmatch(out)
	if m == nil || n == nil {
		return 0, 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	tps, _ = strconv.ParseFloat(string(m[1]), 64)
	rows, _ = strconv.Atoi(string(n[1]))
	return tps, rows, nil
}
