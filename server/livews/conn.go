package livews

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gobwas/ws"
)

// Connection states.
const (
	stateOpen    = iota
	stateClosing // close frame sent: waiting for the peer's, nothing else goes out
	stateClosed
)

// conn is one WebSocket. At rest it costs one goroutine (the reader, parked in a read on the
// socket) and no buffers: client messages are handled, and events written, by goroutines that
// exist only while there is work (see work and flush).
type conn struct {
	t      *Transport
	nc     net.Conn
	in     io.Reader // nc, after any bytes the client sent along with the upgrade
	proto  protocol
	exec   graphql.GraphExecutor
	cancel context.CancelFunc
	// lastRead is when the client last sent a frame (unix nanoseconds): dead peers are found
	// by the keep-alive timer, not by a goroutine per connection.
	lastRead atomic.Int64
	wmu      sync.Mutex // one writer on the socket at a time
	wclosed  bool       // under wmu: the close frame went out

	mu        sync.Mutex
	ctx       context.Context // carries the identity once connection_init is accepted
	state     int
	initDone  bool
	initSeen  bool        // connection_init arrived (it may still be authenticating)
	timer     *time.Timer // init timeout, then keep-alive
	ops       map[string]*operation
	inbox     [][]byte     // client messages waiting for the worker, in order
	working   bool         // a worker goroutine is handling the inbox
	out       [][]byte     // control frames waiting to be written
	readyOps  []*operation // operations with an event (or their end) to write
	writing   bool         // a flush goroutine is writing
	closeCode int
}

func newConn(ctx context.Context, t *Transport, nc net.Conn, in io.Reader, proto protocol, exec graphql.GraphExecutor) *conn {
	ctx, cancel := context.WithCancel(ctx)
	c := &conn{t: t, nc: nc, in: in, proto: proto, exec: exec, ctx: ctx, cancel: cancel}
	c.lastRead.Store(time.Now().UnixNano())
	c.timer = time.AfterFunc(t.initTimeout(), c.tick)
	return c
}

// readLoop reads frames until the socket ends, then tears the connection down. Its stack
// stays small: everything else happens elsewhere.
func (c *conn) readLoop() {
	defer c.shutdown()
	for {
		payload, err := c.readMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		if payload != nil {
			c.receive(payload)
		}
	}
}

var errPeerClosed = errors.New("peer closed")

// readMessage returns the next data message, answering control frames on the way. A nil
// payload with no error means nothing to hand on (a control frame, or a fragment).
func (c *conn) readMessage() ([]byte, error) {
	var msg []byte
	fragmented := false // a data frame without Fin came: continuations follow
	text := false
	for {
		h, err := ws.ReadHeader(c.in)
		if err != nil {
			return nil, err
		}
		c.lastRead.Store(time.Now().UnixNano())
		if err := c.checkHeader(h, fragmented, len(msg)); err != nil {
			return nil, err
		}
		body := make([]byte, h.Length)
		if _, err := io.ReadFull(c.in, body); err != nil {
			return nil, err
		}
		ws.Cipher(body, h.Mask, 0)
		if h.OpCode.IsControl() {
			if err := c.control(h.OpCode, body); err != nil {
				return nil, err
			}
			continue
		}
		if !fragmented {
			text = h.OpCode == ws.OpText
		}
		msg = append(msg, body...)
		if !h.Fin {
			fragmented = true
			continue
		}
		if text && !utf8.Valid(msg) {
			return nil, &frameError{CloseInvalidData, "text is not UTF-8"}
		}
		return msg, nil
	}
}

// frameError closes the socket with a code when the peer breaks the WebSocket protocol.
type frameError struct {
	code   int
	reason string
}

func (e *frameError) Error() string { return e.reason }

func (c *conn) checkHeader(h ws.Header, fragmented bool, sofar int) error {
	switch {
	case !h.Masked:
		return &frameError{CloseProtocolError, "client frames must be masked"}
	case h.Rsv != 0:
		return &frameError{CloseProtocolError, "no extension was negotiated"}
	case h.OpCode.IsControl() && (h.Length > 125 || !h.Fin):
		return &frameError{CloseProtocolError, "bad control frame"}
	case h.OpCode.IsReserved():
		return &frameError{CloseProtocolError, "reserved opcode"}
	case int64(sofar)+h.Length > c.t.readLimit():
		return &frameError{CloseTooBig, "message too big"}
	case h.OpCode == ws.OpContinuation && !fragmented,
		(h.OpCode == ws.OpText || h.OpCode == ws.OpBinary) && fragmented:
		return &frameError{CloseProtocolError, "bad fragmentation"}
	}
	return nil
}

// control answers pings and the peer's close.
func (c *conn) control(op ws.OpCode, body []byte) error {
	switch op {
	case ws.OpPing:
		c.queueFrame(ws.OpPong, body)
	case ws.OpClose:
		c.mu.Lock()
		open := c.state == stateOpen
		c.mu.Unlock()
		if open {
			c.closeWith(echoCode(body), "")
		}
		return errPeerClosed
	}
	return nil
}

// echoCode is the code that answers a peer's close frame: its own when valid (RFC 6455 7.4).
func echoCode(body []byte) int {
	if len(body) == 0 {
		return CloseNormal
	}
	code, reason := ws.ParseCloseFrameData(body)
	valid := code >= 1000 && code <= 1003 || code >= 1007 && code <= 1011 || code >= 3000 && code <= 4999
	if len(body) == 1 || !valid || !utf8.ValidString(reason) {
		return CloseProtocolError
	}
	return int(code)
}

func (c *conn) readFailed(err error) {
	if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
		err = &frameError{CloseProtocolError, "bad frame header"}
	}
	var fe *frameError
	if errors.As(err, &fe) {
		slog.Info("websocket: refused frame", "reason", fe.reason)
		c.closeWith(fe.code, fe.reason)
		c.awaitPeerClose()
	}
}

// awaitPeerClose gives the peer a moment to answer our close frame before the socket goes.
func (c *conn) awaitPeerClose() {
	_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		h, err := ws.ReadHeader(c.in)
		if err != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, c.in, h.Length); err != nil || h.OpCode == ws.OpClose {
			return
		}
	}
}

// receive queues a client message for the worker, starting one if none runs.
func (c *conn) receive(payload []byte) {
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return
	}
	if len(c.inbox) >= maxInbox {
		c.mu.Unlock()
		c.closeWith(CloseBadRequest, "too many messages waiting")
		return
	}
	c.inbox = append(c.inbox, payload)
	start := !c.working
	c.working = true
	c.mu.Unlock()
	if start {
		go c.work()
	}
}

// maxInbox bounds the client messages waiting to be handled.
const maxInbox = 256

// closeWith sends a close frame with code and ends every operation; the reader then waits
// for the peer's close (or the read deadline) and tears the socket down.
func (c *conn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return
	}
	c.state = stateClosing
	c.closeCode = code
	ops := c.takeOpsLocked()
	c.mu.Unlock()
	endOps(ops)
	c.writeClose(closeFrame(code, reason))
	_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
}

// writeClose sends the close frame; nothing is written after it (RFC 6455 5.5.1).
func (c *conn) writeClose(frame []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return
	}
	c.wclosed = true
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.t.writeTimeout()))
	if _, err := c.nc.Write(frame); err != nil {
		_ = c.nc.Close()
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

func closeFrame(code int, reason string) []byte {
	for len(reason) > 120 { // a close frame's payload is at most 125 bytes; cut whole runes
		_, size := utf8.DecodeLastRuneInString(reason)
		reason = reason[:len(reason)-size]
	}
	return compileFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), reason))
}

// shutdown releases everything the connection holds.
func (c *conn) shutdown() {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	c.state = stateClosed
	ops := c.takeOpsLocked()
	c.inbox, c.out, c.readyOps = nil, nil, nil
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	endOps(ops)
	c.cancel()
	_ = c.nc.Close()
	c.t.forget(c)
}

func (c *conn) takeOpsLocked() map[string]*operation {
	ops := c.ops
	c.ops = nil
	for _, op := range ops {
		op.gone = true
	}
	return ops
}

func endOps(ops map[string]*operation) {
	for _, op := range ops {
		op.cancel()
	}
}

// write puts bytes on the socket, giving up after the write timeout; a failed write ends
// the connection (the reader's next read fails).
func (c *conn) write(b []byte) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return false
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.t.writeTimeout()))
	if _, err := c.nc.Write(b); err != nil {
		_ = c.nc.Close()
		return false
	}
	return true
}

// compileFrame is one unfragmented server frame (servers do not mask).
func compileFrame(op ws.OpCode, payload []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(payload) + ws.MaxHeaderSize)
	_ = ws.WriteHeader(&b, ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))})
	b.Write(payload)
	return b.Bytes()
}

// queueFrame queues a control frame, or a whole server message, for the flush goroutine.
func (c *conn) queueFrame(op ws.OpCode, payload []byte) {
	c.queue(compileFrame(op, payload))
}

func (c *conn) queue(frame []byte) {
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return
	}
	if len(c.out) >= maxInbox {
		c.mu.Unlock()
		c.shutdown() // a peer that sends but never reads: nothing more can reach it
		return
	}
	c.out = append(c.out, frame)
	c.startFlushLocked()
	c.mu.Unlock()
}

// send queues one protocol message.
func (c *conn) send(typ, id string, payload []byte) {
	c.queue(messageFrame(typ, id, payload))
}

// messageFrame is one protocol message as a text frame.
func messageFrame(typ, id string, payload []byte) []byte {
	var b bytes.Buffer
	appendFrame(&b, typ, id, payload)
	return b.Bytes()
}
