/* cli_db: blocking Postgres helpers shared by the CLI subcommands. CLI main thread. */
#include "cli_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "serviceai %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *cli_one_line(const char *msg, char *buf, size_t bufsz)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = msg ? msg : ""; *p && n + 2 < bufsz; p++) {
        char ch = *p;
        if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < bufsz)
            buf[n++] = ' ';
        space = false;
        buf[n++] = ch;
    }
    buf[n] = '\0';
    return buf;
}

/* Server notices (a ROLLBACK after the transaction already ended) are not the user's
 * business: errors are reported as one line each by the commands. */
static void notice_ignore(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

bool cli_db_open(cli_db_t *db, const char *cmd)
{
    memset(db, 0, sizeof(*db));
    db->cmd = cmd;
    const char *dsn = getenv("SERVICEAI_PG_DSN");
    if (!dsn || !*dsn)
        dsn = CLI_DEFAULT_PG_DSN;
    /* Keywords before dbname are defaults the DSN may override. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const values[] = {"5", "serviceai-cli", dsn, NULL};
    db->conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(db->conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(db->conn, notice_ignore, NULL);
        return true;
    }
    char line[512];
    cli_fail(cmd, "cannot connect to Postgres (SERVICEAI_PG_DSN): %s",
             cli_one_line(PQerrorMessage(db->conn), line, sizeof(line)));
    PQfinish(db->conn);
    db->conn = NULL;
    return false;
}

void cli_db_close(cli_db_t *db)
{
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
}

PGresult *cli_db_exec(cli_db_t *db, const char *sql, int nparams, const char *const *params)
{
    db->sqlstate[0] = '\0';
    db->constraint[0] = '\0';
    db->error[0] = '\0';
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
    snprintf(db->constraint, sizeof(db->constraint), "%s", constraint ? constraint : "");
    cli_one_line(primary ? primary : PQerrorMessage(db->conn), db->error, sizeof(db->error));
    PQclear(res);
    return NULL;
}

bool cli_db_do(cli_db_t *db, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = cli_db_exec(db, sql, nparams, params);
    if (!res) {
        cli_fail(db->cmd, "Postgres refused: %s", db->error);
        return false;
    }
    PQclear(res);
    return true;
}

bool cli_db_begin_platform(cli_db_t *db)
{
    return cli_db_do(db, "BEGIN", 0, NULL) &&
           cli_db_do(db, "SELECT set_config('app.scope', 'platform', true)", 0, NULL);
}

bool cli_db_commit(cli_db_t *db)
{
    return cli_db_do(db, "COMMIT", 0, NULL);
}

void cli_db_rollback(cli_db_t *db)
{
    if (db->conn)
        PQclear(PQexec(db->conn, "ROLLBACK"));
}
