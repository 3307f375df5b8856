package restcompat

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parley/parley/ratelimit"
)

// Each route declares its rate-limit class; it must be its GraphQL twin's, as the GraphQL
// endpoint classifies operations: a send or a conversation start draws from the send bucket,
// a read (GET) from the read bucket, any other mutation from the other bucket.
func TestRouteLimitIsItsGraphQLTwins(t *testing.T) {
	for _, rt := range routes {
		want := ratelimit.Other
		switch {
		case strings.Contains(rt.GraphQL, "sendMessage") || strings.Contains(rt.GraphQL, "startConversation"):
			want = ratelimit.Send
		case rt.Method == http.MethodGet:
			want = ratelimit.Read
		}
		if rt.Limit != want {
			t.Errorf("%s %s (%s): limit %q, want %q", rt.Method, rt.Path, rt.GraphQL, rt.Limit, want)
		}
	}
}
