package benchkit

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Loop is what a closed loop of workers did.
type Loop struct {
	OK, Failed int
	FirstError string
	Seconds    float64         // from the first request to the last answer
	Took       []time.Duration // each successful request's latency
}

func (l *Loop) record(err error, took time.Duration) {
	if err == nil {
		l.OK++
		l.Took = append(l.Took, took)
		return
	}
	l.Failed++
	if l.FirstError == "" {
		l.FirstError = err.Error()
	}
}

// ClosedLoop runs workers that each call do again as soon as it returns, until d has passed
// or ctx ends; k counts a worker's calls.
func ClosedLoop(ctx context.Context, workers int, d time.Duration, do func(ctx context.Context, worker, k int) error) Loop {
	var l Loop
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for j := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(end) && ctx.Err() == nil; k++ {
				t0 := time.Now()
				err := do(ctx, j, k)
				took := time.Since(t0)
				mu.Lock()
				l.record(err, took)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	l.Seconds = time.Since(start).Seconds()
	return l
}

// HTTPClient keeps conns connections open to one server.
func HTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conns, conns
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}
