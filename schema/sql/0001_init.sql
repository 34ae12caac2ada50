-- 0001_init: engine-level prerequisites only; domain tables come in later files.
--
-- btree_gist lets one exclusion constraint mix equality on plain columns with
-- overlap on time ranges, e.g. EXCLUDE USING gist (technician_id WITH =,
-- during WITH &&): no double booking as a database property (DESIGN §4).
--
-- gen_random_uuid() is built into PostgreSQL 13+, so pgcrypto is not needed
-- for ids; add it in a later migration only if a table needs its functions.
CREATE EXTENSION IF NOT EXISTS btree_gist;
