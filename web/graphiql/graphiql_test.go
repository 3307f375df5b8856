package graphiql

import (
	"compress/gzip"
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

// The JS and CSS go gzipped to a browser that accepts it, and plain to one that does not.
func TestAssetsAreGzippedWhenAccepted(t *testing.T) {
	page := get(t, Page(), "/")
	js := regexp.MustCompile(`src="([^"]+\.js)"`).FindStringSubmatch(page)[1]
	plain := get(t, Assets(), js)
	req := httptest.NewRequest(http.MethodGet, js, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	rec := httptest.NewRecorder()
	Assets().ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("gzip asked: %d %v", rec.Code, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if string(unzipped) != plain || rec.Body.Len() > len(plain)/2 {
		t.Fatalf("gzipped %d bytes of %d; round trip equal: %v", rec.Body.Len(), len(plain), string(unzipped) == plain)
	}
}
