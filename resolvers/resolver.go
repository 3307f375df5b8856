// Package resolvers owns Parley's application surface: the hand-written GraphQL resolvers.
// Root resolvers (Query, Mutation, Subscription) authorise, validate, make one store call and
// map the result; the REST front door (rest-compat) calls the same root methods, loads display
// data through the same per-request batch loaders (display.go) and names the domain types
// through this package (surface.go). Field resolvers load through those loaders.
//
// It may import db, db/live, auth, webhooks (URL checks), apierror and the generated graph
// package (and the OpenTelemetry trace API, to name a sent message on the current span); never anything that serves HTTP (server, rest-compat, livews): transports reach it
// through interfaces it defines (LiveConsumer) and context values.
package resolvers

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/db/live"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/ratelimit"
)

// Resolver is the root of the resolver tree.
type Resolver struct {
	Store *db.Store
	// Tokens mints the tokens issueToken issues and learns of revocations made here.
	Tokens *auth.Authenticator
	// Files stores uploaded attachments.
	Files FileStore
	// MaxUploadBytes bounds one uploaded file.
	MaxUploadBytes int64
	// Hub delivers live updates to subscriptions.
	Hub *live.Hub
	// Limiter keeps each caller within its request rates (nil: no limits).
	Limiter *ratelimit.Limiter
	// MaxSubscriptions caps one user's live subscriptions on a replica (0: no cap).
	MaxSubscriptions int
	// WebhookAllowPrivate accepts webhook URLs at loopback, private and link-local addresses.
	WebhookAllowPrivate bool
	// WebhookRequireHTTPS refuses webhook URLs that are not https (production).
	WebhookRequireHTTPS bool
	// VAPIDPublicKey is the Web Push application server key browsers subscribe with.
	VAPIDPublicKey string
}

type (
	queryResolver                struct{ *Resolver }
	mutationResolver             struct{ *Resolver }
	userResolver                 struct{ *Resolver }
	workshopResolver             struct{ *Resolver }
	bookingResolver              struct{ *Resolver }
	listingResolver              struct{ *Resolver }
	participantResolver          struct{ *Resolver }
	conversationResolver         struct{ *Resolver }
	attachmentResolver           struct{ *Resolver }
	messageResolver              struct{ *Resolver }
	notificationResolver         struct{ *Resolver }
	messageTemplateResolver      struct{ *Resolver }
	workshopSearchResultResolver struct{ *Resolver }
)

var (
	_ graph.ResolverRoot                 = (*Resolver)(nil)
	_ graph.QueryResolver                = (*queryResolver)(nil)
	_ graph.MutationResolver             = (*mutationResolver)(nil)
	_ graph.ConversationResolver         = (*conversationResolver)(nil)
	_ graph.MessageResolver              = (*messageResolver)(nil)
	_ graph.WorkshopSearchResultResolver = (*workshopSearchResultResolver)(nil)
)

func (r *Resolver) Query() graph.QueryResolver               { return &queryResolver{r} }
func (r *Resolver) Mutation() graph.MutationResolver         { return &mutationResolver{r} }
func (r *Resolver) User() graph.UserResolver                 { return &userResolver{r} }
func (r *Resolver) Workshop() graph.WorkshopResolver         { return &workshopResolver{r} }
func (r *Resolver) Booking() graph.BookingResolver           { return &bookingResolver{r} }
func (r *Resolver) Listing() graph.ListingResolver           { return &listingResolver{r} }
func (r *Resolver) Participant() graph.ParticipantResolver   { return &participantResolver{r} }
func (r *Resolver) Conversation() graph.ConversationResolver { return &conversationResolver{r} }
func (r *Resolver) Attachment() graph.AttachmentResolver     { return &attachmentResolver{r} }
func (r *Resolver) Message() graph.MessageResolver           { return &messageResolver{r} }
func (r *Resolver) Notification() graph.NotificationResolver { return &notificationResolver{r} }
func (r *Resolver) MessageTemplate() graph.MessageTemplateResolver {
	return &messageTemplateResolver{r}
}
func (r *Resolver) WorkshopSearchResult() graph.WorkshopSearchResultResolver {
	return &workshopSearchResultResolver{r}
}

// QueryRoot and MutationRoot are the root resolvers other front doors (rest-compat, the demo
// seed) call, as the interfaces gqlgen calls them by.
func (r *Resolver) QueryRoot() graph.QueryResolver       { return &queryResolver{r} }
func (r *Resolver) MutationRoot() graph.MutationResolver { return &mutationResolver{r} }

// Schema is the executable GraphQL schema over r, with list fields priced by page size.
func (r *Resolver) Schema() graphql.ExecutableSchema {
	cfg := graph.Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	return graph.NewExecutableSchema(cfg)
}

// loadOne reads a key through a loader; a missing row is db.ErrNotFound.
func loadOne[K comparable, V any](ctx context.Context, l *batch[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, db.ErrNotFound
	}
	return v, err
}

// loadList reads a key's list through a loader; a key with no rows is an empty list.
func loadList[K comparable, V any](ctx context.Context, l *batch[K, []V], key K) ([]V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []V{}, nil
	}
	return v, err
}

func viewer(ctx context.Context) (db.Viewer, error) { return auth.User(ctx) }
