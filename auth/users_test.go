package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley/parley/db"
)

func newTestAuth(t *testing.T) *Authenticator {
	t.Helper()
	a, err := New(context.Background(), Config{Secret: []byte("secret")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// What a request read before a revocation arrived is not kept: it would hide the revocation
// until the next recheck.
func TestStaleStateIsNotKeptAfterRevoked(t *testing.T) {
	a := newTestAuth(t)
	gen := a.generation() // a request starts reading the row
	a.Revoked("co-ola", time.Now())
	a.keep("co-ola", userState{claims: userClaims{role: "x"}, written: time.Now(), checked: time.Now()}, gen)
	if _, ok := a.users.Load("co-ola"); ok {
		t.Fatal("a request's copy from before the revocation was kept")
	}
	a.keep("co-ola", userState{claims: userClaims{role: "x"}}, a.generation())
	if _, ok := a.users.Load("co-ola"); !ok {
		t.Fatal("a fresh copy was not kept")
	}
}

// Users not written for touchEvery are forgotten; recent ones stay.
func TestSweepForgetsIdleUsers(t *testing.T) {
	a := newTestAuth(t)
	now := time.Now()
	a.users.Store("idle", userState{written: now.Add(-touchEvery - time.Second)})
	a.users.Store("busy", userState{written: now.Add(-time.Second)})
	a.sweep(now)
	if _, ok := a.users.Load("idle"); ok {
		t.Error("an idle user was kept")
	}
	if _, ok := a.users.Load("busy"); !ok {
		t.Error("a recent user was forgotten")
	}
}

// A socket's principal stops being valid when its token expires, with the clock skew a fresh
// request gets.
func TestStillValidChecksExpiry(t *testing.T) {
	a := newTestAuth(t)
	v := &db.Viewer{UserID: "co-ola", Role: db.RoleCarOwner}
	for _, tc := range []struct {
		name    string
		expires time.Time
		ok      bool
	}{
		{"valid for an hour", time.Now().Add(time.Hour), true},
		{"expired within the skew", time.Now().Add(-ClockSkew / 2), true},
		{"expired beyond the skew", time.Now().Add(-2 * ClockSkew), false},
	} {
		err := a.StillValid(context.Background(), &Principal{User: v, Expires: tc.expires})
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := a.StillValid(context.Background(), &Principal{APIKey: true}); err != nil {
		t.Errorf("API key: %v", err)
	}
}
