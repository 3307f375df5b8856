package restcompat_test

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	restcompat "github.com/parley/parley/rest-compat"
	"github.com/parley/parley/server/apptest"
)

// openAPIDoc fetches the served document, without credentials: it is public.
func openAPIDoc(t *testing.T, e *apptest.Env) map[string]any {
	t.Helper()
	r := call(t, e, apptest.Creds{}, "GET", "/openapi.json", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json = %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
	if !json.Valid(r.Raw) {
		t.Fatalf("the document is not valid JSON")
	}
	if v, _ := r.Body["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi = %q, want 3.1.x", v)
	}
	return r.Body
}

// operations lists the document's "METHOD path" pairs.
func operations(doc map[string]any) []string {
	var out []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method != "parameters" {
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIOperationsAreTheRouteTable(t *testing.T) {
	e := apptest.New(t)
	doc := openAPIDoc(t, e)
	got, want := operations(doc), slices.Sorted(slices.Values(restcompat.Routes()))
	if !slices.Equal(got, want) {
		t.Fatalf("document operations differ from Routes():\n got %v\nwant %v", got, want)
	}
	if len(got) < 42 {
		t.Fatalf("only %d operations", len(got))
	}
}

func TestOpenAPIPathParametersAndRefs(t *testing.T) {
	e := apptest.New(t)
	doc := openAPIDoc(t, e)
	ids := map[string]string{}
	for path, raw := range doc["paths"].(map[string]any) {
		item := raw.(map[string]any)
		for method, op := range item {
			if method == "parameters" {
				continue
			}
			declared := pathParamsDeclared(item["parameters"], get(op, "parameters"))
			params := restcompat.PathParams(path)
			slices.Sort(params)
			if !slices.Equal(declared, params) {
				t.Errorf("%s %s declares path parameters %v, template has %v", method, path, declared, params)
			}
			id, _ := get(op, "operationId").(string)
			if id == "" || ids[id] != "" {
				t.Errorf("%s %s: operationId %q missing or also used by %s", method, path, id, ids[id])
			}
			ids[id] = method + " " + path
			checkResponses(t, method, path, op)
		}
	}
	schemas, _ := get(doc, "components", "schemas").(map[string]any)
	walkRefs(doc, func(ref string) {
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok || schemas[name] == nil {
			t.Errorf("dangling $ref %q", ref)
		}
	})
	if get(doc, "components", "securitySchemes", "bearerAuth", "scheme") != "bearer" {
		t.Errorf("no bearerAuth scheme")
	}
}

// pathParamsDeclared are the names of the path parameters of a path item and an operation.
func pathParamsDeclared(lists ...any) []string {
	var out []string
	for _, l := range lists {
		ps, _ := l.([]any)
		for _, p := range ps {
			if get(p, "in") == "path" && get(p, "required") == true {
				out = append(out, get(p, "name").(string))
			}
		}
	}
	slices.Sort(out)
	return out
}

// checkResponses wants a success and, for every route but a preflight, the family's errors.
func checkResponses(t *testing.T, method, path string, op any) {
	t.Helper()
	rs, _ := get(op, "responses").(map[string]any)
	if rs["200"] == nil && rs["201"] == nil {
		t.Errorf("%s %s has no success response", method, path)
	}
	for _, st := range []string{"200", "201"} {
		if s, ok := get(rs, st, "content", "application/json", "schema").(map[string]any); rs[st] != nil && (!ok || len(s) == 1 && s["type"] == "object") {
			t.Errorf("%s %s: the %s answer has no documented schema: %v", method, path, st, s)
		}
	}
	if method == "options" {
		return
	}
	for _, st := range []string{"400", "401", "403", "404", "405", "413", "415", "422"} {
		if get(rs, st, "content", "application/json", "schema", "$ref") == nil {
			t.Errorf("%s %s lacks the %s error envelope", method, path, st)
		}
	}
	if m := strings.ToUpper(method); (m == "POST" || m == "PUT" || m == "PATCH") && get(op, "requestBody", "content", "application/json") == nil {
		t.Errorf("%s %s has no JSON request body", method, path)
	}
}

func walkRefs(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && k == "$ref" {
				f(s)
			}
			walkRefs(c, f)
		}
	case []any:
		for _, c := range x {
			walkRefs(c, f)
		}
	}
}

// TestOpenAPIOperationsAreServed requests every documented operation with real ids and the
// family's token: none may be answered by the mux itself (404 no such route, or 405).
func TestOpenAPIOperationsAreServed(t *testing.T) {
	e := apptest.New(t)
	ids := realIDs(t, e)
	creds := map[string]apptest.Creds{"/api/co/": e.User(t, "co-ola"), "/api/ws/": e.User(t, "ws-bilfix")}
	ops := operations(openAPIDoc(t, e))
	// Deleting goes last so the other requests still find the conversation.
	slices.SortStableFunc(ops, func(a, b string) int {
		return boolInt(strings.HasPrefix(a, "DELETE")) - boolInt(strings.HasPrefix(b, "DELETE"))
	})
	for _, op := range ops {
		method, tmpl, _ := strings.Cut(op, " ")
		path := fillPath(tmpl, ids)
		c := e.User(t, "usr_per")
		for prefix, pc := range creds {
			if strings.HasPrefix(path, prefix) {
				c = pc
			}
		}
		r := call(t, e, c, method, path, map[string]any{})
		if fromMux(r) {
			t.Errorf("%s %s (for %s) was not routed: %d %s", method, path, tmpl, r.Status, r.Raw)
		}
	}
	// The detector does see the mux's own answers.
	if r := call(t, e, e.User(t, "co-ola"), "GET", "/api/co/no/such/route", nil); !fromMux(r) {
		t.Fatalf("an unknown path = %d %s", r.Status, r.Raw)
	}
	if r := call(t, e, e.User(t, "co-ola"), "DELETE", "/api/co/messages/send", nil); !fromMux(r) {
		t.Fatalf("a wrong method = %d %s", r.Status, r.Raw)
	}
}

// fromMux tells the mux's 404 and 405 (rewritten into the envelopes) from a handler's answer.
func fromMux(r reply) bool {
	msg, _ := get(r.Body, "error", "message").(string)
	return r.Status == http.StatusMethodNotAllowed ||
		(r.Status == http.StatusNotFound && strings.HasPrefix(msg, "no such route"))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// realIDs are seeded ids for each path parameter, by the path's namespace.
func realIDs(t *testing.T, e *apptest.Env) map[string]string {
	t.Helper()
	conv := convOf(t, e, "tesla3")
	per := e.User(t, "usr_per")
	var msgs struct {
		Messages struct{ Nodes []struct{ MessageID int } }
	}
	e.GQL(t, per, `query($c: ID!) { messages(conversationId: $c, first: 5) { nodes { messageId } } }`, map[string]any{"c": conv}).Decode(t, &msgs)
	if len(msgs.Messages.Nodes) == 0 {
		t.Fatal("no seeded marketplace message")
	}
	return map[string]string{
		"booking_id":              "1001",
		"co-id":                   notificationID(t, e, e.User(t, "co-ola")),
		"threadId":                conv,
		"mk-id":                   conv,
		"/api/notifications/{id}": notificationID(t, e, per),
		"msgId":                   "msg_" + strconv.Itoa(msgs.Messages.Nodes[0].MessageID),
	}
}

func notificationID(t *testing.T, e *apptest.Env, c apptest.Creds) string {
	t.Helper()
	var out struct {
		Notifications struct {
			Nodes []struct{ NotificationID int }
		}
	}
	e.GQL(t, c, `{ notifications(first: 1) { nodes { notificationId } } }`, nil).Decode(t, &out)
	if len(out.Notifications.Nodes) == 0 {
		t.Fatal("no seeded notification")
	}
	return strconv.Itoa(out.Notifications.Nodes[0].NotificationID)
}

// fillPath puts real ids into a path template.
func fillPath(tmpl string, ids map[string]string) string {
	out := tmpl
	for _, name := range restcompat.PathParams(tmpl) {
		v := ids[name]
		switch {
		case name != "id":
		case strings.HasPrefix(tmpl, "/api/co/"):
			v = ids["co-id"]
		case strings.HasPrefix(tmpl, "/api/notifications/"):
			v = ids["/api/notifications/{id}"]
		default:
			v = ids["mk-id"]
		}
		out = strings.Replace(out, "{"+name+"}", v, 1)
	}
	return out
}

// TestReadmeListsEveryRoute keeps the route table of README.md complete.
func TestReadmeListsEveryRoute(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range restcompat.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if method == "OPTIONS" {
			continue // one line says every path answers OPTIONS
		}
		if !strings.Contains(string(readme), "| "+method+" | `"+path+"`") {
			t.Errorf("README.md has no row for %s %s", method, path)
		}
	}
}
