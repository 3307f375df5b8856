// Package ratelimit owns the token buckets: per caller and kind of request (send, read,
// other), shared by every replica through Redis, so one abusive client cannot degrade the
// service for others. It imports nothing of Parley's; the server decides whom to charge.
package ratelimit

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Class is a kind of request with its own bucket.
type Class string

// The classes: sending messages, reading, and everything else.
const (
	Send  Class = "send"
	Read  Class = "read"
	Other Class = "other"
)

// Rule is a bucket: Rate tokens a second, at most Burst saved up.
type Rule struct {
	Rate  float64
	Burst int
}

// ParseRule reads "rate:burst", e.g. "5:20" for five a second with bursts of twenty.
func ParseRule(s string) (Rule, error) {
	rate, burst, ok := strings.Cut(strings.TrimSpace(s), ":")
	r, err1 := strconv.ParseFloat(rate, 64)
	b, err2 := strconv.Atoi(burst)
	if !ok || err1 != nil || err2 != nil || r <= 0 || b < 1 {
		return Rule{}, fmt.Errorf("rate limit %q: want rate:burst, such as 5:20", s)
	}
	return Rule{Rate: r, Burst: b}, nil
}

// Limits are the rules per class for users, one rule for each API key, and one for each
// client address that sends no credentials.
type Limits struct {
	User      map[Class]Rule
	APIKey    Rule
	Anonymous Rule
}

// DefaultLimits suit interactive clients.
func DefaultLimits() Limits {
	return Limits{
		User:      map[Class]Rule{Send: {Rate: 5, Burst: 20}, Read: {Rate: 20, Burst: 60}, Other: {Rate: 10, Burst: 30}},
		APIKey:    Rule{Rate: 100, Burst: 200},
		Anonymous: Rule{Rate: 10, Burst: 40},
	}
}

// ErrLimited is a request over its limit; Retry says when a token will be there.
type ErrLimited struct{ Retry time.Duration }

func (e *ErrLimited) Error() string {
	return fmt.Sprintf("rate limit reached: retry in %s", e.Retry.Round(time.Millisecond))
}

// RetryAfterSeconds is the Retry-After header value (whole seconds, at least 1).
func (e *ErrLimited) RetryAfterSeconds() int {
	return max(1, int((e.Retry+time.Second-1)/time.Second))
}

// IsLimited reports whether err is a rate limit, and returns it.
func IsLimited(err error) (*ErrLimited, bool) {
	var l *ErrLimited
	return l, errors.As(err, &l)
}

// Store takes a token from a bucket.
type Store interface {
	Take(ctx context.Context, key string, r Rule) (ok bool, retry time.Duration, err error)
}

// Limiter applies Limits over a Store.
type Limiter struct {
	Store  Store
	Limits Limits
	// Prefix keeps several deployments (or test servers) sharing one Redis apart.
	Prefix string
	// FailClosed refuses requests (RATE_LIMITED, retry in a second) while the store fails;
	// otherwise they pass unlimited (see the README's Rate limits for why that is the default).
	FailClosed bool
	// Log gets one line when the store starts failing and one when it answers again
	// (slog.Default() when nil).
	Log *slog.Logger

	down     atomic.Bool
	probeAt  atomic.Int64 // while down, unix nanoseconds before which the store is not asked
	failures atomic.Int64
	refused  [len(Buckets)]atomic.Int64 // requests refused, by bucket (see Buckets)
}

// Buckets name the kinds of bucket a refusal is counted under: the user classes, API keys and
// anonymous addresses (a bounded set, for metrics).
var Buckets = [...]string{"send", "read", "other", "api_key", "anonymous"}

func bucketIndex(c Class, apiKey, anonymous bool) int {
	switch {
	case anonymous:
		return 4
	case apiKey:
		return 3
	case c == Send:
		return 0
	case c == Read:
		return 1
	}
	return 2
}

// Refusals counts this limiter's refused requests by bucket, in the order of Buckets.
func (l *Limiter) Refusals() [len(Buckets)]int64 {
	var out [len(Buckets)]int64
	if l == nil {
		return out
	}
	for i := range l.refused {
		out[i] = l.refused[i].Load()
	}
	return out
}

// StoreFailures counts, for the whole process, requests decided without the store because it
// failed (expvar "parley_rate_limit_store_failures", for metrics).
var StoreFailures = expvar.NewInt("parley_rate_limit_store_failures")

// probeEvery is how often a failing store is asked again; requests in between take the
// failure mode at once instead of each waiting for Redis to time out.
const probeEvery = time.Second

// Failures counts this limiter's requests decided without the store.
func (l *Limiter) Failures() int64 { return l.failures.Load() }

// Down tells whether the store is failing now.
func (l *Limiter) Down() bool { return l.down.Load() }

// Allow takes a token for a user's (or an API key's) request of a class; over the limit it
// returns an *ErrLimited.
func (l *Limiter) Allow(ctx context.Context, subject string, apiKey bool, c Class) error {
	if l == nil {
		return nil
	}
	rule, key := l.Limits.User[c], l.Prefix+"rl:u:"+subject+":"+string(c)
	if apiKey {
		rule, key = l.Limits.APIKey, l.Prefix+"rl:k:"+subject
	}
	return l.count(bucketIndex(c, apiKey, false), l.take(ctx, key, rule))
}

// count notes a refusal under its bucket and passes err on.
func (l *Limiter) count(bucket int, err error) error {
	if _, ok := IsLimited(err); ok {
		l.refused[bucket].Add(1)
	}
	return err
}

// AllowAddress takes a token for a request without credentials from a client address.
func (l *Limiter) AllowAddress(ctx context.Context, addr string) error {
	if l == nil {
		return nil
	}
	return l.count(bucketIndex("", false, true), l.take(ctx, l.Prefix+"rl:a:"+addr, l.Limits.Anonymous))
}

func (l *Limiter) take(ctx context.Context, key string, rule Rule) error {
	if rule.Rate <= 0 {
		return nil
	}
	if l.down.Load() && time.Now().UnixNano() < l.probeAt.Load() {
		return l.failed(nil)
	}
	ok, retry, err := l.Store.Take(ctx, key, rule)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the caller left; that says nothing about the store
		}
		return l.failed(err)
	}
	if l.down.CompareAndSwap(true, false) {
		l.logger().Info("rate limits: the store answers again; limits apply")
	}
	if ok {
		return nil
	}
	return &ErrLimited{Retry: retry}
}

// failed decides a request the store could not: logged once per outage, always counted.
func (l *Limiter) failed(err error) error {
	l.failures.Add(1)
	StoreFailures.Add(1)
	if err != nil {
		l.probeAt.Store(time.Now().Add(probeEvery).UnixNano())
		if l.down.CompareAndSwap(false, true) {
			l.logger().Error("rate limits: the store failed; until it answers requests "+l.mode(), "err", err)
		}
	}
	if l.FailClosed {
		return &ErrLimited{Retry: probeEvery}
	}
	return nil
}

func (l *Limiter) mode() string {
	if l.FailClosed {
		return "are refused (fail closed)"
	}
	return "pass unlimited (fail open)"
}

func (l *Limiter) logger() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

// Redis keeps buckets in Redis, so limits hold across replicas: GCRA through
// github.com/go-redis/redis_rate, one key per bucket, one atomic script per take, on Redis's
// own clock. It measured faster than the token-bucket script it replaced (BENCHMARKS.md).
type Redis struct{ Client *redis.Client }

// Take implements Store. A rate of r.Rate a second with bursts of r.Burst is one token every
// 1/r.Rate seconds, which GCRA takes as exactly, fractional rates included.
func (s Redis) Take(ctx context.Context, key string, r Rule) (bool, time.Duration, error) {
	limit := redis_rate.Limit{Rate: 1, Burst: r.Burst, Period: time.Duration(float64(time.Second) / r.Rate)}
	res, err := redis_rate.NewLimiter(s.Client).Allow(ctx, key, limit)
	if err != nil {
		return true, 0, fmt.Errorf("rate limit store: %w", err)
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// Local keeps buckets in this process: for development without Redis (limits per replica).
type Local struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Take implements Store.
func (s *Local) Take(_ context.Context, key string, r Rule) (bool, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets == nil {
		s.buckets = map[string]*bucket{}
	}
	now := time.Now()
	b := s.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(r.Burst), at: now}
		s.buckets[key] = b
	}
	b.tokens = min(float64(r.Burst), b.tokens+now.Sub(b.at).Seconds()*r.Rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, nil
	}
	return false, time.Duration((1 - b.tokens) / r.Rate * float64(time.Second)), nil
}
