package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// MaxBodyRunes bounds a message's text.
const MaxBodyRunes = 10000

// SendInput is a message to add to a thread. Attachments carry files already stored.
type SendInput struct {
	ConversationID  int64
	Type            string
	Body            string
	TemplateID      *int64
	ClientMessageID string
	Attachments     []*Attachment
}

// Validate checks what a client sends, before anything is written.
func (in *SendInput) Validate() error {
	switch in.Type {
	case "":
		in.Type = TypeText
	case TypeText, TypeImage, TypeDocument, TypeQuickReply:
	default:
		return Invalid("type", "must be text, image, document or quick_reply")
	}
	if (in.Type == TypeImage || in.Type == TypeDocument) && len(in.Attachments) == 0 {
		return Invalid("attachments", "a message of type %s needs an attachment", in.Type)
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" && len(in.Attachments) == 0 {
		return Rule("body", "a message needs text or at least one attachment")
	}
	if n := utf8.RuneCountInString(in.Body); n > MaxBodyRunes {
		return Invalid("body", "is %d characters, more than the %d allowed", n, MaxBodyRunes)
	}
	if !utf8.ValidString(in.Body) || strings.ContainsRune(in.Body, 0) {
		return Invalid("body", "is not valid UTF-8 text")
	}
	if len(in.ClientMessageID) > 128 {
		return Invalid("clientMessageId", "is longer than 128 characters")
	}
	return nil
}

// SendMessage adds a message to a thread the viewer takes part in. A retry with the same
// ClientMessageID returns the first message and created=false.
func (s *Store) SendMessage(ctx context.Context, v Viewer, in SendInput) (msg *Message, created bool, err error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		msg, created, err = s.sendTx(ctx, tx, v, in)
		return err
	})
	if err != nil && isUniqueViolation(err) {
		// A concurrent retry of the same clientMessageId in another thread won the race.
		return nil, false, fmt.Errorf("clientMessageId already used: %w", ErrConflict)
	}
	return msg, created, err
}

// sendTx writes a validated message inside tx. It locks the conversation row first, so within a
// thread ids are taken and committed in order and a page cursor never skips a late commit.
// Across threads there is no lock: live readers stop at the id horizon (horizon.go).
func (s *Store) sendTx(ctx context.Context, tx bun.Tx, v Viewer, in SendInput) (*Message, bool, error) {
	var role string
	err := tx.NewSelect().TableExpr("conversations AS c").
		Join("JOIN participants AS p ON p.conversation_id = c.id AND p.party_id = ?", v.Party()).
		ColumnExpr("p.role").
		Where("c.id = ? AND c.kind = ? AND p.deleted_at IS NULL", in.ConversationID, v.Kind()).
		For("UPDATE OF c").Scan(ctx, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("conversation: %w", ErrNotFound)
	}
	if err != nil {
		return nil, false, fmt.Errorf("lock conversation: %w", err)
	}
	if in.ClientMessageID != "" {
		if prior, err := s.priorSend(ctx, tx, v, in); prior != nil || err != nil {
			return prior, false, err
		}
	}
	if err := checkNotBlocked(ctx, tx, v, in.ConversationID); err != nil {
		return nil, false, err
	}
	msg := &Message{
		ConversationID: in.ConversationID, SenderPartyID: v.Party(), SenderUserID: &v.UserID,
		SenderRole: role, Type: in.Type, Body: in.Body, TemplateID: in.TemplateID, ViewerParty: v.Party(),
	}
	if in.ClientMessageID != "" {
		msg.ClientMessageID = &in.ClientMessageID
	}
	want, err := wantedEvents(ctx, tx)
	if err != nil {
		return nil, false, err
	}
	if err := touchParticipants(ctx, tx, msg); err != nil {
		return nil, false, err
	}
	if _, err := tx.NewInsert().Model(msg).Returning("id, created_at").Exec(ctx); err != nil {
		return nil, false, fmt.Errorf("insert message: %w", err)
	}
	if err := insertAttachments(ctx, tx, msg.ID, in.Attachments); err != nil {
		return nil, false, err
	}
	if err := recordLastMessage(ctx, tx, msg); err != nil {
		return nil, false, err
	}
	if err := notifyRecipients(ctx, tx, v, msg); err != nil {
		return nil, false, err
	}
	if err := sendWebhooks(ctx, tx, want, msg, in.Attachments); err != nil {
		return nil, false, err
	}
	return msg, true, nil
}

func (s *Store) priorSend(ctx context.Context, tx bun.Tx, v Viewer, in SendInput) (*Message, error) {
	var msgs []*Message
	err := tx.NewSelect().Model(&msgs).ColumnExpr("m.*").ColumnExpr(readAtExpr, v.Party()).
		Where("m.sender_user_id = ? AND m.client_message_id = ?", v.UserID, in.ClientMessageID).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("look up clientMessageId: %w", err)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	if msgs[0].ConversationID != in.ConversationID {
		return nil, fmt.Errorf("clientMessageId already used in another conversation: %w", ErrConflict)
	}
	same, err := sameSend(ctx, tx, msgs[0], in)
	if err != nil {
		return nil, err
	}
	if !same {
		return nil, fmt.Errorf("clientMessageId already used for a different message: %w", ErrConflict)
	}
	msgs[0].ViewerParty = v.Party()
	return msgs[0], nil
}

// sameSend reports whether in is a retry of prior: the same type, text, template and
// attachments (uploads by content, descriptors by URL). A different message under a used
// clientMessageId is a conflict, never the old message.
func sameSend(ctx context.Context, tx bun.Tx, prior *Message, in SendInput) (bool, error) {
	if prior.Type != in.Type || prior.Body != in.Body || deref(prior.TemplateID) != deref(in.TemplateID) {
		return false, nil
	}
	var atts []*Attachment
	if err := tx.NewSelect().Model(&atts).Where("message_id = ?", prior.ID).Order("id").Scan(ctx); err != nil {
		return false, fmt.Errorf("load attachments of the earlier send: %w", err)
	}
	if len(atts) != len(in.Attachments) {
		return false, nil
	}
	for i, a := range atts {
		b := in.Attachments[i]
		if a.Name != b.Name || a.ContentType != b.ContentType || a.SizeBytes != b.SizeBytes || a.URL != b.URL || a.SHA256 != b.SHA256 {
			return false, nil
		}
	}
	return true, nil
}

func insertAttachments(ctx context.Context, tx bun.Tx, messageID int64, as []*Attachment) error {
	if len(as) == 0 {
		return nil
	}
	for _, a := range as {
		a.MessageID = messageID
	}
	if _, err := tx.NewInsert().Model(&as).Returning("id, created_at").Exec(ctx); err != nil {
		return fmt.Errorf("insert attachments: %w", err)
	}
	return nil
}

// touchParticipants moves the thread up every inbox, brings it back for anyone who archived
// or deleted it, and counts the message as unread for everyone but the sender. now() is the
// transaction's time: the message's created_at.
func touchParticipants(ctx context.Context, tx bun.Tx, msg *Message) error {
	_, err := tx.NewUpdate().Table("participants").
		Set("last_activity_at = now()").
		Set("archived_at = NULL, deleted_at = NULL").
		Set("unread_count = unread_count + CASE WHEN party_id = ? THEN 0 ELSE 1 END", msg.SenderPartyID).
		Where("conversation_id = ?", msg.ConversationID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("update participants: %w", err)
	}
	return nil
}

// recordLastMessage makes msg the thread's last message and wakes the live hubs (the NOTIFY
// is delivered at commit), in one round trip.
func recordLastMessage(ctx context.Context, tx bun.Tx, msg *Message) error {
	_, err := tx.NewRaw(`UPDATE conversations
		SET last_message_id = ?0, message_count = message_count + 1, last_activity_at = ?1
		WHERE id = ?2
		RETURNING pg_notify(?3, 'm ' || ?0 || ' ' || ?2)`,
		msg.ID, msg.CreatedAt, msg.ConversationID, ChannelMessages).Exec(ctx)
	if err != nil {
		return fmt.Errorf("update conversation: %w", err)
	}
	return nil
}

// notifyRecipients creates a notification for every user on the other side: the user of a
// personal party, or each known user of a workshop. The two cases are separate selects so each
// finds its users through an index (the primary key, users_org_nr_idx): an OR in one join
// condition made PostgreSQL read every user with an org_nr on every send. The two never
// match the same user (a user id cannot start with "org:"), so UNION ALL adds no duplicates.
func notifyRecipients(ctx context.Context, tx bun.Tx, v Viewer, msg *Message) error {
	data, err := json.Marshal(map[string]any{"conversation_id": msg.ConversationID, "message_id": msg.ID})
	if err != nil {
		return err
	}
	title := "New message"
	if v.Name != "" {
		title = "New message from " + v.Name
	}
	_, err = tx.NewRaw(`WITH recipients AS (
			SELECT u.id FROM participants p
			JOIN users u ON u.id = p.party_id
			WHERE p.conversation_id = ?0 AND p.party_id <> ?1
			UNION ALL
			SELECT u.id FROM participants p
			JOIN users u ON u.org_nr = substr(p.party_id, 5) AND u.role = 'workshop'
			WHERE p.conversation_id = ?0 AND p.party_id <> ?1 AND starts_with(p.party_id, 'org:')
		), ins AS (
			INSERT INTO notifications (user_id, type, title, body, data, conversation_id, message_id)
			SELECT r.id, 'message.received', ?3, ?4, ?5::jsonb || jsonb_strip_nulls(jsonb_build_object(
				'booking_id', c.booking_id, 'listing_id', c.listing_id)), c.id, ?6
			FROM recipients r
			JOIN conversations c ON c.id = ?0
			WHERE r.id <> ?2
			RETURNING id, user_id)
		SELECT pg_notify(?7, 'n ' || user_id || ' ' || id) FROM ins`,
		msg.ConversationID, msg.SenderPartyID, v.UserID, title, preview(msg), string(data), msg.ID, ChannelState).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert notifications: %w", err)
	}
	return nil
}

func preview(m *Message) string {
	if m.Body == "" {
		return "Sent an attachment"
	}
	if utf8.RuneCountInString(m.Body) <= 140 {
		return m.Body
	}
	return string([]rune(m.Body)[:139]) + "…"
}
