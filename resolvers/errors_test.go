package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

// An error's message is one sentence in the words of what refused it; where it happened is in
// its locations and path, not repeated in front of the message.
func TestErrorMessagesAreOneSentence(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	for _, c := range []struct {
		creds          apptest.Creds
		q, field, code string
		message        string
	}{
		{ola, `{ conversation(id: "conv_999999") { id } }`, "conversation", "NOT_FOUND", "conversation not found"},
		{ola, `mutation { sendMessage(input: {conversationId: "999999", body: "x"}) { created } }`, "sendMessage", "NOT_FOUND", "conversation not found"},
		{ola, `{ inbox(first: -5) { nodes { id } } }`, "inbox", "BAD_USER_INPUT", "first: must be between 0 and 100"},
		{apptest.Creds{}, `{ viewer { id } }`, "viewer", "UNAUTHENTICATED", "missing credentials: send Authorization: Bearer <token>"},
	} {
		r := e.GQL(t, c.creds, c.q, nil)
		if r.Code() != c.code || r.Errors[0].Message != c.message {
			t.Errorf("%s: %q %q, want %s %q", c.q, r.Code(), r.Errors[0].Message, c.code, c.message)
			continue
		}
		if got := r.Errors[0]; len(got.Locations) != 1 || len(got.Path) != 1 || got.Path[0] != c.field {
			t.Errorf("%s: locations %v, path %v", c.q, got.Locations, got.Path)
		}
	}
}
