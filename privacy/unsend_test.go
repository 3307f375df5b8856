package privacy_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/parley/parley/resolvers"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// bucketOutage is the real bucket with its deletes refused while down is set.
type bucketOutage struct {
	resolvers.FileStore
	down atomic.Bool
}

func (b *bucketOutage) Delete(ctx context.Context, key string) error {
	if b.down.Load() {
		return errors.New("bucket unavailable")
	}
	return b.FileStore.Delete(ctx, key)
}

// An unsent message's file that could not be deleted after the commit stays queued in
// blob_deletions (written in the unsend's transaction) until the worker deletes it.
func TestUnsentFilesAreQueuedUntilDeleted(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	files := &bucketOutage{FileStore: e.App.Resolver.Files}
	e.App.Resolver.Files = files
	ola := e.User(t, "co-ola")
	_, msg := upload(t, e, ola, e.ThreadOf(t, 1001), "dent.png", pngBytes)
	key := storageKeys(t, e, msg)[0]

	files.down.Store(true)
	e.GQL(t, ola, unsend, map[string]any{"id": strconv.FormatInt(msg, 10)}).Decode(t, new(any))
	if !stored(t, e, key) || count(t, e, "SELECT count(*) FROM blob_deletions WHERE storage_key = ?", key) != 1 {
		t.Fatal("a file whose deletion failed is not queued for the worker")
	}
	files.down.Store(false)
	if n, err := e.App.PrivacyWorker().SweepBlobs(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if stored(t, e, key) || count(t, e, "SELECT count(*) FROM blob_deletions") != 0 {
		t.Fatal("the worker left the unsent message's file")
	}
}
