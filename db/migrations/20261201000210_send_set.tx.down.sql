DROP FUNCTION parley_send_set(bigint[], text[], text[], text[], text[], text[], bigint[], text[], text[], text[], text[], bigint[]);

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
        PERFORM parley_enqueue_webhook('message.received',
            array_remove(parties, party),
            jsonb_build_object(
                'conversation', jsonb_build_object('id', 'conv_' || conv, 'kind', c_kind, 'created_at', parley_wire_time(c_created_at),
                    'participants', (SELECT jsonb_agg(parley_wire_party(x.p, x.r) ORDER BY x.i)
                        FROM unnest(parties, roles) WITH ORDINALITY AS x (p, r, i)))
                    || jsonb_strip_nulls(jsonb_build_object('booking_id', c_booking_id, 'listing_id', 'lst_' || c_listing_id)),
                'message', jsonb_build_object('id', 'msg_' || m_id, 'conversation_id', 'conv_' || conv, 'content', m_body,
                    'sender_id', parley_wire_user(sender), 'sender_type', m_sender_role, 'type', m_type,
                    'sent_at', parley_wire_time(m_created_at),
                    'attachments', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name,
                            'url', CASE WHEN a.storage_key <> '' THEN '/attachments/' || a.id ELSE a.url END,
                            'content_type', a.content_type, 'size', a.size_bytes) ORDER BY a.id), '[]')
                        FROM attachments AS a WHERE a.id = ANY(m_attachment_ids)))));
    END IF;
    IF want_notification THEN
        FOR note IN
            SELECT n.*, u.org_nr FROM notifications AS n JOIN users AS u ON u.id = n.user_id
            WHERE n.id = ANY(note_ids) ORDER BY n.id
        LOOP
            PERFORM parley_enqueue_webhook('notification.created',
                CASE WHEN note.org_nr IS NULL THEN ARRAY[note.user_id] ELSE ARRAY[note.user_id, 'org:' || note.org_nr] END,
                jsonb_build_object('notification', jsonb_build_object('id', 'ntf_' || note.id,
                    'user_id', parley_wire_user(note.user_id), 'type', note.type, 'title', note.title, 'body', note.body,
                    'data', jsonb_build_object('conversation_id', 'conv_' || conv, 'message_id', 'msg_' || m_id)
                        || jsonb_strip_nulls(jsonb_build_object('booking_id', c_booking_id, 'listing_id',
                            CASE WHEN starts_with(c_listing_id, 'lst_') THEN c_listing_id ELSE 'lst_' || c_listing_id END)),
                    'created_at', parley_wire_time(note.created_at))));
        END LOOP;
    END IF;
END $$;

DROP FUNCTION parley_message_webhook_data(bigint, text, timestamptz, bigint, text, text[], text[], bigint, text, text, text, text, timestamptz, bigint[]);
DROP FUNCTION parley_note_webhook_data(bigint, text, text, text, text, timestamptz, bigint, bigint, bigint, text);
DROP FUNCTION parley_note_webhook_parties(text, text);
