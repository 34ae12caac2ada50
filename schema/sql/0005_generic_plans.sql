-- 0005_generic_plans: the booking functions keep one plan per statement.
--
-- plpgsql prepares each statement of a function once per session and then,
-- under plan_cache_mode = auto, re-plans it with the call's values for the
-- first five calls and afterwards whenever its estimate of a generic plan is
-- no better than the custom ones. For sai_book's technician choice that meant
-- planning on every call: EXPLAIN showed 1.4 ms of planning for 0.13 ms of
-- execution (the RLS policies' InitPlans and the appointments indexes make
-- planning dear), and pg_stat_statements put the statement at 0.67 ms mean
-- under load. The generic plans are the same index scans (checked with
-- force_generic_plan and EXPLAIN ANALYZE as serviceai_app): tenant and
-- technician equality, ends_at/starts_at ranges (0004). With this setting
-- the statement took 0.34 ms and sai_book 1.33 ms instead of 1.65 ms.
--
-- A function-level SET applies while the function runs (and to what it
-- calls), costs a GUC save/restore per call, and changes nothing else.
ALTER FUNCTION sai_book(uuid, text, text, text, uuid, timestamptz, text, text, text, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sai_reschedule(uuid, text, uuid, timestamptz, text, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sai_cancel(uuid, text, uuid, text, text, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sai_booking_context(uuid, bigint, text, text, integer)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sai_booking_row(text, uuid)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sai_outbox_appointment(uuid, text)
    SET plan_cache_mode = force_generic_plan;
