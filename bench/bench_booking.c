/*
 * bench_booking: engine time of the booking tools against a real Postgres
 * holding many tenants' appointments (issue 5's targets: with 100 tenants
 * of 1,000 appointments each, check_availability p99 <= 10 ms and
 * book_appointment p99 <= 15 ms).
 *
 * It creates a database of its own (serviceai_bench_booking_<pid>, dropped
 * at the end unless --keep) through SERVICEAI_PG_DSN, migrates it
 * (SERVICEAI_SQL_DIR or --sql-dir, default schema/sql), seeds the tenants
 * with set-based SQL - five technicians, two services, Monday-Saturday
 * 07:00-19:00 hours, a few zones - and 1,000 appointments each, spread over
 * the last month and the next two weeks, then runs the real handlers
 * (act_tool_handler) on the engine's loop (eng_loop_run) with an eng_pg
 * pool whose sessions run as serviceai_app, keeping `--concurrency` jobs in
 * flight:
 *   check_availability  random tenant, service, sometimes a part of the day
 *   book_appointment    random tenant, a random hour in the next 13 days:
 *                       most are booked, some are taken or closed (each
 *                       outcome is counted; a closed day never reaches the
 *                       write)
 * Latency is engine time: from handing the job to the handler to its result
 * arriving at the caller's actor, on the loop's monotonic clock - Postgres
 * round trips included, HTTP excluded.
 *
 * One thread: the loop's. Output: JSON on stdout, progress on stderr.
 */
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act_availability.h"
#include "act_tool.h"
#include "bench_stats.h"
#include "cli_migrate.h"
#include "eng_alloc.h"
#include "eng_loop.h"
#include "eng_pg.h"

static const char *const zones[] = {"America/New_York", "America/Chicago", "America/Denver",
                                    "America/Los_Angeles"};

typedef struct bb_tenant {
    char id[37];
    const char *zone;
} bb_tenant_t;

typedef enum { BB_AVAIL, BB_BOOK } bb_kind_t;

typedef struct bb_run {
    eng_loop_t *loop;
    eng_pg_t *pg;
    eng_actor_id_t self;
    bb_tenant_t *tenants;
    size_t ntenants;
    bb_kind_t kind;
    size_t total, started, done, concurrency;
    int64_t *start_us; /* by job */
    bench_samples_t all, booked;
    size_t n_booked, n_taken, n_closed, n_other, n_error;
    unsigned seed;
} bb_run_t;

static unsigned bb_rand(bb_run_t *r)
{
    r->seed = r->seed * 1103515245u + 12345u;
    return (r->seed >> 8) & 0xffffff;
}

static void bb_start_next(bb_run_t *r);

static void bb_handle(eng_actor_t *self, eng_msg_t *msg)
{
    bb_run_t *r = eng_actor_state(self);
    if (msg->type != SCH_MSG_TOOL_RESULTS || msg->corr >= r->total)
        return;
    int64_t us = eng_loop_now_us(r->loop) - r->start_us[msg->corr];
    const sch_tool_results_t *res = (const sch_tool_results_t *)msg;
    const char *text = res->nresults ? res->results[0].text : "";
    bench_samples_add(&r->all, (uint64_t)us);
    if (r->kind == BB_BOOK) {
        if (strncmp(text, "Booked:", 7) == 0 || strncmp(text, "Cita confirmada:", 16) == 0) {
            r->n_booked++;
            bench_samples_add(&r->booked, (uint64_t)us);
        } else if (strstr(text, "just taken") || strstr(text, "se acaba de ocupar")) {
            r->n_taken++;
        } else if (strstr(text, "closed") || strstr(text, "outside business hours") ||
                   strstr(text, "cerrado") || strstr(text, "fuera del horario")) {
            r->n_closed++;
        } else {
            r->n_other++;
        }
    }
    if (res->nresults && res->results[0].is_error && r->kind == BB_AVAIL)
        r->n_error++;
    r->done++;
    if (r->started < r->total)
        bb_start_next(r);
    else if (r->done == r->total)
        eng_loop_stop(r->loop);
}

static const eng_actor_ops_t bb_ops = {
    .kind = "bench-call", .handle = bb_handle, .stop = NULL, .mailbox_cap = 100000};

static void bb_arg(act_tool_job_t *job, const char *key, const char *value)
{
    job->call.args[job->call.nargs].key = eng_xstrdup(key);
    job->call.args[job->call.nargs].value = eng_xstrdup(value);
    job->call.nargs++;
}

static void bb_start_next(bb_run_t *r)
{
    size_t i = r->started++;
    const bb_tenant_t *t = &r->tenants[bb_rand(r) % r->ntenants];
    char caller[20], tc[32];
    snprintf(caller, sizeof(caller), "+1737%03u%04u", (unsigned)(i / 10000 % 1000),
             (unsigned)(i % 10000));
    snprintf(tc, sizeof(tc), "bench-%d-%zu-%zu", (int)r->kind, i, r->total);
    act_tool_job_t *job = eng_xcalloc(1, sizeof(*job));
    job->pg = r->pg;
    job->call_id = eng_xstrdup("bench-call");
    job->caller_number = eng_xstrdup(caller);
    job->tenant.id = eng_xstrdup(t->id);
    job->tenant.name = eng_xstrdup("Bench HVAC");
    job->tenant.timezone = eng_xstrdup(t->zone);
    job->tenant.active = true;
    job->language = (i % 5 == 0) ? SCH_LANG_ES : SCH_LANG_EN;
    job->call.id = eng_xstrdup(tc);
    job->call.args = eng_xcalloc(8, sizeof(*job->call.args));
    const char *service = bb_rand(r) % 2 ? "AC repair" : "Maintenance";
    if (r->kind == BB_AVAIL) {
        job->call.name = eng_xstrdup("check_availability");
        bb_arg(job, "service", service);
        static const char *const tods[] = {NULL, NULL, "morning", "afternoon"};
        const char *tod = tods[bb_rand(r) % 4];
        if (tod)
            bb_arg(job, "time_of_day", tod);
    } else {
        job->call.name = eng_xstrdup("book_appointment");
        act_avail_t *cal = NULL;
        act_avail_rules_t rules = {.lead_time_min = 0, .horizon_days = 14, .slot_step_min = 60};
        if (act_avail_new(t->zone, &rules, &cal) != ENG_OK)
            abort();
        int today = 0;
        act_avail_window(cal, eng_loop_wall_ms(r->loop), &today, NULL);
        int day = act_ymd_add(today, 1 + (int)(bb_rand(r) % 13));
        act_avail_free(cal);
        char start[32];
        snprintf(start, sizeof(start), "%04d-%02d-%02dT%02u:00", day / 10000, day / 100 % 100,
                 day % 100, 8 + bb_rand(r) % 10);
        bb_arg(job, "start", start);
        bb_arg(job, "service", service);
        bb_arg(job, "customer_name", "Bench Caller");
        bb_arg(job, "address", "100 Congress Ave");
        bb_arg(job, "issue_description", "benchmark");
    }
    job->reply_to = r->self;
    job->corr = i;
    job->deadline_ms = eng_loop_now_ms(r->loop) + 1500;
    r->start_us[i] = eng_loop_now_us(r->loop);
    act_tool_start_fn start = act_tool_handler(job->call.name);
    if (!start || start(r->loop, job) != ENG_OK)
        abort();
}

static json_t *bb_stats(bench_samples_t *s)
{
    return json_pack("{s:i, s:f, s:f, s:f, s:f, s:f}", "n", (json_int_t)s->n, "mean_ms",
                     bench_samples_mean(s) / 1000.0, "p50_ms", bench_samples_pct(s, 50) / 1000.0,
                     "p95_ms", bench_samples_pct(s, 95) / 1000.0, "p99_ms",
                     bench_samples_pct(s, 99) / 1000.0, "max_ms",
                     bench_samples_pct(s, 100) / 1000.0);
}

static json_t *bb_phase(eng_loop_t *loop, eng_pg_t *pg, bb_tenant_t *tenants, size_t ntenants,
                        bb_kind_t kind, size_t total, size_t concurrency, unsigned seed)
{
    bb_run_t r = {.loop = loop,
                  .pg = pg,
                  .tenants = tenants,
                  .ntenants = ntenants,
                  .kind = kind,
                  .total = total,
                  .concurrency = concurrency,
                  .seed = seed};
    r.start_us = eng_xcalloc(total, sizeof(*r.start_us));
    bench_samples_init(&r.all);
    bench_samples_init(&r.booked);
    r.self = eng_actor_spawn(loop, NULL, &bb_ops, &r);
    int64_t t0 = bench_now_us();
    for (size_t i = 0; i < concurrency && r.started < total; i++)
        bb_start_next(&r);
    if (eng_loop_run(loop) != 0)
        abort();
    double secs = (double)(bench_now_us() - t0) / 1e6;
    eng_actor_stop(loop, r.self);
    json_t *out = json_object();
    json_object_set_new(out, "concurrency", json_integer((json_int_t)concurrency));
    json_object_set_new(out, "jobs_per_s", json_real(total / secs));
    json_object_set_new(out, "latency", bb_stats(&r.all));
    if (kind == BB_BOOK) {
        json_object_set_new(out, "latency_booked", bb_stats(&r.booked));
        json_object_set_new(out, "outcomes",
                            json_pack("{s:i, s:i, s:i, s:i}", "booked", (json_int_t)r.n_booked,
                                      "slot_taken", (json_int_t)r.n_taken, "closed_or_outside",
                                      (json_int_t)r.n_closed, "other", (json_int_t)r.n_other));
    } else {
        json_object_set_new(out, "errors", json_integer((json_int_t)r.n_error));
    }
    fprintf(stderr, "bench_booking: %s x%zu (concurrency %zu): p50 %.2f ms, p99 %.2f ms\n",
            kind == BB_AVAIL ? "check_availability" : "book_appointment", total, concurrency,
            bench_samples_pct(&r.all, 50) / 1000.0, bench_samples_pct(&r.all, 99) / 1000.0);
    bench_samples_deinit(&r.all);
    bench_samples_deinit(&r.booked);
    free(r.start_us);
    return out;
}

static bool bb_exec(PGconn *pq, const char *sql)
{
    PGresult *res = PQexec(pq, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "bench_booking: %s\n", PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

/* The DSN with dbname replaced. */
static void bb_conninfo(const char *dsn, const char *dbname, char *out, size_t outsz)
{
    PQconninfoOption *opts = PQconninfoParse(dsn, NULL);
    size_t n = 0;
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o && o->keyword && n + 8 < outsz; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (val)
            n += (size_t)snprintf(out + n, outsz - n, "%s='%s' ", o->keyword, val);
    }
    PQconninfoFree(opts);
}

static const char seed_sql[] =
    "BEGIN;"
    "SELECT set_config('app.scope', 'platform', true);"
    "INSERT INTO tenants (name, industry, timezone, language) "
    "  SELECT 'Bench HVAC ' || i, 'hvac', (ARRAY['America/New_York', 'America/Chicago', "
    "  'America/Denver', 'America/Los_Angeles'])[1 + i %% 4], 'en' "
    "  FROM generate_series(1, %d) i;"
    "INSERT INTO booking_settings (tenant_id, lead_time_min, horizon_days, slot_step_min) "
    "  SELECT id, 120, 14, 60 FROM tenants;"
    "INSERT INTO business_hours (tenant_id, weekday, opens, closes) "
    "  SELECT t.id, d, '07:00', '19:00' FROM tenants t, generate_series(1, 6) d;"
    "INSERT INTO services (tenant_id, name, aliases, duration_min, buffer_min, skill, sort_order) "
    "  SELECT id, 'AC repair', '{air conditioning}'::text[], 90, 30, 'hvac', 1 FROM tenants "
    "  UNION ALL SELECT id, 'Maintenance', '{tune up}'::text[], 60, 0, NULL, 2 FROM tenants;"
    "INSERT INTO technicians (tenant_id, name, phone, skills) "
    "  SELECT t.id, 'Tech ' || j, '+1512555' || lpad((9000 + j)::text, 4, '0'), "
    "  CASE WHEN j = 5 THEN '{plumbing}'::text[] ELSE '{hvac}'::text[] END "
    "  FROM tenants t, generate_series(1, 5) j;"
    "INSERT INTO customers (tenant_id, phone, name, address) "
    "  SELECT t.id, '+1737' || lpad((row_number() OVER ())::text, 7, '0'), 'Customer ' || k, "
    "  k || ' Main St' FROM tenants t, generate_series(1, 200) k;"
    /* per technician 200 jobs 5 hours apart from 30 days ago: %d appointments a tenant */
    "INSERT INTO appointments (tenant_id, customer_id, service_id, technician_id, during, "
    "  work_ends_at, status, address, description) "
    "  SELECT t.id, c.id, s.id, tc.id, "
    "  tstzrange(b.start, b.start + make_interval(mins => s.duration_min + s.buffer_min)), "
    "  b.start + make_interval(mins => s.duration_min), 'booked', c.address, 'seed' "
    "  FROM tenants t "
    "  JOIN LATERAL (SELECT id, row_number() OVER (ORDER BY name) AS j FROM technicians "
    "    WHERE tenant_id = t.id) tc ON true "
    "  CROSS JOIN generate_series(0, %d / 5 - 1) k "
    "  JOIN LATERAL (SELECT id, duration_min, buffer_min FROM services WHERE tenant_id = t.id "
    "    AND (tc.j = 5) = (skill IS NULL) ORDER BY name LIMIT 1) s ON true "
    "  JOIN LATERAL (SELECT id, address FROM customers WHERE tenant_id = t.id "
    "    ORDER BY phone OFFSET k %% 200 LIMIT 1) c ON true "
    "  CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) - interval '30 days' "
    "    + k * interval '5 hours' + tc.j * interval '13 minutes' AS start) b;"
    "COMMIT;"
    "ANALYZE;";

int main(int argc, char **argv)
{
    size_t ntenants = 100, appts = 1000, queries = 2000, bookings = 1000, conc = 8;
    const char *sql_dir = getenv("SERVICEAI_SQL_DIR") ? getenv("SERVICEAI_SQL_DIR") : "schema/sql";
    bool keep = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tenants") == 0 && i + 1 < argc)
            ntenants = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--appointments") == 0 && i + 1 < argc)
            appts = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
            queries = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--bookings") == 0 && i + 1 < argc)
            bookings = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc)
            conc = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--sql-dir") == 0 && i + 1 < argc)
            sql_dir = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else {
            fprintf(stderr, "usage: bench_booking [--tenants N] [--appointments N] [--queries N] "
                            "[--bookings N] [--concurrency N] [--sql-dir DIR] [--keep]\n"
                            "environment: SERVICEAI_PG_DSN (a role that may CREATE DATABASE)\n");
            return 2;
        }
    }
    if (!ntenants || appts < 5 || !conc)
        return 2;
    const char *dsn = getenv("SERVICEAI_PG_DSN");
    if (!dsn || !*dsn) {
        fprintf(stderr, "bench_booking: SERVICEAI_PG_DSN is not set\n");
        return 2;
    }
    char dbname[64], conninfo[1024], sql[4096];
    snprintf(dbname, sizeof(dbname), "serviceai_bench_booking_%d", (int)getpid());
    PGconn *admin = PQconnectdb(dsn);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "bench_booking: %s", PQerrorMessage(admin));
        return 1;
    }
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
    if (!bb_exec(admin, sql))
        return 1;
    bb_conninfo(dsn, dbname, conninfo, sizeof(conninfo));
    FILE *devnull = fopen("/dev/null", "w");
    eng_err_t err = cli_migrate_run(conninfo, sql_dir, devnull, NULL);
    fclose(devnull);
    int rc = 1;
    json_t *out = json_object();
    eng_loop_t *loop = NULL;
    eng_pg_t *pg = NULL;
    bb_tenant_t *tenants = NULL;
    PGconn *pq = NULL;
    if (err != ENG_OK) {
        fprintf(stderr, "bench_booking: migrations in %s failed: %s\n", sql_dir, eng_err_str(err));
        goto out;
    }
    pq = PQconnectdb(conninfo);
    char *seed = eng_xmalloc(sizeof(seed_sql) + 64);
    snprintf(seed, sizeof(seed_sql) + 64, seed_sql, (int)ntenants, (int)appts);
    int64_t t0 = bench_now_us();
    bool seeded = bb_exec(pq, seed);
    free(seed);
    if (!seeded)
        goto out;
    PGresult *res = PQexec(pq, "SELECT t.id, t.timezone, (SELECT count(*) FROM appointments a "
                               "WHERE a.tenant_id = t.id) FROM tenants t ORDER BY t.name");
    tenants = eng_xcalloc((size_t)PQntuples(res) + 1, sizeof(*tenants));
    long total_appts = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        snprintf(tenants[i].id, sizeof(tenants[i].id), "%s", PQgetvalue(res, i, 0));
        for (size_t z = 0; z < 4; z++) {
            if (strcmp(zones[z], PQgetvalue(res, i, 1)) == 0)
                tenants[i].zone = zones[z];
        }
        total_appts += strtol(PQgetvalue(res, i, 2), NULL, 10);
    }
    PQclear(res);
    json_object_set_new(out, "setup",
                        json_pack("{s:i, s:i, s:f}", "tenants", (json_int_t)ntenants,
                                  "appointments", (json_int_t)total_appts, "seed_s",
                                  (double)(bench_now_us() - t0) / 1e6));
    fprintf(stderr, "bench_booking: seeded %zu tenants, %ld appointments\n", ntenants, total_appts);

    eng_loop_opts_t lo = {.log_level = ENG_LOG_WARN};
    loop = eng_loop_new(&lo);
    eng_pg_opts_t po = {.pool_size = 4, .session_role = "serviceai_app"};
    pg = eng_pg_new(loop, conninfo, &po);
    if (eng_pg_start(pg) != ENG_OK)
        goto out;
    /* warm the pool and the plans: a few rounds of each, not measured */
    json_decref(bb_phase(loop, pg, tenants, ntenants, BB_AVAIL, 64, 4, 7));
    json_object_set_new(out, "check_availability_serial",
                        bb_phase(loop, pg, tenants, ntenants, BB_AVAIL, queries / 2, 1, 11));
    json_object_set_new(out, "check_availability",
                        bb_phase(loop, pg, tenants, ntenants, BB_AVAIL, queries, conc, 13));
    json_object_set_new(out, "book_appointment_serial",
                        bb_phase(loop, pg, tenants, ntenants, BB_BOOK, bookings / 2, 1, 17));
    json_object_set_new(out, "book_appointment",
                        bb_phase(loop, pg, tenants, ntenants, BB_BOOK, bookings, conc, 19));
    json_object_set_new(
        out, "targets_ms",
        json_pack("{s:i, s:i}", "check_availability_p99", 10, "book_appointment_p99", 15));
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(text);
    free(text);
    rc = 0;
out:
    eng_pg_free(pg);
    eng_loop_free(loop);
    if (pq)
        PQfinish(pq);
    if (!keep) {
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
        bb_exec(admin, sql);
    } else {
        fprintf(stderr, "bench_booking: kept database %s\n", dbname);
    }
    PQfinish(admin);
    free(tenants);
    json_decref(out);
    return rc;
}
