package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"

	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/server"
)

var binary string

func TestMain(m *testing.M) { apptest.RunWithBinary(m, "parley", &binary) }

// env is a clean environment for the binary.
func env(t *testing.T, extra ...string) []string { return apptest.BinaryEnv(t, extra...) }

func runParley(t *testing.T, environ []string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = environ
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("parley %v: %v\n%s", args, err, e.String())
	}
	return o.String(), e.String()
}

func TestSeedJSONIsCompleteAndIdempotent(t *testing.T) {
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	out1, logs := runParley(t, environ, "seed", "--json")
	if !strings.Contains(logs, "database: using DATABASE_URL") {
		t.Fatalf("no log line naming the database choice:\n%s", logs)
	}
	var d server.SeedData
	if err := json.Unmarshal([]byte(out1), &d); err != nil {
		t.Fatalf("seed --json is not one JSON object: %v\n%s", err, out1)
	}
	if len(d.CarOwners) < 2 || len(d.Workshops) < 2 || len(d.Bookings) < 3 || len(d.Buyers) < 2 ||
		len(d.Sellers) < 2 || len(d.Listings) < 2 || len(d.Conversations) < 2 {
		t.Fatalf("seed is too small: %+v", d)
	}
	for _, w := range d.Workshops {
		if len(w.Users) == 0 || w.Users[0].Token == "" {
			t.Fatalf("workshop without a user token: %+v", w)
		}
	}
	for _, c := range d.Conversations {
		if !strings.HasPrefix(c.ID, "conv_") || !strings.HasPrefix(c.ListingID, "lst_") {
			t.Fatalf("marketplace ids without prefixes: %+v", c)
		}
	}
	out2, _ := runParley(t, environ, "seed", "--json")
	var d2 server.SeedData
	_ = json.Unmarshal([]byte(out2), &d2)
	if fmt.Sprint(d.Bookings, d.Conversations) != fmt.Sprint(d2.Bookings, d2.Conversations) {
		t.Fatalf("second seed changed ids:\n%v\n%v", d.Bookings, d2.Bookings)
	}
	status, _ := runParley(t, environ, "migrate", "status")
	if !strings.Contains(status, "applied") || strings.Contains(status, "pending") {
		t.Fatalf("migrate status after seed:\n%s", status)
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveParley starts `parley serve` and waits until it is ready.
func serveParley(t *testing.T, environ []string, addr string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Env = append(environ, "PARLEY_ADDR="+addr)
	logs := &bytes.Buffer{}
	cmd.Stderr, cmd.Stdout = logs, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, logs
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("parley serve did not become ready:\n%s", logs)
	return nil, nil
}

// graphql posts a GraphQL query to the server at addr and returns the answer.
func graphql(t *testing.T, addr, token, query string) map[string]any {
	t.Helper()
	out, _ := postThrough(t, "http://"+addr, token, query)
	return out
}

// postThrough posts a GraphQL query to base and returns the answer and its headers.
func postThrough(t *testing.T, base, token, query string) (map[string]any, http.Header) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	return out, resp.Header
}

func TestServeAnswersTheSeededInboxAndShutsDownCleanly(t *testing.T) {
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	addr := freeAddr(t)
	cmd, logs := serveParley(t, environ, addr, "--seed")

	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(strings.ToLower(string(page)), "graphiql") {
		t.Fatalf("GET / is not GraphiQL:\n%.300s", page)
	}
	tok, _ := runParley(t, environ, "token", "--sub", "co-kari", "--role", "car_owner", "--name", "Kari Hansen")
	got := graphql(t, addr, strings.TrimSpace(tok), `{ inbox { totalCount nodes { subject { ... on Booking { bookingId carOwner { userId } } } } } }`)
	inbox := got["data"].(map[string]any)["inbox"].(map[string]any)
	nodes := inbox["nodes"].([]any)
	if inbox["totalCount"].(float64) != 1 || len(nodes) != 1 {
		t.Fatalf("co-kari's inbox = %v", got)
	}
	owner := nodes[0].(map[string]any)["subject"].(map[string]any)["carOwner"].(map[string]any)["userId"]
	if owner != "co-kari" {
		t.Fatalf("co-kari sees a thread of %v", owner)
	}
	if !strings.Contains(logs.String(), `"request_id"`) {
		t.Fatalf("request log lines carry no request id:\n%s", logs)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("parley did not stop within 10s of SIGTERM")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", logs)
	}
}

// A request in flight when SIGTERM arrives still gets its answer.
func TestListenFinishesInFlightRequests(t *testing.T) {
	addr := freeAddr(t)
	started, shuttingDown := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			select { // answer only once the server is shutting down
			case <-shuttingDown:
			case <-time.After(30 * time.Second):
				fmt.Fprint(w, "the server never began to shut down")
				return
			}
		}
		fmt.Fprint(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- listen(ctx, addr, h, func() { close(shuttingDown) }) }()
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			break
		}
		if i == 100 {
			t.Fatal("server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	go func() { <-started; cancel() }()
	resp, err := http.Get("http://" + addr + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "finished" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-errc; err != nil {
		t.Fatalf("listen: %v", err)
	}
}

func TestMigrateDownAndUp(t *testing.T) {
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	runParley(t, environ, "migrate", "up")
	if out, _ := runParley(t, environ, "migrate", "down"); !strings.Contains(out, "rolled back") {
		t.Fatalf("down: %s", out)
	}
	if out, _ := runParley(t, environ, "migrate", "status"); !strings.Contains(out, "pending") {
		t.Fatalf("status after down: %s", out)
	}
	if out, _ := runParley(t, environ, "migrate", "up"); !strings.Contains(out, "applied") || strings.Contains(out, "applied 0") {
		t.Fatalf("up again: %s", out)
	}
}

func TestTokenRefusesBadClaims(t *testing.T) {
	for _, args := range [][]string{
		{"token", "--role", "car_owner"},
		{"token", "--sub", "x", "--role", "admin"},
		{"token", "--sub", "x", "--role", "workshop", "--org-nr", "123"},
	} {
		cmd := exec.Command(binary, args...)
		cmd.Env = env(t)
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("parley %v succeeded: %s", args, out)
		}
	}
}

// With no DATABASE_URL and no server where the PG* variables point, parley starts its own.
func TestFallsBackToAnEmbeddedServer(t *testing.T) {
	closed := freeAddr(t)
	_, port, _ := net.SplitHostPort(closed)
	environ := env(t, "PGHOST=127.0.0.1", "PGPORT="+port)
	cmd := exec.Command(binary, "migrate", "status")
	cmd.Env = environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("migrate status with no server: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "started an embedded PostgreSQL server") || !strings.Contains(string(out), "pending") {
		t.Fatalf("logs:\n%s\nout:\n%s", stderr.String(), out)
	}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "embedded") && !strings.Contains(sc.Text(), "data_dir") {
			t.Fatalf("the log line does not name the data folder: %s", sc.Text())
		}
	}
}

// A taken port ends `parley serve` at once with one clear line and a failure status, instead
// of waiting silently on background work for a signal.
func TestServeExitsWhenItsPortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(env(t, "DATABASE_URL="+dbtest.NewDSN(t)), "PARLEY_ADDR="+ln.Addr().String())
	var stderr bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = <-done
		t.Fatalf("parley serve on a taken port still runs after 30s:\n%s", stderr.String())
	}
	if err == nil {
		t.Fatalf("parley serve on a taken port exited 0:\n%s", stderr.String())
	}
	want := "parley: cannot listen on " + ln.Addr().String() + ": "
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "address already in use") {
		t.Fatalf("no clear line %q...:\n%s", want, stderr.String())
	}
}

// PARLEY_ENV=production with nothing configured exits non-zero and names every fallback it
// refuses, one line each.
func TestProductionStartRefusesFallbacks(t *testing.T) {
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(env(t), "PARLEY_ENV=production", "PARLEY_JWT_SECRET=", "PARLEY_ADDR=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("parley serve in production without configuration: %v\n%s", err, out)
	}
	for _, want := range []string{"PARLEY_JWT_SECRET or PARLEY_JWKS_URL must be set", "PARLEY_JWT_ISSUER must be set",
		"PARLEY_JWT_AUDIENCE must be set", "DATABASE_URL must be set", "PARLEY_REDIS_URL must be set",
		"PARLEY_CORS_ORIGINS must name the allowed browser origins"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no line %q in:\n%s", want, out)
		}
	}
}

// A misspelt PARLEY_* variable is warned about at start, with the name it likely meant.
func TestUnknownVariableWarning(t *testing.T) {
	_, logs := runParley(t, env(t, "PARLEY_MAX_INFLIGTH=4"), "help")
	if !strings.Contains(logs, "unknown variable PARLEY_MAX_INFLIGTH is ignored; did you mean PARLEY_MAX_INFLIGHT?") {
		t.Fatalf("no warning for PARLEY_MAX_INFLIGTH:\n%s", logs)
	}
}
