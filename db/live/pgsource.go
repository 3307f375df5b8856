package live

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/parley/parley/db"
)

// PGSource listens on one dedicated PostgreSQL connection per replica for the live channels.
// When the connection drops it reconnects and asks the hub to resync from its positions.
type PGSource struct {
	DB *bun.DB
}

// Run receives until ctx ends.
func (p PGSource) Run(ctx context.Context, events chan<- db.Event, resync func()) error {
	ln := pgdriver.NewListener(p.DB)
	stop := context.AfterFunc(ctx, func() { ln.Close() }) // unblocks a waiting receive
	defer stop()
	defer ln.Close()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := ln.Listen(ctx, db.Channels...); err != nil {
			slog.Warn("live: listen", "err", err, "retry_in", backoff.String())
			sleep(ctx, backoff)
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		resync()
		if err := p.receive(ctx, ln, events); err != nil && ctx.Err() == nil {
			slog.Warn("live: listening connection lost; reconnecting", "err", err)
		}
	}
	return nil
}

// receive hands events over until the connection fails, or until a quiet spell: then Run
// re-issues LISTEN, which proves (or replaces) the connection.
func (p PGSource) receive(ctx context.Context, ln *pgdriver.Listener, events chan<- db.Event) error {
	for {
		_, payload, err := ln.ReceiveTimeout(ctx, 15*time.Second)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			return err
		}
		ev, err := db.ParseEvent(payload)
		if err != nil {
			slog.Warn("live: bad event", "err", err)
			continue
		}
		select {
		case events <- ev:
		default:
			// The hub is behind on hints; its next database read covers messages and notifications.
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
