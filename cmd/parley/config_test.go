package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// `parley config` prints the effective settings with secrets masked; with mistakes it names
// every one and exits 1.
func TestConfigCommand(t *testing.T) {
	environ := env(t, "DATABASE_URL=postgres://parley:db-password@db.example.no/parley", "PARLEY_API_KEYS=office-key-1")
	out, _ := runParley(t, environ, "config")
	for _, leak := range []string{"e2e-secret", "db-password", "office-key-1"} {
		if strings.Contains(out, leak) {
			t.Errorf("parley config shows %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "postgres://parley:****@db.example.no/parley") || !strings.Contains(out, "PARLEY_JWT_SECRET") {
		t.Errorf("parley config:\n%s", out)
	}

	cmd := exec.Command(binary, "config")
	cmd.Env = append(environ, "PARLEY_LOG_LEVEL=loud", "PARLEY_MAX_UPLOAD_MB=lots", "PARLEY_ADDR=nowhere")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("a bad configuration: %v, want exit status 1", err)
	}
	for _, v := range []string{"PARLEY_LOG_LEVEL", "PARLEY_MAX_UPLOAD_MB", "PARLEY_ADDR"} {
		if !strings.Contains(stderr.String(), "\n  "+v) {
			t.Errorf("no line for %s:\n%s", v, stderr.String())
		}
	}
}
