package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/db/live"
)

// defaultMaxBody bounds a GraphQL request body (query, variables, extensions) when Options
// name no bound; files go through the multipart transport, which has its own.
const defaultMaxBody = 2 << 20

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves the GraphQL over HTTP spec: queries over GET, queries and mutations
// over POST with a JSON body, answered as application/json or
// application/graphql-response+json, whichever the client accepts. It replaces gqlgen's GET
// and POST transports, which answer 422 where the spec says 200 or 400, write "data": null
// into request errors, and copy a body they cannot decode into the error message.
type httpTransport struct{ maxBody int64 }

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	return r.Method == http.MethodGet || (r.Method == http.MethodPost && isJSON(r))
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == mediaJSON
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := responseMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	start := graphql.Now()
	params, status, err := readParams(w, r, t.maxBody)
	if err != nil {
		writeGraphQL(w, status, requestFailed(gqlerror.List{badRequest(err)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		// Parsing or validation failed: nothing ran, so the answer has no data entry.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		writeGraphQL(w, failureStatus(media), requestFailed(resp.Errors))
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeGraphQL(w, http.StatusMethodNotAllowed, requestFailed(gqlerror.List{
			badRequest(fmt.Errorf("a %s must be sent with POST; GET serves only queries", oc.Operation.Operation))}))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeGraphQL(w, http.StatusOK, responses(ctx))
}

// failureStatus is the status of a request that failed to parse or validate: with the
// newer media type a 400; with application/json the spec asks for 200, as older clients
// expect a GraphQL body only with 200.
func failureStatus(media string) int {
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// responseMedia picks the response media type from Accept by quality; without either JSON
// type acceptable it answers application/json, as the spec allows.
func responseMedia(accept string) string {
	best, bestQ := mediaJSON, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		media := ""
		switch mt {
		case mediaGraphQLResponse:
			media = mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			media = mediaJSON
		}
		if media != "" && q > 0 && q > bestQ {
			best, bestQ = media, q
		}
	}
	return best
}

// readParams reads a GraphQL request from the URL (GET) or the JSON body (POST). Its error
// says what is wrong with the request and never quotes it.
func readParams(w http.ResponseWriter, r *http.Request, maxBody int64) (*graphql.RawParams, int, error) {
	if r.Method == http.MethodGet {
		p, err := paramsFromURL(r.URL.RawQuery)
		return p, http.StatusBadRequest, err
	}
	body, status, err := readBody(w, r, maxBody)
	if err != nil {
		return nil, status, err
	}
	p, err := paramsFromBody(body)
	return p, http.StatusBadRequest, err
}

// readBody reads at most maxBody bytes of the request body.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, int, error) {
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is more than %d bytes", maxBody)
	}
	if err != nil {
		return nil, http.StatusBadRequest, errors.New("the request body could not be read")
	}
	return body, 0, nil
}

func paramsFromBody(body []byte) (*graphql.RawParams, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("the request body is empty: send a JSON object with a query")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("the request body is not valid JSON: %w (at byte %d)", syntax, syntax.Offset)
		}
		return nil, errors.New("the request body must be a JSON object with a query")
	}
	return paramsFromFields(fields)
}

// paramsFromFields reads a request's fields, already split from their JSON object.
func paramsFromFields(fields map[string]json.RawMessage) (*graphql.RawParams, error) {
	p := &graphql.RawParams{}
	if err := decodeField(fields, "query", &p.Query); err != nil {
		return nil, err
	}
	if err := decodeField(fields, "operationName", &p.OperationName); err != nil {
		return nil, err
	}
	if err := decodeField(fields, "variables", &p.Variables); err != nil {
		return nil, err
	}
	if err := decodeField(fields, "extensions", &p.Extensions); err != nil {
		return nil, err
	}
	return p, needQuery(p)
}

func paramsFromURL(rawQuery string) (*graphql.RawParams, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, errors.New("the URL query string is malformed")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for name, into := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
		if v := q.Get(name); v != "" {
			if err := decodeJSON([]byte(v), into); err != nil {
				return nil, fmt.Errorf("the %q parameter must be a JSON object", name)
			}
		}
	}
	return p, needQuery(p)
}

// decodeField decodes fields[name], when present and not null, into v, or says what type
// it must be.
func decodeField(fields map[string]json.RawMessage, name string, v any) error {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if s, isString := v.(*string); isString {
		// A string has no numbers to keep exact: Unmarshal spares the decoder's buffers.
		if json.Unmarshal(raw, s) != nil {
			return fmt.Errorf("%q must be a string", name)
		}
		return nil
	}
	if err := decodeJSON(raw, v); err != nil {
		return fmt.Errorf("%q must be an object", name)
	}
	return nil
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // integers in variables stay exact
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// needQuery refuses a request with no query, unless it names a persisted one.
func needQuery(p *graphql.RawParams) error {
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return errors.New("the request has no query")
	}
	return nil
}

func badRequest(err error) *gqlerror.Error {
	return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": apierror.CodeBadRequest}}
}

// requestFailed is the answer to a request that never ran: errors and no data entry.
func requestFailed(errs gqlerror.List) any {
	return struct {
		Errors gqlerror.List `json:"errors"`
	}{errs}
}

// writeGraphQL encodes v straight into the response through a buffer from a pool, instead of
// json.Marshal's copy of the whole answer.
func writeGraphQL(w http.ResponseWriter, status int, v any) {
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer putAnswerBuffer(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	} else {
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putAnswerBuffer(b *bytes.Buffer) {
	if b.Cap() <= 256<<10 {
		answerBuffers.Put(b)
	}
}

// checkedBody checks a POST body as httpTransport does before next (gqlgen's SSE transport)
// reads it, so a malformed one gets a clear 400 and never reaches an error message or log.
// next reads the parameters checked, written out again, never the client's bytes: its decoder
// matches keys in any case, so "Variables" would override what was checked, and a body it
// cannot decode it quotes in its answer and its log.
type checkedBody struct {
	graphql.Transport
	maxBody int64
}

func (t checkedBody) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if r.Method != http.MethodPost {
		t.Transport.Do(w, r, exec)
		return
	}
	body, status, err := readBody(w, r, t.maxBody)
	if err == nil {
		status = http.StatusBadRequest
		body, err = checkedParams(body)
	}
	if err != nil {
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		writeGraphQL(w, status, requestFailed(gqlerror.List{badRequest(err)}))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	held := &openWhenTracked{ResponseWriter: w}
	ctx := live.OnTracked(context.WithValue(r.Context(), streamKey{}, held), held.tracked)
	t.Transport.Do(held, r.WithContext(ctx), exec)
}

type streamKey struct{}

// openWhenTracked holds gqlgen's first flush of a subscription's event stream (the stream's
// opening, sent before the subscription's resolver runs) until the hub has registered the
// subscription, so a client that sees the stream open gets every message committed after
// that. Sends no longer wait for a NOTIFY, so the hub can read one before a late registration
// otherwise. Any later flush (an error, an event) goes out as it is, and a query or mutation
// sent as an event stream is not held at all.
type openWhenTracked struct {
	http.ResponseWriter
	mu                  sync.Mutex
	hold, ready, opened bool
}

// holdOpening is called (by the subscribed extension) for a subscription.
func (w *openWhenTracked) holdOpening() {
	w.mu.Lock()
	w.hold = true
	w.mu.Unlock()
}

func (w *openWhenTracked) Flush() {
	w.mu.Lock()
	hold := w.hold && !w.ready && !w.opened
	w.opened = true
	w.mu.Unlock()
	if !hold {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// tracked lets the stream open.
func (w *openWhenTracked) tracked() {
	w.mu.Lock()
	flush := w.hold && !w.ready && w.opened
	w.ready = true
	w.mu.Unlock()
	if flush {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *openWhenTracked) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// checkedParams is body's GraphQL parameters, checked and written out again.
func checkedParams(body []byte) ([]byte, error) {
	p, err := paramsFromBody(body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// unsupported answers what no other transport takes (added last): a POST of another media
// type is 415, another method 405, both in the GraphQL error shape with BAD_REQUEST.
type unsupported struct{}

func (unsupported) Supports(*http.Request) bool { return true }

func (unsupported) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	if r.Method == http.MethodPost {
		writeGraphQL(w, http.StatusUnsupportedMediaType, requestFailed(gqlerror.List{badRequest(errors.New(
			"send the request as application/json (or multipart/form-data with files)"))}))
		return
	}
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	writeGraphQL(w, http.StatusMethodNotAllowed, requestFailed(gqlerror.List{badRequest(fmt.Errorf(
		"%s is not served here: use GET for queries, POST for queries and mutations", r.Method))}))
}
