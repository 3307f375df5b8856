-- A webhook event remembers the trace of the request that caused it (W3C traceparent), so its
-- deliveries show in that trace. The writer sets it for its own transaction only
-- (set_config(..., true)); unset, the column stays NULL. No rewrite: the default is stable.
ALTER TABLE webhook_events ADD COLUMN traceparent text
    DEFAULT nullif(current_setting('parley.traceparent', true), '');
