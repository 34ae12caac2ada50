-- 0003_booking: what a tenant books and who does the work - services,
-- technicians, weekly hours, closures, customers, appointments - and the
-- outbox of side effects a booking causes. Every table is tenant data under
-- Row Level Security exactly as in 0002 (docs/tenancy.md).
--
-- Policy lives here where it makes a booking atomic and one round trip:
-- sai_book / sai_reschedule / sai_cancel each upsert, pick, insert and write
-- the outbox in the caller's transaction, and sai_booking_context reads all
-- a tool needs in one statement. "No double booking" is the exclusion
-- constraint on appointments, not a check done by the engine; a per-tenant
-- advisory lock (sai_booking_lock) only makes the loser of a race find out
-- at once instead of after a deadlock timeout. Slot arithmetic in the
-- tenant's time zone (DST, hours, lead time) is the engine's
-- (actors/act_availability.c, with ICU); the functions trust the start they
-- are given. See docs/booking.md.

-- ------------------------------------------------------------------ helpers

-- Skills are short lower-case tokens ("hvac", "gas", "refrigeration") so that
-- they travel as a plain comma-separated list and compare exactly.
CREATE OR REPLACE FUNCTION sai_skills_valid(skills text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(bool_and(s ~ '^[a-z0-9][a-z0-9_-]{0,39}$'), true) FROM unnest(skills) AS s
$$;

-- ------------------------------------------------------------------ tables

-- Per-tenant booking rules; a tenant without a row gets the defaults.
CREATE TABLE booking_settings (
    tenant_id     uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- no slot may start sooner than this after "now" (time to dispatch a truck)
    lead_time_min integer NOT NULL DEFAULT 120 CHECK (lead_time_min BETWEEN 0 AND 10080),
    -- how many days ahead (today included) slots are offered
    horizon_days  integer NOT NULL DEFAULT 14 CHECK (horizon_days BETWEEN 1 AND 90),
    -- candidate starts every N minutes from each opening time
    slot_step_min integer NOT NULL DEFAULT 60 CHECK (slot_step_min BETWEEN 5 AND 480),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER booking_settings_touch BEFORE UPDATE ON booking_settings
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

CREATE TABLE services (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    name_es      text CHECK (name_es IS NULL OR length(btrim(name_es)) BETWEEN 1 AND 120),
    -- other words callers use for it ("AC", "air conditioning"); matched by the engine
    aliases      text[] NOT NULL DEFAULT '{}',
    duration_min integer NOT NULL CHECK (duration_min BETWEEN 5 AND 1440),
    -- technician time after the job (travel, clean-up): part of the booked range
    buffer_min   integer NOT NULL DEFAULT 0 CHECK (buffer_min BETWEEN 0 AND 480),
    is_emergency boolean NOT NULL DEFAULT false,
    -- the skill a technician needs for it; NULL: anyone
    skill        text CHECK (skill IS NULL OR sai_skills_valid(ARRAY[skill])),
    active       boolean NOT NULL DEFAULT true,
    sort_order   integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX services_tenant_name_key ON services (tenant_id, lower(name));
CREATE TRIGGER services_touch BEFORE UPDATE ON services
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

CREATE TABLE technicians (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    phone      text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    skills     text[] NOT NULL DEFAULT '{}' CHECK (sai_skills_valid(skills)),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX technicians_tenant_name_key ON technicians (tenant_id, lower(name));
CREATE TRIGGER technicians_touch BEFORE UPDATE ON technicians
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

-- Weekly opening hours in the tenant's own time zone (tenants.timezone):
-- local wall-clock times, so "8 AM" stays 8 AM across DST. weekday 0 is
-- Sunday (as EXTRACT(dow)). A day may have several intervals (a lunch
-- break); none means closed. closes may be 24:00; a night shift past
-- midnight is two rows.
CREATE TABLE business_hours (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    weekday   smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens     time NOT NULL,
    closes    time NOT NULL,
    PRIMARY KEY (tenant_id, weekday, opens),
    CHECK (closes > opens),
    CONSTRAINT business_hours_no_overlap EXCLUDE USING gist (
        tenant_id WITH =, weekday WITH =,
        int4range((extract(epoch FROM opens) / 60)::integer,
                  (extract(epoch FROM closes) / 60)::integer) WITH &&)
);

-- Days off in the tenant's time zone, both ends included (holidays, vacations).
CREATE TABLE closures (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    starts_on  date NOT NULL,
    ends_on    date NOT NULL,
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    UNIQUE (tenant_id, starts_on, ends_on)
);

-- The people who call, known by their number.
CREATE TABLE customers (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    phone              text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    name               text,
    address            text,
    preferred_language text NOT NULL DEFAULT 'en' CHECK (preferred_language IN ('en', 'es')),
    sms_opt_out        boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, phone),
    UNIQUE (tenant_id, id)
);
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

-- `during` is the technician's whole commitment: the work and then the
-- service's buffer, [start, work_ends_at + buffer). The exclusion constraint
-- applies to it, so a buffer also keeps the next job away. Only booked and
-- rescheduled appointments hold time. A reschedule cancels the old row
-- (cancel_reason 'rescheduled') and inserts a new one with status
-- 'rescheduled' and rescheduled_from pointing back: the history is the chain.
-- tool_call_id (Vapi's toolCallId) is the idempotency key of the tool call
-- that created the row, cancel_tool_call_id that of the one that cancelled it.
-- The composite foreign keys keep every reference inside the tenant.
CREATE TABLE appointments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    customer_id         uuid NOT NULL,
    service_id          uuid NOT NULL,
    technician_id       uuid NOT NULL,
    during              tstzrange NOT NULL,
    work_ends_at        timestamptz NOT NULL,
    status              text NOT NULL DEFAULT 'booked'
                        CHECK (status IN ('booked', 'rescheduled', 'cancelled', 'completed')),
    address             text,
    description         text NOT NULL DEFAULT '',
    vapi_call_id        text,
    tool_call_id        text,
    rescheduled_from    uuid,
    cancel_reason       text,
    cancel_tool_call_id text,
    cancelled_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, tool_call_id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
    FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id),
    FOREIGN KEY (tenant_id, rescheduled_from) REFERENCES appointments (tenant_id, id),
    CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)
           AND lower_inc(during) AND NOT upper_inc(during)),
    CHECK (work_ends_at > lower(during) AND work_ends_at <= upper(during)),
    CONSTRAINT appointments_no_double_booking EXCLUDE USING gist (
        technician_id WITH =, during WITH &&) WHERE (status IN ('booked', 'rescheduled'))
);
-- An appointment is rescheduled at most once; its successor carries on.
CREATE UNIQUE INDEX appointments_rescheduled_from_key ON appointments (tenant_id, rescheduled_from)
    WHERE rescheduled_from IS NOT NULL;
-- Availability: a tenant's active appointments overlapping a window.
CREATE INDEX appointments_tenant_during_idx ON appointments USING gist (tenant_id, during)
    WHERE status IN ('booked', 'rescheduled');
-- A caller's appointments.
CREATE INDEX appointments_customer_idx ON appointments (tenant_id, customer_id, lower(during));
CREATE TRIGGER appointments_touch BEFORE UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

-- Side effects to send later, written in the transaction of the fact that
-- causes them; dispatcher actors send them with retries. dedupe_key is the
-- idempotency key for the provider ("sms_confirmation:<appointment>:booked").
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('sms_confirmation', 'calendar_event')),
    dedupe_key      text NOT NULL,
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_tenant_idx ON outbox (tenant_id, created_at);

-- ------------------------------------------------------------------ RLS

ALTER TABLE booking_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_settings
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE services ENABLE ROW LEVEL SECURITY;
ALTER TABLE services FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON services
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE technicians ENABLE ROW LEVEL SECURITY;
ALTER TABLE technicians FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON technicians
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE business_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_hours FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON business_hours
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE closures ENABLE ROW LEVEL SECURITY;
ALTER TABLE closures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON closures
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customers
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
ALTER TABLE appointments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON appointments
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

GRANT SELECT, INSERT, UPDATE, DELETE
    ON booking_settings, services, technicians, business_hours, closures, customers,
       appointments, outbox
    TO serviceai_app;
GRANT USAGE, SELECT ON SEQUENCE outbox_id_seq TO serviceai_app;

-- ------------------------------------------------------------------ outbox rows

-- Writes the side effects of an appointment change: an SMS confirmation for
-- the customer (unless they opted out of texts) and a calendar event, each
-- with a dedupe key naming the appointment and the action. A payload is what
-- a dispatcher needs without reading the appointment again. action:
-- 'booked' | 'rescheduled' | 'cancelled'. Returns the rows written.
CREATE OR REPLACE FUNCTION sai_outbox_appointment(p_appointment uuid, p_action text)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_payload jsonb;
    v_tenant  uuid;
    v_opt_out boolean;
    v_n       integer := 0;
BEGIN
    SELECT a.tenant_id, c.sms_opt_out,
           jsonb_build_object(
               'action', p_action,
               'appointment_id', a.id,
               'rescheduled_from', a.rescheduled_from,
               'previous_start', (SELECT lower(p.during) FROM appointments p
                                  WHERE p.tenant_id = a.tenant_id AND p.id = a.rescheduled_from),
               'status', a.status,
               'start', lower(a.during),
               'end', a.work_ends_at,
               'timezone', t.timezone,
               'business_name', t.name,
               'service', s.name,
               'service_es', s.name_es,
               'technician', jsonb_build_object('id', tc.id, 'name', tc.name, 'phone', tc.phone),
               'customer', jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone,
                                              'language', c.preferred_language),
               'address', a.address,
               'description', a.description,
               'vapi_call_id', a.vapi_call_id)
      INTO v_tenant, v_opt_out, v_payload
      FROM appointments a
      JOIN customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id
      JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
      JOIN technicians tc ON tc.tenant_id = a.tenant_id AND tc.id = a.technician_id
      JOIN tenants t ON t.id = a.tenant_id
     WHERE a.id = p_appointment;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF NOT v_opt_out THEN
        INSERT INTO outbox (tenant_id, kind, dedupe_key, payload)
        VALUES (v_tenant, 'sms_confirmation',
                'sms_confirmation:' || p_appointment || ':' || p_action, v_payload)
        ON CONFLICT (tenant_id, dedupe_key) DO NOTHING;
        v_n := v_n + 1;
    END IF;
    INSERT INTO outbox (tenant_id, kind, dedupe_key, payload)
    VALUES (v_tenant, 'calendar_event',
            'calendar_event:' || p_appointment || ':' || p_action, v_payload)
    ON CONFLICT (tenant_id, dedupe_key) DO NOTHING;
    RETURN v_n + 1;
END
$$;

-- ------------------------------------------------------------------ booking

-- The row every booking function returns. status:
--   booked | rescheduled | cancelled   done now
--   repeat        this toolCallId (or this caller's identical booking) was done
--                 before: the row describes the first result, nothing changed
--   slot_taken    no skilled technician is free for that time any more
--   bad_service   no such active service
--   not_found     no such appointment for this caller's number
--   not_active    the appointment is already cancelled or completed
--   past          the appointment has already started
--   same_time     a reschedule to the time it already has
CREATE TYPE sai_booking_result AS (
    status          text,
    appointment_id  uuid,
    starts_at       timestamptz,
    work_ends_at    timestamptz,
    technician_name text,
    service_id      uuid,
    service_name    text,
    service_name_es text,
    customer_name   text,
    address         text,
    sms_opt_out     boolean,
    previous_start  timestamptz
);

-- Describes one appointment as a sai_booking_result with the given status.
-- The helpers are plpgsql, not SQL functions, so that their queries keep a
-- cached plan per session: a SQL function called from plpgsql is planned on
-- every call, which costs more than the booking itself.
CREATE OR REPLACE FUNCTION sai_booking_row(p_status text, p_appointment uuid)
RETURNS sai_booking_result
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r sai_booking_result;
BEGIN
    SELECT p_status, a.id, lower(a.during), a.work_ends_at, tc.name, s.id, s.name, s.name_es,
           c.name, a.address, c.sms_opt_out, p.prev
      INTO r
      FROM appointments a
      JOIN customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id
      JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
      JOIN technicians tc ON tc.tenant_id = a.tenant_id AND tc.id = a.technician_id
      LEFT JOIN LATERAL (SELECT lower(o.during) AS prev FROM appointments o
                          WHERE o.tenant_id = a.tenant_id AND o.id = a.rescheduled_from) p
             ON true
     WHERE a.id = p_appointment;
    RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION sai_booking_status(p_status text) RETURNS sai_booking_result
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    r sai_booking_result;
BEGIN
    r.status := p_status;
    RETURN r;
END
$$;

-- Serialises the booking writes of one tenant for the rest of the
-- transaction. Without it, two transactions inserting overlapping rows for
-- one technician each see the other's uncommitted index entry, both wait,
-- and Postgres breaks the deadlock only after deadlock_timeout (1 s) - on a
-- live call. Queued behind the lock, the second booking sees the first one
-- committed and moves on to the next technician at once. The exclusion
-- constraint stays the guarantee; the lock only makes losing fast. A
-- tenant's bookings are a few per minute, so the queue is short.
CREATE OR REPLACE FUNCTION sai_booking_lock(p_tenant uuid) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('sai_booking:' || p_tenant::text, 0));
END
$$;

-- Books p_service at p_start for the caller, atomically (under
-- sai_booking_lock):
--   1. a toolCallId seen before returns its appointment ('repeat');
--   2. the customer is upserted by (tenant, caller number): a name, address or
--      language given now replaces the stored one;
--   3. the same caller already holding this service at this start (a retry
--      under a new toolCallId) is a 'repeat' too;
--   4. a free technician with the service's skill is picked (the least busy
--      around that time first) and the appointment inserted; when a
--      concurrent booking wins that technician (exclusion violation) the next
--      one is tried; none left is 'slot_taken';
--   5. the outbox rows are written.
-- p_start must already be a valid slot (hours, closures, lead time: the
-- engine checks them). Runs as the caller (RLS applies).
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
                              AND a.during && v_range)
         ORDER BY (SELECT count(*) FROM appointments a
                    WHERE a.technician_id = t.id AND a.status IN ('booked', 'rescheduled')
                      AND a.during && tstzrange(p_start - interval '12 hours',
                                                p_start + interval '12 hours')),
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

-- Moves one of the caller's own appointments (found by id AND the caller's
-- number) to p_new_start: the old row is cancelled with reason 'rescheduled'
-- and a new row with status 'rescheduled' and rescheduled_from = old id is
-- inserted, both or neither (under sai_booking_lock). The old technician is
-- preferred. Idempotent by p_tool_call_id. p_new_start must be a valid slot
-- (the engine checks).
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
                              AND a.during && v_range)
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

-- Cancels one of the caller's own appointments (id AND caller's number).
-- A repeat of the cancelling toolCallId answers 'repeat'.
CREATE OR REPLACE FUNCTION sai_cancel(
    p_tenant uuid, p_caller_phone text, p_appointment uuid, p_reason text,
    p_tool_call_id text, p_call_id text)
RETURNS sai_booking_result
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_old appointments%ROWTYPE;
BEGIN
    SELECT a.* INTO v_old
      FROM appointments a
      JOIN customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id
     WHERE a.tenant_id = p_tenant AND a.id = p_appointment AND c.phone = p_caller_phone
       FOR UPDATE OF a;
    IF NOT FOUND THEN
        RETURN sai_booking_status('not_found');
    END IF;
    IF v_old.status = 'cancelled' AND p_tool_call_id IS NOT NULL
       AND v_old.cancel_tool_call_id = p_tool_call_id THEN
        RETURN sai_booking_row('repeat', v_old.id);
    END IF;
    IF v_old.status NOT IN ('booked', 'rescheduled') THEN
        RETURN sai_booking_row('not_active', v_old.id);
    END IF;
    IF lower(v_old.during) <= now() THEN
        RETURN sai_booking_row('past', v_old.id);
    END IF;
    UPDATE appointments
       SET status = 'cancelled', cancel_reason = coalesce(nullif(btrim(p_reason), ''), 'caller'),
           cancelled_at = now(), cancel_tool_call_id = p_tool_call_id
     WHERE id = v_old.id;
    PERFORM sai_outbox_appointment(v_old.id, 'cancelled');
    RETURN sai_booking_row('cancelled', v_old.id);
END
$$;

-- ------------------------------------------------------------------ reads

-- Everything a booking tool reads, as one statement (one round trip, and
-- plpgsql keeps each query's plan per session: the engine's parameterized
-- statements are otherwise planned on every call). Rows are tagged by kind,
-- values as text, times as epoch milliseconds:
--   settings  c1 timezone, c2 lead_time_min, c3 horizon_days, c4 slot_step_min
--             (always first; no row at all when the tenant is not visible)
--   service   c1 id, c2 name, c3 name_es or '', c4 aliases joined by '|',
--             c5 duration_min, c6 buffer_min, c7 is_emergency (t/f), c8 skill or ''
--   tech      c1 id, c2 name, c3 skills joined by ','
--   hours     c1 weekday, c2 opening minute, c3 closing minute (local)
--   closure   c1 first day, c2 last day (YYYYMMDD)
--   busy      c1 technician id, c2 start, c3 end: active appointments overlapping
--             [now, now + horizon + 2 days), ordered by technician and start
--   repeat    c1..c10 the sai_booking_result of the appointment p_tool_call_id
--             created (status 'repeat'), starts_at and previous_start in ms
--   appt      c1 id, c2 service id, c3 technician id, c4 service name, c5 name_es
--             or '', c6 start, c7 end of the booked range: the caller's
--             (p_caller) active appointments starting after now, soonest 10
--   customer  c1 name, c2 address, c3 preferred_language of p_caller
-- p_parts is a bit set: 1 service..busy, 2 repeat, 4 appt, 8 customer.
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
                   (extract(epoch FROM lower(a.during)) * 1000)::bigint::text,
                   (extract(epoch FROM upper(a.during)) * 1000)::bigint::text,
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                   NULL::text
              FROM appointments a
             WHERE a.tenant_id = p_tenant AND a.status IN ('booked', 'rescheduled')
               AND a.during && tstzrange(v_now, v_now + make_interval(days => v_horizon + 2))
             ORDER BY a.technician_id, lower(a.during);
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

-- ------------------------------------------------------------------ profile lines

-- "8 AM", "8:30 AM", "12 PM", "midnight" / "8 de la mañana", "12 del mediodía".
CREATE OR REPLACE FUNCTION sai_say_time(p_t time, p_lang text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_t = time '00:00' OR p_t = time '24:00' THEN
            CASE WHEN p_lang = 'es' THEN 'medianoche' ELSE 'midnight' END
        WHEN p_lang = 'es' THEN
            ((extract(hour FROM p_t)::int + 11) % 12 + 1)::text
            || CASE WHEN extract(minute FROM p_t) > 0
                    THEN ':' || lpad(extract(minute FROM p_t)::int::text, 2, '0') ELSE '' END
            || CASE WHEN extract(hour FROM p_t) < 12 THEN ' de la mañana'
                    WHEN extract(hour FROM p_t) = 12 THEN ' del mediodía'
                    WHEN extract(hour FROM p_t) < 20 THEN ' de la tarde'
                    ELSE ' de la noche' END
        ELSE
            ((extract(hour FROM p_t)::int + 11) % 12 + 1)::text
            || CASE WHEN extract(minute FROM p_t) > 0
                    THEN ':' || lpad(extract(minute FROM p_t)::int::text, 2, '0') ELSE '' END
            || CASE WHEN extract(hour FROM p_t) < 12 THEN ' AM' ELSE ' PM' END
    END
$$;

-- "December 24" / "24 de diciembre".
CREATE OR REPLACE FUNCTION sai_say_date(p_d date, p_lang text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_lang = 'es' THEN
        extract(day FROM p_d)::int::text || ' de ' ||
        (ARRAY['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto',
               'septiembre', 'octubre', 'noviembre', 'diciembre'])[extract(month FROM p_d)::int]
    ELSE
        (ARRAY['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
               'September', 'October', 'November', 'December'])[extract(month FROM p_d)::int]
        || ' ' || extract(day FROM p_d)::int::text
    END
$$;

-- The tenant's hours and services as the human-readable lines of the
-- assistant's profile (sch_tenant_profile_t.hours / .services), in 'en' or
-- 'es' (anything else: 'en').
--   hours:    "Monday to Friday: 8 AM to 5 PM", "Saturday: 9 AM to 1 PM",
--             "Sunday: closed" ("Every day: ..." when all days match; nothing
--             when no hours are on file), then closures in the next 60 days:
--             "Closed December 24 to December 26: Christmas"
--   services: "AC repair (about 90 minutes)", "No-heat emergency (about 2
--             hours, emergency service)"
-- Weekdays with the same hours are grouped. Runs under the caller's RLS
-- (tenant setting or platform scope).
CREATE OR REPLACE FUNCTION sai_profile_lines(p_tenant uuid, p_lang text)
RETURNS TABLE (hours text[], services text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_es     boolean := p_lang = 'es';
    v_days   text[] := CASE WHEN p_lang = 'es'
        THEN ARRAY['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado']
        ELSE ARRAY['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday',
                   'Saturday'] END;
    v_order  int[] := ARRAY[1, 2, 3, 4, 5, 6, 0];
    v_sig    text[] := ARRAY[]::text[];
    v_hours  text[] := ARRAY[]::text[];
    v_svcs   text[] := ARRAY[]::text[];
    v_i      int;
    v_j      int;
    v_label  text;
    v_sig_i  text;
    v_rec    record;
    v_tz     text;
    v_today  date;
BEGIN
    SELECT t.timezone INTO v_tz FROM tenants t WHERE t.id = p_tenant;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_today := (now() AT TIME ZONE v_tz)::date;

    -- each weekday's intervals as a spoken string: its "signature"
    FOR v_i IN 1..7 LOOP
        SELECT CASE
                 WHEN count(*) = 0 THEN CASE WHEN v_es THEN 'cerrado' ELSE 'closed' END
                 WHEN count(*) = 1 AND min(b.opens) = time '00:00' AND max(b.closes) = time '24:00'
                   THEN CASE WHEN v_es THEN 'abierto las 24 horas' ELSE 'open 24 hours' END
                 ELSE string_agg(
                        CASE WHEN v_es
                             THEN 'de ' || sai_say_time(b.opens, 'es') || ' a '
                                  || sai_say_time(b.closes, 'es')
                             ELSE sai_say_time(b.opens, 'en') || ' to '
                                  || sai_say_time(b.closes, 'en') END,
                        CASE WHEN v_es THEN ' y ' ELSE ' and ' END ORDER BY b.opens)
               END
          INTO v_sig_i
          FROM business_hours b
         WHERE b.tenant_id = p_tenant AND b.weekday = v_order[v_i];
        v_sig := v_sig || v_sig_i;
    END LOOP;

    -- group runs of consecutive days (Monday first) with the same hours; no
    -- hours at all is "not on file" (an empty list), not "closed every day"
    v_i := CASE WHEN EXISTS (SELECT 1 FROM business_hours b WHERE b.tenant_id = p_tenant)
                THEN 1 ELSE 8 END;
    WHILE v_i <= 7 LOOP
        v_j := v_i;
        WHILE v_j < 7 AND v_sig[v_j + 1] = v_sig[v_i] LOOP
            v_j := v_j + 1;
        END LOOP;
        v_label := v_days[v_order[v_i] + 1];
        IF v_i = 1 AND v_j = 7 THEN
            v_label := CASE WHEN v_es THEN 'todos los días' ELSE 'Every day' END;
        ELSIF v_j = v_i + 1 THEN
            v_label := v_label || CASE WHEN v_es THEN ' y ' ELSE ' and ' END
                       || v_days[v_order[v_j] + 1];
        ELSIF v_j > v_i + 1 THEN
            v_label := v_label || CASE WHEN v_es THEN ' a ' ELSE ' to ' END
                       || v_days[v_order[v_j] + 1];
        END IF;
        IF v_es THEN
            v_label := upper(left(v_label, 1)) || substr(v_label, 2);
        END IF;
        v_hours := v_hours || (v_label || ': ' || v_sig[v_i]);
        v_i := v_j + 1;
    END LOOP;

    FOR v_rec IN
        SELECT c.starts_on, c.ends_on, c.reason FROM closures c
         WHERE c.tenant_id = p_tenant AND c.ends_on >= v_today AND c.starts_on <= v_today + 60
         ORDER BY c.starts_on
    LOOP
        IF v_es THEN
            v_label := CASE WHEN v_rec.starts_on = v_rec.ends_on
                THEN 'Cerrado el ' || sai_say_date(v_rec.starts_on, 'es')
                WHEN extract(month FROM v_rec.starts_on) = extract(month FROM v_rec.ends_on)
                THEN 'Cerrado del ' || extract(day FROM v_rec.starts_on)::int::text || ' al '
                     || sai_say_date(v_rec.ends_on, 'es')
                ELSE 'Cerrado del ' || sai_say_date(v_rec.starts_on, 'es') || ' al '
                     || sai_say_date(v_rec.ends_on, 'es') END;
        ELSE
            v_label := 'Closed ' || sai_say_date(v_rec.starts_on, 'en')
                || CASE WHEN v_rec.starts_on = v_rec.ends_on THEN ''
                        ELSE ' to ' || sai_say_date(v_rec.ends_on, 'en') END;
        END IF;
        IF btrim(v_rec.reason) <> '' THEN
            v_label := v_label || ': ' || btrim(v_rec.reason);
        END IF;
        v_hours := v_hours || v_label;
    END LOOP;

    FOR v_rec IN
        SELECT s.name, s.name_es, s.duration_min, s.is_emergency FROM services s
         WHERE s.tenant_id = p_tenant AND s.active
         ORDER BY s.sort_order, s.name
    LOOP
        v_label := CASE WHEN v_es THEN coalesce(v_rec.name_es, v_rec.name) ELSE v_rec.name END
            || CASE WHEN v_es THEN ' (aprox. ' ELSE ' (about ' END
            || CASE WHEN v_rec.duration_min % 60 = 0 THEN
                        (v_rec.duration_min / 60)::text
                        || CASE WHEN v_es THEN CASE WHEN v_rec.duration_min = 60 THEN ' hora'
                                                    ELSE ' horas' END
                                ELSE CASE WHEN v_rec.duration_min = 60 THEN ' hour'
                                          ELSE ' hours' END END
                    ELSE v_rec.duration_min::text
                         || CASE WHEN v_es THEN ' minutos' ELSE ' minutes' END END
            || CASE WHEN v_rec.is_emergency
                    THEN CASE WHEN v_es THEN ', servicio de emergencia' ELSE ', emergency service' END
                    ELSE '' END
            || ')';
        v_svcs := v_svcs || v_label;
    END LOOP;

    hours := v_hours;
    services := v_svcs;
    RETURN NEXT;
END
$$;
