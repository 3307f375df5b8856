package db

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/uptrace/bun/schema"
)

// eachRow is a bun scan destination that scans every row of a statement into one reused T
// and hands it to each, which copies out the parts it keeps: bun's slice scanning allocates a
// whole T per row, and an inbox row's T holds every kind's columns, most of them absent. Column
// values go through bun's own field scanners, so they read exactly as bun reads them. each
// must not keep the *T it is given.
type eachRow[T any] struct {
	table *schema.Table // T's, from the DB the statement runs on
	each  func(*T)
}

func (m eachRow[T]) Value() any { return nil }

func (m eachRow[T]) ScanRows(_ context.Context, rows *sql.Rows) (int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	pool := rowStatePool[T]()
	st := pool.Get().(*rowState[T])
	defer func() { st.row = *new(T); pool.Put(st) }() // keep no row's values alive
	if err := st.bind(m.table, cols); err != nil {
		return 0, err
	}
	var zero T
	n := 0
	for rows.Next() {
		st.row = zero
		if err := rows.Scan(st.dest...); err != nil {
			return 0, err
		}
		m.each(&st.row)
		n++
	}
	return n, rows.Err()
}

// rowState is one reusable row and the scan destinations of its columns, kept in a pool per T
// so a statement's scan allocates nothing of its own once warm.
type rowState[T any] struct {
	row   T
	strct reflect.Value // row, addressable
	names []string      // the columns dest is bound to
	cols  []columnScan
	dest  []any
}

// bind points dest at the fields named by cols, unless it already does.
func (st *rowState[T]) bind(table *schema.Table, cols []string) error {
	if slices.Equal(st.names, cols) {
		return nil
	}
	if !st.strct.IsValid() {
		st.strct = reflect.ValueOf(&st.row).Elem()
	}
	st.cols = make([]columnScan, len(cols))
	st.dest = make([]any, len(cols))
	for i, c := range cols {
		f := table.LookupField(c)
		if f == nil {
			st.names = nil
			return fmt.Errorf("bun: %s does not have column %q", table.TypeName, c)
		}
		st.cols[i] = columnScan{f: f, strct: st.strct}
		st.dest[i] = &st.cols[i]
	}
	st.names = append(st.names[:0], cols...)
	return nil
}

// columnScan scans one column into its field of the row, as bun's struct model does.
type columnScan struct {
	f     *schema.Field
	strct reflect.Value
}

func (c *columnScan) Scan(src any) error { return c.f.ScanValue(c.strct, src) }

var rowStatePools sync.Map // reflect.Type of T -> *sync.Pool of *rowState[T]

func rowStatePool[T any]() *sync.Pool {
	t := reflect.TypeFor[T]()
	if p, ok := rowStatePools.Load(t); ok {
		return p.(*sync.Pool)
	}
	p, _ := rowStatePools.LoadOrStore(t, &sync.Pool{New: func() any { return new(rowState[T]) }})
	return p.(*sync.Pool)
}
