package benchsend

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/parley/parley/db"
)

// report is one run's figures.
type report struct {
	Options
	Where, Load                  string
	PGVersion, SyncCommit, Fsync string
	NoStatements                 string // why pg_stat_statements does not count, "" when it does
	Threads                      int
	Phases                       []phase
}

// print writes one "name: value" line per figure, the key figure (Parley through GraphQL
// against pgbench at --senders) last.
func (r *report) print(w io.Writer) {
	line := func(name, format string, args ...any) {
		fmt.Fprintf(w, "%-30s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	line("server", "%s; rate limits off for this server (no send is refused)", r.Where)
	line("machine", "%d CPUs, GOMAXPROCS %d, %s/%s, %s; load average before the run %s", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.GOOS, runtime.GOARCH, runtime.Version(), r.Load)
	line("postgresql", "%s; synchronous_commit %s, fsync %s (the same for Parley and pgbench)", firstWords(r.PGVersion, 2), r.SyncCommit, r.Fsync)
	line("workload", "%v per phase, after %v of unmeasured GraphQL and REST sends at each sender count; "+
		"%d threads, each its own car owner's; sender j sends to threads j, j+N, ... in turn, "+
		"in a child process; pgbench -n -c N -j N -T, one INSERT INTO messages per transaction into a random one of the same threads; "+
		"floor: the same senders and server answering { __typename } (no database work), the most any send could reach", r.Duration, warmUpFor, r.Threads)
	line("cpu accounting", "Parley: getrusage of this process (the senders run in a child; the /proc sampler's few ms a second count here); "+
		"PostgreSQL: user+system time of the bench database's backends from /proc, sampled every 100 ms")
	if r.NoStatements == "" {
		line("sql accounting", "pg_stat_statements calls in the bench database (with the server's background jobs and autovacuum meanwhile)")
	} else {
		line("sql accounting", "no statement counts: pg_stat_database transactions and rows of the bench database instead, read %v after each Parley phase, "+
			"with the server's background jobs and autovacuum meanwhile (pg_stat_statements unavailable: %s)", statsSettle, r.NoStatements)
	}
	for _, p := range r.Phases {
		r.printPhase(line, p)
	}
	by := map[string]float64{}
	for _, p := range r.Phases {
		by[fmt.Sprintf("%s %d", p.Name, p.Senders)] = p.PerSecond
	}
	counts := r.senderCounts()
	for _, n := range counts {
		if n != r.Senders {
			r.printRatios(line, by, n)
		}
	}
	r.printRatios(line, by, r.Senders)
}

func (r *report) printPhase(line func(string, string, ...any), p phase) {
	per := func(x float64) float64 { return x / float64(max(p.Sends, 1)) }
	work := fmt.Sprintf("%.1f transactions, %.1f rows written, %.1f rows read per send", per(p.Work.Xacts), per(p.Work.Written), per(p.Work.Read))
	if p.Work.FromStatementsTable {
		work = fmt.Sprintf("%.1f SQL statements per send; ", per(p.Work.Statements)) + work
	}
	cpu := fmt.Sprintf("PostgreSQL CPU %.3f ms/send", 1000*per(p.PGCPU))
	if p.Name != "pgbench" {
		cpu = fmt.Sprintf("Parley CPU %.3f ms/send, ", 1000*per(p.ParleyCPU)) + cpu
	}
	failed := ""
	if p.Name != "pgbench" {
		failed = fmt.Sprintf(", %d failed", p.Failed)
		if p.FirstError != "" {
			failed += fmt.Sprintf(" (first: %.120s)", p.FirstError)
		}
	}
	unit := "sends/s"
	if p.Name == "floor" {
		unit = "requests/s ({ __typename }: no database work)"
	}
	if p.Name == "pgbench" {
		unit = "inserts/s (pgbench tps)"
	}
	line(fmt.Sprintf("%s at %d senders", p.Name, p.Senders), "%.1f %s (%d done%s); %s; %s%s", p.PerSecond, unit, p.Sends, failed, cpu, work, grouped(p.Grouped))
}

// grouped describes group commit in a phase: the share of sends that went in batches, and
// sends per statement.
func grouped(g db.SendStats) string {
	sends, statements := g.Alone+g.Batched, g.Alone+g.Batches
	if statements == 0 {
		return ""
	}
	return fmt.Sprintf("; group commit: %.0f %% of sends in %d batches, %.2f sends per statement",
		100*float64(g.Batched)/float64(sends), g.Batches, float64(sends)/float64(statements))
}

func (r *report) printRatios(line func(string, string, ...any), by map[string]float64, n int) {
	base := by[fmt.Sprintf("pgbench %d", n)]
	for _, name := range []string{"floor", "rest", "graphql"} {
		line(fmt.Sprintf("%s/pgbench at %d senders", name, n), "%.1f %%", 100*by[fmt.Sprintf("%s %d", name, n)]/base)
	}
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}
