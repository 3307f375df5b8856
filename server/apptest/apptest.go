// Package apptest runs a real Parley (its full HTTP handler stack over its own PostgreSQL
// database) for tests, and speaks GraphQL to it. Tests and benchmarks only.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/server"
)

// Secret and APIKey are what test servers are configured with.
const (
	Secret = "test-secret-0123456789abcdef0123456789abcdef"
	APIKey = "test-api-key"
)

// Env is a running test server.
type Env struct {
	URL   string
	App   *server.App
	Store *db.Store
	Seed  *server.SeedData
	// DSN is the server's database, for replicas and other processes.
	DSN string
	// AdminURL is the server's admin listener (/metrics, /healthz, /readyz, /debug/pprof/).
	AdminURL string
	stop     func()
}

// New starts a server on a fresh database loaded with the demo data set.
func New(t testing.TB) *Env {
	t.Helper()
	e := NewEmpty(t)
	seed, err := server.Seed(context.Background(), e.App)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	e.Seed = seed
	e.settle(t)
	return e
}

// settle waits until the live hub has handled what seeding wrote, so live tests start quiet.
func (e *Env) settle(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := e.App.Hub.Settle(ctx); err != nil {
		t.Fatalf("settle the live hub: %v", err)
	}
}

// NewEmpty starts a server on a fresh, empty database.
func NewEmpty(t testing.TB) *Env { return start(t, nil) }

// NewWith starts a seeded server whose configuration change alters.
func NewWith(t testing.TB, change func(*server.Config)) *Env {
	t.Helper()
	e := start(t, change)
	seed, err := server.Seed(context.Background(), e.App)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	e.Seed = seed
	e.settle(t)
	return e
}

func start(t testing.TB, change func(*server.Config)) *Env {
	t.Helper()
	return serveOn(t, dbtest.NewDSN(t), change)
}

// Replica starts another server on e's database, as a second replica of the same deployment
// would run, with its own connection pool, hub and webhook worker.
func (e *Env) Replica(t testing.TB, change func(*server.Config)) *Env {
	t.Helper()
	r := serveOn(t, e.DSN, change)
	r.Seed = e.Seed
	return r
}

// Stop shuts the server down as a replica going away would: HTTP, hub and webhook worker.
// Stopping twice is harmless.
func (e *Env) Stop() { e.stop() }

// serveOn starts a server on the database at dsn. Test servers run a webhook worker that
// polls every 100 ms and accepts receivers on loopback (httptest servers).
func serveOn(t testing.TB, dsn string, change func(*server.Config)) *Env {
	t.Helper()
	quietLogs()
	bdb, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { bdb.Close() })
	store := db.NewStore(bdb)
	cfg := server.Config{JWTSecret: Secret, APIKeys: []string{APIKey}, Introspection: true,
		AnonymousIntrospection: true, DataDir: t.TempDir(), MaxUploadBytes: 1 << 20, CORSOrigins: []string{"*"},
		WebhookWorker: true, WebhookAllowPrivate: true, WebhookPoll: 100 * time.Millisecond}
	if change != nil {
		change(&cfg)
	}
	a, err := server.New(context.Background(), cfg, store)
	if err != nil {
		t.Fatalf("wire app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, err := a.StartLive(ctx)
	if err != nil {
		t.Fatalf("start live hub: %v", err)
	}
	webhooksDone := a.StartWebhooks(ctx)
	awayDone := a.StartAway(ctx) // only when the test configures VAPID keys or SMTP
	privacyDone := a.StartPrivacy(ctx)
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = a.HTTPServer() // the timeouts `parley serve` has
	srv.Start()
	admin := httptest.NewServer(a.AdminHandler())
	stop := sync.OnceFunc(func() {
		a.Drain()
		srv.Close()
		cancel()
		_ = <-done
		<-webhooksDone
		<-awayDone
		<-privacyDone
		admin.Close()
	})
	t.Cleanup(stop)
	return &Env{URL: srv.URL, App: a, Store: store, DSN: dsn, AdminURL: admin.URL, stop: stop}
}

// Token signs a token for v that lives an hour.
func Token(t testing.TB, v db.Viewer) string {
	t.Helper()
	return TokenFor(t, v, time.Hour)
}

// TokenFor signs a token for v that lives ttl.
func TokenFor(t testing.TB, v db.Viewer, ttl time.Duration) string {
	t.Helper()
	tok, _, err := auth.Mint([]byte(Secret), v, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// SignClaims signs any claims with the test secret, for tokens Mint would not make.
func SignClaims(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(Secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Response is a GraphQL answer.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string                       `json:"message"`
		Path       []any                        `json:"path"`
		Locations  []struct{ Line, Column int } `json:"locations"`
		Extensions map[string]any               `json:"extensions"`
	} `json:"errors"`
}

// Code is the first error's extensions.code, or "" without errors.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test on errors.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Into unmarshals data into v, or says why it cannot (safe off the test goroutine).
func (r *Response) Into(v any) error {
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL errors: %+v", r.Errors)
	}
	return json.Unmarshal(r.Data, v)
}

// Creds are the credentials of a request: a bearer token or an API key.
type Creds struct {
	Token  string
	APIKey string
}

// Sign puts the credentials on req.
func (c Creds) Sign(req *http.Request) {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.APIKey != "" {
		req.Header.Set("X-API-Key", c.APIKey)
	}
}

// Bearer is a user's credentials.
func Bearer(token string) Creds { return Creds{Token: token} }

// Office is the back-office credentials.
func Office() Creds { return Creds{APIKey: APIKey} }

// GQL posts a GraphQL operation.
func (e *Env) GQL(t testing.TB, c Creds, query string, vars map[string]any) *Response {
	t.Helper()
	return e.post(t, c, map[string]any{"query": query, "variables": vars})
}

// GQLExt posts an operation with protocol extensions (persisted queries); query may be empty.
func (e *Env) GQLExt(t testing.TB, c Creds, query string, ext map[string]any) *Response {
	t.Helper()
	return e.post(t, c, map[string]any{"query": query, "extensions": ext})
}

func (e *Env) post(t testing.TB, c Creds, payload map[string]any) *Response {
	t.Helper()
	body, _ := json.Marshal(payload)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.Do(t, c, req)
}

// Do sends req with credentials and decodes a GraphQL answer.
func (e *Env) Do(t testing.TB, c Creds, req *http.Request) *Response {
	t.Helper()
	c.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", resp.StatusCode, raw)
	}
	return out
}

// User finds a seeded user's token by id.
func (e *Env) User(t testing.TB, id string) Creds {
	t.Helper()
	all := append(append(append([]server.SeedUser{}, e.Seed.CarOwners...), e.Seed.Buyers...), e.Seed.Sellers...)
	for _, w := range e.Seed.Workshops {
		all = append(all, w.Users...)
	}
	for _, u := range all {
		if u.ID == id {
			return Bearer(u.Token)
		}
	}
	t.Fatalf("no seeded user %q", id)
	return Creds{}
}

// Logs is what the server logged while a test captured it.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is every line logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// CaptureLogs sends the process's log lines (JSON, debug and up) to the returned Logs until
// the test ends. The default logger is global: tests that capture must not run in parallel.
func CaptureLogs(t testing.TB) *Logs {
	t.Helper()
	quietLogs()
	logs := &Logs{}
	prev := slog.Default()
	slog.SetDefault(slog.New(server.LogHandler{Handler: slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})}))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return logs
}

var quietOnce sync.Once

// quietLogs keeps request logs out of test output unless PARLEY_TEST_LOG=1.
func quietLogs() {
	quietOnce.Do(func() {
		if os.Getenv("PARLEY_TEST_LOG") == "" {
			slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		}
	})
}

// ThreadOf is the conversation id (as a string) of a seeded booking's thread.
func (e *Env) ThreadOf(t testing.TB, bookingID int64) string {
	t.Helper()
	for _, b := range e.Seed.Bookings {
		if b.ID == bookingID {
			return b.ThreadID
		}
	}
	t.Fatalf("no seeded booking %d", bookingID)
	return ""
}

// ConvOf is the conv_ id of a seeded marketplace conversation about a listing.
func (e *Env) ConvOf(t testing.TB, listingID string) string {
	t.Helper()
	for _, c := range e.Seed.Conversations {
		if c.ListingID == "lst_"+listingID {
			return c.ID
		}
	}
	t.Fatalf("no seeded conversation about %s", listingID)
	return ""
}
