package benchreads

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/parley/parley/db"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"
)

// The viewers the reads are timed as: a workshop and a car owner whose share of the data is
// the same in every set, so the sets differ only in how much else is stored.
const (
	shopUsers    = 3 // its desk users; each gets a notification per message to the workshop
	ownerID      = "bench-owner"
	shopThreads  = 5000
	ownerThreads = 50
	longThread   = 40  // messages in thread 1 (the owner's with the workshop): the thread page
	otherShops   = 200 // other workshops, one user each
)

// shopOrg is the workshop's organisation number; others are the other workshops'.
var (
	shopOrg = orgNrs(96000000, 1)[0]
	others  = orgNrs(97000000, otherShops)
)

// orgNrs is n valid organisation numbers from prefix (eight digits) up.
func orgNrs(prefix, n int) []string {
	var out []string
	for p := prefix; len(out) < n; p++ {
		for d := 0; d < 10; d++ {
			if s := fmt.Sprintf("%08d%d", p, d); db.ValidOrgNr(s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// phrases are what bodies are made of, two to a message: Norwegian and English workshop talk
// with accented words (Tromsø, café, Ålesund), so that search (`bench search`) meets words
// common and rare. One message in 9,973 adds a rare word ("hjulopphenget").
const phrases = `(ARRAY['Hei, når kan jeg hente bilen?', 'Bilen er klar i morgen.', 'Kan dere bytte bremseklosser også?',
	'Det koster 2400 kr med arbeid.', 'Takk, det høres bra ut.', 'Vi fant rust på eksosanlegget.',
	'Dekkene er byttet og lagret på dekkhotellet.', 'EU-kontrollen er godkjent.', 'Jeg kjører fra Tromsø på fredag.',
	'Jeg venter på caféen ved siden av.', 'Motorlampen lyser igjen.', 'Vindusviskerne må skiftes før vinteren.',
	'Service og oljeskift er bestilt.', 'Fakturaen sendes fra Ålesund.', 'The brakes are squeaking when I stop.',
	'Can you check the tyres before winter?', 'Thanks, the car runs great now.', 'I will pick up the car after work.',
	'The invoice was sent by email.', 'Is the crème seat cover included?'])`

// shape is one data set's size.
type shape struct {
	Messages, Threads, ShopThreads, OwnerThreads int
}

// shapeOf spreads messages over about a tenth as many threads (at least 10,000, at most one a
// message); the workshop and car owner keep their share where the set is large enough.
func shapeOf(messages int) shape {
	threads := min(max(messages/10, 10000), messages-longThread+1)
	return shape{Messages: messages, Threads: threads,
		ShopThreads: min(shopThreads, threads*5/8), OwnerThreads: min(ownerThreads, threads/8)}
}

// built says what a build wrote.
type built struct {
	Users, Notifications, Reads int
	Took                        time.Duration
	Steps                       []timedStep
}

// build loads a set with one INSERT ... SELECT per table, in one transaction. Thread t
// (conversation and booking id t) belongs to the car owner for t <= OwnerThreads, else to
// co-<t/2>; to the workshop for t = 1 and OwnerThreads < t < OwnerThreads+ShopThreads, else to
// another workshop (others[(t/2) mod 200]). Message j is the j-th sent (id j+1): the first
// longThread go to thread 1, the rest round the other threads; within a thread the car owner
// and the workshop take turns, the owner first in odd threads. Every message is read by its
// recipient except the last of every third thread, and counters are derived from the rows as
// the send and read paths keep them. Foreign-key checks are most of the cost; writing two
// halves at once on two connections was slower on a busy two-core machine, not faster.
func build(ctx context.Context, dsn string, s shape) (*built, error) {
	start := time.Now()
	// The server's own connections give up on a statement after 10 s; a bulk insert takes longer.
	bdb := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn), pgdriver.WithReadTimeout(10*time.Minute))), pgdialect.New())
	defer bdb.Close()
	b := &built{}
	err := bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Bulk statements hash and sort large sets: give them the memory for it.
		if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '64MB'; SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		// The messages' GIN indexes (search) are built once after the load, not row by row.
		var gin []string
		err := tx.NewRaw(`SELECT indexdef FROM pg_indexes WHERE tablename = 'messages' AND indexdef LIKE '%USING gin%'`).Scan(ctx, &gin)
		if err != nil {
			return err
		}
		steps := []step{{"drop GIN indexes", `DO $$ DECLARE i text; BEGIN
			FOR i IN SELECT indexname FROM pg_indexes WHERE tablename = 'messages' AND indexdef LIKE '%USING gin%'
			LOOP EXECUTE 'DROP INDEX ' || quote_ident(i); END LOOP; END $$`}}
		// The search lexicon's trigger is one lookup per word per row: filled once at the end.
		steps = append(steps, step{"hold search words", `ALTER TABLE messages DISABLE TRIGGER messages_search_words`})
		steps = append(steps, buildSteps(s)...)
		for _, def := range gin {
			steps = append(steps, step{"create GIN index", def})
		}
		steps = append(steps, step{"search words", `INSERT INTO search_words (word)
			SELECT DISTINCT w FROM messages AS m, regexp_split_to_table(parley_fold(m.body), '[^[:alpha:]]+') AS w
			WHERE length(w) BETWEEN 4 AND 40 ON CONFLICT DO NOTHING`},
			step{"release search words", `ALTER TABLE messages ENABLE TRIGGER messages_search_words`})
		for _, st := range steps {
			t0 := time.Now()
			if _, err := tx.ExecContext(ctx, st.sql); err != nil {
				return fmt.Errorf("build %s: %w", st.name, err)
			}
			b.Steps = append(b.Steps, timedStep{st.name, time.Since(t0)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if _, err := bdb.ExecContext(ctx, "ANALYZE"); err != nil { // as autovacuum would, after a bulk load
		return nil, fmt.Errorf("analyze: %w", err)
	}
	b.Steps = append(b.Steps, timedStep{"analyze", time.Since(t0)})
	err = bdb.NewRaw(`SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM notifications),
		(SELECT count(*) FROM message_reads)`).Scan(ctx, &b.Users, &b.Notifications, &b.Reads)
	b.Took = time.Since(start)
	return b, err
}

type step struct{ name, sql string }

type timedStep struct {
	Name string
	Took time.Duration
}

// buildSteps are the statements, in order.
func buildSteps(s shape) []step {
	// Longer names first: the replacer tries them in this order.
	r := strings.NewReplacer(
		"$OWNEROF", `(CASE WHEN t <= $C THEN '$OWNER' ELSE 'co-' || (t / 2) END)`,
		"$ORGOF", `(CASE WHEN t = 1 OR (t > $C AND t < $C + $W) THEN '$SHOP' ELSE $OTHERS[1 + (t / 2) % $O] END)`,
		"$OTHERS", "(ARRAY['"+strings.Join(others, "','")+"'])",
		"$PHRASES", phrases,
		"$START", `(now() - interval '365 days')`, "$SHOP", shopOrg, "$OWNER", ownerID,
		"$T", fmt.Sprint(s.Threads), "$N", fmt.Sprint(s.Messages), "$L", fmt.Sprint(longThread),
		"$C", fmt.Sprint(s.OwnerThreads), "$W", fmt.Sprint(s.ShopThreads), "$O", fmt.Sprint(otherShops),
		"$U", fmt.Sprint(shopUsers))
	steps := []step{
		{"users", `INSERT INTO users (id, role, name, org_nr, created_at, updated_at)
			SELECT id, 'car_owner', 'Owner ' || id, NULL, $START, $START
			FROM (SELECT DISTINCT $OWNEROF AS id FROM generate_series(1, $T) AS t) AS o
			UNION ALL
			SELECT 'ws-$SHOP-' || i, 'workshop', 'Desk ' || i, '$SHOP', $START, $START FROM generate_series(0, $U - 1) AS i
			UNION ALL
			SELECT 'ws-' || org || '-0', 'workshop', 'Desk', org, $START, $START FROM unnest($OTHERS) AS org`},
		{"workshops", `INSERT INTO workshops (org_nr, name, city, search_text, search_doc)
			SELECT org, name, 'Oslo', unaccent(concat_ws(' ', name, '', '', 'Oslo')),
				setweight(to_tsvector('simple', unaccent(name)), 'A')
					|| setweight(to_tsvector('simple', unaccent(concat_ws(' ', '', '', 'Oslo'))), 'B')
			FROM (SELECT '$SHOP' AS org, 'Bench Verksted' AS name
				UNION ALL SELECT org, 'Verksted ' || i FROM unnest($OTHERS) WITH ORDINALITY AS o (org, i)) AS w`},
		{"bookings", `INSERT INTO bookings (id, car_owner_id, workshop_org_nr, created_at, updated_at)
			SELECT t, $OWNEROF, $ORGOF, $START - interval '1 day', $START - interval '1 day'
			FROM generate_series(1, $T) AS t`},
		{"conversations", `INSERT INTO conversations (id, kind, booking_id, created_at, last_activity_at)
			SELECT id, 'booking', id, created_at, created_at FROM bookings ORDER BY id`},
		{"messages", `INSERT INTO messages (id, conversation_id, sender_party_id, sender_user_id, sender_role, type, body, created_at)
				SELECT x.j + 1, x.t,
					CASE WHEN (x.k + x.t) % 2 = 1 THEN b.car_owner_id ELSE 'org:' || b.workshop_org_nr END,
					CASE WHEN (x.k + x.t) % 2 = 1 THEN b.car_owner_id
						WHEN b.workshop_org_nr = '$SHOP' THEN 'ws-$SHOP-' || (x.k / 2) % $U
						ELSE 'ws-' || b.workshop_org_nr || '-0' END,
					CASE WHEN (x.k + x.t) % 2 = 1 THEN 'car_owner' ELSE 'workshop' END,
					'text',
					$PHRASES[1 + x.j % 20] || ' ' || $PHRASES[1 + (x.j / 20 + x.j) % 20]
						|| CASE WHEN x.j % 9973 = 0 THEN ' Hjulopphenget knirker i svingene.' ELSE '' END
						|| ' (' || x.k || ')',
					$START + interval '365 days' * (x.j::float8 / $N)
				FROM (SELECT j, CASE WHEN j < $L THEN 1 ELSE 2 + (j - $L) % ($T - 1) END AS t,
						CASE WHEN j < $L THEN j ELSE (j - $L) / ($T - 1) END AS k
					FROM generate_series(0, $N - 1) AS j) AS x
				JOIN bookings AS b ON b.id = x.t
				ORDER BY x.j`},
		{"conversation counters", `UPDATE conversations AS c SET last_message_id = a.last, message_count = a.n, last_activity_at = a.at
				FROM (SELECT conversation_id, max(id) AS last, count(*) AS n, max(created_at) AS at FROM messages GROUP BY conversation_id) AS a
				WHERE a.conversation_id = c.id`},
		{"message reads", `INSERT INTO message_reads (message_id, party_id, read_at)
				SELECT m.id, CASE WHEN m.sender_role = 'car_owner' THEN 'org:' || b.workshop_org_nr ELSE b.car_owner_id END,
					least(now(), m.created_at + interval '1 minute')
				FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id JOIN bookings AS b ON b.id = c.booking_id
				WHERE NOT (c.id % 3 = 0 AND m.id = c.last_message_id)
				ORDER BY m.id`},
		// A party's unread count is the messages sent to it that it has no read of.
		{"participants", `INSERT INTO participants (conversation_id, party_id, role, last_read_message_id, last_read_at,
					unread_count, last_activity_at, joined_at)
				SELECT c.id, p.party, p.role, coalesce(r.last_id, 0), r.last_at, coalesce(r.unread, 0), c.last_activity_at, c.created_at
				FROM conversations AS c JOIN bookings AS b ON b.id = c.booking_id
				CROSS JOIN LATERAL (VALUES (b.car_owner_id, 'car_owner'), ('org:' || b.workshop_org_nr, 'workshop')) AS p (party, role)
				LEFT JOIN (SELECT m.conversation_id, to_party AS party, count(*) FILTER (WHERE mr.message_id IS NULL) AS unread,
						max(mr.message_id) AS last_id, max(mr.read_at) AS last_at
					FROM messages AS m JOIN bookings AS b ON b.id = m.conversation_id
					CROSS JOIN LATERAL (SELECT CASE WHEN m.sender_role = 'car_owner' THEN 'org:' || b.workshop_org_nr
						ELSE b.car_owner_id END AS to_party) AS x
					LEFT JOIN message_reads AS mr ON mr.message_id = m.id AND mr.party_id = x.to_party
					GROUP BY 1, 2) AS r ON r.conversation_id = c.id AND r.party = p.party`},
		{"notifications", `INSERT INTO notifications (user_id, type, title, body, data, conversation_id, message_id, read_at, created_at)
				SELECT n.user_id, 'message.received', 'New message from ' || s.name, m.body,
					jsonb_build_object('conversation_id', m.conversation_id, 'message_id', m.id, 'booking_id', m.conversation_id),
					m.conversation_id, m.id, mr.read_at, m.created_at
				FROM (SELECT m.id, u.id AS user_id, 'org:' || b.workshop_org_nr AS party
						FROM messages AS m JOIN bookings AS b ON b.id = m.conversation_id
						JOIN users AS u ON u.org_nr = b.workshop_org_nr AND u.role = 'workshop'
						WHERE m.sender_role = 'car_owner'
					UNION ALL
					SELECT m.id, b.car_owner_id, b.car_owner_id
						FROM messages AS m JOIN bookings AS b ON b.id = m.conversation_id
						WHERE m.sender_role = 'workshop') AS n
				JOIN messages AS m ON m.id = n.id
				JOIN users AS s ON s.id = m.sender_user_id
				LEFT JOIN message_reads AS mr ON mr.message_id = m.id AND mr.party_id = n.party
				ORDER BY m.id, n.user_id`},
		{"sequences", `SELECT setval('conversations_id_seq', $T), setval('messages_id_seq', $N)`},
	}
	for i := range steps {
		steps[i].sql = r.Replace(r.Replace(steps[i].sql)) // $OWNEROF and $ORGOF name other placeholders
	}
	return steps
}
