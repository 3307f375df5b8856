package resolvers_test

import (
	"bytes"
	"testing"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// everyInboxField asks for every field the inbox writer answers (but User.lastSeenAt, which
// each request moves), with aliases, fragments on the union and on Node, __typename, edges and
// an @include.
const everyInboxField = `query($first: Int, $after: String, $withEdges: Boolean!) {
  page: inbox(first: $first, after: $after) {
    __typename totalCount unreadTotal
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    edges @include(if: $withEdges) { __typename cursor node { id ...row } }
    nodes { ...row ... on Node { id } }
  }
}
fragment row on Conversation {
  __typename id conversationId kind viewerRole unreadCount totalMessages archived
  lastActivityAt lastReadAt createdAt muted mutedUntil pinnedAt
  subject {
    __typename
    ... on Booking { id bookingId createdAt carOwner { ...person } workshop { ...shop } }
    ... on Listing { id listingId title price thumbnailUrl status seller { ...person } }
  }
  booking { bookingId again: bookingId }
  listing { listingId }
  participants { __typename role name isViewer lastReadMessageId lastReadAt user { ...person } workshop { ...shop } }
  lastMessage { __typename id messageId conversationId type body senderRole isMine isRead readAt
    clientMessageId removed createdAt sender { ...person } }
}
fragment person on User { __typename id userId role name avatarUrl verified orgNr }
fragment shop on Workshop { __typename id orgNr name addressLine city postalCode avgRating totalReviews }`

// TestInboxWriterAnswersAsGqlgenDoes compares, byte for byte, the inbox as the writer answers
// it with the same page marshaled by gqlgen's generated executor (a second server on the same
// database with the writer off), for every kind of viewer, and for a selection the writer
// leaves to gqlgen.
func TestInboxWriterAnswersAsGqlgenDoes(t *testing.T) {
	e := apptest.New(t)
	generated := e.Replica(t, func(c *server.Config) { c.GeneratedInbox = true })
	markRead(t, e, e.User(t, "co-ola"), threadOf(t, e, 1001), "")
	send(t, e, e.User(t, "co-kari"), threadOf(t, e, 1002), "tab\there \"quoted\" \\ æøå \u0001 <b>")
	// Pinned and muted rows (forever and until a time), and the pinned-first order.
	ola := e.User(t, "co-ola")
	e.GQL(t, ola, `mutation($id: ID!) { pinConversation(conversationId: $id) { conversation { id } } }`, map[string]any{"id": threadOf(t, e, 1001)})
	e.GQL(t, ola, `mutation($id: ID!) { muteConversation(conversationId: $id) { conversation { id } } }`, map[string]any{"id": threadOf(t, e, 1001)})
	e.GQL(t, e.User(t, "ws-bilfix"), `mutation($id: ID!) { muteConversation(conversationId: $id, until: "2999-01-02T03:04:05.123Z") { conversation { id } } }`,
		map[string]any{"id": threadOf(t, e, 1001)})
	queries := map[string]string{
		"every field": everyInboxField,
		"inbox test":  inboxQuery,
		"with a field the writer leaves to gqlgen": `query($first: Int) { inbox(first: $first) { totalCount
			nodes { conversationId participants { name online } lastMessage { body attachments { name } deliveryState replyTo { excerpt } } } } }`,
	}
	for _, user := range []string{"co-ola", "co-kari", "ws-bilfix", "ws-dekk", "usr_per", "usr_anne", "usr_jon"} {
		for name, q := range queries {
			for _, vars := range []map[string]any{{"first": 20, "withEdges": true}, {"first": 1, "withEdges": false}} {
				c := e.User(t, user)
				fast, slow := e.GQL(t, c, q, vars), generated.GQL(t, c, q, vars)
				if len(fast.Errors) > 0 || len(slow.Errors) > 0 {
					t.Fatalf("%s, %s: errors %+v / %+v", user, name, fast.Errors, slow.Errors)
				}
				if !bytes.Equal(fast.Data, slow.Data) {
					at := firstDiff(fast.Data, slow.Data)
					t.Errorf("%s, %s, %v: differs at byte %d:\nwriter: %s\ngqlgen: %s", user, name, vars, at, around(fast.Data, at), around(slow.Data, at))
				}
			}
		}
	}
}

// TestInboxWriterLeavesErrorsToGqlgen: a bad argument is the same error whichever way.
func TestInboxWriterLeavesErrorsToGqlgen(t *testing.T) {
	e := apptest.New(t)
	r := e.GQL(t, e.User(t, "co-ola"), inboxQuery, map[string]any{"after": "not-a-cursor"})
	if r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("bad cursor: code %q, errors %+v", r.Code(), r.Errors)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(b []byte, at int) string { return string(b[max(0, at-120):min(len(b), at+80)]) }
