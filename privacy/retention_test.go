package privacy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// Retention deletes the messages and files of threads inactive for longer than the period,
// a batch at a time with counts that match what is left, and nothing else.
func TestRetentionDeletesClosedThreadsInBatches(t *testing.T) {
	// No background worker: the test drives the retention steps itself.
	e := apptest.NewWith(t, func(c *server.Config) {
		c.WebhookWorker, c.Retention, c.RetentionBatch = false, 30*24*time.Hour, 2
	})
	ctx := context.Background()
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	closed, recent, active := e.ThreadOf(t, 1001), e.ThreadOf(t, 1002), e.ThreadOf(t, 1003)
	send(t, e, ola, closed, "one")
	_, fileMsg := upload(t, e, ola, closed, "old.png", pngBytes)
	keys := storageKeys(t, e, fileMsg)
	two := send(t, e, shop, closed, "two")
	send(t, e, ola, closed, "three")
	// Deleted for one side: its hidden count loses it with the message.
	if r := e.GQL(t, ola, `mutation($id: ID!) { deleteMessageForMe(id: $id) }`, map[string]any{"id": two}); r.Code() != "" {
		t.Fatalf("deleteMessageForMe: %+v", r.Errors)
	}
	_, keptFile := upload(t, e, ola, active, "new.png", pngBytes)
	keptKeys := storageKeys(t, e, keptFile)
	setActivity := func(conv string, ago time.Duration) {
		_, err := e.Store.DB.NewRaw("UPDATE conversations SET last_activity_at = now() - make_interval(secs => ?) WHERE id = ?",
			ago.Seconds(), conv).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
	}
	setActivity(closed, 40*24*time.Hour) // past the period: closed
	setActivity(recent, 20*24*time.Hour) // quiet, but within the period
	counts := func(conv string) (n int) {
		_ = e.Store.DB.NewRaw("SELECT count(*) FROM messages WHERE conversation_id = ?", conv).Scan(ctx, &n)
		return n
	}
	total := counts(closed)
	recentN, activeN := counts(recent), counts(active)
	if total < 4 {
		t.Fatalf("closed thread holds %d messages", total)
	}

	w := e.App.PrivacyWorker()
	steps := 0
	for {
		b, err := w.RetainOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		steps++
		if b.Messages > 2 || b.Messages == 0 {
			t.Fatalf("step %d deleted %d messages, want a batch of at most 2", steps, b.Messages)
		}
		checkCounters(t, e, closed)
		if steps > total {
			t.Fatal("retention does not finish")
		}
	}
	if want := (total + 1) / 2; steps != want {
		t.Fatalf("%d steps for %d messages, want %d", steps, total, want)
	}
	if n := counts(closed); n != 0 {
		t.Fatalf("%d messages left in the closed thread", n)
	}
	if counts(recent) != recentN || counts(active) != activeN {
		t.Fatalf("other threads touched: %d/%d, %d/%d", counts(recent), recentN, counts(active), activeN)
	}
	if stored(t, e, keys[0]) {
		t.Fatal("the closed thread's file is still stored")
	}
	if !stored(t, e, keptKeys[0]) {
		t.Fatal("an active thread's file was deleted")
	}
	// Both sides still see the thread, empty, with counts that agree.
	for _, c := range []apptest.Creds{ola, shop} {
		th := readThread(t, e, c, closed).Conversation
		if th.TotalMessages != 0 || th.UnreadCount != 0 || th.LastMessage != nil || len(th.Messages.Nodes) != 0 || th.Messages.TotalCount != 0 {
			t.Fatalf("emptied thread = %+v", th)
		}
	}
	var unread struct{ UnreadCounts struct{ Messages int } }
	e.GQL(t, shop, `{ unreadCounts { messages } }`, nil).Decode(t, &unread)
	var want int
	_ = e.Store.DB.NewRaw("SELECT coalesce(sum(unread_count), 0) FROM participants WHERE party_id = 'org:921460929' AND deleted_at IS NULL AND archived_at IS NULL").Scan(ctx, &want)
	if unread.UnreadCounts.Messages != want {
		t.Fatalf("workshop's unread total %d, its threads hold %d", unread.UnreadCounts.Messages, want)
	}
}

// checkCounters compares a thread's kept counters with a count of its rows.
func checkCounters(t *testing.T, e *apptest.Env, conv string) {
	t.Helper()
	var bad []struct {
		Party  string `bun:"party_id"`
		Kept   int    `bun:"unread_count"`
		Actual int    `bun:"actual"`
	}
	err := e.Store.DB.NewRaw(`SELECT p.party_id, p.unread_count, (SELECT count(*) FROM messages AS m WHERE m.conversation_id = p.conversation_id
			AND m.sender_party_id <> p.party_id AND m.id > p.hidden_up_to
			AND NOT EXISTS (SELECT 1 FROM message_reads AS r WHERE r.message_id = m.id AND r.party_id = p.party_id)) AS actual
		FROM participants AS p WHERE p.conversation_id = ?`, conv).Scan(context.Background(), &bad)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		if b.Kept != b.Actual {
			t.Fatalf("party %s: unread_count %d, %d unread messages", b.Party, b.Kept, b.Actual)
		}
	}
	var hidden []struct {
		Party  string `bun:"party_id"`
		Kept   int    `bun:"hidden_count"`
		Actual int    `bun:"actual"`
	}
	err = e.Store.DB.NewRaw(`SELECT p.party_id, p.hidden_count, (SELECT count(*) FROM messages AS m WHERE m.conversation_id = p.conversation_id
			AND (m.id <= p.hidden_up_to OR EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = p.party_id AND h.message_id = m.id))) AS actual
		FROM participants AS p WHERE p.conversation_id = ?`, conv).Scan(context.Background(), &hidden)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hidden {
		if h.Kept != h.Actual {
			t.Fatalf("party %s: hidden_count %d, %d hidden messages", h.Party, h.Kept, h.Actual)
		}
	}
	var kept, actual int
	var last, newest *int64
	_ = e.Store.DB.NewRaw(`SELECT message_count, (SELECT count(*) FROM messages WHERE conversation_id = c.id),
		last_message_id, (SELECT max(id) FROM messages WHERE conversation_id = c.id) FROM conversations AS c WHERE id = ?`, conv).
		Scan(context.Background(), &kept, &actual, &last, &newest)
	if kept != actual || (last == nil) != (newest == nil) || (last != nil && *last != *newest) {
		t.Fatalf("message_count %d for %d messages; last_message_id %v, newest %v", kept, actual, last, newest)
	}
}

// A file whose deletion did not happen after its commit (a crash, a bucket error) stays in
// blob_deletions until the worker deletes it.
func TestQueuedFileDeletionsAreRetriedByTheWorker(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	ctx := context.Background()
	key := "zz/left-behind"
	if err := e.App.Resolver.Files.Put(ctx, key, strings.NewReader("bytes")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.DB.NewRaw("INSERT INTO blob_deletions (storage_key) VALUES (?)", key).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := e.App.PrivacyWorker().SweepBlobs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if stored(t, e, key) {
		t.Fatal("the queued file is still stored")
	}
	var left int
	_ = e.Store.DB.NewRaw("SELECT count(*) FROM blob_deletions").Scan(ctx, &left)
	if left != 0 {
		t.Fatalf("%d deletions still queued", left)
	}
}
