// Package apierror owns the one table from domain errors to what each front door says about
// them: the GraphQL extensions.code, the REST status and the WebSocket close code. Rows match
// by type (errors.Is, errors.As), never by an error's text. It also words an error for clients
// (PublicMessage) and presents it to gqlgen (Present).
//
// It may import the packages whose errors it classifies (db, db/live, auth, ratelimit) and
// gqlgen's error types; nothing that serves requests imports into it.
package apierror

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/live"
	"github.com/parley/parley/ratelimit"
)

// Codes carried in GraphQL's extensions.code and in REST error bodies.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"
	CodeRateLimited     = "RATE_LIMITED"
	CodeSlowConsumer    = "SLOW_CONSUMER" // a subscriber fell too far behind
	CodeUnavailable     = "UNAVAILABLE"   // the replica is shutting down
	// CodeBadRequest marks a request that is not a GraphQL request at all (GraphQL over HTTP).
	CodeBadRequest = "BAD_REQUEST"
	// CodePinLimit refuses pinning a sixth conversation.
	CodePinLimit = "PIN_LIMIT"
	// CodeTooManyErrors marks the last error of a response whose other errors were dropped.
	CodeTooManyErrors = "TOO_MANY_ERRORS"
)

// WebSocket close codes for a refused socket (graphql-transport-ws's own numbers).
const (
	CloseUnauthorized = 4401
	CloseForbidden    = 4403
)

// ErrTooLarge and ErrUnsupportedType are client mistakes about bodies and files: BAD_USER_INPUT
// in GraphQL, 413 and 415 in REST.
var (
	ErrTooLarge        = fmt.Errorf("file too large: %w", db.ErrInvalidInput)
	ErrUnsupportedType = fmt.Errorf("file type not allowed: %w", db.ErrInvalidInput)
)

// Answer is what the front doors say about one kind of error.
type Answer struct {
	Code   string // GraphQL extensions.code, and the code in a REST error body
	Status int    // REST status
	Close  int    // WebSocket close code, for an error that refuses a socket
}

// table is read top to bottom: the first row that matches answers. A socket is refused only
// for its credentials, so every row but missing credentials closes with 4403.
var table = []struct {
	match func(error) bool
	Answer
}{
	{limited, Answer{CodeRateLimited, http.StatusTooManyRequests, CloseForbidden}},
	{is(auth.ErrMissingCredentials), Answer{CodeUnauthenticated, http.StatusUnauthorized, CloseUnauthorized}},
	{is(auth.ErrUnauthenticated), Answer{CodeUnauthenticated, http.StatusUnauthorized, CloseForbidden}},
	{is(db.ErrForbidden), Answer{CodeForbidden, http.StatusForbidden, CloseForbidden}},
	{is(db.ErrNotFound), Answer{CodeNotFound, http.StatusNotFound, CloseForbidden}},
	{is(ErrTooLarge), Answer{CodeBadUserInput, http.StatusRequestEntityTooLarge, CloseForbidden}},
	{is(ErrUnsupportedType), Answer{CodeBadUserInput, http.StatusUnsupportedMediaType, CloseForbidden}},
	{brokenRule, Answer{CodeBadUserInput, http.StatusUnprocessableEntity, CloseForbidden}},
	{is(db.ErrInvalidInput), Answer{CodeBadUserInput, http.StatusBadRequest, CloseForbidden}},
	{is(db.ErrPinLimit), Answer{CodePinLimit, http.StatusConflict, CloseForbidden}},
	{is(db.ErrConflict), Answer{CodeConflict, http.StatusConflict, CloseForbidden}},
	{is(live.ErrSlow), Answer{CodeSlowConsumer, http.StatusServiceUnavailable, CloseForbidden}},
	{is(live.ErrStopped), Answer{CodeUnavailable, http.StatusServiceUnavailable, CloseForbidden}},
}

// internal answers everything the table does not know: our own fault.
var internal = Answer{CodeInternal, http.StatusInternalServerError, CloseForbidden}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func limited(err error) bool { _, ok := ratelimit.IsLimited(err); return ok }

// brokenRule is a well-formed request that breaks a rule (422 in REST, not 400).
func brokenRule(err error) bool {
	var fe *db.FieldError
	return errors.As(err, &fe) && fe.Rule
}

// For answers err from the table.
func For(err error) Answer {
	for _, row := range table {
		if row.match(err) {
			return row.Answer
		}
	}
	return internal
}

// Code is err's extensions.code; anything the table does not know is INTERNAL.
func Code(err error) string { return For(err).Code }

// Status is err's REST status.
func Status(err error) int { return For(err).Status }

// CloseCode is the WebSocket close code for a socket refused with err.
func CloseCode(err error) int { return For(err).Close }

// Field names the argument a BAD_USER_INPUT error is about, if it says.
func Field(err error) string {
	var fe *db.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// RetryAfter is how many seconds a rate-limited caller should wait (0: not limited).
func RetryAfter(err error) int {
	if l, ok := ratelimit.IsLimited(err); ok {
		return l.RetryAfterSeconds()
	}
	return 0
}

// The domain's client errors, for front doors that refuse a request themselves (a malformed
// parameter, a route not for this role) in the same terms the resolvers use.
type FieldError = db.FieldError

var (
	ErrNotFound  = db.ErrNotFound
	ErrForbidden = db.ErrForbidden
	// Invalid reports a malformed value in one field (400 in REST).
	Invalid = db.Invalid
	// Rule reports a well-formed value that breaks a rule (422 in REST).
	Rule = db.Rule
)
