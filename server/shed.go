package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/resolvers"
	restcompat "github.com/parley/parley/rest-compat"
)

// Codes of requests refused before any route sees them.
const (
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
	CodeRequestTimeout  = "REQUEST_TIMEOUT"
	CodeOverloaded      = "OVERLOADED"
)

// exempt tells the health checks apart: they are never limited, so orchestrators see the truth.
func exempt(r *http.Request) bool { return r.URL.Path == "/healthz" || r.URL.Path == "/readyz" }

// isUpgrade tells a WebSocket handshake (a GET naming websocket) from a request that merely
// carries an Upgrade header, which must not escape the body bounds.
func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), "websocket")
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// refuse answers a request the middleware turns away: in the REST envelope on legacy paths, as
// a GraphQL error on /graphql, and as {"error": {code, message}} elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string, retryAfter int) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	switch {
	case restcompat.Owns(r.URL.Path):
		restcompat.Refuse(w, r, status, code, msg)
	case r.URL.Path == "/graphql":
		ext := map[string]any{"code": code}
		if retryAfter > 0 {
			ext["retryAfter"] = retryAfter
		}
		writeJSON(w, status, map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": ext}}})
	default:
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
	}
}

// refuseLimited answers 429. The body is not read yet: the connection closes rather than
// read it (net/http would discard up to 256 KiB of it before answering).
func refuseLimited(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the caller left while its token was being taken: nobody reads an answer
	}
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	retry := max(apierror.RetryAfter(err), 1)
	ans := apierror.For(err)
	refuse(w, r, ans.Status, ans.Code, apierror.PublicMessage(err), retry)
}

// limitCallers takes a rate token before any parsing: from the client address's bucket for a
// request without valid credentials, from the caller's own for GraphQL over HTTP (see
// Resolver.PrechargeGraphQL). REST routes charge users themselves, before their work.
func (a *App) limitCallers(next http.Handler) http.Handler {
	lim := a.Limiter
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lim == nil || exempt(r) || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := auth.PrincipalFrom(r.Context()); err != nil {
			if err := lim.AllowAddress(r.Context(), clientAddr(r, a.Config.TrustedProxies)); err != nil {
				refuseLimited(w, r, err)
				return
			}
		} else if r.URL.Path == "/graphql" && !isUpgrade(r) {
			ctx, err := callerLimits{lim}.PrechargeGraphQL(r.Context())
			if err != nil {
				refuseLimited(w, r, err)
				return
			}
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the address a request's rate bucket is kept under: the peer's, or, when the
// peer is a trusted proxy, the nearest X-Forwarded-For hop that is not one. IPv6 clients are
// bucketed by /64, which one subscriber usually holds whole.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			if addr = hop.Unmap(); !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// boundBodies refuses a body over its limit with 413, by its Content-Length before reading it
// or while reading a chunked one, and cuts a body not sent within the body timeout. Bodies
// other than multipart uploads are read whole here, so a slow sender never holds a slot of
// shedLoad. net/http clears the read deadline when the body ends, so an event stream that
// follows is not cut; a hijacked WebSocket clears its own (livews).
func (a *App) boundBodies(next http.Handler) http.Handler {
	maxBody := a.Config.MaxBodyBytes()
	maxUpload := max(maxBody, resolvers.MaxAttachments*a.Resolver.MaxUpload()+1<<20)
	timeout := a.Config.BodyReadTimeout()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		limit, upload := maxBody, isMultipart(r)
		if upload {
			limit = maxUpload
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			refuse(w, r, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, tooLarge(limit), 0)
			return
		}
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
		body := http.MaxBytesReader(w, r.Body, limit)
		if upload {
			r.Body = body
			next.ServeHTTP(w, r)
			return
		}
		buf, err := io.ReadAll(body)
		if err != nil {
			refuseBody(w, r, err, limit)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(buf))
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) string {
	return fmt.Sprintf("the request body is larger than %d KiB", limit>>10)
}

// refuseBody answers a body that could not be read: too large, too slow, or broken off.
func refuseBody(w http.ResponseWriter, r *http.Request, err error, limit int64) {
	w.Header().Set("Connection", "close")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		refuse(w, r, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, tooLarge(limit), 0)
	case errors.Is(err, os.ErrDeadlineExceeded):
		refuse(w, r, http.StatusRequestTimeout, CodeRequestTimeout, "the request body was not sent in time", 0)
	default:
		refuse(w, r, http.StatusBadRequest, apierror.CodeBadUserInput, "the request body could not be read", 0)
	}
}

// shedLoad works on at most limit requests at once and answers the rest 503 with Retry-After
// at once, so the requests it admits stay quick. A WebSocket leaves the count when it is
// upgraded, a Server-Sent Events stream once its subscription is admitted (not at its first
// flush: gqlgen flushes before it runs any operation, so a query or mutation sent as an event
// stream keeps its slot until it is answered).
func shedLoad(limit int, next http.Handler) http.Handler {
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			if isMultipart(r) { // its body is unread: close rather than read it
				w.Header().Set("Connection", "close")
			}
			refuse(w, r, http.StatusServiceUnavailable, CodeOverloaded, "the server is busy: retry shortly", 1)
			return
		}
		var once sync.Once
		release := func() { once.Do(func() { <-slots }) }
		defer release()
		r = r.WithContext(OnSubscribed(r.Context(), release))
		next.ServeHTTP(&streamWriter{ResponseWriter: w, established: release}, r)
	})
}

// streamWriter calls established when the connection is hijacked for a WebSocket.
type streamWriter struct {
	http.ResponseWriter
	established func()
}

// Unwrap lets http.ResponseController reach the connection.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush passes flushes through, for event streams.
func (s *streamWriter) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

// Hijack passes the connection through, for WebSockets.
func (s *streamWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.established()
	return http.NewResponseController(s.ResponseWriter).Hijack()
}
