package db

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// Live events are hints that something changed: ids only, never content. They are sent with
// NOTIFY inside the writing transaction, so they arrive exactly when the change is visible;
// a listener then reads what changed from the database from its own position.
const (
	// ChannelMessages carries "m <messageID> <conversationID>" for every new message and
	// "e <changeID> <conversationID>" for every change to one (MessageChange). A send's "m" and
	// "n" wake-ups end with " <replica>" when the sending replica's hub was poked in-process
	// (Store.OnWake): that hub has read them already.
	ChannelMessages = "parley_messages"
	// ChannelState carries read receipts "r <conversationID> <party> <upToID>", deliveries
	// "d <conversationID> <party> <upToID>" (MarkDeliveredBatch), conversation
	// changes "c <conversationID>" and notifications "n <userID> <notificationID>".
	ChannelState = "parley_state"
	// ChannelEphemeral carries what is never stored: typing "t <conversationID> <userID>",
	// presence "p <userID>", and sync markers "s <n>" (see live.Hub.Settle).
	ChannelEphemeral = "parley_ephemeral"
)

// Channels are every live channel, for listeners.
var Channels = []string{ChannelMessages, ChannelState, ChannelEphemeral}

// Event is a decoded live event.
type Event struct {
	Kind           byte // m, e, r, d, c, n, t, p, s
	ConversationID int64
	MessageID      int64
	ChangeID       int64
	NotificationID int64
	Party          string
	UserID         string
	// Origin is the replica whose hub already knows of an "m" or "n" wake-up ("" unknown).
	Origin string
}

// ParseEvent decodes a NOTIFY payload.
func ParseEvent(payload string) (Event, error) {
	f := strings.Fields(payload)
	if len(f) == 0 || len(f[0]) != 1 {
		return Event{}, fmt.Errorf("bad live event %q", payload)
	}
	ev := Event{Kind: f[0][0]}
	num := func(i int) int64 {
		if i >= len(f) {
			return 0
		}
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return n
	}
	str := func(i int) string {
		if i >= len(f) {
			return ""
		}
		return f[i]
	}
	switch ev.Kind {
	case 'm':
		ev.MessageID, ev.ConversationID, ev.Origin = num(1), num(2), str(3)
	case 'e':
		ev.ChangeID, ev.ConversationID = num(1), num(2)
	case 'r', 'd':
		ev.ConversationID, ev.Party, ev.MessageID = num(1), str(2), num(3)
	case 'c':
		ev.ConversationID = num(1)
	case 'n':
		ev.UserID, ev.NotificationID, ev.Origin = str(1), num(2), str(3)
	case 't':
		ev.ConversationID, ev.UserID = num(1), str(2)
	case 'p':
		ev.UserID = str(1)
	case 's':
		ev.MessageID = num(1)
	default:
		return Event{}, fmt.Errorf("unknown live event %q", payload)
	}
	return ev, nil
}

// emit sends a live event with the transaction (or at once outside one).
func emit(ctx context.Context, idb bun.IDB, channel string, parts ...any) error {
	fields := make([]string, len(parts))
	for i, p := range parts {
		fields[i] = fmt.Sprint(p)
	}
	if _, err := idb.ExecContext(ctx, "SELECT pg_notify(?, ?)", channel, strings.Join(fields, " ")); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// EmitSync sends a sync marker; listeners see it after every event committed before it, the
// wake-ups that sends of this process queued included: it goes out with them, after them.
func (s *Store) EmitSync(ctx context.Context, n int64) error {
	return s.wakes.flush(ctx, ChannelEphemeral, syncPayload(n))
}
