package benchsend

import (
	"strconv"
	"strings"
	"testing"
)

func consecutive(n int, first int64) []target {
	ts := make([]target, n)
	for i := range ts {
		ts[i] = target{Row: strconv.FormatInt(first+int64(i), 10), UserID: ownerID(i)}
	}
	return ts
}

// pgbench takes at most 128 scripts: more threads share one script that picks the thread.
func TestPgbenchScriptsPickAmongManyThreads(t *testing.T) {
	few, err := pgbenchScripts(consecutive(64, 10))
	if err != nil || len(few) != 64 || !strings.Contains(few[63], "VALUES (73, 'send-co-63', 'send-co-63',") {
		t.Fatalf("64 threads: %d scripts, err %v, last %q", len(few), err, few[len(few)-1])
	}
	many, err := pgbenchScripts(consecutive(1000, 10))
	if err != nil || len(many) != 1 {
		t.Fatalf("1000 threads: %d scripts, err %v", len(many), err)
	}
	for _, want := range []string{`\set t random(0, 999)`, "VALUES (10 + :t, 'send-co-' || :t, 'send-co-' || :t,"} {
		if !strings.Contains(many[0], want) {
			t.Errorf("script %q lacks %q", many[0], want)
		}
	}
	gap := consecutive(200, 10)
	gap[150].Row = "999"
	if _, err := pgbenchScripts(gap); err == nil {
		t.Error("threads with a gap in their keys: no error")
	}
}
