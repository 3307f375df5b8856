package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// checkedForm serves the GraphQL multipart request spec through gqlgen's MultipartForm, after
// checking the form as it streams: the operations and map fields before gqlgen sees them, each
// file part's name before gqlgen reads it. gqlgen answers such mistakes 422 without a code, and
// panics on a map path that does not fit the variables; here each is a 400 BAD_REQUEST naming
// the field or part, and never quotes the body.
type checkedForm struct {
	transport.MultipartForm
	maxField int64 // bytes of the operations field, and of the map field
}

func (t checkedForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	f, err := openForm(r, t.maxField)
	if err == nil {
		checked := r.Clone(r.Context())
		checked.Header.Set("Content-Type", f.enc.FormDataContentType())
		checked.Body = f
		t.MultipartForm.Do(formGate{ResponseWriter: w, form: f}, checked, exec)
		err = f.err
	}
	if err != nil {
		status, err := formStatus(err)
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		writeGraphQL(w, status, requestFailed(gqlerror.List{badRequest(err)}))
	}
}

// formError is a mistake in the form, with a message that names the field or part.
type formError struct {
	status int
	msg    string
}

func (e *formError) Error() string { return e.msg }

func refused(format string, args ...any) error {
	return &formError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// formStatus is the status of a refused form, with a message for the client: ours, or one
// saying why the body could not be read (the parser's own may quote it).
func formStatus(err error) (int, error) {
	var mistake *formError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &mistake):
		return mistake.status, mistake
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is more than %d bytes", tooBig.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout, errors.New("the request body was not sent in time")
	}
	return http.StatusBadRequest, errors.New("the multipart body is malformed or cut off")
}

// form is the request body as gqlgen reads it: the checked operations and map fields, then each
// file part once its name is found in the map, encoded again with a boundary of our own.
type form struct {
	body   io.ReadCloser
	parts  *multipart.Reader
	enc    *multipart.Writer // writes part heads into out
	out    bytes.Buffer
	file   *multipart.Part // the part being passed on
	mapped map[string][]string
	seen   map[string]bool
	done   bool
	err    error // why the form was refused or could not be read
}

// openForm reads and checks the operations and map fields, which the spec puts first.
func openForm(r *http.Request, maxField int64) (*form, error) {
	if maxField <= 0 {
		maxField = defaultMaxBody
	}
	_, media, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media["boundary"] == "" {
		return nil, refused("the multipart/form-data content type has no boundary")
	}
	f := &form{body: r.Body, parts: multipart.NewReader(r.Body, media["boundary"]), seen: map[string]bool{}}
	f.enc = multipart.NewWriter(&f.out)
	ops, err := f.field("operations", maxField)
	if err != nil {
		return nil, err
	}
	params, err := operations(ops)
	if err != nil {
		return nil, err
	}
	m, err := f.field("map", maxField)
	if err != nil {
		return nil, err
	}
	if f.mapped, err = uploadMap(m, params.Variables); err != nil {
		return nil, err
	}
	_ = f.enc.WriteField("operations", string(ops)) // into a buffer: cannot fail
	_ = f.enc.WriteField("map", string(m))
	return f, nil
}

// field reads the next part, which must be the field name, of at most max bytes.
func (f *form) field(name string, max int64) ([]byte, error) {
	p, err := f.parts.NextPart()
	if errors.Is(err, io.EOF) {
		return nil, refused("the %q field is missing: the form starts with operations, then map, then the files", name)
	}
	if err != nil {
		return nil, err
	}
	if p.FormName() != name {
		return nil, refused("expected the %q field, found the part %s: the form starts with operations, then map, then the files", name, quoteName(p.FormName()))
	}
	b, err := io.ReadAll(io.LimitReader(p, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &formError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the %q field is more than %d bytes", name, max)}
	}
	return b, nil
}

// operations reads the operations field as the JSON POST body is read (httpspec.go).
func operations(b []byte) (*graphql.RawParams, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, refused(`the "operations" field must be a JSON object with a query`)
	}
	p, err := paramsFromFields(fields)
	if err != nil {
		return nil, refused(`the "operations" field: %s`, err)
	}
	return p, nil
}

// uploadMap reads the map field: part names to the variables each file goes into.
func uploadMap(b []byte, vars map[string]any) (map[string][]string, error) {
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, refused(`the "map" field must be a JSON object from part names to lists of paths, like {"0": ["variables.file"]}`)
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if len(m[name]) == 0 {
			return nil, refused(`the "map" gives the part %s no path`, quoteName(name))
		}
		for _, path := range m[name] {
			if !fitsUpload(vars, path) {
				return nil, refused(`the "map" puts the part %s at %s, which is not a variable of the operation`, quoteName(name), quoteName(path))
			}
		}
	}
	return m, nil
}

// fitsUpload tells whether gqlgen's RawParams.AddUpload can put a file at path, which it
// walks without checking types or bounds.
func fitsUpload(vars map[string]any, path string) bool {
	steps, ok := strings.CutPrefix(path, "variables.")
	if !ok {
		return false
	}
	var at any = vars
	for step := range strings.SplitSeq(steps, ".") {
		if at == nil {
			return false
		}
		if i, err := strconv.Atoi(step); err == nil {
			list, ok := at.([]any)
			if !ok || i < 0 || i >= len(list) {
				return false
			}
			at = list[i]
			continue
		}
		obj, ok := at.(map[string]any)
		if !ok {
			return false
		}
		at = obj[step]
	}
	return true
}

// Read passes the form on part by part, checking each part's name before passing its head.
func (f *form) Read(p []byte) (int, error) {
	for f.out.Len() == 0 {
		switch {
		case f.err != nil:
			return 0, f.err
		case f.file != nil:
			n, err := f.file.Read(p)
			if errors.Is(err, io.EOF) {
				f.file, err = nil, nil
			}
			f.err = err
			if n > 0 {
				return n, nil
			}
		case f.done:
			return 0, io.EOF
		default:
			f.err = f.next()
		}
	}
	return f.out.Read(p)
}

// next queues the next file part's head, or at the end of the form, once every part the map
// names has come, the closing boundary.
func (f *form) next() error {
	p, err := f.parts.NextPart()
	if errors.Is(err, io.EOF) {
		for _, name := range slices.Sorted(maps.Keys(f.mapped)) {
			if !f.seen[name] {
				return refused(`the "map" names the part %s, which the request does not have`, quoteName(name))
			}
		}
		f.done = true
		return f.enc.Close()
	}
	if err != nil {
		return err
	}
	name := p.FormName()
	switch {
	case f.mapped[name] == nil:
		return refused(`the part %s is not in the "map" field`, quoteName(name))
	case f.seen[name]:
		return refused(`the part %s comes twice`, quoteName(name))
	}
	f.seen[name], f.file = true, p
	_, err = f.enc.CreatePart(p.Header)
	return err
}

func (f *form) Close() error { return f.body.Close() }

// formGate drops what gqlgen writes once the form is refused: it can only say that it could not
// read the body, and Do says why.
type formGate struct {
	http.ResponseWriter
	form *form
}

func (g formGate) WriteHeader(status int) {
	if g.form.err == nil {
		g.ResponseWriter.WriteHeader(status)
	}
}

func (g formGate) Write(b []byte) (int, error) {
	if g.form.err != nil {
		return len(b), nil //nolint:nilerr // the form's error is answered instead; this body is dropped
	}
	return g.ResponseWriter.Write(b)
}

func (g formGate) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// quoteName quotes a client's part name or path for a message, cut short if long.
func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}
