package db

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// waker sends the NOTIFYs of concurrent sends together. A send whose wake-up finds none under
// way sends its own at once, as before; those that arrive while one is under way wait for it
// and go out in one statement after it, so busy sends cost one notifying transaction (an xid
// and a commit record) and one round trip per batch instead of per send. A send still returns
// only after its wake-up went out.
type waker struct {
	mu                 sync.Mutex
	busy               bool
	channels, payloads []string
	waiting            []chan error
}

// wakeTimeout bounds a batch sent on behalf of sends that have stopped waiting.
const wakeTimeout = 2 * time.Second

func (w *waker) wake(ctx context.Context, idb bun.IConn, channels, payloads []string) error {
	w.mu.Lock()
	if w.busy {
		done := make(chan error, 1)
		w.channels, w.payloads = append(w.channels, channels...), append(w.payloads, payloads...)
		w.waiting = append(w.waiting, done)
		w.mu.Unlock()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	w.busy = true
	w.mu.Unlock()
	err := notify(ctx, idb, channels, payloads)
	w.mu.Lock()
	if len(w.waiting) == 0 {
		w.busy = false
		w.mu.Unlock()
		return err
	}
	w.mu.Unlock()
	go w.drain(idb) // the others' batch, without holding this send back
	return err
}

// drain sends what queued up meanwhile, batch by batch, until nothing waits.
func (w *waker) drain(idb bun.IConn) {
	for {
		w.mu.Lock()
		channels, payloads, waiting := w.channels, w.payloads, w.waiting
		w.channels, w.payloads, w.waiting = nil, nil, nil
		if len(waiting) == 0 {
			w.busy = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), wakeTimeout)
		err := notify(ctx, idb, channels, payloads)
		cancel()
		for _, done := range waiting {
			done <- err
		}
	}
}

// notify sends pg_notify(channels[i], payloads[i]) for every i, in one statement.
func notify(ctx context.Context, idb bun.IConn, channels, payloads []string) error {
	_, err := idb.ExecContext(ctx, "SELECT pg_notify(x.c, x.p) FROM unnest(?::text[], ?::text[]) AS x (c, p)",
		pgArray(channels), pgArray(payloads))
	if err != nil {
		return fmt.Errorf("wake live hubs: %w", err)
	}
	return nil
}
