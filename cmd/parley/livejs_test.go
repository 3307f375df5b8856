package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/server"
)

// jsLine is one line that livejs/live.mjs prints.
type jsLine struct {
	Client   string     `json:"client"`
	Sent     *jsMessage `json:"sent"`
	Received *jsMessage `json:"received"`
	MS       int64      `json:"ms"`
	BadToken *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"badToken"`
}

type jsMessage struct {
	MessageID int64  `json:"messageId"`
	Body      string `json:"body"`
}

// The live subscriptions work with the JavaScript clients people actually use: graphql-ws over
// WebSocket and graphql-sse over Server-Sent Events, against a real `parley serve`.
func TestLiveJSClients(t *testing.T) {
	dir := npmInstalled(t, "livejs")
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	addr := freeAddr(t)
	_, logs := serveParley(t, environ, addr, "--seed")
	seed := seedData(t, environ)

	body := fmt.Sprintf("livejs %d", time.Now().UnixNano())
	lines := runLiveJS(t, dir, []string{
		"PARLEY_URL=http://" + addr,
		"CONV_ID=" + threadOfBooking(t, seed, 1001),
		"LISTENER_TOKEN=" + seedToken(t, seed, "ws-bilfix"),
		"SENDER_TOKEN=" + seedToken(t, seed, "co-ola"),
		"BODY=" + body,
	})

	for _, client := range []string{"graphql-ws", "graphql-sse"} {
		l, ok := lines[client]
		if !ok {
			t.Errorf("%s printed no event; server log:\n%s", client, logs)
			continue
		}
		want := body + " over " + client
		if l.Sent == nil || l.Received == nil || l.Sent.Body != want || l.Received.Body != want || l.Received.MessageID != l.Sent.MessageID {
			t.Errorf("%s: sent %+v, received %+v, want body %q", client, l.Sent, l.Received, want)
		}
		if l.MS > 2000 {
			t.Errorf("%s: the event took %d ms", client, l.MS)
		}
		t.Logf("%s: message %d delivered %d ms after the send began", client, l.Received.MessageID, l.MS)
	}
	bad, ok := lines["bad token"]
	if !ok || bad.BadToken.Code != 4403 {
		t.Errorf("a bad token was not refused with 4403: %+v", bad.BadToken)
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

func seedData(t *testing.T, environ []string) server.SeedData {
	t.Helper()
	out, _ := runParley(t, environ, "seed", "--json")
	var d server.SeedData
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("seed --json: %v\n%s", err, out)
	}
	return d
}

func seedToken(t *testing.T, d server.SeedData, userID string) string {
	t.Helper()
	users := append(append([]server.SeedUser{}, d.CarOwners...), append(d.Buyers, d.Sellers...)...)
	for _, w := range d.Workshops {
		users = append(users, w.Users...)
	}
	for _, u := range users {
		if u.ID == userID && u.Token != "" {
			return u.Token
		}
	}
	t.Fatalf("no seeded token for %s", userID)
	return ""
}

func threadOfBooking(t *testing.T, d server.SeedData, booking int64) string {
	t.Helper()
	for _, b := range d.Bookings {
		if b.ID == booking && b.ThreadID != "" {
			return b.ThreadID
		}
	}
	t.Fatalf("no seeded thread for booking %d: %+v", booking, d.Bookings)
	return ""
}

// runLiveJS runs live.mjs and returns its lines by client ("bad token" for the refusal).
func runLiveJS(t *testing.T, dir string, vars []string) map[string]jsLine {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 25*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "live.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), vars...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node live.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	lines := map[string]jsLine{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var l jsLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("live.mjs printed a line that is not JSON: %q", sc.Text())
		}
		key := l.Client
		if l.BadToken != nil {
			key = "bad token"
		}
		lines[key] = l
	}
	if strings.TrimSpace(stderr.String()) != "" {
		t.Logf("live.mjs stderr:\n%s", &stderr)
	}
	return lines
}
