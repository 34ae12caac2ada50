/*
 * cli_db: what every `serviceai` CLI subcommand needs to talk to Postgres:
 * a blocking connection from SERVICEAI_PG_DSN, one-line error reporting,
 * parameterized statements, and transactions in the cross-tenant platform
 * scope (docs/tenancy.md: the onboarding and setup CLIs are the only such
 * paths besides routing). Blocking libpq is right here: a CLI has no loop.
 * Main thread of the CLI process.
 */
#ifndef CLI_DB_H
#define CLI_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define CLI_DEFAULT_PG_DSN "host=127.0.0.1 port=5432 dbname=serviceai"

typedef struct cli_db {
    const char *cmd; /* for messages, e.g. "tenant create"; borrowed */
    PGconn *conn;
    char sqlstate[6]; /* of the last failed statement, "" otherwise */
    char constraint[64];
    char error[512]; /* one line */
} cli_db_t;

/* One line on stderr: "serviceai <cmd>: <reason>". */
void cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Folds a multi-line (libpq) message into one line in buf; returns buf. */
const char *cli_one_line(const char *msg, char *buf, size_t bufsz);

/* Connects (5 s timeout); prints why not and returns false on failure. */
bool cli_db_open(cli_db_t *db, const char *cmd);
void cli_db_close(cli_db_t *db);
/* One parameterized statement. NULL on failure with sqlstate, constraint and error set;
 * the caller owns (PQclear) a non-NULL result. */
PGresult *cli_db_exec(cli_db_t *db, const char *sql, int nparams, const char *const *params);
/* A statement whose result is not needed; false (and the reason printed) on failure. */
bool cli_db_do(cli_db_t *db, const char *sql, int nparams, const char *const *params);
/* BEGIN, then app.scope = 'platform' for this transaction only. */
bool cli_db_begin_platform(cli_db_t *db);
bool cli_db_commit(cli_db_t *db);
void cli_db_rollback(cli_db_t *db);

#endif
