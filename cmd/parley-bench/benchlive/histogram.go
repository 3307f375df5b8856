package benchlive

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram counts durations in microseconds with about 1.5% precision, lock-free, so
// thousands of reader goroutines can record into one without a mutex.
type histogram struct {
	counts [2048]atomic.Uint64
	max    atomic.Int64
	total  atomic.Uint64
}

const subBuckets = 64 // per power of two above 128 µs

func bucketOf(us int64) int {
	if us < 2*subBuckets {
		return int(max(us, 0))
	}
	e := bits.Len64(uint64(us)) - 7 // us>>e is in [64, 128)
	return 2*subBuckets + (e-1)*subBuckets + int(us>>e) - subBuckets
}

// upperOf is the largest value that falls in bucket i.
func upperOf(i int) int64 {
	if i < 2*subBuckets {
		return int64(i)
	}
	e := (i-2*subBuckets)/subBuckets + 1
	m := int64((i-2*subBuckets)%subBuckets + subBuckets)
	return (m+1)<<e - 1
}

func (h *histogram) record(d time.Duration) {
	us := d.Microseconds()
	i := min(bucketOf(us), len(h.counts)-1)
	h.counts[i].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			return
		}
	}
}

// Summary is a histogram's quantiles, in microseconds.
type Summary struct {
	Count uint64 `json:"count"`
	P50   int64  `json:"p50_us"`
	P99   int64  `json:"p99_us"`
	Max   int64  `json:"max_us"`
}

func (h *histogram) summary() Summary {
	s := Summary{Count: h.total.Load(), Max: h.max.Load()}
	s.P50, s.P99 = h.quantile(0.50, s.Count), h.quantile(0.99, s.Count)
	return s
}

func (h *histogram) quantile(q float64, total uint64) int64 {
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total) + 0.5)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= max(rank, 1) {
			return min(upperOf(i), h.max.Load())
		}
	}
	return h.max.Load()
}
