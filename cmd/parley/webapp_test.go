package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
)

// The web app end to end in Debian's Chromium against `parley serve --seed` with no operator
// secret (so the development sign-in list exists): web/app/e2e/run.mjs signs in as each role,
// sends between a car owner's and a workshop's browser, goes offline and back, uploads and
// downloads an image, runs axe-core, and writes screenshots to web/app/e2e/out.
func TestWebApp(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no %s (apt-get install chromium; .ci/run does)", chromium)
		}
		t.Fatalf("no %s: .ci/run should have installed it", chromium)
	}
	dir := npmInstalled(t, filepath.Join("..", "..", "web", "app"))
	dsn := dbtest.NewDSN(t)
	environ := withoutSecret(env(t, "DATABASE_URL="+dsn, "PARLEY_RATE_LIMITS=false"))
	addr := freeAddr(t)
	_, logs := serveParley(t, environ, addr, "--seed")
	addManyThreads(t, dsn)
	base := "http://" + addr
	if code, _ := get(t, base+"/app/dev-users"); code != http.StatusOK {
		t.Fatalf("GET /app/dev-users with --seed and no secret: %d, want 200", code)
	}
	out := filepath.Join(dir, "e2e", "out")
	many := mint(t, environ, db.Viewer{UserID: "many-seller", Role: db.RoleSeller, Name: "Mange Biler AS"}, time.Hour)
	expired := mint(t, environ, db.Viewer{UserID: "co-ola", Role: db.RoleCarOwner, Name: "Ola Nordmann"}, -time.Minute)
	vars := []string{"PARLEY_URL=" + base, "EXPIRED_TOKEN=" + expired, "MANY_TOKEN=" + many, "OUT=" + out}
	if err := runE2E(t, dir, vars, "e2e/run.mjs"); err != nil {
		t.Errorf("%v\nserver log:\n%s", err, logs)
	}
	t.Logf("screenshots: %s", out)
}

// With an operator's secret, --seed still loads the demo data but the sign-in list does not
// exist; the app itself is served from the binary under a policy of its own origin only.
func TestWebAppWithSecret(t *testing.T) {
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	addr := freeAddr(t)
	serveParley(t, environ, addr, "--seed")
	base := "http://" + addr
	if code, body := get(t, base+"/app/dev-users"); code != http.StatusNotFound || strings.Contains(body, "token") {
		t.Errorf("GET /app/dev-users with PARLEY_JWT_SECRET: %d %q, want 404 without tokens", code, body)
	}
	resp, err := http.Get(base + "/app/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("GET /app/: %d, policy %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	script := regexp.MustCompile(`src="(/app/assets/[^"]+\.js)"`).FindSubmatch(page)
	if script == nil {
		t.Fatalf("/app/ loads no script:\n%s", page)
	}
	if code, _ := get(t, base+string(script[1])); code != 200 {
		t.Errorf("GET %s: %d", script[1], code)
	}
	if code, _ := get(t, base+"/app/assets/missing.js"); code != http.StatusNotFound {
		t.Errorf("GET a missing asset: %d, want 404", code)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func withoutSecret(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "PARLEY_JWT_SECRET=") {
			out = append(out, kv)
		}
	}
	return out
}

// mint signs a token that lives ttl (negative: expired already) with the development secret
// serve generated in the data folder.
func mint(t *testing.T, environ []string, v db.Viewer, ttl time.Duration) string {
	t.Helper()
	var dataDir string
	for _, kv := range environ {
		if d, ok := strings.CutPrefix(kv, "PARLEY_DATA_DIR="); ok {
			dataDir = d
		}
	}
	secret, err := os.ReadFile(filepath.Join(dataDir, "jwt-secret"))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := auth.Minter{Secret: []byte(strings.TrimSpace(string(secret)))}.Mint(v, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// addManyThreads gives the seller many-seller 5,000 listing conversations (one buyer), written
// straight into the tables: the app's list has to stay smooth at that size.
func addManyThreads(t *testing.T, dsn string) {
	t.Helper()
	conn := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	defer conn.Close()
	for _, q := range []string{
		`INSERT INTO users (id, role, name, verified) VALUES ('many-seller', 'seller', 'Mange Biler AS', true), ('many-buyer', 'buyer', 'Mona Kjøper', true)`,
		`INSERT INTO listings (id, seller_id, title, price) SELECT 'many-' || g, 'many-seller', 'Bil nummer ' || g, 10000 + g FROM generate_series(1, 5000) g`,
		`WITH c AS (
			INSERT INTO conversations (kind, listing_id, buyer_id, last_activity_at)
			SELECT 'listing', 'many-' || g, 'many-buyer', now() - g * interval '1 minute' FROM generate_series(1, 5000) g
			RETURNING id, last_activity_at)
		INSERT INTO participants (conversation_id, party_id, role, last_activity_at)
		SELECT c.id, p.party, p.role, c.last_activity_at FROM c, (VALUES ('many-seller', 'seller'), ('many-buyer', 'buyer')) AS p (party, role)`,
	} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("add 5,000 threads: %v", err)
		}
	}
}

// runE2E runs a node script in dir with a deadline that fits a browser suite.
func runE2E(t *testing.T, dir string, vars []string, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), vars...)
	out, err := cmd.CombinedOutput()
	t.Logf("node %v:\n%s", args, out)
	return err
}
