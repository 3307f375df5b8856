package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/auth"
)

type requestIDKey struct{}

var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID takes the caller's X-Request-ID when it is sane, or makes one, and echoes it.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !goodRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes, websockets).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush passes flushes through, for Server-Sent Events.
func (s *statusWriter) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Hijack passes the connection through, for WebSockets.
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// requestLine is what inner middleware adds to a request's log line.
type requestLine struct{ user, route string }

type requestLineKey struct{}

// logRequests writes one line per request, with the user once noteUser, further in, has
// authenticated them, and counts it in the metrics by its route template (noteRoute, further
// in, reads it off the mux). It never logs tokens or bodies.
func (a *App) logRequests(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		line := &requestLine{}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestLineKey{}, line)))
		took := time.Since(start)
		if line.route == "" { // refused before routing (load shedding, rate limits, bounds)
			_, line.route = mux.Handler(r)
			nameSpan(r, routeLabel(line.route))
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		timed := status != http.StatusSwitchingProtocols && sw.Header().Get("Content-Type") != "text/event-stream"
		a.Metrics.ObserveHTTP(routeLabel(line.route), r.Method, status, took, timed)
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(took.Microseconds()) / 1000}
		if line.user != "" {
			attrs = append(attrs, "user", line.user)
		}
		slog.InfoContext(r.Context(), "request", attrs...)
	})
}

// routeLabel is a route template as a metric label: the mux pattern, or "unmatched".
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

// noteRoute puts the pattern the mux chose (the REST front door's own, for its routes) on the
// request's log line and names its span by it. The mux sets Request.Pattern on the request it
// is handed, which is why this wraps it directly.
func noteRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if line, _ := r.Context().Value(requestLineKey{}).(*requestLine); line != nil {
			line.route = routeLabel(r.Pattern)
		}
		nameSpan(r, routeLabel(r.Pattern))
	})
}

// authenticate reads every request's credentials and stores the outcome (a Principal, or why
// there is none) in its context, for the resolvers and the REST handlers.
func authenticate(a *auth.Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"), r.Header.Get("X-API-Key"))
		if err != nil && !errors.Is(err, auth.ErrUnauthenticated) {
			slog.ErrorContext(r.Context(), "authenticate", "err", err)
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p, err)))
	})
}

// noteUser puts the authenticated user's id on the request's log line; it runs inside the
// authentication middleware, which logRequests runs outside of.
func noteUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line, _ := r.Context().Value(requestLineKey{}).(*requestLine)
		if p, err := auth.PrincipalFrom(r.Context()); err == nil && p.User != nil && line != nil {
			line.user = p.User.UserID
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler panic into a 500 with a log line, not a dropped connection.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // a recovered value, compared as net/http does
					panic(p)
				}
				slog.ErrorContext(r.Context(), "handler panicked", "panic", p)
				writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]string{"code": "INTERNAL", "message": "internal error"}})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// LogHandler adds the request id, and the trace and span ids when a span is in the context,
// to every log line written with a request's context.
type LogHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		rec.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, rec)
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }

// cors lets browsers on the allowed origins ("*" for any) call the API and read the request id.
// Only an origin named in the list may send credentials (cookies): bearer tokens need none, and
// "*" with credentials would let any site ride a browser's cookies.
func cors(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		named := origin != "" && slices.Contains(origins, origin)
		if named || (origin != "" && slices.Contains(origins, "*")) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if named {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			h.Set("Access-Control-Expose-Headers", "X-Request-ID")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, X-Request-ID, Idempotency-Key")
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
				h.Set("Access-Control-Max-Age", "600")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SetupLogging logs JSON lines to stderr at level (info when it does not parse), each with
// the request id of the context it was written with.
func SetupLogging(level string) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	h := slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv})
	slog.SetDefault(slog.New(LogHandler{Handler: h}))
}
