package server_test

import (
	"context"
	"testing"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// databaseState is every sequence's position and a digest of every table's rows.
func databaseState(t *testing.T, e *apptest.Env) map[string]string {
	t.Helper()
	var tables []string
	if err := e.Store.DB.NewRaw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'bun_%' ORDER BY 1`).
		Scan(t.Context(), &tables); err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, tbl := range tables {
		var digest string
		q := `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM ` + tbl + ` AS t`
		if err := e.Store.DB.NewRaw(q).Scan(t.Context(), &digest); err != nil {
			t.Fatal(err)
		}
		state["table "+tbl] = digest
	}
	var seqs []struct {
		Name  string `bun:"sequencename"`
		Value string `bun:"last_value"`
	}
	if err := e.Store.DB.NewRaw(`SELECT sequencename, coalesce(last_value, 0)::text AS last_value FROM pg_sequences`).Scan(t.Context(), &seqs); err != nil {
		t.Fatal(err)
	}
	for _, s := range seqs {
		state["sequence "+s.Name] = s.Value
	}
	return state
}

// A second seed changes nothing: no row, no timestamp, no sequence.
func TestSeedTwiceChangesNothing(t *testing.T) {
	e := apptest.New(t)
	before := databaseState(t, e)
	if _, err := server.Seed(context.Background(), e.App); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	after := databaseState(t, e)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed: %s -> %s", k, v, after[k])
		}
	}
}
