package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// Group commit of sends. A send that finds no other in flight runs alone, exactly as before
// (the prepared parley_send), so a lone sender never waits. Sends that arrive while one is in
// flight queue up; when a slot's statement is done, the slot runs what queued meanwhile as one
// autocommit statement, and when sendGrowAt sends wait while a slot is free, that slot starts
// such a statement at once. So statements carry several sends each under load (each
// statement's commit and executor start cost PostgreSQL more than a send's rows), and more
// statements run at once only when the queue grows. A batch is parley_send_set (set by set,
// threads locked in id order, so two batches lock them in the same order; migration
// 20261201000210), one commit for all. Each send is still committed before its caller gets the
// answer, and wakes the hubs itself. A batch that PostgreSQL fails as a whole (a deadlock, a
// lost clientMessageId race, a bad template id) wrote nothing and is run again one send at a
// time, so one send's failure is its own; parley_send's refusals are per send anyway.
// BENCHMARKS.md, "Sends: group commit again, quiet machine (issue 11, session 7)".
const (
	defaultSendSlots = 4  // sends or batches in flight at once
	defaultSendBatch = 16 // sends in one batch
	sendGrowAt       = 8  // sends waiting that start another statement while a slot is free
	sendBatchTimeout = 30 * time.Second
)

// sendQueue holds the sends waiting for a batch.
type sendQueue struct {
	mu           sync.Mutex
	slots, batch int // bounds: slots in flight, sends per batch
	growAt       int // sends waiting that take a free slot at once
	running      int // slots in use
	waiting      []*queuedSend
	queued       func(n int)  // tests: told the queue's length after a send joins it
	alone        atomic.Int64 // sends that ran in a statement of their own
	batches      atomic.Int64 // batch statements that committed
	batched      atomic.Int64 // sends in those
}

// SendStats says how well group commit works here: sends that ran alone, batch statements
// that committed and the sends in them (a batch sent again one by one counts as alone).
type SendStats struct{ Alone, Batches, Batched int64 }

// SendStats are this process's counts since it started.
func (s *Store) SendStats() SendStats {
	q := s.sends
	if q == nil {
		return SendStats{}
	}
	return SendStats{Alone: q.alone.Load(), Batches: q.batches.Load(), Batched: q.batched.Load()}
}

// queuedSend is one send in the queue and, once done is closed, its outcome.
type queuedSend struct {
	v    Viewer
	in   SendInput
	done chan struct{}
	row  *sendRow
	err  error
}

func newSendQueue() *sendQueue {
	return &sendQueue{slots: defaultSendSlots, batch: defaultSendBatch, growAt: sendGrowAt}
}

// sendGrouped sends a validated message: alone when no send is in flight, else in a batch.
// A send with files, or one traced into its webhook events, always runs alone.
func (s *Store) sendGrouped(ctx context.Context, v Viewer, in SendInput) (*sendRow, error) {
	q := s.sends
	if q == nil {
		return sendAlone(ctx, s.DB, v, in)
	}
	if _, traced := traceparent(ctx); traced || len(in.Attachments) > 0 {
		q.alone.Add(1)
		return sendAlone(ctx, s.DB, v, in)
	}
	q.mu.Lock()
	if q.running == 0 {
		q.running++
		q.mu.Unlock()
		q.alone.Add(1)
		r, err := sendAlone(ctx, s.DB, v, in)
		s.releaseSlot()
		return r, err
	}
	p := &queuedSend{v: v, in: in, done: make(chan struct{})}
	q.waiting = append(q.waiting, p)
	if q.queued != nil {
		q.queued(len(q.waiting))
	}
	if len(q.waiting) >= q.growAt && q.running < q.slots {
		q.running++
		go s.drainSends()
	}
	q.mu.Unlock()
	select {
	case <-p.done:
	case <-ctx.Done():
		q.mu.Lock()
		if i := slices.Index(q.waiting, p); i >= 0 { // not taken yet: it leaves
			q.waiting = slices.Delete(q.waiting, i, i+1)
			q.mu.Unlock()
			return nil, ctx.Err()
		}
		q.mu.Unlock()
		<-p.done // taken: it is committed or failed, never abandoned
	}
	return p.row, p.err
}

// releaseSlot gives a slot back, or, when sends queued meanwhile, keeps it for a goroutine
// that sends them batch by batch until the queue is empty.
func (s *Store) releaseSlot() {
	q := s.sends
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 {
		q.running--
		return
	}
	go s.drainSends()
}

// drainSends runs batches until none is waiting, then gives its slot back.
func (s *Store) drainSends() {
	q := s.sends
	for {
		q.mu.Lock()
		n := min(len(q.waiting), q.batch)
		if n == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		batch := slices.Clone(q.waiting[:n])
		q.waiting = slices.Delete(q.waiting, 0, n)
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), sendBatchTimeout)
		runBatch(ctx, s.DB, batch, q)
		cancel()
		for _, p := range batch {
			close(p.done)
		}
	}
}

// runBatch sends a batch; every send gets a row or its own error.
func runBatch(ctx context.Context, bdb *bun.DB, batch []*queuedSend, q *sendQueue) {
	if len(batch) > 1 {
		slices.SortStableFunc(batch, func(a, b *queuedSend) int { return cmp.Compare(a.in.ConversationID, b.in.ConversationID) })
		rows, err := sendBatch(ctx, bdb, batch)
		if err == nil {
			q.batches.Add(1)
			q.batched.Add(int64(len(batch)))
			for i, p := range batch {
				if p.err = rows[i].refusal(p.in); p.err == nil {
					p.row = rows[i]
				}
			}
			return
		}
		if pgCode(err) == "" {
			// Not PostgreSQL's answer (the connection broke, the deadline passed): the batch
			// may have committed, so nothing is sent again.
			for _, p := range batch {
				p.err = err
			}
			return
		}
		// PostgreSQL failed the statement, so it wrote nothing: one send at a time.
	}
	q.alone.Add(int64(len(batch)))
	for _, p := range batch {
		p.row, p.err = sendAlone(ctx, bdb, p.v, p.in)
	}
}

// sendAlone is one send in its own statement, tried once more after a deadlock.
func sendAlone(ctx context.Context, bdb *bun.DB, v Viewer, in SendInput) (*sendRow, error) {
	r, err := send(ctx, bdb, v, in)
	if isDeadlock(err) {
		// One autocommit statement wrote nothing; counter rows in shards shared by chance
		// can meet in either order, so one more try is safe.
		r, err = send(ctx, bdb, v, in)
	}
	if err != nil {
		return nil, sendError(err)
	}
	return r, nil
}

// sendBatchStmt sends a batch through parley_send_set, in the arrays' order. A batch has no
// attachments (a send with files runs alone); no workshop is the empty string.
var sendBatchStmt = &prepared{name: "parley_send_batch_go",
	params: "bigint[], text[], text[], text[], text[], text[], bigint[], text[], text[], text[], text[], bigint[]",
	body: func() string {
		return `SELECT * FROM parley_send_set($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	}}

// sendBatch runs a batch in one autocommit statement and returns its rows in batch order.
func sendBatch(ctx context.Context, bdb *bun.DB, batch []*queuedSend) ([]*sendRow, error) {
	n := len(batch)
	convs := make([]int64, n)
	templates, replies := make([]*int64, n), make([]*int64, n)
	cols := make([][]string, 9)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	for i, p := range batch {
		convs[i], templates[i], replies[i] = p.in.ConversationID, p.in.TemplateID, p.in.ReplyToID
		for j, x := range []string{p.v.Party(), p.v.UserID, p.v.Kind(), p.in.Type, p.in.Body,
			p.in.ClientMessageID, p.in.WorkshopOrgNr, sendTitle(p.v), previewOf(p.in.Body)} {
			cols[j][i] = x
		}
	}
	args := []any{pgArray(convs), pgArray(cols[0]), pgArray(cols[1]), pgArray(cols[2]), pgArray(cols[3]), pgArray(cols[4]),
		pgArray(templates), pgArray(cols[5]), pgArray(cols[6]), pgArray(cols[7]), pgArray(cols[8]), pgArray(replies)}
	var out []*sendRow
	err := onPrepared(ctx, bdb, sendBatchStmt, len(args), func(conn bun.Conn, exec string) error {
		out = out[:0]
		rows, err := conn.QueryContext(ctx, exec, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if len(out) == n {
				return fmt.Errorf("more than %d rows", n)
			}
			p := batch[len(out)]
			r, err := scanSend(rows, p.v, p.in.ConversationID)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("send batch: %w", err)
	}
	if len(out) != n {
		return nil, fmt.Errorf("send batch: %d rows for %d sends", len(out), n)
	}
	return out, nil
}
