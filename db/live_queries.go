package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Reads for live delivery. The live hub reads every new message once, in id order, and checks
// against the current participants who may receive it.

// MessagesAfter lists messages with ids above after and at most upTo, oldest first, at most
// limit.
func (s *Store) MessagesAfter(ctx context.Context, after, upTo int64, limit int) ([]*Message, error) {
	var msgs []*Message
	err := s.DB.NewSelect().Model(&msgs).Where("m.id > ? AND m.id <= ?", after, upTo).Order("m.id").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read new messages: %w", err)
	}
	return msgs, nil
}

// Audience is who may see a conversation now: its kind and its current participants.
type Audience struct {
	Kind    string
	Parties map[string]*Participant
}

// Audiences loads the current participants of conversations, by conversation.
func (s *Store) Audiences(ctx context.Context, conversationIDs []int64) (map[int64]*Audience, error) {
	var rows []struct {
		Participant
		Kind string `bun:"kind"`
	}
	err := s.DB.NewSelect().TableExpr("participants AS p").ColumnExpr("p.*, c.kind").
		Join("JOIN conversations AS c ON c.id = p.conversation_id").
		Where("p.conversation_id IN (?)", bun.In(conversationIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load audiences: %w", err)
	}
	out := make(map[int64]*Audience, len(conversationIDs))
	for i := range rows {
		r := &rows[i]
		a := out[r.ConversationID]
		if a == nil {
			a = &Audience{Kind: r.Kind, Parties: map[string]*Participant{}}
			out[r.ConversationID] = a
		}
		p := r.Participant
		a.Parties[p.PartyID] = &p
	}
	return out, nil
}

// Includes reports whether the viewer takes part in the conversation now.
func (a *Audience) Includes(v Viewer) bool {
	if a == nil || a.Kind != v.Kind() {
		return false
	}
	p := a.Parties[v.Party()]
	return p != nil && p.DeletedAt == nil
}

// Sees reports whether the viewer may see message id of this conversation now.
func (a *Audience) Sees(v Viewer, messageID int64) bool {
	return a.Includes(v) && messageID > a.Parties[v.Party()].HiddenUpTo
}

// ViewerMessagesAfter lists messages above after and at most upTo that the viewer can see, in
// one conversation (or all of theirs when conversationID is 0), oldest first, with read state.
func (s *Store) ViewerMessagesAfter(ctx context.Context, v Viewer, conversationID, after, upTo int64, limit int) ([]*Message, error) {
	var msgs []*Message
	q := s.messageQuery(v.Party(), &msgs).
		Join("JOIN participants AS p ON p.conversation_id = m.conversation_id AND p.party_id = ?", v.Party()).
		Join("JOIN conversations AS c ON c.id = m.conversation_id").
		Where("m.id > ? AND m.id <= ? AND c.kind = ? AND p.deleted_at IS NULL AND m.id > p.hidden_up_to", after, upTo, v.Kind()).
		Order("m.id").Limit(limit)
	if conversationID > 0 {
		q.Where("m.conversation_id = ?", conversationID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("replay messages: %w", err)
	}
	setViewer(msgs, v.Party())
	return msgs, nil
}

// NotificationsAfter lists notifications with ids above after and at most upTo, oldest
// first, at most limit; the hub hands each to a subscriber through Notification.For.
func (s *Store) NotificationsAfter(ctx context.Context, after, upTo int64, limit int) ([]*Notification, error) {
	var ns []*Notification
	err := withReaderText(s.DB.NewSelect().Model(&ns)).Where("n.id > ? AND n.id <= ?", after, upTo).Order("n.id").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read new notifications: %w", err)
	}
	return ns, nil
}

// AnnounceTyping tells the conversation's other participants, on every replica, that the
// viewer is typing. Nothing is stored.
func (s *Store) AnnounceTyping(ctx context.Context, v Viewer, conversationID int64) error {
	if _, err := s.Thread(ctx, v, conversationID); err != nil {
		return err
	}
	return emit(ctx, s.DB, ChannelEphemeral, "t", conversationID, v.UserID)
}
