-- Who holds a live subscription, per replica. A row lives while its replica heartbeats it;
-- a user is online while any fresh row has connections.
CREATE TABLE presence (
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    replica_id  text NOT NULL,
    connections integer NOT NULL CHECK (connections > 0),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, replica_id)
);
CREATE INDEX presence_replica_idx ON presence (replica_id);
