/*
 * cli_migrate: `serviceai migrate`, the schema migrator. Applies the files
 * schema/sql/NNNN_name.sql in numeric order, each in its own transaction
 * together with its row in schema_migrations(version, name, applied_at,
 * checksum); skips the ones already applied; refuses to run when an applied
 * file's SHA-256 no longer matches (history is append-only: write a new
 * migration instead). A Postgres advisory lock serialises concurrent
 * migrators, so two deploys starting at once apply each file exactly once.
 *
 * A migration file must not contain its own BEGIN/COMMIT, nor statements that
 * cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM).
 *
 * Blocking libpq: CLI main thread only, never on a live loop.
 */
#ifndef CLI_MIGRATE_H
#define CLI_MIGRATE_H

#include <stdio.h>

#include "eng_err.h"

/*
 * `serviceai migrate [--dir PATH]`; argv[0] is the subcommand name. Reads
 * SERVICEAI_PG_DSN (default "host=127.0.0.1 port=5432 dbname=serviceai") and
 * SERVICEAI_SQL_DIR (default "schema/sql", relative to the working
 * directory); --dir overrides the latter. Progress on stdout, errors on
 * stderr. Returns the process exit code: 0 done, 1 failed, 2 usage.
 */
int cli_migrate_main(int argc, char **argv);

/*
 * Brings the database at conninfo up to date with sql_dir. Writes one line
 * per applied file ("migrate: applied 0001_init.sql") and a final
 * "migrate: up to date (N applied)" to out; errors go to stderr as one line
 * each, never with the password. *applied (may be NULL) receives the number
 * of files applied by this run, also on failure. All arguments borrowed.
 *
 * ENG_ERR_CONNECT  Postgres unreachable ("serviceai: cannot reach Postgres at
 *                  host=H port=P: reason")
 * ENG_ERR_CONFIG   sql_dir unreadable, or two files with the same number
 * ENG_ERR_CONFLICT an applied file was changed (nothing is applied)
 * ENG_ERR_PG       a migration or the bookkeeping failed (that file is rolled back;
 *                  the ones before it stay applied)
 */
eng_err_t cli_migrate_run(const char *conninfo, const char *sql_dir, FILE *out,
                          int *applied) ENG_WUR;

#endif
