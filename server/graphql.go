package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/auth"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/resolvers"
	"github.com/parley/parley/server/livews"
	"github.com/parley/parley/server/telemetry"
	"github.com/parley/parley/web/graphiql"
)

// Options tune the GraphQL endpoint's defences. The document limits are checked before
// gqlgen parses, validates or prices a document, so every refusal is cheap (see limits.go).
type Options struct {
	// Introspection serves __schema and __type to callers with credentials; anonymous callers
	// get it, and "Did you mean" suggestions in validation errors, only with
	// AnonymousIntrospection too (gqlgen switches suggestions for the whole server, not per
	// caller, and they matter only to those who cannot introspect).
	Introspection          bool
	AnonymousIntrospection bool
	ComplexityLimit        int
	MaxDepth               int // ordinary fields
	MaxIntrospectionDepth  int // below __schema or __type
	MaxAliases             int
	MaxQueryBytes          int
	MaxBodyBytes           int64 // a GET/POST body; the server's middleware applies the configured bound first
	MaxTokens              int
	MaxDirectives          int
	MaxFields              int // with every fragment spread expanded
	MaxRepeatedFields      int // fields merged at one response key
	MaxErrors              int // in one response
	// GeneratedInbox marshals the inbox through gqlgen's generated executor only, without the
	// inbox writer (resolvers.WriteInbox): for tests that compare the two, and for measuring.
	GeneratedInbox bool
	// Auth authenticates WebSocket connections from their connection_init payload.
	Auth *auth.Authenticator
	// Origins are the browser origins allowed to open WebSockets ("*" for any).
	Origins []string
	// Sockets serves WebSockets; nil makes one from Limiter, Auth and Origins.
	Sockets *livews.Transport
	// Limiter keeps callers within their request rates (nil: no limits).
	Limiter *ratelimit.Limiter
	// Metrics count and time operations (nil: not counted).
	Metrics *telemetry.Metrics
	// Tracer makes a span per query or mutation and per root field (nil: no spans).
	Tracer trace.Tracer
}

// DefaultOptions are the limits Parley serves with; README's "Query limits" says why.
func DefaultOptions() Options {
	return Options{Introspection: true, AnonymousIntrospection: true, ComplexityLimit: 5000,
		MaxDepth: 8, MaxIntrospectionDepth: 20, MaxAliases: 30, MaxQueryBytes: 32 << 10,
		MaxTokens: 2000, MaxDirectives: 50, MaxFields: 2000, MaxRepeatedFields: 50, MaxErrors: 50}
}

// NewServer builds the GraphQL executor over r with transports, caches and limits.
func NewServer(r *resolvers.Resolver, o Options) *handler.Server {
	srv := handler.New(r.Schema())
	if r.Hub != nil {
		addLiveTransports(srv, o) // before POST, which would otherwise claim SSE requests
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(oneShot{httpTransport{o.MaxBodyBytes}}) // GET and POST as the GraphQL over HTTP spec says
	srv.AddTransport(oneShot{checkedForm{transport.MultipartForm{MaxUploadSize: resolvers.MaxAttachments*r.MaxUpload() + 1<<20, MaxMemory: 32 << 20}, o.MaxBodyBytes}})
	srv.AddTransport(unsupported{})
	valid := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(valid)
	srv.SetDisableSuggestion(!o.Introspection || !o.AnonymousIntrospection)
	srv.Use(byteLimit{max: o.MaxQueryBytes}) // before persisted queries store the text
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(shapeLimit{maxTokens: o.MaxTokens, maxDirectives: o.MaxDirectives,
		maxDepth: o.MaxDepth, maxIntrospectionDepth: o.MaxIntrospectionDepth, maxAliases: o.MaxAliases,
		maxFields: o.MaxFields, maxRepeats: o.MaxRepeatedFields, checked: valid})
	srv.Use(liveOnly{})
	srv.Use(introspection{users: o.Introspection, anonymous: o.AnonymousIntrospection})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.Use(subscribed{}) // last: only an operation every check admitted
	if o.Metrics != nil {
		srv.Use(telemetry.GraphQLMetrics{Metrics: o.Metrics, MayClaim: mayNameOperation})
	}
	if o.Tracer != nil {
		srv.Use(telemetry.GraphQLTracing{Tracer: o.Tracer})
	}
	srv.AroundOperations(callerLimits{o.Limiter}.limitOperations)
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		// Fresh loaders for every response: a subscription's events never see stale rows.
		return next(r.WithLoaders(ctx))
	})
	srv.AroundResponses(capErrors(o.MaxErrors))
	srv.SetErrorPresenter(apierror.Present)
	srv.SetRecoverFunc(recoverPanic)
	if !o.GeneratedInbox {
		srv.AroundFields(r.WriteInbox)
	}
	return srv
}

// oneShot marks requests served by a transport that answers once (GET, POST, multipart), where
// a subscription would hang until its first event while holding one of the user's slots.
type oneShot struct{ graphql.Transport }

type oneShotKey struct{}

func (t oneShot) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.Transport.Do(w, r.WithContext(context.WithValue(r.Context(), oneShotKey{}, true)), exec)
}

type subscribedKey struct{}

// OnSubscribed returns ctx carrying f, which the handler calls once a subscription sent on
// the request has passed every check: the server's in-flight count lets a long-lived stream
// go then, while a query or mutation sent as an event stream keeps its slot until it is
// answered.
func OnSubscribed(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, subscribedKey{}, f)
}

// subscribed calls the OnSubscribed function for a subscription that was admitted. It runs
// before gqlgen's event-stream transport first flushes, so a client that sees the stream
// open finds the slot free; what is left, the subscription's resolver, is one quick check.
type subscribed struct{}

func (subscribed) ExtensionName() string                   { return "Subscribed" }
func (subscribed) Validate(graphql.ExecutableSchema) error { return nil }

func (subscribed) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return nil
	}
	if f, ok := ctx.Value(subscribedKey{}).(func()); ok {
		f()
	}
	if w, ok := ctx.Value(streamKey{}).(*openWhenTracked); ok {
		w.holdOpening()
	}
	return nil
}

func init() { errcode.RegisterErrorType(apierror.CodeBadRequest, errcode.KindProtocol) }

// liveOnly refuses subscriptions on one-shot transports before any resolver runs.
type liveOnly struct{}

func (liveOnly) ExtensionName() string                   { return "LiveOnly" }
func (liveOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (liveOnly) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription || ctx.Value(oneShotKey{}) == nil {
		return nil
	}
	err := gqlerror.Errorf("Subscriptions need a WebSocket (graphql-transport-ws) or Server-Sent Events (POST with Accept: text/event-stream).")
	err.Extensions = map[string]any{"code": apierror.CodeBadRequest}
	return err
}

// introspection lets callers introspect when users is set, anonymous ones only when anonymous
// is set too.
type introspection struct{ users, anonymous bool }

func (introspection) ExtensionName() string                   { return "Introspection" }
func (introspection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses an operation that asks for __schema or __type when the caller
// may not introspect, with a message saying so (gqlgen's own refusal is an untyped error).
func (i introspection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	_, err := auth.PrincipalFrom(ctx)
	oc.DisableIntrospection = !i.users || err != nil && !i.anonymous
	if !oc.DisableIntrospection || oc.Operation == nil || !introspects(oc.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	refusal := gqlerror.Errorf("Introspection is turned off on this server.")
	if i.users {
		refusal = gqlerror.Errorf("Introspection needs credentials.")
	}
	errcode.Set(refusal, errcode.ValidationFailed)
	return refusal
}

// introspects tells whether set selects __schema or __type, looking into each fragment once.
func introspects(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			if x.Name == "__schema" || x.Name == "__type" || introspects(x.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(x.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if !seen[x.Name] && x.Definition != nil {
				seen[x.Name] = true
				if introspects(x.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

// Handler serves GraphQL at its path for programs, and GraphiQL to a browser that opens it.
func Handler(r *resolvers.Resolver, o Options) http.Handler {
	api := NewServer(r, o)
	ide := graphiql.Page()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && req.URL.Query().Get("query") == "" &&
			strings.Contains(req.Header.Get("Accept"), "text/html") {
			ide.ServeHTTP(w, req)
			return
		}
		api.ServeHTTP(w, req)
	})
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
		note.Extensions = map[string]any{"code": apierror.CodeTooManyErrors}
		resp.Errors = append(resp.Errors[:max-1:max-1], note)
		return resp
	}
}

// recoverPanic turns a resolver's panic into an INTERNAL error instead of a dropped connection.
func recoverPanic(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "resolver panicked", "panic", p)
	return errors.New("internal error")
}
