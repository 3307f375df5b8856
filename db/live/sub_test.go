package live

import (
	"errors"
	"testing"

	"github.com/parley/parley/db"
)

// pullHooks records what a pull-mode subscription tells its transport.
type pullHooks struct {
	ready int
	taken func()
	ended error
}

func (p *pullHooks) hooks() Hooks {
	return Hooks{OnReady: func() { p.ready++ }, Taken: func(f func()) { p.taken = f }, OnEnd: func(err error) { p.ended = err }}
}

// take reads one event as the transport does: only when one is ready, then says so.
func (p *pullHooks) take(t *testing.T, c <-chan *db.Message) (*db.Message, bool) {
	t.Helper()
	if p.ready == 0 {
		t.Fatal("take without a ready event")
	}
	p.ready--
	m, ok := <-c
	p.taken()
	return m, ok
}

// In pull mode the channel holds one event and the rest queue in order; the end comes after
// the last queued event; more than the buffer waiting ends the subscriber as slow.
func TestPullModeQueuesInOrderAndEndsAfterTheLast(t *testing.T) {
	var p pullHooks
	s := newSub[*db.Message](db.Viewer{}, 0, 3, p.hooks())
	if cap(s.out) != 1 {
		t.Fatalf("pull-mode channel holds %d", cap(s.out))
	}
	for id := int64(1); id <= 3; id++ {
		s.push(&db.Message{ID: id})
	}
	if p.ready != 1 || len(s.queue) != 2 {
		t.Fatalf("ready %d, queued %d", p.ready, len(s.queue))
	}
	s.End(nil)
	for want := int64(1); want <= 3; want++ {
		m, ok := p.take(t, s.C())
		if !ok || m.ID != want {
			t.Fatalf("got %v %v, want message %d", m, ok, want)
		}
	}
	if _, ok := p.take(t, s.C()); ok || p.ready != 0 {
		t.Fatalf("after the last event: open %v, ready %d", ok, p.ready)
	}

	var q pullHooks
	slow := newSub[*db.Message](db.Viewer{}, 0, 2, q.hooks())
	for id := int64(1); id <= 4; id++ { // one in the channel, two queued, the fourth overflows
		slow.push(&db.Message{ID: id})
	}
	if !errors.Is(q.ended, ErrSlow) {
		t.Fatalf("overflow ended with %v", q.ended)
	}
	for want := int64(1); want <= 3; want++ { // what was accepted still arrives, then the end
		if m, ok := q.take(t, slow.C()); !ok || m.ID != want {
			t.Fatalf("got %v %v, want message %d", m, ok, want)
		}
	}
	if _, ok := q.take(t, slow.C()); ok {
		t.Fatal("channel still open after a slow end")
	}
}

// Live messages arriving during a replay wait as many as the buffer allows (times four),
// however shallow the pull-mode channel is.
func TestReplayHoldsLiveMessagesUpToTheBuffer(t *testing.T) {
	var p pullHooks
	s := &MessageSub{Sub: newSub[*db.Message](db.Viewer{}, 0, 256, p.hooks()), replaying: true}
	s.cursor = func() int64 { return s.last }
	for id := int64(1); id <= 4*256; id++ {
		s.offer(&db.Message{ID: id})
	}
	if s.stopping {
		t.Fatalf("stopped as slow with %d held", len(s.pending))
	}
	s.offer(&db.Message{ID: 4*256 + 1})
	if !s.stopping {
		t.Fatal("more than four buffers held during a replay")
	}
}
