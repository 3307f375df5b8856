// Package livews serves GraphQL over WebSocket, in the graphql-transport-ws protocol and the
// legacy subscriptions-transport-ws, for many idle subscribers: an idle connection costs one
// parked goroutine and no buffers. Events reach it through a Stream, which Transport.Bind hands
// to the resolvers, instead of a goroutine waiting on each subscription's channel. It imports
// gqlgen and nothing of Parley's: the server plugs in authentication, admission and binding.
package livews

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gobwas/ws"
)

// InitFunc accepts a connection_init payload, returning the context the connection's
// operations run in; a *Refusal error chooses the close code.
type InitFunc func(ctx context.Context, payload map[string]any) (context.Context, error)

// AdmitFunc lets an operation's subscribe message in before its document is read, returning
// the context it runs in; its error is the operation's error, and the connection stays open.
type AdmitFunc func(ctx context.Context) (context.Context, error)

// Transport is a gqlgen transport for WebSocket upgrades.
type Transport struct {
	Init InitFunc
	// Admit, when set, is asked before each subscribe message is parsed (rate limits).
	Admit AdmitFunc
	// Check, when set, runs with the connection's context before each operation starts: an
	// error closes the socket (a *Refusal chooses the code), so credentials that expire or
	// are revoked after connection_init stop working.
	Check func(ctx context.Context) error
	// Bind, when set, returns an operation's context carrying take, in whatever way its
	// resolvers look for it: a subscription resolver calls take to report its events to this
	// transport instead of having it wait on the channel (see Stream). The transport never
	// names the resolvers, nor they it.
	Bind func(ctx context.Context, take func() *Stream) context.Context
	// Origins are the browser origins allowed to connect ("*" for any, a host or host
	// pattern like "*.example.com", or a URL); pages of the server's own host always may.
	Origins      []string
	InitTimeout  time.Duration // for connection_init; default 10 s
	PingInterval time.Duration // keep-alive; default 20 s
	WriteTimeout time.Duration // for one write to the socket; default 10 s
	ReadLimit    int64         // largest client message; default 1 MiB

	mu    sync.Mutex
	conns map[*conn]struct{}
}

var _ graphql.Transport = (*Transport)(nil)

func (t *Transport) initTimeout() time.Duration  { return orDefault(t.InitTimeout, 10*time.Second) }
func (t *Transport) pingInterval() time.Duration { return orDefault(t.PingInterval, 20*time.Second) }
func (t *Transport) writeTimeout() time.Duration { return orDefault(t.WriteTimeout, 10*time.Second) }
func (t *Transport) readLimit() int64 {
	if t.ReadLimit <= 0 {
		return 1 << 20
	}
	return t.ReadLimit
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Supports claims WebSocket upgrade requests.
func (t *Transport) Supports(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Do upgrades the request and leaves the connection to its reader goroutine.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !t.originAllowed(r) {
		slog.Info("websocket: origin refused", "origin", r.Header.Get("Origin"))
		http.Error(w, `{"errors":[{"message":"origin not allowed","extensions":{"code":"FORBIDDEN"}}]}`, http.StatusForbidden)
		return
	}
	u := ws.HTTPUpgrader{Timeout: t.writeTimeout(), Protocol: func(p string) bool {
		return p == ProtocolTransportWS || p == ProtocolLegacy
	}}
	nc, rw, hs, err := u.Upgrade(r, w)
	if err != nil {
		slog.Info("websocket: upgrade refused", "err", err)
		if nc != nil {
			_ = nc.Close()
		}
		return
	}
	// A hijacked connection keeps the server's deadlines; a socket lives on its own pings.
	_ = nc.SetDeadline(time.Time{})
	var in io.Reader = nc
	if n := rw.Reader.Buffered(); n > 0 { // the client did not wait for our answer
		early, _ := rw.Reader.Peek(n)
		in = io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc)
	}
	// The request's context ends when this handler returns; the connection keeps its values
	// (not the request's headers: an idle connection should hold as little as it can).
	ctx := context.WithoutCancel(r.Context())
	c := newConn(ctx, t, nc, in, protocol{legacy: hs.Protocol != ProtocolTransportWS}, exec)
	t.remember(c)
	go c.readLoop()
}

// originAllowed follows the browser's same-origin rule unless the origin is configured.
func (t *Transport) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range t.Origins {
		if o == "*" {
			return true
		}
		if p, err := url.Parse(o); err == nil && p.Host != "" {
			o = p.Host
		}
		if ok, _ := path.Match(strings.ToLower(o), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

func (t *Transport) remember(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns == nil {
		t.conns = map[*conn]struct{}{}
	}
	t.conns[c] = struct{}{}
}

func (t *Transport) forget(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// Shutdown closes every connection with 1001 (going away), so clients reconnect elsewhere.
func (t *Transport) Shutdown() {
	t.mu.Lock()
	conns := make([]*conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	var wg sync.WaitGroup // at once: a stalled peer must not hold the others' close back
	for _, c := range conns {
		wg.Go(func() { c.closeWith(CloseGoingAway, "server shutting down") })
	}
	wg.Wait()
}

// Connections is how many sockets are open, for tests and metrics.
func (t *Transport) Connections() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}
