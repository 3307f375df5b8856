package benchkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProcessCPU is the user and system seconds process pid has used, from /proc/<pid>/stat.
func ProcessCPU(pid int) (float64, error) {
	return statCPU(fmt.Sprintf("/proc/%d", pid))
}

func statCPU(dir string) (float64, error) {
	st, err := readStat(dir)
	return st.cpu, err
}

// procStat is what the sampler reads of a process's stat: its command name, its user and
// system seconds, and its start time, which tells a reused pid from the process seen before.
type procStat struct {
	comm  string
	cpu   float64
	start string
}

func readStat(dir string) (procStat, error) {
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return procStat{}, err
	}
	open, i := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
	if open < 0 || i < open {
		return procStat{}, fmt.Errorf("%s/stat: no command name", dir)
	}
	fields := strings.Fields(string(stat[i+1:])) // fields 3 on: utime is field 14, stime 15, starttime 22
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("%s/stat: %d fields", dir, len(fields))
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return procStat{comm: string(stat[open+1 : i]), cpu: (utime + stime) / 100, start: fields[19]}, nil // USER_HZ
}

// proc is one process: a pid and its start time.
type proc struct {
	pid   int
	start string
}

// BackendCPU samples the CPU time of one database's PostgreSQL backends (on this machine)
// from /proc every 100 ms: a backend's time after its last sample before it exits is lost.
type BackendCPU struct {
	name string
	mu   sync.Mutex
	pids map[proc]*[2]float64 // first seen (0 for backends started since reset) and last
	// others are processes that are not this database's backends: only their stat is read
	// again (the sampler's own CPU time counts as the caller's).
	others map[proc]bool
	seen   map[proc]bool // in the last sample
	// postmasters are the PostgreSQL servers' main processes, whose children are looked at.
	postmasters []int
}

// WatchBackends samples the backends of database name until ctx ends.
func WatchBackends(ctx context.Context, name string) *BackendCPU {
	b := &BackendCPU{name: name, pids: map[proc]*[2]float64{}, others: map[proc]bool{}}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				b.sample()
			}
		}
	}()
	return b
}

func (b *BackendCPU) sample() {
	b.mu.Lock()
	defer b.mu.Unlock()
	dirs := b.candidates()
	seen := make(map[proc]bool, len(dirs))
	for _, dir := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(dir))
		st, err := readStat(dir)
		if err != nil {
			continue
		}
		k := proc{pid, st.start}
		seen[k] = true
		switch p := b.pids[k]; {
		case b.others[k]:
		case p != nil:
			p[1] = st.cpu
		case b.isBackend(dir, k, st.comm):
			b.pids[k] = &[2]float64{0, st.cpu}
		}
	}
	for k := range b.others {
		if !seen[k] {
			delete(b.others, k)
		}
	}
	b.seen = seen
}

// candidates are the processes that may be backends: the children of the PostgreSQL
// postmasters found by the last full look at /proc, or every process where the kernel does
// not list children. Reading all of /proc every 100 ms cost the server's process a third of
// its CPU on a busy machine.
func (b *BackendCPU) candidates() []string {
	var dirs []string
	for _, pm := range b.postmasters {
		kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pm, pm))
		if err != nil {
			return b.lookEverywhere()
		}
		for _, pid := range strings.Fields(string(kids)) {
			dirs = append(dirs, "/proc/"+pid)
		}
	}
	if dirs == nil {
		return b.lookEverywhere()
	}
	return dirs
}

// lookEverywhere lists every process and notes the postmasters among them: processes named
// postgres without a backend's title.
func (b *BackendCPU) lookEverywhere() []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	b.postmasters = b.postmasters[:0]
	for _, dir := range dirs {
		comm, err := os.ReadFile(dir + "/comm")
		if err != nil || string(comm) != "postgres\n" {
			continue
		}
		cmdline, err := os.ReadFile(dir + "/cmdline")
		if err == nil && !strings.HasPrefix(string(cmdline), "postgres:") {
			pid, _ := strconv.Atoi(filepath.Base(dir))
			b.postmasters = append(b.postmasters, pid)
		}
	}
	return dirs
}

// isBackend tells whether a process is a backend of the database, and remembers those that
// never will be.
func (b *BackendCPU) isBackend(dir string, k proc, comm string) bool {
	if comm != "postgres" { // a backend is "postgres" from its fork; its title comes later
		b.others[k] = true
		return false
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	f := strings.Fields(strings.ReplaceAll(string(cmdline), "\x00", " "))
	// "postgres: [cluster name: ]user database host(port) activity"
	if err != nil || len(f) == 0 || f[0] != "postgres:" {
		return false // not titled yet: looked at again next time
	}
	if len(f) < 4 || (f[2] != b.name && f[3] != b.name) {
		b.others[k] = true
		return false
	}
	return true
}

// Reset starts a new measurement from the backends' present times.
func (b *BackendCPU) Reset() {
	b.mu.Lock()
	b.postmasters = nil // a full look again: a server may have started or restarted
	b.mu.Unlock()
	b.sample()
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, p := range b.pids {
		p[0] = p[1]
		if !b.seen[k] {
			delete(b.pids, k)
		}
	}
}

// Seconds is the backends' CPU time since Reset.
func (b *BackendCPU) Seconds() float64 {
	b.sample()
	b.mu.Lock()
	defer b.mu.Unlock()
	var s float64
	for _, p := range b.pids {
		s += p[1] - p[0]
	}
	return s
}
