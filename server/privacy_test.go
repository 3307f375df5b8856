package server

import (
	"testing"
	"time"
)

// PARLEY_RETENTION is off by default and with 0; it takes Go durations and days.
func TestRetentionSetting(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "8760h": 8760 * time.Hour, "365d": 365 * 24 * time.Hour} {
		if got, err := retentionFromEnv(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1h", "soon", "0d", "1y"} {
		if _, err := retentionFromEnv(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
