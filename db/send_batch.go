package db

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Group commit of sends. Sends that arrive while batches are in flight wait for the next one:
// one autocommit statement runs parley_send for each of them (LATERAL, in conversation order,
// so two batches lock conversations in the same order), then one NOTIFY wakes the hubs for
// all. Each send is still committed before its caller gets the answer; a batch that fails as
// a whole (a deadlock, a lost clientMessageId race, any error) is run again one send at a
// time, so one send's failure is its own. A send that finds no batch in flight runs alone,
// exactly as before. What a batch saves is PostgreSQL's per-statement and per-commit work
// (BENCHMARKS.md, "Sends (session 5)").
const (
	maxSendBatches = 4  // batches in flight at once
	maxSendBatch   = 16 // sends in one batch
)

// sendQueue holds the sends waiting for a batch.
type sendQueue struct {
	mu      sync.Mutex
	waiting []*queuedSend
	running int
}

// queuedSend is one send in the queue and, once done is closed, its outcome.
type queuedSend struct {
	v    Viewer
	in   SendInput
	done chan struct{}
	row  *sendRow
	err  error
}

// sendQueued runs a validated send without attachments through the queue.
func (s *Store) sendQueued(ctx context.Context, v Viewer, in SendInput) (*sendRow, error) {
	q := &s.sends
	p := &queuedSend{v: v, in: in, done: make(chan struct{})}
	q.mu.Lock()
	q.waiting = append(q.waiting, p)
	lead := q.running < maxSendBatches
	if lead {
		q.running++
	}
	q.mu.Unlock()
	// The leader runs batches until its own send is done, then leaves the rest of the queue
	// to a goroutine that holds its slot until the queue is empty.
	for lead && s.runQueued(ctx) {
		select {
		case <-p.done:
			go s.drainSends(ctx)
			lead = false
		default:
		}
	}
	<-p.done // the batch has its own deadline: a send is committed or failed, never abandoned
	return p.row, p.err
}

// drainSends runs batches until none is waiting, then gives its slot back.
func (s *Store) drainSends(ctx context.Context) {
	for s.runQueued(ctx) {
	}
}

// runQueued runs one batch of the waiting sends, or gives the slot back when none waits.
func (s *Store) runQueued(ctx context.Context) bool {
	q := &s.sends
	q.mu.Lock()
	n := min(len(q.waiting), maxSendBatch)
	if n == 0 {
		q.running--
		q.mu.Unlock()
		return false
	}
	batch := slices.Clone(q.waiting[:n])
	q.waiting = slices.Delete(q.waiting, 0, n)
	q.mu.Unlock()
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	s.runBatch(bctx, batch)
	for _, p := range batch {
		close(p.done)
	}
	return true
}

// runBatch sends a batch and wakes the hubs; every send gets a row or an error.
func (s *Store) runBatch(ctx context.Context, batch []*queuedSend) {
	if len(batch) > 1 {
		slices.SortStableFunc(batch, func(a, b *queuedSend) int { return cmp.Compare(a.in.ConversationID, b.in.ConversationID) })
		if rows, err := sendBatch(ctx, s, batch); err == nil {
			for i, p := range batch {
				p.row, p.err = rows[i], rows[i].refusal(p.in)
			}
			s.wakeAll(ctx, rows)
			return
		}
		// Fall through: one at a time, each with its own error.
	}
	for _, p := range batch {
		p.row, p.err = sendAlone(ctx, s, p.v, p.in)
		if p.err == nil {
			s.wakeAll(ctx, []*sendRow{p.row})
		}
	}
}

// sendAlone is one send in its own statement, tried once more after a deadlock.
func sendAlone(ctx context.Context, s *Store, v Viewer, in SendInput) (*sendRow, error) {
	r, err := send(ctx, s.DB, v, in)
	if isDeadlock(err) {
		// One autocommit statement wrote nothing; counter rows in shards shared by chance
		// can meet in either order, so one more try is safe.
		r, err = send(ctx, s.DB, v, in)
	}
	if err != nil {
		return nil, sendError(err)
	}
	return r, nil
}

// sendBatchSQL runs parley_send once per element of the arrays, in their order. A batch has
// no attachments (a send with files runs alone); no template is 0, no workshop the empty string.
const sendBatchSQL = `SELECT s.* FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
		?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])
		WITH ORDINALITY AS a (conv, party, sender, kind, typ, body, template, client_id, workshop, title, preview, i)
	CROSS JOIN LATERAL parley_send(a.conv, a.party, a.sender, a.kind, a.typ, a.body, nullif(a.template, 0), a.client_id,
		nullif(a.workshop, ''), a.title, a.preview, '{}', '{}', '{}', '{}', '{}', '{}') AS s
	ORDER BY a.i`

// sendBatch runs a batch in one autocommit statement and returns its rows in batch order.
func sendBatch(ctx context.Context, s *Store, batch []*queuedSend) ([]*sendRow, error) {
	n := len(batch)
	convs, templates := make([]int64, n), make([]int64, n)
	cols := make([][]string, 10)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	for i, p := range batch {
		a := sendArgs(p.v, p.in)
		convs[i] = p.in.ConversationID
		if p.in.TemplateID != nil {
			templates[i] = *p.in.TemplateID
		}
		for j, v := range []string{p.v.Party(), p.v.UserID, p.v.Kind(), p.in.Type, p.in.Body, "", p.in.ClientMessageID, p.in.WorkshopOrgNr, a.title, a.preview} {
			cols[j][i] = v
		}
	}
	rows, err := s.DB.QueryContext(ctx, sendBatchSQL, pgArray(convs), pgArray(cols[0]), pgArray(cols[1]), pgArray(cols[2]),
		pgArray(cols[3]), pgArray(cols[4]), pgArray(templates), pgArray(cols[6]), pgArray(cols[7]), pgArray(cols[8]), pgArray(cols[9]))
	if err != nil {
		return nil, fmt.Errorf("send batch: %w", err)
	}
	defer rows.Close()
	out := make([]*sendRow, 0, n)
	for rows.Next() {
		if len(out) == n {
			return nil, fmt.Errorf("send batch: more than %d rows", n)
		}
		p := batch[len(out)]
		r, err := scanSend(rows, p.v, p.in.ConversationID)
		if err != nil {
			return nil, fmt.Errorf("send batch: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("send batch: %w", err)
	}
	if len(out) != n {
		return nil, fmt.Errorf("send batch: %d rows for %d sends", len(out), n)
	}
	return out, nil
}

// wakeAll wakes the live hubs for the new messages of a batch in one statement.
func (s *Store) wakeAll(ctx context.Context, rows []*sendRow) {
	var channels, payloads []string
	for _, r := range rows {
		if r == nil || !r.res.Created || r.code != "" {
			continue
		}
		m := r.res.Message
		channels = append(channels, ChannelMessages)
		payloads = append(payloads, "m "+strconv.FormatInt(m.ID, 10)+" "+strconv.FormatInt(m.ConversationID, 10))
		for i, id := range r.noteIDs {
			channels = append(channels, ChannelState)
			payloads = append(payloads, "n "+r.noteUsers[i]+" "+strconv.FormatInt(id, 10))
		}
	}
	if len(channels) == 0 {
		return
	}
	wakeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := wake(wakeCtx, s.DB, channels, payloads); err != nil {
		slog.Warn("wake the live hubs after a send", "messages", len(rows), "err", err)
	}
}
