package webapp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The service worker is served from the app's folder (so its scope covers the app) as
// JavaScript, under the app's policy, and revalidated on every check for a new version.
func TestServiceWorker(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, gz := range []bool{false, true} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+Prefix+"sw.js", nil)
		if err != nil {
			t.Fatal(err)
		}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("gzip=%v: GET sw.js: %d", gz, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("gzip=%v: Content-Type %q, want text/javascript", gz, ct)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != Policy {
			t.Errorf("gzip=%v: Content-Security-Policy %q", gz, got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("gzip=%v: Cache-Control %q, want no-cache", gz, got)
		}
		if !gz && !strings.Contains(string(body), "showNotification") {
			t.Errorf("sw.js does not show notifications:\n%s", body)
		}
	}
}
