package server

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"net/http"

	"github.com/parley/parley/privacy"
)

// privacyConfig reads PARLEY_RETENTION, PARLEY_EXPORT_TTL and PARLEY_EXPORT_MAX_FILES_MB.
func privacyConfig(c *Config) error {
	var err error
	if c.Retention, err = retentionFromEnv(os.Getenv("PARLEY_RETENTION")); err != nil {
		return err
	}
	if err := durationsFromEnv(map[string]*time.Duration{"PARLEY_EXPORT_TTL": &c.ExportTTL}); err != nil {
		return err
	}
	if v := os.Getenv("PARLEY_EXPORT_MAX_FILES_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("PARLEY_EXPORT_MAX_FILES_MB=%q: want a positive number of MiB", v)
		}
		c.ExportMaxFileBytes = n << 20
	}
	return nil
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
