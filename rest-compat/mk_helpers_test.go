package restcompat_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// shape checks that v is an object holding every field with its JSON kind: string, number,
// bool, object, array, null, time (an RFC 3339 string), or several joined by "|".
func shape(t *testing.T, where string, v any, fields map[string]string) {
	t.Helper()
	m, isObj := v.(map[string]any)
	if !isObj {
		t.Fatalf("%s is %T (%v), want an object", where, v, v)
	}
	for name, kinds := range fields {
		got, present := m[name]
		if !present {
			t.Errorf("%s.%s is missing", where, name)
			continue
		}
		if !isKind(got, kinds) {
			t.Errorf("%s.%s = %#v, want %s", where, name, got, kinds)
		}
	}
}

func isKind(v any, kinds string) bool {
	for _, k := range strings.Split(kinds, "|") {
		var match bool
		switch k {
		case "string":
			_, match = v.(string)
		case "number":
			_, match = v.(float64)
		case "bool":
			_, match = v.(bool)
		case "object":
			_, match = v.(map[string]any)
		case "array":
			_, match = v.([]any)
		case "null":
			match = v == nil
		case "time":
			s, isStr := v.(string)
			_, err := time.Parse(time.RFC3339, s)
			match = isStr && err == nil
		}
		if match {
			return true
		}
	}
	return false
}

// mkOK checks a success in the marketplace envelope and returns its data.
func mkOK(t *testing.T, what string, r reply, status int) map[string]any {
	t.Helper()
	if r.Status != status || r.Body["success"] != true {
		t.Fatalf("%s = %d %s, want %d and success", what, r.Status, r.Raw, status)
	}
	data, isObj := r.Body["data"].(map[string]any)
	if !isObj {
		t.Fatalf("%s: data is not an object: %s", what, r.Raw)
	}
	return data
}

// mkErr checks a failure in the marketplace envelope: status, and the field when one is named.
func mkErr(t *testing.T, what string, r reply, status int, field string) {
	t.Helper()
	if r.Status != status || r.Body["success"] != false {
		t.Fatalf("%s = %d %s, want %d and success false", what, r.Status, r.Raw, status)
	}
	shape(t, what+" error", r.Body["error"], map[string]string{"code": "string", "message": "string"})
	if field != "" && get(r.Body, "error", "field") != field {
		t.Fatalf("%s: error field = %v, want %q (%s)", what, get(r.Body, "error", "field"), field, r.Raw)
	}
}

// part is a multipart form field, or a file when filename is set.
type part struct {
	name, value, filename, contentType string
}

// multipartCall sends a multipart/form-data request.
func multipartCall(t *testing.T, e *apptest.Env, c apptest.Creds, method, path string, parts []part) reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" {
			_ = mw.WriteField(p.name, p.value)
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.filename+`"`)
		h.Set("Content-Type", p.contentType)
		w, _ := mw.CreatePart(h)
		_, _ = w.Write([]byte(p.value))
	}
	_ = mw.Close()
	req, _ := http.NewRequest(method, e.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(t, c, req)
}

// Tiny files whose sniffed types are allowed attachments.
const (
	pngFile = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
	pdfFile = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)

// messagesOf is the messages of a conversation page as the caller sees it.
func messagesOf(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) []any {
	t.Helper()
	data := mkOK(t, "GET "+conv, call(t, e, c, "GET", "/v1/messages/conversations/"+conv, nil), 200)
	msgs, _ := data["messages"].([]any)
	return msgs
}

// conversationIDs lists the ids of the caller's conversations (query: e.g. "?status=archived").
func conversationIDs(t *testing.T, e *apptest.Env, c apptest.Creds, query string) []string {
	t.Helper()
	data := mkOK(t, "list"+query, call(t, e, c, "GET", "/v1/messages/conversations"+query, nil), 200)
	var out []string
	for _, row := range data["conversations"].([]any) {
		out = append(out, get(row, "id").(string))
	}
	return out
}

// templateID is the tpl_ id of one of the caller's templates, by name.
func templateID(t *testing.T, e *apptest.Env, c apptest.Creds, name string) string {
	t.Helper()
	data := mkOK(t, "templates", call(t, e, c, "GET", "/v1/messages/templates", nil), 200)
	for _, tpl := range data["templates"].([]any) {
		if get(tpl, "name") == name {
			return get(tpl, "id").(string)
		}
	}
	t.Fatalf("no template %q in %v", name, data)
	return ""
}

// firstNotification is the newest of the caller's notifications.
func firstNotification(t *testing.T, e *apptest.Env, c apptest.Creds) map[string]any {
	t.Helper()
	data := mkOK(t, "notifications", call(t, e, c, "GET", "/api/notifications", nil), 200)
	n, _ := get(data, "notifications", 0).(map[string]any)
	if n == nil {
		t.Fatalf("no notifications: %v", data)
	}
	return n
}
