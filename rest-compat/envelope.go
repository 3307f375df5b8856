package restcompat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
)

// familyOf tells which envelope a path answers in.
func familyOf(path string) family {
	switch {
	case strings.HasPrefix(path, "/api/co/"):
		return familyCO
	case strings.HasPrefix(path, "/api/ws/"):
		return familyWS
	case path == "/v1/webhooks" || strings.HasPrefix(path, "/v1/webhooks/"):
		return familyBO
	}
	return familyMK
}

// isCompatPath reports whether a path belongs to the legacy REST surface.
func isCompatPath(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/v1/")
}

// fail writes err in the family's error envelope, logging it once.
func fail(w http.ResponseWriter, r *http.Request, fam family, err error) {
	ans := apierror.For(err)
	st, code, msg := ans.Status, ans.Code, apierror.PublicMessage(err)
	if st == http.StatusInternalServerError {
		if !errors.Is(err, context.Canceled) {
			slog.ErrorContext(r.Context(), "rest request failed", "path", r.URL.Path, "err", err)
		}
	} else {
		slog.InfoContext(r.Context(), "client error", "path", r.URL.Path, "status", st, "code", code)
	}
	writeError(w, r, fam, st, code, msg, apierror.Field(err))
}

func writeError(w http.ResponseWriter, r *http.Request, fam family, st int, code, msg, field string) {
	detail := map[string]any{"code": code, "message": msg}
	if field != "" {
		detail["field"] = field
	}
	var body any
	switch fam {
	case familyWS:
		body = map[string]any{"success": false, "message": msg, "error": detail}
	case familyMK, familyBO:
		body = map[string]any{"success": false, "error": detail}
	default:
		body = map[string]any{"error": detail, "meta": meta(w)}
	}
	writeJSON(w, st, body)
}

// meta is the {request_id, generated_at} block of the car-owner envelope.
func meta(w http.ResponseWriter) map[string]any {
	return map[string]any{"request_id": w.Header().Get("X-Request-ID"), "generated_at": time.Now().UTC().Format(time.RFC3339)}
}

func writeJSON(w http.ResponseWriter, st int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(st)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ok writes a success in the family's envelope: CO bodies go as they are, WS as
// {success, message, data}, MK as {success, data}.
func ok(w http.ResponseWriter, fam family, st int, message string, data any) {
	switch fam {
	case familyWS:
		writeJSON(w, st, map[string]any{"success": true, "message": message, "data": data})
	case familyMK, familyBO:
		writeJSON(w, st, map[string]any{"success": true, "data": data})
	default:
		writeJSON(w, st, data)
	}
}

// authorize lets through only an authenticated user of the family's roles, or for the
// back-office family an API key: no or bad credentials are 401, the wrong kind 403.
func (a *api) authorize(fam family, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fam == familyBO {
			if err := auth.BackOffice(r.Context()); err != nil {
				fail(w, r, fam, err)
				return
			}
			next(w, r)
			return
		}
		v, err := auth.User(r.Context())
		if err != nil {
			fail(w, r, fam, err)
			return
		}
		if !slices.Contains(familyRoles[fam], v.Role) {
			fail(w, r, fam, fmt.Errorf("this route is not for a %s token: %w", v.Role, apierror.ErrForbidden))
			return
		}
		next(w, r)
	})
}

// preflight answers OPTIONS with the documented body; the CORS headers come from the
// server's CORS middleware, the methods from the route table.
func (a *api) preflight(w http.ResponseWriter, r *http.Request) {
	methods := strings.Join(methodsFor(r.Pattern), ", ")
	w.Header().Set("Access-Control-Allow-Methods", methods)
	w.Header().Set("Allow", methods)
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{}, "meta": meta(w)})
}

// methodsFor lists the methods documented for the path of an OPTIONS pattern.
func methodsFor(pattern string) []string {
	path := strings.TrimPrefix(pattern, "OPTIONS ")
	ms := []string{"OPTIONS"}
	for _, rt := range routes {
		if rt.servedAt() == path && !slices.Contains(ms, rt.Method) {
			ms = append(ms, rt.Method)
		}
	}
	slices.Sort(ms)
	return ms
}

// envelope gives rest-compat's own mux's answers (404 for an unknown path, 405 for a wrong
// method) the family's JSON envelope instead of plain text.
func envelope(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(&plainRewriter{ResponseWriter: w, r: r}, r)
	})
}

// plainRewriter replaces a plain-text 404 or 405 (only the mux writes those) with JSON.
type plainRewriter struct {
	http.ResponseWriter
	r         *http.Request
	swallowed bool
}

func (p *plainRewriter) WriteHeader(code int) {
	plain := strings.HasPrefix(p.Header().Get("Content-Type"), "text/plain")
	if !plain || (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) {
		p.ResponseWriter.WriteHeader(code)
		return
	}
	p.swallowed = true
	p.Header().Del("X-Content-Type-Options")
	fam := familyOf(p.r.URL.Path)
	if code == http.StatusNotFound {
		writeError(p.ResponseWriter, p.r, fam, code, apierror.CodeNotFound, "no such route: "+p.r.URL.Path, "")
		return
	}
	writeError(p.ResponseWriter, p.r, fam, code, "METHOD_NOT_ALLOWED", p.r.Method+" is not allowed here; allowed: "+p.Header().Get("Allow"), "")
}

func (p *plainRewriter) Write(b []byte) (int, error) {
	if p.swallowed {
		return len(b), nil
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (p *plainRewriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// Owns reports whether path belongs to the legacy REST surface, whose answers use its envelopes.
func Owns(path string) bool { return isCompatPath(path) }

// Refuse answers a request refused before routing (body too large, rate limited, overloaded)
// in the envelope of its path's family.
func Refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	writeError(w, r, familyOf(r.URL.Path), status, code, msg, "")
}
