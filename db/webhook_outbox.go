package db

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// The webhook outbox: events are written in the transaction of the change that caused them,
// one delivery row per active endpoint that wants them, so an event commits or rolls back with
// its cause and a worker on any replica delivers it later. Nothing is written for an event no
// endpoint wants.

// outboxEvent is a webhook event about to be written.
type outboxEvent struct {
	Type string
	// Parties are the owners the event concerns: an endpoint scoped to one of them gets it;
	// unscoped endpoints get every event.
	Parties []string
	Data    any
}

// enqueueWebhook writes ev and its deliveries inside idb's transaction.
func enqueueWebhook(ctx context.Context, idb bun.IDB, ev outboxEvent) error {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", ev.Type, err)
	}
	parties := append([]string{}, ev.Parties...)
	_, err = idb.NewRaw("SELECT parley_enqueue_webhook(?::text, ?::text[], ?::jsonb)", ev.Type, pgArray(parties), string(data)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("enqueue %s event: %w", ev.Type, err)
	}
	return nil
}

// wantedEvents are the event types some active endpoint subscribes to: a send with no
// endpoint listening costs this one query.
func wantedEvents(ctx context.Context, idb bun.IDB) (map[string]bool, error) {
	var types []string
	if err := idb.NewRaw("SELECT DISTINCT unnest(events) FROM webhook_endpoints WHERE active").Scan(ctx, &types); err != nil {
		return nil, fmt.Errorf("load wanted webhook events: %w", err)
	}
	out := make(map[string]bool, len(types))
	for _, t := range types {
		out[t] = true
	}
	return out, nil
}

// conversationFacts loads a conversation and its participants for an event's payload.
func conversationFacts(ctx context.Context, idb bun.IDB, id int64) (*Conversation, []*Participant, error) {
	c := new(Conversation)
	if err := idb.NewSelect().Model(c).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("load conversation %d: %w", id, err)
	}
	var parts []*Participant
	if err := idb.NewSelect().Model(&parts).Where("conversation_id = ?", id).Order("party_id").Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("load participants of %d: %w", id, err)
	}
	return c, parts, nil
}

func partiesOf(parts []*Participant, except string) []string {
	var out []string
	for _, p := range parts {
		if p.PartyID != except {
			out = append(out, p.PartyID)
		}
	}
	return out
}

// notificationWebhooks writes notification.created for the notifications matching cond, to
// endpoints of their user (or of the user's workshop).
func notificationWebhooks(ctx context.Context, idb bun.IDB, cond string, args ...any) error {
	var rows []struct {
		Notification
		OrgNr *string `bun:"org_nr"`
	}
	err := idb.NewSelect().Model((*Notification)(nil)).ColumnExpr("n.*, u.org_nr").
		Join("JOIN users AS u ON u.id = n.user_id").Where(cond, args...).Order("n.id").Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("load new notifications: %w", err)
	}
	for _, r := range rows {
		parties := []string{r.UserID}
		if r.OrgNr != nil {
			parties = append(parties, OrgParty(*r.OrgNr))
		}
		ev := outboxEvent{Type: EventNotificationCreated, Parties: parties,
			Data: map[string]any{"notification": notificationWire(&r.Notification)}}
		if err := enqueueWebhook(ctx, idb, ev); err != nil {
			return err
		}
	}
	return nil
}

// readBatch is what one party read in one conversation.
type readBatch struct {
	ConversationID int64   `bun:"conversation_id"`
	N              int     `bun:"n"`
	IDs            []int64 `bun:"ids,array"`
}

// readWebhooks writes message.read for each conversation where party read something, to
// endpoints of every participant.
func readWebhooks(ctx context.Context, idb bun.IDB, party string, batches []readBatch) error {
	if len(batches) == 0 {
		return nil
	}
	want, err := wantedEvents(ctx, idb)
	if err != nil || !want[EventMessageRead] {
		return err
	}
	now := time.Now()
	for _, b := range batches {
		c, parts, err := conversationFacts(ctx, idb, b.ConversationID)
		if err != nil {
			return err
		}
		slices.Sort(b.IDs)
		ids := make([]string, len(b.IDs))
		for i, id := range b.IDs {
			ids[i] = wireID("msg_", id)
		}
		data := map[string]any{"conversation": conversationWire(c, parts), "reader": partyWire(party, roleOf(parts, party)),
			"message_ids": ids, "read_at": wireTime(now)}
		if err := enqueueWebhook(ctx, idb, outboxEvent{Type: EventMessageRead, Parties: partiesOf(parts, ""), Data: data}); err != nil {
			return err
		}
	}
	return nil
}

func roleOf(parts []*Participant, party string) string {
	for _, p := range parts {
		if p.PartyID == party {
			return p.Role
		}
	}
	return ""
}

// conversationCreatedWebhook writes conversation.created for a new conversation, once its
// participants are set, to endpoints of every participant.
func conversationCreatedWebhook(ctx context.Context, tx bun.Tx, conversationID int64) error {
	want, err := wantedEvents(ctx, tx)
	if err != nil || !want[EventConversationCreated] {
		return err
	}
	c, parts, err := conversationFacts(ctx, tx, conversationID)
	if err != nil {
		return err
	}
	ev := outboxEvent{Type: EventConversationCreated, Parties: partiesOf(parts, ""),
		Data: map[string]any{"conversation": conversationWire(c, parts)}}
	return enqueueWebhook(ctx, tx, ev)
}

// reportWebhook writes message.reported. It goes to unscoped (back-office) endpoints only:
// the reported side must not learn who reported it.
func reportWebhook(ctx context.Context, tx bun.Tx, r *Report, m *Message) error {
	want, err := wantedEvents(ctx, tx)
	if err != nil || !want[EventMessageReported] {
		return err
	}
	data := map[string]any{"report": reportWire(r), "message": messageWire(m, nil)}
	return enqueueWebhook(ctx, tx, outboxEvent{Type: EventMessageReported, Data: data})
}
