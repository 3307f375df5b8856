-- Receivers of webhook events, registered by back-office systems. owner_party scopes an
-- endpoint to one owner's events (a user id, or 'org:<org_nr>' for a workshop); NULL means
-- every event. The secret must stay readable: Parley signs with it.
CREATE TABLE webhook_endpoints (
    id                         bigserial PRIMARY KEY,
    url                        text NOT NULL,
    description                text NOT NULL DEFAULT '',
    events                     text[] NOT NULL CHECK (cardinality(events) > 0),
    owner_party                text,
    active                     boolean NOT NULL DEFAULT true,
    disabled_reason            text NOT NULL DEFAULT '',
    secret                     text NOT NULL,
    -- The secret before the last rotation still signs until it expires.
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    -- Start of the current run of failed attempts; NULL after a success.
    failing_since              timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_active_idx ON webhook_endpoints USING gin (events) WHERE active;

-- The outbox: one row per event, written in the transaction of the change that caused it.
CREATE TABLE webhook_events (
    id         bigserial PRIMARY KEY,
    type       text NOT NULL,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per event and endpoint that wants it. A worker claims a due row by moving
-- next_attempt_at past a lease and setting lease_token; only that claim may record the result.
CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    event_id         bigint NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts since the first try or the last replay: the position in the retry schedule.
    step             integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_token      bigint,
    last_status_code integer,
    last_error       text NOT NULL DEFAULT '',
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);

-- Every attempt, kept for listing and for the receiver's owner to debug.
CREATE TABLE webhook_attempts (
    id            bigserial PRIMARY KEY,
    delivery_id   bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    started_at    timestamptz NOT NULL,
    duration_ms   integer NOT NULL,
    status_code   integer,
    error         text NOT NULL DEFAULT '',
    response_body text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
