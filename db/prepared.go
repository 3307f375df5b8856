package db

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"
)

// prepared is a statement kept prepared on each connection that runs it (SQL PREPARE, then
// EXECUTE by name), so PostgreSQL parses and plans it once per connection instead of on every
// request: for a statement of several joins the planning costs more than running it. It goes
// through bun like any statement (hooks, formatting of the arguments); only its text is sent
// once per connection.
type prepared struct {
	name   string        // unique among the package's prepared statements
	params string        // the parameters' types, "bigint[], text"
	body   func() string // the statement, with $1.. for the parameters
}

// scanPrepared runs p with args on one connection and scans the rows into dest. A connection
// that has not prepared p yet (a new one, or one PostgreSQL discarded) answers 26000; it is
// prepared there and run again.
func (s *Store) scanPrepared(ctx context.Context, p *prepared, dest any, args ...any) error {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := "EXECUTE " + p.name + "(" + placeholders(len(args)) + ")"
	err = conn.NewRaw(exec, args...).Scan(ctx, dest)
	var pgErr pgdriver.Error
	if !errors.As(err, &pgErr) || pgErr.Field('C') != "26000" {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PREPARE "+p.name+" ("+p.params+") AS "+p.body()); err != nil {
		return err
	}
	return conn.NewRaw(exec, args...).Scan(ctx, dest)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// dollar is "$n", for the bodies of prepared statements.
func dollar(n int) string { return "$" + strconv.Itoa(n) }
