package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// pngBytes is a 1x1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

const sendText = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { messageId } } }`

// send sends text into conv and returns the message id.
func send(t *testing.T, e *apptest.Env, c apptest.Creds, conv, body string) int64 {
	t.Helper()
	var out struct {
		SendMessage struct{ Message struct{ MessageID int64 } }
	}
	e.GQL(t, c, sendText, map[string]any{"in": map[string]any{"conversationId": conv, "body": body}}).Decode(t, &out)
	return out.SendMessage.Message.MessageID
}

// upload sends a message with one file through the GraphQL multipart request spec and
// returns the attachment's id and the message's id.
func upload(t *testing.T, e *apptest.Env, c apptest.Creds, conv, name string, content []byte) (attID string, msgID int64) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(map[string]any{"query": `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { messageId attachments { id url } } } }`,
		"variables": map[string]any{"in": map[string]any{"conversationId": conv, "attachments": []any{map[string]any{"file": nil}}}}})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.in.attachments.0.file"]}`)
	fw, _ := w.CreateFormFile("0", name)
	_, _ = fw.Write(content)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	var out struct {
		SendMessage struct {
			Message struct {
				MessageID   int64
				Attachments []struct{ ID, URL string }
			}
		}
	}
	e.Do(t, c, req).Decode(t, &out)
	return out.SendMessage.Message.Attachments[0].ID, out.SendMessage.Message.MessageID
}

// get fetches path with c's credentials.
func get(t *testing.T, e *apptest.Env, c apptest.Creds, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
	c.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// storageKeys are the stored files of a message.
func storageKeys(t *testing.T, e *apptest.Env, msgID int64) []string {
	t.Helper()
	var keys []string
	err := e.Store.DB.NewRaw("SELECT storage_key FROM attachments WHERE message_id = ? AND storage_key <> ''", msgID).
		Scan(context.Background(), &keys)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// stored tells whether the bucket holds key.
func stored(t *testing.T, e *apptest.Env, key string) bool {
	t.Helper()
	r, err := e.App.Resolver.Files.Open(context.Background(), key)
	if err != nil {
		return false
	}
	r.Close()
	return true
}

// eventually polls cond until it holds, failing after a generous deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type thread struct {
	Conversation struct {
		TotalMessages int
		UnreadCount   int
		LastMessage   *struct{ MessageID int64 }
		Messages      struct {
			TotalCount int
			Nodes      []struct {
				MessageID int64
				Body      string
				Removed   bool
				IsMine    bool
				Sender    *struct {
					UserID  string
					Name    string
					Deleted bool
				}
				Attachments []struct{ ID string }
			}
		}
	}
}

const threadQuery = `query($id: ID!) { conversation(id: $id) { totalMessages unreadCount lastMessage { messageId }
	messages(last: 100) { totalCount nodes { messageId body removed isMine sender { userId name deleted } attachments { id } } } } }`

func readThread(t *testing.T, e *apptest.Env, c apptest.Creds, conv string) thread {
	t.Helper()
	var th thread
	e.GQL(t, c, threadQuery, map[string]any{"id": conv}).Decode(t, &th)
	return th
}
