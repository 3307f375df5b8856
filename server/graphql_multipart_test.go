package server_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// formPart is one part of a multipart request: a field, or a file when file is set.
type formPart struct{ name, file, content string }

// uploadOps is an operations field sending a message with files to conv, the files' places
// null for the map to fill.
func uploadOps(conv string, files int) formPart {
	atts := make([]any, files)
	for i := range atts {
		atts[i] = map[string]any{"file": nil}
	}
	ops, _ := json.Marshal(map[string]any{"query": sendMutation,
		"variables": map[string]any{"in": map[string]any{"conversationId": conv, "body": secret, "attachments": atts}}})
	return formPart{name: "operations", content: string(ops)}
}

// postForm sends parts, in order, as a multipart request to /graphql; the answer must be a 400
// BAD_REQUEST whose message names want and quotes nothing of the body, and no message is sent.
func postForm(t *testing.T, want string, parts ...formPart) {
	t.Helper()
	e := apptest.New(t)
	conv := threadOf(t, e, 1001)
	for i := range parts {
		parts[i].content = strings.ReplaceAll(parts[i].content, "CONV", conv)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.file != "" {
			fw, _ := w.CreateFormFile(p.name, p.file)
			_, _ = fw.Write([]byte(p.content))
		} else {
			_ = w.WriteField(p.name, p.content)
		}
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	e.User(t, "co-ola").Sign(req)
	a := sendRaw(t, req)
	if a.status != http.StatusBadRequest || len(a.errors) != 1 || a.errors[0].Extensions["code"] != "BAD_REQUEST" ||
		!strings.Contains(a.errors[0].Message, want) {
		t.Fatalf("got %d %s; want 400 BAD_REQUEST naming %s", a.status, a.body, want)
	}
	if _, ok := a.decoded["data"]; ok || strings.Contains(string(a.body), secret) {
		t.Fatalf("the answer has data or quotes the request: %s", a.body)
	}
	if n := totalMessages(t, e, conv); n != 3 {
		t.Fatalf("thread has %d messages, want 3", n)
	}
}

var filePart = formPart{name: "0", file: "dent.png", content: string(pngBytes) + secret}

// gqlgen answered these 422 without a code; a path outside the variables made it panic (500).

func TestMultipartFileOutsideTheMapIsBadRequest(t *testing.T) {
	t.Parallel()
	postForm(t, `"photo"`, uploadOps("CONV", 1), formPart{name: "map", content: `{"0": ["variables.in.attachments.0.file"]}`},
		filePart, formPart{name: "photo", file: "dent.png", content: secret})
}

func TestMultipartMalformedOperationsIsBadRequest(t *testing.T) {
	t.Parallel()
	postForm(t, `"operations"`, formPart{name: "operations", content: `{"query": ` + secret},
		formPart{name: "map", content: `{"0": ["variables.in.attachments.0.file"]}`}, filePart)
}

func TestMultipartOperationsWithoutAStringQueryIsBadRequest(t *testing.T) {
	t.Parallel()
	postForm(t, `"query" must be a string`, formPart{name: "operations", content: `{"query": ["` + secret + `"]}`},
		formPart{name: "map", content: `{}`})
}

func TestMultipartMapNamingAMissingPartIsBadRequest(t *testing.T) {
	t.Parallel()
	postForm(t, `"1"`, uploadOps("CONV", 2),
		formPart{name: "map", content: `{"0": ["variables.in.attachments.0.file"], "1": ["variables.in.attachments.1.file"]}`}, filePart)
}

func TestMultipartNonJSONMapIsBadRequest(t *testing.T) {
	t.Parallel()
	postForm(t, `"map"`, uploadOps("CONV", 1), formPart{name: "map", content: `0=variables.in.attachments.0.file&` + secret}, filePart)
}

func TestMultipartMapPathOutsideTheVariablesIsBadRequest(t *testing.T) {
	logs := apptest.CaptureLogs(t) // a panic used to be logged
	postForm(t, `"variables.in.attachments.5.file"`, uploadOps("CONV", 1),
		formPart{name: "map", content: `{"0": ["variables.in.attachments.5.file"]}`}, filePart)
	if strings.Contains(logs.String(), "panic") || strings.Contains(logs.String(), secret) {
		t.Fatalf("logged: %s", logs)
	}
}

func TestMultipartFieldsOutOfOrderAreBadRequest(t *testing.T) {
	t.Parallel()
	postForm(t, `"operations"`, formPart{name: "map", content: `{"0": ["variables.in.attachments.0.file"]}`}, uploadOps("CONV", 1), filePart)
}

// threadOf is the conversation id (as a string) of a seeded booking.
func threadOf(t *testing.T, e *apptest.Env, bookingID int64) string { return e.ThreadOf(t, bookingID) }

// totalMessages counts a thread's messages in the database, whatever any resolver says.
func totalMessages(t *testing.T, e *apptest.Env, conv string) int {
	t.Helper()
	var n int
	if err := e.Store.DB.NewRaw("SELECT count(*) FROM messages WHERE conversation_id = ?", conv).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

const sendMutation = `mutation($in: SendMessageInput!) { sendMessage(input: $in) {
  created message { id messageId body isMine } conversation { unreadCount } } }`

// pngBytes is a 1x1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
