package restcompat_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// BenchmarkRESTSend sends a text message through POST /api/co/messages/send on the full HTTP
// stack, as BenchmarkSendMessage does through GraphQL (resolvers/bench_test.go).
func BenchmarkRESTSend(b *testing.B) {
	e := apptest.New(b)
	ola := e.User(b, "co-ola")
	body, _ := json.Marshal(map[string]any{"thread_id": e.ThreadOf(b, 1001), "message": "benchmark message"})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/co/messages/send", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		ola.Sign(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
