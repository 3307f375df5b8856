// Package gzfiles answers embedded text assets gzipped, compressing each once on first
// request. It owns no files: GraphiQL (web/graphiql) and the web app (web/app) hand it theirs.
// It imports only the standard library.
package gzfiles

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Cache serves gzipped copies of the files of FS; fonts and images are compressed already.
type Cache struct {
	FS   fs.FS
	zips sync.Map // name -> []byte
}

// Serve writes name gzipped when it is a text asset and the client takes gzip; it reports
// whether it answered (false: serve the file plainly).
func (c *Cache) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	ext := path.Ext(name)
	if (ext != ".js" && ext != ".css" && ext != ".svg") || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		return false
	}
	z, ok := c.zips.Load(name)
	if !ok {
		plain, err := fs.ReadFile(c.FS, name)
		if err != nil {
			return false
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(plain)
		_ = zw.Close()
		z, _ = c.zips.LoadOrStore(name, buf.Bytes())
	}
	h := w.Header()
	h.Set("Content-Type", mime.TypeByExtension(ext))
	h.Set("Content-Encoding", "gzip")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(z.([]byte))))
	if r.Method != http.MethodHead {
		_, _ = w.Write(z.([]byte))
	}
	return true
}
