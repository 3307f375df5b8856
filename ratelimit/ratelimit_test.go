package ratelimit_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley/parley/ratelimit"
)

// startRedis runs a private redis-server on a free port until stop or the end of the test.
func startRedis(t *testing.T, port int) (stop func()) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("the outage tests run their own redis-server (README: what go test needs): %v", err)
	}
	cmd := exec.Command("redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop = sync.OnceFunc(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	t.Cleanup(stop)
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer c.Close()
	waitFor(t, "redis-server to answer", func() bool { return c.Ping(context.Background()).Err() == nil })
	return stop
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a log sink safe for the limiter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newLimiter(port int, failClosed bool, logs *syncBuffer) *ratelimit.Limiter {
	client := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1})
	return &ratelimit.Limiter{Store: ratelimit.Redis{Client: client}, FailClosed: failClosed,
		Limits: ratelimit.Limits{User: map[ratelimit.Class]ratelimit.Rule{ratelimit.Send: {Rate: 0.01, Burst: 2}}},
		Log:    slog.New(slog.NewTextHandler(logs, nil))}
}

// A Redis outage lets requests through (fail open), logged once when it starts and once when
// Redis answers again, and counted; the buckets apply again after it.
func TestRedisOutageFailsOpenLoggedOnceAndCounted(t *testing.T) {
	port := freePort(t)
	stop := startRedis(t, port)
	var logs syncBuffer
	l := newLimiter(port, false, &logs)
	ctx := context.Background()
	for i := range 2 {
		if err := l.Allow(ctx, "u1", false, ratelimit.Send); err != nil {
			t.Fatalf("send %d within the burst: %v", i, err)
		}
	}
	if _, limited := ratelimit.IsLimited(l.Allow(ctx, "u1", false, ratelimit.Send)); !limited {
		t.Fatal("3rd send with Redis up was not limited")
	}
	before := ratelimit.StoreFailures.Value()
	stop()
	for i := range 5 {
		if err := l.Allow(ctx, "u1", false, ratelimit.Send); err != nil {
			t.Fatalf("send %d while Redis is down: %v, want it let through", i, err)
		}
	}
	if l.Failures() != 5 || ratelimit.StoreFailures.Value()-before != 5 || !l.Down() {
		t.Fatalf("failures %d (process %d), down %v: want 5 counted and down", l.Failures(), ratelimit.StoreFailures.Value()-before, l.Down())
	}
	if n := strings.Count(logs.String(), "the store failed"); n != 1 {
		t.Fatalf("%d outage log lines, want 1:\n%s", n, logs.String())
	}
	startRedis(t, port) // empty: the buckets start full again
	waitFor(t, "the limiter to see Redis again", func() bool {
		_ = l.Allow(ctx, "u2", false, ratelimit.Send)
		return !l.Down()
	})
	if n := strings.Count(logs.String(), "the store answers again"); n != 1 {
		t.Fatalf("%d recovery log lines, want 1:\n%s", n, logs.String())
	}
	_ = l.Allow(ctx, "u3", false, ratelimit.Send)
	_ = l.Allow(ctx, "u3", false, ratelimit.Send)
	if _, limited := ratelimit.IsLimited(l.Allow(ctx, "u3", false, ratelimit.Send)); !limited {
		t.Fatal("after recovery a 3rd send was not limited")
	}
}

// PARLEY_RATE_LIMIT_ON_REDIS_ERROR=closed refuses requests while Redis cannot be reached.
func TestRedisOutageFailsClosedWhenAsked(t *testing.T) {
	var logs syncBuffer
	l := newLimiter(freePort(t), true, &logs) // nothing listens there
	for range 3 {
		lim, ok := ratelimit.IsLimited(l.Allow(context.Background(), "u1", false, ratelimit.Send))
		if !ok || lim.Retry <= 0 {
			t.Fatalf("a send with Redis unreachable, fail closed: %v, want refused with a retry", lim)
		}
	}
	if l.Failures() != 3 || strings.Count(logs.String(), "are refused (fail closed)") != 1 {
		t.Fatalf("failures %d, logs:\n%s", l.Failures(), logs.String())
	}
}
