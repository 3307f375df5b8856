package benchlive

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

const sendMutation = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { messageId } } }`

// sent is what the sender did.
type sent struct {
	PerThread []int // messages the server accepted, by thread
	OK        int
	Failed    int
	Late      int // still waiting for a free sender when the duration was up: not sent, unless sendLate
	FirstErr  error
	MaxLag    time.Duration // the most a send started after its scheduled time
	RTT       Summary       // how long the sendMessage request took
	Start     time.Time
}

type sendJob struct {
	seq int
	at  time.Time
}

// send posts rate messages a second for d, round robin over the threads and over the
// workshop's sending users. Each body carries its send time, for the subscribers to
// measure delivery latency. A few workers keep the schedule when a request is slow; what
// has not started when d is up is counted late, and sent only with sendLate.
func send(ctx context.Context, c *benchkit.Client, fx *fixture, rate int, d time.Duration, sendLate bool) *sent {
	total := int(float64(rate) * d.Seconds())
	s := &sent{PerThread: make([]int, len(fx.Threads)), Start: time.Now()}
	end := s.Start.Add(d) // a server that cannot keep up gets no more than d to take the messages
	jobs := make(chan sendJob, total)
	var mu sync.Mutex
	var rtt histogram
	var wg sync.WaitGroup
	for w := 0; w < max(8, rate/10); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if time.Now().After(end) {
					mu.Lock()
					s.Late++
					mu.Unlock()
					if !sendLate {
						continue
					}
				}
				lag := time.Since(j.at)
				t, err := sendOne(ctx, c, fx, j.seq, &rtt)
				mu.Lock()
				s.record(t, err, lag)
				mu.Unlock()
			}
		}()
	}
	schedule(ctx, s.Start, rate, total, jobs)
	close(jobs)
	wg.Wait()
	s.RTT = rtt.summary()
	return s
}

func schedule(ctx context.Context, start time.Time, rate, total int, jobs chan<- sendJob) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; i < total; i++ {
		at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		timer.Reset(time.Until(at))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		jobs <- sendJob{seq: i, at: at}
	}
}

// sendOne sends message seq and returns its thread.
func sendOne(ctx context.Context, c *benchkit.Client, fx *fixture, seq int, rtt *histogram) (int, error) {
	n := len(fx.Threads)
	t, k := seq%n, seq/n
	from := fx.Senders[seq%len(fx.Senders)]
	at := time.Now()
	in := map[string]any{"conversationId": fx.Threads[t].Conversation, "body": bodyOf(seq, t, k, at)}
	err := c.Do(ctx, from, sendMutation, map[string]any{"in": in}, nil)
	rtt.record(time.Since(at))
	return t, err
}

func (s *sent) record(thread int, err error, lag time.Duration) {
	s.MaxLag = max(s.MaxLag, lag)
	if err != nil {
		s.Failed++
		if s.FirstErr == nil {
			s.FirstErr = err
		}
		return
	}
	s.OK++
	s.PerThread[thread]++
}

// bodyOf is a message body: "bench <seq> <thread> <k-th in thread> <send time, unix ns>".
func bodyOf(seq, thread, k int, at time.Time) string {
	return fmt.Sprintf("bench %d %d %d %d", seq, thread, k, at.UnixNano())
}
