-- 0006_booking_context_cached: check_availability and the booking tools can
-- skip the rows that rarely change.
--
-- Every check_availability and every booking read sai_booking_context's
-- service, technician, hours and closure rows anew, with the busy rows: about
-- a dozen rows and five of its seven queries that change only when someone
-- edits the business (serviceai tenant/service/tech/hours/closure). The engine
-- now keeps them per tenant for a few seconds (act_booking.h) and asks with
-- p_parts bit 16: "I have the set-up rows; settings, busy and the rest only".
-- Everything else is 0004's function unchanged (and 0005's generic plans).
CREATE OR REPLACE FUNCTION sai_booking_context(
    p_tenant uuid, p_now_ms bigint, p_caller text, p_tool_call_id text, p_parts integer)
RETURNS TABLE (kind text, c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text,
               c8 text, c9 text, c10 text)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan AS $$
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
    END IF;
    IF p_parts & 1 <> 0 AND p_parts & 16 = 0 THEN
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
    END IF;
    IF p_parts & 1 <> 0 THEN
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
