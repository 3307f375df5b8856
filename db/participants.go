package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Participant is one party's membership of a conversation, with its own read state.
// PartyID is a user id, or OrgParty(orgNr) for a workshop.
type Participant struct {
	bun.BaseModel `bun:"table:participants,alias:p"`

	ConversationID    int64      `bun:"conversation_id,pk"`
	PartyID           string     `bun:"party_id,pk"`
	Role              string     `bun:"role,notnull"`
	LastReadMessageID int64      `bun:"last_read_message_id,notnull"`
	LastReadAt        *time.Time `bun:"last_read_at"`
	UnreadCount       int        `bun:"unread_count,notnull"`
	ArchivedAt        *time.Time `bun:"archived_at"`
	DeletedAt         *time.Time `bun:"deleted_at"`
	HiddenUpTo        int64      `bun:"hidden_up_to,notnull"`
	HiddenCount       int        `bun:"hidden_count,notnull"`
	// LastHiddenMessageID is the newest message the party deleted for itself (message_hides).
	LastHiddenMessageID int64     `bun:"last_hidden_message_id,notnull"`
	LastActivityAt      time.Time `bun:"last_activity_at,notnull,default:current_timestamp"`
	JoinedAt            time.Time `bun:"joined_at,notnull,default:current_timestamp"`
	// MutedAt set: muted until MutedUntil (nil: forever). See Muted.
	MutedAt    *time.Time `bun:"muted_at"`
	MutedUntil *time.Time `bun:"muted_until"`
	PinnedAt   *time.Time `bun:"pinned_at"`
	// LastDeliveredMessageID is how far messages reached a device of the party.
	LastDeliveredMessageID int64 `bun:"last_delivered_message_id,notnull"`
}

// OrgNr is the workshop's organisation number when the party is a workshop.
func (p *Participant) OrgNr() string {
	if len(p.PartyID) > 4 && p.PartyID[:4] == "org:" {
		return p.PartyID[4:]
	}
	return ""
}
