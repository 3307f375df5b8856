ALTER TABLE presence ADD COLUMN seen_at timestamptz NOT NULL DEFAULT now();
UPDATE presence p SET seen_at = r.seen_at FROM replicas r WHERE r.id = p.replica_id;
DROP TABLE replicas;
