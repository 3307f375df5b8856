package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/server/apptest"
)

const (
	erase = `mutation($u: ID!, $r: String!) { eraseUser(userId: $u, reason: $r) {
		userId erasedAt alreadyErased messages files audit { id action actorKeyId userId reason } } }`
	auditLog = `query($u: ID) { auditLog(userId: $u) { id action actorKeyId userId reason details createdAt } }`
)

type erasure struct {
	EraseUser struct {
		UserID        string
		ErasedAt      time.Time
		AlreadyErased bool
		Messages      int
		Files         int
		Audit         *struct{ ID, Action, ActorKeyID, UserID, Reason string }
	}
}

// The back office erases a car owner: their messages stay in the thread, blanked and from a
// deleted user, their file is gone from storage, their tokens are refused, and the workshop's
// side of the thread reads as before.
func TestEraseUserBlanksTheirMessagesAndKeepsTheThreadCoherent(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	secret := send(t, e, ola, conv, "my phone number is 99 88 77 66")
	_, fileMsg := upload(t, e, ola, conv, "licence.png", pngBytes)
	keys := storageKeys(t, e, fileMsg)
	reply := send(t, e, shop, conv, "thanks, we will call you")
	if len(keys) != 1 || !stored(t, e, keys[0]) {
		t.Fatalf("file not stored: %v", keys)
	}
	if _, err := e.Store.RegisterPushSubscription(ctx, "co-ola", "https://push.example/ola", "PUBLICKEY", "AUTHSECRET"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.DB.NewRaw("UPDATE users SET email = 'ola@example.no', locale = 'nb' WHERE id = 'co-ola'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	before := readThread(t, e, shop, conv)
	searchHits := func() int {
		var out struct {
			SearchMessages struct{ Edges []struct{ Cursor string } }
		}
		e.GQL(t, shop, `{ searchMessages(query: "phone number") { edges { cursor } } }`, nil).Decode(t, &out)
		return len(out.SearchMessages.Edges)
	}
	if searchHits() == 0 {
		t.Fatal("the workshop's search does not find the message before the erasure")
	}

	// Only the back office erases.
	for name, c := range map[string]apptest.Creds{"the workshop": shop, "the user": ola} {
		if code := e.GQL(t, c, erase, map[string]any{"u": "co-ola", "r": "asked"}).Code(); code != "FORBIDDEN" {
			t.Fatalf("%s erases: %q, want FORBIDDEN", name, code)
		}
		if code := e.GQL(t, c, auditLog, nil).Code(); code != "FORBIDDEN" {
			t.Fatalf("%s reads the audit log: %q, want FORBIDDEN", name, code)
		}
	}
	if code := e.GQL(t, apptest.Creds{}, erase, map[string]any{"u": "co-ola", "r": "asked"}).Code(); code != "UNAUTHENTICATED" {
		t.Fatalf("anonymous erase: %q", code)
	}
	if code := e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": " "}).Code(); code != "BAD_USER_INPUT" {
		t.Fatalf("erase without a reason: %q", code)
	}
	if code := e.GQL(t, apptest.Office(), erase, map[string]any{"u": "nobody", "r": "asked"}).Code(); code != "NOT_FOUND" {
		t.Fatalf("erase of an unknown user: %q", code)
	}

	var out erasure
	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "GDPR request #12"}).Decode(t, &out)
	er := out.EraseUser
	keyID := auth.KeyID([]byte(apptest.APIKey))
	if er.AlreadyErased || er.Files != 1 || er.Messages < 2 || er.Audit == nil || er.Audit.ActorKeyID != keyID ||
		er.Audit.Reason != "GDPR request #12" || er.Audit.Action != "user.erased" || er.Audit.UserID != "co-ola" {
		t.Fatalf("erasure = %+v (audit %+v)", er, er.Audit)
	}
	if stored(t, e, keys[0]) {
		t.Fatal("the erased user's file is still in storage")
	}
	var pending int
	_ = e.Store.DB.NewRaw("SELECT count(*) FROM blob_deletions").Scan(ctx, &pending)
	if pending != 0 {
		t.Fatalf("%d file deletions left queued", pending)
	}

	// Tokens are refused: the one they held, and a fresh one.
	if code := e.GQL(t, ola, `{ viewer { userId } }`, nil).Code(); code != "UNAUTHENTICATED" {
		t.Fatalf("the erased user's token: %q, want UNAUTHENTICATED", code)
	}
	fresh := apptest.SignClaims(t, jwt.MapClaims{"sub": "co-ola", "role": "car_owner", "name": "Ola Nordmann",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	if code := e.GQL(t, apptest.Bearer(fresh), `{ viewer { userId } }`, nil).Code(); code != "UNAUTHENTICATED" {
		t.Fatalf("a fresh token of the erased user: %q, want UNAUTHENTICATED", code)
	}

	// The personal fields are cleared, and the sign-in attempts did not write them back.
	var u db.User
	if err := e.Store.DB.NewSelect().Model(&u).Where("id = 'co-ola'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if u.Name != "" || u.Email != nil || u.Locale != nil || u.AvatarURL != "" || u.ErasedAt == nil {
		t.Fatalf("erased user row = %+v", u)
	}
	var subs, notes int
	_ = e.Store.DB.NewRaw("SELECT (SELECT count(*) FROM push_subscriptions WHERE user_id = 'co-ola'), (SELECT count(*) FROM notifications WHERE user_id = 'co-ola')").Scan(ctx, &subs, &notes)
	if subs != 0 || notes != 0 {
		t.Fatalf("push subscriptions %d, notifications %d left", subs, notes)
	}

	// The workshop's thread: the same messages, ids, order and counts; its own texts intact.
	after := readThread(t, e, shop, conv)
	bc, ac := before.Conversation, after.Conversation
	if ac.TotalMessages != bc.TotalMessages || ac.Messages.TotalCount != bc.Messages.TotalCount ||
		len(ac.Messages.Nodes) != len(bc.Messages.Nodes) || ac.LastMessage.MessageID != reply {
		t.Fatalf("thread before %+v, after %+v", bc, ac)
	}
	blanked := 0
	for i, m := range ac.Messages.Nodes {
		was := bc.Messages.Nodes[i]
		if m.MessageID != was.MessageID {
			t.Fatalf("message %d: id %d, was %d", i, m.MessageID, was.MessageID)
		}
		if was.Sender != nil && was.Sender.UserID == "co-ola" {
			if m.Body != "" || !m.Removed || len(m.Attachments) != 0 || m.Sender == nil || !m.Sender.Deleted || m.Sender.Name != "" {
				t.Fatalf("erased user's message = %+v", m)
			}
			blanked++
		} else if m.Body != was.Body || m.Removed != was.Removed {
			t.Fatalf("someone else's message changed: %+v, was %+v", m, was)
		}
	}
	if n := searchHits(); n != 0 {
		t.Fatalf("the workshop's search still finds %d erased messages", n)
	}
	if blanked < 2 {
		t.Fatalf("only %d of the erased user's messages in the thread", blanked)
	}
	var notified, leaks int
	_ = e.Store.DB.NewRaw(`SELECT count(*), count(*) FILTER (WHERE body <> '' OR title LIKE '%Ola%') FROM notifications
		WHERE message_id = ?`, secret).Scan(ctx, &notified, &leaks)
	if notified == 0 || leaks != 0 {
		t.Fatal("the workshop's notification still shows the erased text or name")
	}
	var body string
	_ = e.Store.DB.NewRaw("SELECT body FROM messages WHERE id = ?", secret).Scan(ctx, &body)
	if body != "" {
		t.Fatalf("the text is still stored: %q", body)
	}

	// Idempotent: a second erasure changes nothing and writes no second audit entry.
	var again erasure
	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "again"}).Decode(t, &again)
	if !again.EraseUser.AlreadyErased || again.EraseUser.Audit != nil || !again.EraseUser.ErasedAt.Equal(er.ErasedAt) {
		t.Fatalf("second erasure = %+v", again.EraseUser)
	}
	var log struct {
		AuditLog []struct{ ID, Action, ActorKeyID, UserID, Reason string }
	}
	e.GQL(t, apptest.Office(), auditLog, map[string]any{"u": "co-ola"}).Decode(t, &log)
	if len(log.AuditLog) != 1 || log.AuditLog[0].Reason != "GDPR request #12" || log.AuditLog[0].ActorKeyID != keyID {
		t.Fatalf("audit log = %+v", log.AuditLog)
	}
	// The back office cannot bring the erased user back by upserting it.
	up := `mutation { upsertUser(input: {userId: "co-ola", role: CAR_OWNER, name: "Ola"}) { userId } }`
	if code := e.GQL(t, apptest.Office(), up, nil).Code(); code != "CONFLICT" {
		t.Fatalf("upsert of an erased user: %q, want CONFLICT", code)
	}
}
