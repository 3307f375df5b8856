package live

import (
	"context"
	"sync"
	"time"

	"github.com/parley/parley/db"
)

// delivered collects "this message reached a device of that party" as the hub hands messages
// to live subscriptions, and writes them in batches on a goroutine of its own: the hub's loop
// never waits for the write, and marks that come while one is written merge into the next
// batch (one statement per batch, however many conversations it holds).
type delivered struct {
	mu      sync.Mutex
	pending map[deliveryKey]int64
	wake    chan struct{}
}

type deliveryKey struct {
	conv  int64
	party string
}

func newDelivered() *delivered {
	return &delivered{pending: map[deliveryKey]int64{}, wake: make(chan struct{}, 1)}
}

// add notes that party got the conversation's message id. The caller may hold h.mu.
func (d *delivered) add(conv int64, party string, id int64) {
	d.mu.Lock()
	k := deliveryKey{conv, party}
	if d.pending[k] < id {
		d.pending[k] = id
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *delivered) take() []db.Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) == 0 {
		return nil
	}
	out := make([]db.Delivery, 0, len(d.pending))
	for k, id := range d.pending {
		out = append(out, db.Delivery{ConversationID: k.conv, Party: k.party, UpTo: id})
	}
	clear(d.pending)
	return out
}

// putBack keeps a batch that failed for the next one (a deadlock with a send, a lost connection).
func (d *delivered) putBack(ds []db.Delivery) {
	for _, x := range ds {
		d.add(x.ConversationID, x.Party, x.UpTo)
	}
}

// run writes batches until ctx ends; what is pending then is written once more, briefly.
func (d *delivered) run(ctx context.Context, store *db.Store) {
	for {
		select {
		case <-ctx.Done():
			if ds := d.take(); len(ds) > 0 {
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
				logFailure("mark delivered", store.MarkDeliveredBatch(fctx, ds))
				cancel()
			}
			return
		case <-d.wake:
			ds := d.take()
			if err := store.MarkDeliveredBatch(ctx, ds); err != nil {
				logFailure("mark delivered", err)
				if ctx.Err() == nil {
					d.putBack(ds)
					time.Sleep(50 * time.Millisecond) // not a busy loop while the database is away
				}
			}
		}
	}
}
