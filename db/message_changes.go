package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// Changes to messages after they were sent: edit, unsend, delete-for-me, reactions and the
// sender's erasure. Each
// change others must see writes a message_events row (the messageChanged stream) in the same
// transaction, and wakes the live hubs after the commit, as a send does.

// Kinds of message change.
const (
	ChangeEdited    = "edited"
	ChangeUnsent    = "unsent"
	ChangeReactions = "reactions"
	// ChangeErased: the back office erased the sender (EraseUser); the message is blanked,
	// removed, and from a deleted user.
	ChangeErased = "erased"
)

// MessageChange is one change to a message, in the order of the messageChanged stream.
type MessageChange struct {
	bun.BaseModel `bun:"table:message_events,alias:me"`

	ID             int64     `bun:"id,pk,autoincrement"`
	ConversationID int64     `bun:"conversation_id,notnull"`
	MessageID      int64     `bun:"message_id,notnull"`
	Kind           string    `bun:"kind,notnull"`
	Actor          string    `bun:"actor,notnull"` // the party that made the change
	CreatedAt      time.Time `bun:"created_at,notnull,default:current_timestamp"`

	// Message is the message as it is now, as the receiving party sees it.
	Message *Message `bun:"-"`
}

// Position is the change's place in the messageChanged stream.
func (c *MessageChange) Position() int64 { return c.ID }

// MessageEdit is a body a message had before an edit.
type MessageEdit struct {
	bun.BaseModel `bun:"table:message_edits,alias:me"`

	ID           int64     `bun:"id,pk,autoincrement"`
	MessageID    int64     `bun:"message_id,notnull"`
	PreviousBody string    `bun:"previous_body,notnull"`
	EditedAt     time.Time `bun:"edited_at,notnull,default:current_timestamp"`
}

// ReactionCount is how many participants reacted to a message with one emoji.
type ReactionCount struct {
	MessageID   int64  `bun:"message_id"`
	Emoji       string `bun:"emoji"`
	Count       int    `bun:"n"`
	ReactedByMe bool   `bun:"mine"`
}

var (
	// ErrNotSender refuses a change to someone else's message.
	ErrNotSender = fmt.Errorf("only the sender can change a message: %w", ErrForbidden)
	// ErrMessageGone refuses a change to a message that was unsent or removed.
	ErrMessageGone = fmt.Errorf("the message was unsent or removed: %w", ErrConflict)
)

// lockVisibleMessage loads and locks a message the viewer can see: in a thread of theirs, not
// hidden from them. Anything else is not found.
func lockVisibleMessage(ctx context.Context, tx bun.Tx, v Viewer, id int64) (*Message, error) {
	m := new(Message)
	err := tx.NewSelect().Model(m).
		Join("JOIN participants AS p ON p.conversation_id = m.conversation_id AND p.party_id = ?", v.Party()).
		Join("JOIN conversations AS c ON c.id = m.conversation_id").
		Where("m.id = ? AND c.kind = ? AND p.deleted_at IS NULL AND m.id > p.hidden_up_to", id, v.Kind()).
		Where("NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = ? AND h.message_id = m.id)", v.Party()).
		For("UPDATE OF m").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load message: %w", err)
	}
	m.ViewerParty = v.Party()
	return m, nil
}

// ownWithin checks that the viewer sent m (the same user, not only the same workshop) and
// that it is still within window of being sent.
func ownWithin(v Viewer, m *Message, window time.Duration, what, after string) error {
	if m.SenderPartyID != v.Party() || m.SenderUserID == nil || *m.SenderUserID != v.UserID {
		return ErrNotSender
	}
	if m.UnsentAt != nil || m.RemovedAt != nil {
		return ErrMessageGone
	}
	if time.Since(m.CreatedAt) > window {
		return Rule("id", "a message can be %s only within %s of sending it%s", what, window, after)
	}
	return nil
}

// EditMessage replaces the text of the viewer's own text message within window of sending it,
// keeping the previous text in its history. body must already be validated as a send's.
func (s *Store) EditMessage(ctx context.Context, v Viewer, id int64, body string, window time.Duration) (*Message, error) {
	var m *Message
	var change int64
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if m, err = lockVisibleMessage(ctx, tx, v, id); err != nil {
			return err
		}
		if err := ownWithin(v, m, window, "edited", ""); err != nil {
			return err
		}
		if m.Type != TypeText {
			return Rule("id", "only text messages can be edited")
		}
		if m.Body == body {
			return nil // nothing changes: no history, no event
		}
		if _, err := tx.NewInsert().Model(&MessageEdit{MessageID: m.ID, PreviousBody: m.Body}).Exec(ctx); err != nil {
			return fmt.Errorf("keep edit history: %w", err)
		}
		err = tx.NewUpdate().Model(m).Set("body = ?, edited_at = now()", body).WherePK().
			Returning("body, edited_at").Scan(ctx, &m.Body, &m.EditedAt)
		if err != nil {
			return fmt.Errorf("edit message: %w", err)
		}
		change, err = textChanged(ctx, tx, m, ChangeEdited, v.Party(), EventMessageUpdated, "edited_at", *m.EditedAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wakeChange(ctx, change, m.ConversationID)
	return m, nil
}

// UnsendMessage deletes the viewer's own message for everyone within window of sending it:
// its text, edit history and reactions are deleted, and its attachments' rows. Their files are
// queued in blob_deletions in the same transaction and their keys returned, for the caller to
// delete after the commit (DeleteBlobs); the privacy worker retries what that misses.
// Unsending it again changes nothing.
func (s *Store) UnsendMessage(ctx context.Context, v Viewer, id int64, window time.Duration) (*Message, []string, error) {
	var m *Message
	var keys, words []string
	var change int64
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if m, err = lockVisibleMessage(ctx, tx, v, id); err != nil {
			return err
		}
		if m.UnsentAt != nil && m.SenderUserID != nil && *m.SenderUserID == v.UserID && m.SenderPartyID == v.Party() {
			return nil // unsent already: nothing changes
		}
		if err := ownWithin(v, m, window, "unsent", "; after that use deleteMessageForMe"); err != nil {
			return err
		}
		err = tx.NewRaw(unlinkFiles, m.ID).Scan(ctx, &keys)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delete attachments: %w", err)
		}
		if words, err = messageWords(ctx, tx, []int64{m.ID}); err != nil {
			return err
		}
		if err := eraseMessageText(ctx, tx, m); err != nil {
			return err
		}
		change, err = textChanged(ctx, tx, m, ChangeUnsent, v.Party(), EventMessageDeleted, "deleted_at", *m.UnsentAt)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.wakeChange(ctx, change, m.ConversationID)
	s.pruneSearchWords(ctx, words) // a few probes: the typo lexicon forgets words only it had
	return m, keys, nil
}

// unlinkFiles deletes message ?0's stored attachments and queues their files for deletion.
const unlinkFiles = `WITH gone AS (
		DELETE FROM attachments WHERE message_id = ?0 AND storage_key <> '' RETURNING storage_key
	), queued AS (
		INSERT INTO blob_deletions (storage_key) SELECT storage_key FROM gone ON CONFLICT DO NOTHING
	)
	SELECT storage_key FROM gone`

// eraseMessageText deletes what an unsent message said: its body, history, reactions, the
// remaining attachment rows (links elsewhere) and the preview in notifications about it.
func eraseMessageText(ctx context.Context, tx bun.Tx, m *Message) error {
	for _, q := range []string{
		"DELETE FROM attachments WHERE message_id = ?",
		"DELETE FROM message_edits WHERE message_id = ?",
		"DELETE FROM message_reactions WHERE message_id = ?",
		"UPDATE notifications SET body = '' WHERE message_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, q, m.ID); err != nil {
			return fmt.Errorf("erase unsent message: %w", err)
		}
	}
	if err := blankWebhookText(ctx, tx, m); err != nil {
		return err
	}
	err := tx.NewUpdate().Model(m).Set("body = '', unsent_at = now()").WherePK().
		Returning("body, unsent_at").Scan(ctx, &m.Body, &m.UnsentAt)
	if err != nil {
		return fmt.Errorf("unsend message: %w", err)
	}
	return nil
}

// blankWebhookText blanks the message's text and empties its attachments (their names and
// URLs) in the webhook outbox (message.received and message.updated events), which a pending
// or replayed delivery would otherwise still send.
// Its events were all written after it was sent, so the scan walks back by id only to the
// last event older than that by sendSkew, never over the whole outbox.
func blankWebhookText(ctx context.Context, tx bun.Tx, m *Message) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_events SET data = `+blankedEventData+`
		WHERE id > coalesce((SELECT id FROM webhook_events WHERE created_at < ?0 ORDER BY id DESC LIMIT 1), 0)
		AND (data #>> '{message,id}' = ?1 OR data #>> '{notification,data,message_id}' = ?1)
		AND `+eventCarriesText,
		m.CreatedAt.Add(-sendSkew), wireID("msg_", m.ID))
	if err != nil {
		return fmt.Errorf("blank webhook text: %w", err)
	}
	return nil
}

// blankedEventData is a webhook event's data without the message's text and files (a
// message event) or the notification's preview of it (a notification event).
const blankedEventData = `CASE WHEN data #> '{message}' IS NOT NULL
	THEN jsonb_set(jsonb_set(data, '{message,content}', '""'), '{message,attachments}', '[]', data #> '{message,attachments}' IS NOT NULL)
	ELSE jsonb_set(data, '{notification,body}', '""') END`

// eventCarriesText keeps blankedEventData from rewriting events that are blank already.
const eventCarriesText = `(data #>> '{message,content}' <> '' OR data #> '{message,attachments}' <> '[]'
	OR data #>> '{notification,body}' <> '')`

// HideMessage deletes a message for the viewer only (any message of a thread of theirs); it
// counts as read, and no longer in the viewer's totalMessages nor as their inbox preview.
// Hiding it again changes nothing.
func (s *Store) HideMessage(ctx context.Context, v Viewer, id int64) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		m, err := lockVisibleMessage(ctx, tx, v, id)
		if errors.Is(err, ErrNotFound) {
			var hidden bool
			if hidden, err = hiddenBy(ctx, tx, v, id); err == nil && !hidden {
				err = fmt.Errorf("message: %w", ErrNotFound)
			}
			return err
		}
		if err != nil {
			return err
		}
		if _, err := markRead(ctx, tx, v.Party(), "m.id = ?", m.ID); err != nil {
			return err
		}
		// It leaves the party's count of the thread's messages; the newest it hid tells the
		// inbox when its preview must look past the thread's last message.
		_, err = tx.NewRaw(`WITH hid AS (
				INSERT INTO message_hides (party_id, message_id) VALUES (?0, ?1) ON CONFLICT DO NOTHING RETURNING message_id
			)
			UPDATE participants SET hidden_count = hidden_count + 1,
				last_hidden_message_id = greatest(last_hidden_message_id, ?1)
			WHERE conversation_id = ?2 AND party_id = ?0 AND EXISTS (SELECT 1 FROM hid)`,
			v.Party(), m.ID, m.ConversationID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("hide message: %w", err)
		}
		return nil
	})
}

// hiddenBy reports whether the viewer already hid a message of a thread of theirs.
func hiddenBy(ctx context.Context, tx bun.Tx, v Viewer, id int64) (bool, error) {
	return tx.NewSelect().Table("message_hides").Where("party_id = ? AND message_id = ?", v.Party(), id).Exists(ctx)
}

// React adds (or, with add false, removes) the viewer's reaction to a message they can see.
// Adding one that is there, or removing one that is not, changes nothing.
func (s *Store) React(ctx context.Context, v Viewer, id int64, emoji string, add bool) (*Message, error) {
	var m *Message
	var change int64
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if m, err = lockVisibleMessage(ctx, tx, v, id); err != nil {
			return err
		}
		if m.UnsentAt != nil || m.RemovedAt != nil {
			return ErrMessageGone
		}
		q := "INSERT INTO message_reactions (message_id, party_id, emoji) VALUES (?0, ?1, ?2) ON CONFLICT DO NOTHING"
		if !add {
			q = "DELETE FROM message_reactions WHERE message_id = ?0 AND party_id = ?1 AND emoji = ?2"
		}
		res, err := tx.NewRaw(q, m.ID, v.Party(), emoji).Exec(ctx)
		if err != nil {
			return fmt.Errorf("react: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		change, err = addChange(ctx, tx, m, ChangeReactions, v.Party())
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wakeChange(ctx, change, m.ConversationID)
	return m, nil
}

// addChange writes the change to the messageChanged stream and returns its id.
func addChange(ctx context.Context, tx bun.Tx, m *Message, kind, actor string) (int64, error) {
	c := &MessageChange{ConversationID: m.ConversationID, MessageID: m.ID, Kind: kind, Actor: actor}
	if _, err := tx.NewInsert().Model(c).ExcludeColumn("id", "created_at").Returning("id").Exec(ctx, &c.ID); err != nil {
		return 0, fmt.Errorf("record message change: %w", err)
	}
	return c.ID, nil
}

// wakeChange tells the live hubs of every replica about a committed change (0: none). After
// the commit, as a send does; a lost wake-up only delays the change until a hub's next read.
func (s *Store) wakeChange(ctx context.Context, change, conv int64) {
	if change == 0 {
		return
	}
	wakeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := emit(wakeCtx, s.DB, ChannelMessages, "e", change, conv); err != nil {
		slog.Warn("wake the live hubs after a message change", "change", change, "err", err)
	}
}

// textChanged records an edit or unsend of m's text: its change event, the inbox rows that show
// it, and its webhook event. It returns the change's id, for the wake-up after the commit.
func textChanged(ctx context.Context, tx bun.Tx, m *Message, kind, party, event, atKey string, at time.Time) (int64, error) {
	change, err := addChange(ctx, tx, m, kind, party)
	if err != nil {
		return 0, err
	}
	if err := wakeInboxIfLast(ctx, tx, m); err != nil {
		return 0, err
	}
	return change, changeWebhook(ctx, tx, event, m, atKey, at)
}

// wakeInboxIfLast tells the inboxes (conversationUpdated) when the changed message is the one
// their row shows; a change of an older message leaves the row as it was.
func wakeInboxIfLast(ctx context.Context, tx bun.Tx, m *Message) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_notify(?, 'c ' || c.id) FROM conversations AS c WHERE c.id = ? AND c.last_message_id = ?",
		ChannelState, m.ConversationID, m.ID)
	if err != nil {
		return fmt.Errorf("notify the inboxes: %w", err)
	}
	return nil
}

// changeWebhook writes message.updated or message.deleted, to endpoints of every participant.
func changeWebhook(ctx context.Context, tx bun.Tx, event string, m *Message, atKey string, at time.Time) error {
	want, err := wantedEvents(ctx, tx)
	if err != nil || !want[event] {
		return err
	}
	c, parts, err := conversationFacts(ctx, tx, m.ConversationID)
	if err != nil {
		return err
	}
	var atts []*Attachment
	if err := tx.NewSelect().Model(&atts).Where("message_id = ?", m.ID).Order("id").Scan(ctx); err != nil {
		return fmt.Errorf("load attachments: %w", err)
	}
	data := map[string]any{"conversation": conversationWire(c, parts), "message": messageWire(m, atts), atKey: wireTime(at)}
	return enqueueWebhook(ctx, tx, outboxEvent{Type: event, Parties: partiesOf(parts, ""), Data: data})
}

// EditsByMessage loads the edit history of messages, oldest first, by message.
func (s *Store) EditsByMessage(ctx context.Context, ids []int64) (map[int64][]*MessageEdit, error) {
	var es []*MessageEdit
	if err := s.DB.NewSelect().Model(&es).Where("message_id IN (?)", bun.In(ids)).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load edit history: %w", err)
	}
	out := make(map[int64][]*MessageEdit, len(ids))
	for _, e := range es {
		out[e.MessageID] = append(out[e.MessageID], e)
	}
	return out, nil
}

// ReactionsByMessage counts the reactions to messages, by message, with whether party is
// among them; the caller orders them.
func (s *Store) ReactionsByMessage(ctx context.Context, party string, ids []int64) (map[int64][]*ReactionCount, error) {
	var rs []*ReactionCount
	err := s.DB.NewSelect().TableExpr("message_reactions").
		ColumnExpr("message_id, emoji, count(*) AS n, bool_or(party_id = ?) AS mine", party).
		Where("message_id IN (?)", bun.In(ids)).GroupExpr("message_id, emoji").Scan(ctx, &rs)
	if err != nil {
		return nil, fmt.Errorf("count reactions: %w", err)
	}
	out := make(map[int64][]*ReactionCount, len(ids))
	for _, r := range rs {
		out[r.MessageID] = append(out[r.MessageID], r)
	}
	return out, nil
}
