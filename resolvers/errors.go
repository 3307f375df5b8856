package resolvers

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/parley/parley/db"
	"github.com/parley/parley/resolvers/auth"
	"github.com/parley/parley/resolvers/ratelimit"
)

// Error codes carried in extensions.code.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"
	CodeRateLimited     = "RATE_LIMITED"
)

// Code classifies an error from a resolver or the store. Anything unclassified is INTERNAL.
func Code(err error) string {
	if _, ok := ratelimit.IsLimited(err); ok {
		return CodeRateLimited
	}
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return CodeUnauthenticated
	case errors.Is(err, db.ErrForbidden):
		return CodeForbidden
	case errors.Is(err, db.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, db.ErrInvalidInput):
		return CodeBadUserInput
	case errors.Is(err, db.ErrConflict):
		return CodeConflict
	}
	return CodeInternal
}

// Field names the argument a BAD_USER_INPUT error is about, if it says.
func Field(err error) string {
	var fe *db.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// PublicMessage is what a client may read of err: internal errors say nothing of the inside.
func PublicMessage(err error) string {
	if Code(err) == CodeInternal {
		return "internal error"
	}
	return err.Error()
}

// presentError gives every resolver error its code, and logs internal ones once.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	var already *gqlerror.Error
	if errors.As(err, &already) && already.Extensions["code"] != nil {
		return gerr // gqlgen's own parse, validation and limit errors keep their codes
	}
	code := Code(err)
	if gerr.Extensions == nil {
		gerr.Extensions = map[string]any{}
	}
	gerr.Extensions["code"] = code
	if f := Field(err); f != "" {
		gerr.Extensions["field"] = f
	}
	if l, ok := ratelimit.IsLimited(err); ok {
		gerr.Extensions["retryAfter"] = l.RetryAfterSeconds()
	}
	if code == CodeInternal {
		slog.ErrorContext(ctx, "resolver failed", "path", gerr.Path.String(), "err", err)
	} else {
		slog.InfoContext(ctx, "client error", "path", gerr.Path.String(), "code", code)
	}
	gerr.Message = PublicMessage(err)
	return gerr
}

// recoverPanic turns a panic into an INTERNAL error instead of a dropped connection.
func recoverPanic(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "resolver panicked", "panic", p)
	return errors.New("internal error")
}
