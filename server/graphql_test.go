package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// The introspection queries graphql-js builds (GraphiQL, Apollo, codegen, Postman send them;
// testdata/introspection.sh regenerates them) are answered, though ordinary queries keep a
// depth limit of 8.
func TestIntrospectionQueriesOfGraphQLJS(t *testing.T) {
	e := apptest.New(t)
	for _, file := range []string{"testdata/introspection.graphql", "testdata/introspection-all.graphql"} {
		q, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Schema struct{ Types []struct{ Name string } } `json:"__schema"`
		}
		e.GQL(t, apptest.Creds{}, string(q), nil).Decode(t, &out)
		if len(out.Schema.Types) < 20 {
			t.Fatalf("%s: %d types", file, len(out.Schema.Types))
		}
	}
}

// In production, anonymous callers get neither introspection nor "Did you mean" suggestions;
// callers with a token still introspect.
func TestProductionHidesTheSchemaFromAnonymousCallers(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) {
		c.Env, c.AnonymousIntrospection = "production", false
		c.JWTIssuer, c.JWTAudience = "https://id.parley.test", "parley-api"
	})
	schema := `{ __schema { queryType { name } } }`
	if r := e.GQL(t, apptest.Creds{}, schema, nil); r.Code() != "GRAPHQL_VALIDATION_FAILED" || r.Errors[0].Message != "Introspection needs credentials." {
		t.Fatalf("anonymous introspection: %s %+v", r.Data, r.Errors)
	}
	r := e.GQL(t, apptest.Creds{}, `{ viewer { idd } }`, nil)
	if r.Code() != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Fatalf("unknown field: %+v", r.Errors)
	}
	if r := e.GQL(t, e.User(t, "co-ola"), schema, nil); r.Code() != "" {
		t.Fatalf("introspection with a token: %+v", r.Errors)
	}
}

// A subscription over plain POST or GET is refused at once and holds no subscription slot;
// before, it hung until its first event.
func TestSubscriptionOverPlainHTTPIsRefused(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.MaxSubscriptions = 1 })
	ola := e.User(t, "co-ola")
	sub := `subscription { notificationAdded { id } }`
	body, _ := json.Marshal(map[string]any{"query": sub})
	post, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	post.Header.Set("Content-Type", "application/json")
	get, _ := http.NewRequest(http.MethodGet, e.URL+"/graphql?query="+url.QueryEscape(sub), nil)
	for _, req := range []*http.Request{post, get} {
		// With application/json the GraphQL over HTTP spec answers a request that never ran
		// with 200; the newer media type says 400.
		req.Header.Set("Accept", "application/graphql-response+json")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r := e.Do(t, ola, req.WithContext(ctx))
		cancel()
		if r.Status/100 != 4 || r.Code() != "BAD_REQUEST" || !strings.Contains(r.Errors[0].Message, "WebSocket") {
			t.Fatalf("%s: status %d %+v", req.Method, r.Status, r.Errors)
		}
	}
	if n := e.App.Hub.Subscriptions("co-ola"); n != 0 {
		t.Fatalf("refused subscriptions hold %d slots", n)
	}
}
