package resolvers_test

import (
	"testing"
	"time"

	"github.com/parley/parley/server/apptest"
)

// notification.created carries the notification's texts in its recipient's language (the
// locale stored on the user, else English), with the sender's name; the message's own text
// is not translated, an attachment-only message's text is.
func TestNotificationWebhookInRecipientLanguage(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	anneHooks, perHooks := newReceiver(t, always(200)), newReceiver(t, always(200))
	createHook(t, e, anneHooks.URL, []string{"notification.created"}, map[string]any{"userId": "usr_anne"})
	createHook(t, e, perHooks.URL, []string{"notification.created"}, map[string]any{"userId": "usr_per"})
	if r := e.GQL(t, apptest.Office(), `mutation($in: UpsertUserInput!) { upsertUser(input: $in) { userId } }`,
		map[string]any{"in": map[string]any{"userId": "usr_anne", "role": "SELLER", "locale": "nb"}}); len(r.Errors) > 0 {
		t.Fatalf("upsertUser: %+v", r.Errors)
	}
	per, anne, tesla := e.User(t, "usr_per"), e.User(t, "usr_anne"), convOf(t, e, "tesla3")
	send(t, e, per, tesla, "Is it sold?")
	var out struct {
		SendMessage struct{ Message struct{ ID string } }
	}
	e.GQL(t, per, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`, map[string]any{"in": map[string]any{
		"conversationId": tesla, "type": "IMAGE", "attachments": []any{map[string]any{"url": "https://cdn.example.no/f/bil.jpg",
			"name": "bil.jpg", "contentType": "image/jpeg", "size": 900}}}}).Decode(t, &out)
	send(t, e, anne, tesla, "Nei, ikke ennå")

	texts := func(hs []hook) [][2]any {
		var got [][2]any
		for _, h := range hs {
			got = append(got, [2]any{get(h.Payload, "data", "notification", "title"), get(h.Payload, "data", "notification", "body")})
		}
		return got
	}
	got := texts(anneHooks.waitFor(t, 2, 30*time.Second))
	want := map[[2]any]bool{{"Ny melding fra Per Berg", "Is it sold?"}: true, {"Ny melding fra Per Berg", "Sendte et vedlegg"}: true}
	if len(got) != 2 || !want[got[0]] || !want[got[1]] || got[0] == got[1] {
		t.Errorf("Anne's hooks carry %v", got)
	}
	if got := texts(perHooks.waitFor(t, 1, 30*time.Second)); len(got) != 1 || got[0] != [2]any{"New message from Anne Vik", "Nei, ikke ennå"} {
		t.Errorf("Per's hooks carry %v", got)
	}
}
