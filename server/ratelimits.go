package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/ratelimit"
)

// sendFields are the mutations that count as sending.
var sendFields = map[string]bool{"sendMessage": true, "startConversation": true}

// classify tells which bucket an operation draws from and how many tokens it takes: one per
// send field, counted after fragments and @skip/@include are applied, so neither a fragment
// nor aliases make many sends cost one token.
func classify(oc *graphql.OperationContext) (ratelimit.Class, int) {
	op := oc.Operation
	if op.Operation == ast.Query {
		return ratelimit.Read, 1
	}
	sends := 0
	for _, f := range graphql.CollectFields(oc, op.SelectionSet, []string{"Mutation"}) {
		if sendFields[f.Name] {
			sends++
		}
	}
	if sends > 0 {
		return ratelimit.Send, sends
	}
	return ratelimit.Other, 1
}

// callerLimits charges callers' rate tokens for GraphQL and REST alike (nil limiter: no limits).
type callerLimits struct{ Limiter *ratelimit.Limiter }

// Limit takes a token for the caller of ctx; unauthenticated calls are left to the resolvers,
// which refuse them anyway.
func (r callerLimits) Limit(ctx context.Context, c ratelimit.Class) error {
	p, err := auth.PrincipalFrom(ctx)
	if err != nil || r.Limiter == nil {
		return nil //nolint:nilerr // unauthenticated calls are refused by the resolvers
	}
	if p.APIKey {
		return r.Limiter.Allow(ctx, p.KeyID, true, c)
	}
	return r.Limiter.Allow(ctx, p.User.UserID, false, c)
}

type prechargedKey struct{}

// PrechargeGraphQL takes the caller's token for an HTTP GraphQL request, or a WebSocket
// subscribe message, before its document is parsed: a user's read token, or the API key's
// one. limitOperations then charges only what the operation adds: a mutation's send or other
// token.
func (r callerLimits) PrechargeGraphQL(ctx context.Context) (context.Context, error) {
	if err := r.Limit(ctx, ratelimit.Read); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, prechargedKey{}, true), nil
}

// charged reports whether the token PrechargeGraphQL took already pays for an operation.
func charged(ctx context.Context, c ratelimit.Class) bool {
	if pre, _ := ctx.Value(prechargedKey{}).(bool); !pre {
		return false
	}
	p, err := auth.PrincipalFrom(ctx)
	return c == ratelimit.Read || (err == nil && p.APIKey)
}

// limitOperations refuses queries and mutations over the caller's rate with RATE_LIMITED.
// Subscriptions pay only the token taken before parsing (PrechargeGraphQL) and are capped per
// user besides (see subscriptionCap).
func (r callerLimits) limitOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if r.Limiter == nil || oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return next(ctx) // no limits: no fields to collect and count
	}
	c, tokens := classify(oc)
	if charged(ctx, c) {
		return next(ctx)
	}
	for range tokens {
		if err := r.Limit(ctx, c); err != nil {
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{apierror.Present(ctx, err)}})
		}
	}
	return next(ctx)
}
