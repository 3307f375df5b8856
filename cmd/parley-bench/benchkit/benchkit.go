// Package benchkit owns the small helpers the `parley-bench` tools share: GraphQL documents
// of aliased fields, a back-office/user GraphQL client for setting up, a cancellable sleep,
// readings of this process's CPU time and the machine's load, latency quantiles, and the
// closed loop of HTTP clients the send and PostGraphile benches drive their servers with.
// It imports nothing of Parley's.
package benchkit

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Aliased is one document of op (e.g. "mutation") with fields under the aliases a0, a1, ...
func Aliased(op string, fields []string) string {
	var b strings.Builder
	b.WriteString(op + " {")
	for i, f := range fields {
		fmt.Fprintf(&b, " a%d: %s", i, f)
	}
	b.WriteString(" }")
	return b.String()
}

// Sleep waits d, or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CPUSeconds is the CPU time (user and system) this process has used.
func CPUSeconds() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return float64(u.Utime.Nano()+u.Stime.Nano()) / 1e9
}

// LoadAverage is the machine's 1, 5 and 15 minute load, or "unknown": other work on the
// machine skews every figure.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// Quantile is the nearest-rank q-quantile of ds (0 when empty); ds is left as it was.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
