package live

import (
	"context"
	"time"
)

// A hub reads at most once per Options.Gap on wake-ups and rechecks: under a burst of sends
// each commit pokes it, and each catch-up reads the id horizon (parley_id_mark, which reads
// pg_stat_activity) before anything else, whether or not a subscriber is here. A wake-up
// within the gap is read when the gap ends, together with those that came meanwhile, as the
// notifier (db/wake.go) sends one statement per gap. A lone event is read at once; under load
// delivery waits up to one gap more. Settle markers and read receipts still read at once.

// gapped is the Run loop's own record of its last catch-up.
type gapped struct {
	lastRead time.Time        // when the last catch-up began
	deferred <-chan time.Time // set while a wake-up waits for the gap to end
}

// wakeUp catches up now, or when the gap since the last catch-up ends.
func (h *Hub) wakeUp(ctx context.Context) {
	defer h.wakeUps.Add(1)
	wait := time.Until(h.lastRead.Add(h.opts.Gap))
	if wait <= 0 || len(h.waiters) > 0 {
		h.catchUp(ctx)
		return
	}
	if h.deferred == nil {
		h.deferred = time.After(wait)
	}
}
