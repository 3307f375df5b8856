package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley/parley/away"
	"github.com/parley/parley/i18n"
	"github.com/parley/parley/webhooks"
)

// awayConfig reads the settings of Web Push and the e-mail digest (PARLEY_VAPID_*,
// PARLEY_SMTP_URL, PARLEY_MAIL_FROM, PARLEY_PUBLIC_URL, PARLEY_DIGEST_AFTER).
func awayConfig(c *Config, p *problems) {
	c.VAPID = away.VAPID{PublicKey: os.Getenv("PARLEY_VAPID_PUBLIC_KEY"), PrivateKey: os.Getenv("PARLEY_VAPID_PRIVATE_KEY"),
		Subject: os.Getenv("PARLEY_VAPID_SUBJECT")}
	if (c.VAPID.PublicKey == "") != (c.VAPID.PrivateKey == "") {
		p.addf("PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY are set together or not at all")
	} else if c.VAPID.PublicKey != "" {
		if err := checkVAPID(c.VAPID); err != nil {
			p.addf("%s", err)
		}
	}
	c.SMTPURL = os.Getenv("PARLEY_SMTP_URL")
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			p.addf("PARLEY_SMTP_URL: want smtp://user:pass@host:port or smtps://user:pass@host:port")
		}
	}
	c.MailFrom = envOr("PARLEY_MAIL_FROM", "Parley <parley@localhost>")
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		p.addf("PARLEY_MAIL_FROM=%q: want an address such as Parley <noreply@example.no>", c.MailFrom)
	}
	c.PublicURL = strings.TrimRight(os.Getenv("PARLEY_PUBLIC_URL"), "/")
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.addf("PARLEY_PUBLIC_URL=%q: want an absolute http(s) URL", c.PublicURL)
		}
	}
	p.durations(map[string]*time.Duration{"PARLEY_DIGEST_AFTER": &c.DigestAfter})
}

// checkVAPID refuses keys that are not a P-256 pair in base64url.
func checkVAPID(v away.VAPID) error {
	pub, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(v.PublicKey, "="))
	priv, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(v.PrivateKey, "="))
	if err1 != nil || err2 != nil || len(pub) != 65 || len(priv) != 32 {
		return errors.New("PARLEY_VAPID_PUBLIC_KEY/PARLEY_VAPID_PRIVATE_KEY: want a P-256 key pair in base64url (65 and 32 bytes)")
	}
	return nil
}

// awayProblems are the production refusals of this feature: generated VAPID keys, and mail
// links that would point at localhost.
func (c Config) awayProblems() []string {
	var out []string
	if c.VAPID.PublicKey == "" || c.VAPID.Subject == "" {
		out = append(out, "PARLEY_VAPID_PUBLIC_KEY, PARLEY_VAPID_PRIVATE_KEY and PARLEY_VAPID_SUBJECT must be set: generated Web Push keys are refused")
	}
	if c.SMTPURL != "" && c.PublicURL == "" {
		out = append(out, "PARLEY_PUBLIC_URL must be set with PARLEY_SMTP_URL: digest links would point at localhost")
	}
	return out
}

// EnsureVAPID fills in development Web Push keys when none are configured: generated once,
// kept in the data folder and printed (the public key is what a web app subscribes with).
func EnsureVAPID(cfg *Config) error {
	if cfg.VAPID.Subject == "" {
		cfg.VAPID.Subject = "mailto:parley@localhost"
	}
	if cfg.VAPID.PublicKey != "" {
		return nil
	}
	path := filepath.Join(cfg.DataDir, "vapid-keys.json")
	if b, err := os.ReadFile(path); err == nil {
		var v away.VAPID
		if json.Unmarshal(b, &v) == nil && checkVAPID(v) == nil {
			cfg.VAPID.PublicKey, cfg.VAPID.PrivateKey = v.PublicKey, v.PrivateKey
			slog.Info("using the development VAPID keys kept in the data folder", "path", path, "public_key", v.PublicKey)
			return nil
		}
	}
	v, err := away.GenerateVAPID(cfg.VAPID.Subject)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("keep generated VAPID keys: %w", err)
	}
	cfg.VAPID.PublicKey, cfg.VAPID.PrivateKey = v.PublicKey, v.PrivateKey
	slog.Warn("PARLEY_VAPID_PUBLIC_KEY is not set: generated development Web Push keys", "path", path, "public_key", v.PublicKey)
	return nil
}

// StartAway runs the push worker (when VAPID keys are configured) and the digest worker
// (when PARLEY_SMTP_URL is) on replicas that run the webhook worker, until ctx ends. done
// closes once both stopped.
func (a *App) StartAway(ctx context.Context) (done <-chan struct{}) {
	ch := make(chan struct{})
	c := a.Config
	if !c.WebhookWorker {
		close(ch)
		return ch
	}
	var workers []func(context.Context)
	if c.VAPID.PublicKey != "" {
		client := webhooks.NewClient(webhooks.Settings{AllowPrivate: c.WebhookAllowPrivate, RequireHTTPS: c.Production(),
			Timeout: c.WebhookTimeout})
		w := away.NewPushWorker(a.Store, away.PushSettings{VAPID: c.VAPID, Client: client, Poll: c.AwayPoll, Collapse: c.PushCollapse})
		workers = append(workers, w.Run)
	}
	if c.SMTPURL != "" {
		w := away.NewDigestWorker(a.Store, away.DigestSettings{SMTPURL: c.SMTPURL, From: c.MailFrom, PublicURL: c.publicURL(),
			After: c.DigestAfter, Poll: c.AwayPoll})
		workers = append(workers, w.Run)
	}
	go func() {
		defer close(ch)
		stopped := make(chan struct{}, len(workers))
		for _, run := range workers {
			go func() { run(ctx); stopped <- struct{}{} }()
		}
		for range workers {
			<-stopped
		}
	}()
	return ch
}

func (c Config) publicURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	return "http://localhost" + c.Addr
}

// unsubscribe serves the digest's one-click unsubscribe link (RFC 8058): POST turns the
// user's digests off (what a mail client's button sends, and the confirm page's form); GET
// shows that page. A link whose signature does not match is 404, like any unknown page.
func (a *App) unsubscribe(w http.ResponseWriter, r *http.Request) {
	userID, sig := r.URL.Query().Get("u"), r.URL.Query().Get("s")
	key, err := a.Store.UnsubscribeKey(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !away.VerifySigned(key, userID, sig) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"code": "NOT_FOUND", "message": "no such unsubscribe link"}})
		return
	}
	loc := a.localeOf(r, userID)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodGet {
		_ = unsubPage.Execute(w, map[string]string{"Lang": loc, "Title": i18n.Text(loc, i18n.UnsubTitle),
			"Button": i18n.Text(loc, i18n.UnsubButton), "Action": r.URL.RequestURI()})
		return
	}
	if err := a.Store.StopDigests(r.Context(), userID); err != nil {
		writeError(w, r, err)
		return
	}
	_ = unsubPage.Execute(w, map[string]string{"Lang": loc, "Title": i18n.Text(loc, i18n.UnsubDone)})
}

// localeOf is the user's language for the page; the default when it cannot be read.
func (a *App) localeOf(r *http.Request, userID string) string {
	l, _ := a.Store.UserLocale(r.Context(), userID)
	return i18n.Locale(l)
}

var unsubPage = template.Must(template.New("unsub").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title></head><body><h1>{{.Title}}</h1>
{{if .Button}}<form method="post" action="{{.Action}}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">{{.Button}}</button></form>{{end}}
</body></html>
`))
