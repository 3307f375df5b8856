package livews

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// operation is one subscribe (or query) on a connection. A live one holds no goroutine: the
// source of its events calls Ready, and the connection's flush goroutine then takes exactly
// one response from it without waiting.
type operation struct {
	id     string
	conn   *conn
	ctx    context.Context
	cancel context.CancelFunc

	// Under conn.mu:
	next    graphql.ResponseHandler
	started bool // next is set
	stream  bool // a live source calls Ready; otherwise runOnce reads next until it ends
	ready   int  // responses (or the end) that next can give without waiting
	queued  bool // in conn.readyOps
	gone    bool // the client or the connection ended it: send nothing more
	ended   bool // its end was written
	errs    gqlerror.List
	taken   func() // tells the source an event was taken, so it may put the next one up
}

// Stream is how a subscription resolver served by this transport reports its events. Taking
// it binds the operation: from then on the transport reads the subscription's channel only
// after Ready, once per event and once after the channel is closed. Transport.Bind hands the
// resolvers a function that takes it.
type Stream struct{ op *operation }

// takeStream binds op to its subscription's events.
func (op *operation) takeStream() *Stream {
	op.conn.mu.Lock()
	op.stream = true
	op.conn.mu.Unlock()
	return &Stream{op: op}
}

// Ready says one more event (or the channel's close) can be read without waiting.
func (s *Stream) Ready() {
	c := s.op.conn
	c.mu.Lock()
	defer c.mu.Unlock()
	s.op.ready++
	c.scheduleLocked(s.op)
}

// OnTaken registers what to call after each event the transport takes from the channel.
func (s *Stream) OnTaken(f func()) {
	c := s.op.conn
	c.mu.Lock()
	defer c.mu.Unlock()
	s.op.taken = f
}

// Fail says why the subscription ended; the client gets it as the operation's error
// instead of "complete". Call it before closing the channel.
func (s *Stream) Fail(err *gqlerror.Error) {
	c := s.op.conn
	c.mu.Lock()
	defer c.mu.Unlock()
	s.op.errs = append(s.op.errs, err)
}

// begin hands the operation its responses once its resolver has run. A live one waits for
// Ready; anything else (a query, a mutation, an error) runs on a goroutine of its own, so it
// never holds up the connection's events.
func (op *operation) begin(next graphql.ResponseHandler, ctx context.Context) {
	c := op.conn
	c.mu.Lock()
	op.next, op.ctx, op.started = next, ctx, true
	if op.stream && op.taken == nil {
		op.stream = false // its resolver took the stream but failed before subscribing
	}
	stream := op.stream
	if stream {
		c.scheduleLocked(op)
	}
	c.mu.Unlock()
	if !stream {
		go c.runOnce(op)
	}
}

// fail ends an operation that never started with errors.
func (op *operation) fail(errs gqlerror.List) {
	op.conn.mu.Lock()
	op.errs = errs
	op.conn.mu.Unlock()
	op.begin(func(context.Context) *graphql.Response { return nil }, op.ctx)
}

// scheduleLocked queues op for the flush goroutine when it has something to give.
func (c *conn) scheduleLocked(op *operation) {
	if !op.started || op.queued || op.ready == 0 || op.gone || c.state != stateOpen {
		return
	}
	op.queued = true
	c.readyOps = append(c.readyOps, op)
	c.startFlushLocked()
}
