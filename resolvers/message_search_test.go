package resolvers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

const searchMessagesQuery = `query($q: String!, $first: Int, $after: String) {
  searchMessages(query: $q, first: $first, after: $after) {
    typoTolerant
    pageInfo { hasNextPage endCursor }
    edges { cursor node { excerpt highlights { start length }
      message { messageId body } conversation { conversationId } } } } }`

type messageSearchResult struct {
	SearchMessages struct {
		TypoTolerant bool
		PageInfo     struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct {
			Cursor string
			Node   struct {
				Excerpt    string
				Highlights []struct{ Start, Length int }
				Message    struct {
					MessageID int
					Body      string
				}
				Conversation struct{ ConversationID string }
			}
		}
	}
}

func searchMessages(t *testing.T, e *apptest.Env, c apptest.Creds, q string, first int, after *string) messageSearchResult {
	t.Helper()
	var out messageSearchResult
	e.GQL(t, c, searchMessagesQuery, map[string]any{"q": q, "first": first, "after": after}).Decode(t, &out)
	return out
}

// bodies are the hits' message bodies, newest first.
func (r messageSearchResult) bodies() []string {
	var out []string
	for _, e := range r.SearchMessages.Edges {
		out = append(out, e.Node.Message.Body)
	}
	return out
}

// marked are the highlighted words of each hit's excerpt.
func (r messageSearchResult) marked() []string {
	var out []string
	for _, e := range r.SearchMessages.Edges {
		runes := []rune(e.Node.Excerpt)
		for _, h := range e.Node.Highlights {
			out = append(out, string(runes[h.Start:h.Start+h.Length]))
		}
	}
	return out
}

func TestSearchMessagesStemsFoldsAndForgivesTypos(t *testing.T) {
	e := apptest.New(t)
	ola, bilfix := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := threadOf(t, e, 1001)
	send(t, e, ola, conv, "Bilene står i Tromsø, jeg venter på en café i nærheten.")
	send(t, e, bilfix, conv, "The brakes were repaired yesterday, and the crème seats cleaned.")
	cases := []struct {
		q, want, mark string // want: a body the hits hold; mark: a word highlighted
	}{
		{"biler", "Bilene står i Tromsø", "Bilene"},                          // Norwegian stemming: bil, biler, bilene, bilen
		{"bremseklosser", "Bremseklossene foran er slitt", "Bremseklossene"}, // seeded; bremsekloss
		{"repairing", "The brakes were repaired", "repaired"},                // English stemming
		{"brake", "The brakes were repaired", "brakes"},
		{"cafe", "jeg venter på en café", "café"}, // accents fold
		{"creme", "the crème seats", "crème"},
		{"Tromso", "Bilene står i Tromsø", "Tromsø"}, // unaccent also folds ø
		{"BILENE tromsø", "Bilene står i Tromsø", "Tromsø"},
	}
	for _, c := range cases {
		r := searchMessages(t, e, ola, c.q, 10, nil)
		if r.SearchMessages.TypoTolerant || !containsText(r.bodies(), c.want) {
			t.Errorf("search %q: bodies %q (typo %v), want one starting %q", c.q, r.bodies(), r.SearchMessages.TypoTolerant, c.want)
		}
		if !contains(r.marked(), c.mark) {
			t.Errorf("search %q: highlighted %q, want %q", c.q, r.marked(), c.mark)
		}
	}
	// Words full text does not know: similar words instead, and the answer says so.
	r := searchMessages(t, e, ola, "bremsklossene", 10, nil)
	if !r.SearchMessages.TypoTolerant || !containsText(r.bodies(), "Bremseklossene foran er slitt") || !contains(r.marked(), "Bremseklossene") {
		t.Fatalf("typo: %q typo=%v marked %q", r.bodies(), r.SearchMessages.TypoTolerant, r.marked())
	}
	if r := searchMessages(t, e, ola, "qqxzzy", 10, nil); len(r.bodies()) != 0 {
		t.Fatalf("nonsense matched %q", r.bodies())
	}
	// An edit of a body (as the edit mutation will make it) moves the message in the index by
	// itself: the old words stop matching, the new ones match, typos of new words too.
	m := send(t, e, ola, conv, "Oljeskift neste uke")
	if _, err := e.Store.DB.NewRaw("UPDATE messages SET body = 'Hjulskift neste uke' WHERE id = ?", m.SendMessage.Message.MessageID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := searchMessages(t, e, ola, "oljeskift", 10, nil); len(r.bodies()) != 0 {
		t.Fatalf("the old body still matches: %q", r.bodies())
	}
	for _, q := range []string{"hjulskift", "hjulskfit"} {
		if r := searchMessages(t, e, ola, q, 10, nil); !containsText(r.bodies(), "Hjulskift neste uke") {
			t.Fatalf("the edited body does not match %q: %q", q, r.bodies())
		}
	}
	// The excerpt is the text as sent (never markup of ours): a client marks the ranges itself.
	send(t, e, ola, conv, "<b>Kilometerstand</b> & <script>x</script>")
	r = searchMessages(t, e, ola, "kilometerstand", 10, nil)
	if len(r.bodies()) != 1 || r.SearchMessages.Edges[0].Node.Excerpt != "<b>Kilometerstand</b> & <script>x</script>" || !contains(r.marked(), "Kilometerstand") {
		t.Fatalf("markup in a body: %+v", r.SearchMessages.Edges)
	}
}

// Keyset pages over a workshop's many threads (more than one search round) and many hits:
// every message once, newest first, none missing, also when new messages arrive between pages.
func TestSearchMessagesPagesWithoutDuplicatesOrGaps(t *testing.T) {
	for name, rare := range map[string]float64{"through the GIN index": 0, "walking the threads": -1} {
		t.Run(name, func(t *testing.T) { testSearchPaging(t, rare) })
	}
}

func testSearchPaging(t *testing.T, rare float64) {
	e := apptest.New(t)
	e.Store.SearchRareMatches = rare
	kari, bilfix := e.User(t, "co-kari"), e.User(t, "ws-bilfix")
	var want []int
	var convs []string
	for i := range 70 {
		id := 5000 + i
		e.GQL(t, apptest.Office(), `mutation($id: Int!) { upsertBooking(input: {bookingId: $id, carOwnerId: "co-kari", workshopOrgNr: "921460929"}) { bookingId } }`,
			map[string]any{"id": id}).Decode(t, &struct{}{})
		var st struct {
			StartConversation struct {
				Conversation struct{ ConversationID string }
			}
		}
		e.GQL(t, kari, `mutation($id: Int!) { startConversation(input: {bookingId: $id}) { conversation { conversationId } } }`,
			map[string]any{"id": id}).Decode(t, &st)
		convs = append(convs, st.StartConversation.Conversation.ConversationID)
	}
	// Old messages in the first threads, then one in each thread, so the newest hits are spread
	// over every thread and the older ones sit in threads whose newest message is recent.
	for i := range 10 {
		want = append(want, send(t, e, kari, convs[i], fmt.Sprintf("Vindusviskeren hakker (gammel %d)", i)).SendMessage.Message.MessageID)
	}
	for i, c := range convs {
		want = append(want, send(t, e, bilfix, c, fmt.Sprintf("Vi bytter vindusviskerne, tråd %d", i)).SendMessage.Message.MessageID)
		if i%3 == 0 {
			send(t, e, kari, c, "Takk skal dere ha") // no match
		}
	}
	// The workshop archives every other thread: its walk reads open and archived threads
	// from two indexes, and their keyset pages interleave.
	for i, c := range convs {
		if i%2 == 1 {
			e.GQL(t, bilfix, `mutation($id: ID!) { archiveConversation(conversationId: $id) { conversation { conversationId } } }`,
				map[string]any{"id": c}).Decode(t, &struct{}{})
		}
	}
	var got []int
	var after *string
	for page := 0; ; page++ {
		r := searchMessages(t, e, bilfix, "vindusvisker", 9, after)
		for _, edge := range r.SearchMessages.Edges {
			got = append(got, edge.Node.Message.MessageID)
		}
		if page == 1 { // a new match now is newer than the cursor: it belongs to a new search
			send(t, e, kari, convs[5], "Vindusviskeren igjen")
		}
		if !r.SearchMessages.PageInfo.HasNextPage {
			break
		}
		after = r.SearchMessages.PageInfo.EndCursor
		if page > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(got) != len(want) {
		t.Fatalf("paged %d hits, want %d", len(got), len(want))
	}
	for i := range got {
		// want holds the ids in send order; the hits come newest first.
		if got[i] != want[len(want)-1-i] {
			t.Fatalf("hit %d is message %d, want %d (got %v)", i, got[i], want[len(want)-1-i], got)
		}
	}
}

// Nobody finds a message in a thread that is not theirs, in a thread they deleted, or one the
// back office removed; anonymous callers are refused and bad input is refused before work.
func TestSearchMessagesAuthorization(t *testing.T) {
	for name, rare := range map[string]float64{"through the GIN index": 0, "walking the threads": -1} {
		t.Run(name, func(t *testing.T) { testSearchAuthorization(t, rare) })
	}
}

func testSearchAuthorization(t *testing.T, rare float64) {
	e := apptest.New(t)
	e.Store.SearchRareMatches = rare
	ola, kari, bilfix, dekk, per := e.User(t, "co-ola"), e.User(t, "co-kari"), e.User(t, "ws-bilfix"), e.User(t, "ws-dekk"), e.User(t, "usr_per")
	send(t, e, ola, threadOf(t, e, 1001), "Registreringsnummeret er EL12345")
	for name, c := range map[string]apptest.Creds{"another owner": kari, "another workshop": dekk, "a buyer": per} {
		if r := searchMessages(t, e, c, "registreringsnummeret", 10, nil); len(r.bodies()) != 0 {
			t.Errorf("%s sees %q", name, r.bodies())
		}
		if r := searchMessages(t, e, c, "registreringsnumeret", 10, nil); len(r.bodies()) != 0 { // typo path too
			t.Errorf("%s sees by typo %q", name, r.bodies())
		}
	}
	for _, c := range []apptest.Creds{ola, bilfix} {
		if r := searchMessages(t, e, c, "registreringsnummeret", 10, nil); len(r.bodies()) != 1 {
			t.Fatalf("a participant finds %q", r.bodies())
		}
	}
	if r := e.GQL(t, apptest.Creds{}, searchMessagesQuery, map[string]any{"q": "bil"}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %q", r.Code())
	}

	// Deleted for the viewer: its messages so far no longer match for it; the other side keeps them.
	dekkThread := threadOf(t, e, 1003)
	e.GQL(t, ola, `mutation($c: ID!) { deleteConversation(conversationId: $c) { conversationId } }`, map[string]any{"c": dekkThread}).Decode(t, &struct{}{})
	if r := searchMessages(t, e, ola, "dekkhotellet", 10, nil); len(r.bodies()) != 0 {
		t.Fatalf("deleted thread still matches: %q", r.bodies())
	}
	if r := searchMessages(t, e, dekk, "dekkhotellet", 10, nil); len(r.bodies()) != 1 {
		t.Fatalf("the other side lost its message: %q", r.bodies())
	}

	// One message deleted for the viewer: it no longer matches for it; the other side keeps it.
	hidden := send(t, e, ola, threadOf(t, e, 1001), "Vinterdekkene ligger i bagasjerommet")
	e.GQL(t, ola, `mutation($id: ID!) { deleteMessageForMe(id: $id) }`,
		map[string]any{"id": hidden.SendMessage.Message.ID}).Decode(t, &struct{}{})
	if r := searchMessages(t, e, ola, "bagasjerommet", 10, nil); len(r.bodies()) != 0 {
		t.Fatalf("a message deleted for me still matches: %q", r.bodies())
	}
	if r := searchMessages(t, e, bilfix, "bagasjerommet", 10, nil); len(r.bodies()) != 1 {
		t.Fatalf("the other side lost the message: %q", r.bodies())
	}

	// Removed by the back office: matches for nobody, by full text or by typo.
	m := send(t, e, ola, threadOf(t, e, 1001), "Betal til kontonummer zebrastripe")
	var rep struct{ ReportMessage struct{ ID string } }
	e.GQL(t, bilfix, `mutation($m: ID!) { reportMessage(input: {messageId: $m, reason: FRAUD}) { id } }`,
		map[string]any{"m": m.SendMessage.Message.ID}).Decode(t, &rep)
	e.GQL(t, apptest.Office(), `mutation($id: ID!) { resolveReport(input: {reportId: $id, action: REMOVE_MESSAGE}) { status } }`,
		map[string]any{"id": rep.ReportMessage.ID}).Decode(t, &struct{}{})
	for _, q := range []string{"zebrastripe", "zebrastrip", "kontonummer"} {
		for _, c := range []apptest.Creds{ola, bilfix} {
			if r := searchMessages(t, e, c, q, 10, nil); len(r.bodies()) != 0 {
				t.Fatalf("removed message matches %q: %q", q, r.bodies())
			}
		}
	}

	bad := []map[string]any{
		{"q": ""}, {"q": "   "}, {"q": "!!! ..."},
		{"q": strings.Repeat("a", 201)},
		{"q": "en to tre fire fem seks sju åtte ni"},
		{"q": "bil", "first": 51}, {"q": "bil", "first": -1},
		{"q": "bil", "after": "not-a-cursor"},
	}
	for _, vars := range bad {
		if r := e.GQL(t, ola, searchMessagesQuery, vars); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%v: code %q", vars, r.Code())
		}
	}
}

func containsText(list []string, part string) bool {
	for _, s := range list {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
