package apierror

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/ratelimit"
)

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

// Present is gqlgen's error presenter: every resolver error gets its code (and the field or
// the retry delay it is about), internal ones are logged once.
func Present(ctx context.Context, err error) *gqlerror.Error {
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
