package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

const (
	requestExport = `mutation { requestDataExport { id status downloadUrl } }`
	exportQuery   = `query($id: ID!) { dataExport(id: $id) { id status sizeBytes expiresAt downloadUrl } }`
)

type exportOut struct {
	ID, Status  string
	SizeBytes   int
	ExpiresAt   *time.Time
	DownloadURL *string
}

// A user's export is built in the background into a zip of data.json and their files; only
// they may read its status and download it.
func TestExportArchiveHoldsTheUsersDataAndOnlyTheOwnerDownloadsIt(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.PrivacyPoll = 20 * time.Millisecond })
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	textID := send(t, e, ola, conv, "export me, please")
	_, fileMsg := upload(t, e, ola, conv, "dent.png", pngBytes)
	send(t, e, shop, conv, "the workshop answers")
	e.GQL(t, ola, `mutation($c: ID!) { markConversationRead(input: {conversationId: $c}) { conversation { id } } }`,
		map[string]any{"c": conv}).Decode(t, &struct{}{})
	if _, err := e.Store.RegisterPushSubscription(context.Background(), "co-ola", "https://push.example/ola", "PUBLICKEY", "AUTHSECRET"); err != nil {
		t.Fatal(err)
	}

	var req struct{ RequestDataExport exportOut }
	e.GQL(t, ola, requestExport, nil).Decode(t, &req)
	if req.RequestDataExport.Status != "PENDING" || req.RequestDataExport.DownloadURL != nil {
		t.Fatalf("request = %+v", req.RequestDataExport)
	}
	id := req.RequestDataExport.ID
	var done exportOut
	eventually(t, "the export to finish", func() bool {
		var out struct{ DataExport exportOut }
		e.GQL(t, ola, exportQuery, map[string]any{"id": id}).Decode(t, &out)
		done = out.DataExport
		return done.Status != "PENDING"
	})
	if done.Status != "DONE" || done.DownloadURL == nil || done.SizeBytes == 0 ||
		done.ExpiresAt == nil || done.ExpiresAt.Before(time.Now().Add(6*24*time.Hour)) {
		t.Fatalf("finished export = %+v", done)
	}

	// Others: the workshop, another car owner, an API key, nobody.
	for name, c := range map[string]apptest.Creds{"workshop": shop, "another car owner": e.User(t, "co-kari")} {
		if code := e.GQL(t, c, exportQuery, map[string]any{"id": id}).Code(); code != "NOT_FOUND" {
			t.Errorf("%s reads the export: %q, want NOT_FOUND", name, code)
		}
		if status, _ := get(t, e, c, *done.DownloadURL); status != 404 {
			t.Errorf("%s downloads the export: %d, want 404", name, status)
		}
	}
	if status, _ := get(t, e, apptest.Creds{}, *done.DownloadURL); status != 401 {
		t.Errorf("anonymous download: %d, want 401", status)
	}
	if status, _ := get(t, e, apptest.Office(), *done.DownloadURL); status != 403 {
		t.Errorf("API key download: %d, want 403", status)
	}
	if code := e.GQL(t, apptest.Creds{}, requestExport, nil).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("anonymous request: %q", code)
	}

	status, body := get(t, e, ola, *done.DownloadURL)
	if status != 200 || len(body) != done.SizeBytes {
		t.Fatalf("owner download: %d, %d bytes (want %d)", status, len(body), done.SizeBytes)
	}
	files := unzip(t, body)
	var data struct {
		UserID  string `json:"user_id"`
		Profile struct {
			ID, Name, Role string
		}
		Conversations []struct{ ID int64 }
		Messages      []struct {
			ID             int64
			ConversationID int64 `json:"conversation_id"`
			Body           string
			Attachments    []struct {
				ID   int64
				File string
			}
		}
		Reads []struct {
			MessageID int64 `json:"message_id"`
		}
		Notifications     []json.RawMessage
		PushSubscriptions []map[string]any `json:"push_subscriptions"`
		Blocks            []json.RawMessage
		Reports           []json.RawMessage
	}
	if err := json.Unmarshal(files["data.json"], &data); err != nil {
		t.Fatalf("data.json: %v\n%s", err, files["data.json"])
	}
	if data.UserID != "co-ola" || data.Profile.ID != "co-ola" || data.Profile.Name != "Ola Nordmann" || data.Profile.Role != "car_owner" {
		t.Fatalf("profile = %+v", data.Profile)
	}
	byID := map[int64]int{}
	for i, m := range data.Messages {
		byID[m.ID] = i
		if strings.Contains(m.Body, "workshop answers") {
			t.Fatalf("the workshop's message is in co-ola's export: %+v", m)
		}
	}
	text, ok1 := byID[textID]
	file, ok2 := byID[fileMsg]
	if !ok1 || !ok2 || data.Messages[text].Body != "export me, please" || data.Messages[text].ConversationID == 0 ||
		len(data.Messages[file].Attachments) != 1 {
		t.Fatalf("messages = %+v", data.Messages)
	}
	att := data.Messages[file].Attachments[0]
	if att.File != fmt.Sprintf("files/%d-dent.png", att.ID) || !bytes.Equal(files[att.File], pngBytes) {
		t.Fatalf("attachment %+v: archive holds %v, want the uploaded bytes", att, keysOf(files))
	}
	if len(data.Conversations) == 0 || len(data.Reads) == 0 {
		t.Fatalf("conversations %d, reads %d", len(data.Conversations), len(data.Reads))
	}
	if len(data.PushSubscriptions) != 1 || data.PushSubscriptions[0]["endpoint"] != "https://push.example/ola" {
		t.Fatalf("push subscriptions = %+v", data.PushSubscriptions)
	}
	for k := range data.PushSubscriptions[0] {
		if k == "p256dh" || k == "auth" {
			t.Fatalf("the subscription's secret %q is exported", k)
		}
	}
	if data.Blocks == nil || data.Reports == nil || data.Notifications == nil {
		t.Fatalf("sections missing: %s", files["data.json"])
	}

}

// An expired archive is deleted from storage and no longer downloads.
func TestExpiredExportIsDeleted(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.PrivacyPoll = 20 * time.Millisecond })
	ola := e.User(t, "co-ola")
	var req struct{ RequestDataExport exportOut }
	e.GQL(t, ola, requestExport, nil).Decode(t, &req)
	id := req.RequestDataExport.ID
	var key string
	eventually(t, "the export", func() bool {
		_ = e.Store.DB.NewRaw("SELECT storage_key FROM data_exports WHERE id = ? AND status = 'done'", id).Scan(context.Background(), &key)
		return key != ""
	})
	if !stored(t, e, key) {
		t.Fatal("archive not stored")
	}
	if _, err := e.Store.DB.NewRaw("UPDATE data_exports SET expires_at = now() - interval '1 second' WHERE id = ?", id).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the archive to go", func() bool { return !stored(t, e, key) })
	var out struct{ DataExport exportOut }
	e.GQL(t, ola, exportQuery, map[string]any{"id": id}).Decode(t, &out)
	if out.DataExport.Status != "EXPIRED" || out.DataExport.DownloadURL != nil {
		t.Fatalf("expired export = %+v", out.DataExport)
	}
	if status, _ := get(t, e, ola, "/exports/"+id); status != 404 {
		t.Fatalf("expired download: %d", status)
	}
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	return out
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// An export claimed by a replica that then died is built by another once the lease runs out;
// the dead claim can no longer finish it.
func TestExportOfADeadReplicaIsTakenOverAfterTheLease(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	ctx := context.Background()
	var req, again struct{ RequestDataExport exportOut }
	e.GQL(t, e.User(t, "co-ola"), requestExport, nil).Decode(t, &req)
	// One export at a time: a second request while one is pending returns it.
	e.GQL(t, e.User(t, "co-ola"), requestExport, nil).Decode(t, &again)
	if again.RequestDataExport.ID != req.RequestDataExport.ID {
		t.Fatalf("two pending exports: %+v and %+v", req, again)
	}
	dead, err := e.Store.ClaimDataExport(ctx, 15*time.Minute)
	if err != nil || dead == nil {
		t.Fatalf("claim: %v, %v", dead, err)
	}
	w := e.App.PrivacyWorker()
	if ok, err := w.ExportOne(ctx); ok || err != nil {
		t.Fatalf("a leased export was taken: %v, %v", ok, err)
	}
	if _, err := e.Store.DB.NewRaw("UPDATE data_exports SET leased_until = now() - interval '1 second' WHERE id = ?", dead.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.ExportOne(ctx); !ok || err != nil {
		t.Fatalf("the expired lease was not taken over: %v, %v", ok, err)
	}
	var out struct{ DataExport exportOut }
	e.GQL(t, e.User(t, "co-ola"), exportQuery, map[string]any{"id": req.RequestDataExport.ID}).Decode(t, &out)
	if out.DataExport.Status != "DONE" {
		t.Fatalf("export = %+v", out.DataExport)
	}
	if ok, err := e.Store.FinishDataExport(ctx, dead, "exports/stale.zip", 1, time.Hour); ok || err != nil {
		t.Fatalf("the dead claim finished the export: %v, %v", ok, err)
	}
}

// Files past the archive's byte budget are left out (oldest first are kept) and counted.
func TestExportArchiveStopsAtTheFileBudget(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) {
		c.WebhookWorker, c.ExportMaxFileBytes = false, int64(len(pngBytes))+10
	})
	ola, conv := e.User(t, "co-ola"), e.ThreadOf(t, 1001)
	upload(t, e, ola, conv, "first.png", pngBytes)
	upload(t, e, ola, conv, "second.png", pngBytes)
	var req struct{ RequestDataExport exportOut }
	e.GQL(t, ola, requestExport, nil).Decode(t, &req)
	if ok, err := e.App.PrivacyWorker().ExportOne(context.Background()); !ok || err != nil {
		t.Fatalf("export: %v, %v", ok, err)
	}
	status, body := get(t, e, ola, "/exports/"+req.RequestDataExport.ID)
	if status != 200 {
		t.Fatalf("download: %d", status)
	}
	files := unzip(t, body)
	var data struct {
		Omitted  int `json:"files_omitted"`
		Messages []struct {
			Attachments []struct{ Name, File string }
		}
	}
	if err := json.Unmarshal(files["data.json"], &data); err != nil {
		t.Fatal(err)
	}
	var in, out []string
	for _, m := range data.Messages {
		for _, a := range m.Attachments {
			if a.File != "" {
				in = append(in, a.Name)
			} else {
				out = append(out, a.Name)
			}
		}
	}
	if data.Omitted != 1 || len(files) != 2 || fmt.Sprint(in) != "[first.png]" || fmt.Sprint(out) != "[second.png]" {
		t.Fatalf("omitted %d, archive %v, included %v, left out %v", data.Omitted, keysOf(files), in, out)
	}
}
