package benchlive

import (
	"bytes"
	"context"
	"time"

	"github.com/coder/websocket"
)

// subscriber is one connection with one subscription. Only its reader goroutine writes its
// fields; they are read after the reader stopped.
type subscriber struct {
	ws     *websocket.Conn
	thread int
	seen   []uint64 // bit k: the k-th message of the thread arrived
	unique int64
	dups   int64
	// foreign counts messages of another thread: authorization or filtering gone wrong.
	foreign int64
	ended   string
}

// handle takes one frame. Message frames are parsed by hand: at a million deliveries a
// second a JSON decoder per frame would cost the clients more CPU than the server spends.
func (s *subscriber) handle(ctx context.Context, b []byte, now time.Time, st *stats) {
	switch messageType(b) {
	case "next":
		if m, ok := parseBody(b); ok {
			s.deliver(m, now, st)
		} else if bytes.Contains(b, []byte(`"errors"`)) {
			s.ended = "error in next: " + errorCode(b)
		}
	case "ping":
		_ = s.ws.Write(ctx, websocket.MessageText, pong)
	case "error":
		s.ended = "ended: " + errorCode(b)
	case "complete":
		if s.ended == "" {
			s.ended = "completed by the server"
		}
	}
}

func (s *subscriber) deliver(m benchMessage, now time.Time, st *stats) {
	if m.thread != s.thread {
		s.foreign++
		return
	}
	word, bit := m.k/64, uint64(1)<<(m.k%64)
	for len(s.seen) <= word {
		s.seen = append(s.seen, 0)
	}
	if s.seen[word]&bit != 0 {
		s.dups++
		return
	}
	s.seen[word] |= bit
	s.unique++
	st.received.Add(1)
	st.latency.record(now.Sub(time.Unix(0, m.sentNanos)))
	ns := now.UnixNano()
	st.first.CompareAndSwap(0, ns)
	for {
		l := st.last.Load()
		if ns <= l || st.last.CompareAndSwap(l, ns) {
			break
		}
	}
}

type benchMessage struct {
	thread, k int
	sentNanos int64
}

// parseBody finds "body":"bench <seq> <thread> <k> <unix ns>" in a frame.
func parseBody(b []byte) (benchMessage, bool) {
	i := bytes.Index(b, []byte(`"body":"bench `))
	if i < 0 {
		return benchMessage{}, false
	}
	rest := b[i+len(`"body":"bench `):]
	var nums [4]int64
	for j := range nums {
		n, used := leadingInt(rest)
		if used == 0 {
			return benchMessage{}, false
		}
		nums[j], rest = n, rest[used:]
		if len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
	}
	return benchMessage{thread: int(nums[1]), k: int(nums[2]), sentNanos: nums[3]}, true
}

func leadingInt(b []byte) (n int64, used int) {
	for used < len(b) && b[used] >= '0' && b[used] <= '9' {
		n = n*10 + int64(b[used]-'0')
		used++
	}
	return n, used
}

// messageType is the frame's "type" value.
func messageType(b []byte) string {
	return stringAfter(b, `"type":"`)
}

// errorCode is the first extensions.code in a frame, or its first message.
func errorCode(b []byte) string {
	if c := stringAfter(b, `"code":"`); c != "" {
		return c
	}
	if m := stringAfter(b, `"message":"`); m != "" {
		return m
	}
	return "unknown"
}

func stringAfter(b []byte, key string) string {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return ""
	}
	rest := b[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
