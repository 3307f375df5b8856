// Package graphiql serves the GraphiQL IDE from files built into the binary: dist/ is bundled
// from pinned npm packages by build.mjs (npm run build) and committed, so the page works
// offline and under a Content-Security-Policy that allows only the server's own origin.
// It imports nothing of Parley's.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/parley/parley/web/gzfiles"
)

// Prefix is the path the bundle's files are served under; build.mjs writes it into index.html.
const Prefix = "/graphiql/"

// Policy lets the page load and connect to nothing but its own origin (fetch and WebSocket
// to /graphql), with no inline script or style element, no plugins, no framing.
const Policy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"

//go:embed dist
var dist embed.FS

var files = mustSub(dist, "dist")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Page serves the GraphiQL page itself, at any path it is mounted on.
func Page() http.Handler {
	page, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("graphiql: dist/index.html is missing: run npm run build in web/graphiql")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		secure(w.Header())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	})
}

// Assets serves the bundle's files under Prefix, gzipped where that helps. Their names carry
// a hash of their content, so browsers may keep them for good.
func Assets() http.Handler {
	fileServer := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w.Header())
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		if info, err := fs.Stat(files, name); err != nil || info.IsDir() || name == "index.html" {
			http.NotFound(w, r) // the page lives at / and /graphql, not among its files
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		if zipped.Serve(w, r, name) {
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}

// zipped serves the text assets gzipped (GraphiQL's JS is 1.3 MB, 0.4 MB gzipped).
var zipped = &gzfiles.Cache{FS: files}

func secure(h http.Header) {
	h.Set("Content-Security-Policy", Policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
