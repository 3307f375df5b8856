package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// An export past its expiry is not downloadable even before the worker's sweep marks it
// expired and deletes the archive.
func TestExportPastExpiryIsNotDownloadableBeforeTheSweep(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.PrivacyPoll = 20 * time.Millisecond })
	ola := e.User(t, "co-ola")
	var req struct{ RequestDataExport exportOut }
	e.GQL(t, ola, requestExport, nil).Decode(t, &req)
	id := req.RequestDataExport.ID
	eventually(t, "the export", func() bool {
		var n int
		_ = e.Store.DB.NewRaw("SELECT count(*) FROM data_exports WHERE id = ? AND status = 'done'", id).Scan(context.Background(), &n)
		return n == 1
	})
	// Hold the sweep off the row (it claims with FOR UPDATE SKIP LOCKED), as a sweep not yet
	// run would; FOR KEY SHARE still lets the expiry be moved.
	tx, err := e.Store.DB.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(context.Background(), "SELECT 1 FROM data_exports WHERE id = ? FOR KEY SHARE", id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.DB.NewRaw("UPDATE data_exports SET expires_at = now() - interval '1 second' WHERE id = ?", id).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(t, e, ola, "/exports/"+id); status != 404 {
		t.Errorf("download past expiry: %d, want 404", status)
	}
	var out struct{ DataExport exportOut }
	e.GQL(t, ola, exportQuery, map[string]any{"id": id}).Decode(t, &out)
	if out.DataExport.DownloadURL != nil {
		t.Errorf("export past expiry offers %s", *out.DataExport.DownloadURL)
	}
}
