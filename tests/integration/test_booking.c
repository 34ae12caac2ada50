/*
 * Integration tests for the booking tools (actors/act_booking.c) and their
 * SQL (schema/sql/0003_booking.sql) against the dev Postgres
 * (SERVICEAI_PG_DSN; unset or unreachable fails).
 *
 * The group migrates a database of its own, serviceai_booking_<pid>, created
 * through the DSN and dropped at the end. Tenants and their services,
 * technicians and hours are written with plain SQL under app.scope =
 * 'platform', as onboarding does. The tools then run exactly as in the
 * engine: jobs handed to the real handlers (act_tool_handler) on an eng_loop
 * with an eng_pg pool whose sessions run as serviceai_app, so Row Level
 * Security applies; a collector actor plays the call actor and keeps each
 * job's single result. The clock is real: the database's now() and the
 * loop's wall clock must agree. Single thread.
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

#include "act_booking.h"
#include "act_tool.h"
#include "cli_migrate.h"
#include "eng_alloc.h"
#include "eng_loop.h"
#include "eng_pg.h"

#define SQL_DIR SAI_SOURCE_DIR "/schema/sql"
#define WAIT_LIMIT_MS 20000
#define MAX_RESULTS 128

/* ------------------------------------------------------------------ collector */

typedef struct {
    char *text[MAX_RESULTS];
    bool is_error[MAX_RESULTS];
    bool seen[MAX_RESULTS];
    int64_t received_ms[MAX_RESULTS]; /* loop clock */
    size_t n;
} collector_t;

static void collector_handle(eng_actor_t *self, eng_msg_t *msg)
{
    collector_t *c = eng_actor_state(self);
    if (msg->type != SCH_MSG_TOOL_RESULTS)
        return;
    sch_tool_results_t *r = (sch_tool_results_t *)msg;
    assert_int_equal(r->nresults, 1);
    assert_true(msg->corr < MAX_RESULTS);
    assert_false(c->seen[msg->corr]); /* one result per job, never two */
    c->seen[msg->corr] = true;
    c->text[msg->corr] = strdup(r->results[0].text);
    c->is_error[msg->corr] = r->results[0].is_error;
    c->received_ms[msg->corr] = eng_loop_now_ms(eng_actor_loop(self));
    c->n++;
}

static void collector_reset(collector_t *c)
{
    for (size_t i = 0; i < MAX_RESULTS; i++)
        free(c->text[i]);
    memset(c, 0, sizeof(*c));
}

static void collector_stop(eng_actor_t *self)
{
    collector_t *c = eng_actor_state(self);
    collector_reset(c);
    free(c);
}

static const eng_actor_ops_t collector_ops = {
    .kind = "test-call",
    .handle = collector_handle,
    .stop = collector_stop,
    .mailbox_cap = 1024,
};

/* ------------------------------------------------------------------ fixture */

typedef struct {
    char *saved_dsn;
    char dbname[64];
    char conninfo[1024];
    PGconn *pq; /* superuser: setup and inspection */
    eng_loop_t *loop;
    struct event *tick;
    eng_pg_t *pg;
    eng_actor_id_t collector;
    collector_t *col;
    int next_phone;
    int64_t job_deadline_in_ms; /* 0: 10 s */
    int64_t last_deadline_ms;
    act_booking_statics_t *statics; /* handed to jobs when set (the router's cache) */
} fx_t;

typedef struct {
    char id[37];
    char service_ac[37];   /* AC repair: 60 min + 30 buffer, skill hvac */
    char service_tune[37]; /* Maintenance: 60 min, anyone */
    char tz[40];
    sch_lang_t lang;
} tenant_t;

static void quiet_notice(void *arg, const char *msg) {}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static PGconn *pg_connect(const char *conninfo)
{
    PGconn *pq = PQconnectdb(conninfo);
    if (PQstatus(pq) != CONNECTION_OK) {
        print_error("cannot connect to Postgres (SERVICEAI_PG_DSN): %s", PQerrorMessage(pq));
        PQfinish(pq);
        return NULL;
    }
    PQsetNoticeProcessor(pq, quiet_notice, NULL);
    return pq;
}

static PGresult *query_ok(PGconn *pq, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(pq, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    return res;
}

static void exec_ok(PGconn *pq, const char *sql)
{
    PQclear(query_ok(pq, sql, 0, NULL));
}

static long count_rows(PGconn *pq, const char *sql, int n, const char *const *params)
{
    PGresult *res = query_ok(pq, sql, n, params);
    long v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

/* The DSN with dbname replaced. */
static bool conninfo_for(const char *dsn, const char *dbname, char *out, size_t outsz)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    if (!opts) {
        print_error("bad SERVICEAI_PG_DSN: %s", err ? err : "?");
        PQfreemem(err);
        return false;
    }
    size_t n = 0;
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword && n + 8 < outsz; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (!val)
            continue;
        n += (size_t)snprintf(out + n, outsz - n, "%s='", o->keyword);
        for (const char *p = val; *p && n + 4 < outsz; p++) {
            if (*p == '\'' || *p == '\\')
                out[n++] = '\\';
            out[n++] = *p;
        }
        n += (size_t)snprintf(out + n, outsz - n, "' ");
    }
    PQconninfoFree(opts);
    return n < outsz;
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {}

static int group_setup(void **state)
{
    static fx_t fx;
    memset(&fx, 0, sizeof(fx));
    const char *dsn = getenv("SERVICEAI_PG_DSN");
    if (!dsn || !*dsn) {
        print_error("SERVICEAI_PG_DSN must be set: integration tests need the dev Postgres\n");
        return -1;
    }
    fx.saved_dsn = strdup(dsn);
    PGconn *admin = pg_connect(dsn);
    if (!admin)
        return -1;
    snprintf(fx.dbname, sizeof(fx.dbname), "serviceai_booking_%d", (int)getpid());
    char sql[160];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx.dbname);
    PQclear(PQexec(admin, sql));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx.dbname);
    PGresult *res = PQexec(admin, sql);
    bool created = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!created)
        print_error("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(admin);
    if (!created || !conninfo_for(dsn, fx.dbname, fx.conninfo, sizeof(fx.conninfo)))
        return -1;
    FILE *progress = tmpfile();
    eng_err_t err = cli_migrate_run(fx.conninfo, SQL_DIR, progress, NULL);
    fclose(progress);
    if (err != ENG_OK) {
        print_error("migrations failed: %s\n", eng_err_str(err));
        return -1;
    }
    fx.pq = pg_connect(fx.conninfo);
    if (!fx.pq)
        return -1;
    fx.next_phone = 1000;
    *state = &fx;
    return 0;
}

static int group_teardown(void **state)
{
    fx_t *fx = *state;
    if (!fx)
        return 0;
    PQfinish(fx->pq);
    PGconn *admin = pg_connect(fx->saved_dsn);
    if (admin) {
        char sql[160];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->dbname);
        PQclear(PQexec(admin, sql));
        PQfinish(admin);
    }
    free(fx->saved_dsn);
    return 0;
}

/* A loop with a pool of `pool` connections running as serviceai_app. */
static int setup(void **state)
{
    fx_t *fx = *state;
    PQclear(PQexec(fx->pq, "ROLLBACK")); /* whatever a failed test left open */
    eng_loop_opts_t lo = {.log_level = ENG_LOG_WARN};
    fx->loop = eng_loop_new(&lo);
    fx->tick = event_new(eng_loop_base(fx->loop), -1, EV_PERSIST, on_tick, NULL);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 5000};
    event_add(fx->tick, &tv);
    fx->col = calloc(1, sizeof(*fx->col));
    fx->collector = eng_actor_spawn(fx->loop, "test-call", &collector_ops, fx->col);
    eng_pg_opts_t po = {
        .pool_size = 8, .connect_timeout_ms = 3000, .session_role = "serviceai_app"};
    fx->pg = eng_pg_new(fx->loop, fx->conninfo, &po);
    assert_int_equal(eng_pg_start(fx->pg), ENG_OK);
    int64_t until = mono_ms() + WAIT_LIMIT_MS;
    while (!eng_pg_healthy(fx->pg)) {
        if (mono_ms() > until)
            fail_msg("pool not healthy");
        event_base_loop(eng_loop_base(fx->loop), EVLOOP_ONCE);
        eng_loop_run_once(fx->loop);
    }
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    eng_pg_free(fx->pg);
    event_free(fx->tick);
    eng_loop_free(fx->loop);
    fx->loop = NULL;
    fx->col = NULL;
    return 0;
}

static void run_until(fx_t *fx, size_t n)
{
    int64_t until = mono_ms() + WAIT_LIMIT_MS;
    while (fx->col->n < n) {
        if (mono_ms() > until)
            fail_msg("only %zu of %zu results after %d ms", fx->col->n, n, WAIT_LIMIT_MS);
        event_base_loop(eng_loop_base(fx->loop), EVLOOP_ONCE);
        eng_loop_run_once(fx->loop);
    }
}

/* ------------------------------------------------------------------ data */

/*
 * A tenant open around the clock (so tests do not depend on the time of
 * day they run at), one-hour slots, one hour of lead time, a week ahead.
 * Technicians: `hvac_techs` with skill hvac, plus one plumber.
 */
static tenant_t make_tenant(fx_t *fx, const char *name, const char *tz, sch_lang_t lang,
                            int hvac_techs)
{
    tenant_t t;
    memset(&t, 0, sizeof(t));
    snprintf(t.tz, sizeof(t.tz), "%s", tz);
    t.lang = lang;
    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SELECT set_config('app.scope', 'platform', true)");
    const char *p[] = {name, tz, lang == SCH_LANG_ES ? "es" : "en"};
    PGresult *res = query_ok(fx->pq,
                             "INSERT INTO tenants (name, industry, timezone, language) "
                             "VALUES ($1, 'hvac', $2, $3) RETURNING id",
                             3, p);
    snprintf(t.id, sizeof(t.id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *pid[] = {t.id};
    PQclear(query_ok(fx->pq,
                     "INSERT INTO booking_settings (tenant_id, lead_time_min, horizon_days, "
                     "slot_step_min) VALUES ($1, 60, 7, 60)",
                     1, pid));
    PQclear(query_ok(fx->pq,
                     "INSERT INTO business_hours (tenant_id, weekday, opens, closes) "
                     "SELECT $1, d, '00:00', '24:00' FROM generate_series(0, 6) d",
                     1, pid));
    res = query_ok(fx->pq,
                   "INSERT INTO services (tenant_id, name, name_es, aliases, duration_min, "
                   "buffer_min, skill, sort_order) VALUES ($1, 'AC repair', 'Reparación de aire "
                   "acondicionado', '{air conditioning}', 60, 30, 'hvac', 1) RETURNING id",
                   1, pid);
    snprintf(t.service_ac, sizeof(t.service_ac), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = query_ok(fx->pq,
                   "INSERT INTO services (tenant_id, name, name_es, duration_min, sort_order) "
                   "VALUES ($1, 'Maintenance', 'Mantenimiento', 60, 2) RETURNING id",
                   1, pid);
    snprintf(t.service_tune, sizeof(t.service_tune), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    for (int i = 0; i < hvac_techs; i++) {
        char tname[32], phone[20];
        snprintf(tname, sizeof(tname), "Tech %d", i + 1);
        snprintf(phone, sizeof(phone), "+1512555%04d", 9000 + i);
        const char *tp[] = {t.id, tname, phone};
        PQclear(query_ok(fx->pq,
                         "INSERT INTO technicians (tenant_id, name, phone, skills) "
                         "VALUES ($1, $2, $3, '{hvac}')",
                         3, tp));
    }
    PQclear(query_ok(fx->pq,
                     "INSERT INTO technicians (tenant_id, name, phone, skills) "
                     "VALUES ($1, 'Pat Plumber', '+15125558999', '{plumbing}')",
                     1, pid));
    exec_ok(fx->pq, "COMMIT");
    return t;
}

static const char *new_phone(fx_t *fx, char buf[20])
{
    snprintf(buf, 20, "+1737555%04d", fx->next_phone++);
    return buf;
}

/* ------------------------------------------------------------------ jobs */

/*
 * Hands a job to the real handler for `tool`, as the call actor would.
 * args: key, value pairs ending with NULL. corr is the collector's slot.
 */
static void start_job(fx_t *fx, const tenant_t *t, uint64_t corr, const char *caller,
                      const char *tool, const char *tool_call_id, ...)
{
    act_tool_job_t *job = eng_xcalloc(1, sizeof(*job));
    job->pg = fx->pg;
    job->statics = fx->statics;
    job->call_id = eng_xstrdup("call-booking-test");
    job->caller_number = eng_xstrdup(caller);
    job->tenant.id = eng_xstrdup(t->id);
    job->tenant.name = eng_xstrdup("Test HVAC");
    job->tenant.timezone = eng_xstrdup(t->tz);
    job->tenant.language = t->lang;
    job->tenant.active = true;
    job->language = t->lang;
    job->call.id = eng_xstrdup(tool_call_id);
    job->call.name = eng_xstrdup(tool);
    job->call.args = eng_xcalloc(16, sizeof(*job->call.args));
    va_list ap;
    va_start(ap, tool_call_id);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        assert_true(job->call.nargs < 16);
        job->call.args[job->call.nargs].key = eng_xstrdup(key);
        job->call.args[job->call.nargs].value = eng_xstrdup(value);
        job->call.nargs++;
    }
    va_end(ap);
    job->reply_to = fx->collector;
    job->corr = corr;
    job->deadline_ms =
        eng_loop_now_ms(fx->loop) + (fx->job_deadline_in_ms ? fx->job_deadline_in_ms : 10000);
    fx->last_deadline_ms = job->deadline_ms;
    act_tool_start_fn start = act_tool_handler(tool);
    assert_non_null(start);
    assert_int_equal(start(fx->loop, job), ENG_OK);
}

/* Runs one job to its result; returns the text (owned by the collector). */
#define RUN(fx, ...)                                                                               \
    (collector_reset((fx)->col), start_job((fx), __VA_ARGS__), run_until((fx), 1),                 \
     (const char *)(fx)->col->text[0])

static void assert_has(const char *text, const char *needle)
{
    if (!text || !strstr(text, needle))
        fail_msg("expected \"%s\" in: %s", needle, text ? text : "(null)");
}

static void assert_lacks(const char *text, const char *needle)
{
    if (text && strstr(text, needle))
        fail_msg("did not expect \"%s\" in: %s", needle, text);
}

/* The n-th "(slot s_...)" id in a result. */
static void nth_slot(const char *text, int n, char out[64])
{
    const char *p = text;
    for (int i = 0; i <= n; i++) {
        p = strstr(p, "(slot ");
        if (!p)
            fail_msg("no slot #%d in: %s", n, text);
        p += 6;
    }
    size_t len = strcspn(p, ")");
    assert_true(len < 64);
    memcpy(out, p, len);
    out[len] = '\0';
}

/* The "(appointment <uuid>)" / "(cita <uuid>)" id in a result. */
static void appointment_id(const char *text, char out[37])
{
    const char *p = strstr(text, "(appointment ");
    if (p)
        p += 13;
    else if ((p = strstr(text, "(cita ")) != NULL)
        p += 6;
    else
        fail_msg("no appointment id in: %s", text);
    memcpy(out, p, 36);
    out[36] = '\0';
}

static char *first_slot(fx_t *fx, const tenant_t *t, const char *service, char out[64])
{
    const char *text =
        RUN(fx, t, 0, "+17375550000", "check_availability", "tc-avail", "service", service, NULL);
    nth_slot(text, 0, out);
    return out;
}

/* ------------------------------------------------------------------ tests */

static void test_check_availability_offers_the_three_soonest_slots_with_ids(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Availability Air", "America/New_York", SCH_LANG_EN, 1);
    const char *text = RUN(fx, &t, 0, "+17375550001", "check_availability", "tc-1", "service",
                           "air conditioning", NULL);
    assert_false(fx->col->is_error[0]);
    assert_has(text, "The soonest openings for AC repair are ");
    char s0[64], s1[64], s2[64];
    nth_slot(text, 0, s0);
    nth_slot(text, 1, s1);
    nth_slot(text, 2, s2);
    assert_string_not_equal(s0, s1);
    assert_string_not_equal(s1, s2);
    char prefix[10];
    snprintf(prefix, sizeof(prefix), "_%.8s", t.service_ac);
    assert_has(s0, prefix); /* the slot names its service */
}

static void test_check_availability_without_a_service_asks_which_one(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Which Service Air", "America/Chicago", SCH_LANG_EN, 1);
    const char *text = RUN(fx, &t, 0, "+17375550002", "check_availability", "tc-2", NULL);
    assert_true(fx->col->is_error[0]);
    assert_has(text, "Which service does the caller need?");
    assert_has(text, "AC repair and Maintenance");
    text = RUN(fx, &t, 0, "+17375550002", "check_availability", "tc-3", "service", "roofing", NULL);
    assert_has(text, "I don't know the service \"roofing\"");
    text = RUN(fx, &t, 0, "+17375550002", "check_availability", "tc-4", "service", "AC repair",
               "date", "next tuesday", NULL);
    assert_true(fx->col->is_error[0]);
    assert_has(text, "Dates must be YYYY-MM-DD. Today is ");
}

static void test_fifty_concurrent_bookings_for_one_slot_book_exactly_one(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Race Air", "America/New_York", SCH_LANG_EN, 1);
    char slot[64];
    first_slot(fx, &t, "AC repair", slot);
    collector_reset(fx->col);
    for (int i = 0; i < 50; i++) {
        char phone[20], tc[32], name[32];
        snprintf(tc, sizeof(tc), "tc-race-%d", i);
        snprintf(name, sizeof(name), "Caller %d", i);
        start_job(fx, &t, (uint64_t)i, new_phone(fx, phone), "book_appointment", tc, "slot_id",
                  slot, "service", "AC repair", "customer_name", name, "address", "12 Oak Street",
                  "issue_description", "AC blowing warm air", NULL);
    }
    run_until(fx, 50);
    int booked = 0, taken = 0;
    for (int i = 0; i < 50; i++) {
        const char *text = fx->col->text[i];
        if (strncmp(text, "Booked:", 7) == 0) {
            booked++;
        } else {
            assert_has(text, "That time was just taken.");
            assert_has(text, "The next openings are ");
            char alt[64];
            nth_slot(text, 0, alt);
            assert_string_not_equal(alt, slot);
            assert_false(fx->col->is_error[i]);
            taken++;
        }
    }
    assert_int_equal(booked, 1);
    assert_int_equal(taken, 49);
    const char *p[] = {t.id};
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM appointments WHERE tenant_id = $1 "
                                "AND status IN ('booked', 'rescheduled')",
                                1, p),
                     1);
}

static void test_a_repeated_tool_call_id_books_once(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Repeat Air", "America/Chicago", SCH_LANG_EN, 2);
    char slot[64], first[37], second[37];
    first_slot(fx, &t, "AC repair", slot);
    const char *text = RUN(fx, &t, 0, "+17375550010", "book_appointment", "tc-once", "slot_id",
                           slot, "service", "AC repair", "customer_name", "Maria Lopez", "address",
                           "12 Oak Street", "issue_description", "No cooling", NULL);
    assert_has(text, "Booked: AC repair for Maria Lopez on ");
    appointment_id(text, first);
    text = RUN(fx, &t, 0, "+17375550010", "book_appointment", "tc-once", "slot_id", slot, "service",
               "AC repair", "customer_name", "Maria Lopez", "address", "12 Oak Street",
               "issue_description", "No cooling", NULL);
    assert_has(text, "Booked: AC repair for Maria Lopez on ");
    appointment_id(text, second);
    assert_string_equal(first, second);
    const char *p[] = {t.id};
    assert_int_equal(
        count_rows(fx->pq, "SELECT count(*) FROM appointments WHERE tenant_id = $1", 1, p), 1);
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM outbox WHERE tenant_id = $1", 1, p),
                     2);
    /* the same request again under a new toolCallId (Vapi retried after a timeout) */
    text = RUN(fx, &t, 0, "+17375550010", "book_appointment", "tc-once-retry", "slot_id", slot,
               "service", "AC repair", "customer_name", "Maria Lopez", "address", "12 Oak Street",
               "issue_description", "No cooling", NULL);
    appointment_id(text, second);
    assert_string_equal(first, second);
    assert_int_equal(
        count_rows(fx->pq, "SELECT count(*) FROM appointments WHERE tenant_id = $1", 1, p), 1);
}

static void test_booking_writes_its_outbox_rows_with_it(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Outbox Air", "America/New_York", SCH_LANG_EN, 1);
    char slot[64], id[37];
    first_slot(fx, &t, "AC repair", slot);
    const char *text = RUN(fx, &t, 0, "+17375550020", "book_appointment", "tc-outbox", "slot_id",
                           slot, "service", "AC repair", "customer_name", "Sam Ortiz", "address",
                           "9 Elm Road", "issue_description", "Ice on the lines", NULL);
    assert_has(text, "A text confirmation is on its way.");
    appointment_id(text, id);
    const char *p[] = {id};
    PGresult *res =
        query_ok(fx->pq,
                 "SELECT o.kind, o.payload->>'action', o.payload->'customer'->>'phone', "
                 "o.payload->>'address', o.sent_at IS NULL, o.attempts, "
                 "o.created_at = a.created_at "
                 "FROM outbox o JOIN appointments a "
                 "ON a.id = (o.payload->>'appointment_id')::uuid "
                 "WHERE a.id = $1 ORDER BY o.kind",
                 1, p);
    assert_int_equal(PQntuples(res), 2);
    assert_string_equal(PQgetvalue(res, 0, 0), "calendar_event");
    assert_string_equal(PQgetvalue(res, 1, 0), "sms_confirmation");
    for (int i = 0; i < 2; i++) {
        assert_string_equal(PQgetvalue(res, i, 1), "booked");
        assert_string_equal(PQgetvalue(res, i, 2), "+17375550020");
        assert_string_equal(PQgetvalue(res, i, 3), "9 Elm Road");
        assert_string_equal(PQgetvalue(res, i, 4), "t");
        assert_string_equal(PQgetvalue(res, i, 5), "0");
        assert_string_equal(PQgetvalue(res, i, 6), "t"); /* now() of one transaction */
    }
    PQclear(res);

    /* a customer who opted out of texts gets no SMS row, and is not promised one */
    const char *tp[] = {t.id};
    PQclear(query_ok(fx->pq,
                     "INSERT INTO customers (tenant_id, phone, name, sms_opt_out) "
                     "VALUES ($1, '+17375550021', 'Quiet Quinn', true)",
                     1, tp));
    char slot2[64];
    first_slot(fx, &t, "Maintenance", slot2);
    text = RUN(fx, &t, 0, "+17375550021", "book_appointment", "tc-outbox-2", "slot_id", slot2,
               "service", "Maintenance", "customer_name", "Quiet Quinn", "address", "1 Hush Lane",
               "issue_description", "Yearly check", NULL);
    assert_has(text, "Booked: Maintenance");
    assert_lacks(text, "text confirmation");
    appointment_id(text, id);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM outbox WHERE payload->>'appointment_id' = $1 "
                                "AND kind = 'calendar_event'",
                                1, p),
                     1);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM outbox WHERE payload->>'appointment_id' = $1 "
                                "AND kind = 'sms_confirmation'",
                                1, p),
                     0);
}

static void test_reschedule_keeps_the_history_and_frees_the_old_time(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Reschedule Air", "America/Chicago", SCH_LANG_EN, 1);
    const char *text =
        RUN(fx, &t, 0, "+17375550030", "check_availability", "tc-r0", "service", "AC repair", NULL);
    char slot_a[64], slot_c[64], old_id[37], new_id[37];
    nth_slot(text, 0, slot_a);
    nth_slot(text, 2, slot_c);
    text = RUN(fx, &t, 0, "+17375550030", "book_appointment", "tc-r1", "slot_id", slot_a, "service",
               "AC repair", "customer_name", "Lee Chen", "address", "4 Pine Court",
               "issue_description", "Noisy fan", NULL);
    appointment_id(text, old_id);
    text = RUN(fx, &t, 0, "+17375550030", "reschedule_appointment", "tc-r2", "appointment_id",
               old_id, "new_slot_id", slot_c, NULL);
    assert_false(fx->col->is_error[0]);
    assert_has(text, "Rescheduled: AC repair moved from ");
    appointment_id(text, new_id);
    assert_string_not_equal(old_id, new_id);

    const char *p[] = {old_id, new_id};
    PGresult *res =
        query_ok(fx->pq,
                 "SELECT o.status, o.cancel_reason, n.status, n.rescheduled_from = o.id,"
                 " n.description, n.address FROM appointments o, appointments n "
                 "WHERE o.id = $1 AND n.id = $2",
                 2, p);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), "cancelled");
    assert_string_equal(PQgetvalue(res, 0, 1), "rescheduled");
    assert_string_equal(PQgetvalue(res, 0, 2), "rescheduled");
    assert_string_equal(PQgetvalue(res, 0, 3), "t");
    assert_string_equal(PQgetvalue(res, 0, 4), "Noisy fan");
    assert_string_equal(PQgetvalue(res, 0, 5), "4 Pine Court");
    PQclear(res);
    const char *pn[] = {new_id};
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM outbox WHERE payload->>'appointment_id' = $1 "
                                "AND payload->>'action' = 'rescheduled' "
                                "AND payload->>'previous_start' IS NOT NULL",
                                1, pn),
                     2);

    /* the same reschedule again changes nothing */
    text = RUN(fx, &t, 0, "+17375550030", "reschedule_appointment", "tc-r2", "appointment_id",
               old_id, "new_slot_id", slot_c, NULL);
    char again[37];
    appointment_id(text, again);
    assert_string_equal(again, new_id);

    /* the old time is free again for someone else (one technician only) */
    text = RUN(fx, &t, 0, "+17375550031", "book_appointment", "tc-r3", "slot_id", slot_a, "service",
               "AC repair", "customer_name", "Other Person", "address", "5 Pine Court",
               "issue_description", "Leak", NULL);
    assert_has(text, "Booked: AC repair for Other Person");
}

static void test_cancel_frees_the_slot(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Cancel Air", "America/New_York", SCH_LANG_EN, 1);
    char slot[64], id[37];
    first_slot(fx, &t, "AC repair", slot);
    const char *text = RUN(fx, &t, 0, "+17375550040", "book_appointment", "tc-c1", "slot_id", slot,
                           "service", "AC repair", "customer_name", "Ann Bell", "address",
                           "7 Birch Way", "issue_description", "Thermostat dead", NULL);
    appointment_id(text, id);
    text = RUN(fx, &t, 0, "+17375550041", "book_appointment", "tc-c2", "slot_id", slot, "service",
               "AC repair", "customer_name", "Bo Diaz", "address", "8 Birch Way",
               "issue_description", "Warm air", NULL);
    assert_has(text, "That time was just taken.");
    /* Ann cancels without the id: her only upcoming appointment is meant */
    text = RUN(fx, &t, 0, "+17375550040", "cancel_appointment", "tc-c3", "reason",
               "Fixed it myself", NULL);
    assert_false(fx->col->is_error[0]);
    assert_has(text, "Cancelled: AC repair on ");
    const char *p[] = {id};
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM appointments WHERE id = $1 AND status = "
                                "'cancelled' AND cancel_reason = 'Fixed it myself'",
                                1, p),
                     1);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM outbox WHERE payload->>'appointment_id' = $1 "
                                "AND payload->>'action' = 'cancelled'",
                                1, p),
                     2);
    text = RUN(fx, &t, 0, "+17375550041", "book_appointment", "tc-c4", "slot_id", slot, "service",
               "AC repair", "customer_name", "Bo Diaz", "address", "8 Birch Way",
               "issue_description", "Warm air", NULL);
    assert_has(text, "Booked: AC repair for Bo Diaz");
}

static void test_a_caller_cannot_cancel_or_move_another_callers_appointment(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Privacy Air", "America/Chicago", SCH_LANG_EN, 2);
    char slot[64], id[37];
    first_slot(fx, &t, "AC repair", slot);
    const char *text = RUN(fx, &t, 0, "+17375550050", "book_appointment", "tc-p1", "slot_id", slot,
                           "service", "AC repair", "customer_name", "Victim Vera", "address",
                           "1 Safe Street", "issue_description", "Broken", NULL);
    appointment_id(text, id);
    text =
        RUN(fx, &t, 0, "+17375550059", "cancel_appointment", "tc-p2", "appointment_id", id, NULL);
    assert_true(fx->col->is_error[0]);
    assert_has(text, "I can't find that appointment under the caller's phone number.");
    text = RUN(fx, &t, 0, "+17375550059", "reschedule_appointment", "tc-p3", "appointment_id", id,
               "new_slot_id", slot, NULL);
    assert_true(fx->col->is_error[0]);
    /* a call without a caller number cannot touch appointments at all */
    text = RUN(fx, &t, 0, NULL, "cancel_appointment", "tc-p4", "appointment_id", id, NULL);
    assert_has(text, "This call has no caller phone number");
    /* nor can another tenant's caller, even with the right number */
    tenant_t other = make_tenant(fx, "Other Tenant Air", "America/Chicago", SCH_LANG_EN, 1);
    text = RUN(fx, &other, 0, "+17375550050", "cancel_appointment", "tc-p5", "appointment_id", id,
               NULL);
    assert_has(text, "I can't find that appointment");
    const char *p[] = {id};
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM appointments WHERE id = $1 AND status = "
                                "'booked'",
                                1, p),
                     1);
    /* lookups of other numbers are refused too */
    text =
        RUN(fx, &t, 0, "+17375550059", "lookup_customer", "tc-p6", "phone", "+17375550050", NULL);
    assert_has(text, "For privacy");
    assert_lacks(text, "Vera");
}

static void test_bad_arguments_get_results_the_model_can_act_on(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Args Air", "America/New_York", SCH_LANG_EN, 1);
    char slot[64];
    first_slot(fx, &t, "AC repair", slot);
    const char *text =
        RUN(fx, &t, 0, "+17375550060", "book_appointment", "tc-a1", "slot_id", slot, "service",
            "AC repair", "customer_name", "Al", "issue_description", "x", NULL);
    assert_true(fx->col->is_error[0]);
    assert_string_equal(text, "I need the service address to book.");
    text = RUN(fx, &t, 0, "+17375550060", "book_appointment", "tc-a2", "slot_id", slot, "service",
               "AC repair", "address", "1 Road", NULL);
    assert_string_equal(text, "I need the caller's full name to book.");
    text = RUN(fx, &t, 0, "+17375550060", "book_appointment", "tc-a3", "slot_id", "s_123_deadbeef",
               "service", "AC repair", "customer_name", "Al", "address", "1 Road", NULL);
    assert_has(text, "That slot id is not valid.");
    text = RUN(fx, &t, 0, "+17375550060", "book_appointment", "tc-a4", "start", "soonish",
               "service", "AC repair", "customer_name", "Al", "address", "1 Road", NULL);
    assert_has(text, "I couldn't read the time \"soonish\"");
    /* a time in the past is refused with openings offered instead */
    text =
        RUN(fx, &t, 0, "+17375550060", "book_appointment", "tc-a5", "start", "2020-01-07T10:00:00Z",
            "service", "AC repair", "customer_name", "Al", "address", "1 Road", NULL);
    assert_false(fx->col->is_error[0]);
    assert_has(text, "That time is already past or too soon");
    assert_has(text, "(slot s_");
    const char *p[] = {t.id};
    assert_int_equal(
        count_rows(fx->pq, "SELECT count(*) FROM appointments WHERE tenant_id = $1", 1, p), 0);
}

static void test_spanish_calls_hear_spanish_results(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Aire Frío", "America/Chicago", SCH_LANG_ES, 1);
    const char *text = RUN(fx, &t, 0, "+17375550070", "check_availability", "tc-es1", "service",
                           "aire acondicionado", NULL);
    assert_has(text, "Los horarios más próximos para Reparación de aire acondicionado son el ");
    assert_has(text, " de ");
    char slot[64], id[37];
    nth_slot(text, 0, slot);
    text = RUN(fx, &t, 0, "+17375550070", "book_appointment", "tc-es2", "slot_id", slot, "service",
               "aire acondicionado", "customer_name", "María López", "address", "Calle Roble 12",
               "issue_description", "No enfría", NULL);
    assert_has(text, "Cita confirmada: Reparación de aire acondicionado para María López el ");
    assert_has(text, "Le llegará un mensaje de texto de confirmación.");
    appointment_id(text, id);
    const char *p[] = {id};
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM appointments a JOIN customers c "
                                "ON c.id = a.customer_id WHERE a.id = $1 "
                                "AND c.preferred_language = 'es'",
                                1, p),
                     1);
    text = RUN(fx, &t, 0, "+17375550070", "lookup_customer", "tc-es3", NULL);
    assert_has(text, "Cliente conocido: María López, dirección Calle Roble 12, prefiere español.");
    assert_has(text, "Próximas citas: Reparación de aire acondicionado el ");
}

static void test_lookup_customer_names_the_caller_and_upcoming_appointments(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Lookup Air", "America/New_York", SCH_LANG_EN, 1);
    const char *text = RUN(fx, &t, 0, "+17375550080", "lookup_customer", "tc-l1", NULL);
    assert_has(text, "No customer record for this phone number yet");
    char slot[64], id[37];
    first_slot(fx, &t, "Maintenance", slot);
    text = RUN(fx, &t, 0, "+17375550080", "book_appointment", "tc-l2", "slot_id", slot, "service",
               "Maintenance", "customer_name", "Rita Moss", "address", "3 Oak Lane",
               "issue_description", "Tune-up", NULL);
    appointment_id(text, id);
    text = RUN(fx, &t, 0, "+1 (737) 555-0080", "lookup_customer", "tc-l3", NULL);
    assert_has(text, "Returning customer: Rita Moss, address 3 Oak Lane.");
    assert_has(text, "Upcoming: Maintenance on ");
    assert_has(text, id);
}

static void test_an_answer_arrives_before_the_deadline_when_postgres_stalls(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Stall Air", "America/Chicago", SCH_LANG_EN, 1);
    /* Hold a lock every load needs, from another session. */
    PGconn *locker = pg_connect(fx->conninfo);
    assert_non_null(locker);
    exec_ok(locker, "BEGIN");
    exec_ok(locker, "LOCK TABLE services IN ACCESS EXCLUSIVE MODE");
    collector_reset(fx->col);
    fx->job_deadline_in_ms = 400; /* a call actor with little time left */
    start_job(fx, &t, 0, "+17375550090", "check_availability", "tc-stall", "service", "AC repair",
              NULL);
    fx->job_deadline_in_ms = 0;
    run_until(fx, 1);
    exec_ok(locker, "ROLLBACK");
    PQfinish(locker);
    assert_true(fx->col->received_ms[0] < fx->last_deadline_ms);
    assert_true(fx->col->is_error[0]);
    assert_has(fx->col->text[0], "I can't reach the schedule right now.");
}

static void test_profile_lines_render_hours_and_services(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Profile Air", "America/New_York", SCH_LANG_EN, 1);
    const char *p[] = {t.id};
    const char *p_en[] = {t.id, "en"};
    const char *p_es[] = {t.id, "es"};
    PGresult *res = query_ok(fx->pq, ACT_BOOKING_PROFILE_LINES_SQL, 2, p_en);
    assert_string_equal(PQgetvalue(res, 0, 0), "{\"Every day: open 24 hours\"}");
    PQclear(res);
    res = query_ok(fx->pq, ACT_BOOKING_PROFILE_LINES_SQL, 2, p_es);
    assert_string_equal(PQgetvalue(res, 0, 0), "{\"Todos los días: abierto las 24 horas\"}");
    PQclear(res);
    /* no hours on file is an empty list (the template says so), not "closed every day" */
    PQclear(query_ok(fx->pq, "DELETE FROM business_hours WHERE tenant_id = $1", 1, p));
    res = query_ok(fx->pq, ACT_BOOKING_PROFILE_LINES_SQL, 2, p_en);
    assert_string_equal(PQgetvalue(res, 0, 0), "{}");
    PQclear(res);
    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SELECT set_config('app.scope', 'platform', true)");
    PQclear(query_ok(fx->pq, "DELETE FROM business_hours WHERE tenant_id = $1", 1, p));
    PQclear(query_ok(fx->pq,
                     "INSERT INTO business_hours (tenant_id, weekday, opens, closes) "
                     "SELECT $1::uuid, d, '08:00'::time, '17:30'::time "
                     "FROM generate_series(1, 5) d "
                     "UNION ALL SELECT $1::uuid, 6, '09:00'::time, '13:00'::time",
                     1, p));
    exec_ok(fx->pq, "COMMIT");
    const char *pe[] = {t.id, "en"};
    const char *ps[] = {t.id, "es"};
    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SET LOCAL ROLE serviceai_app");
    PQclear(query_ok(fx->pq, "SELECT set_config('app.tenant_id', $1, true)", 1, p));
    PGresult *en = query_ok(fx->pq, ACT_BOOKING_PROFILE_LINES_SQL, 2, pe);
    PGresult *es = query_ok(fx->pq, ACT_BOOKING_PROFILE_LINES_SQL, 2, ps);
    exec_ok(fx->pq, "COMMIT");
    char **lines = NULL;
    size_t n = 0;
    assert_true(act_booking_parse_text_array(PQgetvalue(en, 0, 0), &lines, &n));
    assert_int_equal(n, 3);
    assert_string_equal(lines[0], "Monday to Friday: 8 AM to 5:30 PM");
    assert_string_equal(lines[1], "Saturday: 9 AM to 1 PM");
    assert_string_equal(lines[2], "Sunday: closed");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    assert_true(act_booking_parse_text_array(PQgetvalue(en, 0, 1), &lines, &n));
    assert_int_equal(n, 2);
    assert_string_equal(lines[0], "AC repair (about 1 hour)");
    assert_string_equal(lines[1], "Maintenance (about 1 hour)");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    assert_true(act_booking_parse_text_array(PQgetvalue(es, 0, 0), &lines, &n));
    assert_string_equal(lines[0], "Lunes a viernes: de 8 de la mañana a 5:30 de la tarde");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    PQclear(en);
    PQclear(es);
}

/*
 * sql as serviceai_app with t's tenant set, in a transaction of its own, as
 * the engine runs it. Returns the result (the caller clears it).
 */
static PGresult *as_tenant(fx_t *fx, const tenant_t *t, const char *sql, int n,
                           const char *const *params)
{
    const char *pt[] = {t->id};
    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SET LOCAL ROLE serviceai_app");
    PQclear(query_ok(fx->pq, "SELECT set_config('app.tenant_id', $1, true)", 1, pt));
    PGresult *res = query_ok(fx->pq, sql, n, params);
    exec_ok(fx->pq, "COMMIT");
    return res;
}

/*
 * sai_book of t's AC repair for caller at `base` + minutes; the result's
 * status into status, its appointment id (or "") into id.
 */
static void book_at(fx_t *fx, const tenant_t *t, const char *base, const char *minutes,
                    const char *caller, const char *tool_call_id, char status[16], char id[37])
{
    const char *p[] = {t->id, caller, t->service_ac, base, minutes, tool_call_id};
    PGresult *res =
        as_tenant(fx, t,
                  "SELECT r.status, coalesce(r.appointment_id::text, '') "
                  "FROM sai_book($1::uuid, $2, 'Held Caller', '3 Elm Street', $3::uuid, "
                  "$4::timestamptz + make_interval(mins => $5::int), $6, 'call-held', "
                  "'', 'en') r",
                  6, p);
    snprintf(status, 16, "%s", PQgetvalue(res, 0, 0));
    snprintf(id, 37, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
}

/* sai_reschedule of caller's appointment `id` to `base` + minutes, like book_at. */
static void reschedule_at(fx_t *fx, const tenant_t *t, const char *base, const char *minutes,
                          const char *caller, const char *id, const char *tool_call_id,
                          char status[16], char new_id[37])
{
    const char *p[] = {t->id, caller, id, base, minutes, tool_call_id};
    PGresult *res = as_tenant(fx, t,
                              "SELECT r.status, coalesce(r.appointment_id::text, '') "
                              "FROM sai_reschedule($1::uuid, $2, $3::uuid, "
                              "$4::timestamptz + make_interval(mins => $5::int), $6, "
                              "'call-held') r",
                              6, p);
    snprintf(status, 16, "%s", PQgetvalue(res, 0, 0));
    snprintf(new_id, 37, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
}

/*
 * The 'busy' rows sai_booking_context returns at now = base + now_minutes,
 * as "start:end" in minutes from base, comma-separated ("" when none).
 */
static void busy_at(fx_t *fx, const tenant_t *t, const char *base, const char *now_minutes,
                    char *out, size_t outsz)
{
    const char *p[] = {t->id, base, now_minutes};
    PGresult *res = as_tenant(
        fx, t,
        "WITH b AS (SELECT (extract(epoch FROM $2::timestamptz) * 1000)::bigint AS ms) "
        "SELECT coalesce(string_agg(((x.c2::bigint - b.ms) / 60000)::text || ':' || "
        "((x.c3::bigint - b.ms) / 60000)::text, ',' ORDER BY x.c2::bigint), '') "
        "FROM b, sai_booking_context($1::uuid, b.ms + $3::bigint * 60000, NULL, NULL, 1) x "
        "WHERE x.kind = 'busy'",
        3, p);
    snprintf(out, outsz, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

/*
 * A booking holds its technician for the work plus the service's buffer, a
 * half-open range: the next job may start the minute the buffer ends, and a
 * job may end the minute the next one starts, but not a minute inside.
 * sai_book and sai_reschedule are called directly, so it is the database's
 * own "is this technician free" test that is checked (the engine's slot
 * arithmetic would refuse most of these times before they reach it); the
 * 'busy' rows check_availability reads must show the same held time, only
 * while it lasts and only within the horizon.
 */
static void test_a_booking_holds_work_plus_buffer_and_back_to_back_jobs_fit(void **state)
{
    fx_t *fx = *state;
    /* one hvac technician: AC repair (60 min + 30 buffer) has nobody else to go to */
    tenant_t t = make_tenant(fx, "Held Time Air", "America/Chicago", SCH_LANG_EN, 1);
    PGresult *res =
        query_ok(fx->pq, "SELECT (date_trunc('hour', now()) + interval '2 days')::text", 0, NULL);
    char base[64];
    snprintf(base, sizeof(base), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    char status[16], a[37], b[37], c[37], id[37], busy[256];

    book_at(fx, &t, base, "0", "+17375550070", "tc-held-1", status, a);
    assert_string_equal(status, "booked"); /* holds [0, 90) */
    book_at(fx, &t, base, "60", "+17375550071", "tc-held-2", status, id);
    assert_string_equal(status, "slot_taken"); /* inside the buffer */
    book_at(fx, &t, base, "90", "+17375550072", "tc-held-3", status, b);
    assert_string_equal(status, "booked"); /* starts as the buffer ends: [90, 180) */
    book_at(fx, &t, base, "-90", "+17375550073", "tc-held-4", status, id);
    assert_string_equal(status, "booked"); /* ends as the first starts: [-90, 0) */
    book_at(fx, &t, base, "-100", "+17375550074", "tc-held-5", status, id);
    assert_string_equal(status, "slot_taken");

    /* moving a job over its own time is fine; into another's buffer is not */
    reschedule_at(fx, &t, base, "100", "+17375550072", b, "tc-held-6", status, c);
    assert_string_equal(status, "rescheduled"); /* [100, 190) */
    reschedule_at(fx, &t, base, "60", "+17375550072", c, "tc-held-7", status, id);
    assert_string_equal(status, "slot_taken");

    busy_at(fx, &t, base, "-600", busy, sizeof(busy));
    assert_string_equal(busy, "-90:0,0:90,100:190");
    busy_at(fx, &t, base, "189", busy, sizeof(busy)); /* the last minute of the last job */
    assert_string_equal(busy, "100:190");
    busy_at(fx, &t, base, "190", busy, sizeof(busy)); /* ended at now: no longer busy */
    assert_string_equal(busy, "");
    /* the window is [now, now + 7 + 2 days): a job starting at its end is not in it */
    busy_at(fx, &t, base, "-13050", busy, sizeof(busy));
    assert_string_equal(busy, "");
    busy_at(fx, &t, base, "-13049", busy, sizeof(busy));
    assert_string_equal(busy, "-90:0");
}

/* With the router's set-up cache, jobs reuse a tenant's services, technicians and hours for
 * the cache's time (an edit reaches callers within it) while booked time is loaded every
 * time. */
static void test_cached_setup_is_reused_for_its_time_and_booked_time_never_is(void **state)
{
    fx_t *fx = *state;
    fx->statics = act_booking_statics_new(1000);
    tenant_t t = make_tenant(fx, "Cached Air", "America/Chicago", SCH_LANG_EN, 1);
    const char *text = RUN(fx, &t, 0, "+17375550301", "check_availability", "tc-c1", "service",
                           "air conditioning", NULL);
    assert_has(text, "The soonest openings for AC repair are ");
    char slot[64];
    nth_slot(text, 0, slot);
    text = RUN(fx, &t, 0, "+17375550302", "book_appointment", "tc-c2", "slot_id", slot, "service",
               "AC repair", "customer_name", "Ana Ruiz", "address", "3 Elm Street",
               "issue_description", "No cooling", NULL);
    assert_has(text, "Booked: AC repair for Ana Ruiz on ");

    /* The business stops offering its services: within the cache's second callers are still
     * offered slots (from the cached set-up), but never the time just booked. */
    const char *p[] = {t.id};
    PQclear(query_ok(fx->pq, "UPDATE services SET active = false WHERE tenant_id = $1", 1, p));
    text = RUN(fx, &t, 0, "+17375550301", "check_availability", "tc-c3", "service",
               "air conditioning", NULL);
    assert_has(text, "The soonest openings for AC repair are ");
    assert_lacks(text, slot);

    usleep(1100000); /* past the cache's time: the edit is seen */
    text = RUN(fx, &t, 0, "+17375550301", "check_availability", "tc-c4", "service",
               "air conditioning", NULL);
    assert_has(text, "This business has no bookable services set up.");
    act_booking_statics_free(fx->statics);
    fx->statics = NULL;
}

static void test_rls_a_tenant_sees_and_writes_only_its_own_booking_rows(void **state)
{
    fx_t *fx = *state;
    tenant_t a = make_tenant(fx, "RLS A Air", "America/New_York", SCH_LANG_EN, 1);
    tenant_t b = make_tenant(fx, "RLS B Air", "America/New_York", SCH_LANG_EN, 1);
    const char *pa[] = {a.id};
    const char *pb[] = {b.id};
    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SET LOCAL ROLE serviceai_app");
    PQclear(query_ok(fx->pq, "SELECT set_config('app.tenant_id', $1, true)", 1, pa));
    static const char *const tables[] = {"services",         "technicians", "business_hours",
                                         "booking_settings", "closures",    "customers",
                                         "appointments",     "outbox"};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE tenant_id = $1", tables[i]);
        assert_int_equal(count_rows(fx->pq, sql, 1, pb), 0);
    }
    assert_true(count_rows(fx->pq, "SELECT count(*) FROM services", 0, NULL) == 2);
    PGresult *res = PQexecParams(fx->pq,
                                 "INSERT INTO closures (tenant_id, starts_on, ends_on) "
                                 "VALUES ($1, '2030-01-01', '2030-01-01')",
                                 1, NULL, pb, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
    PQclear(res);
    exec_ok(fx->pq, "ROLLBACK");
}

/*
 * The booking functions keep one plan per statement per session (0005), made
 * on the session's first call with the statistics of that moment. A session
 * that starts while appointments is near empty (a new deployment; here the
 * test database) must still read appointments and customers through their
 * indexes, or every later booking scans every tenant's appointments (0007).
 * Counted with the transaction's own table statistics, so no timing involved.
 */
static void test_booking_reads_use_indexes_even_when_planned_on_an_empty_table(void **state)
{
    fx_t *fx = *state;
    tenant_t t = make_tenant(fx, "Fresh Plans Air", "America/Chicago", SCH_LANG_EN, 2);
    PGconn *pq = pg_connect(fx->conninfo); /* a new session: nothing planned yet */
    assert_non_null(pq);
    char caller[20];
    new_phone(fx, caller);
    const char *pt[] = {t.id};
    exec_ok(pq, "BEGIN");
    exec_ok(pq, "SET LOCAL ROLE serviceai_app");
    PQclear(query_ok(pq, "SELECT set_config('app.tenant_id', $1, true)", 1, pt));
    const char *pctx[] = {t.id, caller};
    PQclear(query_ok(pq,
                     "SELECT * FROM sai_booking_context($1::uuid, "
                     "(extract(epoch FROM now()) * 1000)::bigint, $2, 'tc-plan-0', 15)",
                     2, pctx));
    const char *pb[] = {t.id, caller, t.service_ac};
    PGresult *res = query_ok(pq,
                             "SELECT r.status, r.appointment_id FROM sai_book($1::uuid, $2, "
                             "'Plan Caller', '1 Oak Street', $3::uuid, "
                             "date_trunc('hour', now()) + interval '2 days', 'tc-plan-1', "
                             "'call-plan', '', 'en') r",
                             3, pb);
    assert_string_equal(PQgetvalue(res, 0, 0), "booked");
    char id[37];
    snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    const char *pr[] = {t.id, caller, id};
    res = query_ok(pq,
                   "SELECT r.status, r.appointment_id FROM sai_reschedule($1::uuid, $2, "
                   "$3::uuid, date_trunc('hour', now()) + interval '3 days', 'tc-plan-2', "
                   "'call-plan') r",
                   3, pr);
    assert_string_equal(PQgetvalue(res, 0, 0), "rescheduled");
    snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    const char *pc[] = {t.id, caller, id};
    res = query_ok(pq,
                   "SELECT r.status FROM sai_cancel($1::uuid, $2, $3::uuid, 'plans test', "
                   "'tc-plan-3', 'call-plan') r",
                   3, pc);
    assert_string_equal(PQgetvalue(res, 0, 0), "cancelled");
    PQclear(res);
    long scans = count_rows(pq,
                            "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables "
                            "WHERE relname IN ('appointments', 'customers')",
                            0, NULL);
    exec_ok(pq, "COMMIT");
    PQfinish(pq);
    assert_int_equal(scans, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_check_availability_offers_the_three_soonest_slots_with_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_booking_reads_use_indexes_even_when_planned_on_an_empty_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_availability_without_a_service_asks_which_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_fifty_concurrent_bookings_for_one_slot_book_exactly_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_repeated_tool_call_id_books_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booking_writes_its_outbox_rows_with_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reschedule_keeps_the_history_and_frees_the_old_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_frees_the_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_caller_cannot_cancel_or_move_another_callers_appointment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments_get_results_the_model_can_act_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spanish_calls_hear_spanish_results, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_lookup_customer_names_the_caller_and_upcoming_appointments, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_an_answer_arrives_before_the_deadline_when_postgres_stalls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_lines_render_hours_and_services, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_booking_holds_work_plus_buffer_and_back_to_back_jobs_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_cached_setup_is_reused_for_its_time_and_booked_time_never_is, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rls_a_tenant_sees_and_writes_only_its_own_booking_rows,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
