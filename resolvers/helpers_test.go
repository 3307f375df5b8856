package resolvers_test

import (
	"strconv"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// threadOf is the conversation id (as a string) of a seeded booking.
func threadOf(t *testing.T, e *apptest.Env, bookingID int64) string { return e.ThreadOf(t, bookingID) }

// convOf is the conversation id (conv_N) of a seeded listing conversation.
func convOf(t *testing.T, e *apptest.Env, listingID string) string { return e.ConvOf(t, listingID) }

type sent struct {
	SendMessage struct {
		Created bool
		Message struct {
			ID        string
			MessageID int
			Body      string
			IsMine    bool
		}
		Conversation struct{ UnreadCount int }
	}
}

const sendMutation = `mutation($in: SendMessageInput!) { sendMessage(input: $in) {
  created message { id messageId body isMine } conversation { unreadCount } } }`

func send(t *testing.T, e *apptest.Env, c apptest.Creds, conv, body string) sent {
	t.Helper()
	var out sent
	e.GQL(t, c, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": body}}).Decode(t, &out)
	return out
}

const markReadMutation = `mutation($in: MarkConversationReadInput!) { markConversationRead(input: $in) {
  updated unreadCount readAt conversation { unreadCount } } }`

type markReadResult struct {
	MarkConversationRead struct {
		Updated     int
		UnreadCount int
		ReadAt      *string
	}
}

func markRead(t *testing.T, e *apptest.Env, c apptest.Creds, conv, upTo string) markReadResult {
	t.Helper()
	in := map[string]any{"conversationId": conv}
	if upTo != "" {
		in["upToMessageId"] = upTo
	}
	var out markReadResult
	e.GQL(t, c, markReadMutation, map[string]any{"in": in}).Decode(t, &out)
	return out
}

type unreadResult struct {
	UnreadCounts struct{ Messages, ConversationsWithUnread, Notifications int }
}

func unread(t *testing.T, e *apptest.Env, c apptest.Creds) unreadResult {
	t.Helper()
	var out unreadResult
	e.GQL(t, c, `{ unreadCounts { messages conversationsWithUnread notifications } }`, nil).Decode(t, &out)
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
