package apierror_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/live"
	"github.com/parley/parley/ratelimit"
)

// Every front door's answer comes from the one table, by the error's type however it is
// wrapped, and never from its words.
func TestTableAnswersByType(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		code   string
		status int
		close  int
	}{
		{"rate limited", fmt.Errorf("send: %w", &ratelimit.ErrLimited{Retry: time.Second}), "RATE_LIMITED", 429, 4403},
		{"no credentials", fmt.Errorf("viewer: %w", auth.ErrMissingCredentials), "UNAUTHENTICATED", 401, 4401},
		{"bad token", fmt.Errorf("token expired: %w", auth.ErrUnauthenticated), "UNAUTHENTICATED", 401, 4403},
		{"bad token that says missing credentials", fmt.Errorf("missing credentials: %w", auth.ErrUnauthenticated), "UNAUTHENTICATED", 401, 4403},
		{"forbidden", fmt.Errorf("role: %w", db.ErrForbidden), "FORBIDDEN", 403, 4403},
		{"not found", fmt.Errorf("conversation: %w", db.ErrNotFound), "NOT_FOUND", 404, 4403},
		{"file too large", fmt.Errorf("attachments[0]: %w", apierror.ErrTooLarge), "BAD_USER_INPUT", 413, 4403},
		{"file type", fmt.Errorf("attachments[0]: %w", apierror.ErrUnsupportedType), "BAD_USER_INPUT", 415, 4403},
		{"broken rule", db.Rule("body", "is empty"), "BAD_USER_INPUT", 422, 4403},
		{"malformed", db.Invalid("first", "must be between 0 and 100"), "BAD_USER_INPUT", 400, 4403},
		{"conflict", fmt.Errorf("template: %w", db.ErrConflict), "CONFLICT", 409, 4403},
		{"slow subscriber", &live.SlowError{After: 7}, "SLOW_CONSUMER", 503, 4403},
		{"stopping", live.ErrStopped, "UNAVAILABLE", 503, 4403},
		{"anything else", errors.New("connection reset"), "INTERNAL", 500, 4403},
	} {
		got := apierror.For(c.err)
		if got.Code != c.code || got.Status != c.status || got.Close != c.close {
			t.Errorf("%s: %+v, want %s %d %d", c.name, got, c.code, c.status, c.close)
		}
	}
}

// A client reads the words of the layer that refused, never those of an internal error.
func TestPublicMessage(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("send: %w", fmt.Errorf("conversation: %w", db.ErrNotFound)): "conversation not found",
		auth.ErrMissingCredentials:                       "missing credentials: send Authorization: Bearer <token>",
		db.Invalid("first", "must be between 0 and 100"): "first: must be between 0 and 100",
		fmt.Errorf("read: %w", errors.New("pq: secret")): "internal error",
	} {
		if got := apierror.PublicMessage(err); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}
