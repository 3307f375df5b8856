package apptest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RunWithBinary builds the command in the current directory as name, runs the package's
// tests (m) with *path set to it, and exits: for a TestMain that tests a binary as people run it.
func RunWithBinary(m *testing.M, name string, path *string) {
	dir, err := os.MkdirTemp("", name+"-bin-")
	if err != nil {
		panic(err)
	}
	*path = filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", *path, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build %s: %v\n%s", name, err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// BinaryEnv is a clean environment for a built binary: nothing of the developer's PARLEY_*,
// OTEL_* or DATABASE_URL, a data folder of the test's own, a JWT secret and no admin listener
// (tests run many servers at once), then extra (which may set PARLEY_ADMIN_ADDR).
func BinaryEnv(t *testing.T, extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLEY_") && !strings.HasPrefix(kv, "OTEL_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			out = append(out, kv)
		}
	}
	return append(out, append([]string{"PARLEY_DATA_DIR=" + t.TempDir(), "PARLEY_JWT_SECRET=e2e-secret-0123456789abcdef0123456789",
		"PARLEY_ADMIN_ADDR=off"}, extra...)...)
}
