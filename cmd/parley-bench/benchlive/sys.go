package benchlive

import (
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
)

// RaiseFileLimit lifts this process's open-files limit to its hard limit: each subscriber is
// a socket, on both sides. It returns the new limit.
func RaiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
	}
	return l.Cur, nil
}

// writeHeapProfile writes this process's heap profile to path ("" for none).
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC() // the profile shows the heap as of the last collection
	return pprof.Lookup("heap").WriteTo(f, 0)
}
