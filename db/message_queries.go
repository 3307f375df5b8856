package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MessagePage selects a window of a thread by id. With Before or neither, it is the newest
// Limit messages before that id (the default, newest page first); with After, the oldest Limit
// after it. Offset skips that many from where the page starts (page-numbered clients);
// BeforeTime keeps messages sent before it. Results are always oldest first.
type MessagePage struct {
	Limit      int
	Before     int64
	After      int64
	Offset     int
	BeforeTime *time.Time
	// FromOldest pages forward from the start of the thread (with Offset, or After).
	FromOldest bool
}

// MessageList is one page of a thread.
type MessageList struct {
	Messages []*Message
	HasMore  bool // more in the direction paged
}

// readAtExpr is when the message was read, relative to party ?0: by ?0 for others' messages,
// by anyone else for ?0's own.
const readAtExpr = `(SELECT min(r.read_at) FROM message_reads AS r WHERE r.message_id = m.id
	AND CASE WHEN m.sender_party_id = ?0 THEN r.party_id <> ?0 ELSE r.party_id = ?0 END) AS read_at`

func (s *Store) messageQuery(party string, dst *[]*Message) *bun.SelectQuery {
	return s.DB.NewSelect().Model(dst).
		ColumnExpr("m.*").
		ColumnExpr(readAtExpr, party)
}

// Messages pages through a thread the viewer takes part in.
func (s *Store) Messages(ctx context.Context, v Viewer, t *Thread, p MessagePage) (*MessageList, error) {
	var msgs []*Message
	q := s.messageQuery(v.Party(), &msgs).
		Where("m.conversation_id = ?", t.ID).
		Where("m.id > ?", t.HiddenUpTo).
		Where(hiddenCond, v.Party()).
		Limit(p.Limit + 1)
	if p.BeforeTime != nil {
		q.Where("m.created_at < ?", *p.BeforeTime)
	}
	switch {
	case p.After > 0 || p.FromOldest:
		q.Where("m.id > ?", p.After).Order("m.id ASC")
	default:
		if p.Before > 0 {
			q.Where("m.id < ?", p.Before)
		}
		q.Order("m.id DESC")
	}
	q.Offset(p.Offset)
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	list := &MessageList{Messages: msgs}
	if len(msgs) > p.Limit {
		list.Messages, list.HasMore = msgs[:p.Limit], true
	}
	if !(p.After > 0 || p.FromOldest) {
		reverse(list.Messages)
	}
	setViewer(list.Messages, v.Party())
	return list, nil
}

// viewerHiddenExpr tells whether party ?0 deleted the message (m) for itself, alone or with
// the thread: two primary-key probes.
const viewerHiddenExpr = `(EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = ?0 AND h.message_id = m.id)
	OR EXISTS (SELECT 1 FROM participants AS p WHERE p.conversation_id = m.conversation_id AND p.party_id = ?0
		AND m.id <= p.hidden_up_to)) AS viewer_hidden`

// MessagesByID loads messages by id with read state relative to party, and whether party
// hid them (a quote of a message the viewer deleted must not show its text). Callers must have
// authorised access to them (they come from threads the viewer takes part in).
func (s *Store) MessagesByID(ctx context.Context, party string, ids []int64) ([]*Message, error) {
	var msgs []*Message
	q := s.messageQuery(party, &msgs).ColumnExpr(viewerHiddenExpr, party).Where("m.id IN (?)", bun.In(ids))
	if err := scanSelect(ctx, s.DB, q, &msgs); err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	setViewer(msgs, party)
	return msgs, nil
}

// Message loads one message of a thread the viewer takes part in.
func (s *Store) Message(ctx context.Context, v Viewer, id int64) (*Message, error) {
	var msgs []*Message
	err := s.messageQuery(v.Party(), &msgs).
		Join("JOIN participants AS p ON p.conversation_id = m.conversation_id AND p.party_id = ?", v.Party()).
		Join("JOIN conversations AS c ON c.id = m.conversation_id").
		Where("m.id = ?", id).Where("c.kind = ?", v.Kind()).
		Where("p.deleted_at IS NULL AND m.id > p.hidden_up_to").
		Where(hiddenCond, v.Party()).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load message: %w", err)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("message: %w", ErrNotFound)
	}
	setViewer(msgs, v.Party())
	return msgs[0], nil
}

// AttachmentsByMessage loads the attachments of the given messages, by message.
func (s *Store) AttachmentsByMessage(ctx context.Context, messageIDs []int64) (map[int64][]*Attachment, error) {
	var as []*Attachment
	err := s.DB.NewSelect().Model(&as).Where("message_id IN (?)", bun.In(messageIDs)).
		Where("NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = a.message_id AND m.removed_at IS NOT NULL)").
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load attachments: %w", err)
	}
	out := make(map[int64][]*Attachment, len(messageIDs))
	for _, a := range as {
		out[a.MessageID] = append(out[a.MessageID], a)
	}
	return out, nil
}

func setViewer(msgs []*Message, party string) {
	for _, m := range msgs {
		m.ViewerParty = party
	}
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Attachment loads a stored attachment of a message the viewer can see.
func (s *Store) Attachment(ctx context.Context, v Viewer, id int64) (*Attachment, error) {
	var as []*Attachment
	err := s.DB.NewSelect().Model(&as).
		Join("JOIN messages AS m ON m.id = a.message_id").
		Join("JOIN conversations AS c ON c.id = m.conversation_id").
		Join("JOIN participants AS p ON p.conversation_id = m.conversation_id AND p.party_id = ?", v.Party()).
		Where("a.id = ? AND c.kind = ? AND p.deleted_at IS NULL AND m.id > p.hidden_up_to AND m.removed_at IS NULL", id, v.Kind()).
		Where(hiddenCond, v.Party()).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load attachment: %w", err)
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("attachment: %w", ErrNotFound)
	}
	return as[0], nil
}
