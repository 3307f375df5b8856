package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// Privacy of the message changes (edits, unsend, delete-for-me, reactions) and replies.

const (
	sendFull = `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id messageId } } }`
	editMsg  = `mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { editedAt } }`
	unsend   = `mutation($id: ID!) { unsendMessage(id: $id) { unsentAt } }`
	hideMsg  = `mutation($id: ID!) { deleteMessageForMe(id: $id) }`
	react    = `mutation($id: ID!, $e: String!) { addReaction(messageId: $id, emoji: $e) { messageId } }`
	viewMsg  = `query($id: ID!) { node(id: $id) { ... on Message { body removed edits { previousBody editedAt }
		reactions { emoji count } replyTo { excerpt removed senderName sender { userId name deleted } } } } }`
)

type sentMsg struct {
	ID        string
	MessageID int64
}

// sendMsg sends body into conv, quoting replyTo when it is not empty.
func sendMsg(t *testing.T, e *apptest.Env, c apptest.Creds, conv, body, replyTo string) sentMsg {
	t.Helper()
	in := map[string]any{"conversationId": conv, "body": body}
	if replyTo != "" {
		in["replyToId"] = replyTo
	}
	var out struct {
		SendMessage struct{ Message sentMsg }
	}
	e.GQL(t, c, sendFull, map[string]any{"in": in}).Decode(t, &out)
	return out.SendMessage.Message
}

// do runs a mutation that must succeed.
func do(t *testing.T, e *apptest.Env, c apptest.Creds, q string, vars map[string]any) {
	t.Helper()
	e.GQL(t, c, q, vars).Decode(t, &struct{}{})
}

type msgView struct {
	Body      string
	Removed   bool
	Edits     []struct{ PreviousBody string }
	Reactions []struct {
		Emoji string
		Count int
	}
	ReplyTo *struct {
		Excerpt    string
		Removed    bool
		SenderName string
		Sender     *struct {
			UserID, Name string
			Deleted      bool
		}
	}
}

func view(t *testing.T, e *apptest.Env, c apptest.Creds, id string) msgView {
	t.Helper()
	var out struct{ Node msgView }
	e.GQL(t, c, viewMsg, map[string]any{"id": id}).Decode(t, &out)
	return out.Node
}

// emoji are the configured reaction emoji.
func emoji(t *testing.T, e *apptest.Env, c apptest.Creds) []string {
	t.Helper()
	var out struct{ ReactionEmoji []string }
	e.GQL(t, c, `{ reactionEmoji }`, nil).Decode(t, &out)
	if len(out.ReactionEmoji) < 2 {
		t.Fatalf("reaction emoji = %v", out.ReactionEmoji)
	}
	return out.ReactionEmoji
}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.Store.DB.NewRaw(q, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Erasing a car owner deletes the bodies their messages had before edits, their reactions and
// the reactions to their messages, and their deletes-for-me; a reply quoting them shows no
// text and a deleted user; the messageChanged rows stay and hold no text.
func TestEraseUserDeletesEditHistoryReactionsHidesAndQuotedText(t *testing.T) {
	e := apptest.New(t)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	em := emoji(t, e, ola)
	mine := sendMsg(t, e, ola, conv, "come to Storgata 17, second floor", "")
	do(t, e, ola, editMsg, map[string]any{"id": mine.ID, "b": "see you at the workshop"})
	theirs := sendMsg(t, e, shop, conv, "noted", "")
	other := sendMsg(t, e, shop, conv, "an offer you may hide", "")
	do(t, e, ola, react, map[string]any{"id": theirs.ID, "e": em[0]})
	do(t, e, shop, react, map[string]any{"id": mine.ID, "e": em[1]})
	do(t, e, ola, hideMsg, map[string]any{"id": other.ID})
	reply := sendMsg(t, e, shop, conv, "we will be ready", mine.ID)

	// Before: the workshop sees the history, the reactions and the quote.
	if v := view(t, e, shop, mine.ID); len(v.Edits) != 1 || len(v.Reactions) != 1 {
		t.Fatalf("before the erasure the workshop sees %+v", v)
	}
	if v := view(t, e, shop, theirs.ID); len(v.Reactions) != 1 {
		t.Fatalf("before the erasure the workshop's message has reactions %+v", v.Reactions)
	}
	if q := view(t, e, shop, reply.ID).ReplyTo; q == nil || q.Excerpt != "see you at the workshop" || q.SenderName != "Ola Nordmann" {
		t.Fatalf("before the erasure the quote = %+v", q)
	}
	const hiddenCount = `SELECT hidden_count FROM participants WHERE party_id = 'co-ola'
		AND conversation_id = (SELECT conversation_id FROM messages WHERE id = ?)`
	if n := count(t, e, hiddenCount, other.MessageID); n != 1 {
		t.Fatalf("before the erasure their hidden count is %d, want 1", n)
	}
	events := count(t, e, "SELECT count(*) FROM message_events WHERE message_id IN (?, ?)", mine.MessageID, theirs.MessageID)
	if events == 0 {
		t.Fatal("no message_events rows before the erasure")
	}

	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "GDPR request"}).Decode(t, &erasure{})

	their := "SELECT id FROM messages WHERE sender_user_id = 'co-ola'"
	for what, q := range map[string]string{
		"edit history of their messages": "SELECT count(*) FROM message_edits WHERE message_id IN (" + their + ")",
		"their previous text anywhere":   "SELECT count(*) FROM message_edits WHERE previous_body LIKE '%Storgata%'",
		"reactions by them":              "SELECT count(*) FROM message_reactions WHERE party_id = 'co-ola'",
		"reactions to their messages":    "SELECT count(*) FROM message_reactions WHERE message_id IN (" + their + ")",
		"their deletes-for-me":           "SELECT count(*) FROM message_hides WHERE party_id = 'co-ola'",
	} {
		if n := count(t, e, q); n != 0 {
			t.Errorf("%s: %d rows left", what, n)
		}
	}
	if n := count(t, e, hiddenCount, other.MessageID); n != 0 {
		t.Errorf("their hidden count is %d with their deletes-for-me gone", n)
	}
	// message_events keep the stream's positions (plus one 'erased' change for their message);
	// they must never hold text. A new column there has to be looked at here (and in eraseUser).
	if n := count(t, e, "SELECT count(*) FROM message_events WHERE message_id IN (?, ?)", mine.MessageID, theirs.MessageID); n != events+1 {
		t.Errorf("message_events: %d rows, were %d before the erasure", n, events)
	}
	if n := count(t, e, "SELECT count(*) FROM message_events WHERE message_id = ? AND kind = 'erased' AND actor = 'backoffice'", mine.MessageID); n != 1 {
		t.Errorf("%d erased changes of the erased message, want 1", n)
	}
	var cols []string
	if err := e.Store.DB.NewRaw(`SELECT column_name FROM information_schema.columns
		WHERE table_name = 'message_events' ORDER BY column_name`).Scan(context.Background(), &cols); err != nil {
		t.Fatal(err)
	}
	if want := []string{"actor", "conversation_id", "created_at", "id", "kind", "message_id"}; !slices.Equal(cols, want) {
		t.Errorf("message_events columns %v, want %v: check the new ones for personal data", cols, want)
	}

	// Through GraphQL: no history, no reactions, a quote without text from a deleted user.
	if v := view(t, e, shop, mine.ID); v.Body != "" || !v.Removed || len(v.Edits) != 0 || len(v.Reactions) != 0 {
		t.Errorf("the erased message = %+v", v)
	}
	if v := view(t, e, shop, theirs.ID); v.Body != "noted" || len(v.Reactions) != 0 {
		t.Errorf("the workshop's message after the erasure = %+v", v)
	}
	v := view(t, e, shop, reply.ID)
	q := v.ReplyTo
	if v.Body != "we will be ready" || q == nil || q.Excerpt != "" || !q.Removed || q.SenderName != "" ||
		q.Sender == nil || !q.Sender.Deleted || q.Sender.Name != "" || q.Sender.UserID != "co-ola" {
		t.Errorf("the workshop's reply = %+v, quote %+v", v, q)
	}
}

// data.json holds the edit history of the user's messages, their party's reactions and
// deletes-for-me; an unsent message is there without text or history.
func TestExportHoldsEditHistoryReactionsAndUnsentMessagesWithoutText(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	em := emoji(t, e, ola)
	edited := sendMsg(t, e, ola, conv, "first words", "")
	do(t, e, ola, editMsg, map[string]any{"id": edited.ID, "b": "second words"})
	do(t, e, ola, editMsg, map[string]any{"id": edited.ID, "b": "third words"})
	gone := sendMsg(t, e, ola, conv, "take this back", "")
	do(t, e, ola, editMsg, map[string]any{"id": gone.ID, "b": "take this back too"})
	do(t, e, ola, unsend, map[string]any{"id": gone.ID})
	theirs := sendMsg(t, e, shop, conv, "the workshop writes", "")
	do(t, e, ola, react, map[string]any{"id": theirs.ID, "e": em[0]})
	do(t, e, ola, react, map[string]any{"id": theirs.ID, "e": em[1]})
	do(t, e, shop, react, map[string]any{"id": edited.ID, "e": em[0]}) // the workshop's: not in ola's export
	do(t, e, ola, hideMsg, map[string]any{"id": theirs.ID})

	var req struct{ RequestDataExport exportOut }
	e.GQL(t, ola, requestExport, nil).Decode(t, &req)
	if ok, err := e.App.PrivacyWorker().ExportOne(context.Background()); !ok || err != nil {
		t.Fatalf("export: %v, %v", ok, err)
	}
	status, body := get(t, e, ola, "/exports/"+req.RequestDataExport.ID)
	if status != 200 {
		t.Fatalf("download: %d", status)
	}
	raw := unzip(t, body)["data.json"]
	var data struct {
		Messages []struct {
			ID       int64
			Body     string
			EditedAt *time.Time `json:"edited_at"`
			UnsentAt *time.Time `json:"unsent_at"`
			Edits    []struct {
				PreviousBody string    `json:"previous_body"`
				EditedAt     time.Time `json:"edited_at"`
			}
		}
		Reactions []struct {
			MessageID      int64 `json:"message_id"`
			ConversationID int64 `json:"conversation_id"`
			Reactions      []struct {
				Emoji     string
				CreatedAt time.Time `json:"created_at"`
			}
		}
		Hidden []struct {
			MessageID int64     `json:"message_id"`
			HiddenAt  time.Time `json:"hidden_at"`
		} `json:"hidden_messages"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatalf("data.json: %v\n%s", err, raw)
	}
	if bytes.Contains(raw, []byte("take this back")) {
		t.Fatalf("the unsent text is in the export: %s", raw)
	}
	found := 0
	for _, m := range data.Messages {
		switch m.ID {
		case edited.MessageID:
			found++
			if m.Body != "third words" || m.EditedAt == nil || m.UnsentAt != nil || len(m.Edits) != 2 ||
				m.Edits[0].PreviousBody != "first words" || m.Edits[1].PreviousBody != "second words" ||
				m.Edits[0].EditedAt.IsZero() || m.Edits[1].EditedAt.Before(m.Edits[0].EditedAt) {
				t.Errorf("edited message = %+v", m)
			}
		case gone.MessageID:
			found++
			if m.Body != "" || m.UnsentAt == nil || len(m.Edits) != 0 {
				t.Errorf("unsent message = %+v", m)
			}
		}
	}
	if found != 2 {
		t.Fatalf("messages = %+v", data.Messages)
	}
	if len(data.Reactions) != 1 || data.Reactions[0].MessageID != theirs.MessageID || data.Reactions[0].ConversationID == 0 ||
		len(data.Reactions[0].Reactions) != 2 || data.Reactions[0].Reactions[0].CreatedAt.IsZero() {
		t.Fatalf("reactions = %+v", data.Reactions)
	}
	got := []string{data.Reactions[0].Reactions[0].Emoji, data.Reactions[0].Reactions[1].Emoji}
	slices.Sort(got)
	want := []string{em[0], em[1]}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("reaction emoji %v, want %v", got, want)
	}
	if len(data.Hidden) != 1 || data.Hidden[0].MessageID != theirs.MessageID || data.Hidden[0].HiddenAt.IsZero() {
		t.Fatalf("hidden messages = %+v", data.Hidden)
	}
}

// Retention deletes the edit history, reactions, deletes-for-me and messageChanged rows of the
// messages it deletes (they cascade), and none of another thread's.
func TestRetentionDeletesTheChangesOfDeletedMessages(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) {
		c.WebhookWorker, c.Retention = false, 30*24*time.Hour
	})
	ctx := context.Background()
	ola := e.User(t, "co-ola")
	closed, active := e.ThreadOf(t, 1001), e.ThreadOf(t, 1003) // with ws-bilfix, with ws-dekk
	em := emoji(t, e, ola)
	changed := func(conv string, shop apptest.Creds) []int64 {
		a := sendMsg(t, e, ola, conv, "old text", "")
		do(t, e, ola, editMsg, map[string]any{"id": a.ID, "b": "new text"})
		b := sendMsg(t, e, shop, conv, "a reply", "")
		do(t, e, ola, react, map[string]any{"id": b.ID, "e": em[0]})
		do(t, e, shop, react, map[string]any{"id": a.ID, "e": em[1]})
		do(t, e, ola, hideMsg, map[string]any{"id": b.ID})
		return []int64{a.MessageID, b.MessageID}
	}
	doomed, kept := changed(closed, e.User(t, "ws-bilfix")), changed(active, e.User(t, "ws-dekk"))
	if _, err := e.Store.DB.NewRaw("UPDATE conversations SET last_activity_at = now() - interval '40 days' WHERE id = ?", closed).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rows := func(ids []int64) map[string]int {
		out := map[string]int{}
		for _, table := range []string{"message_edits", "message_reactions", "message_hides", "message_events"} {
			out[table] = count(t, e, "SELECT count(*) FROM "+table+" WHERE message_id IN (?, ?)", ids[0], ids[1])
		}
		return out
	}
	before := rows(kept)
	for table, n := range rows(doomed) {
		if n == 0 {
			t.Fatalf("no %s rows in the closed thread before retention", table)
		}
	}
	w := e.App.PrivacyWorker()
	for i := 0; ; i++ {
		b, err := w.RetainOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		if i > 10 {
			t.Fatal("retention does not finish")
		}
	}
	if n := count(t, e, "SELECT count(*) FROM messages WHERE conversation_id = ?", closed); n != 0 {
		t.Fatalf("%d messages left in the closed thread", n)
	}
	for table, n := range rows(doomed) {
		if n != 0 {
			t.Errorf("%s: %d rows of deleted messages left", table, n)
		}
	}
	after := rows(kept)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s of the active thread: %d rows, were %d", table, after[table], n)
		}
	}
}
