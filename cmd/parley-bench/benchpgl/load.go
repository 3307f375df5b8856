package benchpgl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

// Plan is what the load child process does: Concurrency clients post Body to URL, each
// waiting for its answer before the next, for Duration.
type Plan struct {
	URL         string            `json:"url"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body"`
	Concurrency int               `json:"concurrency"`
	Duration    time.Duration     `json:"duration"`
}

// Result is what the clients saw.
type Result = benchkit.Loop

// RunClients is `parley-bench postgraphile-clients`: it reads a Plan from in, runs it, and
// writes the Result to out. The clients run in their own process so that the parent's CPU
// time is its in-process Parley's alone.
func RunClients(ctx context.Context, in io.Reader, out io.Writer) error {
	var p Plan
	if err := json.NewDecoder(in).Decode(&p); err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	return json.NewEncoder(out).Encode(load(ctx, p))
}

func load(ctx context.Context, p Plan) Result {
	c := benchkit.HTTPClient(p.Concurrency)
	return benchkit.ClosedLoop(ctx, p.Concurrency, p.Duration, func(ctx context.Context, _, _ int) error {
		return post(ctx, c, p)
	})
}

// post sends the request once; an answer that is not a 200 without GraphQL errors fails.
func post(ctx context.Context, c *http.Client, p Plan) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader([]byte(p.Body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"errors"`)) {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, answer)
	}
	return nil
}

// runChild re-runs this binary as `parley-bench postgraphile-clients` with the plan, and waits.
func runChild(ctx context.Context, p Plan) (Result, error) {
	var r Result
	exe, err := os.Executable()
	if err != nil {
		return r, err
	}
	plan, _ := json.Marshal(p)
	cmd := exec.CommandContext(ctx, exe, "postgraphile-clients")
	cmd.Stdin, cmd.Stderr = bytes.NewReader(plan), os.Stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if err != nil {
		return r, fmt.Errorf("clients process: %w", err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("clients process: %w: %.200s", err, out)
	}
	return r, nil
}
