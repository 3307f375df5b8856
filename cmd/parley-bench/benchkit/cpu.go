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
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0, fmt.Errorf("%s/stat: no command name", dir)
	}
	fields := strings.Fields(string(stat[i+1:])) // fields 3 on: utime is field 14, stime 15
	if len(fields) < 13 {
		return 0, fmt.Errorf("%s/stat: %d fields", dir, len(fields))
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100, nil // USER_HZ
}

// BackendCPU samples the CPU time of one database's PostgreSQL backends (on this machine)
// from /proc every 100 ms: a backend's time after its last sample before it exits is lost.
type BackendCPU struct {
	name string
	mu   sync.Mutex
	pids map[int]*[2]float64 // first seen (0 for backends started since reset) and last
	// others are processes that are not this database's backends: skipped, since the
	// sampler's own CPU time counts as the caller's.
	others map[int]bool
}

// WatchBackends samples the backends of database name until ctx ends.
func WatchBackends(ctx context.Context, name string) *BackendCPU {
	b := &BackendCPU{name: name, pids: map[int]*[2]float64{}, others: map[int]bool{}}
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
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, dir := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(dir))
		if b.others[pid] {
			continue
		}
		if p := b.pids[pid]; p != nil { // known to be ours: only its time is read again
			if cpu, err := statCPU(dir); err == nil {
				p[1] = cpu
			}
			continue
		}
		if cpu, ok := b.backendTime(dir, pid); ok {
			b.pids[pid] = &[2]float64{0, cpu}
		}
	}
}

// backendTime is the user and system seconds of a backend of the database.
func (b *BackendCPU) backendTime(dir string, pid int) (float64, bool) {
	comm, err := os.ReadFile(dir + "/comm") // a backend is "postgres" from its fork; its title comes later
	if err == nil && string(comm) != "postgres\n" {
		b.others[pid] = true
		return 0, false
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	f := strings.Fields(strings.ReplaceAll(string(cmdline), "\x00", " "))
	// "postgres: [cluster name: ]user database host(port) activity"
	if err != nil || len(f) == 0 || f[0] != "postgres:" {
		return 0, false // not titled yet: looked at again next time
	}
	if len(f) < 4 || (f[2] != b.name && f[3] != b.name) {
		b.others[pid] = true // a titled process of another database, or none, stays so
		return 0, false
	}
	cpu, err := statCPU(dir)
	return cpu, err == nil
}

// Reset starts a new measurement from the backends' present times.
func (b *BackendCPU) Reset() {
	b.sample()
	b.mu.Lock()
	defer b.mu.Unlock()
	for pid, p := range b.pids {
		p[0] = p[1]
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			delete(b.pids, pid)
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
