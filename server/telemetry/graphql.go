package telemetry

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// MaxOperationNames caps the operation names that get a label of their own; later ones are
// counted as "other", so a client inventing names cannot grow the series without bound.
const MaxOperationNames = 200

// opNames hands out operation-name labels: a name claims a label the first time a caller that
// may claim one (an authenticated caller, say) sends it, while there is room.
type opNames struct {
	mu    sync.RWMutex
	known map[string]bool
	max   int
}

var goodName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

func newOpNames(max int) *opNames { return &opNames{known: map[string]bool{}, max: max} }

func (n *opNames) label(name string, mayClaim bool) string {
	if name == "" {
		return "anonymous"
	}
	n.mu.RLock()
	ok := n.known[name]
	n.mu.RUnlock()
	if ok {
		return name
	}
	if !mayClaim || !goodName.MatchString(name) {
		return "other"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.known[name] && len(n.known) >= n.max {
		return "other"
	}
	n.known[name] = true
	return name
}

// OperationLabels are the bounded labels of the operation ctx runs: its name (see opNames;
// "invalid" for a document that did not parse or validate) and type.
func (m *Metrics) OperationLabels(ctx context.Context, mayClaim func(context.Context) bool) (name, typ string) {
	if !graphql.HasOperationContext(ctx) {
		return "invalid", "unknown"
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return "invalid", "unknown"
	}
	name = oc.Operation.Name // the document's, which operationName may leave out
	claim := name != "" && mayClaim != nil && mayClaim(ctx)
	return m.names.label(name, claim), string(oc.Operation.Operation)
}

// GraphQLMetrics is the gqlgen extension counting and timing operations. MayClaim says whether
// the caller of ctx may give a new operation name a label of its own.
type GraphQLMetrics struct {
	Metrics  *Metrics
	MayClaim func(ctx context.Context) bool
}

var (
	_ graphql.HandlerExtension     = GraphQLMetrics{}
	_ graphql.OperationInterceptor = GraphQLMetrics{}
	_ graphql.ResponseInterceptor  = GraphQLMetrics{}
)

// ExtensionName implements graphql.HandlerExtension.
func (GraphQLMetrics) ExtensionName() string { return "Metrics" }

// Validate implements graphql.HandlerExtension.
func (GraphQLMetrics) Validate(graphql.ExecutableSchema) error { return nil }

type countedKey struct{}

// InterceptOperation counts every response of an operation that parsed and validated (each
// event of a subscription too, and refusals by the rate limits, which answer without running
// it) and times those of queries and mutations.
func (g GraphQLMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx = context.WithValue(ctx, countedKey{}, true)
	name, typ := g.Metrics.OperationLabels(ctx, g.MayClaim)
	responses := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		start := time.Now()
		resp := responses(ctx)
		if resp != nil {
			g.observe(name, typ, resp, start)
		}
		return resp
	}
}

// InterceptResponse counts the answers to documents that never became an operation (they did
// not parse or validate), as operation "invalid".
func (g GraphQLMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if ctx.Value(countedKey{}) != nil {
		return next(ctx)
	}
	start := time.Now()
	resp := next(ctx)
	if resp != nil {
		g.observe("invalid", "unknown", resp, start)
	}
	return resp
}

func (g GraphQLMetrics) observe(name, typ string, resp *graphql.Response, start time.Time) {
	g.Metrics.gqlOperations.WithLabelValues(name, typ, Outcome(resp)).Inc()
	if typ != string(ast.Subscription) {
		g.Metrics.gqlDuration.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
	}
}

// knownCodes are the error codes an outcome label may take; any other is "error".
var knownCodes = map[string]bool{"UNAUTHENTICATED": true, "FORBIDDEN": true, "NOT_FOUND": true, "BAD_USER_INPUT": true,
	"CONFLICT": true, "INTERNAL": true, "RATE_LIMITED": true, "SLOW_CONSUMER": true, "UNAVAILABLE": true,
	"BAD_REQUEST": true, "TOO_MANY_ERRORS": true, "QUERY_TOO_COMPLEX": true, "GRAPHQL_VALIDATION_FAILED": true,
	"GRAPHQL_PARSE_FAILED": true, "COMPLEXITY_LIMIT_EXCEEDED": true, "PERSISTED_QUERY_NOT_FOUND": true}

// Outcome is "ok" for a response without errors, else its first error's code when known.
func Outcome(resp *graphql.Response) string {
	if len(resp.Errors) == 0 {
		return "ok"
	}
	if code, _ := resp.Errors[0].Extensions["code"].(string); knownCodes[code] {
		return code
	}
	return "error"
}

// GraphQLTracing is the gqlgen extension that makes a span per query or mutation (named
// "query inbox", "mutation SendMessage") and one per root field under it: the resolvers that
// do the work. Nested fields get none; their statements show as SQL spans.
type GraphQLTracing struct{ Tracer trace.Tracer }

var (
	_ graphql.HandlerExtension     = GraphQLTracing{}
	_ graphql.ResponseInterceptor  = GraphQLTracing{}
	_ graphql.RootFieldInterceptor = GraphQLTracing{}
)

// ExtensionName implements graphql.HandlerExtension.
func (GraphQLTracing) ExtensionName() string { return "Tracing" }

// Validate implements graphql.HandlerExtension.
func (GraphQLTracing) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse wraps a query's or mutation's response in a span; a subscription's events
// get none (they would be one span per event for as long as it lives).
func (t GraphQLTracing) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	name, typ := "invalid", "unknown"
	if graphql.HasOperationContext(ctx) {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil {
			name, typ = oc.Operation.Name, string(oc.Operation.Operation)
		}
	}
	if typ == string(ast.Subscription) {
		return next(ctx)
	}
	ctx, span := t.Tracer.Start(ctx, "graphql "+typ+" "+name,
		trace.WithAttributes(attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", name)))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetStatus(codes.Error, Outcome(resp))
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
	}
	return resp
}

// InterceptRootField makes the span of one root field ("Mutation.sendMessage").
func (t GraphQLTracing) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	if rc == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation == ast.Subscription {
		return next(ctx)
	}
	root := map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation"}[op.Operation]
	ctx, span := t.Tracer.Start(ctx, root+"."+rc.Field.Name, trace.WithAttributes(attribute.String("graphql.field", rc.Field.Name)))
	defer span.End()
	return next(ctx)
}
