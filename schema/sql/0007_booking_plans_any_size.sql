-- 0007_booking_plans_any_size: the booking functions' plans must not depend on
-- how many appointments existed when a session first ran them.
--
-- 0005 made plpgsql keep one generic plan per statement for the life of an
-- engine connection. That plan is made on the session's first call, with the
-- statistics of that moment. A new deployment (or any table the planner thinks
-- is near empty) gets a plan for a near-empty appointments table, and keeps it:
-- sai_book's technician choice then ran its NOT EXISTS as a nested loop over a
-- sequential scan of every tenant's appointments, once per technician. Under
-- the load benchmark (calendars emptied before each pass) pg_stat_user_tables
-- counted 15,848 sequential scans of appointments reading 38 million rows in
-- about 10,000 bookings, and auto_explain showed that plan in every session.
--
-- Every statement in these functions has an index made for it (0003, 0004),
-- so a sequential scan is never the right plan for them at a size where it
-- matters. With enable_seqscan off, a plan made on an empty table uses the
-- same indexes as a plan made on a full one; a table with no usable index
-- would still be scanned (the setting adds cost, it does not forbid).
ALTER FUNCTION sai_book(uuid, text, text, text, uuid, timestamptz, text, text, text, text)
    SET enable_seqscan = off;
ALTER FUNCTION sai_reschedule(uuid, text, uuid, timestamptz, text, text)
    SET enable_seqscan = off;
ALTER FUNCTION sai_cancel(uuid, text, uuid, text, text, text)
    SET enable_seqscan = off;
ALTER FUNCTION sai_booking_context(uuid, bigint, text, text, integer)
    SET enable_seqscan = off;
ALTER FUNCTION sai_booking_row(text, uuid)
    SET enable_seqscan = off;
ALTER FUNCTION sai_outbox_appointment(uuid, text)
    SET enable_seqscan = off;
