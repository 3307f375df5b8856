package db

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// SendInTx lets tests hold a send's transaction open.
func (s *Store) SendInTx(ctx context.Context, tx bun.Tx, v Viewer, in SendInput) (*Message, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := send(ctx, tx, v, in)
	if err != nil {
		return nil, err
	}
	return r.res.Message, r.wake(ctx, tx)
}

// GoWebhookData is the data Go's wire functions give the message.received event of message
// msgID and the notification.created events of its notifications, in id order: tests compare
// it with what parley_send wrote.
func (s *Store) GoWebhookData(ctx context.Context, msgID int64) (received any, notes []any, err error) {
	m := new(Message)
	if err := s.DB.NewSelect().Model(m).Where("id = ?", msgID).Scan(ctx); err != nil {
		return nil, nil, err
	}
	var atts []*Attachment
	if err := s.DB.NewSelect().Model(&atts).Where("message_id = ?", msgID).Order("id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	c, parts, err := conversationFacts(ctx, s.DB, m.ConversationID)
	if err != nil {
		return nil, nil, err
	}
	received = map[string]any{"conversation": conversationWire(c, parts), "message": messageWire(m, atts)}
	var ns []*Notification
	if err := s.DB.NewSelect().Model(&ns).Where("message_id = ?", msgID).Order("id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	for _, n := range ns {
		notes = append(notes, map[string]any{"notification": notificationWire(n)})
	}
	return received, notes, nil
}

// InboxDisplaySQL is the text of InboxDisplay's per-thread statement with the arguments of
// a page in place, for EXPLAIN.
func (s *Store) InboxDisplaySQL(party string, threads []*Thread) string {
	body := threadDisplayStmt.body()
	args := threadDisplayArgs(party, threads)
	for i := len(args); i >= 1; i-- {
		body = strings.ReplaceAll(body, dollar(i), "?"+strconv.Itoa(i-1))
	}
	return s.DB.NewRaw(body, args...).String()
}

// SetSendBatching bounds group commit: slots sends or batches in flight, batch sends in one,
// and calls queued with the queue's length each time a send joins it.
func (s *Store) SetSendBatching(slots, batch int, queued func(n int)) {
	s.sends.mu.Lock()
	defer s.sends.mu.Unlock()
	s.sends.slots, s.sends.batch, s.sends.queued = slots, batch, queued
}

// SetSendGrowth sets how many waiting sends start another statement while a slot is free.
func (s *Store) SetSendGrowth(growAt int) {
	s.sends.mu.Lock()
	defer s.sends.mu.Unlock()
	s.sends.growAt = growAt
}
