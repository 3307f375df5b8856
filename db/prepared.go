package db

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// prepared is a statement kept prepared on each connection that runs it (SQL PREPARE once per
// connection, then EXECUTE by name), so PostgreSQL parses and plans it once per connection
// instead of on every request: for a statement of a few joins the planning costs more than
// running it. The EXECUTE goes through bun like any statement (hooks, formatting of the
// arguments); the PREPARE is the connection's setup, sent on the bare connection.
type prepared struct {
	name   string        // unique among the package's prepared statements
	params string        // the parameters' types, "bigint[], text"
	body   func() string // the statement, with $1.. for the parameters

	exec atomic.Pointer[executeText] // the last EXECUTE text made, kept for the next call
}

// executeText is "EXECUTE name(?, ?, ...)" for n arguments.
type executeText struct {
	n    int
	text string
}

// execute is the EXECUTE statement of p for nargs arguments, made once and then reused.
func (p *prepared) execute(nargs int) string {
	if e := p.exec.Load(); e != nil && e.n == nargs {
		return e.text
	}
	e := &executeText{n: nargs, text: "EXECUTE " + p.name + "(" + placeholders(nargs) + ")"}
	p.exec.Store(e)
	return e.text
}

// preparedOn records, per driver connection, the statements prepared on it. An entry goes
// when its connection is collected.
var preparedOn = struct {
	sync.Mutex
	m map[uintptr]map[string]bool
}{m: map[uintptr]map[string]bool{}}

// scanPrepared runs p with args on one connection and scans the rows into dest (onPrepared).
func (s *Store) scanPrepared(ctx context.Context, p *prepared, dest any, args ...any) error {
	return onPrepared(ctx, s.DB, p, len(args), func(conn bun.Conn, exec string) error {
		return conn.NewRaw(exec, args...).Scan(ctx, dest)
	})
}

// onPrepared runs run (which EXECUTEs exec) with p prepared on one of bdb's connections,
// preparing it there first if the connection has not. A connection that lost it anyway
// (DEALLOCATE, a pooler's reset: 26000), or holds it from before a migration changed a table
// it reads or a function it calls (0A000, "cached plan must not change result type"),
// prepares it again and runs once more.
func onPrepared(ctx context.Context, bdb *bun.DB, p *prepared, nargs int, run func(conn bun.Conn, exec string) error) error {
	conn, err := bdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := p.execute(nargs)
	for force := false; ; force = true {
		if err := prepareOn(ctx, conn.Conn, p, force); err != nil {
			return err
		}
		err := run(conn, exec)
		switch code := pgCode(err); {
		case force || (code != "26000" && code != "0A000"):
			return err
		case code == "0A000":
			if _, err := conn.Conn.ExecContext(ctx, "DEALLOCATE "+p.name); err != nil {
				return err
			}
		}
	}
}

// prepareOn prepares p on conn unless it is recorded as done (or again, when forced).
func prepareOn(ctx context.Context, conn *sql.Conn, p *prepared, force bool) error {
	var key uintptr
	var cn *pgdriver.Conn
	if err := conn.Raw(func(dc any) error {
		cn, _ = dc.(*pgdriver.Conn)
		return nil
	}); err != nil || cn == nil {
		return errors.Join(err, errors.New("prepared statements need pgdriver"))
	}
	key = uintptr(unsafePointer(cn))
	preparedOn.Lock()
	done := preparedOn.m[key][p.name]
	preparedOn.Unlock()
	if done && !force {
		return nil
	}
	_, err := conn.ExecContext(ctx, "PREPARE "+p.name+" ("+p.params+") AS "+p.body())
	if err != nil && pgCode(err) != "42P05" { // 42P05: already prepared (a recycled address)
		return err
	}
	preparedOn.Lock()
	defer preparedOn.Unlock()
	if preparedOn.m[key] == nil {
		preparedOn.m[key] = map[string]bool{}
		runtime.AddCleanup(cn, func(k uintptr) {
			preparedOn.Lock()
			delete(preparedOn.m, k)
			preparedOn.Unlock()
		}, key)
	}
	preparedOn.m[key][p.name] = true
	return nil
}

func pgCode(err error) string {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return pgErr.Field('C')
	}
	return ""
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// dollar is "$n", for the bodies of prepared statements.
func dollar(n int) string { return "$" + strconv.Itoa(n) }

func unsafePointer(cn *pgdriver.Conn) unsafe.Pointer { return unsafe.Pointer(cn) }
