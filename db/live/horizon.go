package live

import (
	"context"
	"time"

	"github.com/parley/parley/db"
)

// horizon tracks which message and notification ids are final (db/horizon.go): safe is the
// newest mark known final, pending the marks taken since, oldest first.
type horizon struct {
	safe    db.IDMark
	pending []db.IDMark
	recheck <-chan time.Time // set while marks are pending
	backoff time.Duration
}

const (
	minRecheck = 2 * time.Millisecond
	maxRecheck = time.Second
)

// advance takes a mark and makes final every pending mark no running transaction could
// still add an id to.
func (z *horizon) advance(ctx context.Context, store *db.Store) (db.IDMark, error) {
	mark, oldest, err := store.MarkIDs(ctx)
	if err != nil {
		return mark, err
	}
	last := z.safe
	if n := len(z.pending); n > 0 {
		last = z.pending[n-1]
	}
	if !last.Covers(mark) {
		z.pending = append(z.pending, mark)
	}
	i := 0
	for ; i < len(z.pending) && z.pending[i].Bound <= oldest; i++ {
		z.safe = z.pending[i]
	}
	z.pending = z.pending[i:]
	return mark, nil
}

// scheduleRecheck asks for another look soon while ids wait for their transactions, backing
// off up to a second, so a quiet hub does not poll.
func (z *horizon) scheduleRecheck() {
	if len(z.pending) == 0 {
		z.backoff = 0
		return
	}
	if z.recheck != nil {
		return
	}
	z.backoff = min(max(2*z.backoff, minRecheck), maxRecheck)
	z.recheck = time.After(z.backoff)
}

// settleNow waits until every id taken before the call is final.
func (z *horizon) settleNow(ctx context.Context, store *db.Store) error {
	mark, err := z.advance(ctx, store)
	for wait := minRecheck; err == nil && !z.safe.Covers(mark); wait = min(2*wait, maxRecheck) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		_, err = z.advance(ctx, store)
	}
	return err
}
