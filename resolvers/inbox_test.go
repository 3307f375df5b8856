package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

const inboxQuery = `query($first: Int, $after: String, $filter: InboxFilter) {
  inbox(first: $first, after: $after, filter: $filter) {
    totalCount unreadTotal
    pageInfo { hasNextPage endCursor }
    nodes {
      conversationId kind unreadCount totalMessages viewerRole
      subject { __typename ... on Booking { bookingId workshop { orgNr name } carOwner { userId } }
                           ... on Listing { listingId title seller { userId } } }
      participants { role name isViewer }
      lastMessage { body isMine sender { userId } }
    }
  }
}`

type inboxResult struct {
	Inbox struct {
		TotalCount  int
		UnreadTotal int
		PageInfo    struct {
			HasNextPage bool
			EndCursor   *string
		}
		Nodes []struct {
			ConversationID int `json:"conversationId,string"`
			Kind           string
			UnreadCount    int
			TotalMessages  int
			ViewerRole     string
			Subject        struct {
				Typename  string `json:"__typename"`
				BookingID int
				ListingID string
				Workshop  struct{ OrgNr, Name string }
				CarOwner  struct{ UserID string }
			}
			Participants []struct {
				Role, Name string
				IsViewer   bool
			}
			LastMessage *struct {
				Body   string
				IsMine bool
			}
		}
	}
}

func inbox(t *testing.T, e *apptest.Env, c apptest.Creds, vars map[string]any) inboxResult {
	t.Helper()
	var out inboxResult
	e.GQL(t, c, inboxQuery, vars).Decode(t, &out)
	return out
}

func TestInboxShowsOnlyTheViewersThreads(t *testing.T) {
	e := apptest.New(t)
	cases := []struct {
		user     string
		bookings []int
		listings []string
		unread   int
	}{
		{"co-ola", []int{1003, 1001}, nil, 3}, // 1003's message is newest; 2 + 1 from workshops
		{"co-kari", []int{1002}, nil, 1},
		{"ws-bilfix", []int{1001}, nil, 1},
		{"ws-dekk", []int{1003, 1002}, nil, 1},
		{"usr_per", nil, []string{"tesla3"}, 1},
		{"usr_anne", nil, []string{"tesla3"}, 1},
		{"usr_jon", nil, []string{"golf7"}, 2},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			got := inbox(t, e, e.User(t, c.user), nil).Inbox
			var bookings []int
			var listings []string
			for _, n := range got.Nodes {
				if n.Subject.BookingID != 0 {
					bookings = append(bookings, n.Subject.BookingID)
				} else {
					listings = append(listings, n.Subject.ListingID)
				}
			}
			if !equal(bookings, c.bookings) || !equal(listings, c.listings) {
				t.Fatalf("inbox = bookings %v listings %v, want %v %v", bookings, listings, c.bookings, c.listings)
			}
			if got.TotalCount != len(c.bookings)+len(c.listings) || got.UnreadTotal != c.unread {
				t.Fatalf("totalCount %d unreadTotal %d, want %d %d", got.TotalCount, got.UnreadTotal, len(c.bookings)+len(c.listings), c.unread)
			}
		})
	}
}

func TestInboxRowCarriesSubjectParticipantsAndLastMessage(t *testing.T) {
	e := apptest.New(t)
	got := inbox(t, e, e.User(t, "co-kari"), nil).Inbox.Nodes
	if len(got) != 1 {
		t.Fatalf("want one thread, got %d", len(got))
	}
	n := got[0]
	if n.Kind != "BOOKING" || n.ViewerRole != "CAR_OWNER" || n.TotalMessages != 2 || n.UnreadCount != 1 {
		t.Fatalf("row = %+v", n)
	}
	if n.Subject.Typename != "Booking" || n.Subject.Workshop.OrgNr != "923609016" || n.Subject.CarOwner.UserID != "co-kari" {
		t.Fatalf("subject = %+v", n.Subject)
	}
	if n.LastMessage == nil || n.LastMessage.Body != "Ja, kl. 10 passer fint. Velkommen!" || n.LastMessage.IsMine {
		t.Fatalf("lastMessage = %+v", n.LastMessage)
	}
	roles := map[string]bool{}
	for _, p := range n.Participants {
		roles[p.Role] = p.IsViewer
	}
	if len(n.Participants) != 2 || !roles["CAR_OWNER"] || roles["WORKSHOP"] {
		t.Fatalf("participants = %+v", n.Participants)
	}
}

func TestInboxFilters(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	ids := func(r inboxResult) []int {
		var out []int
		for _, n := range r.Inbox.Nodes {
			out = append(out, n.Subject.BookingID)
		}
		return out
	}
	if got := ids(inbox(t, e, ola, map[string]any{"filter": map[string]any{"query": "dekk"}})); !equal(got, []int{1003}) {
		t.Errorf("query 'dekk' = %v, want [1003] (workshop name)", got)
	}
	if got := ids(inbox(t, e, ola, map[string]any{"filter": map[string]any{"query": "bremsene"}})); !equal(got, []int{1001}) {
		t.Errorf("query 'bremsene' = %v, want [1001] (message text)", got)
	}
	if got := ids(inbox(t, e, ola, map[string]any{"filter": map[string]any{"kind": "LISTING"}})); len(got) != 0 {
		t.Errorf("kind LISTING for a car owner = %v, want none", got)
	}
	markRead(t, e, ola, threadOf(t, e, 1001), "")
	if got := ids(inbox(t, e, ola, map[string]any{"filter": map[string]any{"status": "UNREAD"}})); !equal(got, []int{1003}) {
		t.Errorf("UNREAD = %v, want [1003]", got)
	}
	if got := ids(inbox(t, e, ola, map[string]any{"filter": map[string]any{"status": "READ"}})); !equal(got, []int{1001}) {
		t.Errorf("READ = %v, want [1001]", got)
	}
	if got := ids(inbox(t, e, ola, map[string]any{"filter": map[string]any{"status": "ARCHIVED"}})); len(got) != 0 {
		t.Errorf("ARCHIVED = %v, want none", got)
	}
	jon := e.User(t, "usr_jon")
	roleIDs := func(role string) int {
		return len(inbox(t, e, jon, map[string]any{"filter": map[string]any{"role": role}}).Inbox.Nodes)
	}
	if roleIDs("SELLER") != 1 || roleIDs("BUYER") != 0 {
		t.Errorf("role filter: seller %d buyer %d, want 1 and 0", roleIDs("SELLER"), roleIDs("BUYER"))
	}
}

func TestInboxPagesWithCursors(t *testing.T) {
	e := apptest.New(t)
	ola := e.User(t, "co-ola")
	p1 := inbox(t, e, ola, map[string]any{"first": 1}).Inbox
	if len(p1.Nodes) != 1 || !p1.PageInfo.HasNextPage || p1.TotalCount != 2 {
		t.Fatalf("page 1 = %+v", p1)
	}
	p2 := inbox(t, e, ola, map[string]any{"first": 1, "after": *p1.PageInfo.EndCursor}).Inbox
	if len(p2.Nodes) != 1 || p2.PageInfo.HasNextPage || p2.Nodes[0].Subject.BookingID == p1.Nodes[0].Subject.BookingID {
		t.Fatalf("page 2 = %+v", p2)
	}
	p3 := inbox(t, e, ola, map[string]any{"first": 1, "after": *p2.PageInfo.EndCursor}).Inbox
	if len(p3.Nodes) != 0 || p3.PageInfo.HasNextPage {
		t.Fatalf("past the end = %+v", p3)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestInboxCountsFollowEveryChange: the open inbox's totalCount and unreadTotal come from
// counter rows kept by triggers; after sends, reads, archiving, deleting and new threads they
// must agree with the same figures counted from the threads themselves (a kind filter, which
// takes that path, selects the same threads).
func TestInboxCountsFollowEveryChange(t *testing.T) {
	e := apptest.New(t)
	ola, kari, shop := e.User(t, "co-ola"), e.User(t, "co-kari"), e.User(t, "ws-dekk")
	agree := func(step string) {
		t.Helper()
		for _, c := range []struct {
			who  apptest.Creds
			kind string
		}{{ola, "BOOKING"}, {kari, "BOOKING"}, {shop, "BOOKING"}, {e.User(t, "ws-bilfix"), "BOOKING"}} {
			fast := inbox(t, e, c.who, nil).Inbox
			counted := inbox(t, e, c.who, map[string]any{"filter": map[string]any{"kind": c.kind}}).Inbox
			if fast.TotalCount != counted.TotalCount || fast.UnreadTotal != counted.UnreadTotal {
				t.Fatalf("after %s: counters say %d threads, %d unread; the threads say %d, %d",
					step, fast.TotalCount, fast.UnreadTotal, counted.TotalCount, counted.UnreadTotal)
			}
		}
	}
	agree("seeding")
	send(t, e, kari, threadOf(t, e, 1002), "one more")
	agree("a send")
	markRead(t, e, shop, threadOf(t, e, 1002), "")
	agree("a read")
	e.GQL(t, ola, archiveMutation, map[string]any{"c": threadOf(t, e, 1001)})
	agree("archiving")
	send(t, e, e.User(t, "ws-bilfix"), threadOf(t, e, 1001), "back in the inbox")
	agree("a send to an archived thread")
	e.GQL(t, ola, deleteMutation, map[string]any{"c": threadOf(t, e, 1003)})
	agree("deleting")
	conv, k, _ := newThread(t, e, 7001)
	send(t, e, k, conv, "new thread")
	agree("a new thread")
	if got := inbox(t, e, ola, nil).Inbox; got.TotalCount != 1 {
		t.Fatalf("ola's open inbox has %d threads, want 1 (1001; 1003 deleted)", got.TotalCount)
	}
}

// The inbox builds edges only when the query asks for them, which it may do from a fragment:
// asked that way, every row still has its edge and the page's ends are its first and last.
func TestInboxEdgesAskedFromAFragment(t *testing.T) {
	e := apptest.New(t)
	const q = `query { inbox(first: 5) { pageInfo { startCursor endCursor } ...page } }
fragment page on ConversationConnection { edges { cursor node { conversationId } } }`
	var out struct {
		Inbox struct {
			PageInfo struct{ StartCursor, EndCursor string }
			Edges    []struct {
				Cursor string
				Node   struct{ ConversationID string }
			}
		}
	}
	e.GQL(t, e.User(t, "co-ola"), q, nil).Decode(t, &out)
	edges := out.Inbox.Edges
	if len(edges) != 2 || edges[0].Cursor == "" || edges[0].Node.ConversationID == "" {
		t.Fatalf("edges = %+v", edges)
	}
	if out.Inbox.PageInfo.StartCursor != edges[0].Cursor || out.Inbox.PageInfo.EndCursor != edges[1].Cursor {
		t.Fatalf("pageInfo = %+v, edges = %+v", out.Inbox.PageInfo, edges)
	}
}
