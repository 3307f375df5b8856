package benchpgl

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

// computedColumns give PostGraphile the inbox fields that are not plain columns or foreign
// keys, as computed columns it inlines into its one SQL statement for the page, and the
// page's figures as a root query. They are created only in the scratch database. The viewer is an argument: PostGraphile
// runs without our tokens, so it is asked the question Parley answers from the token.
const computedColumns = `
CREATE FUNCTION participants_name(p participants) RETURNS text STABLE LANGUAGE sql AS $$
	SELECT CASE WHEN p.party_id LIKE 'org:%' THEN (SELECT w.name FROM workshops AS w WHERE w.org_nr = substr(p.party_id, 5))
		ELSE (SELECT u.name FROM users AS u WHERE u.id = p.party_id) END $$;
CREATE FUNCTION participants_is_viewer(p participants, viewer text) RETURNS boolean STABLE LANGUAGE sql AS $$
	SELECT p.party_id = $2 $$;
CREATE FUNCTION messages_is_mine(m messages, viewer text) RETURNS boolean STABLE LANGUAGE sql AS $$
	SELECT m.sender_party_id = $2 $$;
-- Parley's isRead: read by the viewer, or for the viewer's own message by anyone else.
CREATE FUNCTION messages_is_read(m messages, viewer text) RETURNS boolean STABLE LANGUAGE sql AS $$
	SELECT EXISTS (SELECT 1 FROM message_reads AS r WHERE r.message_id = m.id
		AND CASE WHEN m.sender_party_id = $2 THEN r.party_id <> $2 ELSE r.party_id = $2 END) $$;
-- The page's figures in one scan, as Parley counts them (rather than PostGraphile's own
-- totalCount beside a second scan for the unread sum).
CREATE TYPE inbox_counts AS (total_count bigint, unread_total bigint);
CREATE FUNCTION inbox_counts(viewer text, kind text) RETURNS inbox_counts STABLE LANGUAGE sql AS $$
	SELECT count(*), coalesce(sum(p.unread_count), 0) FROM participants AS p
	WHERE p.party_id = $1 AND p.kind = $2 AND p.deleted_at IS NULL AND p.archived_at IS NULL $$;`

// pglInboxQuery asks PostGraphile's generated schema for what benchreads.InboxQuery asks
// Parley: the viewer's first 20 threads (not deleted, not archived) by last activity, with the
// count and unread total, each thread's unread count, booking with workshop and car owner
// names, participants and last message.
const pglInboxQuery = `query($party: String!, $kind: String!) {
	allParticipants(first: 20, condition: {partyId: $party, kind: $kind, deletedAt: null, archivedAt: null},
			orderBy: [LAST_ACTIVITY_AT_DESC, CONVERSATION_ID_DESC]) {
		pageInfo { hasNextPage endCursor }
		nodes { conversationId unreadCount lastActivityAt
			conversation: conversationByConversationId {
				booking: bookingByBookingId { id workshop: workshopByWorkshopOrgNr { name } carOwner: userByCarOwnerId { name } }
				participants: participantsByConversationId { nodes { name role isViewer(viewer: $party) lastReadMessageId } }
				lastMessage: messageByLastMessageId { id body isMine(viewer: $party) isRead(viewer: $party) createdAt } } } }
	counts: inboxCounts(viewer: $party, kind: $kind) { totalCount unreadTotal } }`

// pglOptions are PostGraphile's command-line options besides where it connects and listens,
// documented in BENCHMARKS.md: the public schema, read-only (no default mutations),
// connections only (no simple lists), relations under their new names only, no query log,
// and the pool cap of Parley's own (32). Not given, so off: watch mode, JWT, RBAC checks.
var pglOptions = []string{"--schema", "public", "--disable-default-mutations", "--simple-collections", "omit",
	"--legacy-relations", "omit", "--disable-query-log", "--max-pool-size", "32"}

func pglArgs(dsn string, port int) []string {
	return append([]string{"--connection", dsn, "--host", "127.0.0.1", "--port", fmt.Sprint(port)}, pglOptions...)
}

// postgraphile is the running child process.
type postgraphile struct {
	URL     string
	Version string // PostGraphile's and node's
	cmd     *exec.Cmd
	logs    *logBuffer
	exited  chan struct{}
}

// NodeDir finds the package folder with PostGraphile's package.json: dir when given, else
// cmd/parley-bench/benchpgl/node in the working directory or a parent of it.
func NodeDir(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, c := range []string{filepath.Join(d, "cmd", "parley-bench", "benchpgl", "node"), filepath.Join(d, "benchpgl", "node")} {
			if _, err := os.Stat(filepath.Join(c, "package.json")); err == nil {
				return c, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no cmd/parley-bench/benchpgl/node/package.json here or above: run from the repository or pass --node-dir")
		}
	}
}

// install runs `npm ci` in dir unless its packages are there.
func install(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "postgraphile", "cli.js")); err == nil {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("bench postgraphile installs PostGraphile with npm: %w", err)
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// startPostGraphile adds the computed columns to the database and runs PostGraphile over it
// on a free loopback port, until it answers.
func startPostGraphile(ctx context.Context, dir, dsn string, scratch *sql.DB) (*postgraphile, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("bench postgraphile runs PostGraphile on node: %w", err)
	}
	if err := install(ctx, dir); err != nil {
		return nil, err
	}
	if _, err := scratch.ExecContext(ctx, computedColumns); err != nil {
		return nil, fmt.Errorf("computed columns for PostGraphile: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &postgraphile{URL: fmt.Sprintf("http://127.0.0.1:%d/graphql", port), logs: &logBuffer{}}
	p.cmd = exec.Command("node", append([]string{filepath.Join(dir, "node_modules", "postgraphile", "cli.js")}, pglArgs(dsn, port)...)...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "NODE_ENV=production")
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Ctrl-C in a terminal reaches us; we stop it
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgraphile: %w", err)
	}
	p.exited = make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	if err := p.await(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	p.Version = versionOf(ctx, dir)
	return p, nil
}

// await polls until PostGraphile answers a query, it exits, or a minute passes.
func (p *postgraphile) await(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("postgraphile exited: %s", p.logs)
		default:
		}
		if p.answers(ctx) {
			return nil
		}
		if err := benchkit.Sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("postgraphile did not answer within a minute: %s", p.logs)
}

func (p *postgraphile) answers(ctx context.Context) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop ends the process (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (p *postgraphile) Stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// CPU is the process's CPU seconds so far.
func (p *postgraphile) CPU() float64 {
	s, _ := benchkit.ProcessCPU(p.cmd.Process.Pid)
	return s
}

// logBuffer keeps the process's output for an error message; it is written while read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("%.2000s", l.b.String())
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func versionOf(ctx context.Context, dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "postgraphile", "package.json"))
	var pkg struct{ Version string }
	if err != nil || json.Unmarshal(raw, &pkg) != nil {
		pkg.Version = "unknown"
	}
	node, _ := exec.CommandContext(ctx, "node", "--version").Output()
	return fmt.Sprintf("PostGraphile %s on node %s", pkg.Version, strings.TrimSpace(string(node)))
}
