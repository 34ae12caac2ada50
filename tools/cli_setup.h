/*
 * cli_setup: setting a tenant up for booking - services, technicians,
 * weekly hours, closures and booking rules - one item at a time or from one
 * JSON file (`serviceai tenant import FILE`, example in
 * docs/examples/hvac-tenant.json, guide in docs/onboarding.md).
 *
 * Blocking libpq and hiredis: a short-lived command in the main thread,
 * never inside the engine's loop. Every command is one Postgres transaction
 * under app.scope = 'platform' (docs/tenancy.md; onboarding is a declared
 * cross-tenant path), so a refused command changes nothing. Changes that
 * alter what the assistant says (services, hours, closures, the tenant)
 * drop the tenant's Redis profile cache key (tenant:<id>, and phone:<E164>
 * for numbers an import adds; schema/redis.md) after COMMIT; an unreachable
 * Redis is a warning only.
 *
 * Environment: SERVICEAI_PG_DSN, SERVICEAI_REDIS_URL (defaults as
 * cli_tenant.h). Output: JSON on stdout, one-line errors on stderr naming
 * the bad option or JSON field. Exit status: 0 done; 1 refused by the data
 * (unknown tenant, a number owned by another tenant, a name not found) or
 * Postgres failed; 2 bad usage or an invalid value.
 */
#ifndef CLI_SETUP_H
#define CLI_SETUP_H

#include <stdbool.h>

enum {
    CLI_SETUP_EXIT_OK = 0,
    CLI_SETUP_EXIT_REFUSED = 1,
    CLI_SETUP_EXIT_USAGE = 2,
};

/*
 * The composition root passes argc - 1, argv + 1 for these words:
 *   argv[0] "service"  add|list|remove   (services a tenant books)
 *   argv[0] "tech"     add|list|remove   (technicians and their skills)
 *   argv[0] "hours"    set|show          (weekly opening hours)
 *   argv[0] "closure"  add|list|remove   (holidays and days off)
 *   argv[0] "booking"  set|show          (lead time, horizon, slot length)
 *   argv[0] "tenant" with argv[1] "import" (the whole setup from a JSON file;
 *                      every other `tenant` subcommand belongs to cli_tenant_main)
 * `--help` works on every word and subcommand. argv is borrowed. Returns the
 * exit status.
 */
int cli_setup_main(int argc, char **argv);

/* True when cli_setup_main handles this command line (argc/argv as above). */
bool cli_setup_handles(int argc, char **argv);

#endif
