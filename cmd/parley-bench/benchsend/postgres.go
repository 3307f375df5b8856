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

// awaitPgbenchGone waits until pgbench's backends have left the bench database: they publish
// their counters as they exit, which can be after pgbench itself has exited on a busy machine.
func (s *stats) awaitPgbenchGone(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		var n int
		err := s.admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = $1 AND application_name = 'pgbench'`, s.name).Scan(&n)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgbench's connections did not close: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (c counters) minus(o counters) counters {
	return counters{Statements: c.Statements - o.Statements, Xacts: c.Xacts - o.Xacts, Written: c.Written - o.Written,
		Read: c.Read - o.Read, FromStatementsTable: c.FromStatementsTable}
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
	scripts, err := pgbenchScripts(targets)
	if err != nil {
		return 0, 0, err
	}
	for i, script := range scripts {
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

// pgbenchInsert is the insert of one send's row; %[1]s is the thread, %[2]s its car owner (a
// car owner's party is their user id).
const pgbenchInsert = `\set k random(0, 999999)
%[3]sINSERT INTO messages (conversation_id, sender_party_id, sender_user_id, sender_role, type, body)
VALUES (%[1]s, %[2]s, %[2]s, 'car_owner', 'text', 'bench send ' || :client_id || ' ' || :k || ' ' || (extract(epoch from clock_timestamp()) * 1e9)::bigint);
`

// pgbenchScripts is one script per thread, which pgbench picks among at random, or, for more
// threads than pgbench takes scripts (128), one script that picks the thread itself: the set
// up makes threads with consecutive keys in the order of their owners.
func pgbenchScripts(targets []target) ([]string, error) {
	if len(targets) <= 128 {
		scripts := make([]string, len(targets))
		for i, tg := range targets {
			scripts[i] = fmt.Sprintf(pgbenchInsert, tg.Row, "'"+tg.UserID+"'", "")
		}
		return scripts, nil
	}
	first, err := strconv.ParseInt(targets[0].Row, 10, 64)
	if err != nil {
		return nil, err
	}
	for i, tg := range targets {
		if tg.Row != strconv.FormatInt(first+int64(i), 10) || tg.UserID != ownerID(i) {
			return nil, fmt.Errorf("bench threads are not consecutive (%s at %d): pgbench cannot pick among them", tg.Row, i)
		}
	}
	pick := fmt.Sprintf("\\set t random(0, %d)\n", len(targets)-1)
	return []string{fmt.Sprintf(pgbenchInsert, fmt.Sprintf("%d + :t", first), "'"+ownerPrefix+"' || :t", pick)}, nil
}
