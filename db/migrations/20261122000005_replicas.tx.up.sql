-- One heartbeat row per replica instead of one per online user: a user's presence rows count
-- while their replica's row is fresh, so a heartbeat writes one row however many are online.
CREATE TABLE replicas (
    id      text PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO replicas (id, seen_at)
SELECT replica_id, max(seen_at) FROM presence GROUP BY replica_id;
ALTER TABLE presence DROP COLUMN seen_at;
