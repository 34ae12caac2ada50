-- 0002_tenants: tenants, their phone numbers, assistant settings and calls,
-- each isolated by Row Level Security. See docs/tenancy.md for the rules:
-- every tenant table gets ENABLE + FORCE ROW LEVEL SECURITY and the
-- tenant_isolation policy below; the engine sets app.tenant_id per
-- transaction; cross-tenant work (routing a dialed number, the onboarding
-- CLI) sets app.scope = 'platform' locally to its transaction.
-- gen_random_uuid() is built into PostgreSQL 13+.

-- The role tenant queries run as. Superusers and BYPASSRLS roles skip RLS even
-- when it is FORCEd, and the dev database's bootstrap role `serviceai` is a
-- superuser: the engine connects with options='-c role=serviceai_app' (or as
-- a login role that is a member of it) so that the policies apply to it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'serviceai_app') THEN
        CREATE ROLE serviceai_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO serviceai_app;
-- Tables that later migrations (run by this same role) create are usable by
-- the app role too; their RLS policy is still theirs to add.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO serviceai_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO serviceai_app;

-- Keeps updated_at honest without every writer remembering it.
CREATE OR REPLACE FUNCTION sai_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- The tenant whose rows the current transaction may see, or NULL. A missing
-- or empty setting means no tenant: nothing is visible.
CREATE OR REPLACE FUNCTION sai_current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

-- True inside a transaction that declared itself cross-tenant.
CREATE OR REPLACE FUNCTION sai_platform_scope() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('app.scope', true), '') = 'platform'
$$;

CREATE TABLE tenants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(btrim(name)) > 0),
    industry   text NOT NULL CHECK (industry IN ('hvac', 'plumbing', 'electrical')),
    timezone   text NOT NULL,
    language   text NOT NULL CHECK (language IN ('en', 'es', 'bilingual')),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A number belongs to exactly one tenant across the whole platform: the
-- primary key is the number itself.
CREATE TABLE phone_numbers (
    number               text PRIMARY KEY CHECK (number ~ '^\+[1-9][0-9]{7,14}$'),
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    vapi_phone_number_id text UNIQUE,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX phone_numbers_tenant_id_idx ON phone_numbers (tenant_id);

CREATE TABLE assistant_settings (
    tenant_id          uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    greeting           text,
    extra_instructions text,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER assistant_settings_touch BEFORE UPDATE ON assistant_settings
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

-- One row per Vapi call; the call actor upserts it
-- (INSERT ... ON CONFLICT (vapi_call_id) DO UPDATE).
CREATE TABLE calls (
    vapi_call_id       text PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    caller_number      text,
    dialed_number      text,
    started_at         timestamptz,
    ended_at           timestamptz,
    status             text,
    ended_reason       text,
    duration_s         numeric,
    cost               numeric,
    summary            text,
    transcript         text,
    recording_url      text,
    emergency_category text,
    emergency_cue      text,
    emergency_source   text,
    emergency_at       timestamptz,
    emergency_confirmed_by text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_tenant_id_idx ON calls (tenant_id, started_at);
CREATE TRIGGER calls_touch BEFORE UPDATE ON calls
    FOR EACH ROW EXECUTE FUNCTION sai_touch_updated_at();

-- Row Level Security. FORCE because the engine may connect as the tables'
-- owner, whom plain ENABLE exempts.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE phone_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON phone_numbers
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE assistant_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE assistant_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON assistant_settings
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

ALTER TABLE calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE calls FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calls
    USING (tenant_id = sai_current_tenant() OR sai_platform_scope())
    WITH CHECK (tenant_id = sai_current_tenant() OR sai_platform_scope());

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, phone_numbers, assistant_settings, calls
    TO serviceai_app;
