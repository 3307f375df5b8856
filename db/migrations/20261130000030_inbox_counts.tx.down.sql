DROP TRIGGER inbox_counts_upd ON participants;
DROP TRIGGER inbox_counts_del ON participants;
DROP TRIGGER inbox_counts_ins ON participants;
DROP FUNCTION inbox_counts_upd();
DROP FUNCTION inbox_counts_del();
DROP FUNCTION inbox_counts_ins();
DROP FUNCTION inbox_counts_add(jsonb);
DROP TABLE inbox_counts;
