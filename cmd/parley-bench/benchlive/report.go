package benchlive

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is one run's figures.
type report struct {
	Options
	Where         string
	Load          string
	Layout        layout
	Connected     Connected
	Before, After *memory // nil for an external server
	Sent          *sent
	Result        Result
	ServerCPU     float64
}

// print writes one "name: value" line per figure; the names are stable for scripts.
func (r *report) print(w io.Writer) {
	res, n := r.Result, r.Connected.Connected
	line := func(name, format string, args ...any) {
		fmt.Fprintf(w, "%-33s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	line("server", "%s", r.Where)
	line("machine", "%d CPUs, GOMAXPROCS %d, %s/%s, %s; load average before the run %s", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.GOOS, runtime.GOARCH, runtime.Version(), r.Load)
	line("subscribers", "%d (of %d asked; %d failed%s; one graphql-transport-ws connection with one messageAdded subscription each; connected in %.1f s)",
		n, r.Subscribers, r.Connected.Failed, firstError(r.Connected.FirstError), r.Connected.Seconds)
	line("threads and users", "%d thread(s); %d car owner(s) and %d workshop user(s) subscribed (at most %d subscriptions each), %d workshop user(s) sending",
		r.Threads, r.Threads, r.Layout.Watchers, r.PerUser, r.Layout.Senders)
	line("messages sent", "%d (of %d scheduled: %d/s for %v, sendMessage mutation over HTTP; %d failed%s; %d not started in time; max start lag %s)",
		r.Sent.OK, r.scheduled(), r.Rate, r.Duration, r.Sent.Failed, firstError(errText(r.Sent.FirstErr)), r.Sent.Late, ms(r.Sent.MaxLag.Microseconds()))
	line("send mutation p50/p99", "%s / %s", ms(r.Sent.RTT.P50), ms(r.Sent.RTT.P99))
	line("deliveries expected", "%d", res.Expected)
	line("deliveries received", "%d (missing %d, duplicates %d, other thread %d; %d of %d subscribers got every message)",
		res.Received, res.Expected-res.Received, res.Duplicates, res.Foreign, res.Complete, n)
	line("subscriptions ended by server", "%s", endings(res.Ended))
	line("latency p50", "%s", ms(res.Latency.P50))
	line("latency p99", "%s", ms(res.Latency.P99))
	line("latency max", "%s", ms(res.Latency.Max))
	span := time.Duration(res.Last - r.Sent.Start.UnixNano())
	line("deliveries/s", "%.0f (%d received over %.2f s from the first send to the last receipt; offered %d/s)",
		perSecond(res.Received, span), res.Received, span.Seconds(), int64(r.Rate)*res.Expected/max(int64(r.Sent.OK), 1))
	r.printMemory(line)
	if r.Before == nil {
		line("server cpu", "not measured (external server; the sender here used %.1f s)", r.ServerCPU)
	} else {
		line("server cpu", "%.1f s while sending and draining (%.2f cores; includes the sender)", r.ServerCPU, r.ServerCPU/max(span.Seconds(), 1e-9))
	}
	line("clients cpu", "%.1f s (%.2f cores)", res.CPUSeconds, res.CPUSeconds/max(span.Seconds(), 1e-9))
}

func (r *report) printMemory(line func(name, format string, args ...any)) {
	if r.Before == nil {
		line("memory per idle subscription", "not measured (external server)")
		return
	}
	n := float64(r.Connected.Connected)
	heap := (float64(r.After.Heap) - float64(r.Before.Heap)) / n / 1024
	stack := (float64(r.After.Stack) - float64(r.Before.Stack)) / n / 1024
	line("memory per idle subscription", "%.1f KiB (heap in use %.1f KiB + goroutine stacks %.1f KiB; server side, after GC)", heap+stack, heap, stack)
	line("goroutines per idle subscription", "%.2f (%d before, %d after)",
		float64(r.After.Goroutines-r.Before.Goroutines)/n, r.Before.Goroutines, r.After.Goroutines)
}

// verdict fails the run when the server did not take every message in time, or a subscriber
// missed a message or saw one twice.
func (r *report) verdict() error {
	res := r.Result
	if r.Connected.Failed > 0 || r.Sent.OK < r.scheduled() || res.Received != res.Expected || res.Duplicates > 0 || res.Foreign > 0 {
		return fmt.Errorf("live delivery incomplete: %d of %d subscribers connected, %d of %d messages sent, %d of %d deliveries, %d duplicates, %d from another thread",
			r.Connected.Connected, r.Subscribers, r.Sent.OK, r.scheduled(), res.Received, res.Expected, res.Duplicates, res.Foreign)
	}
	return nil
}

func (r *report) scheduled() int { return int(float64(r.Rate) * r.Duration.Seconds()) }

func ms(us int64) string { return fmt.Sprintf("%.2f ms", float64(us)/1000) }

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func endings(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func firstError(s string) string {
	if s == "" {
		return ""
	}
	return ", first: " + s
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
