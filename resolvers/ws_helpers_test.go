package resolvers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parley/parley/server/apptest"
)

// rawWS is a WebSocket speaking one subprotocol, for the token and rate-limit tests that
// watch a socket directly (the transport's own tests are in server/livews).
type rawWS struct {
	t    *testing.T
	conn *websocket.Conn
}

func rawDial(t *testing.T, e *apptest.Env, proto string, header http.Header) *rawWS {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(4 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return &rawWS{t: t, conn: c}
}

func (w *rawWS) send(v any) {
	w.t.Helper()
	b, ok := v.([]byte)
	if !ok {
		b, _ = json.Marshal(v)
	}
	ctx, cancel := context.WithTimeout(w.t.Context(), 5*time.Second)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// read returns the next message, or the error that ended the socket.
func (w *rawWS) read(d time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(w.t.Context(), d)
	defer cancel()
	_, b, err := w.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("server sent %q: %v", b, err)
	}
	return m, nil
}

// until reads messages until one of type typ.
func (w *rawWS) until(typ string) map[string]any {
	w.t.Helper()
	for {
		m, err := w.read(5 * time.Second)
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m["type"] == typ {
			return m
		}
	}
}

func initMsg(token string) map[string]any {
	return map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}
}
