package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// secret stands for message text and tokens in a request body: it must never reach a log.
const secret = "s3cret-message-text-and-token"

type rawAnswer struct {
	status  int
	header  http.Header
	body    []byte
	decoded map[string]json.RawMessage
	errors  []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
}

func sendRaw(t *testing.T, req *http.Request) rawAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := rawAnswer{status: resp.StatusCode, header: resp.Header}
	a.body, _ = io.ReadAll(resp.Body)
	if err := json.Unmarshal(a.body, &a.decoded); err != nil {
		t.Fatalf("answer is not a JSON object (status %d): %s", a.status, a.body)
	}
	_ = json.Unmarshal(a.decoded["errors"], &a.errors)
	return a
}

func postRequest(e *apptest.Env, body, accept string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req
}

func plainPost(e *apptest.Env) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(secret))
	req.Header.Set("Content-Type", "text/plain")
	return req
}

func putRequest(e *apptest.Env) *http.Request {
	req, _ := http.NewRequest(http.MethodPut, e.URL+"/graphql", strings.NewReader(`{"query": "`+secret+`"}`))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func getRequest(e *apptest.Env, params url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/graphql?"+params.Encode(), nil)
	req.Header.Set("Accept", "application/json")
	return req
}

// A request that is not a GraphQL request is the client's mistake: 400 BAD_REQUEST saying
// what is wrong, no data entry, and its body in no log line (it can hold message text and
// tokens). gqlgen's POST and SSE transports used to answer INTERNAL and log the raw body.
func TestMalformedRequestsAreBadRequests(t *testing.T) {
	logs := apptest.CaptureLogs(t)
	e := apptest.NewEmpty(t)
	cases := []struct {
		name   string
		req    *http.Request
		status int
		says   string
	}{
		{"body not JSON", postRequest(e, `{ "not a JSON `+secret, ""), 400, "not valid JSON"},
		{"query a number", postRequest(e, `{"query": 5, "variables": {"body": "`+secret+`"}}`, ""), 400, `"query" must be a string`},
		{"body an array", postRequest(e, `["`+secret+`"]`, ""), 400, "must be a JSON object"},
		{"variables a string", postRequest(e, `{"query": "{ viewer { id } }", "variables": "`+secret+`"}`, ""), 400, `"variables" must be an object`},
		{"no query", postRequest(e, `{"variables": {"body": "`+secret+`"}}`, ""), 400, "no query"},
		{"empty body", postRequest(e, ``, ""), 400, "body is empty"},
		{"SSE body not JSON", postRequest(e, `{ "not a JSON `+secret, "text/event-stream"), 400, "not valid JSON"},
		{"GET variables not JSON", getRequest(e, url.Values{"query": {"{ viewer { id } }"}, "variables": {secret}}), 400, `"variables" parameter must be a JSON object`},
		{"POST of plain text", plainPost(e), 415, "application/json"},
		{"PUT", putRequest(e), 405, "not served here"},
	}
	for _, c := range cases {
		a := sendRaw(t, c.req)
		if a.status != c.status || len(a.errors) != 1 || a.errors[0].Extensions["code"] != "BAD_REQUEST" ||
			!strings.Contains(a.errors[0].Message, c.says) {
			t.Errorf("%s: got %d %s, want %d BAD_REQUEST saying %q", c.name, a.status, a.body, c.status, c.says)
		}
		if _, ok := a.decoded["data"]; ok {
			t.Errorf("%s: a request that never ran has a data entry: %s", c.name, a.body)
		}
		if strings.Contains(string(a.body), secret) {
			t.Errorf("%s: the answer quotes the request: %s", c.name, a.body)
		}
	}
	// A body over the server's bound is refused by the HTTP middleware before GraphQL sees it.
	big := sendRaw(t, postRequest(e, `{"query": "`+strings.Repeat(secret, 3<<20/len(secret))+`"}`, ""))
	if big.status != 413 || len(big.errors) != 1 || big.errors[0].Extensions["code"] != "PAYLOAD_TOO_LARGE" ||
		strings.Contains(string(big.body), secret) {
		t.Errorf("body too large: got %d %.300s, want 413 PAYLOAD_TOO_LARGE", big.status, big.body)
	}
	out := logs.String()
	if !strings.Contains(out, `"status":400`) {
		t.Fatalf("the capture saw no request lines:\n%s", out)
	}
	for line := range strings.Lines(out) {
		if strings.Contains(line, secret) || strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("log line holds a request body or an error: %s", line)
		}
	}
}

// The GraphQL over HTTP spec: with application/json a document that fails to parse or
// validate is answered 200, with application/graphql-response+json 400; neither has a data
// entry. A mutation over GET is refused with 405 and Allow: POST.
func TestGraphQLOverHTTPStatuses(t *testing.T) {
	e := apptest.NewEmpty(t)
	const json1, json2 = "application/json", "application/graphql-response+json"
	cases := []struct {
		name, query, accept string
		status              int
		code                string
	}{
		{"parse failure, json", "{", json1, 200, "GRAPHQL_PARSE_FAILED"},
		{"parse failure, graphql-response", "{", json2, 400, "GRAPHQL_PARSE_FAILED"},
		{"validation failure, json", "{ nope }", json1, 200, "GRAPHQL_VALIDATION_FAILED"},
		{"validation failure, graphql-response", "{ nope }", json2, 400, "GRAPHQL_VALIDATION_FAILED"},
		{"no Accept", "{ nope }", "", 200, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		body, _ := json.Marshal(map[string]string{"query": c.query})
		a := sendRaw(t, postRequest(e, string(body), c.accept))
		if a.status != c.status || len(a.errors) == 0 || a.errors[0].Extensions["code"] != c.code {
			t.Errorf("%s: got %d %s, want %d %s", c.name, a.status, a.body, c.status, c.code)
		}
		if _, ok := a.decoded["data"]; ok {
			t.Errorf("%s: a document that never ran has a data entry: %s", c.name, a.body)
		}
		want := json1
		if c.accept == json2 {
			want = json2
		}
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
			t.Errorf("%s: Content-Type %q, want %s", c.name, ct, want)
		}
	}

	a := sendRaw(t, getRequest(e, url.Values{"query": {"mutation { markNotificationsRead(ids: []) { __typename } }"}}))
	if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
		t.Errorf("mutation over GET: got %d (Allow %q) %s, want 405 with Allow: POST", a.status, a.header.Get("Allow"), a.body)
	}
	a = sendRaw(t, getRequest(e, url.Values{"query": {"{ __typename }"}}))
	if a.status != 200 || !bytes.Contains(a.body, []byte(`"__typename":"Query"`)) {
		t.Errorf("query over GET: %d %s", a.status, a.body)
	}
}

// An event-stream request runs as the parameters checked (JSON keys match exactly), never
// as gqlgen would re-read the body (keys match in any case): keys that differ only in case are
// ignored, as on plain POST, and never reach an answer or a log line.
func TestEventStreamBodiesAreReadAsChecked(t *testing.T) {
	logs := apptest.CaptureLogs(t)
	e := apptest.NewEmpty(t)
	for _, extra := range []string{`"Variables": ["` + secret + `"]`, `"EXTENSIONS": "` + secret + `"`,
		`"Query": "` + secret + `"`, `"OperationName": "` + secret + `"`} {
		resp, err := http.DefaultClient.Do(postRequest(e, `{"query": "{ __typename }", `+extra+`}`, "text/event-stream"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"__typename":"Query"`) || strings.Contains(string(body), secret) {
			t.Errorf("with %s: got %d %s, want the checked query's answer", extra, resp.StatusCode, body)
		}
	}
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, secret) {
			t.Errorf("log line holds a request body: %s", line)
		}
	}
}
