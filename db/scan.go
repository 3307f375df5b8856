package db

import (
	"context"
	"unsafe"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// scanSelect runs q as q.Scan(ctx, dest...) does, without the 4 KiB buffer bun allocates for
// the text of every statement: the read paths' statements are a few hundred bytes, and those
// buffers were a sixth of an inbox page's garbage. The built text goes to a raw query with no
// arguments, which bun sends as it is (it formats only when there are arguments).
func scanSelect(ctx context.Context, idb bun.IDB, q *bun.SelectQuery, dest ...any) error {
	b, err := q.AppendQuery(schema.NewFormatter(idb.Dialect()), make([]byte, 0, 1024))
	if err != nil {
		return err
	}
	return idb.NewRaw(unsafe.String(unsafe.SliceData(b), len(b))).Scan(ctx, dest...)
}
