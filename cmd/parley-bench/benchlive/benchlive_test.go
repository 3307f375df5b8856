package benchlive

import (
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	s := h.summary()
	if s.Count != 1000 || s.Max != 1_000_000 {
		t.Fatalf("count %d max %d", s.Count, s.Max)
	}
	for _, c := range []struct {
		name      string
		got, want int64
	}{{"p50", s.P50, 500_000}, {"p99", s.P99, 990_000}} {
		if diff := float64(c.got-c.want) / float64(c.want); diff < 0 || diff > 0.02 {
			t.Errorf("%s = %d µs, want %d within 2%% above", c.name, c.got, c.want)
		}
	}
}

func TestBucketsCoverEveryValueOnce(t *testing.T) {
	for us := int64(0); us < 1<<22; us += 1 + us/97 {
		i := bucketOf(us)
		if us > upperOf(i) || (i > 0 && us <= upperOf(i-1)) {
			t.Fatalf("%d µs in bucket %d of (%d, %d]", us, i, upperOf(i-1), upperOf(i))
		}
	}
}

func TestParseFrames(t *testing.T) {
	at := time.Unix(1700000000, 123456789)
	frame := []byte(`{"id":"1","type":"next","payload":{"data":{"messageAdded":{"messageId":7,"body":"` + bodyOf(12, 3, 4, at) + `","isMine":false}}}}`)
	m, ok := parseBody(frame)
	if !ok || m.thread != 3 || m.k != 4 || m.sentNanos != at.UnixNano() || messageType(frame) != "next" {
		t.Fatalf("parsed %+v %v type %q", m, ok, messageType(frame))
	}
	if _, ok := parseBody([]byte(`{"type":"next","payload":{"data":{"messageAdded":{"body":"hello"}}}}`)); ok {
		t.Fatal("a message not sent by the benchmark parsed as one")
	}
	ended := []byte(`{"id":"1","type":"error","payload":[{"message":"subscriber fell behind","extensions":{"code":"SLOW_CONSUMER"}}]}`)
	if messageType(ended) != "error" || errorCode(ended) != "SLOW_CONSUMER" {
		t.Fatalf("type %q code %q", messageType(ended), errorCode(ended))
	}
}

// A subscriber counts each message of its thread once, and flags the rest.
func TestSubscriberCountsOnce(t *testing.T) {
	s, st := &subscriber{thread: 2}, &stats{}
	now := time.Now()
	for _, m := range []benchMessage{{thread: 2, k: 0}, {thread: 2, k: 70}, {thread: 2, k: 0}, {thread: 1, k: 1}} {
		m.sentNanos = now.Add(-time.Millisecond).UnixNano()
		s.deliver(m, now, st)
	}
	if s.unique != 2 || s.dups != 1 || s.foreign != 1 || st.received.Load() != 2 {
		t.Fatalf("unique %d dups %d foreign %d received %d", s.unique, s.dups, s.foreign, st.received.Load())
	}
}
