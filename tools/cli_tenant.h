/*
 * cli_tenant: the onboarding CLI, `serviceai tenant ...` and `serviceai phone
 * ...`. Creates and inspects tenants, their assistant settings and their
 * phone numbers in Postgres, then drops the affected Redis routing cache
 * keys (phone:<E164>, phoneid:<vapi id>, tenant:<id>; schema/redis.md).
 *
 * Blocking libpq and hiredis: this runs as a short-lived command in the main
 * thread, never inside the engine's loop. Every command is one Postgres
 * transaction that declares itself cross-tenant (app.scope = 'platform',
 * docs/tenancy.md), so a refused command changes nothing.
 *
 * Environment: SERVICEAI_PG_DSN (default "host=127.0.0.1 port=5432
 * dbname=serviceai"), SERVICEAI_REDIS_URL (default
 * "redis://127.0.0.1:6379/0"). An unreachable Redis is a warning on stderr
 * (cached entries expire with their TTL), never a failure.
 *
 * Output: results on stdout (JSON via jansson, or a table for `tenant list`),
 * one-line errors on stderr. Exit status: 0 done; 1 refused by the data (a
 * number owned by another tenant, an unknown tenant or number) or Postgres
 * failed; 2 bad usage or an invalid value (industry, language, time zone,
 * phone number, tenant id).
 */
#ifndef CLI_TENANT_H
#define CLI_TENANT_H

/* Exit statuses shared by both commands. */
enum {
    CLI_TENANT_EXIT_OK = 0,
    CLI_TENANT_EXIT_REFUSED = 1,
    CLI_TENANT_EXIT_USAGE = 2,
};

/*
 * `serviceai tenant SUBCOMMAND ...`: argv[0] is "tenant" (the composition
 * root passes argc - 1, argv + 1), argv[1] the subcommand:
 *   create --name N --industry I --phone +E164 [--phone ...] --timezone Area/City
 *          --language L [--greeting TEXT] [--instructions TEXT]
 *   list [--json] | show ID | suspend ID | activate ID
 *   set ID [--greeting TEXT] [--instructions TEXT]     ("" clears a setting)
 * argv is borrowed. Returns the exit status.
 */
int cli_tenant_main(int argc, char **argv);

/*
 * `serviceai phone SUBCOMMAND ...`: argv[0] is "phone":
 *   add TENANT_ID NUMBER [--vapi-id ID]   (NUMBER in any form sch_phone_normalize accepts)
 *   remove NUMBER
 * argv is borrowed. Returns the exit status.
 */
int cli_phone_main(int argc, char **argv);

#endif
