package db

import (
	"time"

	"github.com/uptrace/bun"
)

// WebhookEndpoint is a receiver of webhook events, registered by a back-office system.
type WebhookEndpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints,alias:we"`

	ID          int64    `bun:"id,pk,autoincrement"`
	URL         string   `bun:"url,notnull"`
	Description string   `bun:"description,notnull"`
	Events      []string `bun:"events,array,notnull"`
	// OwnerParty scopes the endpoint to one owner's events: a user id, or OrgParty(orgNr).
	OwnerParty              *string    `bun:"owner_party"`
	Active                  bool       `bun:"active,notnull"`
	DisabledReason          string     `bun:"disabled_reason,notnull"`
	Secret                  string     `bun:"secret,notnull"`
	PreviousSecret          *string    `bun:"previous_secret"`
	PreviousSecretExpiresAt *time.Time `bun:"previous_secret_expires_at"`
	FailingSince            *time.Time `bun:"failing_since"`
	CreatedAt               time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt               time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
}

// Secrets are the secrets that sign a delivery now: the current one, and the previous one
// until it expires.
func (e *WebhookEndpoint) Secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != nil && e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) {
		out = append(out, *e.PreviousSecret)
	}
	return out
}
