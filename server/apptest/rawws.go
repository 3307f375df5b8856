package apptest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// RawWS is a WebSocket speaking one subprotocol, for tests that watch a socket frame by frame.
type RawWS struct {
	T    *testing.T
	Conn *websocket.Conn
}

// DialWS opens a socket to e's /graphql, closed when the test ends.
func DialWS(t *testing.T, e *Env, proto string, header http.Header) *RawWS {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(4 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &RawWS{T: t, Conn: c}
}

// Send writes v as JSON (or as is, given bytes).
func (w *RawWS) Send(v any) {
	w.T.Helper()
	b, ok := v.([]byte)
	if !ok {
		b, _ = json.Marshal(v)
	}
	ctx, cancel := context.WithTimeout(w.T.Context(), 5*time.Second)
	defer cancel()
	if err := w.Conn.Write(ctx, websocket.MessageText, b); err != nil {
		w.T.Fatalf("write: %v", err)
	}
}

// Read returns the next message, or the error that ended the socket.
func (w *RawWS) Read(d time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(w.T.Context(), d)
	defer cancel()
	_, b, err := w.Conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		w.T.Fatalf("server sent %q: %v", b, err)
	}
	return m, nil
}

// Until reads messages until one of type typ.
func (w *RawWS) Until(typ string) map[string]any {
	w.T.Helper()
	for {
		m, err := w.Read(5 * time.Second)
		if err != nil {
			w.T.Fatalf("waiting for %s: %v", typ, err)
		}
		if m["type"] == typ {
			return m
		}
	}
}

// ClosedWith reads until the server closes the socket and checks its code.
func (w *RawWS) ClosedWith(code int) {
	w.T.Helper()
	for {
		_, err := w.Read(5 * time.Second)
		if err == nil {
			continue
		}
		if got := int(websocket.CloseStatus(err)); got != code {
			w.T.Fatalf("closed with %d (%v), want %d", got, err, code)
		}
		return
	}
}

// InitMsg is graphql-transport-ws's connection_init with a bearer token.
func InitMsg(token string) map[string]any {
	return map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}
}
