package resolvers_test

import (
	"os"
	"testing"

	"github.com/parley/parley/cmd/parley/app/apptest"
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
