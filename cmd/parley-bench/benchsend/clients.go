package benchsend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

const sendMutation = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { messageId } } }`

// floorQuery is the floor phase's request: through the same client, HTTP server, token check
// and GraphQL executor as a send, with no database work, so its rate bounds any send's.
const floorQuery = `{ __typename }`

// Plan is what the senders' child process does: Senders goroutines send for Duration, sender
// j into targets j, j+Senders, ... in turn, through GraphQL or REST.
type Plan struct {
	URL      string        `json:"url"` // the GraphQL URL; REST routes are beside it
	REST     bool          `json:"rest"`
	Floor    bool          `json:"floor"` // send floorQuery instead of a message
	Senders  int           `json:"senders"`
	Duration time.Duration `json:"duration"`
	Targets  []target      `json:"targets"`
}

// Result is what the senders did.
type Result = benchkit.Loop

// RunClients is `parley-bench send-clients`: it reads a Plan from in, sends, and writes the
// Result to out. The senders run in their own process so that this process's CPU time is
// the server's alone.
func RunClients(ctx context.Context, in io.Reader, out io.Writer) error {
	var p Plan
	if err := json.NewDecoder(in).Decode(&p); err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	return json.NewEncoder(out).Encode(sendAll(ctx, p))
}

func sendAll(ctx context.Context, p Plan) Result {
	c := benchkit.HTTPClient(p.Senders)
	return benchkit.ClosedLoop(ctx, p.Senders, p.Duration, func(ctx context.Context, j, k int) error {
		tg := p.Targets[(j+k*p.Senders)%len(p.Targets)]
		return sendOne(ctx, c, p, tg, fmt.Sprintf("bench send %d %d %d", j, k, time.Now().UnixNano()))
	})
}

// sendOne sends one message and reports whether the server took it.
func sendOne(ctx context.Context, c *http.Client, p Plan, tg target, text string) error {
	url, want := p.URL, http.StatusOK
	var body any = map[string]any{"query": sendMutation, "variables": map[string]any{"in": map[string]any{"conversationId": tg.Thread, "body": text}}}
	if p.Floor {
		body = map[string]any{"query": floorQuery}
	}
	if p.REST {
		url, want = strings.TrimSuffix(p.URL, "/graphql")+"/api/co/messages/send", http.StatusCreated
		body = map[string]any{"thread_id": tg.Row, "message": text, "org_nr": orgNr}
	}
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tg.Token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want || (!p.REST && bytes.Contains(answer, []byte(`"errors"`))) {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, answer)
	}
	return nil
}

// runChild re-runs this binary as `parley-bench send-clients` with the plan, and waits.
func runChild(ctx context.Context, p Plan) (Result, error) {
	var r Result
	exe, err := os.Executable()
	if err != nil {
		return r, err
	}
	plan, _ := json.Marshal(p)
	cmd := exec.CommandContext(ctx, exe, "send-clients")
	cmd.Stdin, cmd.Stderr = bytes.NewReader(plan), os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("senders process: %w", err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("senders process: %w: %.200s", err, out)
	}
	return r, nil
}
