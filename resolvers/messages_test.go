package resolvers_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parley/parley/server/apptest"
)

const pageQuery = `query($c: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(conversationId: $c, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { messageId body }
  }
}`

type pageResult struct {
	Messages struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Nodes []struct {
			MessageID int
			Body      string
		}
	}
}

func page(t *testing.T, e *apptest.Env, c apptest.Creds, vars map[string]any) pageResult {
	t.Helper()
	var out pageResult
	e.GQL(t, c, pageQuery, vars).Decode(t, &out)
	return out
}

func ids(p pageResult) []int {
	var out []int
	for _, n := range p.Messages.Nodes {
		out = append(out, n.MessageID)
	}
	return out
}

// newThread makes a booking thread with no messages, for paging tests.
func newThread(t *testing.T, e *apptest.Env, bookingID int) (string, apptest.Creds, apptest.Creds) {
	t.Helper()
	r := e.GQL(t, apptest.Office(), `mutation($b: Int!) { upsertBooking(input: {bookingId: $b, carOwnerId: "co-kari", workshopOrgNr: "921460929"}) { bookingId } }`,
		map[string]any{"b": bookingID})
	if r.Code() != "" {
		t.Fatalf("upsertBooking: %+v", r.Errors)
	}
	var out struct {
		BookingConversation struct {
			ConversationID int `json:"conversationId,string"`
		}
	}
	kari := e.User(t, "co-kari")
	e.GQL(t, kari, `query($b: Int!) { bookingConversation(bookingId: $b) { conversationId } }`, map[string]any{"b": bookingID}).Decode(t, &out)
	return itoa(out.BookingConversation.ConversationID), kari, e.User(t, "ws-bilfix")
}

func TestMessagesPagingEdges(t *testing.T) {
	e := apptest.New(t)
	conv, kari, shop := newThread(t, e, 5001)

	empty := page(t, e, kari, map[string]any{"c": conv})
	if len(empty.Messages.Nodes) != 0 || empty.Messages.TotalCount != 0 || empty.Messages.PageInfo.HasPreviousPage || empty.Messages.PageInfo.EndCursor != nil {
		t.Fatalf("empty thread = %+v", empty)
	}
	var want []int
	for i := 0; i < 5; i++ {
		who := kari
		if i%2 == 1 {
			who = shop
		}
		want = append(want, send(t, e, who, conv, fmt.Sprintf("m%d", i)).SendMessage.Message.MessageID)
	}
	exact := page(t, e, kari, map[string]any{"c": conv, "last": 5})
	if !equal(ids(exact), want) || exact.Messages.PageInfo.HasPreviousPage || exact.Messages.TotalCount != 5 {
		t.Fatalf("exactly one page = %v %+v, want %v and no previous page", ids(exact), exact.Messages.PageInfo, want)
	}
	newest := page(t, e, kari, map[string]any{"c": conv, "last": 2})
	if !equal(ids(newest), want[3:]) || !newest.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("newest page = %v, want %v with older pages", ids(newest), want[3:])
	}
	older := page(t, e, kari, map[string]any{"c": conv, "last": 2, "before": *newest.Messages.PageInfo.StartCursor})
	if !equal(ids(older), want[1:3]) || !older.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("older page = %v, want %v", ids(older), want[1:3])
	}
	oldest := page(t, e, kari, map[string]any{"c": conv, "last": 2, "before": *older.Messages.PageInfo.StartCursor})
	if !equal(ids(oldest), want[:1]) || oldest.Messages.PageInfo.HasPreviousPage {
		t.Fatalf("oldest page = %v, want %v and the end", ids(oldest), want[:1])
	}
	end := page(t, e, kari, map[string]any{"c": conv, "first": 10, "after": *exact.Messages.PageInfo.EndCursor})
	if len(end.Messages.Nodes) != 0 || end.Messages.PageInfo.HasNextPage {
		t.Fatalf("cursor at the end = %+v", end)
	}
	forward := page(t, e, kari, map[string]any{"c": conv, "first": 3})
	if !equal(ids(forward), want[:3]) || !forward.Messages.PageInfo.HasNextPage {
		t.Fatalf("first 3 = %v, want %v", ids(forward), want[:3])
	}
}

// Pages taken while others send must neither skip nor repeat a message.
func TestMessagesPagingUnderConcurrentSends(t *testing.T) {
	e := apptest.New(t)
	conv, kari, shop := newThread(t, e, 5002)
	const senders, each = 4, 15
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		who := kari
		if s%2 == 1 {
			who = shop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := e.GQL(t, who, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": fmt.Sprintf("s%d-%d", s, i)}})
				if len(r.Errors) > 0 {
					t.Errorf("send: %+v", r.Errors)
				}
			}
		}()
	}
	seen := map[int]bool{}
	var order []int
	var after any
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		p := page(t, e, kari, map[string]any{"c": conv, "first": 7, "after": after})
		for _, id := range ids(p) {
			if seen[id] {
				t.Fatalf("message %d repeated across pages", id)
			}
			seen[id] = true
			order = append(order, id)
		}
		if c := p.Messages.PageInfo.EndCursor; c != nil {
			after = *c
		}
		if finished && len(p.Messages.Nodes) == 0 {
			break
		}
	}
	if len(order) != senders*each {
		t.Fatalf("paged %d messages, want %d", len(order), senders*each)
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("ids out of order at %d: %d after %d", i, order[i], order[i-1])
		}
	}
}
