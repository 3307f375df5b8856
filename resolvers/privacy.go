package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/privacy"
)

// Privacy: data exports (the user's own), erasure and the audit log (back office).

// ExportPath is where a finished archive downloads, followed by the export's id.
const ExportPath = "/exports/"

func (r *queryResolver) DataExport(ctx context.Context, id string) (*graph.DataExport, error) {
	e, err := r.viewerExport(ctx, id)
	if err != nil {
		return nil, err
	}
	return exportOut(e), nil
}

// viewerExport loads the viewer's data export id; anyone else's is not found.
func (r *Resolver) viewerExport(ctx context.Context, id string) (*db.DataExport, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	n, err := exportID(id)
	if err != nil {
		return nil, err
	}
	return r.Store.DataExport(ctx, v.UserID, n)
}

func (r *queryResolver) DataExports(ctx context.Context) ([]*graph.DataExport, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	es, err := r.Store.DataExports(ctx, v.UserID, 20)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.DataExport, len(es))
	for i, e := range es {
		out[i] = exportOut(e)
	}
	return out, nil
}

func (r *mutationResolver) RequestDataExport(ctx context.Context) (*graph.DataExport, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	e, err := r.Store.RequestDataExport(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	return exportOut(e), nil
}

func exportID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, db.Invalid("id", "is not a data export id")
	}
	return n, nil
}

func exportOut(e *db.DataExport) *graph.DataExport {
	out := &graph.DataExport{ID: strconv.FormatInt(e.ID, 10), Status: graph.DataExportStatus(strings.ToUpper(e.Status)),
		CreatedAt: e.CreatedAt, FinishedAt: e.FinishedAt, ExpiresAt: e.ExpiresAt, SizeBytes: int(e.SizeBytes)}
	if downloadable(e) {
		u := ExportPath + out.ID
		out.DownloadURL = &u
	}
	return out
}

// downloadable: finished and not past its expiry (the sweep that marks it expired and deletes
// the archive runs only now and then).
func downloadable(e *db.DataExport) bool {
	return e.Status == "done" && (e.ExpiresAt == nil || e.ExpiresAt.After(time.Now()))
}

// OpenExport opens the viewer's finished archive id; anyone else's, and one not finished or
// expired, is not found. The caller closes Body.
func (r *Resolver) OpenExport(ctx context.Context, id string) (*Download, error) {
	e, err := r.viewerExport(ctx, id)
	if err != nil {
		return nil, err
	}
	if !downloadable(e) || e.StorageKey == "" {
		return nil, fmt.Errorf("data export archive: %w", db.ErrNotFound)
	}
	f, err := r.Files.Open(ctx, e.StorageKey)
	if err != nil {
		return nil, fmt.Errorf("open data export: %w", err)
	}
	return &Download{Name: fmt.Sprintf("parley-export-%d.zip", e.ID), ContentType: "application/zip", Size: e.SizeBytes, Body: f}, nil
}

// maxReason bounds an erasure's reason, which the audit log keeps.
const maxReason = 1000

func (r *mutationResolver) EraseUser(ctx context.Context, userID, reason string) (*graph.UserErasure, error) {
	p, err := auth.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxReason {
		return nil, db.Invalid("reason", "must be 1 to %d characters", maxReason)
	}
	er, err := r.Store.EraseUser(ctx, userID, p.KeyID, reason)
	if err != nil {
		return nil, err
	}
	// Files go after the commit; what fails here stays queued for the privacy worker.
	privacy.DeleteBlobs(context.WithoutCancel(ctx), r.Store, r.Files, er.Keys)
	// This replica's open subscriptions end now; again after an interrupted erasure too, whose
	// failed call told no one.
	r.Tokens.Revoked(userID, db.ErasedTokensBefore)
	out := &graph.UserErasure{UserID: userID, ErasedAt: er.ErasedAt, AlreadyErased: er.Already, Messages: er.Messages, Files: er.Files}
	if er.Audit != nil {
		out.Audit = auditOut(er.Audit)
	}
	return out, nil
}

func (r *queryResolver) AuditLog(ctx context.Context, userID *string, first *int) ([]*graph.AuditEntry, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	limit := 50
	if first != nil {
		if *first < 1 || *first > 200 {
			return nil, db.Invalid("first", "must be between 1 and 200")
		}
		limit = *first
	}
	es, err := r.Store.AuditLog(ctx, deref(userID), limit)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.AuditEntry, len(es))
	for i, e := range es {
		out[i] = auditOut(e)
	}
	return out, nil
}

func auditOut(e *db.AuditEntry) *graph.AuditEntry {
	var details any
	_ = json.Unmarshal(e.Details, &details)
	return &graph.AuditEntry{ID: strconv.FormatInt(e.ID, 10), Action: e.Action, ActorKeyID: e.ActorKeyID,
		UserID: e.SubjectUserID, Reason: e.Reason, Details: details, CreatedAt: e.CreatedAt}
}
