package db_test

import (
	"context"
	"testing"

	"github.com/parley/parley/db"
)

// A user is online while a replica that heartbeats holds their connection; a replica that
// stops heartbeating (it crashed) stops counting after the TTL, and its rows are dropped by
// the others' heartbeats once it has been gone ten TTLs.
func TestPresenceCountsOnlyLiveReplicas(t *testing.T) {
	ctx := context.Background()
	f := newNotifyFixture(t)
	s := f.store
	must(t, s.ClearPresence(ctx, "r1"))
	must(t, s.ClearPresence(ctx, "r2"))
	must(t, s.PresenceUp(ctx, "r1", "co-ola"))
	must(t, s.PresenceUp(ctx, "r2", "ws-a1"))
	online := func() map[string]bool {
		t.Helper()
		got, err := s.Online(ctx, []string{"co-ola", "org:" + orgA, "org:" + orgB, "co-kari"})
		must(t, err)
		return got
	}
	if got := online(); !got["co-ola"] || !got["org:"+orgA] || got["org:"+orgB] || got["co-kari"] {
		t.Fatalf("both replicas live: %v", got)
	}

	exec(t, s, `UPDATE replicas SET seen_at = now() - ?::interval WHERE id = 'r2'`, "60 seconds")
	must(t, s.PresenceHeartbeat(ctx, "r1"))
	if got := online(); !got["co-ola"] || got["org:"+orgA] {
		t.Fatalf("r2 silent past the TTL: %v", got)
	}
	if n := count(t, s, `SELECT count(*) FROM presence WHERE replica_id = 'r2'`); n != 1 {
		t.Fatalf("r2's rows dropped too early: %d left", n)
	}

	exec(t, s, `UPDATE replicas SET seen_at = now() - ?::interval WHERE id = 'r2'`, "1 hour")
	must(t, s.PresenceHeartbeat(ctx, "r1"))
	if n := count(t, s, `SELECT count(*) FROM presence WHERE replica_id = 'r2'`); n != 0 {
		t.Fatalf("a replica gone an hour keeps %d presence rows", n)
	}
	// However long r1 went without a beat, its own beat never drops it.
	exec(t, s, `UPDATE replicas SET seen_at = now() - ?::interval WHERE id = 'r1'`, "1 hour")
	must(t, s.PresenceHeartbeat(ctx, "r1"))
	if got := online(); !got["co-ola"] {
		t.Fatalf("r1 beat again: %v", got)
	}
	must(t, s.PresenceDown(ctx, "r1", "co-ola"))
	if got := online(); got["co-ola"] {
		t.Fatalf("after the last connection went: %v", got)
	}
}

func count(t *testing.T, s *db.Store, query string) int {
	t.Helper()
	var n int
	if err := s.DB.NewRaw(query).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
