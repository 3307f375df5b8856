DROP FUNCTION parley_send(bigint, text, text, text, text, text, bigint, text, text, text, text,
    text[], text[], bigint[], text[], text[], text[]);
DROP FUNCTION parley_enqueue_webhook(text, text[], jsonb);
DROP FUNCTION parley_wire_party(text, text);
DROP FUNCTION parley_wire_user(text);
DROP FUNCTION parley_wire_time(timestamptz);
