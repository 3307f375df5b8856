package away

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/parley/parley/db"
	"github.com/parley/parley/i18n"
	"github.com/parley/parley/webhooks"
)

// DigestSettings tune the digest worker.
type DigestSettings struct {
	// SMTPURL is where mail goes: smtp://user:pass@host:port (STARTTLS when the server offers
	// it) or smtps://... (TLS from the start).
	SMTPURL string
	// From is the sender address.
	From string
	// PublicURL is where users reach Parley (links in the mail), without a trailing slash.
	PublicURL string
	// After is how long a user must be away before a digest (1 h); it is also the least time
	// between two digests to one user, the digest window.
	After time.Duration
	// Poll is how often the worker looks for users due a digest (30 s).
	Poll time.Duration
	// Lease bounds a claim (2 min): past one mail's timeout (mailTimeout).
	Lease time.Duration
	// TLSConfig is for the SMTP connection (tests trust their own server with it).
	TLSConfig *tls.Config
}

func (s DigestSettings) withDefaults() DigestSettings {
	if s.After <= 0 {
		s.After = time.Hour
	}
	if s.Poll <= 0 {
		s.Poll = 30 * time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 2 * time.Minute
	}
	s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	return s
}

// maxEntries is the most conversations one digest lists.
const maxEntries = 20

// DigestWorker mails digests of unread messages.
type DigestWorker struct {
	store *db.Store
	s     DigestSettings
}

// NewDigestWorker makes a digest worker over store.
func NewDigestWorker(store *db.Store, s DigestSettings) *DigestWorker {
	return &DigestWorker{store: store, s: s.withDefaults()}
}

// Run mails digests until ctx ends.
func (w *DigestWorker) Run(ctx context.Context) {
	webhooks.Poll(ctx, w.s.Poll, func(ctx context.Context) bool {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "digest: pass failed", "err", err)
		}
		return false
	})
}

// RunOnce claims the users due a digest and mails each one; it returns how many it mailed.
// The mails of a claim go out together, not one after another: each claim's lease has to
// outlast its own mail (mailTimeout), never a queue of them, or a slow SMTP server would let
// another worker claim and mail the same digest again.
func (w *DigestWorker) RunOnce(ctx context.Context) (int, error) {
	key, err := w.store.UnsubscribeKey(ctx)
	if err != nil {
		return 0, err
	}
	claims, err := w.store.ClaimDigests(ctx, digestBatch, w.s.After, w.s.Lease)
	if err != nil {
		return 0, err
	}
	ctx = context.WithoutCancel(ctx)
	var sent atomic.Int64
	var wg sync.WaitGroup
	for _, c := range claims {
		wg.Go(func() {
			ok := w.mail(ctx, key, c)
			if ok {
				sent.Add(1)
			}
			if _, err := w.store.FinishDigest(ctx, c, ok, time.Now().Add(5*time.Minute)); err != nil {
				slog.ErrorContext(ctx, "digest: finish", "user_id", c.UserID, "err", err)
			}
		})
	}
	wg.Wait()
	return int(sent.Load()), nil
}

// digestBatch is how many users one pass claims (and mails at once).
const digestBatch = 16

// mailTimeout bounds the delivery of one digest; DigestSettings.Lease must be longer.
const mailTimeout = 30 * time.Second

func (w *DigestWorker) mail(ctx context.Context, key []byte, c *db.DigestClaim) bool {
	entries, err := w.store.DigestEntries(ctx, c, maxEntries)
	if err != nil {
		slog.ErrorContext(ctx, "digest: entries", "user_id", c.UserID, "err", err)
		return false
	}
	if len(entries) == 0 {
		return true // read meanwhile: the window closes with nothing to say
	}
	msg := w.compose(key, c, entries)
	if err := w.sendMail(ctx, c.Email, msg); err != nil {
		slog.WarnContext(ctx, "digest: send failed", "user_id", c.UserID, "err", err)
		return false
	}
	return true
}

// compose writes the digest as a plain-text mail in the user's language, with RFC 8058
// one-click unsubscribe headers. It names senders and counts, never message text.
func (w *DigestWorker) compose(key []byte, c *db.DigestClaim, entries []*db.DigestEntry) []byte {
	loc := i18n.Locale(c.Locale)
	unsub := w.s.PublicURL + UnsubscribePath + "?" + SignedQuery(key, c.UserID)
	var text strings.Builder
	text.WriteString(i18n.Text(loc, i18n.DigestIntro) + "\r\n\r\n")
	for _, e := range entries {
		line := i18n.Text(loc, i18n.DigestEntryAnon, e.Unread)
		if e.SenderName != "" {
			line = i18n.Text(loc, i18n.DigestEntry, e.SenderName, e.Unread)
		}
		link := w.s.PublicURL + "/app/#/c/" + strconv.FormatInt(e.ConversationID, 10)
		text.WriteString("- " + line + "\r\n  " + i18n.Text(loc, i18n.DigestOpen, link) + "\r\n")
	}
	text.WriteString("\r\n-- \r\n" + i18n.Text(loc, i18n.DigestStop, unsub) + "\r\n")

	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", w.s.From)
	h("To", c.Email)
	h("Subject", mime.QEncoding.Encode("utf-8", i18n.Text(loc, i18n.DigestSubject)))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+domainOf(w.s.From)+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Content-Language", loc)
	h("List-Unsubscribe", "<"+unsub+">")
	h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(text.String()))
	_ = qp.Close()
	return b.Bytes()
}

// sendMail delivers one message through the configured SMTP server.
func (w *DigestWorker) sendMail(ctx context.Context, to string, msg []byte) error {
	u, err := url.Parse(w.s.SMTPURL)
	if err != nil {
		return errors.New("PARLEY_SMTP_URL is not a URL")
	}
	ctx, cancel := context.WithTimeout(ctx, mailTimeout)
	defer cancel()
	host := u.Hostname()
	tlsCfg := w.s.TLSConfig
	if tlsCfg == nil {
		tlsCfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	dial := func() (net.Conn, error) {
		d := &net.Dialer{}
		if u.Scheme == "smtps" {
			return (&tls.Dialer{NetDialer: d, Config: tlsCfg}).DialContext(ctx, "tcp", u.Host)
		}
		return d.DialContext(ctx, "tcp", u.Host)
	}
	c, err := w.client(ctx, u.Scheme, dial, tlsCfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if u.User != nil {
		pass, _ := u.User.Password()
		if err := c.Auth(sasl.NewPlainClient("", u.User.Username(), pass)); err != nil {
			return fmt.Errorf("SMTP auth: %w", err)
		}
	}
	from := w.s.From
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address // the envelope takes the bare address; the header keeps the name
	}
	if err := c.SendMail(from, []string{to}, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("SMTP send: %w", err)
	}
	return c.Quit()
}

// client opens an SMTP session; on smtp:// it upgrades with STARTTLS when the server offers
// it (go-smtp upgrades only at the start, so an offer found costs a second connection).
func (w *DigestWorker) client(ctx context.Context, scheme string, dial func() (net.Conn, error), tlsCfg *tls.Config) (*smtp.Client, error) {
	conn, err := dial()
	if err != nil {
		return nil, fmt.Errorf("dial SMTP: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := smtp.NewClient(conn)
	if scheme == "smtps" {
		return c, nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return c, nil
	}
	_ = c.Close()
	if conn, err = dial(); err != nil {
		return nil, fmt.Errorf("dial SMTP: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err = smtp.NewClientStartTLS(conn, tlsCfg)
	if err != nil {
		return nil, fmt.Errorf("SMTP STARTTLS: %w", err)
	}
	return c, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func domainOf(addr string) string {
	at := strings.LastIndex(addr, "@")
	if at < 0 {
		return "parley"
	}
	return strings.Trim(addr[at+1:], "> ")
}

// UnsubscribePath is where one-click unsubscribe links point.
const UnsubscribePath = "/unsubscribe/digest"

// SignedQuery is the query of a user's unsubscribe link: the user and an HMAC of it.
func SignedQuery(key []byte, userID string) string {
	return url.Values{"u": {userID}, "s": {sign(key, userID)}}.Encode()
}

func sign(key []byte, userID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("digest-unsubscribe\x00" + userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// VerifySigned checks an unsubscribe link's signature.
func VerifySigned(key []byte, userID, sig string) bool {
	return userID != "" && hmac.Equal([]byte(sign(key, userID)), []byte(sig))
}
