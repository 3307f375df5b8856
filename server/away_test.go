package server

import (
	"strings"
	"testing"
)

// In development, missing Web Push keys are generated once, kept in the data folder, logged
// with the public key, and read back on the next start.
func TestDevelopmentGeneratesVAPIDKeysOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir}
	if err := EnsureVAPID(&cfg); err != nil {
		t.Fatal(err)
	}
	if err := checkVAPID(cfg.VAPID); err != nil || !strings.HasPrefix(cfg.VAPID.Subject, "mailto:") {
		t.Fatalf("generated %+v: %v", cfg.VAPID, err)
	}
	again := Config{DataDir: dir}
	if err := EnsureVAPID(&again); err != nil || again.VAPID != cfg.VAPID {
		t.Fatalf("second start: %+v (%v), want the kept %+v", again.VAPID, err, cfg.VAPID)
	}
	set := Config{DataDir: t.TempDir()}
	set.VAPID.PublicKey, set.VAPID.PrivateKey = testVAPIDPublic, testVAPIDPrivate
	if err := EnsureVAPID(&set); err != nil || set.VAPID.PublicKey != testVAPIDPublic {
		t.Fatalf("configured keys replaced: %+v (%v)", set.VAPID, err)
	}
}
