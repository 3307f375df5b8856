package ratelimit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley/parley/ratelimit"
)

// luaBucket is the token-bucket script Parley used before ratelimit.Redis took GCRA from
// redis_rate, kept to compare the two.
type luaBucket struct{ client *redis.Client }

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

func (s luaBucket) Take(ctx context.Context, key string, r ratelimit.Rule) (bool, time.Duration, error) {
	res, err := takeScript.Run(ctx, s.client, []string{key}, r.Rate, r.Burst).Int64Slice()
	if err != nil || len(res) != 2 {
		return true, 0, fmt.Errorf("rate limit store: %w", err)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}

// BenchmarkRedisStores takes tokens from the machine's Redis (127.0.0.1:6379) with both
// stores, over 1,000 buckets, from GOMAXPROCS*8 goroutines: round trip (ns/op) and the Redis
// server's CPU per take (redis-cpu-ns/op). Run the two alternately and compare side by side:
//
//	for i in 1 2 3; do for s in lua gcra; do
//	  go test ./ratelimit -run '^$' -bench "RedisStores/$s" -benchtime 20000x; done; done
func BenchmarkRedisStores(b *testing.B) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	if err := client.Ping(context.Background()).Err(); err != nil {
		b.Skipf("no Redis at 127.0.0.1:6379: %v", err)
	}
	rule := ratelimit.Rule{Rate: 1e6, Burst: 1e6} // never limited: every call does the full work
	for _, s := range []struct {
		name  string
		store ratelimit.Store
	}{{"lua-token-bucket", luaBucket{client}}, {"redis_rate-gcra", ratelimit.Redis{Client: client}}} {
		b.Run(s.name, func(b *testing.B) {
			prefix := fmt.Sprintf("bench:%d:%s:", time.Now().UnixNano(), s.name)
			var n atomic.Int64
			b.SetParallelism(8)
			cpu0 := redisCPU(b, client)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					key := fmt.Sprintf("%s%d", prefix, n.Add(1)%1000)
					if ok, _, err := s.store.Take(context.Background(), key, rule); err != nil || !ok {
						b.Errorf("take: %v %v", ok, err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((redisCPU(b, client)-cpu0).Nanoseconds())/float64(b.N), "redis-cpu-ns/op")
		})
	}
}

// redisCPU is the CPU time the Redis server has used (INFO cpu), which shared load on the
// client side does not inflate the way it does round trips.
func redisCPU(b *testing.B, c *redis.Client) time.Duration {
	info, err := c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}
