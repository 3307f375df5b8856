package resolvers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers/auth"
	"github.com/parley/parley/resolvers/livews"
	"github.com/parley/parley/web/graphiql"
)

// Options tune the GraphQL endpoint's defences.
type Options struct {
	Introspection   bool
	ComplexityLimit int
	MaxDepth        int
	MaxAliases      int
	MaxQueryBytes   int
	// Auth authenticates WebSocket connections from their connection_init payload.
	Auth *auth.Authenticator
	// Origins are the browser origins allowed to open WebSockets ("*" for any).
	Origins []string
	// Sockets serves WebSockets; nil makes one from Auth and Origins.
	Sockets *livews.Transport
}

// DefaultOptions are the limits Parley serves with.
func DefaultOptions() Options {
	return Options{Introspection: true, ComplexityLimit: 5000, MaxDepth: 12, MaxAliases: 30, MaxQueryBytes: 32 << 10}
}

// NewServer builds the GraphQL executor over r with transports, caches and limits.
func NewServer(r *Resolver, o Options) *handler.Server {
	cfg := graph.Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	srv := handler.New(graph.NewExecutableSchema(cfg))
	if r.Hub != nil {
		addLiveTransports(srv, o) // before POST, which would otherwise claim SSE requests
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(httpTransport{}) // GET and POST as the GraphQL over HTTP spec says
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: MaxAttachments*r.MaxUpload() + 1<<20, MaxMemory: 32 << 20})
	srv.AddTransport(unsupported{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(shapeLimit{maxBytes: o.MaxQueryBytes, maxDepth: o.MaxDepth, maxAliases: o.MaxAliases})
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.AroundOperations(r.limitOperations)
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		// Fresh loaders for every response: a subscription's events never see stale rows.
		return next(context.WithValue(ctx, loadersKey{}, newLoaders(r.Store)))
	})
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	return srv
}

// Handler serves GraphQL at its path for programs, and GraphiQL to a browser that opens it.
func Handler(r *Resolver, o Options) http.Handler {
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

// Playground is GraphiQL pointed at /graphql, served from the binary (web/graphiql).
func Playground() http.Handler { return graphiql.Page() }

// setComplexity prices list fields by the page size asked for, so a client cannot multiply
// the work with nested pages.
func setComplexity(c *graph.ComplexityRoot) {
	c.Query.Inbox = func(child int, first *int, _ *string, _ *int, _ *graph.InboxFilter) int {
		return perPage(child, first, 20)
	}
	c.Query.Messages = func(child int, _ string, first *int, _ *string, last *int, _ *string, _ *int, _ *time.Time) int {
		return perPage(child, firstOf(first, last), defaultMessages)
	}
	c.Conversation.Messages = func(child int, first *int, _ *string, last *int, _ *string) int {
		return perPage(child, firstOf(first, last), defaultMessages)
	}
	c.Query.Notifications = func(child int, first *int, _ *string, _ *int, _ *graph.NotificationFilter) int {
		return perPage(child, first, 20)
	}
	c.Query.SearchWorkshops = func(child int, _ string, _ *graph.GeoPoint, first *int) int {
		return perPage(child, first, 20)
	}
	c.Query.WebhookDeliveries = func(child int, _ string, _ *graph.WebhookDeliveryStatus, first, _ *int) int {
		return perPage(child, first, 20)
	}
}

func perPage(child int, n *int, def int) int {
	size := def
	if n != nil && *n > 0 {
		size = *n
	}
	return 1 + child*size
}

func firstOf(a, b *int) *int {
	if a != nil {
		return a
	}
	return b
}
