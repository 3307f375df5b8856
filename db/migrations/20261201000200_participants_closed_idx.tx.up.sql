-- participants_inbox_idx (party_id, last_activity_at DESC, conversation_id DESC) held every
-- participant row, and a send rewrites both of its thread's rows with a new last_activity_at
-- (never HOT), so it cost two index entries a send. participants_open_idx already holds the
-- open rows; this index holds the others, archived or deleted. A send clears both marks, so it
-- adds no entry here. Together the two hold every row exactly once: a read over all of a
-- party's threads reads both (db/threads.go, partyRows and the keyset UNION ALLs).
CREATE INDEX participants_closed_idx ON participants (party_id, kind, last_activity_at DESC, conversation_id DESC)
    WHERE deleted_at IS NOT NULL OR archived_at IS NOT NULL;
DROP INDEX participants_inbox_idx;
