package restcompat_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// The documents hold 27 endpoints with an axios and a fetch snippet each.
const minSnippets = 54

// fixture holds the documents' snippets (jstest/extract-snippets.mjs writes it), so the test
// needs nothing beside the repository.
const fixture = "jstest/testdata/snippets.json"

// specDir is the legacy REST documentation, shared/spec beside the repository, when there.
const specDir = "../../shared/spec"

type snippetResult struct {
	Doc    string `json:"doc"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Status int    `json:"status"`
	Body   any    `json:"body"`
	Error  string `json:"error"`
}

// fixtureSnippet is what the test reads of a fixture entry: the documented response example
// and the top-level fields whose type the document leaves open (the workshop's stand-in).
type fixtureSnippet struct {
	Doc      string         `json:"doc"`
	Kind     string         `json:"kind"`
	Response map[string]any `json:"response"`
	Open     []string       `json:"open"`
}

// snippetNullable are the fields that may be null where the examples show a value, as in
// TestCOResponsesMatchDocumentedShapes: pages that do not exist, read state not reached yet,
// positions and prices a workshop does not have.
var snippetNullable = slices.Concat(nullSearch, nullInbox, nullNotifications)

// TestDocumentedSnippets runs every Node.js axios and fetch snippet of the documents (from the
// fixture) against a real server (jstest/run-snippets.mjs puts real ids in their placeholders)
// and wants a 2xx for each, with a body of the documented shape (checkSnippetShape). With
// shared/spec beside the repository it also checks the fixture is what the documents hold now.
func TestDocumentedSnippets(t *testing.T) {
	node := lookPath(t, "node")
	ensureNodeModules(t)
	snippets := readFixture(t)
	want := len(snippets)
	if want < minSnippets {
		t.Fatalf("found %d snippets in %s, want at least %d", want, fixture, minSnippets)
	}
	checkFixture(t, node, want)

	e := apptest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run-snippets.mjs")
	cmd.Dir = "jstest"
	cmd.Env = append(os.Environ(), snippetEnv(t, e)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	results := parseResults(t, out)
	if err != nil && len(results) == 0 {
		t.Fatalf("run-snippets: %v\n%s", err, stderr.String())
	}
	failed := 0
	for i, r := range results {
		t.Logf("| %s | %s | %s | %s | %d |", r.Doc, r.Method, r.Path, r.Kind, r.Status)
		if r.Status < 200 || r.Status > 299 {
			failed++
			t.Errorf("%s %s %s (%s) = %d: %s", r.Doc, r.Kind, r.Method, r.Path, r.Status, r.Error)
			continue
		}
		if i >= len(snippets) || snippets[i].Doc != r.Doc || snippets[i].Kind != r.Kind {
			t.Fatalf("result %d (%s %s) is not the fixture's snippet %d", i, r.Doc, r.Kind, i)
		}
		checkSnippetShape(t, snippets[i], r)
	}
	if len(results) != want {
		t.Errorf("ran %d snippets, the fixture holds %d", len(results), want)
	}
	t.Logf("%d snippets, %d without a 2xx", len(results), failed)
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed to run the documented JavaScript snippets: %v", name, err)
	}
	return p
}

// ensureNodeModules runs npm ci in jstest when axios is not installed there yet.
func ensureNodeModules(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("jstest/node_modules/axios/package.json"); err == nil {
		return
	}
	npm := lookPath(t, "npm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = "jstest"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in rest-compat/jstest: %v\n%s", err, out)
	}
}

func readFixture(t *testing.T) []fixtureSnippet {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var snippets []fixtureSnippet
	if err := json.Unmarshal(b, &snippets); err != nil {
		t.Fatalf("%s: %v", fixture, err)
	}
	for i, s := range snippets {
		if s.Response == nil || s.Open == nil {
			t.Fatalf("%s: snippet %d (%s %s) has no response example; run node extract-snippets.mjs", fixture, i, s.Doc, s.Kind)
		}
	}
	return snippets
}

// checkSnippetShape wants the body the snippet got to have every field of its documented
// example with the example's JSON type (checkShape); the open fields need only be present. A
// documented list (data, results) must have rows, or the rows' shape would go unchecked.
func checkSnippetShape(t *testing.T, s fixtureSnippet, r snippetResult) {
	t.Helper()
	what := fmt.Sprintf("%s %s %s %s", r.Doc, r.Kind, r.Method, r.Path)
	example := maps.Clone(s.Response)
	body, _ := r.Body.(map[string]any)
	for _, f := range s.Open {
		if _, ok := body[f]; !ok {
			t.Errorf("%s: %s is missing", what, f)
		}
		delete(example, f)
	}
	for f, v := range example {
		if rows, ok := v.([]any); ok && len(rows) > 0 && len(asArray(body[f])) == 0 {
			t.Errorf("%s: %s is empty, so its rows' shape went unchecked", what, f)
		}
	}
	b, err := json.Marshal(example)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, what, string(b), r.Body, snippetNullable...)
}

func asArray(v any) []any {
	a, _ := v.([]any)
	return a
}

// checkFixture compares the fixture with the documents when they sit beside the repository:
// the headings counted here, independently of the script, and the script's own comparison.
func checkFixture(t *testing.T, node string, n int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(specDir, "[0-9][0-9][0-9]_*.txt"))
	if len(files) == 0 {
		t.Logf("no documents in %s: running the fixture as it is", specDir)
		return
	}
	heading := regexp.MustCompile(`(?m)^\s*(Node\.js Axios example|Fetch example)\s*$`)
	inDocs := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inDocs += len(heading.FindAll(b, -1))
	}
	if inDocs != n {
		t.Errorf("the documents in %s hold %d snippets, the fixture %d", specDir, inDocs, n)
	}
	cmd := exec.Command(node, "extract-snippets.mjs", "--check", mustAbs(t, specDir))
	cmd.Dir = "jstest"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the fixture is not what the documents hold (%v): %s", err, out)
	}
}

// snippetEnv gives the snippets their tokens and real ids: booking 1001 of co-ola at the
// workshop of ws-bilfix, its thread, its newest message and co-ola's notifications, and the
// workshop's name as the search word, which the workshop search and co-ola's inbox both find.
func snippetEnv(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	ola := e.User(t, "co-ola")
	thread := threadOf(t, e, 1001)
	var msgs struct {
		Messages struct{ Nodes []struct{ MessageID int } }
	}
	e.GQL(t, ola, `query($c: ID!) { messages(conversationId: $c, last: 1) { nodes { messageId } } }`, map[string]any{"c": thread}).Decode(t, &msgs)
	var notes struct {
		Notifications struct {
			Nodes []struct{ NotificationID int }
		}
	}
	e.GQL(t, ola, `{ notifications(first: 50) { nodes { notificationId } } }`, nil).Decode(t, &notes)
	if len(msgs.Messages.Nodes) == 0 || len(notes.Notifications.Nodes) == 0 {
		t.Fatalf("seed has no message or notification for co-ola: %+v %+v", msgs, notes)
	}
	var ids []string
	for _, n := range notes.Notifications.Nodes {
		ids = append(ids, strconv.Itoa(n.NotificationID))
	}
	return []string{
		"MINBIL_API_BASE_URL=" + e.URL,
		"MINBIL_ACCESS_TOKEN=" + ola.Token,
		"MINBIL_WS_ACCESS_TOKEN=" + e.User(t, "ws-bilfix").Token,
		"SNIPPET_BOOKING_ID=1001",
		"SNIPPET_THREAD_ID=" + thread,
		"SNIPPET_MESSAGE_ID=" + strconv.Itoa(msgs.Messages.Nodes[0].MessageID),
		"SNIPPET_NOTIFICATION_IDS=" + strings.Join(ids, ","),
		"SNIPPET_SEARCH_WORD=Bilfix",
		"SNIPPET_READ_AT=" + time.Now().UTC().Format(time.RFC3339),
	}
}

func parseResults(t *testing.T, out []byte) []snippetResult {
	t.Helper()
	var rs []snippetResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r snippetResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("run-snippets printed a line that is not JSON: %q", sc.Text())
		}
		rs = append(rs, r)
	}
	return rs
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(fmt.Errorf("abs %s: %w", p, err))
	}
	return abs
}
