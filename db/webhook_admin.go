package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Back-office administration of webhook endpoints and their deliveries. The callers check the
// API key; the URL's safety is checked by webhooks before it gets here.

// WebhookOwner is an endpoint's optional owner scope: a workshop or a user, not both.
type WebhookOwner struct {
	OrgNr  string
	UserID string
}

// WebhookPatch changes an endpoint; nil fields stay as they are.
type WebhookPatch struct {
	URL         *string
	Events      []string
	Description *string
	Active      *bool
}

// CreateWebhookEndpoint stores a new endpoint with its secret.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint, owner WebhookOwner) error {
	if err := validateWebhook(e.Events, e.Description); err != nil {
		return err
	}
	e.Events = normalEvents(e.Events)
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		party, err := ownerParty(ctx, tx, owner)
		if err != nil {
			return err
		}
		e.OwnerParty = party
		if _, err := tx.NewInsert().Model(e).Returning("*").Exec(ctx); err != nil {
			return fmt.Errorf("insert webhook endpoint: %w", err)
		}
		return nil
	})
}

// ValidWebhookEvent reports whether t is an event type endpoints may subscribe to.
func ValidWebhookEvent(t string) bool { return slices.Contains(WebhookEventTypes, t) }

func validateWebhook(events []string, description string) error {
	if len(events) == 0 {
		return Invalid("events", "name at least one of %s", strings.Join(WebhookEventTypes, ", "))
	}
	for _, t := range events {
		if !ValidWebhookEvent(t) {
			return Invalid("events", "%q is not one of %s", t, strings.Join(WebhookEventTypes, ", "))
		}
	}
	if utf8.RuneCountInString(description) > 500 {
		return Invalid("description", "must be at most 500 characters")
	}
	return nil
}

func normalEvents(events []string) []string {
	out := slices.Clone(events)
	slices.Sort(out)
	return slices.Compact(out)
}

// ownerParty checks an owner scope and returns it as a party id (nil for none).
func ownerParty(ctx context.Context, tx bun.Tx, o WebhookOwner) (*string, error) {
	switch {
	case o.OrgNr != "" && o.UserID != "":
		return nil, Invalid("orgNr", "give an org_nr or a user id as the owner, not both")
	case o.OrgNr != "":
		if !ValidOrgNr(o.OrgNr) {
			return nil, Invalid("orgNr", "%q is not a valid organisation number", o.OrgNr)
		}
		if err := mustExist(ctx, tx, "workshops", "org_nr = ?", o.OrgNr, "orgNr", "no workshop with org_nr %q"); err != nil {
			return nil, err
		}
		p := OrgParty(o.OrgNr)
		return &p, nil
	case o.UserID != "":
		if err := mustExist(ctx, tx, "users", "id = ?", o.UserID, "userId", "no user with id %q"); err != nil {
			return nil, err
		}
		return &o.UserID, nil
	}
	return nil, nil
}

// WebhookEndpoints lists every endpoint, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context) ([]*WebhookEndpoint, error) {
	var out []*WebhookEndpoint
	if err := s.DB.NewSelect().Model(&out).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return out, nil
}

// GetWebhookEndpoint loads one endpoint.
func (s *Store) GetWebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error) {
	e := new(WebhookEndpoint)
	err := s.DB.NewSelect().Model(e).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook endpoint: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook endpoint: %w", err)
	}
	return e, nil
}

// UpdateWebhookEndpoint applies p. Turning an endpoint on again forgets why it was off and its
// failures, so the disable rules start afresh.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, id int64, p WebhookPatch) (*WebhookEndpoint, error) {
	e := new(WebhookEndpoint)
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(e).Where("id = ?", id).For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("webhook endpoint: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock webhook endpoint: %w", err)
		}
		if p.Events != nil {
			e.Events = p.Events
		}
		if p.Description != nil {
			e.Description = *p.Description
		}
		if err := validateWebhook(e.Events, e.Description); err != nil {
			return err
		}
		q := tx.NewUpdate().Model(e).Set("events = ?", pgArray(normalEvents(e.Events))).
			Set("description = ?", e.Description).Set("updated_at = now()")
		if p.URL != nil {
			q.Set("url = ?", *p.URL)
		}
		if p.Active != nil && *p.Active {
			q.Set("active = true, disabled_reason = '', failing_since = NULL")
		} else if p.Active != nil {
			q.Set("active = false")
		}
		if _, err := q.WherePK().Returning("*").Exec(ctx); err != nil {
			return fmt.Errorf("update webhook endpoint: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	res, err := s.DB.NewDelete().Model((*WebhookEndpoint)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook endpoint: %w", ErrNotFound)
	}
	return nil
}

// RotateWebhookSecret makes secret the endpoint's secret; the one before keeps signing for
// overlap, so receivers can switch without losing a delivery.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, secret string, overlap time.Duration) (*WebhookEndpoint, error) {
	e := new(WebhookEndpoint)
	_, err := s.DB.NewUpdate().Model(e).
		Set("previous_secret = secret, secret = ?", secret).
		Set("previous_secret_expires_at = now() + make_interval(secs => ?)", overlap.Seconds()).
		Set("updated_at = now()").
		Where("id = ?", id).Returning("*").Exec(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && e.ID == 0) {
		return nil, fmt.Errorf("webhook endpoint: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("rotate webhook secret: %w", err)
	}
	return e, nil
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, with their events and
// attempts, and how many match in all. status "" means any.
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID int64, status string, limit, offset int) ([]*WebhookDelivery, int, error) {
	var out []*WebhookDelivery
	q := s.DB.NewSelect().Model(&out).Relation("Event").
		Relation("Attempts", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("wa.id") }).
		Where("wd.endpoint_id = ?", endpointID).Order("wd.id DESC").Limit(limit).Offset(offset)
	if status != "" {
		q.Where("wd.status = ?", status)
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return out, total, nil
}

// GetWebhookDelivery loads one delivery with its event and attempts.
func (s *Store) GetWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error) {
	d := new(WebhookDelivery)
	err := s.DB.NewSelect().Model(d).Relation("Event").
		Relation("Attempts", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("wa.id") }).
		Where("wd.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook delivery: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook delivery: %w", err)
	}
	return d, nil
}

// ReplayWebhookDelivery sends a delivery again, now, with a fresh retry schedule and the same
// webhook-id. An attempt in flight for it can no longer record its result. The endpoint must
// be active.
func (s *Store) ReplayWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error) {
	var active bool
	err := s.DB.NewRaw(`UPDATE webhook_deliveries AS d
		SET status = 'pending', step = 0, next_attempt_at = now(), lease_token = NULL, updated_at = now()
		FROM webhook_endpoints AS e
		WHERE d.id = ? AND e.id = d.endpoint_id AND e.active
		RETURNING e.active`, id).Scan(ctx, &active)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.GetWebhookDelivery(ctx, id); err != nil {
			return nil, err
		}
		return nil, Rule("id", "the endpoint of this delivery is disabled: turn it on (active: true) first")
	}
	if err != nil {
		return nil, fmt.Errorf("replay webhook delivery: %w", err)
	}
	return s.GetWebhookDelivery(ctx, id)
}
