package resolvers_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/server/apptest"
)

// credentials of every kind the matrix tries.
func matrixCreds(t *testing.T, e *apptest.Env, owner, sameRole, otherRole string) map[string]apptest.Creds {
	ownerV := db.Viewer{UserID: owner, Role: db.RoleCarOwner}
	if owner == "usr_per" {
		ownerV.Role = db.RoleBuyer
	}
	expired, _, err := auth.Mint([]byte(apptest.Secret), ownerV, -time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, _, _ := auth.Mint([]byte("some-other-secret-of-sufficient-length!!"), ownerV, time.Hour)
	return map[string]apptest.Creds{
		"owner":           e.User(t, owner),
		"same role":       e.User(t, sameRole),
		"other role":      e.User(t, otherRole),
		"api key":         apptest.Office(),
		"no token":        {},
		"expired token":   apptest.Bearer(expired),
		"wrong signature": apptest.Bearer(forged),
		"bad api key":     {APIKey: "nope"},
	}
}

type op struct {
	name  string
	query string
	vars  map[string]any
	// want maps a credential kind to the expected code ("" = success). Kinds not listed get
	// the default for their kind (see wantCode).
	want map[string]string
}

// wantCode is what a kind of credentials gets unless the operation says otherwise: a thread
// operation is NOT_FOUND for anyone but its parties.
func wantCode(o op, kind string) string {
	if c, ok := o.want[kind]; ok {
		return c
	}
	switch kind {
	case "owner":
		return ""
	case "same role", "other role":
		return "NOT_FOUND"
	case "api key":
		return "FORBIDDEN"
	}
	return "UNAUTHENTICATED"
}

func runMatrix(t *testing.T, e *apptest.Env, creds map[string]apptest.Creds, ops []op) {
	t.Helper()
	for _, o := range ops {
		for kind, c := range creds {
			t.Run(o.name+"/"+kind, func(t *testing.T) {
				r := e.GQL(t, c, o.query, o.vars)
				if got, want := r.Code(), wantCode(o, kind); got != want {
					t.Fatalf("code = %q, want %q (errors %+v, data %s)", got, want, r.Errors, r.Data)
				}
			})
		}
	}
}

func TestAuthorizationMatrixBookingThread(t *testing.T) {
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	var first pageResult
	e.GQL(t, e.User(t, "co-ola"), pageQuery, map[string]any{"c": conv, "first": 1}).Decode(t, &first)
	msg := itoa(first.Messages.Nodes[0].MessageID)
	var notes struct {
		Notifications struct{ Nodes []struct{ ID string } }
	}
	e.GQL(t, e.User(t, "co-ola"), `{ notifications { nodes { id } } }`, nil).Decode(t, &notes)
	note := notes.Notifications.Nodes[0].ID
	before := totalMessages(t, e, conv)

	forbidForBuyer := map[string]string{"other role": "FORBIDDEN"}
	ops := []op{
		{name: "conversation", query: `query($c: ID!) { conversation(id: $c) { id } }`, vars: map[string]any{"c": conv}},
		{name: "node", query: `query($c: ID!) { node(id: $c) { id } }`, vars: map[string]any{"c": globalConv(conv)}},
		{name: "bookingConversation", query: `{ bookingConversation(bookingId: 1001) { id } }`},
		{name: "messages", query: `query($c: ID!) { messages(conversationId: $c) { totalCount } }`, vars: map[string]any{"c": conv}},
		{name: "sendMessage", query: sendMutation, vars: map[string]any{"in": map[string]any{"conversationId": conv, "body": "matrix", "clientMessageId": "matrix-1"}}},
		{name: "markConversationRead", query: markReadMutation, vars: map[string]any{"in": map[string]any{"conversationId": conv}}},
		{name: "markMessagesRead", query: `mutation($c: ID!, $m: ID!) { markMessagesRead(input: {conversationId: $c, messageIds: [$m]}) { updated } }`,
			vars: map[string]any{"c": conv, "m": msg}},
		{name: "startConversation", query: `mutation { startConversation(input: {bookingId: 1001}) { created } }`, want: forbidForBuyer},
		{name: "notification", query: `query($n: ID!) { notification(id: $n) { id } }`, vars: map[string]any{"n": note}},
		{name: "markNotificationsRead", query: `mutation($n: ID!) { markNotificationsRead(ids: [$n]) { updated } }`, vars: map[string]any{"n": note}},
	}
	runMatrix(t, e, matrixCreds(t, e, "co-ola", "co-kari", "usr_per"), ops)
	if after := totalMessages(t, e, conv); after != before+1 {
		t.Fatalf("thread has %d messages after the matrix, want %d (only the owner's send)", after, before+1)
	}
}

func TestAuthorizationMatrixListingConversation(t *testing.T) {
	e := apptest.New(t)
	conv := convOf(t, e, "tesla3")
	ops := []op{
		{name: "conversation", query: `query($c: ID!) { conversation(id: $c) { id } }`, vars: map[string]any{"c": conv}},
		{name: "messages", query: `query($c: ID!) { messages(conversationId: $c) { totalCount } }`, vars: map[string]any{"c": conv}},
		{name: "sendMessage", query: sendMutation, vars: map[string]any{"in": map[string]any{"conversationId": conv, "body": "hi"}}},
		{name: "markConversationRead", query: markReadMutation, vars: map[string]any{"in": map[string]any{"conversationId": conv}}},
		{name: "startConversation", query: `mutation { startConversation(input: {listingId: "lst_tesla3"}) { created } }`,
			want: map[string]string{"same role": "", "other role": "FORBIDDEN"}},
	}
	runMatrix(t, e, matrixCreds(t, e, "usr_per", "usr_lise", "co-ola"), ops)
}

// Operations on the caller's own data: any user may call them; an API key may not.
func TestAuthorizationMatrixViewerScoped(t *testing.T) {
	e := apptest.New(t)
	mine := map[string]string{"same role": "", "other role": ""}
	ops := []op{
		{name: "viewer", query: `{ viewer { userId } }`, want: mine},
		{name: "inbox", query: `{ inbox { totalCount } }`, want: mine},
		{name: "unreadCounts", query: `{ unreadCounts { messages } }`, want: mine},
		{name: "notifications", query: `{ notifications { totalCount } }`, want: mine},
		{name: "messageTemplates", query: `{ messageTemplates { id } }`, want: mine},
		{name: "searchWorkshops", query: `{ searchWorkshops(query: "oslo") { count } }`, want: mine},
		{name: "markAllNotificationsRead", query: `mutation { markAllNotificationsRead { updated } }`, want: mine},
		{name: "requestDataExport", query: `mutation { requestDataExport { status } }`, want: mine},
		{name: "dataExports", query: `{ dataExports { id } }`, want: mine},
	}
	runMatrix(t, e, matrixCreds(t, e, "co-ola", "co-kari", "usr_per"), ops)
}

// Back-office mutations: only an API key.
func TestAuthorizationMatrixBackOffice(t *testing.T) {
	e := apptest.New(t)
	office := map[string]string{"owner": "FORBIDDEN", "same role": "FORBIDDEN", "other role": "FORBIDDEN", "api key": ""}
	ops := []op{
		{name: "upsertUser", query: `mutation { upsertUser(input: {userId: "co-new", role: CAR_OWNER, name: "New"}) { userId } }`, want: office},
		{name: "upsertWorkshop", query: `mutation { upsertWorkshop(input: {orgNr: "974760673", name: "Bergen Bilverksted"}) { orgNr } }`, want: office},
		{name: "upsertBooking", query: `mutation { upsertBooking(input: {bookingId: 1001, carOwnerId: "co-ola", workshopOrgNr: "921460929"}) { bookingId } }`, want: office},
		{name: "upsertListing", query: `mutation { upsertListing(input: {listingId: "golf7", sellerId: "usr_jon", title: "Golf"}) { listingId } }`, want: office},
		{name: "issueToken", query: `mutation { issueToken(input: {userId: "co-ola", role: CAR_OWNER}) { token } }`, want: office},
		{name: "eraseUser", query: `mutation { eraseUser(userId: "usr_jon", reason: "matrix") { userId } }`, want: office},
		{name: "auditLog", query: `{ auditLog { id } }`, want: office},
	}
	runMatrix(t, e, matrixCreds(t, e, "co-ola", "co-kari", "usr_per"), ops)
}

// A data export is its owner's: other users get NOT_FOUND, an API key FORBIDDEN.
func TestAuthorizationMatrixDataExport(t *testing.T) {
	e := apptest.New(t)
	var req struct{ RequestDataExport struct{ ID string } }
	e.GQL(t, e.User(t, "co-ola"), `mutation { requestDataExport { id } }`, nil).Decode(t, &req)
	ops := []op{{name: "dataExport", query: `query($id: ID!) { dataExport(id: $id) { status } }`,
		vars: map[string]any{"id": req.RequestDataExport.ID}}}
	runMatrix(t, e, matrixCreds(t, e, "co-ola", "co-kari", "usr_per"), ops)
}

func totalMessages(t *testing.T, e *apptest.Env, conv string) int {
	t.Helper()
	var n int
	if err := e.Store.DB.NewRaw("SELECT count(*) FROM messages WHERE conversation_id = ?", conv).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func globalConv(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("Conversation:" + id))
}
