// Package away reaches users who are not connected: Web Push to their browsers and an e-mail
// digest of unread messages, both in the recipient's language (package i18n). Both read what
// the send already writes (notification rows, in the send's transaction) and claim their work
// with a lease, like the webhook workers, so a replica that dies mid-claim loses nothing: its
// claims run out and another replica's worker takes them.
package away

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/parley/parley/db"
	"github.com/parley/parley/i18n"
	"github.com/parley/parley/webhooks"
)

// VAPID is the application server's key pair (RFC 8292), base64url as webpush-go makes them,
// and the contact (a mailto: or https: URL) push services may use.
type VAPID struct {
	PublicKey  string
	PrivateKey string
	Subject    string
}

// GenerateVAPID makes a new key pair.
func GenerateVAPID(subject string) (VAPID, error) {
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return VAPID{}, fmt.Errorf("generate VAPID keys: %w", err)
	}
	return VAPID{PublicKey: pub, PrivateKey: priv, Subject: subject}, nil
}

// PushSettings tune the push worker. Zero fields take the defaults.
type PushSettings struct {
	VAPID VAPID
	// Client sends to push services (webhooks.NewClient: the same address guard).
	Client *http.Client
	// Poll is how often the worker looks for new notifications (1 s).
	Poll time.Duration
	// Lease is how long a claim holds a job (2 min): past a request timeout for each of a
	// user's subscriptions (db.MaxPushSubscriptions), so only a dead worker's claims run out.
	Lease time.Duration
	// Collapse is the collapse window (10 min): after a push about a conversation, the next
	// about it waits until the pushed notification is read (the thread opened) or this passed.
	Collapse time.Duration
	// Batch is how many jobs one pass claims (32).
	Batch int
}

func (s PushSettings) withDefaults() PushSettings {
	if s.Client == nil {
		s.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if s.Poll <= 0 {
		s.Poll = time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 2 * time.Minute
	}
	if s.Collapse <= 0 {
		s.Collapse = 10 * time.Minute
	}
	if s.Batch <= 0 {
		s.Batch = 32
	}
	return s
}

// stale is how old a notification may be and still be pushed: a worker that was down for
// hours does not wake people for what they can read in their inbox.
const stale = time.Hour

// retries are the waits before another try of a push the push service failed (5xx, 429, a
// network error); after them the job ends as failed.
var retries = []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute}

// Payload is what a push carries, encrypted (RFC 8291): the conversation to open and the
// title and body to show, in the recipient's language. Never the message text: a lock screen
// shows it to whoever holds the phone, and the push service's limits on size would cut it.
type Payload struct {
	ConversationID string `json:"conversationId"`
	Title          string `json:"title"`
	Body           string `json:"body"`
	URL            string `json:"url"`
}

// PushWorker sends pushes for new message notifications.
type PushWorker struct {
	store    *db.Store
	s        PushSettings
	lastFull time.Time
}

// NewPushWorker makes a push worker over store.
func NewPushWorker(store *db.Store, s PushSettings) *PushWorker {
	return &PushWorker{store: store, s: s.withDefaults()}
}

// Run pushes until ctx ends.
func (w *PushWorker) Run(ctx context.Context) {
	tidy := time.Now()
	webhooks.Poll(ctx, w.s.Poll, func(ctx context.Context) bool {
		n, err := w.pass(ctx)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "push: pass failed", "err", err)
		}
		if time.Since(tidy) > time.Minute {
			tidy = time.Now()
			if err := w.store.TidyPushJobs(ctx); err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "push: tidy failed", "err", err)
			}
		}
		return n == w.s.Batch && err == nil
	})
}

// fullScanEvery is how often a worker also looks below the newest queued notification, for
// sends that committed after a later one was queued.
const fullScanEvery = 5 * time.Second

func (w *PushWorker) pass(ctx context.Context) (int, error) {
	full := time.Since(w.lastFull) >= fullScanEvery
	if full {
		w.lastFull = time.Now()
	}
	return w.runOnce(ctx, full)
}

// RunOnce queues new notifications (every one above the floor), claims due jobs (up to a
// batch) and finishes them. It returns how many it claimed.
func (w *PushWorker) RunOnce(ctx context.Context) (int, error) { return w.runOnce(ctx, true) }

func (w *PushWorker) runOnce(ctx context.Context, full bool) (int, error) {
	if _, err := w.store.QueuePushJobs(ctx, 4*w.s.Batch, full); err != nil {
		return 0, err
	}
	jobs, err := w.store.ClaimPushJobs(ctx, w.s.Batch, w.s.Lease, w.s.Collapse)
	if err != nil {
		return 0, err
	}
	// A claimed job is finished even when shutdown begins: it would otherwise wait out its lease.
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { w.handle(ctx, j) })
	}
	wg.Wait()
	return len(jobs), nil
}

// handle decides whether a job pushes, pushes, and records what came of it.
func (w *PushWorker) handle(ctx context.Context, j *db.PushJob) {
	outcome, sent, retryAt := w.decide(j), false, (*time.Time)(nil)
	if outcome == "" {
		outcome, sent, retryAt = w.push(ctx, j)
	}
	ok, err := w.store.FinishPushJob(ctx, j, outcome, sent, retryAt)
	if err != nil {
		slog.ErrorContext(ctx, "push: finish job", "notification_id", j.NotificationID, "err", err)
	}
	if ok && sent {
		w.delivered(ctx, j)
	}
}

// delivered records that a push the push service took reached a device of the recipient:
// the sender's message shows DELIVERED, and their readReceipt hears of it.
func (w *PushWorker) delivered(ctx context.Context, j *db.PushJob) {
	if j.ConversationID == 0 || j.MessageID == 0 {
		return
	}
	if err := w.store.MarkDelivered(ctx, j.ConversationID, j.Party, j.MessageID); err != nil {
		slog.WarnContext(ctx, "push: mark delivered", "notification_id", j.NotificationID, "err", err)
	}
}

// decide names why a job sends nothing, or "" to push. A party that muted the thread before
// the send got no notification, so no job; one muted between the send and the push is "muted".
func (w *PushWorker) decide(j *db.PushJob) string {
	switch {
	case j.ReadAt != nil:
		return "read"
	case j.SenderUserID == j.UserID:
		return "own message"
	case j.Muted:
		return "muted"
	case j.Online:
		return "online"
	case j.Collapsed:
		return "collapsed"
	case time.Since(j.CreatedAt) > stale:
		return "stale"
	}
	return ""
}

// push sends the job's payload to each of the user's subscriptions; dead ones (404, 410) are
// dropped. A failure of the push service is retried while no subscription took the push.
func (w *PushWorker) push(ctx context.Context, j *db.PushJob) (outcome string, sent bool, retryAt *time.Time) {
	subs, err := w.store.PushSubscriptionsOf(ctx, j.UserID)
	if err != nil {
		return w.retry(j, err.Error())
	}
	if len(subs) == 0 {
		return "no subscription", false, nil
	}
	body, err := json.Marshal(RenderPush(j))
	if err != nil {
		return "failed: " + err.Error(), false, nil
	}
	var failed []string
	for _, sub := range subs {
		code, err := w.send(ctx, sub, j, body)
		switch {
		case code == http.StatusNotFound || code == http.StatusGone:
			if err := w.store.DropPushSubscription(ctx, sub.ID); err != nil {
				failed = append(failed, err.Error())
			}
		case err != nil:
			failed = append(failed, err.Error())
		default:
			sent = true
		}
	}
	switch {
	case sent:
		return "sent", true, nil
	case len(failed) == 0:
		return "subscriptions gone", false, nil
	}
	return w.retry(j, strings.Join(failed, "; "))
}

func (w *PushWorker) retry(j *db.PushJob, why string) (string, bool, *time.Time) {
	slog.Info("push: attempt failed", "notification_id", j.NotificationID, "attempt", j.Attempts, "err", why)
	if j.Attempts > len(retries) {
		return "failed: " + why, false, nil
	}
	at := time.Now().Add(retries[j.Attempts-1])
	return "retrying: " + why, false, &at
}

// send makes one encrypted, VAPID-signed request (webpush-go) and returns the status.
func (w *PushWorker) send(ctx context.Context, sub *db.PushSubscription, j *db.PushJob, body []byte) (int, error) {
	resp, err := webpush.SendNotificationWithContext(ctx, body,
		&webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth}},
		&webpush.Options{HTTPClient: w.s.Client, Subscriber: strings.TrimPrefix(w.s.VAPID.Subject, "mailto:"),
			VAPIDPublicKey: w.s.VAPID.PublicKey, VAPIDPrivateKey: w.s.VAPID.PrivateKey,
			// The push service keeps one pending message per topic: a later push about the
			// same conversation replaces an undelivered earlier one.
			Topic: "conv" + strconv.FormatInt(j.ConversationID, 10), TTL: int(stale.Seconds()), Urgency: webpush.UrgencyNormal,
			RecordSize: 2048})
	if err != nil {
		// The endpoint URL is the subscription's capability (RFC 8030): it names no outcome and
		// no log line, so the request error is given without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s to the push service: %w", ue.Op, ue.Err)
		}
		return 0, fmt.Errorf("push: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, errors.New("push service answered " + resp.Status)
	}
	return resp.StatusCode, nil
}

// RenderPush is a job's payload in the recipient's language.
func RenderPush(j *db.PushJob) Payload {
	loc := i18n.Locale(j.Locale)
	title := i18n.Text(loc, i18n.NewMessage)
	if j.SenderName != "" {
		title = i18n.Text(loc, i18n.NewMessageFrom, j.SenderName)
	}
	id := strconv.FormatInt(j.ConversationID, 10)
	return Payload{ConversationID: id, Title: title, Body: i18n.Text(loc, i18n.OpenToRead), URL: "/app/#/c/" + id}
}
