package livews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// work handles the queued client messages in order, then ends: an idle connection has no
// worker.
func (c *conn) work() {
	defer c.recoverPanic()
	for {
		c.mu.Lock()
		if len(c.inbox) == 0 || c.state != stateOpen {
			c.inbox = nil
			c.working = false
			c.mu.Unlock()
			return
		}
		m := c.inbox[0]
		c.inbox[0] = nil
		c.inbox = c.inbox[1:]
		c.mu.Unlock()
		c.handle(m)
	}
}

func (c *conn) recoverPanic() {
	if r := recover(); r != nil {
		slog.Error("websocket: panic", "panic", r, "stack", string(debug.Stack()))
		c.closeWith(CloseInternalError, "internal error")
	}
}

func (c *conn) handle(raw []byte) {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		c.refuse(CloseBadRequest, "Invalid message received")
		return
	}
	switch c.proto.intent(m.Type) {
	case askInit:
		c.init(m.Payload)
	case askSubscribe:
		c.subscribe(m.ID, m.Payload)
	case askComplete:
		c.complete(m.ID)
	case askPing:
		c.send("pong", "", m.Payload)
	case askPong:
	case askTerminate:
		c.closeWith(CloseNormal, "")
	default:
		c.refuse(CloseBadRequest, fmt.Sprintf("Invalid message type %q", m.Type))
	}
}

// refuse ends the connection for a protocol error; the legacy protocol first says why in a
// connection_error message.
func (c *conn) refuse(code int, reason string) {
	slog.Info("websocket: closed", "code", code, "reason", reason)
	c.mu.Lock()
	open := c.state == stateOpen
	c.mu.Unlock()
	if open && c.proto.legacy {
		b, _ := json.Marshal(map[string]string{"message": reason})
		c.write(messageFrame("connection_error", "", b))
	}
	c.closeWith(code, reason)
}

// init authenticates the connection from connection_init.
func (c *conn) init(raw json.RawMessage) {
	c.mu.Lock()
	again := c.initSeen
	c.initSeen = true
	ctx := c.ctx
	c.mu.Unlock()
	if again {
		c.refuse(CloseTooManyInits, "Too many initialisation requests")
		return
	}
	var payload map[string]any
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &payload); err != nil {
			c.refuse(CloseBadRequest, "connection_init payload must be an object")
			return
		}
	}
	if c.t.Init != nil {
		var err error
		if ctx, err = c.t.Init(ctx, payload); err != nil {
			c.refuseFor(err)
			return
		}
	}
	c.mu.Lock()
	c.ctx, c.initDone = ctx, true
	if c.state == stateOpen {
		c.timer.Reset(c.t.pingInterval()) // from now on it keeps the connection alive
	}
	c.mu.Unlock()
	c.send("connection_ack", "", nil)
	if c.proto.legacy {
		c.send("ka", "", nil)
	}
}

// refuseFor closes the socket for an Init or Check error: with its Refusal's code, else 4403.
func (c *conn) refuseFor(err error) {
	var r *Refusal
	if !errors.As(err, &r) {
		r = &Refusal{Code: CloseForbidden, Reason: "Forbidden"}
	}
	c.refuse(r.Code, r.Reason)
}

// Refusal is an InitFunc's or Check's error that closes the socket with Code.
type Refusal struct {
	Code   int
	Reason string
	Err    error
}

func (r *Refusal) Error() string {
	if r.Err == nil {
		return r.Reason
	}
	return r.Reason + ": " + r.Err.Error()
}
func (r *Refusal) Unwrap() error { return r.Err }

// tick is the connection's one timer: first the deadline for connection_init, then the
// keep-alive that also finds peers that went away without closing.
func (c *conn) tick() {
	c.mu.Lock()
	open, seen, done := c.state == stateOpen, c.initSeen, c.initDone
	c.mu.Unlock()
	switch {
	case !open:
	case !seen:
		c.refuse(CloseInitTimeout, "Connection initialisation timeout")
	case !done: // connection_init came in time and is still being checked; init re-arms
	case time.Since(time.Unix(0, c.lastRead.Load())) > 3*c.t.pingInterval():
		slog.Info("websocket: peer silent, closing")
		c.shutdown()
	default:
		c.send(c.proto.keepAlive(), "", nil)
		c.queueFrame(ws.OpPing, nil)
		c.mu.Lock()
		if c.state == stateOpen {
			c.timer.Reset(c.t.pingInterval())
		}
		c.mu.Unlock()
	}
}

// subscribe starts an operation. Its resolver runs here; a subscription then waits for
// events without a goroutine of its own.
func (c *conn) subscribe(id string, raw json.RawMessage) {
	c.mu.Lock()
	ready, ctx := c.initDone, c.ctx
	_, dup := c.ops[id]
	c.mu.Unlock()
	switch {
	case !ready:
		c.refuse(CloseUnauthorized, "Unauthorized")
		return
	case id == "" || len(raw) == 0:
		c.refuse(CloseBadRequest, "subscribe needs an id and a payload")
		return
	case dup:
		c.refuse(CloseDuplicateID, "Subscriber for "+id+" already exists")
		return
	}
	if c.t.Check != nil {
		if err := c.t.Check(ctx); err != nil {
			c.refuseFor(err)
			return
		}
	}
	op := c.addOp(ctx, id)
	if op == nil {
		return
	}
	c.start(op, raw)
}

func (c *conn) addOp(ctx context.Context, id string) *operation {
	ctx, cancel := context.WithCancel(ctx)
	op := &operation{id: id, conn: c, ctx: ctx, cancel: cancel}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		cancel()
		return nil
	}
	if c.ops == nil {
		c.ops = map[string]*operation{}
	}
	c.ops[id] = op
	return op
}

func (c *conn) start(op *operation, raw json.RawMessage) {
	start := graphql.Now()
	ctx := op.ctx
	if c.t.Admit != nil {
		var err error
		if ctx, err = c.t.Admit(ctx); err != nil {
			op.fail(c.exec.DispatchError(ctx, gqlerror.List{gqlerror.WrapIfUnwrapped(err)}).Errors)
			return
		}
	}
	var params graphql.RawParams
	if err := json.Unmarshal(raw, &params); err != nil {
		op.fail(gqlerror.List{{Message: "invalid json", Extensions: map[string]any{"code": errcode.ParseFailed}}})
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx = graphql.StartOperationTrace(ctx)
	rc, errs := c.exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			op.fail(resp.Errors)
			return
		}
		op.begin(graphql.OneShot(resp), ctx)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if c.t.Bind != nil {
		ctx = c.t.Bind(ctx, op.takeStream)
	}
	next, ctx := c.exec.DispatchOperation(ctx, rc)
	op.begin(next, ctx)
}

// complete stops an operation the client no longer wants; nothing more is sent for it.
func (c *conn) complete(id string) {
	c.mu.Lock()
	op := c.ops[id]
	if op != nil {
		delete(c.ops, id)
		op.gone = true
	}
	c.mu.Unlock()
	if op != nil {
		op.cancel()
	}
}
