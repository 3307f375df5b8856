package benchreads

import (
	"context"
	"testing"

	"github.com/parley/parley/db"
	"github.com/parley/parley/db/dbtest"
)

// A built set must look as if its messages had been sent and read through the API: every
// counter agrees with the rows it counts, and the viewers hold the share of threads the
// benchmark's answers are checked against.
func TestBuiltSetKeepsCountersConsistent(t *testing.T) {
	dsn := dbtest.NewDSN(t)
	s := shapeOf(minMessages)
	if _, err := build(context.Background(), dsn, s); err != nil {
		t.Fatal(err)
	}
	bdb, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	for name, query := range map[string]string{
		"conversation counters": `SELECT count(*) FROM conversations AS c
			LEFT JOIN (SELECT conversation_id, count(*) AS n, max(id) AS last, max(created_at) AS at
				FROM messages GROUP BY 1) AS a ON a.conversation_id = c.id
			WHERE c.message_count <> coalesce(a.n, 0) OR c.last_message_id IS DISTINCT FROM a.last
				OR c.last_activity_at <> coalesce(a.at, c.created_at)`,
		"unread counts": `SELECT count(*) FROM participants AS p
			WHERE p.unread_count <> (SELECT count(*) FROM messages AS m WHERE m.conversation_id = p.conversation_id
				AND m.sender_party_id <> p.party_id AND NOT EXISTS (SELECT 1 FROM message_reads AS r
					WHERE r.message_id = m.id AND r.party_id = p.party_id))`,
		"read positions": `SELECT count(*) FROM participants AS p
			WHERE p.last_read_message_id <> (SELECT coalesce(max(r.message_id), 0) FROM message_reads AS r
				JOIN messages AS m ON m.id = r.message_id WHERE m.conversation_id = p.conversation_id AND r.party_id = p.party_id)`,
		"reads of own messages": `SELECT count(*) FROM message_reads AS r JOIN messages AS m ON m.id = r.message_id
			WHERE m.sender_party_id = r.party_id`,
		"participants per thread": `SELECT count(*) FROM conversations AS c
			WHERE (SELECT count(*) FROM participants AS p WHERE p.conversation_id = c.id) <> 2`,
		"inbox order": `SELECT count(*) FROM participants AS p JOIN conversations AS c ON c.id = p.conversation_id
			WHERE p.last_activity_at <> c.last_activity_at`,
		"notifications": `SELECT count(*) FROM messages AS m JOIN bookings AS b ON b.id = m.conversation_id
			JOIN users AS u ON CASE WHEN m.sender_role = 'car_owner' THEN u.org_nr = b.workshop_org_nr AND u.role = 'workshop'
				ELSE u.id = b.car_owner_id END
			WHERE (SELECT count(*) FROM notifications AS n WHERE n.message_id = m.id AND n.user_id = u.id
				AND (n.read_at IS NULL) = NOT EXISTS (SELECT 1 FROM message_reads AS r WHERE r.message_id = m.id
					AND r.party_id <> m.sender_party_id)) <> 1`,
		"stray notifications": `SELECT (SELECT count(*) FROM notifications) - (SELECT count(*) FROM messages AS m
			JOIN bookings AS b ON b.id = m.conversation_id
			JOIN users AS u ON CASE WHEN m.sender_role = 'car_owner' THEN u.org_nr = b.workshop_org_nr AND u.role = 'workshop'
				ELSE u.id = b.car_owner_id END)`,
		"inbox counts": `SELECT count(*) FROM (SELECT party_id, kind, count(*) AS threads, sum(unread_count) AS unread
				FROM participants WHERE deleted_at IS NULL AND archived_at IS NULL GROUP BY 1, 2) AS p
			FULL JOIN (SELECT party_id, kind, sum(threads) AS threads, sum(unread) AS unread FROM inbox_totals
				GROUP BY 1, 2 HAVING sum(threads) <> 0 OR sum(unread) <> 0) AS n USING (party_id, kind)
			WHERE p.threads IS DISTINCT FROM n.threads OR p.unread IS DISTINCT FROM n.unread`,
		"sequences": `SELECT (SELECT last_value FROM messages_id_seq) - (SELECT max(id) FROM messages)
			+ (SELECT last_value FROM conversations_id_seq) - (SELECT max(id) FROM conversations)`,
	} {
		var bad int
		if err := bdb.NewRaw(query).Scan(context.Background(), &bad); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bad != 0 {
			t.Errorf("%s: %d rows disagree", name, bad)
		}
	}
	var shop, owner, unread int
	err = bdb.NewRaw(`SELECT count(*) FILTER (WHERE party_id = 'org:' || ?), count(*) FILTER (WHERE party_id = ?),
		count(*) FILTER (WHERE unread_count > 0) FROM participants`, shopOrg, ownerID).Scan(context.Background(), &shop, &owner, &unread)
	if err != nil {
		t.Fatal(err)
	}
	if shop != s.ShopThreads || owner != s.OwnerThreads || unread == 0 {
		t.Errorf("workshop in %d threads, car owner in %d, %d unread; want %d, %d and some", shop, owner, unread, s.ShopThreads, s.OwnerThreads)
	}
}
