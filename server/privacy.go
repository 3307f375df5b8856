package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parley/parley/privacy"
)

// privacyConfig reads PARLEY_RETENTION, PARLEY_EXPORT_TTL and PARLEY_EXPORT_MAX_FILES_MB.
func privacyConfig(c *Config, p *problems) {
	var err error
	if c.Retention, err = retentionFromEnv(os.Getenv("PARLEY_RETENTION")); err != nil {
		p.addf("%s", err)
	}
	p.durations(map[string]*time.Duration{"PARLEY_EXPORT_TTL": &c.ExportTTL})
	c.ExportMaxFileBytes = int64(p.envInt("PARLEY_EXPORT_MAX_FILES_MB", 1024, 1, 1<<20, "a whole number of MiB, 1 to 1048576")) << 20
}

// retentionFromEnv reads a retention period: empty or 0 is off; otherwise a Go duration
// (8760h) or a number of days (365d).
func retentionFromEnv(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("PARLEY_RETENTION=%q: want 0 (off), a duration such as 8760h, or days such as 365d", v)
}

// PrivacyWorker is the worker StartPrivacy runs (tests drive one directly).
func (a *App) PrivacyWorker() *privacy.Worker {
	c := a.Config
	return privacy.NewWorker(a.Store, a.Resolver.Files, privacy.Settings{Poll: c.PrivacyPoll, Retention: c.Retention, RetentionBatch: c.RetentionBatch,
		ExportKeep: c.ExportTTL, ExportFileBytes: c.ExportMaxFileBytes})
}

// StartPrivacy runs the privacy worker (exports, file deletions, export expiry, retention) on
// replicas that run the webhook worker, until ctx ends. done closes once it stopped.
func (a *App) StartPrivacy(ctx context.Context) (done <-chan struct{}) {
	ch := make(chan struct{})
	if !a.Config.WebhookWorker {
		close(ch)
		return ch
	}
	w := a.PrivacyWorker()
	go func() {
		defer close(ch)
		w.Run(ctx)
	}()
	return ch
}

// exportDownload serves a finished data export to its owner; anyone else gets 404.
func (a *App) exportDownload(w http.ResponseWriter, r *http.Request) {
	d, err := a.Resolver.OpenExport(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer d.Body.Close()
	serveDownload(w, d)
}

func retentionText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}

func orInt64(n, def int64) int64 {
	if n > 0 {
		return n
	}
	return def
}
