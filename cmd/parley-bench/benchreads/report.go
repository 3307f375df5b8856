package benchreads

import (
	"fmt"
	"io"
	"strings"
	"time"
)

type setResult struct {
	Name  string
	Shape shape
	Built *built
	Where string
	Reads []summary
}

type report struct {
	Requests     int
	Load0, Load1 string
	Sets         []*setResult
}

// keyRead is the figure the report ends with.
const keyRead = "workshop graphql inbox"

// write prints one "name: value" line per figure: the sets, each read's p50/p99 per set, the
// ratio of p99s between the largest and smallest set, and last the key read's p99 on the largest.
func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "server: in-process, a scratch database per set (%s)\n", r.Sets[0].Where)
	fmt.Fprintf(w, "requests: %d per read and set, one at a time, after %d warm-up\n", r.Requests, warmUp)
	for _, s := range r.Sets {
		sh, b := s.Shape, s.Built
		fmt.Fprintf(w, "set %s: %d messages in %d threads (workshop %d, car owner %d), %d users, %d reads, %d notifications; built in %.1f s\n",
			s.Name, sh.Messages, sh.Threads, sh.ShopThreads, sh.OwnerThreads, b.Users, b.Reads, b.Notifications, b.Took.Seconds())
		steps := make([]string, len(b.Steps))
		for i, st := range b.Steps {
			steps[i] = fmt.Sprintf("%s %.1f s", st.Name, st.Took.Seconds())
		}
		fmt.Fprintf(w, "set %s build steps: %s\n", s.Name, strings.Join(steps, ", "))
	}
	for i, rd := range r.Sets[0].Reads {
		for _, s := range r.Sets {
			fmt.Fprintf(w, "%s %s: p50 %s ms, p99 %s ms\n", rd.Name, s.Name, ms(s.Reads[i].P50), ms(s.Reads[i].P99))
		}
	}
	small, large := r.Sets[0], r.Sets[len(r.Sets)-1]
	if len(r.Sets) > 1 {
		for i, rd := range small.Reads {
			fmt.Fprintf(w, "%s p99 %s/%s: %.2f\n", rd.Name, large.Name, small.Name, ratio(large.Reads[i].P99, small.Reads[i].P99))
		}
	}
	fmt.Fprintf(w, "load average: %s before, %s after\n", r.Load0, r.Load1)
	for i, rd := range large.Reads {
		if rd.Name == keyRead {
			fmt.Fprintf(w, "%s p99 at %s: %s ms (%.2f times %s)\n", keyRead, large.Name, ms(rd.P99), ratio(rd.P99, small.Reads[i].P99), small.Name)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}
