package db

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// Sends take no deployment-wide lock, so ids may commit out of order: message 7 can become
// visible after message 8. Live readers that keep a position (the hub, the replay of an
// `after` cursor) therefore read only up to a horizon below which every id is final. See
// migration 20261130000010_id_horizon and the README ("How it works across replicas").

// IDMark is how many message, notification and message-change ids had been taken at one
// moment, and Bound: every transaction that could still hold one of them has an xid below it.
type IDMark struct {
	Messages      int64
	Notifications int64
	Changes       int64 // message_events (MessageChange)
	Bound         int64
}

// Covers reports whether every id of o is within m.
func (m IDMark) Covers(o IDMark) bool {
	return m.Messages >= o.Messages && m.Notifications >= o.Notifications && m.Changes >= o.Changes
}

// MarkIDs takes a mark now, and reports the oldest xid of this database's running
// transactions (MaxInt64 when none): every mark whose Bound is at or below it is final.
func (s *Store) MarkIDs(ctx context.Context) (mark IDMark, oldest int64, err error) {
	var lo, hi sql.NullInt64
	err = s.DB.QueryRowContext(ctx, "SELECT messages, notifications, changes, oldest, newest FROM parley_id_mark()").
		Scan(&mark.Messages, &mark.Notifications, &mark.Changes, &lo, &hi)
	if err != nil {
		return IDMark{}, 0, fmt.Errorf("mark ids: %w", err)
	}
	if !lo.Valid {
		return mark, math.MaxInt64, nil
	}
	mark.Bound = hi.Int64 + 1
	return mark, lo.Int64, nil
}
