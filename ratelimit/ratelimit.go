// Package ratelimit owns the token buckets: per caller and kind of request (send, read,
// other), shared by every replica through Redis, so one abusive client cannot degrade the
// service for others. It imports nothing of Parley's; the server decides whom to charge.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

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
}

// Allow takes a token for a user's (or an API key's) request of a class; over the limit it
// returns an *ErrLimited. A store failure lets the request through: limits protect the
// service, they must not take it down.
func (l *Limiter) Allow(ctx context.Context, subject string, apiKey bool, c Class) error {
	if l == nil {
		return nil
	}
	rule, key := l.Limits.User[c], l.Prefix+"rl:u:"+subject+":"+string(c)
	if apiKey {
		rule, key = l.Limits.APIKey, l.Prefix+"rl:k:"+subject
	}
	return l.take(ctx, key, rule)
}

// AllowAddress takes a token for a request without credentials from a client address.
func (l *Limiter) AllowAddress(ctx context.Context, addr string) error {
	if l == nil {
		return nil
	}
	return l.take(ctx, l.Prefix+"rl:a:"+addr, l.Limits.Anonymous)
}

func (l *Limiter) take(ctx context.Context, key string, rule Rule) error {
	if rule.Rate <= 0 {
		return nil
	}
	ok, retry, err := l.Store.Take(ctx, key, rule)
	if err != nil || ok {
		return nil
	}
	return &ErrLimited{Retry: retry}
}

// takeScript is a token bucket kept in a Redis hash, refilled by Redis's own clock so every
// replica agrees.
var takeScript = redis.NewScript(`
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local ok, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {ok, wait}`)

// Redis keeps buckets in Redis: limits hold across replicas.
type Redis struct{ Client *redis.Client }

// Take implements Store.
func (s Redis) Take(ctx context.Context, key string, r Rule) (bool, time.Duration, error) {
	res, err := takeScript.Run(ctx, s.Client, []string{key}, r.Rate, r.Burst).Int64Slice()
	if err != nil || len(res) != 2 {
		return true, 0, fmt.Errorf("rate limit store: %w", err)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
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
