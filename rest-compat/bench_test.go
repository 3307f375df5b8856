package restcompat_test

import (
	"net/http"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// BenchmarkRESTSend sends a text message through POST /api/co/messages/send on the full HTTP
// stack, as BenchmarkSendMessage does through GraphQL (resolvers/bench_test.go): both decode
// the answer.
func BenchmarkRESTSend(b *testing.B) {
	e := apptest.New(b)
	ola := e.User(b, "co-ola")
	body := map[string]any{"thread_id": e.ThreadOf(b, 1001), "message": "benchmark message"}
	b.ReportAllocs()
	for b.Loop() {
		if r := call(b, e, ola, http.MethodPost, "/api/co/messages/send", body); r.Status != http.StatusCreated {
			b.Fatalf("status %d: %s", r.Status, r.Raw)
		}
	}
}
