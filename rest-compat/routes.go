// Package restcompat serves the legacy REST routes of ../shared/spec on top of the same root
// resolvers GraphQL uses: each handler reads the request, calls a resolver method, and writes
// the legacy shape. No rule lives here; only wire formats.
package restcompat

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parley/parley/db"
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
	familyCO: {db.RoleCarOwner},
	familyWS: {db.RoleWorkshop},
	familyMK: {db.RoleBuyer, db.RoleSeller},
}

// route is one documented method and path, the resolver method it calls and its GraphQL twin.
type route struct {
	Method   string
	Path     string
	Family   family
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
	{"GET", "/api/co/filters/search", familyCO, "Free-text workshop search", "Query.SearchWorkshops", "searchWorkshops", []string{"q", "query", "lat", "lng", "limit"}, (*api).coSearch, ""},
	{"GET", "/api/co/messages/inbox", familyCO, "Inbox of booking threads, newest activity first", "Query.Inbox", "inbox", []string{"page", "page_size", "size", "q", "query"}, (*api).coInbox, ""},
	{"POST", "/api/co/messages/mark-read", familyCO, "Mark workshop messages read", "Mutation.MarkConversationRead", "markConversationRead", nil, (*api).coMarkRead, ""},
	{"POST", "/api/co/messages/send", familyCO, "Send a message (JSON or multipart)", "Mutation.SendMessage", "sendMessage", nil, (*api).coSend, ""},
	{"GET", "/api/co/messages/thread/{booking_id}", familyCO, "Messages of a booking thread, oldest first", "Query.BookingConversation, Query.Messages", "bookingConversation, messages", []string{"page", "size", "page_size"}, (*api).coThread, coTwoSegments},
	{"GET", "/api/co/messages/{booking_id}", familyCO, "Alias of the thread route", "Query.BookingConversation, Query.Messages", "bookingConversation, messages", []string{"page", "size", "page_size"}, (*api).coThread, ""},
	{"GET", "/api/co/messages/{booking_id}/messages", familyCO, "Alias of the thread route", "Query.BookingConversation, Query.Messages", "bookingConversation, messages", []string{"page", "size", "page_size"}, (*api).coThread, coTwoSegments},
	{"POST", "/api/co/messages/thread/{booking_id}/read-up-to", familyCO, "Mark read up to a message", "Query.BookingConversation, Mutation.MarkConversationRead", "markConversationRead", nil, (*api).coReadUpTo, coTwoSegmentsReadUpTo},
	{"POST", "/api/co/messages/{booking_id}/messages/read-up-to", familyCO, "Alias of read-up-to", "Query.BookingConversation, Mutation.MarkConversationRead", "markConversationRead", nil, (*api).coReadUpTo, coTwoSegmentsReadUpTo},

	// CO: car owner, notifications
	{"GET", "/api/co/notifications", familyCO, "Notifications, newest first", "Query.Notifications", "notifications", []string{"status", "type", "since", "page", "page_size", "size"}, (*api).coNotifications, ""},
	{"POST", "/api/co/notifications/mark-read", familyCO, "Mark notifications (and their messages) read", "Mutation.MarkNotificationsRead", "markNotificationsRead", nil, (*api).coNotificationsMarkRead, ""},
	{"POST", "/api/co/notifications/read-all", familyCO, "Mark all notifications read", "Mutation.MarkAllNotificationsRead", "markAllNotificationsRead", nil, (*api).coNotificationsReadAll, ""},
	{"GET", "/api/co/notifications/unread-count", familyCO, "Unread notification count", "Query.UnreadCounts", "unreadCounts", nil, (*api).coNotificationsUnread, ""},
	{"GET", "/api/co/notifications/{id}", familyCO, "One notification", "Query.Notification", "notification", nil, (*api).coNotification, ""},

	// WS: workshop, messages
	{"GET", "/api/ws/messages", familyWS, "The workshop's inbox, a thread per booking", "Query.Inbox", "inbox", []string{"page", "page_size", "size", "q", "query"}, (*api).wsInbox, ""},
	{"POST", "/api/ws/messages", familyWS, "Send to a booking's thread (JSON or multipart, with booking_id)", "Query.BookingConversation, Mutation.SendMessage", "sendMessage", nil, (*api).wsSendByBooking, ""},
	{"GET", "/api/ws/messages/thread", familyWS, "Messages of a booking thread (?id=booking_id)", "Query.BookingConversation, Query.Messages", "bookingConversation, messages", []string{"id", "page", "size", "page_size"}, (*api).wsThread, ""},
	{"GET", "/api/ws/messages/thread/{booking_id}", familyWS, "Messages of a booking thread", "Query.BookingConversation, Query.Messages", "bookingConversation, messages", []string{"page", "size", "page_size"}, (*api).wsThread, ""},
	{"POST", "/api/ws/messages/thread/{booking_id}/send", familyWS, "Send to a booking's thread", "Query.BookingConversation, Mutation.SendMessage", "sendMessage", nil, (*api).wsSendToThread, ""},

	// MK: vehicle marketplace
	{"GET", "/api/messages", familyMK, "List threads", "Query.Inbox", "inbox", []string{"page", "limit", "status", "role"}, (*api).mkConversations, ""},
	{"GET", "/api/messages/unread", familyMK, "Unread count", "Query.UnreadCounts", "unreadCounts", nil, (*api).mkUnread, ""},
	{"GET", "/api/messages/{threadId}", familyMK, "Messages in a thread", "Query.Conversation, Query.Messages", "conversation, messages", []string{"page", "limit", "before"}, (*api).mkConversation, ""},
	{"POST", "/api/messages", familyMK, "Send into a conversation, or start one about a listing", "Mutation.SendMessage, Mutation.StartConversation", "sendMessage, startConversation", nil, (*api).mkPostMessage, ""},
	{"PATCH", "/api/messages/{threadId}/archive", familyMK, "Archive a thread", "Mutation.ArchiveConversation", "archiveConversation", nil, (*api).mkArchive, ""},
	{"GET", "/api/notifications", familyMK, "List notifications", "Query.Notifications", "notifications", []string{"page", "limit", "status", "type", "since"}, (*api).mkNotifications, ""},
	{"GET", "/api/notifications/unread-count", familyMK, "Unread notification count", "Query.UnreadCounts", "unreadCounts", nil, (*api).mkNotificationsUnread, ""},
	{"PATCH", "/api/notifications/{id}/read", familyMK, "Mark one notification read", "Mutation.MarkNotificationsRead", "markNotificationsRead", nil, (*api).mkNotificationRead, ""},
	{"PATCH", "/api/notifications/read-all", familyMK, "Mark all notifications read", "Mutation.MarkAllNotificationsRead", "markAllNotificationsRead", nil, (*api).mkNotificationsReadAll, ""},
	{"GET", "/v1/messages/conversations", familyMK, "List conversations", "Query.Inbox", "inbox", []string{"page", "limit", "status", "role"}, (*api).mkConversations, ""},
	{"GET", "/v1/messages/conversations/{id}", familyMK, "A conversation and its messages", "Query.Conversation, Query.Messages", "conversation, messages", []string{"page", "limit", "before"}, (*api).mkConversation, ""},
	{"POST", "/v1/messages/conversations", familyMK, "Start a conversation about a listing", "Mutation.StartConversation", "startConversation", nil, (*api).mkStart, ""},
	{"POST", "/v1/messages/conversations/{id}", familyMK, "Send a message (JSON, multipart or template)", "Mutation.SendMessage", "sendMessage", nil, (*api).mkSend, v1TwoSegments},
	{"PUT", "/v1/messages/conversations/{id}/read", familyMK, "Mark the conversation, or given messages, read", "Mutation.MarkConversationRead, Mutation.MarkMessagesRead", "markConversationRead, markMessagesRead", nil, (*api).mkRead, ""},
	{"PUT", "/v1/messages/conversations/{id}/archive", familyMK, "Archive", "Mutation.ArchiveConversation", "archiveConversation", nil, (*api).mkArchive, ""},
	{"DELETE", "/v1/messages/conversations/{id}/archive", familyMK, "Unarchive", "Mutation.UnarchiveConversation", "unarchiveConversation", nil, (*api).mkUnarchive, ""},
	{"DELETE", "/v1/messages/conversations/{id}", familyMK, "Delete for the caller, permanently", "Mutation.DeleteConversation", "deleteConversation", nil, (*api).mkDelete, ""},
	{"GET", "/v1/messages/templates", familyMK, "List templates", "Query.MessageTemplates", "messageTemplates", nil, (*api).mkTemplates, ""},
	{"POST", "/v1/messages/templates", familyMK, "Create a template", "Mutation.CreateMessageTemplate", "createMessageTemplate", nil, (*api).mkCreateTemplate, ""},
	{"GET", "/v1/messages/unread", familyMK, "Unread summary", "Query.UnreadCounts", "unreadCounts", nil, (*api).mkUnread, ""},
	{"POST", "/v1/messages/{msgId}/report", familyMK, "Report a message", "Mutation.ReportMessage", "reportMessage", nil, (*api).mkReport, v1TwoSegments},

	// BO: back-office systems (X-API-Key), webhooks
	{"POST", "/v1/webhooks", familyBO, "Register a webhook endpoint; the answer holds its secret, shown only there", "Mutation.CreateWebhookEndpoint", "createWebhookEndpoint", nil, (*api).boCreateWebhook, ""},
	{"GET", "/v1/webhooks", familyBO, "List webhook endpoints", "Query.WebhookEndpoints", "webhookEndpoints", nil, (*api).boWebhooks, ""},
	{"PATCH", "/v1/webhooks/{id}", familyBO, "Change a webhook endpoint's URL, events, description or active flag", "Mutation.UpdateWebhookEndpoint", "updateWebhookEndpoint", nil, (*api).boUpdateWebhook, ""},
	{"DELETE", "/v1/webhooks/{id}", familyBO, "Delete a webhook endpoint and its deliveries", "Mutation.DeleteWebhookEndpoint", "deleteWebhookEndpoint", nil, (*api).boDeleteWebhook, ""},
	{"POST", "/v1/webhooks/{id}/rotate-secret", familyBO, "A new signing secret; the old one signs too for 24 hours", "Mutation.RotateWebhookSecret", "rotateWebhookSecret", nil, (*api).boRotateSecret, ""},
	{"GET", "/v1/webhooks/{id}/deliveries", familyBO, "An endpoint's deliveries and their attempts, newest first", "Query.WebhookDeliveries", "webhookDeliveries", []string{"status", "page", "limit"}, (*api).boDeliveries, ""},
	{"POST", "/v1/webhooks/deliveries/{id}/replay", familyBO, "Send a delivery again now, with the same webhook-id", "Mutation.ReplayWebhookDelivery", "replayWebhookDelivery", nil, (*api).boReplay, ""},
}

// api holds what the handlers need: the root resolvers, and the store for display data of
// rows the resolvers already authorised.
type api struct {
	res   *resolvers.Resolver
	store *db.Store
}

// Paths the mux cannot tell apart (/thread/{id} and /{id}/messages match the same URLs) are
// routed by one general pattern each, and dispatched by their documented templates.
const (
	coTwoSegments         = "/api/co/messages/{first}/{second}"
	coTwoSegmentsReadUpTo = "/api/co/messages/{first}/{second}/read-up-to"
	v1TwoSegments         = "/v1/messages/{first}/{second}"
)

// Register adds every route to mux, with an OPTIONS preflight for every path. Wrap the mux
// with Envelope so its own 404 and 405 answers come in the families' envelopes too.
func Register(mux *http.ServeMux, res *resolvers.Resolver) {
	a := &api{res: res, store: res.Store}
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
		if err := a.res.Limit(r.Context(), rt.class()); err != nil {
			if l, ok := ratelimit.IsLimited(err); ok {
				w.Header().Set("Retry-After", strconv.Itoa(l.RetryAfterSeconds()))
			}
			fail(w, r, rt.Family, err)
			return
		}
		rt.handler(a, w, r)
	})
}

// class is the rate-limit bucket a route draws from: the same as its GraphQL twin's.
func (rt route) class() ratelimit.Class {
	switch {
	case strings.Contains(rt.GraphQL, "sendMessage") || strings.Contains(rt.GraphQL, "startConversation"):
		return ratelimit.Send
	case rt.Method == http.MethodGet:
		return ratelimit.Read
	}
	return ratelimit.Other
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
		writeError(w, r, rts[0].Family, http.StatusNotFound, "NOT_FOUND", "no such route: "+r.URL.Path, "")
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
