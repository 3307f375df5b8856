package db

import (
	"context"
	"fmt"
	"time"

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
	q := s.viewerReplay(s.messageQuery(v.Party(), &msgs), messageReplay, v, conversationID, after, upTo, limit)
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

// hiddenCond keeps out the messages (m) that party ?0 deleted for itself.
const hiddenCond = "NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = ? AND h.message_id = m.id)"

// ChangesAfter lists message changes with ids above after and at most upTo, oldest first, at
// most limit, each with its message (read state not set).
func (s *Store) ChangesAfter(ctx context.Context, after, upTo int64, limit int) ([]*MessageChange, error) {
	var cs []*MessageChange
	err := s.DB.NewSelect().Model(&cs).Where("me.id > ? AND me.id <= ?", after, upTo).Order("me.id").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read message changes: %w", err)
	}
	return cs, s.attachChangedMessages(ctx, "", cs)
}

// ViewerChangesAfter lists the changes above after and at most upTo to messages the viewer can
// see, in one conversation (or all of theirs when conversationID is 0), oldest first, each
// with its message as the viewer sees it now.
func (s *Store) ViewerChangesAfter(ctx context.Context, v Viewer, conversationID, after, upTo int64, limit int) ([]*MessageChange, error) {
	var cs []*MessageChange
	q := s.viewerReplay(s.DB.NewSelect().Model(&cs), changeReplay, v, conversationID, after, upTo, limit)
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("replay message changes: %w", err)
	}
	return cs, s.attachChangedMessages(ctx, v.Party(), cs)
}

// attachChangedMessages loads the messages of changes, with read state relative to party when
// one is given.
func (s *Store) attachChangedMessages(ctx context.Context, party string, cs []*MessageChange) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.MessageID
	}
	var msgs []*Message
	q := s.DB.NewSelect().Model(&msgs).Where("m.id IN (?)", bun.In(ids))
	if party != "" {
		q = s.messageQuery(party, &msgs).Where("m.id IN (?)", bun.In(ids))
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("load changed messages: %w", err)
	}
	setViewer(msgs, party)
	byID := make(map[int64]*Message, len(msgs))
	for _, m := range msgs {
		byID[m.ID] = m
	}
	for _, c := range cs {
		c.Message = byID[c.MessageID]
	}
	return nil
}

// MessageSeen is who read and who hid messages, for delivering their changes.
type MessageSeen struct {
	Reads  map[int64]map[string]time.Time // by message, by party
	Hidden map[int64]map[string]bool      // by message, by party
}

// SeenOf loads the reads and hides of messages.
func (s *Store) SeenOf(ctx context.Context, ids []int64) (*MessageSeen, error) {
	var rows []struct {
		MessageID int64     `bun:"message_id"`
		PartyID   string    `bun:"party_id"`
		At        time.Time `bun:"at"`
		Hidden    bool      `bun:"hidden"`
	}
	err := s.DB.NewRaw(`SELECT message_id, party_id, read_at AS at, false AS hidden FROM message_reads WHERE message_id IN (?0)
		UNION ALL SELECT message_id, party_id, hidden_at, true FROM message_hides WHERE message_id IN (?0)`, bun.In(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load reads of changed messages: %w", err)
	}
	out := &MessageSeen{Reads: map[int64]map[string]time.Time{}, Hidden: map[int64]map[string]bool{}}
	for _, r := range rows {
		if r.Hidden {
			if out.Hidden[r.MessageID] == nil {
				out.Hidden[r.MessageID] = map[string]bool{}
			}
			out.Hidden[r.MessageID][r.PartyID] = true
			continue
		}
		if out.Reads[r.MessageID] == nil {
			out.Reads[r.MessageID] = map[string]time.Time{}
		}
		out.Reads[r.MessageID][r.PartyID] = r.At
	}
	return out, nil
}

// ReadAtFor is when m was read relative to party, as messageQuery computes it: by party for
// others' messages, by anyone else (the earliest) for party's own.
func (seen *MessageSeen) ReadAtFor(m *Message, party string) *time.Time {
	var at *time.Time
	for p, t := range seen.Reads[m.ID] {
		mine := m.SenderPartyID == party
		if (mine && p != party) || (!mine && p == party) {
			if at == nil || t.Before(*at) {
				t := t
				at = &t
			}
		}
	}
	return at
}

// replayOf names what a replay reads: the table's alias, the table, and the columns of its
// conversation and of the message it is about (in the table and in replayIDs' x).
type replayOf struct{ alias, table, message, idsMessage string }

var (
	messageReplay = replayOf{"m", "messages", "m.id", "x.id"}
	changeReplay  = replayOf{"me", "message_events", "me.message_id", "x.message_id"}
)

// viewerReplay limits q (over r's table) to the rows above after and at most upTo about
// messages the viewer can see, in one conversation or all of theirs (conversationID 0), oldest
// first, at most limit.
func (s *Store) viewerReplay(q *bun.SelectQuery, r replayOf, v Viewer, conversationID, after, upTo int64, limit int) *bun.SelectQuery {
	id, conv := r.alias+".id", r.alias+".conversation_id"
	q.OrderExpr(id)
	if conversationID == 0 && !s.walksIDs(after, upTo) {
		// No LIMIT here: the ids are limited, and a LIMIT could tempt the planner to walk by id.
		q.Where(id+" IN (?)", s.replayIDs(r.table, r.idsMessage, v, after, upTo, limit))
	} else {
		q.Join("JOIN participants AS p ON p.conversation_id = "+conv+" AND p.party_id = ?", v.Party()).
			Join("JOIN conversations AS c ON c.id = "+conv).
			Where(id+" > ? AND "+id+" <= ? AND c.kind = ? AND p.deleted_at IS NULL AND "+r.message+" > p.hidden_up_to", after, upTo, v.Kind()).
			Where("NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = ? AND h.message_id = "+r.message+")", v.Party()).
			Limit(limit)
	}
	if conversationID > 0 {
		q.Where(conv+" = ?", conversationID)
	}
	return q
}
