package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The page names only files that the binary serves, each under the policy; the CSS's url()s
// too. (The browser check in cmd/parley/web_test.go runs the page itself.)
func TestPageNamesOnlyServedFiles(t *testing.T) {
	page := get(t, Page(), "/")
	refs := regexp.MustCompile(`(?:href|src)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("index.html names %d files, want the icon, the CSS and the JS:\n%s", len(refs), page)
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref[1], Prefix) {
			t.Fatalf("index.html names %s, outside %s", ref[1], Prefix)
		}
		body := get(t, Assets(), ref[1])
		if strings.HasSuffix(ref[1], ".css") {
			for _, u := range regexp.MustCompile(`url\(([^)]+)\)`).FindAllStringSubmatch(body, -1) {
				if strings.Contains(u[1], ":") {
					t.Errorf("the CSS loads %.40s, which the policy refuses", u[1])
					continue
				}
				get(t, Assets(), Prefix+u[1])
			}
		}
	}
	rec := httptest.NewRecorder()
	Assets().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Prefix+"index.html", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("%sindex.html: %d, want 404 (the page lives at / and /graphql)", Prefix, rec.Code)
	}
}

func get(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Security-Policy") != Policy {
		t.Fatalf("GET %s: %d, policy %q", path, rec.Code, rec.Header().Get("Content-Security-Policy"))
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}
