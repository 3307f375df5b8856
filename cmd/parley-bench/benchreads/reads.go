// Package benchreads times the read paths (inbox, thread page, unread counts, notifications,
// the REST inbox) through the full HTTP stack of an in-process server, over data sets of
// different sizes built with SQL, so that how a read grows with the data shows as the ratio of
// its p99s. It only talks to its own loopback server and stops by itself.
package benchreads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/parley/parley/cmd/parley-bench/benchlive"
	"github.com/parley/parley/server"
)

// Options are the flags of `parley-bench reads`.
type Options struct {
	Sizes    []int // messages in each data set
	Requests int   // timed requests per read and set, after a warm-up
}

const (
	minMessages = 2000
	maxMessages = 2_000_000
	maxRequests = 10000
)

func (o Options) check() error {
	if len(o.Sizes) == 0 {
		return errors.New("--sizes names no set")
	}
	for _, n := range o.Sizes {
		if n < minMessages || n > maxMessages {
			return fmt.Errorf("--sizes: %s messages is outside 2k to 2M", SizeName(n))
		}
	}
	if o.Requests < 1 || o.Requests > maxRequests {
		return fmt.Errorf("--requests must be from 1 to %d", maxRequests)
	}
	return nil
}

// ParseSizes reads "10k,1M" as message counts.
func ParseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			f, mult = strings.TrimSuffix(f, "k"), 1000
		case strings.HasSuffix(f, "M"):
			f, mult = strings.TrimSuffix(f, "M"), 1_000_000
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--sizes: %q is not a count such as 10k or 1M", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// SizeName writes a count as --sizes reads it.
func SizeName(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// Run builds each set on a scratch database of its own, times the reads, and writes the report.
func Run(ctx context.Context, cfg server.Config, o Options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	cfg = NoReadLimit(cfg)
	rep := &report{Requests: o.Requests, Load0: loadAverage()}
	for _, n := range o.Sizes {
		res, err := runSet(ctx, cfg, n, o.Requests)
		if err != nil {
			return fmt.Errorf("set %s: %w", SizeName(n), err)
		}
		rep.Sets = append(rep.Sets, res)
	}
	rep.Load1 = loadAverage()
	rep.write(out)
	return nil
}

func runSet(ctx context.Context, cfg server.Config, n, requests int) (*setResult, error) {
	srv, err := benchlive.StartInProcess(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	if srv.DSN == "" {
		return nil, errors.New("the data sets are built on a PostgreSQL server (DATABASE_URL or the local one); none answered")
	}
	s := shapeOf(n)
	b, err := build(ctx, srv.DSN, s)
	if err != nil {
		return nil, err
	}
	res := &setResult{Name: SizeName(n), Shape: s, Built: b, Where: srv.Where}
	c := newClient(srv.URL, srv.APIKey)
	viewers, err := tokens(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, rd := range reads(s) {
		sum, err := timeRead(ctx, c, viewers, rd, requests)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rd.Name, err)
		}
		res.Reads = append(res.Reads, sum)
	}
	return res, nil
}

// loadAverage is the machine's one-minute load: other work skews every figure.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%s (%d cores)", strings.Fields(string(raw))[0], runtime.NumCPU())
}
