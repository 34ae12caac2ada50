/*
 * eng_pg: non-blocking Postgres on the loop. A small pool of libpq
 * connections, each a state machine (PQconnectStart/PQconnectPoll,
 * PQsetnonblocking, pipeline mode); parameterized queries only; results come
 * back as ENG_MSG_PG_RESULT messages to the actor that asked; broken
 * connections reconnect with backoff. libpq types never leave this module:
 * results are read with the accessors below.
 * Loop thread only.
 */
#ifndef ENG_PG_H
#define ENG_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_err.h"
#include "eng_loop.h"

typedef struct eng_pg eng_pg_t;
typedef struct eng_pg_result eng_pg_result_t; /* one statement's result */

typedef struct eng_pg_opts {
    int pool_size;              /* 0 = 4 */
    int64_t connect_timeout_ms; /* 0 = 3000 */
    /* Role every pooled session runs as (sent as the startup option
     * "-c role=..."), so Row Level Security applies even when the login role
     * owns the tables or is a superuser. NULL = the login role. Copied. */
    const char *session_role;
} eng_pg_opts_t;

/*
 * Result message. Owns its results and errmsg. hdr.cls is the request's
 * class; hdr.deadline_ms is 0 (a late answer is still delivered). Requests
 * sent on the same pooled connection are answered in the order they were
 * made; across the pool, match replies by corr.
 */
typedef struct eng_pg_result_msg {
    eng_msg_t hdr;    /* type ENG_MSG_PG_RESULT; corr echoes the request */
    eng_err_t err;    /* ENG_OK, ENG_ERR_PG, ENG_ERR_PG_CONSTRAINT (SQLSTATE class 23),
                         ENG_ERR_TIMEOUT, ENG_ERR_UNAVAILABLE, ENG_ERR_DISCONNECTED
                         (the connection broke with the request in flight: it may or
                         may not have run), ENG_ERR_SHUTTING_DOWN */
    char *errmsg;     /* NULL on success; the server's primary message (never DETAIL,
                         which can quote row data) */
    char sqlstate[6]; /* "" unless a server error ("23P01" exclusion violation ...) */
    int nresults;     /* ENG_OK: one per statement sent (eng_pg_query: 1); else 0 */
    eng_pg_result_t **results;
} eng_pg_result_msg_t;

typedef struct eng_pg_stmt {
    const char *sql; /* "$1"-style placeholders */
    int nparams;
    const char *const *params; /* text format; NULL entries are SQL NULL */
} eng_pg_stmt_t;

/* conninfo (copied) is a libpq keyword string or URI; opts may be NULL. Free the
 * pool before the loop. Never NULL. */
eng_pg_t *eng_pg_new(eng_loop_t *loop, const char *conninfo, const eng_pg_opts_t *opts);
/* Starts connecting the pool in the background. ENG_ERR_CONFIG for a conninfo libpq
 * cannot parse. */
eng_err_t eng_pg_start(eng_pg_t *pg) ENG_WUR;
/* Closes every connection; pending requests are answered with ENG_ERR_SHUTTING_DOWN. Accepts NULL.
 */
void eng_pg_free(eng_pg_t *pg);
/* True when at least one connection is up. */
bool eng_pg_healthy(const eng_pg_t *pg);

/*
 * One statement on any pooled connection, pipelined behind others. The reply
 * (eng_pg_result_msg_t) goes to `to` with corr. Strings are copied. If no
 * connection is up the request waits for one until deadline_ms (0: 5 s),
 * then is answered with ENG_ERR_UNAVAILABLE / ENG_ERR_TIMEOUT.
 * deadline_ms is absolute on the loop's monotonic clock (eng_loop_now_ms),
 * like eng_msg_t.deadline_ms, so a handler can pass its request's deadline
 * on; 0 means now + 5 s. A request still running at its deadline is answered
 * ENG_ERR_TIMEOUT and its connection is reset. ENG_ERR_INVALID (nothing
 * sent, no reply) for to == 0, a NULL sql or a bad parameter count.
 */
eng_err_t eng_pg_query(eng_pg_t *pg, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                       int64_t deadline_ms, const eng_pg_stmt_t *stmt) ENG_WUR;

/*
 * A transaction: BEGIN; SELECT set_config('app.tenant_id', tenant_id, true)
 * when tenant_id is not NULL (the RLS setting); the statements; COMMIT, sent
 * as one pipeline on one connection. If any statement fails the transaction
 * is rolled back and err/errmsg/sqlstate describe the first failure. The reply
 * holds one result per statement in stmts (not for BEGIN/set_config/COMMIT).
 */
eng_err_t eng_pg_txn(eng_pg_t *pg, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                     int64_t deadline_ms, const char *tenant_id, int nstmts,
                     const eng_pg_stmt_t *stmts) ENG_WUR;

/* Result accessors (borrowed from the message). */
int eng_pg_ntuples(const eng_pg_result_t *r);
int eng_pg_nfields(const eng_pg_result_t *r);
/* "" for NULL values; borrowed until the message is freed. */
const char *eng_pg_value(const eng_pg_result_t *r, int row, int col);
bool eng_pg_is_null(const eng_pg_result_t *r, int row, int col);
/* Column index by name, -1 if absent. */
int eng_pg_column(const eng_pg_result_t *r, const char *name);
/* Rows affected by INSERT/UPDATE/DELETE (PQcmdTuples), 0 if none. */
long eng_pg_affected(const eng_pg_result_t *r);

/*
 * Blocking helpers for CLIs and start-up checks only (never on a live loop):
 * checks that conninfo connects and answers SELECT 1 within timeout_s
 * (0: 3 s); on failure writes libpq's reason, as one line, to err.
 * ENG_ERR_CONNECT if it cannot connect, ENG_ERR_PG if the query fails.
 */
eng_err_t eng_pg_ping_sync(const char *conninfo, int timeout_s, char *err, size_t errsz) ENG_WUR;

#endif
