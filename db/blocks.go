package db

import "time"

// Block says a party refuses messages from a user.
type Block struct {
	BlockerParty  string    `bun:"blocker_party,pk"`
	BlockedUserID string    `bun:"blocked_user_id,pk"`
	CreatedAt     time.Time `bun:"created_at,notnull,default:current_timestamp"`
}
