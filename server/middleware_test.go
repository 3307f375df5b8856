package server_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// The request log line names the authenticated user (and nobody for an anonymous request):
// the line is written outside the authentication middleware, which used to hide the user.
func TestRequestLogNamesTheUser(t *testing.T) {
	e := apptest.New(t)
	logs := apptest.CaptureLogs(t)
	for _, c := range []struct {
		id    string
		creds apptest.Creds
		user  any
	}{
		{"log-user-ola-0001", e.User(t, "co-ola"), "co-ola"},
		{"log-user-anon-0001", apptest.Creds{}, nil},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/graphql?query=%7Bviewer%7Bid%7D%7D", nil)
		req.Header.Set("X-Request-ID", c.id)
		e.Do(t, c.creds, req)
		line := requestLine(t, logs, c.id)
		if line["user"] != c.user {
			t.Errorf("%s: user %v in the log line, want %v: %v", c.id, line["user"], c.user, line)
		}
	}
}

// requestLine waits for the "request" log line of request id (it is written once the handler
// returned, which may be after the client read the answer).
func requestLine(t *testing.T, logs *apptest.Logs, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "request" && line["request_id"] == id {
				return line
			}
		}
		time.Sleep(10 * time.Millisecond) // polling for the log line, not timing it
	}
	t.Fatalf("no request log line for %s:\n%s", id, logs.String())
	return nil
}
