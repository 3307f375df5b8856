-- The webhook payloads of a send, as parley_send built them inline, now shared with
-- parley_send_set so that each is written once.
CREATE FUNCTION parley_message_webhook_data(p_conv bigint, p_kind text, p_created_at timestamptz,
    p_booking_id bigint, p_listing_id text, p_parties text[], p_roles text[], p_message bigint, p_body text,
    p_sender text, p_sender_role text, p_type text, p_sent_at timestamptz, p_attachments bigint[])
RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'conversation', jsonb_build_object('id', 'conv_' || p_conv, 'kind', p_kind, 'created_at', parley_wire_time(p_created_at),
            'participants', (SELECT jsonb_agg(parley_wire_party(x.p, x.r) ORDER BY x.i)
                FROM unnest(p_parties, p_roles) WITH ORDINALITY AS x (p, r, i)))
            || jsonb_strip_nulls(jsonb_build_object('booking_id', p_booking_id, 'listing_id', 'lst_' || p_listing_id)),
        'message', jsonb_build_object('id', 'msg_' || p_message, 'conversation_id', 'conv_' || p_conv, 'content', p_body,
            'sender_id', parley_wire_user(p_sender), 'sender_type', p_sender_role, 'type', p_type,
            'sent_at', parley_wire_time(p_sent_at),
            'attachments', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name,
                    'url', CASE WHEN a.storage_key <> '' THEN '/attachments/' || a.id ELSE a.url END,
                    'content_type', a.content_type, 'size', a.size_bytes) ORDER BY a.id), '[]')
                FROM attachments AS a WHERE a.id = ANY(p_attachments))))
$$;

CREATE FUNCTION parley_note_webhook_data(p_id bigint, p_user text, p_type text, p_title text, p_body text,
    p_created_at timestamptz, p_conv bigint, p_message bigint, p_booking_id bigint, p_listing_id text)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('notification', jsonb_build_object('id', 'ntf_' || p_id,
        'user_id', parley_wire_user(p_user), 'type', p_type, 'title', p_title, 'body', p_body,
        'data', jsonb_build_object('conversation_id', 'conv_' || p_conv, 'message_id', 'msg_' || p_message)
            || jsonb_strip_nulls(jsonb_build_object('booking_id', p_booking_id, 'listing_id',
                CASE WHEN starts_with(p_listing_id, 'lst_') THEN p_listing_id ELSE 'lst_' || p_listing_id END)),
        'created_at', parley_wire_time(p_created_at)))
$$;

-- Who a notification's webhook event is about: its user, and a workshop user's workshop.
CREATE FUNCTION parley_note_webhook_parties(p_user text, p_org_nr text) RETURNS text[] LANGUAGE sql AS $$
    SELECT CASE WHEN p_org_nr IS NULL THEN ARRAY[p_user] ELSE ARRAY[p_user, 'org:' || p_org_nr] END
$$;

-- parley_send as migration 20261201000170 defined it, with its webhook payloads from the
-- functions above.
CREATE OR REPLACE FUNCTION parley_send(
    conv bigint, party text, sender text, conv_kind text,
    in_type text, in_body text, in_template bigint, client_id text, in_workshop text,
    title text, preview text,
    att_names text[], att_types text[], att_sizes bigint[], att_keys text[], att_urls text[], att_sha text[],
    in_reply_to bigint,
    OUT code text, OUT created boolean,
    OUT m_id bigint, OUT m_sender_party_id text, OUT m_sender_user_id text, OUT m_sender_role text,
    OUT m_type text, OUT m_body text, OUT m_template_id bigint, OUT m_client_message_id text,
    OUT m_removed_at timestamptz, OUT m_created_at timestamptz, OUT m_read_at timestamptz, OUT m_attachment_ids bigint[],
    OUT c_kind text, OUT c_booking_id bigint, OUT c_listing_id text, OUT c_buyer_id text, OUT c_last_message_id bigint,
    OUT c_message_count integer, OUT c_last_activity_at timestamptz, OUT c_created_at timestamptz,
    OUT v_role text, OUT v_unread_count integer, OUT v_last_read_message_id bigint, OUT v_last_read_at timestamptz,
    OUT v_archived_at timestamptz, OUT v_hidden_up_to bigint, OUT v_hidden_count integer,
    OUT booking_workshop text, OUT note_users text[], OUT note_ids bigint[], OUT m_reply_to_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prior messages;
    want_message boolean;
    want_notification boolean;
    parties text[];
    roles text[];
    recipients text[];
    muted text[];
    notify text[];
    note record;
BEGIN
    SELECT p.role, p.hidden_up_to, b.workshop_org_nr INTO v_role, v_hidden_up_to, booking_workshop
    FROM conversations AS c
    JOIN participants AS p ON p.conversation_id = c.id AND p.party_id = party
    LEFT JOIN bookings AS b ON b.id = c.booking_id
    WHERE c.id = conv AND c.kind = conv_kind AND p.deleted_at IS NULL
    FOR NO KEY UPDATE OF c;
    IF NOT FOUND THEN
        code := 'not_found';
        RETURN;
    END IF;
    IF in_workshop IS NOT NULL AND booking_workshop IS DISTINCT FROM in_workshop THEN
        code := 'workshop';
        RETURN;
    END IF;

    IF client_id <> '' THEN
        SELECT * INTO prior FROM messages AS m WHERE m.sender_user_id = sender AND m.client_message_id = client_id;
        IF FOUND THEN
            IF prior.conversation_id <> conv THEN
                code := 'used_elsewhere';
                RETURN;
            END IF;
            IF prior.type <> in_type OR prior.body <> in_body OR coalesce(prior.template_id, 0) <> coalesce(in_template, 0)
                OR prior.reply_to_id IS DISTINCT FROM in_reply_to
                OR (SELECT coalesce(jsonb_agg(jsonb_build_array(a.name, a.content_type, a.size_bytes, a.url, a.sha256) ORDER BY a.id), '[]')
                    FROM attachments AS a WHERE a.message_id = prior.id)
                <> (SELECT coalesce(jsonb_agg(jsonb_build_array(x.n, x.t, x.s, x.u, x.h) ORDER BY x.i), '[]')
                    FROM unnest(att_names, att_types, att_sizes, att_urls, att_sha) WITH ORDINALITY AS x (n, t, s, u, h, i)) THEN
                code := 'used_differently';
                RETURN;
            END IF;
            code := '';
            created := false;
            m_reply_to_id := prior.reply_to_id;
            SELECT prior.id, prior.sender_party_id, prior.sender_user_id, prior.sender_role, prior.type, prior.body,
                prior.template_id, prior.client_message_id, prior.removed_at, prior.created_at,
                (SELECT min(r.read_at) FROM message_reads AS r WHERE r.message_id = prior.id
                    AND CASE WHEN prior.sender_party_id = party THEN r.party_id <> party ELSE r.party_id = party END)
            INTO m_id, m_sender_party_id, m_sender_user_id, m_sender_role, m_type, m_body,
                m_template_id, m_client_message_id, m_removed_at, m_created_at, m_read_at;
            SELECT c.kind, c.booking_id, c.listing_id, c.buyer_id, c.last_message_id, c.message_count, c.last_activity_at, c.created_at,
                p.unread_count, p.last_read_message_id, p.last_read_at, p.archived_at, p.hidden_up_to, p.hidden_count
            INTO c_kind, c_booking_id, c_listing_id, c_buyer_id, c_last_message_id, c_message_count, c_last_activity_at, c_created_at,
                v_unread_count, v_last_read_message_id, v_last_read_at, v_archived_at, v_hidden_up_to, v_hidden_count
            FROM conversations AS c JOIN participants AS p ON p.conversation_id = c.id AND p.party_id = party
            WHERE c.id = conv;
            RETURN;
        END IF;
    END IF;

    -- A quote must be a message of this thread that the sender can see (not hidden from them
    -- by deleting the thread, nor deleted for themselves). One that was removed since may
    -- still be quoted: the reply says so.
    IF in_reply_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages AS m
            WHERE m.id = in_reply_to AND m.conversation_id = conv AND m.id > v_hidden_up_to
            AND NOT EXISTS (SELECT 1 FROM message_hides AS h WHERE h.party_id = party AND h.message_id = m.id)) THEN
        code := 'reply_not_found';
        RETURN;
    END IF;

    -- An erased sender (users.erased_at) sends nothing more: a replica that has not yet heard
    -- of the erasure still accepts their token for a few seconds.
    IF EXISTS (SELECT 1 FROM users AS u WHERE u.id = sender AND u.erased_at IS NOT NULL) THEN
        code := 'erased';
        RETURN;
    END IF;

    IF EXISTS (SELECT 1 FROM blocks AS b JOIN participants AS p ON p.party_id = b.blocker_party
            WHERE p.conversation_id = conv AND b.blocked_user_id = sender AND p.party_id <> party) THEN
        code := 'blocked';
        RETURN;
    END IF;

    -- Move the thread up every inbox, bring it back for anyone who archived or deleted it, and
    -- count the message unread for everyone but the sender.
    WITH touched AS (
        UPDATE participants AS p SET last_activity_at = now(), archived_at = NULL, deleted_at = NULL,
            unread_count = p.unread_count + CASE WHEN p.party_id = party THEN 0 ELSE 1 END
        WHERE p.conversation_id = conv
        RETURNING p.*
    )
    SELECT array_agg(t.party_id ORDER BY t.party_id), array_agg(t.role ORDER BY t.party_id),
        max(t.unread_count) FILTER (WHERE t.party_id = party), max(t.last_read_message_id) FILTER (WHERE t.party_id = party),
        max(t.last_read_at) FILTER (WHERE t.party_id = party), max(t.hidden_up_to) FILTER (WHERE t.party_id = party),
        max(t.hidden_count) FILTER (WHERE t.party_id = party),
        array_agg(t.party_id) FILTER (WHERE t.muted_at IS NOT NULL AND (t.muted_until IS NULL OR t.muted_until > now()))
    INTO parties, roles, v_unread_count, v_last_read_message_id, v_last_read_at, v_hidden_up_to, v_hidden_count, muted
    FROM touched AS t;

    INSERT INTO messages (conversation_id, sender_party_id, sender_user_id, sender_role, type, body, template_id, client_message_id, reply_to_id)
    VALUES (conv, party, sender, v_role, in_type, in_body, in_template, nullif(client_id, ''), in_reply_to)
    RETURNING id, sender_party_id, sender_user_id, sender_role, type, body, template_id, client_message_id, created_at
    INTO m_id, m_sender_party_id, m_sender_user_id, m_sender_role, m_type, m_body, m_template_id, m_client_message_id, m_created_at;
    code := '';
    created := true;
    m_reply_to_id := in_reply_to;

    IF cardinality(att_names) > 0 THEN
        WITH ins AS (
            INSERT INTO attachments (message_id, name, content_type, size_bytes, storage_key, url, sha256)
            SELECT m_id, x.n, x.t, x.s, x.k, x.u, x.h
            FROM unnest(att_names, att_types, att_sizes, att_keys, att_urls, att_sha) WITH ORDINALITY AS x (n, t, s, k, u, h, i)
            ORDER BY x.i
            RETURNING id
        )
        SELECT array_agg(ins.id ORDER BY ins.id) INTO m_attachment_ids FROM ins;
    END IF;

    UPDATE conversations AS c SET last_message_id = m_id, message_count = c.message_count + 1, last_activity_at = m_created_at
    WHERE c.id = conv
    RETURNING c.kind, c.booking_id, c.listing_id, c.buyer_id, c.last_message_id, c.message_count, c.last_activity_at, c.created_at
    INTO c_kind, c_booking_id, c_listing_id, c_buyer_id, c_last_message_id, c_message_count, c_last_activity_at, c_created_at;
    -- A notification for every user on the other side: the user of a personal party, or each
    -- known user of a workshop. Two selects, so each finds its users through an index (an OR
    -- read every user with an org_nr); they never match the same user. No insert (and no run of
    -- its statement triggers) when there is nobody to notify. A party that muted the thread
    -- gets none (its unread count still moved above).
    notify := ARRAY(SELECT x FROM unnest(parties) AS x WHERE x <> party AND NOT x = ANY(coalesce(muted, '{}')));
    SELECT array_agg(r.id) INTO recipients FROM (
        SELECT u.id FROM users AS u WHERE u.id = ANY(notify)
        UNION ALL
        SELECT u.id FROM users AS u
        WHERE u.role = 'workshop' AND u.org_nr = ANY(ARRAY(
            SELECT substr(x, 5) FROM unnest(notify) AS x WHERE starts_with(x, 'org:')))
    ) AS r
    WHERE r.id <> sender;
    IF recipients IS NOT NULL THEN
        FOR note IN
            INSERT INTO notifications (user_id, type, title, body, data, conversation_id, message_id)
            SELECT r.id, 'message.received', title, preview,
                jsonb_build_object('conversation_id', conv, 'message_id', m_id)
                    || jsonb_strip_nulls(jsonb_build_object('booking_id', c_booking_id, 'listing_id', c_listing_id)),
                conv, m_id
            FROM unnest(recipients) AS r (id)
            RETURNING id, user_id
        LOOP
            note_users := note_users || note.user_id;
            note_ids := note_ids || note.id;
        END LOOP;
    END IF;

    SELECT coalesce(bool_or(w.events @> '{message.received}'), false), coalesce(bool_or(w.events @> '{notification.created}'), false)
    INTO want_message, want_notification
    FROM webhook_endpoints AS w WHERE w.active;
    IF want_message THEN
        PERFORM parley_enqueue_webhook('message.received', array_remove(parties, party),
            parley_message_webhook_data(conv, c_kind, c_created_at, c_booking_id, c_listing_id, parties, roles,
                m_id, m_body, sender, m_sender_role, m_type, m_created_at, m_attachment_ids));
    END IF;
    IF want_notification THEN
        FOR note IN
            SELECT n.*, u.org_nr FROM notifications AS n JOIN users AS u ON u.id = n.user_id
            WHERE n.id = ANY(note_ids) ORDER BY n.id
        LOOP
            PERFORM parley_enqueue_webhook('notification.created', parley_note_webhook_parties(note.user_id, note.org_nr),
                parley_note_webhook_data(note.id, note.user_id, note.type, note.title, note.body, note.created_at,
                    conv, m_id, c_booking_id, c_listing_id));
        END LOOP;
    END IF;
END $$;

-- parley_send_set sends a group-commit batch (db/send_batch.go) set by set: one statement per
-- step for the whole batch, where calling parley_send once per send ran each of its dozen
-- statements once per send (executor start, plan checks and plpgsql work per statement cost
-- PostgreSQL more than a send's rows). It writes what parley_send writes and returns its
-- columns, one row per send in the arrays' order. Any send that parley_send would refuse or
-- answer as a retry (a clientMessageId already used, also twice in one batch) sends the whole
-- batch through parley_send instead, so each refusal stays written once, there.
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
    want_message boolean;
    want_notification boolean;
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
            = count(*) FILTER (WHERE a.client_id <> ''),
        array_agg(x.role ORDER BY a.i), array_agg(x.workshop ORDER BY a.i),
        (SELECT coalesce(bool_or(w.events @> '{message.received}'), false) FROM webhook_endpoints AS w WHERE w.active),
        (SELECT coalesce(bool_or(w.events @> '{notification.created}'), false) FROM webhook_endpoints AS w WHERE w.active)
    INTO plain, roles, workshops, want_message, want_notification
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
    -- batch's sends of the others. Their rows are locked first in key order, as
    -- MarkDeliveredBatch locks them (db/prefs.go): the update takes them in its join's order.
    PERFORM FROM participants AS p WHERE p.conversation_id = ANY(b_conv)
    ORDER BY p.conversation_id, p.party_id FOR NO KEY UPDATE OF p;
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
        ORDER BY r.i, r.user_id
        RETURNING id, user_id, message_id
    )
    SELECT array_agg(ins.id ORDER BY ins.id), array_agg(ins.user_id ORDER BY ins.id), array_agg(ins.message_id ORDER BY ins.id)
    INTO notes_id, notes_user, notes_message FROM ins;

    -- Webhook events in parley_send's order: each send's message, then its notifications.
    IF want_message OR want_notification THEN
        PERFORM parley_enqueue_webhook(e.typ, e.parties, e.data) FROM (
            SELECT a.i, 0::bigint AS k, 'message.received' AS typ, array_remove(pp.party_list, a.party) AS parties,
                parley_message_webhook_data(a.conv, c.kind, c.created_at, c.booking_id, c.listing_id, pp.party_list, pp.role_list,
                    ids[a.i], b_body[a.i], a.sender, roles[a.i], b_type[a.i], now(), NULL) AS data
            FROM unnest(b_conv, b_party, b_sender) WITH ORDINALITY AS a (conv, party, sender, i)
            JOIN unnest(convs) AS c ON c.id = a.conv
            CROSS JOIN LATERAL (
                SELECT array_agg(t.party_id ORDER BY t.party_id) AS party_list, array_agg(t.role ORDER BY t.party_id) AS role_list
                FROM unnest(touched) AS t WHERE t.conversation_id = a.conv
            ) AS pp
            WHERE want_message
            UNION ALL
            SELECT array_position(ids, n.message_id)::bigint, n.id, 'notification.created',
                parley_note_webhook_parties(n.user_id, u.org_nr),
                parley_note_webhook_data(n.id, n.user_id, n.type, n.title, n.body, n.created_at, n.conversation_id,
                    n.message_id, c.booking_id, c.listing_id)
            FROM notifications AS n
            JOIN users AS u ON u.id = n.user_id
            JOIN unnest(convs) AS c ON c.id = n.conversation_id
            WHERE want_notification AND n.id = ANY(notes_id)
            ORDER BY 1, 2
        ) AS e;
    END IF;

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
