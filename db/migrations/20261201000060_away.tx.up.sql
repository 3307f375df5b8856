-- Reaching users who are away (issue 15): the recipient's language and e-mail address, browser
-- push subscriptions, the push queue and the e-mail digest's state.
ALTER TABLE users
    ADD COLUMN email text CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%')),
    ADD COLUMN locale text CHECK (locale IS NULL OR locale IN ('nb', 'en'));

-- A browser's Web Push subscription (RFC 8030). An endpoint belongs to whoever registered it
-- last: a browser shared by two accounts pushes for the one signed in.
CREATE TABLE push_subscriptions (
    id         bigserial PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   text NOT NULL UNIQUE,
    p256dh     text NOT NULL,
    auth       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);

-- The push queue: one row per message.received notification, written by the push workers as
-- they read new notifications (the send itself writes nothing more). Claimed like webhook
-- deliveries: a worker moves leased_until past a lease and sets lease_token; only that claim
-- may finish the row.
CREATE TABLE push_jobs (
    notification_id bigint PRIMARY KEY REFERENCES notifications (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    attempts        integer NOT NULL DEFAULT 0,
    leased_until    timestamptz NOT NULL DEFAULT now(),
    lease_token     bigint,
    outcome         text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_jobs_due_idx ON push_jobs (leased_until, notification_id) WHERE status = 'pending';

-- Notifications at or below floor have all been queued; the workers read only above it.
-- Starting at today's newest notification: an upgrade pushes nothing old.
CREATE TABLE push_cursor (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    floor bigint NOT NULL
);
INSERT INTO push_cursor (floor) SELECT coalesce(max(id), 0) FROM notifications;

-- The last push per user and conversation: the next one waits until that one is seen or the
-- collapse window has passed.
CREATE TABLE push_sent (
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    notification_id bigint NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, conversation_id)
);

-- Per user: the e-mail digest's last window and claim, and whether the user turned it off.
CREATE TABLE digest_state (
    user_id         text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sent_at         timestamptz,
    window_end      timestamptz,
    lease_token     bigint,
    leased_until    timestamptz,
    unsubscribed_at timestamptz
);

-- The key that signs unsubscribe links, the same for every replica and never configured:
-- 244 random bits from gen_random_uuid (pg_strong_random).
CREATE TABLE away_keys (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    unsubscribe_key text NOT NULL
);
INSERT INTO away_keys (unsubscribe_key)
VALUES (replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));
