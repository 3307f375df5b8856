package privacy

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/blobs"
)

// exportPage is how many rows of a section are read at once.
const exportPage = 500

// ExportOne claims one due export, builds its archive and finishes it; false when none was due.
func (w *Worker) ExportOne(ctx context.Context) (bool, error) {
	e, err := w.store.ClaimDataExport(ctx, w.s.ExportLease)
	if err != nil || e == nil {
		return false, err
	}
	// Shutdown must not cut an archive short: its claim would wait out the lease.
	ctx = context.WithoutCancel(ctx)
	key, size, err := w.build(ctx, e)
	if err != nil {
		slog.WarnContext(ctx, "privacy: export failed", "export_id", e.ID, "attempt", e.Attempts, "err", err)
		var retry *time.Time
		if e.Attempts < maxExportAttempts {
			t := time.Now().Add(time.Duration(e.Attempts) * time.Minute)
			retry = &t
		}
		return true, w.store.FailDataExport(ctx, e, "the archive could not be built", retry)
	}
	ok, err := w.store.FinishDataExport(ctx, e, key, size, w.s.ExportKeep)
	if err != nil || !ok {
		_ = w.files.Delete(ctx, key) // another worker took the export over: its archive counts
	}
	return true, err
}

// build writes the archive to a temporary file, then to the bucket under a fresh key.
func (w *Worker) build(ctx context.Context, e *db.DataExport) (string, int64, error) {
	f, err := os.CreateTemp("", "parley-export-*.zip")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := w.writeArchive(ctx, e, f); err != nil {
		return "", 0, err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return "", 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	key := exportKey(e.ID)
	if err := w.files.Put(ctx, key, f); err != nil {
		return "", 0, err
	}
	return key, size, nil
}

func exportKey(id int64) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("exports/%d-%s.zip", id, hex.EncodeToString(b))
}

// writeArchive writes data.json and files/ (the stored files of the user's messages, oldest
// first, up to the byte budget).
func (w *Worker) writeArchive(ctx context.Context, e *db.DataExport, out io.Writer) error {
	zw := zip.NewWriter(out)
	files, err := w.store.ExportFiles(ctx, e.UserID, w.s.ExportFileBytes)
	if err != nil {
		return err
	}
	var lastFile int64
	for _, f := range files {
		if err := w.addFile(ctx, zw, f); err != nil {
			return err
		}
		lastFile = f.AttachmentID
	}
	omitted, err := w.store.ExportFileStats(ctx, e.UserID, w.s.ExportFileBytes)
	if err != nil {
		return err
	}
	dw, err := zw.Create("data.json")
	if err != nil {
		return err
	}
	if err := w.writeData(ctx, e, dw, lastFile, omitted); err != nil {
		return err
	}
	return zw.Close()
}

func (w *Worker) addFile(ctx context.Context, zw *zip.Writer, f *db.ExportFile) error {
	r, err := w.files.Open(ctx, f.StorageKey)
	if blobs.ErrMissing(err) {
		return nil // gone from the store (a file never outlives its row for long): nothing to export
	}
	if err != nil {
		return fmt.Errorf("open attachment %d: %w", f.AttachmentID, err)
	}
	defer r.Close()
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("files/%d-%s", f.AttachmentID, f.Name), Method: zip.Store})
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, r)
	return err
}

// writeData streams data.json a page at a time: the profile, then each section as an array.
func (w *Worker) writeData(ctx context.Context, e *db.DataExport, out io.Writer, lastFile int64, omitted int) error {
	bw := bufio.NewWriter(out)
	profile, party, err := w.store.ExportProfile(ctx, e.UserID)
	if err != nil {
		return err
	}
	head, _ := json.Marshal(map[string]any{"export_id": e.ID, "user_id": e.UserID, "created_at": time.Now().UTC(),
		"files_omitted": omitted, "files_limit_bytes": w.s.ExportFileBytes})
	_, _ = bw.Write(head[:len(head)-1]) // a bufio.Writer keeps its first error for Flush
	fmt.Fprintf(bw, `,"profile":%s`, profile)
	for _, sec := range db.ExportSections {
		fmt.Fprintf(bw, `,%q:[`, sec.Name)
		if err := w.writeSection(ctx, bw, sec, e.UserID, party, lastFile); err != nil {
			return err
		}
		_, _ = bw.WriteString("]")
	}
	_, _ = bw.WriteString("}\n")
	return bw.Flush()
}

func (w *Worker) writeSection(ctx context.Context, bw *bufio.Writer, sec db.ExportSection, userID, party string, lastFile int64) error {
	var key int64
	first := true
	for {
		rows, err := w.store.ExportPage(ctx, sec, userID, party, key, exportPage, lastFile)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if !first {
				_ = bw.WriteByte(',')
			}
			first = false
			_, _ = bw.Write(r.Doc)
			key = r.Key
		}
		if len(rows) < exportPage {
			return nil
		}
	}
}
