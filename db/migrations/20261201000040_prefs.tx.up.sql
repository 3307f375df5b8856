-- Per-party preferences and delivery state on participants, and quoted replies on messages.
-- muted_at set = muted, until muted_until (NULL: forever); a mute past muted_until has lapsed
-- by itself, so nothing has to clear it. pinned_at orders the party's pinned threads (at most
-- 5, checked by the pin). last_delivered_message_id is how far a message reached a device of
-- the party (a live subscription or a push). None of these columns is one the inbox_totals
-- triggers watch.
ALTER TABLE participants
    ADD COLUMN muted_at timestamptz,
    ADD COLUMN muted_until timestamptz,
    ADD COLUMN pinned_at timestamptz,
    ADD COLUMN last_delivered_message_id bigint NOT NULL DEFAULT 0;

-- The pinned lookup of an inbox's first page: a party's few pinned threads, in pin order.
CREATE INDEX participants_pinned_idx ON participants (party_id, kind, pinned_at, conversation_id)
    WHERE pinned_at IS NOT NULL;

-- The message a message replies to (same conversation, checked by parley_send). No foreign
-- key: a quoted message that is later deleted still shows as a removed quote.
ALTER TABLE messages ADD COLUMN reply_to_id bigint;
