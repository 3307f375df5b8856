package restcompat

// The back-office webhook routes (/v1/webhooks...) are for systems holding an X-API-Key, not
// for users: a user's token is 403. They answer in the marketplace envelope, with prefixed ids:
// endpoints wh_<id>, deliveries dlv_<id>, events evt_<id> (the webhook-id header a receiver
// sees). An endpoint's secret is in the answers of POST /v1/webhooks and of its rotation only.

import (
	"net/http"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
)

const (
	boPrefixWebhook  = "wh_"
	boPrefixDelivery = "dlv_"
)

// boWebhook is an endpoint on the wire.
type boWebhook struct {
	ID                      string   `json:"id"`
	URL                     string   `json:"url"`
	Events                  []string `json:"events"`
	Description             string   `json:"description"`
	Active                  bool     `json:"active"`
	OrgNr                   *string  `json:"org_nr"`
	UserID                  *string  `json:"user_id"`
	DisabledReason          *string  `json:"disabled_reason"`
	PreviousSecretExpiresAt *string  `json:"previous_secret_expires_at"`
	CreatedAt               string   `json:"created_at"`
	UpdatedAt               string   `json:"updated_at"`
	Secret                  string   `json:"secret,omitempty"`
}

func boWebhookWire(e *graph.WebhookEndpoint, secret string) boWebhook {
	out := boWebhook{ID: mkWireID(boPrefixWebhook, int64(e.EndpointID)), URL: e.URL, Events: e.Events, Description: e.Description,
		Active: e.Active, OrgNr: e.OrgNr, UserID: e.UserID, PreviousSecretExpiresAt: timeString(e.PreviousSecretExpiresAt),
		CreatedAt: ts(e.CreatedAt), UpdatedAt: ts(e.UpdatedAt), Secret: secret}
	if e.DisabledReason != "" {
		out.DisabledReason = &e.DisabledReason
	}
	return out
}

// boDelivery is a delivery on the wire, with every attempt.
type boDelivery struct {
	ID            string      `json:"id"`
	WebhookID     string      `json:"webhook_id"`
	EventID       string      `json:"event_id"`
	EventType     string      `json:"event_type"`
	Status        string      `json:"status"`
	NextAttemptAt *string     `json:"next_attempt_at"`
	DeliveredAt   *string     `json:"delivered_at"`
	CreatedAt     string      `json:"created_at"`
	Payload       any         `json:"payload"`
	Attempts      []boAttempt `json:"attempts"`
}

type boAttempt struct {
	StartedAt    string `json:"started_at"`
	DurationMs   int    `json:"duration_ms"`
	StatusCode   *int   `json:"status_code"`
	Error        string `json:"error"`
	ResponseBody string `json:"response_body"`
}

func boDeliveryWire(d *graph.WebhookDelivery) boDelivery {
	out := boDelivery{ID: mkWireID(boPrefixDelivery, int64(d.DeliveryID)), WebhookID: mkWireID(boPrefixWebhook, int64(d.Endpoint.EndpointID)),
		EventID: d.EventID, EventType: d.EventType, Status: strings.ToLower(string(d.Status)), NextAttemptAt: timeString(d.NextAttemptAt),
		DeliveredAt: timeString(d.DeliveredAt), CreatedAt: ts(d.CreatedAt), Payload: d.Payload, Attempts: []boAttempt{}}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, boAttempt{StartedAt: ts(a.StartedAt), DurationMs: a.DurationMs, StatusCode: a.StatusCode,
			Error: a.Error, ResponseBody: a.ResponseBody})
	}
	return out
}

// boWebhookBody is the body of POST /v1/webhooks and PATCH /v1/webhooks/{id}.
type boWebhookBody struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	OrgNr       *string   `json:"org_nr"`
	UserID      *string   `json:"user_id"`
	Active      *bool     `json:"active"`
}

var boWebhookNames = fieldNames{"orgNr": "org_nr", "userId": "user_id"}

func (a *api) boCreateWebhook(w http.ResponseWriter, r *http.Request) {
	var body boWebhookBody
	err := decodeJSON(r, &body)
	var res *graph.CreateWebhookEndpointPayload
	if err == nil {
		in := graph.CreateWebhookEndpointInput{URL: deref(body.URL), Description: body.Description, OrgNr: body.OrgNr, UserID: body.UserID}
		if body.Events != nil {
			in.Events = *body.Events
		}
		res, err = a.res.MutationRoot().CreateWebhookEndpoint(r.Context(), in)
	}
	if err != nil {
		fail(w, r, familyBO, boWebhookNames.rename(err))
		return
	}
	ok(w, familyBO, http.StatusCreated, "", map[string]any{"webhook": boWebhookWire(res.Endpoint, res.Secret)})
}

func (a *api) boWebhooks(w http.ResponseWriter, r *http.Request) {
	es, err := a.res.QueryRoot().WebhookEndpoints(r.Context())
	if err != nil {
		fail(w, r, familyBO, err)
		return
	}
	out := make([]boWebhook, len(es))
	for i, e := range es {
		out[i] = boWebhookWire(e, "")
	}
	ok(w, familyBO, http.StatusOK, "", map[string]any{"webhooks": out})
}

func (a *api) boUpdateWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("id", boPrefixWebhook, r.PathValue("id"))
	var body boWebhookBody
	if err == nil {
		err = decodeJSON(r, &body)
	}
	if err == nil && (body.OrgNr != nil || body.UserID != nil) {
		err = apierror.Invalid("body", "the owner of an endpoint cannot change: register a new one")
	}
	var e *graph.WebhookEndpoint
	if err == nil {
		in := graph.UpdateWebhookEndpointInput{ID: id, URL: body.URL, Description: body.Description, Active: body.Active}
		if body.Events != nil {
			in.Events = append([]string{}, *body.Events...)
		}
		e, err = a.res.MutationRoot().UpdateWebhookEndpoint(r.Context(), in)
	}
	if err != nil {
		fail(w, r, familyBO, err)
		return
	}
	ok(w, familyBO, http.StatusOK, "", map[string]any{"webhook": boWebhookWire(e, "")})
}

func (a *api) boDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("id", boPrefixWebhook, r.PathValue("id"))
	if err == nil {
		_, err = a.res.MutationRoot().DeleteWebhookEndpoint(r.Context(), id)
	}
	if err != nil {
		fail(w, r, familyBO, err)
		return
	}
	ok(w, familyBO, http.StatusOK, "", map[string]any{"deleted": true, "id": id})
}

func (a *api) boRotateSecret(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("id", boPrefixWebhook, r.PathValue("id"))
	var res *graph.RotateWebhookSecretPayload
	if err == nil {
		res, err = a.res.MutationRoot().RotateWebhookSecret(r.Context(), id)
	}
	if err != nil {
		fail(w, r, familyBO, err)
		return
	}
	ok(w, familyBO, http.StatusOK, "", map[string]any{"webhook": boWebhookWire(res.Endpoint, res.Secret)})
}

// boDeliveries lists an endpoint's deliveries, newest first: status (pending, delivered,
// failed), page and limit.
func (a *api) boDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("id", boPrefixWebhook, r.PathValue("id"))
	var p pageReq
	if err == nil {
		p, err = pageParams(r, 20, "limit")
	}
	var status *graph.WebhookDeliveryStatus
	if s := strings.TrimSpace(r.URL.Query().Get("status")); err == nil && s != "" {
		st := graph.WebhookDeliveryStatus(strings.ToUpper(s))
		if !st.IsValid() {
			err = apierror.Invalid("status", "%q is not pending, delivered or failed", s)
		}
		status = &st
	}
	var res *graph.WebhookDeliveryPage
	if err == nil {
		res, err = a.res.QueryRoot().WebhookDeliveries(r.Context(), id, status, &p.size, p.offset())
	}
	if err != nil {
		fail(w, r, familyBO, err)
		return
	}
	out := make([]boDelivery, len(res.Nodes))
	for i, d := range res.Nodes {
		out[i] = boDeliveryWire(d)
	}
	ok(w, familyBO, http.StatusOK, "", map[string]any{"deliveries": out,
		"pagination": mkPagination(p, res.TotalCount)})
}

func (a *api) boReplay(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("id", boPrefixDelivery, r.PathValue("id"))
	var d *graph.WebhookDelivery
	if err == nil {
		d, err = a.res.MutationRoot().ReplayWebhookDelivery(r.Context(), id)
	}
	if err != nil {
		fail(w, r, familyBO, err)
		return
	}
	ok(w, familyBO, http.StatusOK, "", map[string]any{"delivery": boDeliveryWire(d)})
}
