package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley/parley/db/dbtest"
)

// chromium is the system browser the GraphiQL check drives (Debian's package; .ci/run
// installs it). Nothing downloads a browser.
const chromium = "/usr/bin/chromium"

// Against a real `parley serve`: graphql-http's GraphQL over HTTP audit passes every MUST and
// SHOULD, and GraphiQL works in headless Chromium from the server's own origin alone.
func TestWebChecks(t *testing.T) {
	dir := npmInstalled(t, filepath.Join("..", "..", "web", "checks"))
	// The audit sends some 60 anonymous requests at once: more than one address's default burst.
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t), "PARLEY_RATE_ANONYMOUS=1000:1000")
	addr := freeAddr(t)
	_, logs := serveParley(t, environ, addr, "--seed")
	seed := seedData(t, environ)
	base := "http://" + addr

	t.Run("graphql-http audit", func(t *testing.T) {
		runNode(t, dir, nil, "audit.mjs", base+"/graphql")
	})
	t.Run("GraphiQL in Chromium", func(t *testing.T) {
		if _, err := os.Stat(chromium); err != nil {
			if os.Getenv("CI") == "" {
				t.Skipf("no %s (apt-get install chromium; .ci/run does)", chromium)
			}
			t.Fatalf("no %s: .ci/run should have installed it", chromium)
		}
		shot := filepath.Join(dir, "out", "graphiql.png")
		runNode(t, dir, []string{"PARLEY_URL=" + base, "TOKEN=" + seedToken(t, seed, "co-ola")}, "graphiql.mjs", shot)
		t.Logf("screenshot: %s", shot)
	})
	if t.Failed() {
		t.Logf("server log:\n%s", logs)
	}
}

// runNode runs a script in dir and fails the test, with its output, when it exits non-zero.
func runNode(t *testing.T, dir string, vars []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), vars...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, out)
	}
	t.Logf("node %v:\n%s", args, out)
}
