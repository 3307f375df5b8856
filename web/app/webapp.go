// Package webapp serves the Parley web app (the inbox SPA) from files built into the binary:
// dist/ is built from src/ by Vite (npm run build) and committed, so `parley serve` needs no
// npm step, and .ci/run rebuilds it from the locked packages to prove it is current.
package webapp

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/parley/parley/web/gzfiles"
)

// Prefix is where the app lives; vite.config.ts builds with this base.
const Prefix = "/app/"

// Policy lets the page load and connect to nothing but its own origin ('self' covers the
// WebSocket to /graphql), with no inline script or style; blob: images are previews of files
// fetched with the token.
const Policy = "default-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"

//go:embed dist
var dist embed.FS

var files = func() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}()

// Handler serves index.html at Prefix and the built files under it.
func Handler() http.Handler {
	page, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("webapp: dist/index.html is missing: run npm run build in web/app")
	}
	fileServer := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w.Header())
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		if name == "" || name == "index.html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(page)
			return
		}
		if info, err := fs.Stat(files, name); err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(name, "assets/") { // named by content hash
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		if name == "sw.js" { // the service worker keeps its name: browsers must see a new one
			w.Header().Set("Cache-Control", "no-cache")
		}
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
