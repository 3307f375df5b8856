package restcompat_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// reply is an HTTP answer with its JSON body decoded.
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// call sends a request with a JSON body (nil for none) and decodes the JSON answer.
func call(t testing.TB, e *apptest.Env, c apptest.Creds, method, path string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return do(t, c, req)
}

func do(t testing.TB, c apptest.Creds, req *http.Request) reply {
	t.Helper()
	c.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := reply{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			t.Fatalf("%s %s answered %d with non-JSON: %s", req.Method, req.URL.Path, resp.StatusCode, raw)
		}
	}
	return out
}

// threadOf is the conversation id of a seeded booking's thread.
func threadOf(t *testing.T, e *apptest.Env, bookingID int64) string { return e.ThreadOf(t, bookingID) }

// convOf is the conv_ id of a seeded marketplace conversation about a listing.
func convOf(t *testing.T, e *apptest.Env, listingID string) string { return e.ConvOf(t, listingID) }

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// jsonRequest is a request with a JSON body, for tests that add headers before do.
func jsonRequest(t *testing.T, e *apptest.Env, method, path string, body any) *http.Request {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}
