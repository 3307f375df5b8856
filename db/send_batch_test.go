package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/parley/parley/db"
)

// sendCounter counts the statements that send alone and those that send a batch.
type sendCounter struct{ alone, batches atomic.Int64 }

func (c *sendCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *sendCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	switch {
	case strings.HasPrefix(e.Query, "EXECUTE parley_send_batch_go("):
		c.batches.Add(1)
	case strings.HasPrefix(e.Query, "EXECUTE parley_send_go("):
		c.alone.Add(1)
	}
}

type batchSend struct {
	v  db.Viewer
	in db.SendInput
}

type sendOutcome struct {
	res *db.SendResult
	err error
}

// sendTogether sends the sends as one batch, queued in their order: with one slot, a first
// send by co-ola holds it while it waits for the booking thread's row, which the test has
// locked; the sends queue up behind it, and the lock's release lets them go together.
func sendTogether(t *testing.T, f *notifyFixture, sends []batchSend) ([]sendOutcome, *sendCounter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queued := make(chan int, len(sends))
	f.store.SetSendBatching(1, 64, func(n int) { queued <- n })
	counter := &sendCounter{}
	f.store.DB.AddQueryHook(counter)

	tx := beginTx(ctx, t, f.store)
	defer func() { _ = tx.Rollback() }()
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM conversations WHERE id = ? FOR UPDATE", f.bookingConv)
	must(t, err)
	var wg sync.WaitGroup
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, firstErr = f.store.Send(ctx, viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Body: "first"})
	}()
	waitForLockWait(ctx, t, f.store)
	out := make([]sendOutcome, len(sends))
	for i, s := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].res, out[i].err = f.store.Send(ctx, s.v, s.in)
		}()
		select {
		case n := <-queued:
			if n != i+1 {
				t.Fatalf("send %d joined a queue of %d", i, n)
			}
		case <-ctx.Done():
			t.Fatalf("send %d never queued", i)
		}
	}
	must(t, tx.Commit())
	wg.Wait()
	must(t, firstErr)
	return out, counter
}

// Sends queued together go out in one statement, each once, in their order within a thread,
// each with its own message and its thread as it was right after it.
func TestGroupedSendsLandOnceInOrder(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ola, kari := viewer("co-ola", db.RoleCarOwner, ""), viewer("co-kari", db.RoleCarOwner, "")
	per, anne := viewer("usr_per", db.RoleBuyer, ""), viewer("usr_anne", db.RoleSeller, "")
	shop := viewer("ws-a1", db.RoleWorkshop, orgA)
	kariConv := threadOf(t, f.store, kari, 7002)
	sends := []batchSend{
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a1"}},
		{kari, db.SendInput{ConversationID: kariConv, Body: "k1"}},
		{per, db.SendInput{ConversationID: f.listingConv, Body: "p1"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a2", ClientMessageID: "c-a2"}},
		{anne, db.SendInput{ConversationID: f.listingConv, Body: "n1"}},
		{shop, db.SendInput{ConversationID: f.bookingConv, Body: "w1"}},
		{kari, db.SendInput{ConversationID: kariConv, Body: "k2"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a3"}},
	}
	out, counter := sendTogether(t, f, sends)
	if b, a := counter.batches.Load(), counter.alone.Load(); b != 1 || a != 1 {
		t.Errorf("%d batch statements and %d single sends, want 1 batch after the first send", b, a)
	}
	for i, o := range out {
		s := sends[i]
		if o.err != nil {
			t.Fatalf("send %d (%s): %v", i, s.in.Body, o.err)
		}
		m := o.res.Message
		if !o.res.Created || m.Body != s.in.Body || m.ConversationID != s.in.ConversationID || stringOf(m.SenderUserID) != s.v.UserID {
			t.Errorf("send %d answered %+v (created %v), want its own new message", i, m, o.res.Created)
		}
		if o.res.Thread.LastMessageID == nil || *o.res.Thread.LastMessageID != m.ID {
			t.Errorf("send %d: thread's last message %s, want its own %d", i, deref(o.res.Thread.LastMessageID), m.ID)
		}
	}
	for conv, want := range map[int64]string{f.bookingConv: "first a1 a2 w1 a3", kariConv: "k1 k2", f.listingConv: "p1 n1"} {
		var bodies []string
		var count int
		must(t, f.store.DB.NewRaw(`SELECT array_agg(m.body ORDER BY m.id), (SELECT c.message_count FROM conversations AS c WHERE c.id = ?0)
			FROM messages AS m WHERE m.conversation_id = ?0`, conv).Scan(ctx, pgdialect.Array(&bodies), &count))
		if got := strings.Join(bodies, " "); got != want || count != len(bodies) {
			t.Errorf("thread %d holds %q (message_count %d), want %q", conv, got, count, want)
		}
	}
}

// A refused send in a batch is refused alone: the batch still runs once, the others are sent.
func TestARefusedSendInABatchFailsOnlyItself(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ola, kari := viewer("co-ola", db.RoleCarOwner, ""), viewer("co-kari", db.RoleCarOwner, "")
	per, anne := viewer("usr_per", db.RoleBuyer, ""), viewer("usr_anne", db.RoleSeller, "")
	must(t, f.store.Block(ctx, anne, "usr_per"))
	_, _, err := f.store.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "once", ClientMessageID: "c-used"})
	must(t, err)
	exec(t, f.store, `UPDATE users SET erased_at = now() WHERE id = 'ws-a3'`)
	sends := []batchSend{
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a1"}},
		{kari, db.SendInput{ConversationID: f.bookingConv, Body: "not hers"}},
		{per, db.SendInput{ConversationID: f.listingConv, Body: "blocked"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "other text", ClientMessageID: "c-used"}},
		{anne, db.SendInput{ConversationID: f.listingConv, Body: "n1"}},
		{viewer("ws-a3", db.RoleWorkshop, orgA), db.SendInput{ConversationID: f.bookingConv, Body: "erased"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a2"}},
	}
	want := []error{nil, db.ErrNotFound, db.ErrBlocked, db.ErrConflict, nil, db.ErrForbidden, nil}
	out, counter := sendTogether(t, f, sends)
	if b, a := counter.batches.Load(), counter.alone.Load(); b != 1 || a != 1 {
		t.Errorf("%d batch statements and %d single sends, want 1 batch after the first send", b, a)
	}
	checkOutcomes(t, sends, out, want)
}

// A batch that PostgreSQL fails as a whole is sent again one send at a time: only the send
// that fails alone fails.
func TestAFailingBatchIsSentAgainOneByOne(t *testing.T) {
	f := newNotifyFixture(t)
	ola, anne := viewer("co-ola", db.RoleCarOwner, ""), viewer("usr_anne", db.RoleSeller, "")
	missing := int64(987654321) // no such template: the insert's foreign key fails
	sends := []batchSend{
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a1"}},
		{anne, db.SendInput{ConversationID: f.listingConv, Body: "n1"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "bad template", TemplateID: &missing}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a2"}},
	}
	out, counter := sendTogether(t, f, sends)
	if b, a := counter.batches.Load(), counter.alone.Load(); b != 1 || a != 1+int64(len(sends)) {
		t.Errorf("%d batch statements and %d single sends, want 1 batch, then each send alone", b, a)
	}
	checkOutcomes(t, sends, out, []error{nil, nil, errors.New("any"), nil})
	var bodies []string
	must(t, f.store.DB.NewRaw(`SELECT array_agg(body ORDER BY id) FROM messages WHERE conversation_id = ?`, f.bookingConv).
		Scan(context.Background(), pgdialect.Array(&bodies)))
	if got := strings.Join(bodies, " "); got != "first a1 a2" {
		t.Errorf("the thread holds %q, want %q", got, "first a1 a2")
	}
}

// A clientMessageId sent twice in one batch, or sent before it, answers the first message.
func TestClientMessageIDReplaysInsideABatch(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	before, _, err := f.store.SendMessage(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "earlier", ClientMessageID: "c-0"})
	must(t, err)
	sends := []batchSend{
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "twice", ClientMessageID: "c-1"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "earlier", ClientMessageID: "c-0"}},
		{ola, db.SendInput{ConversationID: f.bookingConv, Body: "twice", ClientMessageID: "c-1"}},
	}
	out, counter := sendTogether(t, f, sends)
	if b := counter.batches.Load(); b != 1 {
		t.Errorf("%d batch statements, want 1", b)
	}
	checkOutcomes(t, sends, out, []error{nil, nil, nil})
	if !out[0].res.Created || out[2].res.Created || out[2].res.Message.ID != out[0].res.Message.ID {
		t.Errorf("c-1 twice: message %d (created %v), then %d (created %v); want the first again",
			out[0].res.Message.ID, out[0].res.Created, out[2].res.Message.ID, out[2].res.Created)
	}
	if out[1].res.Created || out[1].res.Message.ID != before.ID {
		t.Errorf("c-0 again: message %d (created %v), want %d", out[1].res.Message.ID, out[1].res.Created, before.ID)
	}
	var n int
	must(t, f.store.DB.NewRaw(`SELECT count(*) FROM messages WHERE conversation_id = ?`, f.bookingConv).Scan(ctx, &n))
	if n != 3 { // earlier, first, twice
		t.Errorf("%d messages in the thread, want 3", n)
	}
}

// checkOutcomes compares each send's error with want (nil: sent, its own message; a sentinel:
// that error; any other: some error).
func checkOutcomes(t *testing.T, sends []batchSend, out []sendOutcome, want []error) {
	t.Helper()
	for i, o := range out {
		switch w := want[i]; {
		case w == nil && o.err != nil:
			t.Errorf("send %d (%s): %v, want sent", i, sends[i].in.Body, o.err)
		case w == nil && o.res.Message.Body != sends[i].in.Body && o.res.Created:
			t.Errorf("send %d (%s): answered %q", i, sends[i].in.Body, o.res.Message.Body)
		case w != nil && o.err == nil:
			t.Errorf("send %d (%s): sent, want %v", i, sends[i].in.Body, w)
		case w != nil && w.Error() != "any" && !errors.Is(o.err, w):
			t.Errorf("send %d (%s): %v, want %v", i, sends[i].in.Body, o.err, w)
		}
	}
}

func stringOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// A queued send whose caller leaves before a batch takes it leaves the queue unsent.
func TestAQueuedSendItsCallerLeftIsNotSent(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queued := make(chan int, 1)
	f.store.SetSendBatching(1, 64, func(n int) { queued <- n })
	ola := viewer("co-ola", db.RoleCarOwner, "")
	tx := beginTx(ctx, t, f.store)
	defer func() { _ = tx.Rollback() }()
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM conversations WHERE id = ? FOR UPDATE", f.bookingConv)
	must(t, err)
	first := make(chan error, 1)
	go func() {
		_, err := f.store.Send(ctx, ola, db.SendInput{ConversationID: f.bookingConv, Body: "first"})
		first <- err
	}()
	waitForLockWait(ctx, t, f.store)
	leaving, leave := context.WithCancel(ctx)
	left := make(chan error, 1)
	go func() {
		_, err := f.store.Send(leaving, ola, db.SendInput{ConversationID: f.bookingConv, Body: "left"})
		left <- err
	}()
	<-queued
	leave()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("the send whose caller left: %v, want context.Canceled", err)
	}
	must(t, tx.Commit())
	must(t, <-first)
	var bodies []string
	must(t, f.store.DB.NewRaw(`SELECT array_agg(body ORDER BY id) FROM messages WHERE conversation_id = ?`, f.bookingConv).
		Scan(ctx, pgdialect.Array(&bodies)))
	if got := strings.Join(bodies, " "); got != "first" {
		t.Errorf("the thread holds %q, want only the first send", got)
	}
}

// holdFirstSend starts a send by co-ola into the booking thread, whose row the returned
// transaction holds, and waits until it waits for that lock: one send in flight.
func holdFirstSend(ctx context.Context, t *testing.T, f *notifyFixture) (bun.Tx, <-chan error) {
	t.Helper()
	tx := beginTx(ctx, t, f.store)
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM conversations WHERE id = ? FOR UPDATE", f.bookingConv)
	must(t, err)
	first := make(chan error, 1)
	go func() {
		_, err := f.store.Send(ctx, viewer("co-ola", db.RoleCarOwner, ""), db.SendInput{ConversationID: f.bookingConv, Body: "first"})
		first <- err
	}()
	waitForLockWait(ctx, t, f.store)
	return tx, first
}

// While a send is in flight, another waits for the next batch even though slots are free:
// statements that carry several sends cost PostgreSQL less per send.
func TestASendWhileAnotherIsInFlightQueues(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queued := make(chan int, 1)
	f.store.SetSendBatching(4, 64, func(n int) { queued <- n })
	tx, first := holdFirstSend(ctx, t, f)
	defer func() { _ = tx.Rollback() }()
	kari := viewer("co-kari", db.RoleCarOwner, "")
	second := make(chan error, 1)
	go func() {
		_, err := f.store.Send(ctx, kari, db.SendInput{ConversationID: threadOf(t, f.store, kari, 7002), Body: "second"})
		second <- err
	}()
	select {
	case n := <-queued:
		if n != 1 {
			t.Errorf("the second send joined a queue of %d, want 1", n)
		}
	case err := <-second:
		t.Fatalf("the second send ran alone while the first was in flight (err %v), want it queued", err)
	}
	must(t, tx.Commit())
	must(t, <-first)
	must(t, <-second)
}

// Once enough sends wait and a slot is free, they go out at once in a statement of their own,
// without waiting for the send in flight.
func TestAGrowingQueueTakesAFreeSlot(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f.store.SetSendBatching(2, 64, nil)
	f.store.SetSendGrowth(2)
	tx, first := holdFirstSend(ctx, t, f)
	defer func() { _ = tx.Rollback() }()
	kari, per := viewer("co-kari", db.RoleCarOwner, ""), viewer("usr_per", db.RoleBuyer, "")
	kariConv := threadOf(t, f.store, kari, 7002)
	done := make(chan error, 2)
	for _, s := range []batchSend{{kari, db.SendInput{ConversationID: kariConv, Body: "k1"}},
		{per, db.SendInput{ConversationID: f.listingConv, Body: "p1"}}} {
		go func() {
			_, err := f.store.Send(ctx, s.v, s.in)
			done <- err
		}()
	}
	for range 2 {
		select {
		case err := <-done:
			must(t, err)
		case err := <-first:
			t.Fatalf("the queued sends still waited when the send in flight ended (%v)", err)
		case <-ctx.Done():
			t.Fatal("the queued sends waited for the send in flight")
		}
	}
	must(t, tx.Commit())
	must(t, <-first)
}

// A batch writes what the same sends one at a time write: messages, unread counts, threads
// brought back from the archive and the bin, notifications (none for a party that muted the
// thread, one per workshop user), and each send's answer. Only the message ids differ (a
// batch takes them in thread order), so rows are compared by message text.
func TestABatchWritesWhatOneByOneWrites(t *testing.T) {
	ola, kari := viewer("co-ola", db.RoleCarOwner, ""), viewer("co-kari", db.RoleCarOwner, "")
	per, anne := viewer("usr_per", db.RoleBuyer, ""), viewer("usr_anne", db.RoleSeller, "")
	shop := viewer("ws-a1", db.RoleWorkshop, orgA)
	sameAsOneByOne(t, func(f *notifyFixture) []batchSend {
		ctx := context.Background()
		kariConv := threadOf(t, f.store, kari, 7002)
		must(t, f.store.SetArchived(ctx, ola, f.bookingConv, true))
		must(t, f.store.DeleteConversation(ctx, anne, f.listingConv))
		must(t, f.store.SetMuted(ctx, shop, kariConv, true, nil))
		return []batchSend{
			{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a1"}},
			{kari, db.SendInput{ConversationID: kariConv, Body: "k1"}},
			{per, db.SendInput{ConversationID: f.listingConv, Body: "p1"}},
			{shop, db.SendInput{ConversationID: f.bookingConv, Body: "w1", WorkshopOrgNr: orgA}},
			{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a2", ClientMessageID: "c-a2"}},
			{shop, db.SendInput{ConversationID: kariConv, Body: "w2"}},
			{per, db.SendInput{ConversationID: f.listingConv, Body: "p2"}},
		}
	})
}

// With webhooks subscribed, a batch enqueues the events one by one would: each send's
// message.received, then its notification.created, to the endpoints whose owner takes part.
func TestABatchWithWebhooksWritesWhatOneByOneWrites(t *testing.T) {
	ola, kari := viewer("co-ola", db.RoleCarOwner, ""), viewer("co-kari", db.RoleCarOwner, "")
	per, shop := viewer("usr_per", db.RoleBuyer, ""), viewer("ws-a1", db.RoleWorkshop, orgA)
	sameAsOneByOne(t, func(f *notifyFixture) []batchSend {
		exec(t, f.store, `INSERT INTO webhook_endpoints (url, events, owner_party, secret) VALUES
			('https://all.example', '{message.received,notification.created}', NULL, 's'),
			('https://shop-a.example', '{notification.created}', ?, 's'),
			('https://kari.example', '{message.received}', 'co-kari', 's')`, "org:"+orgA)
		kariConv := threadOf(t, f.store, kari, 7002)
		return []batchSend{
			{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a1"}},
			{kari, db.SendInput{ConversationID: kariConv, Body: "k1"}},
			{per, db.SendInput{ConversationID: f.listingConv, Body: "p1"}},
			{shop, db.SendInput{ConversationID: f.bookingConv, Body: "w1"}},
			{ola, db.SendInput{ConversationID: f.bookingConv, Body: "a2"}},
		}
	})
}

// A party that deleted a thread may send once another's send in the same batch brought it
// back, as one by one. The set path's check sees the party's thread deleted, so this batch
// takes the fallback through parley_send, send after send.
func TestABatchBringsAThreadBackBeforeItsPartySends(t *testing.T) {
	per, anne := viewer("usr_per", db.RoleBuyer, ""), viewer("usr_anne", db.RoleSeller, "")
	sameAsOneByOne(t, func(f *notifyFixture) []batchSend {
		must(t, f.store.DeleteConversation(context.Background(), anne, f.listingConv))
		return []batchSend{
			{per, db.SendInput{ConversationID: f.listingConv, Body: "p1"}},
			{anne, db.SendInput{ConversationID: f.listingConv, Body: "n1"}},
		}
	})
}

// sameAsOneByOne sends setup's sends as one batch on one fixture and one at a time on another,
// and compares the answers and the rows written.
func sameAsOneByOne(t *testing.T, setup func(*notifyFixture) []batchSend) {
	t.Helper()
	batched := newNotifyFixture(t)
	out, _ := sendTogether(t, batched, setup(batched))
	if st := batched.store.SendStats(); st.Batches != 1 || st.Alone != 1 {
		t.Fatalf("%d batches committed and %d sends alone, want the first alone and the rest in 1 batch", st.Batches, st.Alone)
	}
	single := newNotifyFixture(t)
	sends := setup(single)
	ola := viewer("co-ola", db.RoleCarOwner, "")
	_, err := single.store.Send(context.Background(), ola, db.SendInput{ConversationID: single.bookingConv, Body: "first"})
	must(t, err)
	for i, s := range sends {
		res, err := single.store.Send(context.Background(), s.v, s.in)
		if g, w := answerOf(out[i]), answerOf(sendOutcome{res, err}); g != w {
			t.Errorf("send %d answered\n %s\nwant, as one by one:\n %s", i, g, w)
		}
	}
	if g, w := writtenBy(t, batched.store), writtenBy(t, single.store); g != w {
		t.Errorf("the batch wrote\n%s\nwant, as one by one:\n%s", g, w)
	}
}

// answerOf is what a send answered, without ids and times.
func answerOf(o sendOutcome) string {
	if o.err != nil {
		return "error: " + o.err.Error()
	}
	m, th := o.res.Message, o.res.Thread
	return fmt.Sprintf("created %v, %s by %s as %s; thread %s: %d messages, last is its own %v, viewer %s unread %d, archived %v",
		o.res.Created, m.Body, stringOf(m.SenderUserID), m.SenderRole, th.Kind, th.MessageCount,
		th.LastMessageID != nil && *th.LastMessageID == m.ID, th.ViewerRole, th.UnreadCount, th.ArchivedAt != nil)
}

// writtenBy lists the rows sends write, with message ids replaced by the messages' text.
func writtenBy(t *testing.T, s *db.Store) string {
	t.Helper()
	var lines []string
	for _, q := range []string{
		`SELECT concat_ws(' ', m.conversation_id, m.sender_party_id, m.sender_user_id, m.sender_role, m.type, m.body, m.client_message_id)
			FROM messages AS m ORDER BY m.conversation_id, m.id`,
		`SELECT concat_ws(' ', p.conversation_id, p.party_id, p.unread_count, p.archived_at IS NULL, p.deleted_at IS NULL,
			p.last_activity_at = c.last_activity_at) FROM participants AS p JOIN conversations AS c ON c.id = p.conversation_id
			ORDER BY 1`,
		`SELECT concat_ws(' ', c.id, c.message_count, m.body) FROM conversations AS c LEFT JOIN messages AS m ON m.id = c.last_message_id
			ORDER BY c.id`,
		`SELECT concat_ws(' ', n.user_id, n.type, n.title, n.body, n.data - 'message_id', (n.data->>'message_id')::bigint = n.message_id,
			n.conversation_id, m.body) FROM notifications AS n JOIN messages AS m ON m.id = n.message_id ORDER BY 1`,
		`SELECT concat_ws(' ', party_id, kind, sum(threads), sum(unread)) FROM inbox_totals GROUP BY party_id, kind ORDER BY 1`,
		// Webhook events by thread, message and user, without ids and times (a batch takes
		// ids thread by thread); the endpoints each is for.
		`SELECT concat_ws(' ', e.type, e.data #- '{message,id}' #- '{message,sent_at}' #- '{conversation,created_at}'
				#- '{notification,id}' #- '{notification,created_at}' #- '{notification,data,message_id}',
			(SELECT array_agg(w.url ORDER BY w.url) FROM webhook_deliveries AS d JOIN webhook_endpoints AS w ON w.id = d.endpoint_id
				WHERE d.event_id = e.id)) FROM webhook_events AS e
			ORDER BY coalesce(e.data #>> '{conversation,id}', e.data #>> '{notification,data,conversation_id}'),
				substr(coalesce(e.data #>> '{message,id}', e.data #>> '{notification,data,message_id}'), 5)::bigint,
				e.type = 'notification.created', e.data #>> '{notification,user_id}'`,
	} {
		rows, err := s.DB.QueryContext(context.Background(), q)
		must(t, err)
		for rows.Next() {
			var line string
			must(t, rows.Scan(&line))
			lines = append(lines, line)
		}
		must(t, rows.Err())
		rows.Close()
		lines = append(lines, "--")
	}
	return strings.Join(lines, "\n")
}

// A batch locks participant rows in key order, as MarkDeliveredBatch does: a transaction that
// holds the first row and then takes the rest in that order waits for nothing, where a batch
// that updated them in its join's order held some of them and deadlocked with it.
func TestABatchLocksParticipantsInKeyOrder(t *testing.T) {
	f := newNotifyFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kari := viewer("co-kari", db.RoleCarOwner, "")
	var convs []int64
	for id := int64(7100); id < 7116; id++ {
		must(t, f.store.UpsertBooking(ctx, &db.Booking{ID: id, CarOwnerID: "co-kari", WorkshopOrgNr: orgA}))
		convs = append(convs, threadOf(t, f.store, kari, id))
	}
	// Rewritten, the first thread's rows come last in a scan of the table: an update that
	// locks in scan order takes every other row before it.
	exec(t, f.store, `UPDATE participants SET unread_count = unread_count WHERE conversation_id = ?`, convs[0])
	tx := beginTx(ctx, t, f.store)
	_, err := tx.ExecContext(ctx, `SELECT FROM participants WHERE conversation_id = ? AND party_id = 'co-kari' FOR NO KEY UPDATE`, convs[0])
	must(t, err)
	sent := make(chan error, 1)
	go func() {
		n := len(convs)
		each := func(v string) []string { return slices.Repeat([]string{v}, n) }
		_, err := f.store.DB.ExecContext(ctx, `SELECT * FROM parley_send_set(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pgdialect.Array(convs), pgdialect.Array(each("co-kari")), pgdialect.Array(each("co-kari")), pgdialect.Array(each("booking")),
			pgdialect.Array(each("text")), pgdialect.Array(each("hei")), pgdialect.Array(make([]*int64, n)), pgdialect.Array(each("")),
			pgdialect.Array(each("")), pgdialect.Array(each("t")), pgdialect.Array(each("p")), pgdialect.Array(make([]*int64, n)))
		sent <- err
	}()
	waitForLockWait(ctx, t, f.store)
	if _, err := tx.ExecContext(ctx, `SELECT FROM participants WHERE conversation_id IN (?)
		ORDER BY conversation_id, party_id FOR NO KEY UPDATE`, bun.In(convs)); err != nil {
		t.Fatalf("taking the rows in key order while the batch waits: %v", err)
	}
	must(t, tx.Commit())
	must(t, <-sent)
}
