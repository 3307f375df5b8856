// Package live delivers changes to subscribers as they happen. The database is the truth:
// a Source wakes the Hub with ids only (PostgreSQL NOTIFY), and the Hub reads what changed
// from the database from its own position, checks at delivery that each subscriber may see
// it, and hands it over without ever waiting for a slow subscriber.
// It imports db and bun only; resolvers subscribe through it and server runs its Hub.
package live

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/parley/parley/db"
)

// ErrSlow ends a subscriber that fell too far behind; it resumes from its cursor.
var ErrSlow = errors.New("subscriber fell behind")

// SlowError is ErrSlow with the cursor to resume from.
type SlowError struct{ After int64 }

func (e *SlowError) Error() string { return ErrSlow.Error() }

// Unwrap makes errors.Is(err, ErrSlow) hold.
func (e *SlowError) Unwrap() error { return ErrSlow }

// ErrStopped ends subscribers when the server shuts down.
var ErrStopped = errors.New("server shutting down")

// Sub is one live subscription: a bounded queue of events for one viewer.
//
// A transport that reads the channel from a goroutine of its own gets a channel as deep as the
// buffer. One that sets Hooks.OnReady pulls instead: the channel holds one event, the rest wait
// in a slice that exists only while events wait, so an idle subscription holds no buffer.
type Sub[T any] struct {
	Viewer db.Viewer
	// Conv limits the subscription to one conversation; 0 means all of the viewer's.
	Conv int64

	out    chan T
	mu     sync.Mutex
	done   bool // ended: nothing more is accepted
	closed bool // out is closed
	size   int
	queue  []T // pull mode: events behind the one in the channel
	hooks  Hooks
	// cursor, read under mu, is where a subscriber ended as slow resumes from.
	cursor func() int64
}

// Hooks tell the subscription's transport what happens to it. They may run under the
// subscription's lock: they must not call back into it.
type Hooks struct {
	// OnEnd says why the subscription ended (not called when its context ended it).
	OnEnd func(error)
	// OnReady, when set, makes the subscription pull-mode: it runs after each event is put in
	// the channel and once more after the channel is closed, so the transport reads exactly
	// that many times without waiting and needs no goroutine parked on an idle subscription.
	OnReady func()
	// Taken receives the function the transport calls after each event it took (pull mode):
	// the next waiting event then moves into the channel.
	Taken func(taken func())
}

func (h Hooks) ready() {
	if h.OnReady != nil {
		h.OnReady()
	}
}

func (h Hooks) pull() bool { return h.OnReady != nil }

func newSub[T any](v db.Viewer, conv int64, size int, hooks Hooks) *Sub[T] {
	depth := size
	if hooks.pull() {
		depth = 1
	}
	s := &Sub[T]{Viewer: v, Conv: conv, out: make(chan T, depth), size: size, hooks: hooks}
	if hooks.Taken != nil {
		hooks.Taken(s.taken)
	}
	return s
}

// C is where the events arrive; it is closed when the subscription ends.
func (s *Sub[T]) C() <-chan T { return s.out }

// push hands v over without waiting; a full buffer ends the subscriber with ErrSlow.
func (s *Sub[T]) push(v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushLocked(v)
}

func (s *Sub[T]) pushLocked(v T) bool {
	if s.done {
		return false
	}
	if !s.hooks.pull() {
		select {
		case s.out <- v:
			return true
		default:
			s.endLocked(ErrSlow)
			return false
		}
	}
	if len(s.queue) == 0 && len(s.out) < cap(s.out) {
		s.out <- v
		s.hooks.ready()
		return true
	}
	if len(s.queue) >= s.size {
		s.endLocked(ErrSlow)
		return false
	}
	s.queue = append(s.queue, v)
	return true
}

// taken moves the next waiting event into the channel once the transport took one, and
// closes the channel after the last one when the subscription has ended.
func (s *Sub[T]) taken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) > 0 && len(s.out) < cap(s.out) {
		var zero T
		s.out <- s.queue[0]
		s.queue[0] = zero
		if s.queue = s.queue[1:]; len(s.queue) == 0 {
			s.queue = nil
		}
		s.hooks.ready()
	}
	s.closeLocked()
}

// End closes the subscription, telling the subscriber why when err is not nil.
func (s *Sub[T]) End(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(err)
}

func (s *Sub[T]) endLocked(err error) {
	if s.done {
		return
	}
	s.done = true
	if errors.Is(err, ErrSlow) && s.cursor != nil {
		err = &SlowError{After: s.cursor()}
	}
	if err != nil && s.hooks.OnEnd != nil {
		s.hooks.OnEnd(err)
	}
	s.closeLocked()
}

// closeLocked closes the channel of an ended subscription once no event waits behind it.
func (s *Sub[T]) closeLocked() {
	if !s.done || s.closed || len(s.queue) > 0 {
		return
	}
	s.closed = true
	close(s.out)
	s.hooks.ready()
}

// MessageSub is a message subscription with a cursor: every message after it arrives once, in
// id order, whether it was replayed from the database or delivered live. While the replay
// runs, the replay goroutine is the channel's only writer: live messages wait in pending, and
// an end asked for meanwhile is carried out when the replay stops.
type MessageSub struct {
	*Sub[*db.Message]
	last      int64
	replaying bool
	pending   []*db.Message
	stopping  bool
	stopErr   error
	onDeliver func(age time.Duration) // Options.OnDeliver, for live messages only
}

// Last is the id of the last message handed over: the cursor to resume from.
func (m *MessageSub) Last() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// End closes the subscription (after the replay, if one runs).
func (m *MessageSub) End(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopLocked(err)
}

func (m *MessageSub) stopLocked(err error) {
	if !m.replaying {
		m.endLocked(err)
		return
	}
	if !m.stopping {
		m.stopping, m.stopErr = true, err
	}
}

// offer hands over a live message, or holds it while the replay runs.
func (m *MessageSub) offer(msg *db.Message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.replaying {
		m.sendLocked(msg)
		return
	}
	if len(m.pending) >= 4*m.size {
		m.stopLocked(ErrSlow)
		return
	}
	m.pending = append(m.pending, msg)
}

func (m *MessageSub) sendLocked(msg *db.Message) bool {
	if msg.ID <= m.last {
		return true // already handed over (by the replay)
	}
	if !m.pushLocked(msg) {
		return false
	}
	m.last = msg.ID
	if m.onDeliver != nil {
		m.onDeliver(time.Since(msg.CreatedAt))
	}
	return true
}

// replayWait is how long a replayed message may wait for a subscriber that reads nothing.
const replayWait = 10 * time.Second

// replayed hands over messages read from the database, waiting for the subscriber to take
// each (it is the only writer meanwhile). It reports whether to go on.
func (m *MessageSub) replayed(ctx context.Context, msgs []*db.Message) bool {
	timer := time.NewTimer(replayWait)
	defer timer.Stop()
	for _, msg := range msgs {
		m.mu.Lock()
		stopping, last := m.stopping, m.last
		m.mu.Unlock()
		if stopping || ctx.Err() != nil {
			return false
		}
		if msg.ID <= last {
			continue
		}
		timer.Reset(replayWait)
		select {
		case m.out <- msg:
			m.hooks.ready()
		case <-ctx.Done():
			return false
		case <-timer.C:
			m.End(ErrSlow)
			return false
		}
		m.mu.Lock()
		m.last = msg.ID
		m.mu.Unlock()
	}
	return true
}

// goLive ends the replay: held live messages follow in order, or the end asked for meanwhile
// is carried out.
func (m *MessageSub) goLive() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.replaying = false
	if m.stopping {
		m.endLocked(m.stopErr)
		return
	}
	for _, msg := range m.pending {
		if !m.sendLocked(msg) {
			break
		}
	}
	m.pending = nil
}

// UnreadSub sends unread counts when they change.
type UnreadSub struct {
	*Sub[*db.UnreadCounts]
	last *db.UnreadCounts
}

// Receipt says a participant read a conversation up to a message.
type Receipt struct {
	ConversationID int64
	Participant    *db.Participant
}

// Typing says a user is typing in a conversation until ExpiresAt.
type Typing struct {
	ConversationID int64
	User           *db.User
	ExpiresAtUnix  int64
}
