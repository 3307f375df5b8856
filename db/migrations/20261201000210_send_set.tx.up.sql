-- parley_send_set sends a group-commit batch (db/send_batch.go) set by set: one statement per
-- step for the whole batch, where calling parley_send once per send ran each of its dozen
-- statements once per send (executor start, plan checks and plpgsql work per statement cost
-- PostgreSQL more than a send's rows). It writes what parley_send writes and returns its
-- columns, one row per send in the arrays' order. Any send that parley_send would refuse or
-- answer as a retry (a clientMessageId already used, also twice in one batch), or a webhook
-- subscribed to the send's events, sends the whole batch through parley_send instead, so each
-- rule stays written once, there.
CREATE FUNCTION parley_send_set(
    b_conv bigint[], b_party text[], b_sender text[], b_kind text[], b_type text[], b_body text[],
    b_template bigint[], b_client_id text[], b_workshop text[], b_title text[], b_preview text[], b_reply_to bigint[])
RETURNS TABLE (code text, created boolean,
    m_id bigint, m_sender_party_id text, m_sender_user_id text, m_sender_role text,
    m_type text, m_body text, m_template_id bigint, m_client_message_id text,
    m_removed_at timestamptz, m_created_at timestamptz, m_read_at timestamptz, m_attachment_ids bigint[],
    c_kind text, c_booking_id bigint, c_listing_id text, c_buyer_id text, c_last_message_id bigint,
    c_message_count integer, c_last_activity_at timestamptz, c_created_at timestamptz,
    v_role text, v_unread_count integer, v_last_read_message_id bigint, v_last_read_at timestamptz,
    v_archived_at timestamptz, v_hidden_up_to bigint, v_hidden_count integer,
    booking_workshop text, note_users text[], note_ids bigint[], m_reply_to_id bigint)
-- Generic plans: with the arrays' values known, PostgreSQL found custom plans cheaper and
-- planned the check and the lock again on every call, which cost more than running them.
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    n int := cardinality(b_conv);
    plain boolean;
    roles text[];
    workshops text[];
    touched participants[];
    ids bigint[];
    convs conversations[];
    notes_id bigint[];
    notes_user text[];
    notes_message bigint[];
BEGIN
    -- Lock the threads in id order, as parley_send does one by one, so batches cannot deadlock.
    PERFORM FROM conversations AS c WHERE c.id = ANY(b_conv) ORDER BY c.id FOR NO KEY UPDATE OF c;

    SELECT bool_and(x.role IS NOT NULL
            AND (nullif(a.workshop, '') IS NULL OR x.workshop IS NOT DISTINCT FROM a.workshop)
            AND (a.client_id = '' OR NOT EXISTS (SELECT 1 FROM messages AS m
                WHERE m.sender_user_id = a.sender AND m.client_message_id = a.client_id))
            AND (a.reply_to IS NULL OR EXISTS (SELECT 1 FROM messages AS m
                WHERE m.id = a.reply_to AND m.conversation_id = a.conv AND m.id > x.hidden_up_to
                AND NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = a.party AND h.message_id = m.id)))
            AND NOT EXISTS (SELECT 1 FROM users AS u WHERE u.id = a.sender AND u.erased_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM blocks AS b JOIN participants AS p ON p.party_id = b.blocker_party
                WHERE p.conversation_id = a.conv AND b.blocked_user_id = a.sender AND p.party_id <> a.party))
        AND count(DISTINCT (a.sender, a.client_id)) FILTER (WHERE a.client_id <> '')
            = count(*) FILTER (WHERE a.client_id <> '')
        AND NOT EXISTS (SELECT 1 FROM webhook_endpoints AS w
            WHERE w.active AND (w.events @> '{message.received}' OR w.events @> '{notification.created}')),
        array_agg(x.role ORDER BY a.i), array_agg(x.workshop ORDER BY a.i)
    INTO plain, roles, workshops
    FROM unnest(b_conv, b_party, b_sender, b_kind, b_client_id, b_workshop, b_reply_to)
        WITH ORDINALITY AS a (conv, party, sender, kind, client_id, workshop, reply_to, i)
    LEFT JOIN LATERAL (
        SELECT p.role, p.hidden_up_to, bk.workshop_org_nr AS workshop
        FROM conversations AS c
        JOIN participants AS p ON p.conversation_id = c.id AND p.party_id = a.party
        LEFT JOIN bookings AS bk ON bk.id = c.booking_id
        WHERE c.id = a.conv AND c.kind = a.kind AND p.deleted_at IS NULL
    ) AS x ON true;

    IF plain IS NOT TRUE THEN
        RETURN QUERY SELECT s.* FROM unnest(b_conv, b_party, b_sender, b_kind, b_type, b_body, b_template, b_client_id,
                b_workshop, b_title, b_preview, b_reply_to)
            WITH ORDINALITY AS a (conv, party, sender, kind, typ, body, template, client_id, workshop, title, preview, reply_to, i)
        CROSS JOIN LATERAL parley_send(a.conv, a.party, a.sender, a.kind, a.typ, a.body, a.template, a.client_id,
            nullif(a.workshop, ''), a.title, a.preview, '{}', '{}', '{}', '{}', '{}', '{}', a.reply_to) AS s
        ORDER BY a.i;
        RETURN;
    END IF;

    -- Every participant of each thread once: moved up, brought back, and unread by the
    -- batch's sends of the others.
    WITH per AS (
        SELECT a.conv, array_agg(a.party) AS senders FROM unnest(b_conv, b_party) AS a (conv, party) GROUP BY a.conv
    ), t AS (
        UPDATE participants AS p SET last_activity_at = now(), archived_at = NULL, deleted_at = NULL,
            unread_count = p.unread_count + cardinality(array_remove(per.senders, p.party_id))
        FROM per WHERE p.conversation_id = per.conv
        RETURNING p
    )
    SELECT array_agg(t.p) INTO touched FROM t;

    -- Ids in the batch's order, taken once the transaction has its xid (parley_next_id's rule).
    PERFORM pg_current_xact_id();
    ids := ARRAY(SELECT nextval('messages_id_seq') FROM generate_series(1, n));
    INSERT INTO messages (id, conversation_id, sender_party_id, sender_user_id, sender_role, type, body, template_id,
        client_message_id, reply_to_id)
    SELECT ids[a.i], a.conv, a.party, a.sender, roles[a.i], a.typ, a.body, a.template, nullif(a.client_id, ''), a.reply_to
    FROM unnest(b_conv, b_party, b_sender, b_type, b_body, b_template, b_client_id, b_reply_to)
        WITH ORDINALITY AS a (conv, party, sender, typ, body, template, client_id, reply_to, i)
    ORDER BY a.i;

    WITH x AS (
        SELECT a.conv, max(a.id) AS last, count(*) AS sent FROM unnest(b_conv, ids) AS a (conv, id) GROUP BY a.conv
    ), u AS (
        UPDATE conversations AS c SET last_message_id = x.last, message_count = c.message_count + x.sent,
            last_activity_at = now() -- the messages' created_at
        FROM x WHERE c.id = x.conv
        RETURNING c
    )
    SELECT array_agg(u.c) INTO convs FROM u;

    -- As parley_send: each user on the other side of each send, unless their party muted
    -- the thread; the users of a workshop party by its org_nr.
    WITH r AS (
        SELECT a.i, u.id AS user_id
        FROM unnest(b_conv, b_party, b_sender) WITH ORDINALITY AS a (conv, party, sender, i)
        JOIN unnest(touched) AS t ON t.conversation_id = a.conv AND t.party_id <> a.party
            AND NOT (t.muted_at IS NOT NULL AND (t.muted_until IS NULL OR t.muted_until > now()))
        CROSS JOIN LATERAL (
            SELECT v.id FROM users AS v WHERE v.id = t.party_id
            UNION ALL
            SELECT v.id FROM users AS v
            WHERE starts_with(t.party_id, 'org:') AND v.role = 'workshop' AND v.org_nr = substr(t.party_id, 5)
        ) AS u
        WHERE u.id <> a.sender
    ), ins AS (
        INSERT INTO notifications (user_id, type, title, body, data, conversation_id, message_id)
        SELECT r.user_id, 'message.received', b_title[r.i], b_preview[r.i],
            jsonb_build_object('conversation_id', c.id, 'message_id', ids[r.i])
                || jsonb_strip_nulls(jsonb_build_object('booking_id', c.booking_id, 'listing_id', c.listing_id)),
            c.id, ids[r.i]
        FROM r JOIN unnest(convs) AS c ON c.id = b_conv[r.i]
        ORDER BY r.i
        RETURNING id, user_id, message_id
    )
    SELECT array_agg(ins.id ORDER BY ins.id), array_agg(ins.user_id ORDER BY ins.id), array_agg(ins.message_id ORDER BY ins.id)
    INTO notes_id, notes_user, notes_message FROM ins;

    -- Each send sees its thread as it was right after it, as parley_send's caller did: the
    -- batch's later sends to the same thread are taken back out of the counts.
    RETURN QUERY
    SELECT ''::text, true, m.id, m.sender_party_id, m.sender_user_id, m.sender_role, m.type, m.body, m.template_id,
        m.client_message_id, m.removed_at, m.created_at, NULL::timestamptz, NULL::bigint[],
        c.kind, c.booking_id, c.listing_id, c.buyer_id, m.id, c.message_count - later.sends, c.last_activity_at, c.created_at,
        t.role, t.unread_count - later.others, t.last_read_message_id, t.last_read_at, t.archived_at, t.hidden_up_to, t.hidden_count,
        workshops[a.i],
        (SELECT array_agg(x.u ORDER BY x.id) FROM unnest(notes_id, notes_user, notes_message) AS x (id, u, msg) WHERE x.msg = m.id),
        (SELECT array_agg(x.id ORDER BY x.id) FROM unnest(notes_id, notes_message) AS x (id, msg) WHERE x.msg = m.id),
        m.reply_to_id
    FROM unnest(b_conv, b_party) WITH ORDINALITY AS a (conv, party, i)
    JOIN messages AS m ON m.id = ids[a.i]
    JOIN unnest(convs) AS c ON c.id = a.conv
    JOIN unnest(touched) AS t ON t.conversation_id = a.conv AND t.party_id = a.party
    CROSS JOIN LATERAL (
        SELECT count(*)::int AS sends, (count(*) FILTER (WHERE z.party <> a.party))::int AS others
        FROM unnest(b_conv, b_party) WITH ORDINALITY AS z (conv, party, j) WHERE z.conv = a.conv AND z.j > a.i
    ) AS later
    ORDER BY a.i;
END $$;
