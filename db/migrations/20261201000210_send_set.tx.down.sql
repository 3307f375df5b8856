DROP FUNCTION parley_send_set(bigint[], text[], text[], text[], text[], text[], bigint[], text[], text[], text[], text[], bigint[]);
