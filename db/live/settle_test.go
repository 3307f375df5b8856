package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/db/live"
)

// dropFirstSync is the real LISTEN/NOTIFY source, except that it loses the first sync marker,
// as a NOTIFY sent before the listener's LISTEN took effect is lost.
type dropFirstSync struct{ live.PGSource }

func (s dropFirstSync) Run(ctx context.Context, events chan<- db.Event, resync func()) error {
	in := make(chan db.Event)
	go func() {
		dropped := false
		for {
			select {
			case ev := <-in:
				if ev.Kind == 's' && !dropped {
					dropped = true
					continue
				}
				select {
				case events <- ev:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return s.PGSource.Run(ctx, in, resync)
}

// Settle returns though its first marker is lost: it sends the marker again until it is seen.
func TestSettleSurvivesALostMarker(t *testing.T) {
	bdb := dbtest.New(t)
	store := db.NewStore(bdb)
	hub := live.NewHub(store, dropFirstSync{live.PGSource{DB: bdb}}, live.Options{})
	runHub(t, hub)
	settle, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	if err := hub.Settle(settle); err != nil {
		t.Fatalf("settle with its first marker lost: %v", err)
	}
}
