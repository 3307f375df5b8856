// Package live delivers changes to subscribers as they happen. The database is the truth:
// a Source wakes the Hub with ids only (PostgreSQL NOTIFY), and the Hub reads what changed
// from the database from its own position, checks at delivery that each subscriber may see
// it, and hands it over without ever waiting for a slow subscriber.
package live

import (
	"errors"
	"sync"

	"github.com/parley/parley/db"
)

// ErrSlow ends a subscriber that fell too far behind; it resumes from its cursor.
var ErrSlow = errors.New("subscriber fell behind")

// ErrStopped ends subscribers when the server shuts down.
var ErrStopped = errors.New("server shutting down")

// Sub is one live subscription: a bounded channel of events for one viewer.
type Sub[T any] struct {
	Viewer db.Viewer
	// Conv limits the subscription to one conversation; 0 means all of the viewer's.
	Conv int64

	out   chan T
	mu    sync.Mutex
	done  bool
	onEnd func(error)
}

func newSub[T any](v db.Viewer, conv int64, size int, onEnd func(error)) *Sub[T] {
	return &Sub[T]{Viewer: v, Conv: conv, out: make(chan T, size), onEnd: onEnd}
}

// C is where the events arrive; it is closed when the subscription ends.
func (s *Sub[T]) C() <-chan T { return s.out }

func (s *Sub[T]) wants(conv int64) bool { return s.Conv == 0 || s.Conv == conv }

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
	select {
	case s.out <- v:
		return true
	default:
		s.endLocked(ErrSlow)
		return false
	}
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
	if err != nil && s.onEnd != nil {
		s.onEnd(err)
	}
	close(s.out)
}

// MessageSub is a message subscription with a cursor: every message after it arrives once, in
// id order, whether it was replayed from the database or delivered live.
type MessageSub struct {
	*Sub[*db.Message]
	last      int64
	replaying bool
	pending   []*db.Message
}

// Last is the id of the last message handed over: the cursor to resume from.
func (m *MessageSub) Last() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// offer hands over a live message, or holds it while the replay runs.
func (m *MessageSub) offer(msg *db.Message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.replaying {
		if len(m.pending) >= 4*cap(m.out) {
			m.endLocked(ErrSlow)
			return
		}
		m.pending = append(m.pending, msg)
		return
	}
	m.sendLocked(msg)
}

func (m *MessageSub) sendLocked(msg *db.Message) bool {
	if msg.ID <= m.last {
		return true // already handed over (by the replay)
	}
	if !m.pushLocked(msg) {
		return false
	}
	m.last = msg.ID
	return true
}

// replayed hands over messages read from the database during the replay.
func (m *MessageSub) replayed(msgs []*db.Message) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range msgs {
		if !m.sendLocked(msg) {
			return false
		}
	}
	return !m.done
}

// goLive ends the replay: held live messages follow in order.
func (m *MessageSub) goLive() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range m.pending {
		if !m.sendLocked(msg) {
			break
		}
	}
	m.pending, m.replaying = nil, false
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
