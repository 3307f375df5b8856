// Package privacy owns the background side of privacy (issue 15): building data export
// archives, deleting stored files that erasure, retention and expired exports unlinked, and
// the retention job. Its workers run on the replicas that run the webhook worker and claim
// work as that worker does (lease and token, FOR UPDATE SKIP LOCKED), so any number of
// replicas share it and a replica that dies leaves its claims to the others.
// It imports db, db/blobs (to tell a missing file) and webhooks (its poll loop), and nothing that serves requests.
package privacy

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/webhooks"
)

// Files is where attachment bytes and archives live.
type Files interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Settings tune the worker. Zero fields take the defaults.
type Settings struct {
	// Poll is how often the worker looks for work (5 s).
	Poll time.Duration
	// Retention deletes messages of threads inactive this long (0: never).
	Retention time.Duration
	// RetentionBatch is how many messages one retention step deletes (200).
	RetentionBatch int
	// ExportKeep is how long an archive stays downloadable (7 days).
	ExportKeep time.Duration
	// ExportFileBytes bounds the attachment bytes one archive holds (1 GiB).
	ExportFileBytes int64
	// ExportLease is how long a claim holds an export (15 min).
	ExportLease time.Duration
}

// Defaults.
const (
	DefaultExportKeep      = 7 * 24 * time.Hour
	DefaultExportFileBytes = 1 << 30
	maxExportAttempts      = 5
)

func (s Settings) withDefaults() Settings {
	if s.Poll <= 0 {
		s.Poll = 5 * time.Second
	}
	if s.RetentionBatch <= 0 {
		s.RetentionBatch = 200
	}
	if s.ExportKeep <= 0 {
		s.ExportKeep = DefaultExportKeep
	}
	if s.ExportFileBytes <= 0 {
		s.ExportFileBytes = DefaultExportFileBytes
	}
	if s.ExportLease <= 0 {
		s.ExportLease = 15 * time.Minute
	}
	return s
}

// Worker runs exports, file deletions, export expiry and retention.
type Worker struct {
	store *db.Store
	files Files
	s     Settings
	// now is the clock retention cuts off by (tests move it).
	now func() time.Time
}

// NewWorker makes a worker over store and files.
func NewWorker(store *db.Store, files Files, s Settings) *Worker {
	return &Worker{store: store, files: files, s: s.withDefaults(), now: time.Now}
}

// Run works until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	webhooks.Poll(ctx, w.s.Poll, w.RunOnce)
}

// RunOnce does one round of each kind of work; true when there may be more waiting.
func (w *Worker) RunOnce(ctx context.Context) (busy bool) {
	if ok, err := w.ExportOne(ctx); err != nil {
		slog.WarnContext(ctx, "privacy: export", "err", err)
	} else if ok {
		busy = true
	}
	if keys, err := w.store.ExpireDataExports(ctx, 100); err != nil {
		slog.WarnContext(ctx, "privacy: expire exports", "err", err)
	} else if len(keys) > 0 {
		DeleteBlobs(ctx, w.store, w.files, keys)
	}
	if n, err := w.SweepBlobs(ctx); err != nil {
		slog.WarnContext(ctx, "privacy: delete files", "err", err)
	} else if n == sweepBatch {
		busy = true
	}
	if w.s.Retention > 0 {
		b, err := w.RetainOnce(ctx)
		if err != nil {
			slog.WarnContext(ctx, "privacy: retention", "err", err)
		} else if b != nil {
			busy = true
		}
	}
	return busy
}

const sweepBatch = 100

// SweepBlobs deletes due files of blob_deletions from the bucket and forgets those deleted;
// a failure is tried again a minute later. It returns how many it took.
func (w *Worker) SweepBlobs(ctx context.Context) (int, error) {
	keys, err := w.store.DueBlobDeletions(ctx, sweepBatch)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	DeleteBlobs(ctx, w.store, w.files, keys)
	return len(keys), nil
}

// DeleteBlobs deletes files whose rows are gone (committed) and forgets the deletions that
// succeeded; those that failed stay in blob_deletions for the worker to retry.
func DeleteBlobs(ctx context.Context, store *db.Store, files Files, keys []string) {
	var done []string
	for _, k := range keys {
		if err := files.Delete(ctx, k); err != nil {
			slog.WarnContext(ctx, "privacy: delete file (will retry)", "err", err)
			continue
		}
		done = append(done, k)
	}
	if err := store.BlobsDeleted(ctx, done); err != nil {
		slog.WarnContext(ctx, "privacy: forget deleted files", "err", err)
	}
}

// RetainOnce runs one retention step: a batch of the oldest messages of one closed thread.
func (w *Worker) RetainOnce(ctx context.Context) (*db.RetentionBatch, error) {
	b, err := w.store.PurgeClosedThread(ctx, w.now().Add(-w.s.Retention), w.s.RetentionBatch)
	if err != nil || b == nil {
		return nil, err
	}
	DeleteBlobs(ctx, w.store, w.files, b.Keys)
	return b, nil
}

// SetClock makes retention cut off by now() (tests).
func (w *Worker) SetClock(now func() time.Time) { w.now = now }
