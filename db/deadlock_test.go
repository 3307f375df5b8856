package db_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/db"
)

// Both sides of one thread send and mark it read at the same time, as two open browser tabs
// do: no statement may fail with a deadlock (each writer takes rows in one order).
func TestConcurrentSendsAndReadsOnOneThreadDoNotDeadlock(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sides := []db.Viewer{viewer("co-ola", db.RoleCarOwner, ""), viewer("ws-a1", db.RoleWorkshop, orgA), viewer("ws-a2", db.RoleWorkshop, orgA)}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for _, v := range sides {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 40 {
					if _, _, err := f.store.SendMessage(ctx, v, db.SendInput{ConversationID: f.bookingConv, Body: "hi"}); err != nil {
						errs <- err
					}
					if _, err := f.store.MarkThreadRead(ctx, v, f.bookingConv, 0, nil); err != nil {
						errs <- err
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
