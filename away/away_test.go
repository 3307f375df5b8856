package away_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/away"
	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

func testVAPID(t *testing.T) away.VAPID {
	v, err := away.GenerateVAPID("mailto:ops@parley.test")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// startPush starts a seeded server with push on (polling every 20 ms) and a push service.
func startPush(t *testing.T, worker bool) (*apptest.Env, *pushService) {
	v := testVAPID(t)
	e := apptest.NewWith(t, func(c *server.Config) {
		c.VAPID, c.AwayPoll, c.WebhookWorker = v, 20*time.Millisecond, worker
	})
	return e, newPushService(t, v)
}

const (
	register = `mutation($in: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $in) { endpoint createdAt } }`
	remove   = `mutation($e: String!) { removePushSubscription(endpoint: $e) }`
	send     = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { messageId } } }`
	upsert   = `mutation($in: UpsertUserInput!) { upsertUser(input: $in) { userId } }`
)

func mustOK(t *testing.T, r *apptest.Response) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
}

func subscribeBrowser(t *testing.T, e *apptest.Env, p *pushService, c apptest.Creds, name string) string {
	t.Helper()
	endpoint, key, secret := p.subscribe(name)
	mustOK(t, e.GQL(t, c, register, map[string]any{"in": map[string]any{"endpoint": endpoint, "p256dh": key, "auth": secret}}))
	return endpoint
}

// drained waits until every message notification so far has been through the push queue,
// so what the seed wrote pushes nothing later in a test.
func drained(t *testing.T, e *apptest.Env) {
	t.Helper()
	waitFor(t, "the push queue to drain", func() bool {
		var n int
		_ = e.Store.DB.NewRaw(`SELECT count(*) FROM notifications AS n WHERE n.type = 'message.received'
			AND NOT EXISTS (SELECT 1 FROM push_jobs AS j WHERE j.notification_id = n.id AND j.status = 'done')`).Scan(context.Background(), &n)
		return n == 0
	})
}

func outcomeOf(t *testing.T, e *apptest.Env, userID string) string {
	var out []string
	_ = e.Store.DB.NewRaw(`SELECT j.outcome FROM push_jobs AS j JOIN notifications AS n ON n.id = j.notification_id
		WHERE n.user_id = ? AND j.status = 'done' ORDER BY n.id DESC LIMIT 1`, userID).Scan(context.Background(), &out)
	if len(out) == 0 {
		return ""
	}
	return out[0]
}

func sendAs(t *testing.T, e *apptest.Env, c apptest.Creds, conv, body, cid string) {
	t.Helper()
	mustOK(t, e.GQL(t, c, send, map[string]any{"in": map[string]any{"conversationId": conv, "body": body, "clientMessageId": cid}}))
}

// A message to a recipient with no live subscription is pushed to their browser: encrypted,
// VAPID-signed, in the recipient's language, without the message text; never to the sender.
// Once the recipient holds a live subscription, nothing is pushed.
func TestPushReachesRecipientWhoIsAway(t *testing.T) {
	e, p := startPush(t, true)
	conv := e.ConvOf(t, "tesla3") // seller usr_anne, buyer usr_per
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	mustOK(t, e.GQL(t, apptest.Office(), upsert, map[string]any{"in": map[string]any{"userId": "usr_anne", "role": "SELLER", "locale": "nb"}}))
	drained(t, e)
	subscribeBrowser(t, e, p, seller, "anne")
	subscribeBrowser(t, e, p, buyer, "per")

	sendAs(t, e, buyer, conv, "Kan du sende bilder av felgene?", "away-1")
	waitFor(t, "a push to the seller", func() bool { return len(p.received("anne")) == 1 })
	drained(t, e)
	got := p.received("anne")[0]
	id := strings.TrimPrefix(conv, "conv_")
	want := away.Payload{ConversationID: id, Title: "Ny melding fra Per Berg", Body: "Åpne Parley for å lese den.", URL: "/app/#/c/" + id}
	if got.Payload != want || got.Topic != "conv"+id {
		t.Fatalf("push %+v, want %+v with topic conv%s", got, want, id)
	}
	if n := len(p.received("per")); n != 0 {
		t.Fatalf("the sender got %d pushes", n)
	}

	// Online: a live subscription on this replica (the presence table).
	ws := apptest.DialWS(t, e, "graphql-transport-ws", nil)
	ws.Send(apptest.InitMsg(apptest.Token(t, sellerViewer)))
	ws.Until("connection_ack")
	ws.Send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "subscription { notificationAdded { id } }"}})
	waitFor(t, "the seller's presence", func() bool {
		var n int
		_ = e.Store.DB.NewRaw("SELECT count(*) FROM presence WHERE user_id = 'usr_anne'").Scan(context.Background(), &n)
		return n > 0
	})
	// Read the thread so the collapse window does not hold the next push back either.
	mustOK(t, e.GQL(t, seller, `mutation($c: ID!) { markConversationRead(input: {conversationId: $c}) { conversation { unreadCount } } }`,
		map[string]any{"c": conv}))
	sendAs(t, e, buyer, conv, "Hallo?", "away-2")
	drained(t, e)
	if o := outcomeOf(t, e, "usr_anne"); o != "online" {
		t.Fatalf("outcome %q, want online", o)
	}
	if n := len(p.received("anne")); n != 1 {
		t.Fatalf("the seller got %d pushes while online, want the first only", n)
	}
}

var sellerViewer = viewerOf("usr_anne", "seller", "Anne Vik")

// A second message in the same conversation, while the first push is unseen, is collapsed.
// A push service answering 410 Gone removes the subscription.
func TestPushCollapsesAndDropsDeadSubscriptions(t *testing.T) {
	e, p := startPush(t, true)
	conv := e.ConvOf(t, "tesla3")
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	drained(t, e)
	subscribeBrowser(t, e, p, seller, "anne")
	sendAs(t, e, buyer, conv, "en", "c-1")
	waitFor(t, "a push", func() bool { return len(p.received("anne")) == 1 })
	if p.received("anne")[0].Payload.Title != "New message from Per Berg" {
		t.Fatalf("a user with no locale gets English: %+v", p.received("anne")[0])
	}
	sendAs(t, e, buyer, conv, "to", "c-2")
	drained(t, e)
	if o := outcomeOf(t, e, "usr_anne"); o != "collapsed" || len(p.received("anne")) != 1 {
		t.Fatalf("outcome %q, %d pushes: want collapsed, 1", o, len(p.received("anne")))
	}

	p.mu.Lock()
	p.status["/push/anne"] = http.StatusGone
	p.mu.Unlock()
	mustOK(t, e.GQL(t, seller, `mutation($c: ID!) { markConversationRead(input: {conversationId: $c}) { conversation { unreadCount } } }`,
		map[string]any{"c": conv}))
	sendAs(t, e, buyer, conv, "tre", "c-3")
	drained(t, e)
	var n int
	_ = e.Store.DB.NewRaw("SELECT count(*) FROM push_subscriptions WHERE user_id = 'usr_anne'").Scan(context.Background(), &n)
	if o := outcomeOf(t, e, "usr_anne"); n != 0 || o != "subscriptions gone" {
		t.Fatalf("after 410: %d subscriptions, outcome %q", n, o)
	}
}

// Exactly once across a worker dying mid-claim: worker A claims every job and dies; B finds
// nothing while A's lease holds; once it ran out, B and C together push each job once, and A's
// late finish changes nothing.
func TestPushExactlyOnceWhenAWorkerDies(t *testing.T) {
	e, p := startPush(t, false) // no worker of the server's own: the test runs them
	conv := e.ConvOf(t, "tesla3")
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	ctx := context.Background()
	settle := away.NewPushWorker(e.Store, away.PushSettings{Client: p.Client()})
	for {
		if n, err := settle.RunOnce(ctx); err != nil || n == 0 {
			break // the seed's notifications: nobody had a subscription yet
		}
	}
	subscribeBrowser(t, e, p, seller, "anne")
	const sends = 5
	for i := range sends {
		sendAs(t, e, buyer, conv, "melding", "x-"+string(rune('a'+i)))
	}
	if _, err := e.Store.QueuePushJobs(ctx, 100, true); err != nil {
		t.Fatal(err)
	}
	dead, err := e.Store.ClaimPushJobs(ctx, 100, time.Hour, time.Nanosecond)
	if err != nil || len(dead) != sends {
		t.Fatalf("worker A claimed %d (%v), want %d", len(dead), err, sends)
	}
	settings := away.PushSettings{VAPID: p.vapid, Client: p.Client(), Collapse: time.Nanosecond, Batch: 2}
	b, c := away.NewPushWorker(e.Store, settings), away.NewPushWorker(e.Store, settings)
	if n, err := b.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("B claimed %d (%v) under A's lease", n, err)
	}
	if _, err := e.Store.DB.ExecContext(ctx, "UPDATE push_jobs SET leased_until = now() - interval '1 second' WHERE status = 'pending'"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, w := range []*away.PushWorker{b, c} {
		wg.Go(func() {
			for {
				if n, err := w.RunOnce(ctx); err != nil || n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if n := len(p.received("anne")); n != sends {
		t.Fatalf("%d pushes for %d notifications", n, sends)
	}
	for _, j := range dead {
		if ok, err := e.Store.FinishPushJob(ctx, j, "sent", true, nil); ok || err != nil {
			t.Fatalf("A's late finish took effect (%v, %v)", ok, err)
		}
	}
}

// Subscriptions are the caller's: anonymous callers and API keys are refused, bad keys are
// BAD_USER_INPUT, and removing someone else's endpoint does nothing visible.
func TestPushSubscriptionAuthorization(t *testing.T) {
	e, p := startPush(t, true)
	endpoint, key, secret := p.subscribe("anne")
	in := map[string]any{"in": map[string]any{"endpoint": endpoint, "p256dh": key, "auth": secret}}
	if code := e.GQL(t, apptest.Creds{}, register, in).Code(); code != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %s", code)
	}
	if code := e.GQL(t, apptest.Creds{}, remove, map[string]any{"e": endpoint}).Code(); code != "UNAUTHENTICATED" {
		t.Fatalf("anonymous remove: %s", code)
	}
	if code := e.GQL(t, apptest.Office(), register, in).Code(); code != "FORBIDDEN" {
		t.Fatalf("API key: %s", code)
	}
	bad := map[string]any{"in": map[string]any{"endpoint": endpoint, "p256dh": "AAAA", "auth": secret}}
	if r := e.GQL(t, e.User(t, "usr_anne"), register, bad); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "p256dh" {
		t.Fatalf("bad key: %+v", r.Errors)
	}
	bad = map[string]any{"in": map[string]any{"endpoint": "ftp://x", "p256dh": key, "auth": secret}}
	if r := e.GQL(t, e.User(t, "usr_anne"), register, bad); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "endpoint" {
		t.Fatalf("bad endpoint: %+v", r.Errors)
	}
	mustOK(t, e.GQL(t, e.User(t, "usr_anne"), register, in))
	var out struct{ RemovePushSubscription bool }
	r := e.GQL(t, e.User(t, "usr_per"), remove, map[string]any{"e": endpoint})
	r.Decode(t, &out)
	if out.RemovePushSubscription {
		t.Fatal("another user removed anne's subscription")
	}
	var n int
	_ = e.Store.DB.NewRaw("SELECT count(*) FROM push_subscriptions WHERE user_id = 'usr_anne'").Scan(context.Background(), &n)
	if n != 1 {
		t.Fatalf("anne holds %d subscriptions after another user's remove", n)
	}
	if r := e.GQL(t, e.User(t, "usr_anne"), remove, map[string]any{"e": endpoint + strings.Repeat("x", 2048)}); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("overlong endpoint to remove: %+v", r.Errors)
	}
	e.GQL(t, e.User(t, "usr_anne"), remove, map[string]any{"e": endpoint}).Decode(t, &out)
	if !out.RemovePushSubscription {
		t.Fatal("anne could not remove her own subscription")
	}
	var key2 struct{ VapidPublicKey string }
	e.GQL(t, e.User(t, "usr_anne"), `{ vapidPublicKey }`, nil).Decode(t, &key2)
	if key2.VapidPublicKey != p.vapid.PublicKey {
		t.Fatalf("vapidPublicKey %q", key2.VapidPublicKey)
	}
}

// A user away longer than the digest time with unread messages gets one mail, in their
// language, one entry per conversation, with RFC 8058 one-click unsubscribe that works.
func TestDigestMailAndOneClickUnsubscribe(t *testing.T) {
	box := newMailbox(t)
	e := apptest.NewWith(t, func(c *server.Config) {
		c.SMTPURL, c.MailFrom, c.PublicURL, c.AwayPoll = "smtp://"+box.addr, "Parley <noreply@parley.test>", "https://parley.test", 20*time.Millisecond
	})
	conv := e.ConvOf(t, "tesla3")
	buyer := e.User(t, "usr_per")
	mustOK(t, e.GQL(t, apptest.Office(), upsert, map[string]any{"in": map[string]any{"userId": "usr_anne", "role": "SELLER",
		"email": "anne@example.no", "locale": "nb"}}))
	sendAs(t, e, buyer, conv, "Hemmelig tekst én", "d-1")
	sendAs(t, e, buyer, conv, "Hemmelig tekst to", "d-2")
	// Away for two hours: the user's last visit and the messages are set in the past.
	ctx := context.Background()
	for _, q := range []string{"UPDATE notifications SET created_at = now() - interval '2 hours' WHERE user_id = 'usr_anne'",
		"UPDATE users SET last_seen_at = now() - interval '2 hours' WHERE id = 'usr_anne'"} {
		if _, err := e.Store.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a digest mail", func() bool { return len(box.all()) > 0 })
	m := box.all()[0]
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if m.To[0] != "anne@example.no" || subject != "Uleste meldinger på Parley" || msg.Header.Get("Content-Language") != "nb" {
		t.Fatalf("to %v, subject %q, language %q", m.To, subject, msg.Header.Get("Content-Language"))
	}
	if msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", msg.Header.Get("List-Unsubscribe-Post"))
	}
	link := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(link, "https://parley.test/unsubscribe/digest?") {
		t.Fatalf("List-Unsubscribe %q", link)
	}
	body := decodedBody(t, msg)
	id := strings.TrimPrefix(conv, "conv_")
	var unread int // the two sent here and what the seed left unread
	_ = e.Store.DB.NewRaw("SELECT count(*) FROM notifications WHERE user_id = 'usr_anne' AND read_at IS NULL").Scan(ctx, &unread)
	for _, want := range []string{"Mens du var borte", fmt.Sprintf("Per Berg: %d uleste", unread), "https://parley.test/app/#/c/" + id, link} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Hemmelig") || strings.Count(body, "/app/#/c/"+id) != 1 {
		t.Errorf("body shows message text or the conversation twice:\n%s", body)
	}

	u, _ := url.Parse(link)
	local := e.URL + u.RequestURI()
	resp, err := http.Get(e.URL + u.Path + "?u=usr_anne&s=forged")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("forged link: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	resp, err = http.Get(local)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(page), "Slutt med e-postene") {
		t.Fatalf("confirm page %d: %s", resp.StatusCode, page)
	}
	if stopped, _ := e.Store.DigestsStopped(ctx, "usr_anne"); stopped {
		t.Fatal("GET unsubscribed")
	}
	resp, err = http.Post(local, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("one-click POST: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if stopped, _ := e.Store.DigestsStopped(ctx, "usr_anne"); !stopped {
		t.Fatal("one-click POST did not turn digests off")
	}
	if n := len(box.all()); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
}

func decodedBody(t *testing.T, msg *mail.Message) string {
	t.Helper()
	if msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("encoding %q", msg.Header.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(quotedPrintable(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The user's language comes from the token's locale claim (nb-NO reads as nb) or from the
// back office, which also sets the e-mail address; bad values are BAD_USER_INPUT.
func TestLocaleFromTokenAndBackOffice(t *testing.T) {
	e := apptest.New(t)
	tok := apptest.SignClaims(t, jwt.MapClaims{"sub": "usr_anne", "role": "seller", "name": "Anne Vik", "locale": "nb-NO",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	mustOK(t, e.GQL(t, apptest.Bearer(tok), `{ viewer { userId } }`, nil))
	var locale string
	_ = e.Store.DB.NewRaw("SELECT coalesce(locale, '') FROM users WHERE id = 'usr_anne'").Scan(context.Background(), &locale)
	if locale != "nb" {
		t.Fatalf("locale %q after a token claiming nb-NO", locale)
	}
	mustOK(t, e.GQL(t, apptest.Office(), upsert, map[string]any{"in": map[string]any{"userId": "usr_anne", "role": "SELLER", "locale": "en"}}))
	_ = e.Store.DB.NewRaw("SELECT coalesce(locale, '') FROM users WHERE id = 'usr_anne'").Scan(context.Background(), &locale)
	if locale != "en" {
		t.Fatalf("locale %q after upsertUser en", locale)
	}
	for field, in := range map[string]map[string]any{
		"email":  {"userId": "usr_anne", "role": "SELLER", "email": "Anne <anne@example.no>"},
		"locale": {"userId": "usr_anne", "role": "SELLER", "locale": "de"},
	} {
		if r := e.GQL(t, apptest.Office(), upsert, map[string]any{"in": in}); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != field {
			t.Errorf("bad %s: %+v", field, r.Errors)
		}
	}
}

// A push service that cannot be reached leaves no endpoint URL in the job's outcome (nor in
// the log line that reports it): the URL is the subscription's capability (RFC 8030).
func TestPushFailureHidesTheEndpoint(t *testing.T) {
	e, p := startPush(t, false)
	conv := e.ConvOf(t, "tesla3")
	buyer := e.User(t, "usr_per")
	ctx := context.Background()
	w := away.NewPushWorker(e.Store, away.PushSettings{VAPID: p.vapid, Client: &http.Client{Timeout: 5 * time.Second}})
	for {
		if n, err := w.RunOnce(ctx); err != nil || n == 0 {
			break // the seed's notifications
		}
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	_, key, secret := p.subscribe("anne")
	if _, err := e.Store.RegisterPushSubscription(ctx, "usr_anne", gone.URL+"/push/capability-0123", key, secret); err != nil {
		t.Fatal(err)
	}
	sendAs(t, e, buyer, conv, "hei", "cap-1")
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("claimed %d (%v), want 1", n, err)
	}
	var outcome string
	_ = e.Store.DB.NewRaw(`SELECT j.outcome FROM push_jobs AS j JOIN notifications AS n ON n.id = j.notification_id
		WHERE n.user_id = 'usr_anne' ORDER BY n.id DESC LIMIT 1`).Scan(ctx, &outcome)
	if !strings.HasPrefix(outcome, "retrying: ") || strings.Contains(outcome, "capability-0123") {
		t.Fatalf("outcome %q: want a retry that does not show the endpoint", outcome)
	}
}

// An endpoint taken over from another user counts as the taker's newest subscription: it is
// kept, and the taker's oldest goes when that passes the cap.
func TestTakenOverEndpointIsTheNewest(t *testing.T) {
	e, p := startPush(t, false)
	ctx := context.Background()
	reg := func(user, name string) string {
		endpoint, key, secret := p.subscribe(name)
		if _, err := e.Store.RegisterPushSubscription(ctx, user, endpoint, key, secret); err != nil {
			t.Fatal(err)
		}
		return endpoint
	}
	shared := reg("usr_per", "shared") // registered first: the lowest id
	var anne []string
	for i := range db.MaxPushSubscriptions {
		anne = append(anne, reg("usr_anne", fmt.Sprintf("anne-%d", i)))
	}
	reg("usr_anne", "shared") // the browser changes hands
	subs, err := e.Store.PushSubscriptionsOf(ctx, "usr_anne")
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, s := range subs {
		held[s.Endpoint] = true
	}
	if len(subs) != db.MaxPushSubscriptions || !held[shared] || held[anne[0]] {
		t.Fatalf("anne holds %d, shared %t, her oldest %t: want %d, the taken-over one, not her oldest",
			len(subs), held[shared], held[anne[0]], db.MaxPushSubscriptions)
	}
}

// The digests of one claim are mailed together: while the SMTP server holds the first mail,
// the second is already under way (one after another, the last of a slow batch would be
// mailed after its lease ran out, and again by another worker).
func TestDigestsOfAClaimGoOutTogether(t *testing.T) {
	box := newMailbox(t)
	box.hold = make(chan struct{})
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	conv := e.ConvOf(t, "tesla3") // seller usr_anne, buyer usr_per
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	for _, in := range []map[string]any{{"userId": "usr_anne", "role": "SELLER", "email": "anne@example.no"},
		{"userId": "usr_per", "role": "BUYER", "email": "per@example.no"}} {
		mustOK(t, e.GQL(t, apptest.Office(), upsert, map[string]any{"in": in}))
	}
	sendAs(t, e, buyer, conv, "til Anne", "t-1")
	sendAs(t, e, seller, conv, "til Per", "t-2")
	ctx := context.Background()
	for _, q := range []string{"UPDATE notifications SET created_at = now() - interval '2 hours'",
		"UPDATE users SET last_seen_at = now() - interval '2 hours'"} {
		if _, err := e.Store.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	w := away.NewDigestWorker(e.Store, away.DigestSettings{SMTPURL: "smtp://" + box.addr, From: "noreply@parley.test",
		PublicURL: "https://parley.test"})
	done := make(chan int, 1)
	go func() {
		n, err := w.RunOnce(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- n
	}()
	waitFor(t, "both digests at the SMTP server at once", func() bool { return box.waiting() == 2 })
	close(box.hold)
	if n := <-done; n != 2 || len(box.all()) != 2 {
		t.Fatalf("mailed %d, the server got %d: want 2", n, len(box.all()))
	}
}

// A muted thread is never pushed (no notification, so no job); once unmuted, a push that the
// push service takes marks the message delivered for its sender.
func TestPushSkipsMutedAndMarksDelivered(t *testing.T) {
	e, p := startPush(t, true)
	conv := e.ConvOf(t, "tesla3") // seller usr_anne, buyer usr_per
	buyer, seller := e.User(t, "usr_per"), e.User(t, "usr_anne")
	drained(t, e)
	subscribeBrowser(t, e, p, seller, "anne")
	mustOK(t, e.GQL(t, seller, `mutation($c: ID!) { muteConversation(conversationId: $c) { conversation { muted } } }`, map[string]any{"c": conv}))
	sendAs(t, e, buyer, conv, "Muted?", "mute-1")
	drained(t, e)
	if n := len(p.received("anne")); n != 0 {
		t.Fatalf("%d pushes for a muted thread", n)
	}
	mustOK(t, e.GQL(t, seller, `mutation($c: ID!) { unmuteConversation(conversationId: $c) { conversation { muted } } }`, map[string]any{"c": conv}))
	var sent struct {
		SendMessage struct{ Message struct{ MessageID int } }
	}
	r := e.GQL(t, buyer, send, map[string]any{"in": map[string]any{"conversationId": conv, "body": "Unmuted", "clientMessageId": "mute-2"}})
	mustOK(t, r)
	r.Decode(t, &sent)
	waitFor(t, "a push to the seller", func() bool { return len(p.received("anne")) == 1 })
	waitFor(t, "the buyer's message delivered", func() bool {
		var out struct {
			Messages struct {
				Nodes []struct {
					MessageID     int
					DeliveryState string
				}
			}
		}
		e.GQL(t, buyer, `query($c: ID!) { messages(conversationId: $c, last: 1) { nodes { messageId deliveryState } } }`,
			map[string]any{"c": conv}).Decode(t, &out)
		n := out.Messages.Nodes
		return len(n) == 1 && n[0].MessageID == sent.SendMessage.Message.MessageID && n[0].DeliveryState == "DELIVERED"
	})
}
