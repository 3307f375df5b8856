DROP TRIGGER inbox_totals_upd ON participants;
DROP TRIGGER inbox_totals_del ON participants;
DROP TRIGGER inbox_totals_ins ON participants;
DROP FUNCTION inbox_totals_upd();
DROP FUNCTION inbox_totals_del();
DROP FUNCTION inbox_totals_ins();
DROP FUNCTION inbox_totals_add(jsonb);
DROP TABLE inbox_totals;
