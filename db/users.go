package db

import (
	"time"

	"github.com/uptrace/bun"
)

// User is a person as the identity provider names them.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID         string     `bun:"id,pk"`
	Role       string     `bun:"role,notnull"`
	Name       string     `bun:"name,notnull"`
	AvatarURL  string     `bun:"avatar_url,notnull"`
	Verified   bool       `bun:"verified,notnull"`
	OrgNr      *string    `bun:"org_nr"`
	LastSeenAt *time.Time `bun:"last_seen_at"`
	// Email receives the unread digest; Locale (nb or en) is the language of the user's
	// notifications, pushes and mails. Nil keeps what is stored.
	Email  *string `bun:"email"`
	Locale *string `bun:"locale"`
	// TokensRevokedBefore refuses the user's tokens issued before it (nil: none revoked).
	TokensRevokedBefore *time.Time `bun:"tokens_revoked_before"`
	// ErasedAt is when the back office erased the user (nil: not erased).
	ErasedAt  *time.Time `bun:"erased_at"`
	CreatedAt time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
}

// Deleted says the user was erased.
func (u *User) Deleted() bool { return u.ErasedAt != nil }
