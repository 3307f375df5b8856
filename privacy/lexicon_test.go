package privacy_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// The typo lexicon (search_words) forgets the words only erased or unsent text had.

// lexicon reports which of words search_words holds.
func lexicon(t *testing.T, e *apptest.Env, words ...string) map[string]bool {
	t.Helper()
	var held []string
	err := e.Store.DB.NewRaw("SELECT word FROM search_words WHERE word IN (?)", bun.In(words)).Scan(context.Background(), &held)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, w := range held {
		out[w] = true
	}
	return out
}

// suggestions are the known words a search would try for a typo (db similarWords' query).
func suggestions(t *testing.T, e *apptest.Env, typo string) []string {
	t.Helper()
	var like []string
	err := e.Store.DB.NewRaw(`SELECT word FROM search_words WHERE word % parley_fold(?0)
		ORDER BY similarity(word, parley_fold(?0)) DESC, word LIMIT 5`, typo).Scan(context.Background(), &like)
	if err != nil {
		t.Fatal(err)
	}
	return like
}

type searchOut struct {
	SearchMessages struct {
		TypoTolerant bool
		Edges        []struct {
			Node struct{ Message struct{ MessageID int64 } }
		}
	}
}

func search(t *testing.T, e *apptest.Env, c apptest.Creds, q string) searchOut {
	t.Helper()
	var out searchOut
	e.GQL(t, c, `query($q: String!) { searchMessages(query: $q) { typoTolerant edges { node { message { messageId } } } } }`,
		map[string]any{"q": q}).Decode(t, &out)
	return out
}

// A word only the erased user wrote (in a message, or in the text a message had before an
// edit) leaves the lexicon and typo suggestions; a word the workshop wrote too stays.
func TestEraseUserDropsWordsOnlyTheyWroteFromTheTypoLexicon(t *testing.T) {
	e := apptest.New(t)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	send(t, e, ola, conv, "the brakes squeal near Kvernhusvegen")
	edited := sendMsg(t, e, ola, conv, "meet me at Fjellstua", "")
	do(t, e, ola, editMsg, map[string]any{"id": edited.ID, "b": "meet me at the workshop"})
	shared := send(t, e, shop, conv, "your brakes look fine")

	if got := lexicon(t, e, "kvernhusvegen", "squeal", "fjellstua", "brakes"); len(got) != 4 {
		t.Fatalf("before the erasure the lexicon holds %v", got)
	}
	if s := search(t, e, shop, "Kvernhusvegn"); !s.SearchMessages.TypoTolerant || len(s.SearchMessages.Edges) != 1 {
		t.Fatalf("before the erasure a typo of their word finds %+v", s)
	}

	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "GDPR request"}).Decode(t, &erasure{})

	got := lexicon(t, e, "kvernhusvegen", "squeal", "fjellstua", "brakes")
	if got["kvernhusvegen"] || got["squeal"] || got["fjellstua"] || !got["brakes"] {
		t.Fatalf("after the erasure the lexicon holds %v, want only brakes", got)
	}
	for _, typo := range []string{"Kvernhusvegn", "squeel", "Fjellstuaa"} {
		if like := suggestions(t, e, typo); len(like) != 0 {
			t.Errorf("%q is still suggested %v", typo, like)
		}
	}
	if like := suggestions(t, e, "brakez"); !slices.Contains(like, "brakes") {
		t.Errorf("the shared word is no longer suggested: %v", like)
	}
	s := search(t, e, shop, "brakez")
	if !s.SearchMessages.TypoTolerant || len(s.SearchMessages.Edges) != 1 || s.SearchMessages.Edges[0].Node.Message.MessageID != shared {
		t.Errorf("a typo of the shared word finds %+v, want the workshop's message %d", s, shared)
	}
}

// Unsending a message drops the words only its text (and its history) had from the lexicon.
func TestUnsendDropsWordsOnlyTheUnsentTextHad(t *testing.T) {
	e := apptest.New(t)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	m := sendMsg(t, e, ola, conv, "call Grubblestad tomorrow", "")
	do(t, e, ola, editMsg, map[string]any{"id": m.ID, "b": "call Trondsveen tomorrow"})
	send(t, e, shop, conv, "tomorrow suits us")
	if got := lexicon(t, e, "grubblestad", "trondsveen", "tomorrow"); len(got) != 3 {
		t.Fatalf("before the unsend the lexicon holds %v", got)
	}
	do(t, e, ola, unsend, map[string]any{"id": m.ID})
	if got := lexicon(t, e, "grubblestad", "trondsveen", "tomorrow"); len(got) != 1 || !got["tomorrow"] {
		t.Fatalf("after the unsend the lexicon holds %v, want only tomorrow", got)
	}
}

// An erasure interrupted after the user row was cleared (its messages not yet blanked) is
// finished by erasing the user again: alreadyErased, with the messages it blanked.
func TestEraseUserAgainFinishesAnInterruptedErasure(t *testing.T) {
	e := apptest.New(t)
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	conv := e.ThreadOf(t, 1001)
	send(t, e, ola, conv, "my number is 99 88 77 66")
	send(t, e, shop, conv, "thanks")
	ctx := context.Background()
	theirs := count(t, e, "SELECT count(*) FROM messages WHERE sender_user_id = 'co-ola'")
	// What the first step of an erasure commits, without the batches that follow it.
	if _, err := e.Store.DB.NewRaw("UPDATE users SET name = '', erased_at = now() WHERE id = 'co-ola'").Exec(ctx); err != nil {
		t.Fatal(err)
	}

	var out erasure
	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "again"}).Decode(t, &out)
	if !out.EraseUser.AlreadyErased || out.EraseUser.Messages != theirs || out.EraseUser.Audit != nil {
		t.Fatalf("the erasure again = %+v, want alreadyErased with %d messages", out.EraseUser, theirs)
	}
	if n := count(t, e, "SELECT count(*) FROM messages WHERE sender_user_id = 'co-ola' AND (body <> '' OR removed_at IS NULL)"); n != 0 {
		t.Fatalf("%d of their messages left with text", n)
	}
	if n := count(t, e, "SELECT count(*) FROM message_events WHERE kind = 'erased'"); n != theirs {
		t.Fatalf("%d erased changes, want %d", n, theirs)
	}
	e.GQL(t, apptest.Office(), erase, map[string]any{"u": "co-ola", "r": "and again"}).Decode(t, &out)
	if !out.EraseUser.AlreadyErased || out.EraseUser.Messages != 0 {
		t.Fatalf("a third erasure = %+v, want nothing done", out.EraseUser)
	}
}

// Retention drops the words only the deleted messages had; a word another thread still has
// stays.
func TestRetentionDropsWordsOnlyTheDeletedMessagesHad(t *testing.T) {
	e := apptest.NewWith(t, func(c *server.Config) {
		c.WebhookWorker, c.Retention, c.RetentionBatch = false, 30*24*time.Hour, 2
	})
	ola, shop := e.User(t, "co-ola"), e.User(t, "ws-bilfix")
	closed, active := e.ThreadOf(t, 1001), e.ThreadOf(t, 1003)
	send(t, e, ola, closed, "the car is at Ormhaugveien")
	send(t, e, shop, closed, "ask for Mjaurud at the desk")
	send(t, e, ola, closed, "fine")
	send(t, e, ola, active, "is Mjaurud there too")
	ctx := context.Background()
	if _, err := e.Store.DB.NewRaw("UPDATE conversations SET last_activity_at = now() - interval '40 days' WHERE id = ?", closed).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lexicon(t, e, "ormhaugveien", "mjaurud"); len(got) != 2 {
		t.Fatalf("before retention the lexicon holds %v", got)
	}
	w := e.App.PrivacyWorker()
	for steps := 0; ; steps++ {
		b, err := w.RetainOnce(ctx)
		if err != nil || steps > 50 {
			t.Fatalf("retention step %d: %v", steps, err)
		}
		if b == nil {
			break
		}
	}
	if got := lexicon(t, e, "ormhaugveien", "mjaurud"); got["ormhaugveien"] || !got["mjaurud"] {
		t.Fatalf("after retention the lexicon holds %v, want only mjaurud", got)
	}
}
