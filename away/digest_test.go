package away_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley/parley/away"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// awayFrom gives usr_anne an address, sends her a message in tesla3 and sets her last visit
// and her unread notifications ago in the past. It returns the conversation.
func awayFrom(t *testing.T, e *apptest.Env, ago string) string {
	t.Helper()
	conv := e.ConvOf(t, "tesla3") // seller usr_anne, buyer usr_per
	mustOK(t, e.GQL(t, apptest.Office(), upsert, map[string]any{"in": map[string]any{"userId": "usr_anne", "role": "SELLER",
		"email": "anne@example.no"}}))
	sendAs(t, e, e.User(t, "usr_per"), conv, "Er bilen solgt?", "away-"+ago)
	age(t, e, ago)
	return conv
}

// age moves usr_anne's last visit and notifications ago into the past.
func age(t *testing.T, e *apptest.Env, ago string) {
	t.Helper()
	for _, q := range []string{"UPDATE notifications SET created_at = now() - ?::interval WHERE user_id = 'usr_anne'",
		"UPDATE users SET last_seen_at = now() - ?::interval WHERE id = 'usr_anne'"} {
		if _, err := e.Store.DB.ExecContext(context.Background(), q, ago); err != nil {
			t.Fatal(err)
		}
	}
}

func digestWorker(e *apptest.Env, box *mailbox) *away.DigestWorker {
	return away.NewDigestWorker(e.Store, away.DigestSettings{SMTPURL: "smtp://" + box.addr, From: "noreply@parley.test",
		PublicURL: "https://parley.test"})
}

// PARLEY_DIGEST_AFTER sets how long a user is away before a digest: at 10m, twenty minutes
// away (well inside the default hour) is enough.
func TestDigestAfterIsConfigurable(t *testing.T) {
	t.Setenv("PARLEY_DIGEST_AFTER", "soon")
	if _, err := server.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "PARLEY_DIGEST_AFTER") {
		t.Fatalf("PARLEY_DIGEST_AFTER=soon: %v", err)
	}
	t.Setenv("PARLEY_DIGEST_AFTER", "10m")
	cfg, err := server.ConfigFromEnv()
	if err != nil || cfg.DigestAfter != 10*time.Minute {
		t.Fatalf("PARLEY_DIGEST_AFTER=10m gave %v, %v", cfg.DigestAfter, err)
	}
	box := newMailbox(t)
	e := apptest.NewWith(t, func(c *server.Config) {
		c.SMTPURL, c.MailFrom, c.AwayPoll, c.DigestAfter = "smtp://"+box.addr, "noreply@parley.test", 20*time.Millisecond, cfg.DigestAfter
	})
	awayFrom(t, e, "20 minutes")
	waitFor(t, "a digest after twenty minutes away", func() bool { return len(box.all()) == 1 })
	if to := box.all()[0].To; len(to) != 1 || to[0] != "anne@example.no" {
		t.Fatalf("mailed to %v", to)
	}
}

// A conversation is in at most one digest per digest window: a new unread message in it half
// an hour after a digest waits until the window has passed, and is then the only one counted.
func TestNoSecondDigestInsideTheWindow(t *testing.T) {
	box := newMailbox(t)
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false }) // the test runs the worker
	ctx := context.Background()
	conv := awayFrom(t, e, "2 hours")
	w := digestWorker(e, box)
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("first digest: mailed %d (%v), want 1", n, err)
	}
	shift := func(q string) {
		t.Helper()
		if _, err := e.Store.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Half an hour later (the first digest's times move back), a new message, 70 minutes old.
	shift("UPDATE digest_state SET sent_at = sent_at - interval '30 minutes', window_end = window_end - interval '30 minutes'")
	sendAs(t, e, e.User(t, "usr_per"), conv, "Hallo?", "window-2")
	shift("UPDATE notifications SET created_at = now() - interval '70 minutes' WHERE user_id = 'usr_anne' AND created_at > now() - interval '1 hour'")
	if n, err := w.RunOnce(ctx); err != nil || n != 0 || len(box.all()) != 1 {
		t.Fatalf("inside the window: mailed %d (%v), the server has %d mails; want 0 and 1", n, err, len(box.all()))
	}
	shift("UPDATE digest_state SET sent_at = sent_at - interval '31 minutes'") // the window has passed
	if n, err := w.RunOnce(ctx); err != nil || n != 1 || len(box.all()) != 2 {
		t.Fatalf("after the window: mailed %d (%v), the server has %d mails; want 1 and 2", n, err, len(box.all()))
	}
	body := string(box.all()[1].Data)
	if !strings.Contains(body, "Per Berg: 1 unread") || !strings.Contains(body, "/app/#/c/"+strings.TrimPrefix(conv, "conv_")) {
		t.Fatalf("the second digest does not count only the new message:\n%s", body)
	}
}

// A digest worker that dies after claiming leaves its digest to the others once its lease
// ran out, not before; it is mailed exactly once, and the dead worker's late finish changes
// nothing.
func TestDigestOnceWhenAWorkerDies(t *testing.T) {
	box := newMailbox(t)
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	ctx := context.Background()
	awayFrom(t, e, "2 hours")
	dead, err := e.Store.ClaimDigests(ctx, 16, time.Hour, time.Hour)
	if err != nil || len(dead) != 1 {
		t.Fatalf("worker A claimed %d (%v), want 1", len(dead), err)
	}
	b, c := digestWorker(e, box), digestWorker(e, box)
	if n, err := b.RunOnce(ctx); err != nil || n != 0 || len(box.all()) != 0 {
		t.Fatalf("B mailed %d (%v) under A's lease", n, err)
	}
	if _, err := e.Store.DB.ExecContext(ctx, "UPDATE digest_state SET leased_until = now() - interval '1 second' WHERE lease_token IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	mailed := 0
	for _, w := range []*away.DigestWorker{b, c} {
		wg.Go(func() {
			n, err := w.RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			mailed += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if mailed != 1 || len(box.all()) != 1 {
		t.Fatalf("B and C mailed %d, the server got %d: want 1", mailed, len(box.all()))
	}
	if ok, err := e.Store.FinishDigest(ctx, dead[0], true, time.Time{}); ok || err != nil {
		t.Fatalf("A's late finish took effect (%v, %v)", ok, err)
	}
	if n, err := b.RunOnce(ctx); err != nil || n != 0 || len(box.all()) != 1 {
		t.Fatalf("afterwards B mailed %d (%v): the digest went twice", n, err)
	}
}
