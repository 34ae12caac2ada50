/*
 * Integration tests for eng_pg against the dev Postgres (SERVICEAI_PG_DSN):
 * round trips, pipelining order, transactions (rollback, tenant setting),
 * deadlines, broken connections and the blocking ping. Each test gets its
 * own loop, pool and collector actor, and a scratch table named after the
 * test process, dropped in the group teardown.
 *
 * The loop is driven by hand: event_base_loop(EVLOOP_ONCE) plus
 * eng_loop_run_once(), with a 10 ms libevent tick so EVLOOP_ONCE never
 * blocks for long, bounded by wall-clock time. Single thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "eng_loop.h"
#include "eng_metrics.h"
#include "eng_pg.h"

#define WAIT_LIMIT_MS 10000

/* ---- collector actor: keeps every result message it receives ---- */

typedef struct {
    eng_pg_result_msg_t **msgs;
    size_t n, cap;
} collector_t;

static void collector_handle(eng_actor_t *self, eng_msg_t *msg)
{
    collector_t *c = eng_actor_state(self);
    if (msg->type != ENG_MSG_PG_RESULT)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->msgs = realloc(c->msgs, c->cap * sizeof(*c->msgs));
        assert_non_null(c->msgs);
    }
    eng_msg_retain(msg);
    c->msgs[c->n++] = (eng_pg_result_msg_t *)msg;
}

static void collector_stop(eng_actor_t *self)
{
    collector_t *c = eng_actor_state(self);
    for (size_t i = 0; i < c->n; i++)
        eng_msg_free(&c->msgs[i]->hdr);
    free(c->msgs);
    free(c);
}

static const eng_actor_ops_t collector_ops = {
    .kind = "test-collector",
    .handle = collector_handle,
    .stop = collector_stop,
};

/* ---- fixture ---- */

typedef struct {
    const char *dsn;
    char table[64];
    eng_loop_t *loop;
    struct event *tick;
    eng_actor_id_t collector;
    collector_t *col;
    eng_pg_t *pg;
} fx_t;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {}

static void quiet_notice(void *arg, const char *msg) {}

/* Blocking helper on a separate connection: runs sql, fails the test on error. */
static PGresult *admin_exec(const char *dsn, const char *sql, int nparams,
                            const char *const *params)
{
    PGconn *pq = PQconnectdb(dsn);
    if (PQstatus(pq) != CONNECTION_OK)
        fail_msg("cannot connect to SERVICEAI_PG_DSN: %s", PQerrorMessage(pq));
    PQsetNoticeProcessor(pq, quiet_notice, NULL);
    PGresult *res = PQexecParams(pq, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQfinish(pq);
    return res;
}

static void admin_do(const char *dsn, const char *sql)
{
    PQclear(admin_exec(dsn, sql, 0, NULL));
}

static int group_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->dsn = getenv("SERVICEAI_PG_DSN");
    if (!fx->dsn || !*fx->dsn)
        fail_msg("SERVICEAI_PG_DSN is not set: integration tests need the dev Postgres");
    snprintf(fx->table, sizeof(fx->table), "eng_pg_test_%d", (int)getpid());
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", fx->table);
    admin_do(fx->dsn, sql);
    snprintf(sql, sizeof(sql), "CREATE TABLE %s (id int PRIMARY KEY, note text)", fx->table);
    admin_do(fx->dsn, sql);
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fx_t *fx = *state;
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", fx->table);
    admin_do(fx->dsn, sql);
    free(fx);
    return 0;
}

static void fx_open(fx_t *fx, const char *conninfo, int pool_size)
{
    eng_loop_opts_t lo = {.log_level = ENG_LOG_WARN};
    fx->loop = eng_loop_new(&lo);
    fx->tick = event_new(eng_loop_base(fx->loop), -1, EV_PERSIST, on_tick, NULL);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 10000};
    event_add(fx->tick, &tv);
    fx->col = calloc(1, sizeof(*fx->col));
    assert_non_null(fx->col);
    fx->collector = eng_actor_spawn(fx->loop, "collector", &collector_ops, fx->col);
    assert_true(fx->collector != 0);
    eng_pg_opts_t po = {.pool_size = pool_size, .connect_timeout_ms = 2000};
    fx->pg = eng_pg_new(fx->loop, conninfo, &po);
    assert_int_equal(eng_pg_start(fx->pg), ENG_OK);
}

static void fx_close(fx_t *fx)
{
    eng_pg_free(fx->pg);
    fx->pg = NULL;
    event_free(fx->tick);
    eng_loop_free(fx->loop); /* stops the collector, which frees its messages */
    fx->loop = NULL;
    fx->col = NULL;
}

static void run_once(fx_t *fx)
{
    event_base_loop(eng_loop_base(fx->loop), EVLOOP_ONCE);
    eng_loop_run_once(fx->loop);
}

/* Runs the loop until the collector holds n messages; fails after WAIT_LIMIT_MS. */
static void wait_for(fx_t *fx, size_t n)
{
    int64_t until = wall_ms() + WAIT_LIMIT_MS;
    while (fx->col->n < n) {
        if (wall_ms() > until)
            fail_msg("only %zu of %zu replies after %d ms", fx->col->n, n, WAIT_LIMIT_MS);
        run_once(fx);
    }
}

static void wait_healthy(fx_t *fx)
{
    int64_t until = wall_ms() + WAIT_LIMIT_MS;
    while (!eng_pg_healthy(fx->pg)) {
        if (wall_ms() > until)
            fail_msg("pool not healthy after %d ms", WAIT_LIMIT_MS);
        run_once(fx);
    }
}

static void run_for(fx_t *fx, int ms)
{
    int64_t until = wall_ms() + ms;
    while (wall_ms() < until)
        run_once(fx);
}

static eng_pg_result_msg_t *reply(fx_t *fx, size_t i)
{
    assert_true(i < fx->col->n);
    return fx->col->msgs[i];
}

static void query(fx_t *fx, uint64_t corr, int64_t deadline_ms, const char *sql, int nparams,
                  const char *const *params)
{
    eng_pg_stmt_t st = {.sql = sql, .nparams = nparams, .params = params};
    assert_int_equal(eng_pg_query(fx->pg, fx->collector, corr, ENG_CLASS_LIVE, deadline_ms, &st),
                     ENG_OK);
}

/* One round trip; returns the reply (owned by the collector). */
static eng_pg_result_msg_t *query_wait(fx_t *fx, const char *sql, int nparams,
                                       const char *const *params)
{
    size_t n = fx->col->n;
    query(fx, 9000 + n, 0, sql, nparams, params);
    wait_for(fx, n + 1);
    return reply(fx, n);
}

static void assert_ok(const eng_pg_result_msg_t *m)
{
    if (m->err != ENG_OK)
        fail_msg("expected ENG_OK, got %s: %s (sqlstate %s)", eng_err_name(m->err),
                 m->errmsg ? m->errmsg : "", m->sqlstate);
}

static long count_rows(fx_t *fx)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", fx->table);
    eng_pg_result_msg_t *m = query_wait(fx, sql, 0, NULL);
    assert_ok(m);
    return strtol(eng_pg_value(m->results[0], 0, 0), NULL, 10);
}

static void clear_table(fx_t *fx)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "DELETE FROM %s", fx->table);
    assert_ok(query_wait(fx, sql, 0, NULL));
}

/* ---- tests ---- */

static void test_select_with_params_returns_values(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 2);
    const char *p[] = {"41", "señor"};
    query(fx, 77, 0, "SELECT $1::int + 1 AS answer, upper($2) AS who", 2, p);
    wait_for(fx, 1);

    eng_pg_result_msg_t *m = reply(fx, 0);
    assert_int_equal(m->hdr.type, ENG_MSG_PG_RESULT);
    assert_int_equal(m->hdr.corr, 77);
    assert_int_equal(m->hdr.cls, ENG_CLASS_LIVE);
    assert_ok(m);
    assert_null(m->errmsg);
    assert_int_equal(m->nresults, 1);
    assert_int_equal(eng_pg_ntuples(m->results[0]), 1);
    assert_int_equal(eng_pg_nfields(m->results[0]), 2);
    assert_int_equal(eng_pg_column(m->results[0], "who"), 1);
    assert_int_equal(eng_pg_column(m->results[0], "missing"), -1);
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "42");
    assert_string_equal(eng_pg_value(m->results[0], 0, 1), "SEÑOR");

    eng_metrics_t *mx = eng_loop_metrics(fx->loop);
    assert_int_equal(
        eng_counter_value(eng_metrics_counter(mx, "serviceai_pg_queries_total", NULL, "")), 1);
    assert_int_equal(
        eng_histogram_count(eng_metrics_histogram(mx, "serviceai_pg_query_seconds", NULL, "")), 1);
    fx_close(fx);
}

static void test_fifty_pipelined_queries_on_one_connection_come_back_in_order(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    wait_healthy(fx);
    char vals[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(vals[i], sizeof(vals[i]), "%d", i);
        const char *p[] = {vals[i]};
        query(fx, 1000 + (uint64_t)i, 0, "SELECT $1::int * 3, pg_backend_pid()", 1, p);
    }
    wait_for(fx, 50);
    const char *pid0 = eng_pg_value(reply(fx, 0)->results[0], 0, 1);
    for (int i = 0; i < 50; i++) {
        eng_pg_result_msg_t *m = reply(fx, (size_t)i);
        assert_ok(m);
        assert_int_equal(m->hdr.corr, 1000 + (uint64_t)i);
        char want[16];
        snprintf(want, sizeof(want), "%d", i * 3);
        assert_string_equal(eng_pg_value(m->results[0], 0, 0), want);
        assert_string_equal(eng_pg_value(m->results[0], 0, 1), pid0); /* one session */
    }
    fx_close(fx);
}

static void test_pipelined_queries_across_the_pool_each_get_their_own_answer(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 4);
    wait_healthy(fx);
    run_for(fx, 200); /* let the rest of the pool come up */
    char vals[200][16];
    for (int i = 0; i < 200; i++) {
        snprintf(vals[i], sizeof(vals[i]), "%d", i);
        const char *p[] = {vals[i]};
        query(fx, (uint64_t)i, 0, "SELECT $1::int + 100000, pg_backend_pid()", 1, p);
    }
    wait_for(fx, 200);
    int seen[200] = {0};
    char pids[4][16] = {{0}};
    int npids = 0;
    for (size_t i = 0; i < 200; i++) {
        eng_pg_result_msg_t *m = reply(fx, i);
        assert_ok(m);
        assert_true(m->hdr.corr < 200);
        seen[m->hdr.corr]++;
        char want[16];
        snprintf(want, sizeof(want), "%d", (int)m->hdr.corr + 100000);
        assert_string_equal(eng_pg_value(m->results[0], 0, 0), want);
        const char *pid = eng_pg_value(m->results[0], 0, 1);
        int k = 0;
        while (k < npids && strcmp(pids[k], pid) != 0)
            k++;
        if (k == npids) {
            assert_true(npids < 4);
            snprintf(pids[npids++], sizeof(pids[0]), "%s", pid);
        }
    }
    for (int i = 0; i < 200; i++)
        assert_int_equal(seen[i], 1);
    assert_true(npids > 1); /* the load was spread over the pool */
    fx_close(fx);
}

static void test_large_parameters_survive_partial_writes(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    wait_healthy(fx);
    size_t len = 256 * 1024;
    char *big = malloc(len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);
    big[len] = '\0';
    const char *p[] = {big};
    for (int i = 0; i < 40; i++)
        query(fx, (uint64_t)i, 0, "SELECT length($1), md5($1)", 1, p);
    free(big); /* the pool copied it */
    wait_for(fx, 40);
    for (size_t i = 0; i < 40; i++) {
        eng_pg_result_msg_t *m = reply(fx, i);
        assert_ok(m);
        assert_int_equal(m->hdr.corr, i);
        assert_string_equal(eng_pg_value(m->results[0], 0, 0), "262144");
        assert_string_equal(eng_pg_value(m->results[0], 0, 1),
                            eng_pg_value(reply(fx, 0)->results[0], 0, 1));
    }
    fx_close(fx);
}

static void test_null_params_and_null_values(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    const char *p[] = {NULL, "x"};
    eng_pg_result_msg_t *m =
        query_wait(fx, "SELECT $1::text IS NULL, $1::text, $2::text, NULL::int", 2, p);
    assert_ok(m);
    const eng_pg_result_t *r = m->results[0];
    assert_string_equal(eng_pg_value(r, 0, 0), "t");
    assert_true(eng_pg_is_null(r, 0, 1));
    assert_string_equal(eng_pg_value(r, 0, 1), "");
    assert_false(eng_pg_is_null(r, 0, 2));
    assert_string_equal(eng_pg_value(r, 0, 2), "x");
    assert_true(eng_pg_is_null(r, 0, 3));
    /* out of range reads are NULL and "", never a crash */
    assert_true(eng_pg_is_null(r, 5, 0));
    assert_string_equal(eng_pg_value(r, 0, 9), "");
    fx_close(fx);
}

static void test_server_errors_carry_sqlstate_and_primary_message(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    eng_pg_result_msg_t *m = query_wait(fx, "SELEC 1", 0, NULL);
    assert_int_equal(m->err, ENG_ERR_PG);
    assert_string_equal(m->sqlstate, "42601");
    assert_non_null(m->errmsg);
    assert_non_null(strstr(m->errmsg, "syntax error"));
    assert_int_equal(m->nresults, 0);

    char sql[160];
    snprintf(sql, sizeof(sql), "INSERT INTO %s (id, note) VALUES (1, 'secret-555'), (1, 'x')",
             fx->table);
    m = query_wait(fx, sql, 0, NULL);
    assert_int_equal(m->err, ENG_ERR_PG_CONSTRAINT);
    assert_string_equal(m->sqlstate, "23505");
    assert_null(strstr(m->errmsg, "secret-555")); /* DETAIL (row data) is not passed on */

    /* the connection keeps working after errors */
    m = query_wait(fx, "SELECT 'still here'", 0, NULL);
    assert_ok(m);
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "still here");
    fx_close(fx);
}

/* A statement used again runs as a prepared statement of its session (parsed and
 * planned once), gives the same answers, and a change of the table under it costs
 * at most one failed use: the next one prepares it afresh. */
static void test_repeated_statements_are_prepared_once_and_survive_a_schema_change(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    char sql[200];
    snprintf(sql, sizeof(sql), "INSERT INTO %s (id, note) VALUES (700, 'seven hundred')",
             fx->table);
    assert_ok(query_wait(fx, sql, 0, NULL));
    snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE id = $1::int", fx->table);
    const char *p[] = {"700"};
    for (int i = 0; i < 3; i++) {
        eng_pg_result_msg_t *m = query_wait(fx, sql, 1, p);
        assert_ok(m);
        assert_string_equal(eng_pg_value(m->results[0], 0, 1), "seven hundred");
    }
    /* the session holds it once, however often it ran */
    const char *q[] = {sql};
    eng_pg_result_msg_t *m =
        query_wait(fx, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", 1, q);
    assert_ok(m);
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "1");

    char alter[200];
    snprintf(alter, sizeof(alter), "ALTER TABLE %s ADD COLUMN extra text DEFAULT 'new'", fx->table);
    admin_do(fx->dsn, alter);
    int failed = 0;
    for (int i = 0; i < 3; i++) {
        m = query_wait(fx, sql, 1, p);
        if (m->err != ENG_OK) {
            failed++;
            continue;
        }
        assert_int_equal(eng_pg_nfields(m->results[0]), 3);
        assert_string_equal(eng_pg_value(m->results[0], 0, 2), "new");
    }
    assert_true(failed <= 1);
    snprintf(alter, sizeof(alter), "ALTER TABLE %s DROP COLUMN extra", fx->table);
    admin_do(fx->dsn, alter);
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = 700", fx->table);
    assert_ok(query_wait(fx, sql, 0, NULL));
    fx_close(fx);
}

static void test_committed_txn_returns_one_result_per_statement(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    clear_table(fx);
    char ins[160], sel[160];
    snprintf(ins, sizeof(ins), "INSERT INTO %s (id, note) VALUES ($1::int, $2)", fx->table);
    snprintf(sel, sizeof(sel), "SELECT note FROM %s WHERE id = $1::int", fx->table);
    const char *p1[] = {"10", "first"};
    const char *p2[] = {"11", "second"};
    const char *p3[] = {"11"};
    eng_pg_stmt_t st[] = {{ins, 2, p1}, {ins, 2, p2}, {sel, 1, p3}};
    size_t n = fx->col->n;
    assert_int_equal(eng_pg_txn(fx->pg, fx->collector, 5, ENG_CLASS_LIVE, 0, NULL, 3, st), ENG_OK);
    wait_for(fx, n + 1);
    eng_pg_result_msg_t *m = reply(fx, n);
    assert_ok(m);
    assert_int_equal(m->hdr.corr, 5);
    assert_int_equal(m->nresults, 3);
    assert_int_equal(eng_pg_affected(m->results[0]), 1);
    assert_int_equal(eng_pg_affected(m->results[1]), 1);
    assert_string_equal(eng_pg_value(m->results[2], 0, 0), "second");
    assert_int_equal(count_rows(fx), 2);
    clear_table(fx);
    fx_close(fx);
}

static void test_failed_txn_leaves_nothing_behind_and_the_connection_works_after(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1); /* one connection: the next queries share the session */
    wait_healthy(fx);
    clear_table(fx);
    char ins[160];
    snprintf(ins, sizeof(ins), "INSERT INTO %s (id, note) VALUES ($1::int, 'x')", fx->table);
    const char *a[] = {"1"};
    const char *b[] = {"2"};
    /* third statement violates the primary key */
    eng_pg_stmt_t st[] = {{ins, 1, a}, {ins, 1, b}, {ins, 1, a}};
    size_t n = fx->col->n;
    assert_int_equal(eng_pg_txn(fx->pg, fx->collector, 1, ENG_CLASS_LIVE, 0, "t1", 3, st), ENG_OK);
    /* queued right behind the failing transaction, before its outcome is known */
    query(fx, 2, 0, "SELECT 'after', current_setting('app.tenant_id', true)", 0, NULL);
    wait_for(fx, n + 2);

    eng_pg_result_msg_t *m = reply(fx, n);
    assert_int_equal(m->hdr.corr, 1);
    assert_int_equal(m->err, ENG_ERR_PG_CONSTRAINT);
    assert_string_equal(m->sqlstate, "23505");
    assert_int_equal(m->nresults, 0);

    m = reply(fx, n + 1);
    assert_int_equal(m->hdr.corr, 2);
    assert_ok(m); /* not "current transaction is aborted" */
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "after");
    assert_string_not_equal(eng_pg_value(m->results[0], 0, 1), "t1");

    assert_int_equal(count_rows(fx), 0); /* rows 1 and 2 were rolled back */
    eng_pg_result_msg_t *tx = query_wait(fx, "SELECT txid_current_if_assigned() IS NULL", 0, NULL);
    assert_ok(tx);
    assert_string_equal(eng_pg_value(tx->results[0], 0, 0), "t"); /* no open transaction */

    /* and a good transaction on the same connection commits */
    eng_pg_stmt_t good[] = {{ins, 1, a}, {ins, 1, b}};
    n = fx->col->n;
    assert_int_equal(eng_pg_txn(fx->pg, fx->collector, 3, ENG_CLASS_LIVE, 0, NULL, 2, good),
                     ENG_OK);
    wait_for(fx, n + 1);
    assert_ok(reply(fx, n));
    assert_int_equal(count_rows(fx), 2);
    clear_table(fx);
    fx_close(fx);
}

static void test_tenant_setting_is_visible_inside_the_txn_and_not_outside(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    eng_pg_stmt_t st[] = {{"SELECT current_setting('app.tenant_id')", 0, NULL}};
    size_t n = fx->col->n;
    assert_int_equal(eng_pg_txn(fx->pg, fx->collector, 1, ENG_CLASS_LIVE, 0,
                                "2b1e7c3a-0000-4000-8000-000000000001", 1, st),
                     ENG_OK);
    wait_for(fx, n + 1);
    eng_pg_result_msg_t *m = reply(fx, n);
    assert_ok(m);
    assert_int_equal(m->nresults, 1);
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "2b1e7c3a-0000-4000-8000-000000000001");

    /* same session (pool of one), after the transaction */
    m = query_wait(fx, "SELECT coalesce(current_setting('app.tenant_id', true), '')", 0, NULL);
    assert_ok(m);
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "");

    /* a transaction without a tenant sees none either */
    n = fx->col->n;
    eng_pg_stmt_t st2[] = {
        {"SELECT coalesce(current_setting('app.tenant_id', true), '')", 0, NULL}};
    assert_int_equal(eng_pg_txn(fx->pg, fx->collector, 2, ENG_CLASS_LIVE, 0, NULL, 1, st2), ENG_OK);
    wait_for(fx, n + 1);
    assert_ok(reply(fx, n));
    assert_string_equal(eng_pg_value(reply(fx, n)->results[0], 0, 0), "");
    fx_close(fx);
}

static void test_deadline_too_short_for_the_query_times_out_and_the_pool_recovers(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    wait_healthy(fx);
    eng_counter_t *timeouts = eng_metrics_counter(
        eng_loop_metrics(fx->loop), "serviceai_pg_errors_total", "err=\"ENG_ERR_TIMEOUT\"", "");
    uint64_t timeouts_before = eng_counter_value(timeouts);

    int64_t t0 = wall_ms();
    query(fx, 1, eng_loop_now_ms(fx->loop) + 200, "SELECT pg_sleep(1)", 0, NULL);
    /* a second request pipelined behind it, with a generous deadline */
    query(fx, 2, 0, "SELECT 2", 0, NULL);
    wait_for(fx, 2);
    int64_t took = wall_ms() - t0;

    eng_pg_result_msg_t *m = reply(fx, 0);
    assert_int_equal(m->hdr.corr, 1);
    assert_int_equal(m->err, ENG_ERR_TIMEOUT);
    assert_int_equal(m->nresults, 0);
    assert_true(took < 900); /* answered at the deadline, not when pg_sleep ended */
    /* the one behind it lost its connection with it: told so, never dropped */
    m = reply(fx, 1);
    assert_int_equal(m->hdr.corr, 2);
    assert_int_equal(m->err, ENG_ERR_DISCONNECTED);
    assert_int_equal(eng_counter_value(timeouts), timeouts_before + 1);

    /* the pool reconnects and serves the next query */
    m = query_wait(fx, "SELECT 'recovered'", 0, NULL);
    assert_ok(m);
    assert_string_equal(eng_pg_value(m->results[0], 0, 0), "recovered");
    fx_close(fx);
}

static void test_timed_out_request_behind_a_running_one_is_answered_and_skipped(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    wait_healthy(fx);
    int64_t now = eng_loop_now_ms(fx->loop);
    query(fx, 1, now + 3000, "SELECT pg_sleep(0.4), 'slow'", 0, NULL);
    query(fx, 2, now + 100, "SELECT 'impatient'", 0, NULL);
    query(fx, 3, now + 3000, "SELECT 'patient'", 0, NULL);
    wait_for(fx, 3);
    assert_int_equal(reply(fx, 0)->hdr.corr, 2);
    assert_int_equal(reply(fx, 0)->err, ENG_ERR_TIMEOUT);
    assert_int_equal(reply(fx, 1)->hdr.corr, 1);
    assert_ok(reply(fx, 1));
    assert_string_equal(eng_pg_value(reply(fx, 1)->results[0], 0, 1), "slow");
    assert_int_equal(reply(fx, 2)->hdr.corr, 3);
    assert_ok(reply(fx, 2));
    assert_string_equal(eng_pg_value(reply(fx, 2)->results[0], 0, 0), "patient");
    run_for(fx, 100);
    assert_int_equal(fx->col->n, 3); /* the timed-out one is not answered twice */
    fx_close(fx);
}

static void test_broken_connection_answers_in_flight_with_disconnected_and_reconnects(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    eng_pg_result_msg_t *m = query_wait(fx, "SELECT pg_backend_pid()", 0, NULL);
    assert_ok(m);
    char pid[16];
    snprintf(pid, sizeof(pid), "%s", eng_pg_value(m->results[0], 0, 0));

    size_t n = fx->col->n;
    query(fx, 1, eng_loop_now_ms(fx->loop) + 8000, "SELECT pg_sleep(5)", 0, NULL);
    run_for(fx, 100); /* sent and running */
    const char *p[] = {pid};
    PQclear(admin_exec(fx->dsn, "SELECT pg_terminate_backend($1::int)", 1, p));
    wait_for(fx, n + 1);
    m = reply(fx, n);
    assert_int_equal(m->hdr.corr, 1);
    assert_int_equal(m->err, ENG_ERR_DISCONNECTED);
    assert_non_null(m->errmsg);

    m = query_wait(fx, "SELECT pg_backend_pid()", 0, NULL);
    assert_ok(m);
    assert_string_not_equal(eng_pg_value(m->results[0], 0, 0), pid); /* a new session */
    assert_true(eng_pg_healthy(fx->pg));
    fx_close(fx);
}

static void test_unreachable_server_answers_unavailable_at_the_deadline(void **state)
{
    fx_t *fx = *state;
    /* port 1 on loopback: nothing listens, connect is refused at once */
    fx_open(fx, "host=127.0.0.1 port=1 dbname=serviceai user=serviceai", 2);
    int64_t t0 = wall_ms();
    query(fx, 4, eng_loop_now_ms(fx->loop) + 300, "SELECT 1", 0, NULL);
    wait_for(fx, 1);
    assert_false(eng_pg_healthy(fx->pg));
    assert_int_equal(reply(fx, 0)->err, ENG_ERR_UNAVAILABLE);
    assert_int_equal(reply(fx, 0)->hdr.corr, 4);
    assert_true(wall_ms() - t0 >= 250);
    fx_close(fx);
}

static void test_pending_requests_are_answered_when_the_pool_is_freed(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, "host=127.0.0.1 port=1 dbname=serviceai user=serviceai", 1);
    query(fx, 8, 0, "SELECT 1", 0, NULL);
    eng_pg_free(fx->pg);
    fx->pg = NULL;
    eng_loop_drain(fx->loop);
    assert_int_equal(fx->col->n, 1);
    assert_int_equal(reply(fx, 0)->err, ENG_ERR_SHUTTING_DOWN);
    fx_close(fx);
}

static void test_invalid_requests_are_refused_without_a_reply(void **state)
{
    fx_t *fx = *state;
    fx_open(fx, fx->dsn, 1);
    eng_pg_stmt_t no_sql = {.sql = NULL};
    eng_pg_stmt_t no_params = {.sql = "SELECT $1", .nparams = 1, .params = NULL};
    assert_int_equal(eng_pg_query(fx->pg, fx->collector, 1, ENG_CLASS_LIVE, 0, &no_sql),
                     ENG_ERR_INVALID);
    assert_int_equal(eng_pg_query(fx->pg, fx->collector, 1, ENG_CLASS_LIVE, 0, &no_params),
                     ENG_ERR_INVALID);
    assert_int_equal(eng_pg_query(fx->pg, 0, 1, ENG_CLASS_LIVE, 0, &no_params), ENG_ERR_INVALID);
    run_for(fx, 50);
    assert_int_equal(fx->col->n, 0);
    fx_close(fx);
}

static void test_ping_sync_says_why_in_one_line(void **state)
{
    fx_t *fx = *state;
    char err[256];
    assert_int_equal(eng_pg_ping_sync(fx->dsn, 3, err, sizeof(err)), ENG_OK);
    assert_int_equal(eng_pg_ping_sync("host=127.0.0.1 port=1 dbname=x", 2, err, sizeof(err)),
                     ENG_ERR_CONNECT);
    assert_true(strlen(err) > 0);
    assert_null(strchr(err, '\n'));
    assert_non_null(strstr(err, "refused"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_with_params_returns_values),
        cmocka_unit_test(test_fifty_pipelined_queries_on_one_connection_come_back_in_order),
        cmocka_unit_test(test_pipelined_queries_across_the_pool_each_get_their_own_answer),
        cmocka_unit_test(test_large_parameters_survive_partial_writes),
        cmocka_unit_test(test_null_params_and_null_values),
        cmocka_unit_test(test_server_errors_carry_sqlstate_and_primary_message),
        cmocka_unit_test(test_repeated_statements_are_prepared_once_and_survive_a_schema_change),
        cmocka_unit_test(test_committed_txn_returns_one_result_per_statement),
        cmocka_unit_test(test_failed_txn_leaves_nothing_behind_and_the_connection_works_after),
        cmocka_unit_test(test_tenant_setting_is_visible_inside_the_txn_and_not_outside),
        cmocka_unit_test(test_deadline_too_short_for_the_query_times_out_and_the_pool_recovers),
        cmocka_unit_test(test_timed_out_request_behind_a_running_one_is_answered_and_skipped),
        cmocka_unit_test(test_broken_connection_answers_in_flight_with_disconnected_and_reconnects),
        cmocka_unit_test(test_unreachable_server_answers_unavailable_at_the_deadline),
        cmocka_unit_test(test_pending_requests_are_answered_when_the_pool_is_freed),
        cmocka_unit_test(test_invalid_requests_are_refused_without_a_reply),
        cmocka_unit_test(test_ping_sync_says_why_in_one_line),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
