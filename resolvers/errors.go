package resolvers

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

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
	// CodeTooManyErrors marks the last error of a response whose other errors were dropped.
	CodeTooManyErrors = "TOO_MANY_ERRORS"
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

// PublicMessage is what a client may read of err: one short sentence in the words of the code
// that refused the request, without gqlgen's location and path (the error's locations and
// path carry those) or the sentinel's name (extensions.code carries that). Internal errors say
// nothing of the inside.
func PublicMessage(err error) string {
	if Code(err) == CodeInternal {
		return "internal error"
	}
	var gerr *gqlerror.Error
	if errors.As(err, &gerr) {
		if gerr.Unwrap() == nil {
			return gerr.Message
		}
		err = gerr.Unwrap()
	}
	var fe *db.FieldError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	if l, ok := ratelimit.IsLimited(err); ok {
		return l.Error()
	}
	return ownWords(err)
}

var sentinels = []error{db.ErrNotFound, db.ErrForbidden, db.ErrConflict, db.ErrInvalidInput, auth.ErrUnauthenticated}

// ownWords is the text of the error that wraps a sentinel, without the sentinel: the layer
// that knows what went wrong ("conversation" for a conversation not found). Layers further out
// only repeat the operation, which the error's path already names.
func ownWords(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		inner := errors.Unwrap(e)
		if inner == nil || !slices.Contains(sentinels, inner) {
			continue
		}
		own, ok := strings.CutSuffix(e.Error(), ": "+inner.Error())
		switch {
		case !ok:
			return e.Error()
		case inner == db.ErrNotFound: //nolint:errorlint // only the bare sentinel: a wrapped one says more
			return own + " not found"
		}
		return own
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

// capErrors keeps at most max errors in a response, the last saying how many were dropped:
// an answer's size follows what the server chose to do, not how many mistakes a client made.
func capErrors(max int) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil || max < 1 || len(resp.Errors) <= max {
			return resp
		}
		dropped := len(resp.Errors) - max + 1
		note := gqlerror.Errorf("%d more errors were dropped.", dropped)
		note.Extensions = map[string]any{"code": CodeTooManyErrors}
		resp.Errors = append(resp.Errors[:max-1:max-1], note)
		return resp
	}
}

// recoverPanic turns a panic into an INTERNAL error instead of a dropped connection.
func recoverPanic(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "resolver panicked", "panic", p)
	return errors.New("internal error")
}
