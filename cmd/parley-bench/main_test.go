package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

var binary string

// TestMain builds parley-bench once: the benchmarks run as people run them, and "live" and
// "send" start this binary again as their client processes.
func TestMain(m *testing.M) { apptest.RunWithBinary(m, "parley-bench", &binary) }

// env is a clean environment for the binary.
func env(t *testing.T, extra ...string) []string { return apptest.BinaryEnv(t, extra...) }

func runBench(t *testing.T, environ []string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = environ
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("parley-bench %v: %v\n%s", args, err, e.String())
	}
	return o.String(), e.String()
}

// refusal runs parley-bench with args, which must fail with output containing want.
func refusal(t *testing.T, want string, args ...string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env(t)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), want) {
		t.Errorf("parley-bench %v: want a refusal containing %q, got %v:\n%s", args, want, err, out)
	}
}

// npmInstalled returns the folder (relative to cmd/parley) with its locked packages installed.
func npmInstalled(t *testing.T, folder string) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required for the JavaScript client test: %v", tool, err)
		}
	}
	dir, err := filepath.Abs(folder)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		return dir
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	return dir
}
