-- Privacy (issue 15): data exports, erasure with its audit log, and the list of stored files
-- still to delete once the transaction that dropped them has committed.

-- An erased user keeps the row (their messages and threads still point at it) with every
-- personal field cleared; erased_at makes that permanent (sign-ins do not write it back).
ALTER TABLE users ADD COLUMN erased_at timestamptz;

-- Who did what to whom, for the back office: erasures so far. actor_key_id names the API key
-- (a digest of it, never the key).
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    action          text NOT NULL CHECK (action IN ('user.erased')),
    actor_key_id    text NOT NULL,
    subject_user_id text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    details         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_user_id, id DESC);

-- A user's request for their data. Claimed by the export workers as webhook deliveries are:
-- a worker moves leased_until past a lease and sets lease_token; only that claim finishes it.
CREATE TABLE data_exports (
    id           bigserial PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'expired')),
    attempts     integer NOT NULL DEFAULT 0,
    leased_until timestamptz NOT NULL DEFAULT now(),
    lease_token  bigint,
    storage_key  text NOT NULL DEFAULT '',
    size_bytes   bigint NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    expires_at   timestamptz
);
-- One unfinished export per user: a second request gets the one in progress.
CREATE UNIQUE INDEX data_exports_one_pending_idx ON data_exports (user_id) WHERE status = 'pending';
CREATE INDEX data_exports_user_idx ON data_exports (user_id, id DESC);
CREATE INDEX data_exports_due_idx ON data_exports (leased_until, id) WHERE status = 'pending';
CREATE INDEX data_exports_expiry_idx ON data_exports (expires_at) WHERE status = 'done';

-- Stored files to delete: written in the transaction that stops pointing at them (erasure,
-- retention, expired exports), deleted from the bucket after the commit, and retried by the
-- privacy worker until the bucket confirms, so a crash in between leaves nothing behind.
CREATE TABLE blob_deletions (
    storage_key text PRIMARY KEY,
    attempts    integer NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blob_deletions_due_idx ON blob_deletions (next_at);

-- Retention finds threads with no activity since a cutoff that still hold messages.
CREATE INDEX conversations_retention_idx ON conversations (last_activity_at) WHERE message_count > 0;
