package livews

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits of one flush round: what is ready is batched into one write, but one busy
// operation cannot hold the others back.
const (
	maxPerRound   = 32
	maxRoundBytes = 64 << 10
)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer {
	b := buffers.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		buffers.Put(b)
	}
}

func (c *conn) startFlushLocked() {
	if c.writing {
		return
	}
	c.writing = true
	go c.flush()
}

// flush writes queued frames and the ready operations' responses until nothing is left,
// then ends: an idle connection has no writer goroutine and holds no write buffer.
func (c *conn) flush() {
	defer c.recoverPanic()
	buf := getBuffer()
	defer putBuffer(buf)
	for {
		buf.Reset()
		if !c.fill(buf) {
			return
		}
		if buf.Len() > 0 && !c.write(buf.Bytes()) {
			return // the socket is gone; the reader tears the connection down
		}
	}
}

// fill appends what is waiting to buf; false when nothing is, and the writer ends.
func (c *conn) fill(buf *bytes.Buffer) bool {
	c.mu.Lock()
	if c.state != stateOpen || (len(c.out) == 0 && len(c.readyOps) == 0) {
		c.writing = false
		c.mu.Unlock()
		return false
	}
	for _, f := range c.out {
		buf.Write(f)
	}
	c.out = nil
	ops := c.readyOps
	c.readyOps = nil
	for _, op := range ops {
		op.queued = false
	}
	c.mu.Unlock()
	for _, op := range ops {
		c.produce(op, buf)
	}
	return true
}

// produce takes the responses a live op can give without waiting and appends them as
// messages.
func (c *conn) produce(op *operation, buf *bytes.Buffer) {
	for n := 0; n < maxPerRound && buf.Len() < maxRoundBytes; n++ {
		c.mu.Lock()
		if op.gone || op.ended || op.ready == 0 {
			c.mu.Unlock()
			return
		}
		op.ready--
		taken := op.taken
		c.mu.Unlock()
		resp := op.next(op.ctx)
		if taken != nil {
			taken()
		}
		if resp == nil {
			c.finish(op, buf)
			return
		}
		if !c.isGone(op) {
			c.appendResponse(op, resp, buf)
		}
	}
	c.mu.Lock()
	c.scheduleLocked(op) // what is left goes round again
	c.mu.Unlock()
}

// runOnce reads an operation that is not live until it ends, queueing its messages in order.
func (c *conn) runOnce(op *operation) {
	defer c.recoverPanic()
	buf := getBuffer()
	defer putBuffer(buf)
	for {
		buf.Reset()
		resp := op.next(op.ctx)
		if resp == nil {
			c.finish(op, buf)
		} else if !c.isGone(op) {
			c.appendResponse(op, resp, buf)
		}
		if buf.Len() > 0 {
			c.queue(bytes.Clone(buf.Bytes()))
		}
		if resp == nil {
			return
		}
	}
}

func (c *conn) isGone(op *operation) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return op.gone
}

func (c *conn) appendResponse(op *operation, resp *graphql.Response, buf *bytes.Buffer) {
	payload, err := json.Marshal(resp)
	if err != nil {
		payload, _ = json.Marshal(graphql.Response{Errors: gqlerror.List{{Message: "internal error"}}})
	}
	appendFrame(buf, c.proto.next(), op.id, payload)
}

// finish writes an operation's end: its errors, or "complete".
func (c *conn) finish(op *operation, buf *bytes.Buffer) {
	c.mu.Lock()
	gone, errs := op.gone, op.errs
	op.ended = true
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	op.cancel()
	switch {
	case gone:
	case len(errs) > 0:
		payload, _ := json.Marshal(errs)
		appendFrame(buf, "error", op.id, payload)
	default:
		appendFrame(buf, "complete", op.id, nil)
	}
}

// appendFrame appends one server message as a text frame.
func appendFrame(buf *bytes.Buffer, typ, id string, payload []byte) {
	msg := getBuffer()
	defer putBuffer(msg)
	appendMessage(msg, typ, id, payload)
	_ = ws.WriteHeader(buf, ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(msg.Len())})
	buf.Write(msg.Bytes())
}
