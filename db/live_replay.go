package db

import (
	"fmt"

	"github.com/uptrace/bun"
)

// A replay over all of a viewer's conversations (messageAdded or messageChanged with after and
// no conversation) must cost what it returns, not the history since after. Walking the table
// by id from after and keeping the viewer's rows reads every row anyone stored since then; a
// replay from far back reads each of the viewer's conversations by its (conversation_id, id)
// index instead. A replay from close by still walks: that costs at most replayWalkIDs rows,
// while a workshop with thousands of threads pays an index probe per thread.

// replayWalkIDs is how far back (in ids) a replay over all conversations walks by id.
const replayWalkIDs = 1000

// walksIDs reports whether a replay from after to upTo walks the table by id.
func (s *Store) walksIDs(after, upTo int64) bool {
	span := int64(replayWalkIDs)
	if s.ReplayWalkIDs != 0 {
		span = s.ReplayWalkIDs
	}
	return upTo-after <= span
}

// replayIDsSQL lists the ids of %[1]s (alias x; %[2]s its message id) above ?0 and at most ?1
// that party ?2 of kind ?3 can see, oldest first, at most ?4. heads is the first id of each of
// the party's conversations (one index probe each), the first ?4 of them: the answer cannot
// end above the last of those, so only those conversations are read, up to it. With fewer
// heads than ?4, every conversation with anything is a head and is read up to ?1.
const replayIDsSQL = `WITH t AS MATERIALIZED (
	SELECT p.conversation_id, p.hidden_up_to FROM participants AS p
	WHERE p.party_id = ?2 AND p.kind = ?3 AND ` + notDeleted + `
), heads AS MATERIALIZED (
	SELECT t.conversation_id, t.hidden_up_to, f.id FROM t CROSS JOIN LATERAL (
		SELECT x.id FROM %[1]s AS x
		WHERE x.conversation_id = t.conversation_id AND x.id > ?0 AND x.id <= ?1 AND %[2]s > t.hidden_up_to
			AND NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = ?2 AND h.message_id = %[2]s)
		ORDER BY x.id LIMIT 1) AS f
	ORDER BY f.id LIMIT ?4
), bound AS (
	SELECT CASE WHEN count(*) < ?4 THEN ?1 ELSE max(id) END AS up_to FROM heads
)
SELECT y.id FROM heads CROSS JOIN bound CROSS JOIN LATERAL (
	SELECT x.id FROM %[1]s AS x
	WHERE x.conversation_id = heads.conversation_id AND x.id > ?0 AND x.id <= bound.up_to AND %[2]s > heads.hidden_up_to
		AND NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = ?2 AND h.message_id = %[2]s)
	ORDER BY x.id LIMIT ?4) AS y
ORDER BY y.id LIMIT ?4`

// replayIDs is the subquery of the ids a replay over all of v's conversations returns next.
func (s *Store) replayIDs(table, messageID string, v Viewer, after, upTo int64, limit int) *bun.RawQuery {
	return s.DB.NewRaw(fmt.Sprintf(replayIDsSQL, table, messageID), after, upTo, v.Party(), v.Kind(), limit)
}
