package resolvers

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/webhooks"
)

// Webhook endpoints and deliveries: back-office only (X-API-Key).

// secretOverlap is how long the secret before a rotation keeps signing.
const secretOverlap = 24 * time.Hour

// webhookRules are the receivers this deployment accepts.
func (r *Resolver) webhookRules() webhooks.Rules {
	return webhooks.Rules{AllowPrivate: r.WebhookAllowPrivate, RequireHTTPS: r.WebhookRequireHTTPS}
}

func (r *mutationResolver) CreateWebhookEndpoint(ctx context.Context, in graph.CreateWebhookEndpointInput) (*graph.CreateWebhookEndpointPayload, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	if err := webhooks.CheckURL(ctx, "url", in.URL, r.webhookRules()); err != nil {
		return nil, err
	}
	e := &db.WebhookEndpoint{URL: strings.TrimSpace(in.URL), Events: in.Events, Description: strings.TrimSpace(deref(in.Description)),
		Active: true, Secret: webhooks.NewSecret()}
	owner := db.WebhookOwner{OrgNr: strings.TrimSpace(deref(in.OrgNr)), UserID: strings.TrimSpace(deref(in.UserID))}
	if err := r.Store.CreateWebhookEndpoint(ctx, e, owner); err != nil {
		return nil, err
	}
	return &graph.CreateWebhookEndpointPayload{Endpoint: endpointOut(e), Secret: e.Secret}, nil
}

func (r *mutationResolver) UpdateWebhookEndpoint(ctx context.Context, in graph.UpdateWebhookEndpointInput) (*graph.WebhookEndpoint, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id, err := parseIntID("id", "WebhookEndpoint", in.ID)
	if err != nil {
		return nil, err
	}
	p := db.WebhookPatch{Events: in.Events, Active: in.Active}
	if in.Events != nil && len(in.Events) == 0 {
		return nil, db.Invalid("events", "name at least one event type")
	}
	if in.Description != nil {
		p.Description = ptrTo(strings.TrimSpace(*in.Description))
	}
	if in.URL != nil {
		if err := webhooks.CheckURL(ctx, "url", *in.URL, r.webhookRules()); err != nil {
			return nil, err
		}
		p.URL = ptrTo(strings.TrimSpace(*in.URL))
	}
	e, err := r.Store.UpdateWebhookEndpoint(ctx, id, p)
	if err != nil {
		return nil, err
	}
	return endpointOut(e), nil
}

func (r *mutationResolver) DeleteWebhookEndpoint(ctx context.Context, rawID string) (*graph.DeleteWebhookEndpointPayload, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id, err := parseIntID("id", "WebhookEndpoint", rawID)
	if err != nil {
		return nil, err
	}
	if err := r.Store.DeleteWebhookEndpoint(ctx, id); err != nil {
		return nil, err
	}
	return &graph.DeleteWebhookEndpointPayload{ID: intGlobalID("WebhookEndpoint", id)}, nil
}

func (r *mutationResolver) RotateWebhookSecret(ctx context.Context, rawID string) (*graph.RotateWebhookSecretPayload, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id, err := parseIntID("id", "WebhookEndpoint", rawID)
	if err != nil {
		return nil, err
	}
	e, err := r.Store.RotateWebhookSecret(ctx, id, webhooks.NewSecret(), secretOverlap)
	if err != nil {
		return nil, err
	}
	return &graph.RotateWebhookSecretPayload{Endpoint: endpointOut(e), Secret: e.Secret}, nil
}

func (r *mutationResolver) ReplayWebhookDelivery(ctx context.Context, rawID string) (*graph.WebhookDelivery, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id, err := parseIntID("id", "WebhookDelivery", rawID)
	if err != nil {
		return nil, err
	}
	d, err := r.Store.ReplayWebhookDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := r.Store.GetWebhookEndpoint(ctx, d.EndpointID)
	if err != nil {
		return nil, err
	}
	return deliveryOut(d, endpointOut(e))
}

func (r *queryResolver) WebhookEndpoints(ctx context.Context) ([]*graph.WebhookEndpoint, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	es, err := r.Store.WebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.WebhookEndpoint, len(es))
	for i, e := range es {
		out[i] = endpointOut(e)
	}
	return out, nil
}

func (r *queryResolver) WebhookDeliveries(ctx context.Context, endpointID string, status *graph.WebhookDeliveryStatus, first, offset *int) (*graph.WebhookDeliveryPage, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id, err := parseIntID("endpointId", "WebhookEndpoint", endpointID)
	if err != nil {
		return nil, err
	}
	limit, skip := deref(first), deref(offset)
	if first == nil {
		limit = 20
	}
	if limit < 1 || limit > maxPage {
		return nil, db.Invalid("first", "must be from 1 to %d", maxPage)
	}
	if skip < 0 {
		return nil, db.Invalid("offset", "must be 0 or more")
	}
	e, err := r.Store.GetWebhookEndpoint(ctx, id)
	if err != nil {
		return nil, err
	}
	var st string
	if status != nil {
		st = strings.ToLower(string(*status))
	}
	ds, total, err := r.Store.WebhookDeliveries(ctx, id, st, limit, skip)
	if err != nil {
		return nil, err
	}
	page := &graph.WebhookDeliveryPage{TotalCount: total, Nodes: make([]*graph.WebhookDelivery, len(ds))}
	ep := endpointOut(e)
	for i, d := range ds {
		if page.Nodes[i], err = deliveryOut(d, ep); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func endpointOut(e *db.WebhookEndpoint) *graph.WebhookEndpoint {
	out := &graph.WebhookEndpoint{ID: intGlobalID("WebhookEndpoint", e.ID), EndpointID: int(e.ID), URL: e.URL,
		Description: e.Description, Events: append([]string{}, e.Events...), Active: e.Active,
		DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if org, ok := strings.CutPrefix(deref(e.OwnerParty), "org:"); ok {
		out.OrgNr = &org
	} else if e.OwnerParty != nil {
		out.UserID = ptrTo(*e.OwnerParty)
	}
	if exp := e.PreviousSecretExpiresAt; exp != nil && exp.After(time.Now()) {
		out.PreviousSecretExpiresAt = exp
	}
	return out
}

func deliveryOut(d *db.WebhookDelivery, ep *graph.WebhookEndpoint) (*graph.WebhookDelivery, error) {
	body, err := webhooks.Body(d.Event)
	if err != nil {
		return nil, err
	}
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil {
		return nil, err
	}
	out := &graph.WebhookDelivery{ID: intGlobalID("WebhookDelivery", d.ID), DeliveryID: int(d.ID), Endpoint: ep,
		EventID: webhooks.MessageID(d.EventID), EventType: d.Event.Type, Payload: payload,
		Status: graph.WebhookDeliveryStatus(strings.ToUpper(d.Status)), DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt,
		Attempts: make([]*graph.WebhookAttempt, len(d.Attempts))}
	if d.Status == db.DeliveryPending {
		out.NextAttemptAt = &d.NextAttemptAt
	}
	for i, a := range d.Attempts {
		out.Attempts[i] = &graph.WebhookAttempt{StartedAt: a.StartedAt, DurationMs: a.DurationMs, StatusCode: a.StatusCode,
			Error: a.Error, ResponseBody: a.ResponseBody}
	}
	return out, nil
}

func ptrTo[T any](v T) *T { return &v }
