package restcompat_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/server/apptest"
)

// tokenWithLocale is a seeded user's token that claims a language.
func tokenWithLocale(t *testing.T, sub, role, name, locale string) apptest.Creds {
	return apptest.Bearer(apptest.SignClaims(t, jwt.MapClaims{"sub": sub, "role": role, "name": name, "locale": locale,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}))
}

const (
	sendText = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { messageId } } }`
	listText = `{ notifications(first: 2) { nodes { id title body } } }`
)

func mustGQL(t *testing.T, r *apptest.Response) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
}

type noteText struct{ ID, Title, Body string }

// gqlNotes lists the caller's two newest notifications through GraphQL.
func gqlNotes(t *testing.T, e *apptest.Env, c apptest.Creds) []noteText {
	t.Helper()
	var out struct{ Notifications struct{ Nodes []noteText } }
	r := e.GQL(t, c, listText, nil)
	mustGQL(t, r)
	r.Decode(t, &out)
	return out.Notifications.Nodes
}

// A notification's title (and an attachment-only message's text) is in its reader's language:
// the token's locale claim, else the locale the back office stored, else English; with the
// sender's name; the same in GraphQL and on both REST families. The message's own text is
// never translated.
func TestNotificationTextsInRecipientLanguage(t *testing.T) {
	e := apptest.New(t)
	thread, conv := threadOf(t, e, 1001), convOf(t, e, "tesla3") // Ola with Bilfix; Per (buyer) with Anne (seller)
	olaNB := tokenWithLocale(t, "co-ola", "car_owner", "Ola Nordmann", "nb")
	olaEN := tokenWithLocale(t, "co-ola", "car_owner", "Ola Nordmann", "en")
	bilfix, per, anne := e.User(t, "ws-bilfix"), e.User(t, "usr_per"), e.User(t, "usr_anne")
	mustGQL(t, e.GQL(t, apptest.Office(), `mutation($in: UpsertUserInput!) { upsertUser(input: $in) { userId } }`,
		map[string]any{"in": map[string]any{"userId": "usr_anne", "role": "SELLER", "locale": "nb"}}))
	mustGQL(t, e.GQL(t, olaNB, `{ viewer { userId } }`, nil))

	mustGQL(t, e.GQL(t, bilfix, sendText, map[string]any{"in": map[string]any{"conversationId": thread, "body": "Bilen er klar"}}))
	mustGQL(t, e.GQL(t, bilfix, sendText, map[string]any{"in": map[string]any{"conversationId": thread, "type": "DOCUMENT",
		"attachments": []any{map[string]any{"url": "https://cdn.example.no/f/faktura.pdf", "name": "faktura.pdf",
			"contentType": "application/pdf", "size": 1200}}}}))
	mustGQL(t, e.GQL(t, per, sendText, map[string]any{"in": map[string]any{"conversationId": conv, "body": "Is it sold?"}}))
	mustGQL(t, e.GQL(t, anne, sendText, map[string]any{"in": map[string]any{"conversationId": conv, "body": "Nei, ikke ennå"}}))

	want := func(who string, got []noteText, titles, bodies [2]string) {
		t.Helper()
		if len(got) < 2 {
			t.Fatalf("%s: %d notifications", who, len(got))
		}
		for i := range 2 {
			if got[i].Title != titles[i] || got[i].Body != bodies[i] {
				t.Errorf("%s #%d: %q / %q, want %q / %q", who, i, got[i].Title, got[i].Body, titles[i], bodies[i])
			}
		}
	}
	nbOla := [2]string{"Ny melding fra Bilfix Service", "Ny melding fra Bilfix Service"}
	want("Ola, token nb", gqlNotes(t, e, olaNB), nbOla, [2]string{"Sendte et vedlegg", "Bilen er klar"})
	// Ola's stored locale is now nb (from his token): a token with no claim reads it.
	want("Ola, stored nb", gqlNotes(t, e, e.User(t, "co-ola")), nbOla, [2]string{"Sendte et vedlegg", "Bilen er klar"})
	want("Ola, token en", gqlNotes(t, e, olaEN), [2]string{"New message from Bilfix Service", "New message from Bilfix Service"},
		[2]string{"Sent an attachment", "Bilen er klar"})
	anneNotes := gqlNotes(t, e, anne)
	if anneNotes[0].Title != "Ny melding fra Per Berg" || anneNotes[0].Body != "Is it sold?" {
		t.Errorf("Anne (back office nb): %+v", anneNotes[0])
	}
	perNotes := gqlNotes(t, e, per)
	if perNotes[0].Title != "New message from Anne Vik" || perNotes[0].Body != "Nei, ikke ennå" {
		t.Errorf("Per (no locale): %+v", perNotes[0])
	}

	// The legacy routes show the same texts.
	co := call(t, e, olaNB, "GET", "/api/co/notifications?page=1&page_size=2", nil)
	if co.Status != 200 || get(co.Body, "data", 0, "title") != nbOla[0] || get(co.Body, "data", 0, "body") != "Sendte et vedlegg" {
		t.Fatalf("CO list = %d %s", co.Status, co.Raw)
	}
	one := call(t, e, olaEN, "GET", fmt.Sprintf("/api/co/notifications/%v", get(co.Body, "data", 1, "id")), nil)
	if one.Status != 200 || get(one.Body, "title") != "New message from Bilfix Service" || get(one.Body, "body") != "Bilen er klar" {
		t.Fatalf("CO one = %d %s", one.Status, one.Raw)
	}
	mk := call(t, e, anne, "GET", "/api/notifications?page=1&limit=1", nil)
	if mk.Status != 200 || get(mk.Body, "data", "notifications", 0, "title") != "Ny melding fra Per Berg" {
		t.Fatalf("MK list (Anne) = %d %s", mk.Status, mk.Raw)
	}
	mk = call(t, e, per, "GET", "/api/notifications?page=1&limit=1", nil)
	if mk.Status != 200 || get(mk.Body, "data", "notifications", 0, "title") != "New message from Anne Vik" {
		t.Fatalf("MK list (Per) = %d %s", mk.Status, mk.Raw)
	}

	// Authorization is unchanged: another user's notification is not found, in every door.
	if r := call(t, e, e.User(t, "co-kari"), "GET", fmt.Sprintf("/api/co/notifications/%v", get(co.Body, "data", 0, "id")), nil); r.Status != 404 {
		t.Fatalf("Kari reads Ola's notification: %d %s", r.Status, r.Raw)
	}
	var node struct{ Notification *noteText }
	r := e.GQL(t, per, `query($id: ID!) { notification(id: $id) { id title } }`, map[string]any{"id": anneNotes[0].ID})
	_ = r.Into(&node)
	if node.Notification != nil {
		t.Fatalf("Per reads Anne's notification: %+v", node.Notification)
	}
	for _, n := range perNotes {
		if n.ID == anneNotes[0].ID {
			t.Fatalf("Anne's notification in Per's list")
		}
	}
	if r := e.GQL(t, apptest.Creds{}, listText, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous list: %+v", r.Errors)
	}
}

// notificationAdded renders each notification for its subscriber: two sockets of one user
// with tokens claiming different languages each get their own.
func TestNotificationAddedInRecipientLanguage(t *testing.T) {
	e := apptest.New(t)
	thread := threadOf(t, e, 1001)
	socket := func(c string) *apptest.RawWS {
		ws := apptest.DialWS(t, e, "graphql-transport-ws", nil)
		ws.Send(apptest.InitMsg(c))
		ws.Until("connection_ack")
		ws.Send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
			"query": "subscription { notificationAdded { title body } }"}})
		return ws
	}
	sign := func(locale string) string {
		return apptest.SignClaims(t, jwt.MapClaims{"sub": "co-ola", "role": "car_owner", "name": "Ola Nordmann", "locale": locale,
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	}
	nb, en := socket(sign("nb")), socket(sign("en"))
	kari := socket(e.User(t, "co-kari").Token)
	deadline := time.Now().Add(30 * time.Second)
	for e.App.Hub.Counts()["notifications"] != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the hub holds %v", e.App.Hub.Counts())
		}
		time.Sleep(10 * time.Millisecond) // polling the hub's count, not waiting out a delay
	}
	mustGQL(t, e.GQL(t, e.User(t, "ws-bilfix"), sendText, map[string]any{"in": map[string]any{"conversationId": thread, "type": "IMAGE",
		"attachments": []any{map[string]any{"url": "https://cdn.example.no/f/dekk.jpg", "name": "dekk.jpg",
			"contentType": "image/jpeg", "size": 1200}}}}))
	for ws, want := range map[*apptest.RawWS][2]string{
		nb: {"Ny melding fra Bilfix Service", "Sendte et vedlegg"},
		en: {"New message from Bilfix Service", "Sent an attachment"},
	} {
		got := get(ws.Until("next"), "payload", "data", "notificationAdded")
		if get(got, "title") != want[0] || get(got, "body") != want[1] {
			t.Errorf("live notification %v, want %v", got, want)
		}
	}
	// Kari is not in the thread: nothing reached her socket before the answer to a later ping
	// (the hub handed the notification to every subscriber at once).
	kari.Send(map[string]any{"type": "ping"})
	for {
		m, err := kari.Read(5 * time.Second)
		if err != nil {
			t.Fatalf("waiting for pong: %v", err)
		}
		if m["type"] == "next" {
			t.Fatalf("Kari got Ola's notification: %v", m)
		}
		if m["type"] == "pong" {
			return
		}
	}
}
