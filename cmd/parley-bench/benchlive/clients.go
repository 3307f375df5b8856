package benchlive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

// subscriptionQuery asks for what a chat client shows, and nothing that costs the server a
// database read per delivery (sender would: loaders are fresh for every event).
const subscriptionQuery = `subscription($c: ID) { messageAdded(conversationId: $c) { messageId conversationId body isMine createdAt } }`

// RunClients is the child process: it connects the plan's subscribers, reports, counts what
// arrives until told to finish, and reports again.
func RunClients(ctx context.Context, in io.Reader, out io.Writer) error {
	if _, err := RaiseFileLimit(); err != nil {
		return err
	}
	dec, enc := json.NewDecoder(in), json.NewEncoder(out)
	var plan Plan
	if err := dec.Decode(&plan); err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &pool{stats: &stats{}}
	if err := enc.Encode(p.connect(ctx, plan)); err != nil {
		return err
	}
	cpu0 := benchkit.CPUSeconds()
	var fin Finish
	if err := dec.Decode(&fin); err != nil {
		p.closeAll()
		return fmt.Errorf("read finish: %w", err)
	}
	p.drain(fin)
	p.closeAll()
	res := p.result(fin)
	res.CPUSeconds = benchkit.CPUSeconds() - cpu0
	return enc.Encode(res)
}

// pool is the connected subscribers, each read by one goroutine.
type pool struct {
	subs    []*subscriber
	stats   *stats
	wg      sync.WaitGroup
	closing atomic.Bool
}

// stats are shared by all readers.
type stats struct {
	received    atomic.Int64
	latency     histogram
	first, last atomic.Int64
}

func (p *pool) connect(ctx context.Context, plan Plan) Connected {
	start := time.Now()
	subs := make([]*subscriber, len(plan.Subs))
	var mu sync.Mutex
	var res Connected
	_ = forEach(ctx, len(plan.Subs), max(plan.Dialers, 1), func(i int) error {
		ps := plan.Subs[i]
		ws, err := dial(ctx, plan.URL, plan.Tokens[ps.Token], ps.Conversation)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Failed++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
			return nil // keep going: the report says how many failed and why
		}
		subs[i] = &subscriber{ws: ws, thread: ps.Thread}
		return nil
	})
	for _, s := range subs {
		if s != nil {
			p.subs = append(p.subs, s)
			p.wg.Add(1)
			go p.read(ctx, s)
		}
	}
	res.Connected, res.Seconds = len(p.subs), time.Since(start).Seconds()
	return res
}

// dial opens a graphql-transport-ws connection as token and subscribes to conv.
func dial(ctx context.Context, url, token, conv string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"),
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	if err := writeJSON(ctx, ws, map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + token}}); err != nil {
		ws.CloseNow()
		return nil, err
	}
	if err := awaitAck(ctx, ws); err != nil {
		ws.CloseNow()
		return nil, err
	}
	sub := map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": subscriptionQuery, "variables": map[string]any{"c": conv}}}
	if err := writeJSON(ctx, ws, sub); err != nil {
		ws.CloseNow()
		return nil, err
	}
	return ws, nil
}

func awaitAck(ctx context.Context, ws *websocket.Conn) error {
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("connection_init: %w", err)
		}
		switch messageType(b) {
		case "connection_ack":
			return nil
		case "ping":
			if err := ws.Write(ctx, websocket.MessageText, pong); err != nil {
				return err
			}
		}
	}
}

var pong = []byte(`{"type":"pong"}`)

func writeJSON(ctx context.Context, ws *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return ws.Write(ctx, websocket.MessageText, b)
}

// drain waits until every expected delivery arrived, or none arrived for fin.Drain.
func (p *pool) drain(fin Finish) {
	want := p.expected(fin)
	last, since := int64(-1), time.Now()
	for {
		got := p.stats.received.Load()
		if got >= want {
			return
		}
		if got != last {
			last, since = got, time.Now()
		}
		if time.Since(since) > fin.Drain {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *pool) expected(fin Finish) int64 {
	var n int64
	for _, s := range p.subs {
		if s.thread < len(fin.PerThread) {
			n += int64(fin.PerThread[s.thread])
		}
	}
	return n
}

// closeAll drops every connection and waits for the readers to stop, so their counts can be
// read without a race.
func (p *pool) closeAll() {
	p.closing.Store(true)
	for _, s := range p.subs {
		s.ws.CloseNow()
	}
	p.wg.Wait()
}

func (p *pool) result(fin Finish) Result {
	st := p.stats
	r := Result{Expected: p.expected(fin), Ended: map[string]int{}, Latency: st.latency.summary(),
		First: st.first.Load(), Last: st.last.Load()}
	for _, s := range p.subs {
		r.Received += s.unique
		r.Duplicates += s.dups
		r.Foreign += s.foreign
		if s.thread < len(fin.PerThread) && s.unique == int64(fin.PerThread[s.thread]) && s.dups == 0 && s.foreign == 0 {
			r.Complete++
		}
		if s.ended != "" {
			r.Ended[s.ended]++
		}
	}
	return r
}

func (p *pool) read(ctx context.Context, s *subscriber) {
	defer p.wg.Done()
	var buf bytes.Buffer
	for {
		_, r, err := s.ws.Reader(ctx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if !p.closing.Load() && s.ended == "" {
				s.ended = "connection lost"
			}
			return
		}
		s.handle(ctx, buf.Bytes(), time.Now(), p.stats)
	}
}
