// Package gqlws is a small graphql-transport-ws client, for Parley's tests and its live
// benchmark.
// It imports nothing of Parley's.
package gqlws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// Conn is an acknowledged graphql-transport-ws connection.
type Conn struct {
	ws *websocket.Conn
	// Header is the handshake response's (a load balancer may name the replica it chose).
	Header http.Header
}

// Message is one server message.
type Message struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// CloseError is how the server closed the socket.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("closed with %d %s", e.Code, e.Reason) }

// Dial opens a socket to an http(s) GraphQL URL and sends connection_init with payload
// (nil for none), waiting for the ack.
func Dial(ctx context.Context, url string, header http.Header, payload map[string]any) (*Conn, error) {
	url = "ws" + strings.TrimPrefix(url, "http")
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &Conn{ws: ws, Header: resp.Header}
	if err := c.send(ctx, Message{Type: "connection_init", Payload: mustJSON(payload)}); err != nil {
		return nil, err
	}
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return nil, err
		}
		if m.Type == "connection_ack" {
			return c, nil
		}
	}
}

// Subscribe starts an operation under id.
func (c *Conn) Subscribe(ctx context.Context, id, query string, vars map[string]any) error {
	return c.send(ctx, Message{Type: "subscribe", ID: id, Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// Complete stops the operation id.
func (c *Conn) Complete(ctx context.Context, id string) error {
	return c.send(ctx, Message{Type: "complete", ID: id})
}

// Next reads the next message that is not a ping or pong (answering pings).
func (c *Conn) Next(ctx context.Context) (Message, error) {
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return Message{}, &CloseError{Code: int(ce.Code), Reason: ce.Reason}
			}
			return Message{}, err
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			return Message{}, fmt.Errorf("bad message %s: %w", b, err)
		}
		switch m.Type {
		case "ping":
			if err := c.send(ctx, Message{Type: "pong"}); err != nil {
				return Message{}, err
			}
		case "pong", "ka":
		default:
			return m, nil
		}
	}
}

// Data decodes a "next" message's data into v; an "error" message is returned as an error.
func (m Message) Data(v any) error {
	switch m.Type {
	case "next":
		var p struct {
			Data   json.RawMessage `json:"data"`
			Errors json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			return err
		}
		if len(p.Errors) > 0 && string(p.Errors) != "null" {
			return fmt.Errorf("errors: %s", p.Errors)
		}
		return json.Unmarshal(p.Data, v)
	case "error":
		return fmt.Errorf("subscription error: %s", m.Payload)
	}
	return fmt.Errorf("unexpected %s message", m.Type)
}

// Close closes the socket normally.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "bye") }

// CloseNow drops the socket without a closing handshake, like a client that vanished.
func (c *Conn) CloseNow() { _ = c.ws.CloseNow() } // abandoning: its error changes nothing

func (c *Conn) send(ctx context.Context, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}
