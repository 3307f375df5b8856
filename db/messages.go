package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Message types.
const (
	TypeText       = "text"
	TypeImage      = "image"
	TypeDocument   = "document"
	TypeQuickReply = "quick_reply"
	TypeSystem     = "system"
)

// Message is one entry in a thread. Its id comes from one sequence and orders the thread.
type Message struct {
	bun.BaseModel `bun:"table:messages,alias:m"`

	ID              int64      `bun:"id,pk,autoincrement"`
	ConversationID  int64      `bun:"conversation_id,notnull"`
	SenderPartyID   string     `bun:"sender_party_id,notnull"`
	SenderUserID    *string    `bun:"sender_user_id"`
	SenderRole      string     `bun:"sender_role,notnull"`
	Type            string     `bun:"type,notnull"`
	Body            string     `bun:"body,notnull"`
	TemplateID      *int64     `bun:"template_id"`
	ClientMessageID *string    `bun:"client_message_id"`
	RemovedAt       *time.Time `bun:"removed_at"`
	EditedAt        *time.Time `bun:"edited_at"`
	// UnsentAt is when the sender unsent it: its text, history and files are gone.
	UnsentAt *time.Time `bun:"unsent_at"`
	// ReplyToID is the message this one quotes (same conversation).
	ReplyToID *int64    `bun:"reply_to_id"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`

	// Read state as seen by the party the message was loaded for: for a message to that party,
	// when it read it; for its own message, when the other side read it.
	ReadAt *time.Time `bun:"read_at,scanonly"`
	// The party the read state above is relative to.
	ViewerParty string `bun:"-"`
	// HiddenFromViewer: that party deleted it for itself or with the thread (set by
	// MessagesByID only; lists leave such messages out).
	HiddenFromViewer bool `bun:"viewer_hidden,scanonly"`
	// The generated search document (db/message_search.go); read by `m.*`, never kept.
	SearchDoc discard `bun:"search_doc,scanonly"`
}

// discard takes a column a query reads but nobody uses.
type discard struct{}

// Scan drops the value.
func (discard) Scan(any) error { return nil }

// Position is the message's place in the messageAdded stream.
func (m *Message) Position() int64 { return m.ID }

// Gone reports whether the message's content is gone for everyone: removed by moderation, or
// unsent by its sender. The one place that says so for quotes.
func (m *Message) Gone() bool { return m.RemovedAt != nil || m.UnsentAt != nil }

// IsMine reports whether the party the message was loaded for sent it.
func (m *Message) IsMine() bool { return m.SenderPartyID == m.ViewerParty }
