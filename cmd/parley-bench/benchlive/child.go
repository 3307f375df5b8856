package benchlive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// clients is the child process that holds the subscribers.
type clients struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	enc  *json.Encoder
	dec  *json.Decoder
	done chan error
}

// startClients re-runs this binary as `parley-bench live-clients` and hands it the plan.
func startClients(ctx context.Context, plan Plan) (*clients, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "live-clients")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &clients{cmd: cmd, in: in, enc: json.NewEncoder(in), dec: json.NewDecoder(out), done: make(chan error, 1)}
	if err := c.enc.Encode(plan); err != nil {
		c.stop()
		return nil, fmt.Errorf("hand the plan to the clients: %w", err)
	}
	return c, nil
}

func (c *clients) connected() (Connected, error) {
	var r Connected
	if err := c.dec.Decode(&r); err != nil {
		return r, fmt.Errorf("clients process: %w", err)
	}
	return r, nil
}

func (c *clients) finish(f Finish) (Result, error) {
	var r Result
	if err := c.enc.Encode(f); err != nil {
		return r, fmt.Errorf("clients process: %w", err)
	}
	if err := c.dec.Decode(&r); err != nil {
		return r, fmt.Errorf("clients process: %w", err)
	}
	return r, nil
}

// stop closes the child's input, which ends it; it is killed if it lingers.
func (c *clients) stop() {
	c.in.Close()
	go func() { c.done <- c.cmd.Wait() }()
	select {
	case _ = <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		_ = <-c.done
	}
}
