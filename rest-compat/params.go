package restcompat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// intParam reads a whole-number query parameter in [lo, hi], def when absent. The first of
// names that is present counts (aliases such as page_size and size).
func intParam(r *http.Request, def, lo, hi int, names ...string) (int, error) {
	for _, name := range names {
		raw := strings.TrimSpace(r.URL.Query().Get(name))
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < lo || n > hi {
			return 0, rangeError(name, lo, hi)
		}
		return n, nil
	}
	return def, nil
}

func rangeError(name string, lo, hi int) error {
	if hi == math.MaxInt {
		return apierror.Invalid(name, "must be a whole number from %d", lo)
	}
	return apierror.Invalid(name, "must be a whole number from %d to %d", lo, hi)
}

// idempotencyKey is a send's clientMessageId: the Idempotency-Key header or the body's
// client_message_id. Given both, they must agree.
func idempotencyKey(r *http.Request, fromBody string) (*string, error) {
	h, b := strings.TrimSpace(r.Header.Get("Idempotency-Key")), strings.TrimSpace(fromBody)
	switch {
	case h != "" && b != "" && h != b:
		return nil, apierror.Invalid("client_message_id", "differs from the Idempotency-Key header")
	case h != "":
		return &h, nil
	case b != "":
		return &b, nil
	}
	return nil, nil
}

// markReplay tells a client that a send was an earlier one returned again.
func markReplay(w http.ResponseWriter, created bool) {
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
}

// searchText is a route's free text: q, or its alias query when q is absent or blank. q wins
// when both are given.
func searchText(r *http.Request) string {
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		return q
	}
	return strings.TrimSpace(r.URL.Query().Get("query"))
}

// pathInt reads a positive integer path parameter.
func pathInt(r *http.Request, name string) (int, error) {
	n, err := strconv.Atoi(r.PathValue(name))
	if err != nil || n <= 0 {
		return 0, apierror.Invalid(name, "%q is not a positive whole number", r.PathValue(name))
	}
	return n, nil
}

// timeParam reads an RFC 3339 time parameter; absent is nil.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	raw := strings.TrimSpace(r.URL.Query().Get(name))
	if raw == "" {
		return nil, nil
	}
	return parseTime(name, raw)
}

func parseTime(name, raw string) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, apierror.Invalid(name, "%q is not an RFC 3339 time such as 2026-02-12T10:00:00Z", raw)
	}
	return &t, nil
}

// upToTime reads an "up to" time. One given to the second (as older Parley versions showed
// times) covers that whole second: stored times carry microseconds.
func upToTime(name, raw string) (*time.Time, error) {
	t, err := parseTime(name, raw)
	if err != nil || strings.Contains(raw, ".") {
		return t, err
	}
	end := t.Add(time.Second - time.Microsecond)
	return &end, nil
}

// isMultipart reports whether the request carries multipart/form-data.
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// decodeJSON reads a JSON body into v; an empty body leaves v as it is. A malformed body or a
// field of the wrong type is a 400 naming it.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return apierror.Invalid("body", "could not be read")
	}
	if len(body) > maxJSONBody {
		return fmt.Errorf("body is larger than %d bytes: %w", maxJSONBody, apierror.ErrTooLarge)
	}
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return apierror.Invalid(te.Field, "must be a JSON %s", jsonKind(te.Type.Kind().String()))
		}
		return apierror.Invalid("body", "is not valid JSON: %v", err)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}

// parseMultipart reads a multipart form within the upload limits: a body over them is 413.
func (a *api) parseMultipart(w http.ResponseWriter, r *http.Request) error {
	limit := resolvers.MaxAttachments*a.res.MaxUpload() + 1<<20
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("request is larger than %d bytes: %w", limit, apierror.ErrTooLarge)
		}
		return apierror.Invalid("body", "is not a valid multipart form")
	}
	return nil
}

// uploads turns the multipart files under field into upload attachments. A file under any
// other name is refused, never dropped: the client meant to send it.
func uploads(r *http.Request, field string) ([]*graph.AttachmentInput, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	for _, name := range slices.Sorted(maps.Keys(r.MultipartForm.File)) {
		if name != field {
			return nil, apierror.Invalid(name, "is not a file field of this route; send files as %q", field)
		}
	}
	var out []*graph.AttachmentInput
	for _, fh := range r.MultipartForm.File[field] {
		up, err := openUpload(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, &graph.AttachmentInput{File: up})
	}
	return out, nil
}

func openUpload(fh *multipart.FileHeader) (*graphql.Upload, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	return &graphql.Upload{File: f, Filename: fh.Filename, Size: fh.Size, ContentType: fh.Header.Get("Content-Type")}, nil
}

// descriptor is an attachment given by URL in a JSON body.
type descriptor struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Name        string `json:"name"`
	Size        int    `json:"size"`
}

func (d descriptor) input() *graph.AttachmentInput {
	return &graph.AttachmentInput{URL: &d.URL, ContentType: &d.ContentType, Name: &d.Name, Size: &d.Size}
}

func ptr[T any](v T) *T { return &v }

// fieldNames maps the argument names resolver errors carry to the request fields of a route,
// so a client is told about the field it sent (listing_id, not listingId).
type fieldNames map[string]string

func (n fieldNames) rename(err error) error {
	var fe *apierror.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	base, _, _ := strings.Cut(fe.Field, "[") // attachments[2] is the attachment field
	name, ok := n[base]
	if !ok {
		return err
	}
	return &apierror.FieldError{Field: name, Msg: fe.Msg, Rule: fe.Rule}
}
