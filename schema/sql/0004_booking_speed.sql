-- 0004_booking_speed: the same rules and results as 0002/0003, cheaper under
-- Row Level Security. Nothing a caller or the engine sees changes: no
-- function's signature, result or outcome differs; the exclusion constraint
-- appointments_no_double_booking stays the double-booking guarantee. Why each
-- change (docs/tenancy.md "Cost", docs/booking.md "Benchmarks"):
--
-- 1. Policies: the tenant is read once per statement, not once per row.
--    sai_current_tenant() and sai_platform_scope() are STABLE SQL functions,
--    so the planner inlined them into every policy and evaluated
--    current_setting() and the text->uuid cast for each row a query touched
--    (a profile of the load benchmark put that at ~7% of all machine CPU).
--    Wrapped in scalar sub-selects they become InitPlans, computed once per
--    execution of each statement. Same predicate, same isolation; ALTER
--    POLICY keeps the policies' names, commands and roles.
--
-- 2. Overlap scans use btree comparisons. Under RLS a user qual can be an
--    index condition only when its operator is leakproof (otherwise it could
--    see rows the policy hides before the policy filters them); tstzrange's
--    && is not, timestamptz's < and > are. So "technician busy in this
--    range" could only use technician_id on the exclusion constraint's GiST
--    index and then read every appointment the technician ever had, past
--    ones included: a cost that grew with history. Plain columns starts_at =
--    lower(during) and ends_at = upper(during) (stored generated, so no
--    writer can get them wrong) with partial btree indexes on (technician_id,
--    ends_at) and (tenant_id, ends_at) let sai_book, sai_reschedule and
--    sai_booking_context's 'busy' rows read only the appointments ending
--    after the window opens. The INCLUDEd columns are everything those
--    queries read (tenant_id for the policy), so they can be index-only
--    scans. For the [) ranges all of these are (CHECKs in 0003),
--    `during && [lo, hi)` is exactly `starts_at < hi AND ends_at > lo`.
--    The function bodies below are 0003's with only those conditions
--    changed.
--
-- 3. appointments_tenant_during_idx, a GiST index on (tenant_id, during), is
--    dropped: it exists for the 'busy' query, which under RLS could never use
--    it (the same && rule), and every appointment write paid for it.
--    appointments_tenant_ends_idx replaces it.
--
-- Deploying: adding the stored columns rewrites appointments under an
-- ACCESS EXCLUSIVE lock and the indexes are built in this transaction
-- (migrations cannot CREATE INDEX CONCURRENTLY); bookings wait for it, which
-- at today's sizes (thousands of rows) is well under a second. Then run
-- `VACUUM (ANALYZE) appointments;` once, outside a transaction: the rewrite
-- leaves the visibility map empty, and until a vacuum fills it the
-- index-only scans still visit the heap (docs/booking.md).

-- ------------------------------------------------------------------ 1. policies

ALTER POLICY tenant_isolation ON tenants
    USING (id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON phone_numbers
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON assistant_settings
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON calls
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON booking_settings
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON services
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON technicians
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON business_hours
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON closures
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON customers
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON appointments
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));
ALTER POLICY tenant_isolation ON outbox
    USING (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()))
    WITH CHECK (tenant_id = (SELECT sai_current_tenant()) OR (SELECT sai_platform_scope()));

-- Every tenant_isolation policy now reads the settings through sub-selects;
-- one this file missed (a table added elsewhere) fails the migration here
-- instead of costing CPU per row unnoticed.
DO $$
DECLARE
    v_missed text;
BEGIN
    SELECT string_agg(p.tablename, ', ' ORDER BY p.tablename) INTO v_missed
      FROM pg_policies p
     WHERE p.schemaname = 'public' AND p.policyname = 'tenant_isolation'
       AND (p.qual !~ '\(\s*SELECT sai_current_tenant\(\)'
            OR p.with_check !~ '\(\s*SELECT sai_current_tenant\(\)');
    IF v_missed IS NOT NULL THEN
        RAISE EXCEPTION 'tenant_isolation policies without sub-selects: %', v_missed;
    END IF;
END
$$;

-- ------------------------------------------------------------------ 2. columns and indexes

ALTER TABLE appointments
    ADD COLUMN starts_at timestamptz NOT NULL GENERATED ALWAYS AS (lower(during)) STORED,
    ADD COLUMN ends_at   timestamptz NOT NULL GENERATED ALWAYS AS (upper(during)) STORED;

-- A technician's active appointments by end: "busy in [lo, hi)" reads those
-- ending after lo (sai_book, sai_reschedule).
CREATE INDEX appointments_technician_ends_idx ON appointments (technician_id, ends_at)
    INCLUDE (starts_at, tenant_id) WHERE status IN ('booked', 'rescheduled');
-- A tenant's active appointments by end: the 'busy' rows of sai_booking_context.
CREATE INDEX appointments_tenant_ends_idx ON appointments (tenant_id, ends_at)
    INCLUDE (starts_at, technician_id) WHERE status IN ('booked', 'rescheduled');

-- ------------------------------------------------------------------ 3. unused index

DROP INDEX appointments_tenant_during_idx;

-- Statistics for the new columns now rather than at the next autoanalyze
-- (the rewrite does not count as changes), so the first plans are good.
ANALYZE appointments;

-- ------------------------------------------------------------------ functions

-- 0003's sai_book; the technician loop's two overlap tests now compare
-- starts_at/ends_at with the bounds of v_range and of the 12-hour window.
CREATE OR REPLACE FUNCTION sai_book(
    p_tenant uuid, p_caller_phone text, p_customer_name text, p_address text,
    p_service uuid, p_start timestamptz, p_tool_call_id text, p_call_id text,
    p_description text, p_lang text)
RETURNS sai_booking_result
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_svc   services%ROWTYPE;
    v_cust  customers%ROWTYPE;
    v_id    uuid;
    v_tech  record;
    v_work  timestamptz;
    v_range tstzrange;
BEGIN
    PERFORM sai_booking_lock(p_tenant);
    IF p_tool_call_id IS NOT NULL THEN
        SELECT a.id INTO v_id FROM appointments a
         WHERE a.tenant_id = p_tenant AND a.tool_call_id = p_tool_call_id;
        IF FOUND THEN
            RETURN sai_booking_row('repeat', v_id);
        END IF;
    END IF;

    SELECT * INTO v_svc FROM services s WHERE s.tenant_id = p_tenant AND s.id = p_service AND s.active;
    IF NOT FOUND THEN
        RETURN sai_booking_status('bad_service');
    END IF;

    INSERT INTO customers AS c (tenant_id, phone, name, address, preferred_language)
    VALUES (p_tenant, p_caller_phone, nullif(btrim(p_customer_name), ''),
            nullif(btrim(p_address), ''),
            CASE WHEN p_lang IN ('en', 'es') THEN p_lang ELSE 'en' END)
    ON CONFLICT (tenant_id, phone) DO UPDATE
        SET name = coalesce(EXCLUDED.name, c.name),
            address = coalesce(EXCLUDED.address, c.address),
            preferred_language = CASE WHEN p_lang IN ('en', 'es') THEN p_lang
                                      ELSE c.preferred_language END
    RETURNING * INTO v_cust;

    SELECT a.id INTO v_id FROM appointments a
     WHERE a.tenant_id = p_tenant AND a.customer_id = v_cust.id AND a.service_id = v_svc.id
       AND lower(a.during) = p_start AND a.status IN ('booked', 'rescheduled')
     LIMIT 1;
    IF FOUND THEN
        RETURN sai_booking_row('repeat', v_id);
    END IF;

    v_work := p_start + make_interval(mins => v_svc.duration_min);
    v_range := tstzrange(p_start, v_work + make_interval(mins => v_svc.buffer_min), '[)');

    FOR v_tech IN
        SELECT t.id
          FROM technicians t
         WHERE t.tenant_id = p_tenant AND t.active
           AND (v_svc.skill IS NULL OR v_svc.skill = ANY (t.skills))
           AND NOT EXISTS (SELECT 1 FROM appointments a
                            WHERE a.technician_id = t.id
                              AND a.status IN ('booked', 'rescheduled')
                              AND a.ends_at > lower(v_range) AND a.starts_at < upper(v_range))
         ORDER BY (SELECT count(*) FROM appointments a
                    WHERE a.technician_id = t.id AND a.status IN ('booked', 'rescheduled')
                      AND a.ends_at > p_start - interval '12 hours'
                      AND a.starts_at < p_start + interval '12 hours'),
                  t.name, t.id
    LOOP
        BEGIN
            INSERT INTO appointments (tenant_id, customer_id, service_id, technician_id, during,
                                      work_ends_at, status, address, description, vapi_call_id,
                                      tool_call_id)
            VALUES (p_tenant, v_cust.id, v_svc.id, v_tech.id, v_range, v_work, 'booked',
                    coalesce(nullif(btrim(p_address), ''), v_cust.address),
                    coalesce(p_description, ''), p_call_id, p_tool_call_id)
            RETURNING id INTO v_id;
        EXCEPTION
            WHEN exclusion_violation THEN
                CONTINUE; -- a concurrent call won this technician: try the next
            WHEN unique_violation THEN
                -- the same toolCallId committed concurrently
                SELECT a.id INTO v_id FROM appointments a
                 WHERE a.tenant_id = p_tenant AND a.tool_call_id = p_tool_call_id;
                IF FOUND THEN
                    RETURN sai_booking_row('repeat', v_id);
                END IF;
                RAISE;
        END;
        PERFORM sai_outbox_appointment(v_id, 'booked');
        RETURN sai_booking_row('booked', v_id);
    END LOOP;
    RETURN sai_booking_status('slot_taken');
END
$$;

-- 0003's sai_reschedule; the technician loop's overlap test now compares
-- starts_at/ends_at with the bounds of v_range.
CREATE OR REPLACE FUNCTION sai_reschedule(
    p_tenant uuid, p_caller_phone text, p_appointment uuid, p_new_start timestamptz,
    p_tool_call_id text, p_call_id text)
RETURNS sai_booking_result
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_old   appointments%ROWTYPE;
    v_svc   services%ROWTYPE;
    v_id    uuid;
    v_tech  record;
    v_work  timestamptz;
    v_range tstzrange;
BEGIN
    PERFORM sai_booking_lock(p_tenant);
    IF p_tool_call_id IS NOT NULL THEN
        SELECT a.id INTO v_id FROM appointments a
         WHERE a.tenant_id = p_tenant AND a.tool_call_id = p_tool_call_id;
        IF FOUND THEN
            RETURN sai_booking_row('repeat', v_id);
        END IF;
    END IF;

    SELECT a.* INTO v_old
      FROM appointments a
      JOIN customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id
     WHERE a.tenant_id = p_tenant AND a.id = p_appointment AND c.phone = p_caller_phone
       FOR UPDATE OF a;
    IF NOT FOUND THEN
        RETURN sai_booking_status('not_found');
    END IF;
    IF v_old.status NOT IN ('booked', 'rescheduled') THEN
        RETURN sai_booking_row('not_active', v_old.id);
    END IF;
    IF lower(v_old.during) <= now() THEN
        RETURN sai_booking_row('past', v_old.id);
    END IF;
    IF lower(v_old.during) = p_new_start THEN
        RETURN sai_booking_row('same_time', v_old.id);
    END IF;

    SELECT * INTO v_svc FROM services s WHERE s.tenant_id = p_tenant AND s.id = v_old.service_id;
    v_work := p_new_start + make_interval(mins => v_svc.duration_min);
    v_range := tstzrange(p_new_start, v_work + make_interval(mins => v_svc.buffer_min), '[)');

    FOR v_tech IN
        SELECT t.id
          FROM technicians t
         WHERE t.tenant_id = p_tenant AND t.active
           AND (v_svc.skill IS NULL OR v_svc.skill = ANY (t.skills))
           AND NOT EXISTS (SELECT 1 FROM appointments a
                            WHERE a.technician_id = t.id AND a.id <> v_old.id
                              AND a.status IN ('booked', 'rescheduled')
                              AND a.ends_at > lower(v_range) AND a.starts_at < upper(v_range))
         ORDER BY (t.id = v_old.technician_id) DESC, t.name, t.id
    LOOP
        BEGIN
            UPDATE appointments
               SET status = 'cancelled', cancel_reason = 'rescheduled', cancelled_at = now(),
                   cancel_tool_call_id = p_tool_call_id
             WHERE id = v_old.id;
            INSERT INTO appointments (tenant_id, customer_id, service_id, technician_id, during,
                                      work_ends_at, status, address, description, vapi_call_id,
                                      tool_call_id, rescheduled_from)
            VALUES (p_tenant, v_old.customer_id, v_old.service_id, v_tech.id, v_range, v_work,
                    'rescheduled', v_old.address, v_old.description,
                    coalesce(p_call_id, v_old.vapi_call_id), p_tool_call_id, v_old.id)
            RETURNING id INTO v_id;
        EXCEPTION
            WHEN exclusion_violation THEN
                CONTINUE; -- the block rolled the cancellation back too
            WHEN unique_violation THEN
                SELECT a.id INTO v_id FROM appointments a
                 WHERE a.tenant_id = p_tenant AND a.tool_call_id = p_tool_call_id;
                IF FOUND THEN
                    RETURN sai_booking_row('repeat', v_id);
                END IF;
                RETURN sai_booking_row('not_active', v_old.id);
        END;
        PERFORM sai_outbox_appointment(v_id, 'rescheduled');
        RETURN sai_booking_row('rescheduled', v_id);
    END LOOP;
    RETURN sai_booking_status('slot_taken');
END
$$;

-- 0003's sai_booking_context (its comment there describes the rows); the
-- 'busy' rows now select by ends_at/starts_at and read those columns.
CREATE OR REPLACE FUNCTION sai_booking_context(
    p_tenant uuid, p_now_ms bigint, p_caller text, p_tool_call_id text, p_parts integer)
RETURNS TABLE (kind text, c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text,
               c8 text, c9 text, c10 text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_now     timestamptz := to_timestamp(p_now_ms / 1000.0);
    v_horizon integer;
BEGIN
    RETURN QUERY
        SELECT 'settings'::text, t.timezone, coalesce(b.lead_time_min, 120)::text,
               coalesce(b.horizon_days, 14)::text, coalesce(b.slot_step_min, 60)::text,
               NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text
          FROM tenants t LEFT JOIN booking_settings b ON b.tenant_id = t.id
         WHERE t.id = p_tenant;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_parts & 1 <> 0 THEN
        SELECT coalesce(b.horizon_days, 14) INTO v_horizon
          FROM tenants t LEFT JOIN booking_settings b ON b.tenant_id = t.id
         WHERE t.id = p_tenant;
        RETURN QUERY
            SELECT 'service'::text, s.id::text, s.name, coalesce(s.name_es, ''),
                   array_to_string(s.aliases, '|'), s.duration_min::text, s.buffer_min::text,
                   CASE WHEN s.is_emergency THEN 't' ELSE 'f' END, coalesce(s.skill, ''),
                   NULL::text, NULL::text
              FROM services s
             WHERE s.tenant_id = p_tenant AND s.active
             ORDER BY s.sort_order, s.name;
        RETURN QUERY
            SELECT 'tech'::text, t.id::text, t.name, array_to_string(t.skills, ','),
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                   NULL::text
              FROM technicians t
             WHERE t.tenant_id = p_tenant AND t.active
             ORDER BY t.name, t.id;
        RETURN QUERY
            SELECT 'hours'::text, h.weekday::text,
                   (extract(epoch FROM h.opens) / 60)::integer::text,
                   (extract(epoch FROM h.closes) / 60)::integer::text,
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                   NULL::text
              FROM business_hours h
             WHERE h.tenant_id = p_tenant;
        RETURN QUERY
            SELECT 'closure'::text, to_char(c.starts_on, 'YYYYMMDD'),
                   to_char(c.ends_on, 'YYYYMMDD'),
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                   NULL::text, NULL::text
              FROM closures c
             WHERE c.tenant_id = p_tenant AND c.ends_on >= (v_now AT TIME ZONE 'UTC')::date - 1;
        RETURN QUERY
            SELECT 'busy'::text, a.technician_id::text,
                   (extract(epoch FROM a.starts_at) * 1000)::bigint::text,
                   (extract(epoch FROM a.ends_at) * 1000)::bigint::text,
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                   NULL::text
              FROM appointments a
             WHERE a.tenant_id = p_tenant AND a.status IN ('booked', 'rescheduled')
               AND a.ends_at > v_now
               AND a.starts_at < v_now + make_interval(days => v_horizon + 2)
             ORDER BY a.technician_id, a.starts_at;
    END IF;
    IF p_parts & 2 <> 0 AND p_tool_call_id IS NOT NULL THEN
        RETURN QUERY
            SELECT 'repeat'::text, r.status, r.appointment_id::text,
                   (extract(epoch FROM r.starts_at) * 1000)::bigint::text, r.technician_name,
                   r.service_name, coalesce(r.service_name_es, ''), r.customer_name, r.address,
                   CASE WHEN r.sms_opt_out THEN 't' ELSE 'f' END,
                   (extract(epoch FROM r.previous_start) * 1000)::bigint::text
              FROM appointments a, sai_booking_row('repeat', a.id) r
             WHERE a.tenant_id = p_tenant AND a.tool_call_id = p_tool_call_id;
    END IF;
    IF p_parts & 4 <> 0 AND p_caller IS NOT NULL THEN
        RETURN QUERY
            SELECT 'appt'::text, a.id::text, a.service_id::text, a.technician_id::text, s.name,
                   coalesce(s.name_es, ''),
                   (extract(epoch FROM lower(a.during)) * 1000)::bigint::text,
                   (extract(epoch FROM upper(a.during)) * 1000)::bigint::text,
                   NULL::text, NULL::text, NULL::text
              FROM appointments a
              JOIN customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id
              JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
             WHERE a.tenant_id = p_tenant AND c.phone = p_caller
               AND a.status IN ('booked', 'rescheduled') AND lower(a.during) > v_now
             ORDER BY lower(a.during)
             LIMIT 10;
    END IF;
    IF p_parts & 8 <> 0 AND p_caller IS NOT NULL THEN
        RETURN QUERY
            SELECT 'customer'::text, c.name, c.address, c.preferred_language,
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                   NULL::text
              FROM customers c
             WHERE c.tenant_id = p_tenant AND c.phone = p_caller;
    END IF;
END
$$;
