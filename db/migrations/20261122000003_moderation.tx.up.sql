-- A party (a user, or a workshop for all its users) refuses messages from a user.
CREATE TABLE blocks (
    blocker_party   text NOT NULL,
    blocked_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_party, blocked_user_id)
);
CREATE INDEX blocks_blocked_idx ON blocks (blocked_user_id);

ALTER TABLE reports ADD COLUMN resolution_note text NOT NULL DEFAULT '';
CREATE INDEX reports_reason_idx ON reports (reason, created_at);
