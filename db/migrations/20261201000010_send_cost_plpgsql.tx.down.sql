-- The SQL-language versions of migrations 20261130000040, 20261130000003 and 20261130000020.
CREATE OR REPLACE FUNCTION inbox_totals_bump(p_party text, p_kind text, d_threads integer, d_unread integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO inbox_totals AS n (party_id, kind, shard, threads, unread)
    VALUES (p_party, p_kind, pg_backend_pid() % 32, d_threads, d_unread)
    ON CONFLICT (party_id, kind, shard) DO UPDATE SET threads = n.threads + EXCLUDED.threads, unread = n.unread + EXCLUDED.unread
$$;

CREATE OR REPLACE FUNCTION notification_counts_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO notification_counts AS n (user_id, shard, total, unread)
    SELECT d.user_id, pg_backend_pid() % 32, d.total, d.unread
    FROM jsonb_to_recordset(deltas) AS d (user_id text, total bigint, unread bigint)
    WHERE d.total <> 0 OR d.unread <> 0
    ORDER BY d.user_id
    ON CONFLICT (user_id, shard) DO UPDATE SET total = n.total + EXCLUDED.total, unread = n.unread + EXCLUDED.unread
$$;

CREATE OR REPLACE FUNCTION parley_enqueue_webhook(ev_type text, ev_parties text[], ev_data jsonb)
RETURNS void LANGUAGE sql VOLATILE AS $$
    WITH ep AS MATERIALIZED (
        SELECT id FROM webhook_endpoints
        WHERE active AND events @> ARRAY[ev_type] AND (owner_party IS NULL OR owner_party = ANY(ev_parties))
    ), ev AS (
        INSERT INTO webhook_events (type, data) SELECT ev_type, ev_data WHERE EXISTS (SELECT 1 FROM ep) RETURNING id
    )
    INSERT INTO webhook_deliveries (event_id, endpoint_id) SELECT ev.id, ep.id FROM ev, ep
$$;
