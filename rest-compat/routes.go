// Package restcompat serves the legacy REST routes of ../shared/spec on top of the same root
// resolvers GraphQL uses: each handler reads the request, calls a resolver method, and writes
// the legacy shape. No rule lives here; only wire formats. It is one http.Handler of its own
// (Handler, mounted at Patterns), with its own route table and envelopes.
//
// It may import resolvers (the typed surface, display loaders), graph (the inputs and payloads
// the root resolvers take), auth (who is calling), apierror (the error table) and ratelimit
// (route classes); never db or server.
package restcompat

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/resolvers"
)

// family is a namespace of routes: who may call it and which envelope it answers in.
type family string

const (
	familyCO family = "co" // car owners: bare objects and {data, meta, links}
	familyWS family = "ws" // workshops: {success, message, data}
	familyMK family = "mk" // marketplace buyers and sellers: {success, data}
	familyBO family = "bo" // back-office systems with an X-API-Key: {success, data} as MK
)

// roles a family's token must carry; any other authenticated role is 403. The back-office
// family takes an API key instead (see authorize).
var familyRoles = map[family][]string{
	familyCO: {resolvers.RoleCarOwner},
	familyWS: {resolvers.RoleWorkshop},
	familyMK: {resolvers.RoleBuyer, resolvers.RoleSeller},
}

// route is one documented method and path, the resolver method it calls and its GraphQL twin.
type route struct {
	Method string
	Path   string
	Family family
	// Limit is the rate-limit bucket the route draws from: its GraphQL twin's (a send, a read
	// or another mutation).
	Limit    ratelimit.Class
	Summary  string
	Resolver string // root resolver method(s) the handler calls
	GraphQL  string // the GraphQL operation answering the same question
	Query    []string
	handler  func(*api, http.ResponseWriter, *http.Request)
	// muxPath is the pattern the mux routes by, where the documented path would clash with
	// another (ServeMux cannot tell /thread/{id} from /{id}/messages); the handler then reads
	// the documented parameters itself.
	muxPath string
}

// servedAt is the mux pattern path of a route.
func (rt route) servedAt() string {
	if rt.muxPath != "" {
		return rt.muxPath
	}
	return rt.Path
}

// routes is the route table: every row of rest-routes.md (OPTIONS preflights are added for
// every path by Register).
var routes = []route{
	// CO: car owner, messages and search
	{Method: http.MethodGet, Path: "/api/co/filters/search", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Free-text workshop search",
		Resolver: "Query.SearchWorkshops", GraphQL: "searchWorkshops",
		Query: []string{"q", "query", "lat", "lng", "limit"}, handler: (*api).coSearch},
	{Method: http.MethodGet, Path: "/api/co/messages/inbox", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Inbox of booking threads, newest activity first",
		Resolver: "Query.Inbox", GraphQL: "inbox",
		Query: []string{"page", "page_size", "size", "q", "query"}, handler: (*api).coInbox},
	{Method: http.MethodPost, Path: "/api/co/messages/mark-read", Family: familyCO, Limit: ratelimit.Other,
		Summary:  "Mark workshop messages read",
		Resolver: "Mutation.MarkConversationRead", GraphQL: "markConversationRead",
		handler: (*api).coMarkRead},
	{Method: http.MethodPost, Path: "/api/co/messages/send", Family: familyCO, Limit: ratelimit.Send,
		Summary:  "Send a message (JSON or multipart)",
		Resolver: "Mutation.SendMessage", GraphQL: "sendMessage",
		handler: (*api).coSend},
	{Method: http.MethodGet, Path: "/api/co/messages/thread/{booking_id}", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Messages of a booking thread, oldest first",
		Resolver: "Query.BookingConversation, Query.Messages", GraphQL: "bookingConversation, messages",
		Query: []string{"page", "size", "page_size"}, muxPath: coTwoSegments, handler: (*api).coThread},
	{Method: http.MethodGet, Path: "/api/co/messages/{booking_id}", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Alias of the thread route",
		Resolver: "Query.BookingConversation, Query.Messages", GraphQL: "bookingConversation, messages",
		Query: []string{"page", "size", "page_size"}, handler: (*api).coThread},
	{Method: http.MethodGet, Path: "/api/co/messages/{booking_id}/messages", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Alias of the thread route",
		Resolver: "Query.BookingConversation, Query.Messages", GraphQL: "bookingConversation, messages",
		Query: []string{"page", "size", "page_size"}, muxPath: coTwoSegments, handler: (*api).coThread},
	{Method: http.MethodPost, Path: "/api/co/messages/thread/{booking_id}/read-up-to", Family: familyCO, Limit: ratelimit.Other,
		Summary:  "Mark read up to a message",
		Resolver: "Query.BookingConversation, Mutation.MarkConversationRead", GraphQL: "markConversationRead",
		muxPath: coTwoSegmentsReadUpTo, handler: (*api).coReadUpTo},
	{Method: http.MethodPost, Path: "/api/co/messages/{booking_id}/messages/read-up-to", Family: familyCO, Limit: ratelimit.Other,
		Summary:  "Alias of read-up-to",
		Resolver: "Query.BookingConversation, Mutation.MarkConversationRead", GraphQL: "markConversationRead",
		muxPath: coTwoSegmentsReadUpTo, handler: (*api).coReadUpTo},

	// CO: car owner, notifications
	{Method: http.MethodGet, Path: "/api/co/notifications", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Notifications, newest first",
		Resolver: "Query.Notifications", GraphQL: "notifications",
		Query: []string{"status", "type", "since", "page", "page_size", "size"}, handler: (*api).coNotifications},
	{Method: http.MethodPost, Path: "/api/co/notifications/mark-read", Family: familyCO, Limit: ratelimit.Other,
		Summary:  "Mark notifications (and their messages) read",
		Resolver: "Mutation.MarkNotificationsRead", GraphQL: "markNotificationsRead",
		handler: (*api).coNotificationsMarkRead},
	{Method: http.MethodPost, Path: "/api/co/notifications/read-all", Family: familyCO, Limit: ratelimit.Other,
		Summary:  "Mark all notifications read",
		Resolver: "Mutation.MarkAllNotificationsRead", GraphQL: "markAllNotificationsRead",
		handler: (*api).coNotificationsReadAll},
	{Method: http.MethodGet, Path: "/api/co/notifications/unread-count", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "Unread notification count",
		Resolver: "Query.UnreadCounts", GraphQL: "unreadCounts",
		handler: (*api).coNotificationsUnread},
	{Method: http.MethodGet, Path: "/api/co/notifications/{id}", Family: familyCO, Limit: ratelimit.Read,
		Summary:  "One notification",
		Resolver: "Query.Notification", GraphQL: "notification",
		handler: (*api).coNotification},

	// WS: workshop, messages
	{Method: http.MethodGet, Path: "/api/ws/messages", Family: familyWS, Limit: ratelimit.Read,
		Summary:  "The workshop's inbox, a thread per booking",
		Resolver: "Query.Inbox", GraphQL: "inbox",
		Query: []string{"page", "page_size", "size", "q", "query"}, handler: (*api).wsInbox},
	{Method: http.MethodPost, Path: "/api/ws/messages", Family: familyWS, Limit: ratelimit.Send,
		Summary:  "Send to a booking's thread (JSON or multipart, with booking_id)",
		Resolver: "Query.BookingConversation, Mutation.SendMessage", GraphQL: "sendMessage",
		handler: (*api).wsSendByBooking},
	{Method: http.MethodGet, Path: "/api/ws/messages/thread", Family: familyWS, Limit: ratelimit.Read,
		Summary:  "Messages of a booking thread (?id=booking_id)",
		Resolver: "Query.BookingConversation, Query.Messages", GraphQL: "bookingConversation, messages",
		Query: []string{"id", "page", "size", "page_size"}, handler: (*api).wsThread},
	{Method: http.MethodGet, Path: "/api/ws/messages/thread/{booking_id}", Family: familyWS, Limit: ratelimit.Read,
		Summary:  "Messages of a booking thread",
		Resolver: "Query.BookingConversation, Query.Messages", GraphQL: "bookingConversation, messages",
		Query: []string{"page", "size", "page_size"}, handler: (*api).wsThread},
	{Method: http.MethodPost, Path: "/api/ws/messages/thread/{booking_id}/send", Family: familyWS, Limit: ratelimit.Send,
		Summary:  "Send to a booking's thread",
		Resolver: "Query.BookingConversation, Mutation.SendMessage", GraphQL: "sendMessage",
		handler: (*api).wsSendToThread},

	// MK: vehicle marketplace
	{Method: http.MethodGet, Path: "/api/messages", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "List threads",
		Resolver: "Query.Inbox", GraphQL: "inbox",
		Query: []string{"page", "limit", "status", "role"}, handler: (*api).mkConversations},
	{Method: http.MethodGet, Path: "/api/messages/unread", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "Unread count",
		Resolver: "Query.UnreadCounts", GraphQL: "unreadCounts",
		handler: (*api).mkUnread},
	{Method: http.MethodGet, Path: "/api/messages/{threadId}", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "Messages in a thread",
		Resolver: "Query.Conversation, Query.Messages", GraphQL: "conversation, messages",
		Query: []string{"page", "limit", "before"}, handler: (*api).mkConversation},
	{Method: http.MethodPost, Path: "/api/messages", Family: familyMK, Limit: ratelimit.Send,
		Summary:  "Send into a conversation, or start one about a listing",
		Resolver: "Mutation.SendMessage, Mutation.StartConversation", GraphQL: "sendMessage, startConversation",
		handler: (*api).mkPostMessage},
	{Method: http.MethodPatch, Path: "/api/messages/{threadId}/archive", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Archive a thread",
		Resolver: "Mutation.ArchiveConversation", GraphQL: "archiveConversation",
		handler: (*api).mkArchive},
	{Method: http.MethodGet, Path: "/api/notifications", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "List notifications",
		Resolver: "Query.Notifications", GraphQL: "notifications",
		Query: []string{"page", "limit", "status", "type", "since"}, handler: (*api).mkNotifications},
	{Method: http.MethodGet, Path: "/api/notifications/unread-count", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "Unread notification count",
		Resolver: "Query.UnreadCounts", GraphQL: "unreadCounts",
		handler: (*api).mkNotificationsUnread},
	{Method: http.MethodPatch, Path: "/api/notifications/{id}/read", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Mark one notification read",
		Resolver: "Mutation.MarkNotificationsRead", GraphQL: "markNotificationsRead",
		handler: (*api).mkNotificationRead},
	{Method: http.MethodPatch, Path: "/api/notifications/read-all", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Mark all notifications read",
		Resolver: "Mutation.MarkAllNotificationsRead", GraphQL: "markAllNotificationsRead",
		handler: (*api).mkNotificationsReadAll},
	{Method: http.MethodGet, Path: "/v1/messages/conversations", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "List conversations",
		Resolver: "Query.Inbox", GraphQL: "inbox",
		Query: []string{"page", "limit", "status", "role"}, handler: (*api).mkConversations},
	{Method: http.MethodGet, Path: "/v1/messages/conversations/{id}", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "A conversation and its messages",
		Resolver: "Query.Conversation, Query.Messages", GraphQL: "conversation, messages",
		Query: []string{"page", "limit", "before"}, handler: (*api).mkConversation},
	{Method: http.MethodPost, Path: "/v1/messages/conversations", Family: familyMK, Limit: ratelimit.Send,
		Summary:  "Start a conversation about a listing",
		Resolver: "Mutation.StartConversation", GraphQL: "startConversation",
		handler: (*api).mkStart},
	{Method: http.MethodPost, Path: "/v1/messages/conversations/{id}", Family: familyMK, Limit: ratelimit.Send,
		Summary:  "Send a message (JSON, multipart or template)",
		Resolver: "Mutation.SendMessage", GraphQL: "sendMessage",
		muxPath: v1TwoSegments, handler: (*api).mkSend},
	{Method: http.MethodPut, Path: "/v1/messages/conversations/{id}/read", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Mark the conversation, or given messages, read",
		Resolver: "Mutation.MarkConversationRead, Mutation.MarkMessagesRead", GraphQL: "markConversationRead, markMessagesRead",
		handler: (*api).mkRead},
	{Method: http.MethodPut, Path: "/v1/messages/conversations/{id}/archive", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Archive",
		Resolver: "Mutation.ArchiveConversation", GraphQL: "archiveConversation",
		handler: (*api).mkArchive},
	{Method: http.MethodDelete, Path: "/v1/messages/conversations/{id}/archive", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Unarchive",
		Resolver: "Mutation.UnarchiveConversation", GraphQL: "unarchiveConversation",
		handler: (*api).mkUnarchive},
	{Method: http.MethodDelete, Path: "/v1/messages/conversations/{id}", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Delete for the caller, permanently",
		Resolver: "Mutation.DeleteConversation", GraphQL: "deleteConversation",
		handler: (*api).mkDelete},
	{Method: http.MethodGet, Path: "/v1/messages/templates", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "List templates",
		Resolver: "Query.MessageTemplates", GraphQL: "messageTemplates",
		handler: (*api).mkTemplates},
	{Method: http.MethodPost, Path: "/v1/messages/templates", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Create a template",
		Resolver: "Mutation.CreateMessageTemplate", GraphQL: "createMessageTemplate",
		handler: (*api).mkCreateTemplate},
	{Method: http.MethodGet, Path: "/v1/messages/unread", Family: familyMK, Limit: ratelimit.Read,
		Summary:  "Unread summary",
		Resolver: "Query.UnreadCounts", GraphQL: "unreadCounts",
		handler: (*api).mkUnread},
	{Method: http.MethodPost, Path: "/v1/messages/{msgId}/report", Family: familyMK, Limit: ratelimit.Other,
		Summary:  "Report a message",
		Resolver: "Mutation.ReportMessage", GraphQL: "reportMessage",
		muxPath: v1TwoSegments, handler: (*api).mkReport},

	// BO: back-office systems (X-API-Key), webhooks
	{Method: http.MethodPost, Path: "/v1/webhooks", Family: familyBO, Limit: ratelimit.Other,
		Summary:  "Register a webhook endpoint; the answer holds its secret, shown only there",
		Resolver: "Mutation.CreateWebhookEndpoint", GraphQL: "createWebhookEndpoint",
		handler: (*api).boCreateWebhook},
	{Method: http.MethodGet, Path: "/v1/webhooks", Family: familyBO, Limit: ratelimit.Read,
		Summary:  "List webhook endpoints",
		Resolver: "Query.WebhookEndpoints", GraphQL: "webhookEndpoints",
		handler: (*api).boWebhooks},
	{Method: http.MethodPatch, Path: "/v1/webhooks/{id}", Family: familyBO, Limit: ratelimit.Other,
		Summary:  "Change a webhook endpoint's URL, events, description or active flag",
		Resolver: "Mutation.UpdateWebhookEndpoint", GraphQL: "updateWebhookEndpoint",
		handler: (*api).boUpdateWebhook},
	{Method: http.MethodDelete, Path: "/v1/webhooks/{id}", Family: familyBO, Limit: ratelimit.Other,
		Summary:  "Delete a webhook endpoint and its deliveries",
		Resolver: "Mutation.DeleteWebhookEndpoint", GraphQL: "deleteWebhookEndpoint",
		handler: (*api).boDeleteWebhook},
	{Method: http.MethodPost, Path: "/v1/webhooks/{id}/rotate-secret", Family: familyBO, Limit: ratelimit.Other,
		Summary:  "A new signing secret; the old one signs too for 24 hours",
		Resolver: "Mutation.RotateWebhookSecret", GraphQL: "rotateWebhookSecret",
		handler: (*api).boRotateSecret},
	{Method: http.MethodGet, Path: "/v1/webhooks/{id}/deliveries", Family: familyBO, Limit: ratelimit.Read,
		Summary:  "An endpoint's deliveries and their attempts, newest first",
		Resolver: "Query.WebhookDeliveries", GraphQL: "webhookDeliveries",
		Query: []string{"status", "page", "limit"}, handler: (*api).boDeliveries},
	{Method: http.MethodPost, Path: "/v1/webhooks/deliveries/{id}/replay", Family: familyBO, Limit: ratelimit.Other,
		Summary:  "Send a delivery again now, with the same webhook-id",
		Resolver: "Mutation.ReplayWebhookDelivery", GraphQL: "replayWebhookDelivery",
		handler: (*api).boReplay},
}

// api holds what the handlers need: the root resolvers (which also load the display data of
// rows they authorised, through GraphQL's batch loaders) and the rate limits.
type api struct {
	res   *resolvers.Resolver
	limit LimitFunc
}

// LimitFunc takes a rate token of class c for the caller of ctx (an *ratelimit.ErrLimited when
// there is none left).
type LimitFunc func(ctx context.Context, c ratelimit.Class) error

// Paths the mux cannot tell apart (/thread/{id} and /{id}/messages match the same URLs) are
// routed by one general pattern each, and dispatched by their documented templates.
const (
	coTwoSegments         = "/api/co/messages/{first}/{second}"
	coTwoSegmentsReadUpTo = "/api/co/messages/{first}/{second}/read-up-to"
	v1TwoSegments         = "/v1/messages/{first}/{second}"
)

// Patterns are what Handler serves; the server mounts it at each.
var Patterns = []string{"/api/", "/v1/", "GET /openapi.json"}

// Handler serves every route of the table, with an OPTIONS preflight for every path, on a mux of
// its own whose 404 and 405 answers come in the families' envelopes too. limit charges the
// caller's rate token of each route's class before its handler runs.
func Handler(res *resolvers.Resolver, limit LimitFunc) http.Handler {
	mux := http.NewServeMux()
	register(mux, &api{res: res, limit: limit})
	return envelope(mux)
}

func register(mux *http.ServeMux, a *api) {
	shared := map[string][]route{}
	for _, rt := range routes {
		if rt.muxPath != "" {
			shared[rt.Method+" "+rt.muxPath] = append(shared[rt.Method+" "+rt.muxPath], rt)
			continue
		}
		mux.Handle(rt.Method+" "+rt.Path, wrongMethodGuard(a.handler(rt)))
	}
	for pattern, rts := range shared {
		mux.Handle(pattern, wrongMethodGuard(a.dispatch(rts)))
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if p := "OPTIONS " + rt.servedAt(); !seen[p] {
			seen[p] = true
			mux.HandleFunc(p, a.preflight)
		}
	}
	mux.HandleFunc("GET /openapi.json", ServeOpenAPI)
}

// literalMethods are the methods of each route path without parameters.
func literalMethods() map[string][]string {
	out := map[string][]string{}
	for _, rt := range routes {
		if !strings.Contains(rt.Path, "{") {
			out[rt.Path] = append(out[rt.Path], rt.Method)
		}
	}
	return out
}

// wrongMethodGuard answers 405 for a literal route path asked with another method, which
// the mux would otherwise hand to a parameter route beside it (GET /api/co/messages/send
// matches GET /api/co/messages/{booking_id}).
func wrongMethodGuard(next http.Handler) http.Handler {
	literal := literalMethods()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods, ok := literal[r.URL.Path]
		if !ok || slices.Contains(methods, r.Method) || (r.Method == http.MethodHead && slices.Contains(methods, http.MethodGet)) {
			next.ServeHTTP(w, r)
			return
		}
		allow := strings.Join(append([]string{http.MethodOptions}, methods...), ", ")
		w.Header().Set("Allow", allow)
		writeError(w, r, familyOf(r.URL.Path), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
			r.Method+" is not allowed here; allowed: "+allow, "")
	})
}

func (a *api) handler(rt route) http.Handler {
	return a.authorize(rt.Family, func(w http.ResponseWriter, r *http.Request) {
		if err := a.limit(r.Context(), rt.Limit); err != nil {
			if l, ok := ratelimit.IsLimited(err); ok {
				w.Header().Set("Retry-After", strconv.Itoa(l.RetryAfterSeconds()))
			}
			fail(w, r, rt.Family, err)
			return
		}
		rt.handler(a, w, r.WithContext(a.res.WithLoaders(r.Context()))) // batched as GraphQL's fields are
	})
}

// dispatch serves the routes sharing one mux pattern: the first whose documented template
// matches the path gets the request, with its path parameters set.
func (a *api) dispatch(rts []route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range rts {
			if params, ok := matchTemplate(rt.Path, r.URL.Path); ok {
				for k, v := range params {
					r.SetPathValue(k, v)
				}
				a.handler(rt).ServeHTTP(w, r)
				return
			}
		}
		writeError(w, r, rts[0].Family, http.StatusNotFound, apierror.CodeNotFound, "no such route: "+r.URL.Path, "")
	})
}

// matchTemplate matches a path against a template such as /a/{id}/b.
func matchTemplate(template, path string) (map[string]string, bool) {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			params[t[1:len(t)-1]] = ps[i]
		} else if t != ps[i] {
			return nil, false
		}
	}
	return params, true
}

// Routes lists the registered method and path pairs, preflights included, for documentation
// and its test.
func Routes() []string {
	seen := map[string]bool{}
	var out []string
	for _, rt := range routes {
		for _, k := range []string{rt.Method + " " + rt.Path, "OPTIONS " + rt.Path} {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}
