package app

import (
	"testing"

	"github.com/parley/parley/resolvers/ratelimit"
)

func TestRateLimitSettings(t *testing.T) {
	t.Setenv("PARLEY_RATE_SEND", "2:7")
	c, err := ConfigFromEnv()
	if err != nil || c.Limits == nil || c.Limits.User[ratelimit.Send] != (ratelimit.Rule{Rate: 2, Burst: 7}) {
		t.Fatalf("PARLEY_RATE_SEND=2:7 gave %+v, %v", c.Limits, err)
	}
	for _, bad := range []string{"fast", "2", "0:5", "2:0", "-1:3"} {
		t.Setenv("PARLEY_RATE_SEND", bad)
		if _, err := ConfigFromEnv(); err == nil {
			t.Errorf("PARLEY_RATE_SEND=%q was accepted", bad)
		}
	}
	t.Setenv("PARLEY_RATE_SEND", "")
	t.Setenv("PARLEY_RATE_LIMITS", "false")
	if c, err := ConfigFromEnv(); err != nil || c.Limits != nil {
		t.Fatalf("PARLEY_RATE_LIMITS=false gave %+v, %v", c.Limits, err)
	}
}

// Production serves introspection and suggestions only to callers with credentials, unless
// PARLEY_INTROSPECTION says otherwise.
func TestIntrospectionSettings(t *testing.T) {
	for _, c := range []struct {
		env, setting     string
		users, anonymous bool
	}{
		{"development", "", true, true},
		{"production", "", true, false},
		{"production", "true", true, true},
		{"production", "false", false, false},
		{"development", "false", false, false},
	} {
		t.Setenv("PARLEY_ENV", c.env)
		t.Setenv("PARLEY_INTROSPECTION", c.setting)
		got, err := ConfigFromEnv()
		if err != nil || got.Introspection != c.users || got.AnonymousIntrospection != c.anonymous {
			t.Errorf("%s with PARLEY_INTROSPECTION=%q: users %v, anonymous %v, %v", c.env, c.setting, got.Introspection, got.AnonymousIntrospection, err)
		}
	}
}
