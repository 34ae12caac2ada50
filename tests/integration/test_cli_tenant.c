/*
 * Integration tests for the onboarding CLI (`serviceai tenant ...`,
 * `serviceai phone ...`, tools/cli_tenant.c) and the Row Level Security of
 * the tenant tables (schema/sql/0002_tenants.sql), against the dev Postgres
 * and Redis (SERVICEAI_PG_DSN, SERVICEAI_REDIS_URL; a missing one fails).
 *
 * The group migrates a database of its own, serviceai_tenant_<pid>, created
 * through the DSN and dropped at the end, so every run starts empty and the
 * numbers can be the ones an operator would type. The CLI runs in-process
 * (cli_tenant_main / cli_phone_main) with stdout and stderr redirected to
 * files, so AddressSanitizer and LeakSanitizer watch it too. RLS is checked
 * as the role the engine runs tenant queries as, serviceai_app: the DSN's
 * role is the bootstrap superuser, which RLS never applies to.
 * Single thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "cli_migrate.h"
#include "cli_tenant.h"
#include "eng_redis.h"

#define SQL_DIR SAI_SOURCE_DIR "/schema/sql"

typedef struct {
    char *saved_dsn;     /* SERVICEAI_PG_DSN as the test runner gave it */
    char dbname[64];     /* this run's database */
    char conninfo[1024]; /* ... and how to reach it */
    PGconn *pq;          /* the test's own connection to it, as the superuser */
    redisContext *redis;
} fx_t;

typedef struct {
    int rc;
    char *out; /* stdout, owned */
    char *err; /* stderr, owned */
} cli_run_t;

/* ------------------------------------------------------------------ helpers */

static void quiet_notice(void *arg, const char *msg) {}

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

static void exec_ok(PGconn *pq, const char *sql)
{
    PGresult *res = PQexec(pq, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* Runs sql with params; the caller PQclears. Fails the test on an error. */
static PGresult *query_ok(PGconn *pq, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(pq, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    return res;
}

static long count_rows(PGconn *pq, const char *sql, const char *param)
{
    const char *params[] = {param};
    PGresult *res = query_ok(pq, sql, param ? 1 : 0, params);
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

/* The DSN with dbname replaced (keyword strings and URIs alike). */
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

static char *slurp(FILE *f)
{
    fflush(f);
    long len = ftell(f);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    rewind(f);
    if (len > 0)
        assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return text;
}

/*
 * Runs `serviceai <argv...>` in-process: "tenant" goes to cli_tenant_main,
 * "phone" to cli_phone_main. NULL-terminated arguments.
 */
static cli_run_t run_cli(const char *cmd, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)cmd;
    va_list ap;
    va_start(ap, cmd);
    const char *arg;
    while ((arg = va_arg(ap, const char *)) != NULL) {
        assert_true(argc < 31);
        argv[argc++] = (char *)arg;
    }
    va_end(ap);
    argv[argc] = NULL;

    FILE *out = tmpfile();
    FILE *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO);
    int saved_err = dup(STDERR_FILENO);
    dup2(fileno(out), STDOUT_FILENO);
    dup2(fileno(err), STDERR_FILENO);
    cli_run_t r;
    r.rc = strcmp(cmd, "phone") == 0 ? cli_phone_main(argc, argv) : cli_tenant_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    fseek(out, 0, SEEK_END);
    fseek(err, 0, SEEK_END);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

static void cli_run_free(cli_run_t *r)
{
    free(r->out);
    free(r->err);
}

static void assert_has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    return j;
}

static const char *jstr(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Creates a tenant through the CLI; returns its JSON (caller decrefs). */
static json_t *create_tenant(const char *name, const char *industry, const char *phone,
                             const char *language)
{
    cli_run_t r = run_cli("tenant", "create", "--name", name, "--industry", industry, "--phone",
                          phone, "--timezone", "America/Chicago", "--language", language, NULL);
    if (r.rc != 0)
        fail_msg("tenant create %s: rc %d: %s", name, r.rc, r.err);
    json_t *t = parse_json(r.out);
    cli_run_free(&r);
    return t;
}

static redisReply *redis_cmd(fx_t *fx, int argc, const char **argv)
{
    redisReply *reply = redisCommandArgv(fx->redis, argc, argv, NULL);
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        fail_msg("redis %s failed: %s", argv[0], reply ? reply->str : fx->redis->errstr);
    return reply;
}

static void redis_set(fx_t *fx, const char *key, const char *value)
{
    const char *argv[] = {"SET", key, value, "EX", "300"};
    freeReplyObject(redis_cmd(fx, 5, argv));
}

static long long redis_exists(fx_t *fx, const char *key)
{
    const char *argv[] = {"EXISTS", key};
    redisReply *reply = redis_cmd(fx, 2, argv);
    long long n = reply->integer;
    freeReplyObject(reply);
    return n;
}

/* ------------------------------------------------------------------ fixture */

static int group_setup(void **state)
{
    static fx_t fx;
    memset(&fx, 0, sizeof(fx));
    const char *dsn = getenv("SERVICEAI_PG_DSN");
    const char *redis_url = getenv("SERVICEAI_REDIS_URL");
    if (!dsn || !*dsn || !redis_url || !*redis_url) {
        print_error("SERVICEAI_PG_DSN and SERVICEAI_REDIS_URL must be set (integration tests "
                    "need the dev Postgres and Redis)\n");
        return -1;
    }
    fx.saved_dsn = strdup(dsn);

    char host[256];
    int port = 0;
    int db = 0;
    if (!eng_redis_url_parse(redis_url, host, sizeof(host), &port, &db)) {
        print_error("bad SERVICEAI_REDIS_URL %s\n", redis_url);
        return -1;
    }
    struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
    fx.redis = redisConnectWithTimeout(host, port, tv);
    if (!fx.redis || fx.redis->err) {
        print_error("cannot reach Redis at %s: %s\n", redis_url, fx.redis ? fx.redis->errstr : "?");
        return -1;
    }
    if (db != 0) {
        char dbtext[16];
        snprintf(dbtext, sizeof(dbtext), "%d", db);
        redisReply *reply = redisCommand(fx.redis, "SELECT %s", dbtext);
        freeReplyObject(reply);
    }

    PGconn *admin = pg_connect(dsn);
    if (!admin)
        return -1;
    snprintf(fx.dbname, sizeof(fx.dbname), "serviceai_tenant_%d", (int)getpid());
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
    int applied = 0;
    eng_err_t err = cli_migrate_run(fx.conninfo, SQL_DIR, progress, &applied);
    fclose(progress);
    if (err != ENG_OK) {
        print_error("migrations failed: %s\n", eng_err_str(err));
        return -1;
    }
    fx.pq = pg_connect(fx.conninfo);
    if (!fx.pq)
        return -1;
    /* The CLI reads the DSN from the environment: point it at this run's database. */
    setenv("SERVICEAI_PG_DSN", fx.conninfo, 1);
    *state = &fx;
    return 0;
}

static int group_teardown(void **state)
{
    fx_t *fx = *state;
    if (!fx)
        return 0;
    PQfinish(fx->pq);
    if (fx->redis)
        redisFree(fx->redis);
    if (fx->saved_dsn) {
        setenv("SERVICEAI_PG_DSN", fx->saved_dsn, 1);
        PGconn *admin = pg_connect(fx->saved_dsn);
        if (admin) {
            char sql[160];
            snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->dbname);
            PQclear(PQexec(admin, sql));
            PQfinish(admin);
        }
    }
    free(fx->saved_dsn);
    return 0;
}

/* ------------------------------------------------------------------ tests */

static void test_create_prints_the_tenant_as_json_and_stores_it(void **state)
{
    fx_t *fx = *state;
    cli_run_t r = run_cli("tenant", "create", "--name", "Lone Star Heating & Air", "--industry",
                          "hvac", "--phone", "+1 (512) 555-0100", "--timezone", "America/Chicago",
                          "--language", "en", "--greeting", "Lone Star, how can we help?",
                          "--instructions", "We service Austin and Round Rock only.", NULL);
    assert_int_equal(r.rc, 0);
    json_t *t = parse_json(r.out);
    assert_int_equal(strlen(jstr(t, "id")), 36);
    assert_string_equal(jstr(t, "name"), "Lone Star Heating & Air");
    assert_string_equal(jstr(t, "industry"), "hvac");
    assert_string_equal(jstr(t, "timezone"), "America/Chicago");
    assert_string_equal(jstr(t, "language"), "en");
    assert_string_equal(jstr(t, "status"), "active");
    assert_string_equal(jstr(t, "greeting"), "Lone Star, how can we help?");
    assert_string_equal(jstr(t, "extra_instructions"), "We service Austin and Round Rock only.");
    assert_non_null(jstr(t, "created_at"));
    json_t *numbers = json_object_get(t, "phone_numbers");
    assert_int_equal(json_array_size(numbers), 1);
    assert_string_equal(json_string_value(json_array_get(numbers, 0)), "+15125550100");

    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM phone_numbers WHERE number = "
                                "'+15125550100' AND tenant_id = $1",
                                jstr(t, "id")),
                     1);
    json_decref(t);
    cli_run_free(&r);
}

static void test_owned_number_is_refused_with_its_owner_and_nothing_is_created(void **state)
{
    fx_t *fx = *state;
    json_t *a = create_tenant("Bluebonnet Plumbing", "plumbing", "+15125550110", "en");

    cli_run_t r = run_cli("tenant", "create", "--name", "Copycat Plumbing", "--industry",
                          "plumbing", "--phone", "+15125550111", "--phone", "512-555-0110",
                          "--timezone", "America/Chicago", "--language", "en", NULL);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.out, "");
    char want[256];
    snprintf(want, sizeof(want),
             "phone number +15125550110 already belongs to tenant Bluebonnet Plumbing (%s)\n",
             jstr(a, "id"));
    assert_has(r.err, want);
    assert_non_null(strchr(r.err, '\n'));
    assert_string_equal(strchr(r.err, '\n'), "\n"); /* one line */
    assert_int_equal(
        count_rows(fx->pq, "SELECT count(*) FROM tenants WHERE name = 'Copycat Plumbing'", NULL),
        0);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM phone_numbers WHERE number = "
                                "'+15125550111'",
                                NULL),
                     0);
    cli_run_free(&r);
    json_decref(a);
}

static void test_invalid_values_are_usage_errors_that_create_nothing(void **state)
{
    fx_t *fx = *state;
    static const struct {
        const char *flag;
        const char *value;
        const char *message;
    } cases[] = {
        {"--industry", "roofing",
         "unknown industry 'roofing' (expected hvac, plumbing or "
         "electrical)"},
        {"--language", "fr", "unknown language 'fr' (expected en, es or bilingual)"},
        {"--timezone", "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"},
        {"--timezone", "america/chicago", "(did you mean America/Chicago?)"},
        {"--phone", "555-0142", "'555-0142' is not a valid phone number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *industry = "electrical";
        const char *language = "es";
        const char *timezone = "America/Chicago";
        const char *phone = "+15125550120";
        if (strcmp(cases[i].flag, "--industry") == 0)
            industry = cases[i].value;
        else if (strcmp(cases[i].flag, "--language") == 0)
            language = cases[i].value;
        else if (strcmp(cases[i].flag, "--timezone") == 0)
            timezone = cases[i].value;
        else
            phone = cases[i].value;
        cli_run_t r =
            run_cli("tenant", "create", "--name", "Invalid Electric", "--industry", industry,
                    "--phone", phone, "--timezone", timezone, "--language", language, NULL);
        assert_int_equal(r.rc, 2);
        assert_has(r.err, cases[i].message);
        cli_run_free(&r);
    }
    cli_run_t r = run_cli("tenant", "create", "--name", "Invalid Electric", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "missing --industry");
    cli_run_free(&r);
    assert_int_equal(
        count_rows(fx->pq, "SELECT count(*) FROM tenants WHERE name = 'Invalid Electric'", NULL),
        0);
}

static void test_phone_add_normalises_the_number_and_refuses_owned_ones(void **state)
{
    fx_t *fx = *state;
    json_t *a = create_tenant("Chispas Eléctricas", "electrical", "+15125550130", "es");
    json_t *b = create_tenant("Pecan Electric", "electrical", "+15125550131", "en");

    cli_run_t r = run_cli("phone", "add", jstr(a, "id"), "(512) 555-0142", NULL);
    assert_int_equal(r.rc, 0);
    json_t *t = parse_json(r.out);
    json_t *numbers = json_object_get(t, "phone_numbers");
    assert_int_equal(json_array_size(numbers), 2);
    assert_string_equal(json_string_value(json_array_get(numbers, 0)), "+15125550130");
    assert_string_equal(json_string_value(json_array_get(numbers, 1)), "+15125550142");
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM phone_numbers WHERE number = "
                                "'+15125550142' AND tenant_id = $1",
                                jstr(a, "id")),
                     1);
    json_decref(t);
    cli_run_free(&r);

    r = run_cli("phone", "add", jstr(b, "id"), "512.555.0142", NULL);
    assert_int_equal(r.rc, 1);
    char want[256];
    snprintf(want, sizeof(want),
             "phone number +15125550142 already belongs to tenant Chispas Eléctricas (%s)",
             jstr(a, "id"));
    assert_has(r.err, want);
    cli_run_free(&r);

    r = run_cli("phone", "add", "6d1f0b7e-0000-4000-8000-000000000000", "+15125550143", NULL);
    assert_int_equal(r.rc, 1);
    assert_has(r.err, "no tenant with id 6d1f0b7e-0000-4000-8000-000000000000");
    cli_run_free(&r);

    r = run_cli("phone", "add", "not-a-uuid", "+15125550143", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "'not-a-uuid' is not a tenant id");
    cli_run_free(&r);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM phone_numbers WHERE number = "
                                "'+15125550143'",
                                NULL),
                     0);

    r = run_cli("phone", "remove", "+1 512 555 0142", NULL);
    assert_int_equal(r.rc, 0);
    t = parse_json(r.out);
    assert_int_equal(json_array_size(json_object_get(t, "phone_numbers")), 1);
    json_decref(t);
    cli_run_free(&r);
    r = run_cli("phone", "remove", "+15125550142", NULL);
    assert_int_equal(r.rc, 1);
    assert_has(r.err, "phone number +15125550142 does not belong to any tenant");
    cli_run_free(&r);

    json_decref(a);
    json_decref(b);
}

static void test_list_and_show_print_what_was_created(void **state)
{
    json_t *a = create_tenant("Lista HVAC", "hvac", "+15125550150", "bilingual");
    const char *id = jstr(a, "id");

    cli_run_t r = run_cli("tenant", "list", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(strncmp(r.out, "ID ", 3) == 0);
    assert_has(r.out, "NAME");
    assert_has(r.out, "NUMBERS\n");
    char *line = strstr(r.out, id);
    assert_non_null(line);
    char *eol = strchr(line, '\n');
    assert_non_null(eol);
    *eol = '\0';
    assert_has(line, "Lista HVAC");
    assert_has(line, "hvac");
    assert_has(line, "bilingual");
    assert_has(line, "active");
    assert_has(line, "+15125550150");
    cli_run_free(&r);

    r = run_cli("tenant", "list", "--json", NULL);
    assert_int_equal(r.rc, 0);
    json_t *all = parse_json(r.out);
    assert_true(json_is_array(all));
    bool found = false;
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t)
    {
        if (strcmp(jstr(t, "id"), id) == 0) {
            found = true;
            assert_true(json_equal(t, a));
        }
    }
    assert_true(found);
    json_decref(all);
    cli_run_free(&r);

    r = run_cli("tenant", "show", id, NULL);
    assert_int_equal(r.rc, 0);
    json_t *shown = parse_json(r.out);
    assert_true(json_equal(shown, a));
    assert_true(json_is_null(json_object_get(shown, "greeting")));
    json_decref(shown);
    cli_run_free(&r);

    r = run_cli("tenant", "show", "6d1f0b7e-0000-4000-8000-000000000000", NULL);
    assert_int_equal(r.rc, 1);
    assert_has(r.err, "no tenant with id 6d1f0b7e-0000-4000-8000-000000000000");
    cli_run_free(&r);
    json_decref(a);
}

static void test_suspend_activate_and_set_change_the_tenant(void **state)
{
    json_t *a = create_tenant("Status Plumbing", "plumbing", "+15125550160", "en");
    const char *id = jstr(a, "id");

    cli_run_t r = run_cli("tenant", "suspend", id, NULL);
    assert_int_equal(r.rc, 0);
    json_t *t = parse_json(r.out);
    assert_string_equal(jstr(t, "status"), "suspended");
    json_decref(t);
    cli_run_free(&r);

    r = run_cli("tenant", "activate", id, NULL);
    assert_int_equal(r.rc, 0);
    t = parse_json(r.out);
    assert_string_equal(jstr(t, "status"), "active");
    json_decref(t);
    cli_run_free(&r);

    r = run_cli("tenant", "set", id, "--greeting", "Status Plumbing, go ahead.", "--instructions",
                "Never book Sundays.", NULL);
    assert_int_equal(r.rc, 0);
    t = parse_json(r.out);
    assert_string_equal(jstr(t, "greeting"), "Status Plumbing, go ahead.");
    assert_string_equal(jstr(t, "extra_instructions"), "Never book Sundays.");
    json_decref(t);
    cli_run_free(&r);

    /* Only what is given changes; "" clears. */
    r = run_cli("tenant", "set", id, "--greeting", "", NULL);
    assert_int_equal(r.rc, 0);
    t = parse_json(r.out);
    assert_true(json_is_null(json_object_get(t, "greeting")));
    assert_string_equal(jstr(t, "extra_instructions"), "Never book Sundays.");
    json_decref(t);
    cli_run_free(&r);

    r = run_cli("tenant", "set", id, NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "nothing to change");
    cli_run_free(&r);
    json_decref(a);
}

static void test_changes_drop_the_routing_cache_keys(void **state)
{
    fx_t *fx = *state;
    json_t *a = create_tenant("Cache Air", "hvac", "+15125550170", "en");
    char tenant_key[64];
    snprintf(tenant_key, sizeof(tenant_key), "tenant:%s", jstr(a, "id"));

    redis_set(fx, "phone:+15125550170", jstr(a, "id"));
    redis_set(fx, tenant_key, "stale profile");
    cli_run_t r = run_cli("tenant", "suspend", jstr(a, "id"), NULL);
    assert_int_equal(r.rc, 0);
    cli_run_free(&r);
    assert_int_equal(redis_exists(fx, "phone:+15125550170"), 0);
    assert_int_equal(redis_exists(fx, tenant_key), 0);

    /* a cached "unknown number" must not outlive the number's onboarding */
    redis_set(fx, "phone:+15125550171", "none");
    redis_set(fx, "phoneid:vapi-pn-171", "none");
    r = run_cli("phone", "add", jstr(a, "id"), "+15125550171", "--vapi-id", "vapi-pn-171", NULL);
    assert_int_equal(r.rc, 0);
    cli_run_free(&r);
    assert_int_equal(redis_exists(fx, "phone:+15125550171"), 0);
    assert_int_equal(redis_exists(fx, "phoneid:vapi-pn-171"), 0);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM phone_numbers WHERE number = "
                                "'+15125550171' AND vapi_phone_number_id = 'vapi-pn-171'",
                                NULL),
                     1);

    redis_set(fx, "phone:+15125550171", jstr(a, "id"));
    r = run_cli("phone", "remove", "+15125550171", NULL);
    assert_int_equal(r.rc, 0);
    cli_run_free(&r);
    assert_int_equal(redis_exists(fx, "phone:+15125550171"), 0);
    json_decref(a);
}

static void test_unreachable_redis_is_a_warning_not_a_failure(void **state)
{
    fx_t *fx = *state;
    char *saved = strdup(getenv("SERVICEAI_REDIS_URL"));
    setenv("SERVICEAI_REDIS_URL", "redis://127.0.0.1:1/0", 1);
    cli_run_t r =
        run_cli("tenant", "create", "--name", "Offline Cache Co", "--industry", "hvac", "--phone",
                "+15125550180", "--timezone", "America/Denver", "--language", "en", NULL);
    setenv("SERVICEAI_REDIS_URL", saved, 1);
    free(saved);
    assert_int_equal(r.rc, 0);
    assert_has(r.err, "warning: routing cache not invalidated");
    assert_int_equal(
        count_rows(fx->pq, "SELECT count(*) FROM tenants WHERE name = 'Offline Cache Co'", NULL),
        1);
    cli_run_free(&r);
}

static void test_help_explains_each_command_with_examples(void **state)
{
    const char *const cmds[][3] = {
        {"tenant", "--help", NULL},   {"tenant", "create", "--help"},  {"tenant", "list", "--help"},
        {"tenant", "show", "--help"}, {"tenant", "suspend", "--help"}, {"tenant", "set", "--help"},
        {"phone", "--help", NULL},    {"phone", "add", "--help"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        cli_run_t r = run_cli(cmds[i][0], cmds[i][1], cmds[i][2], NULL);
        assert_int_equal(r.rc, 0);
        assert_has(r.out, "usage: serviceai ");
        if (cmds[i][2])
            assert_has(r.out, "example");
        cli_run_free(&r);
    }
    cli_run_t r = run_cli("tenant", "frobnicate", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "unknown command 'frobnicate'");
    cli_run_free(&r);
}

/*
 * Tenant A's transaction, as the engine runs it (eng_pg_txn's set_config,
 * under the serviceai_app role): sees A's tenant, numbers and calls only, and
 * cannot write a row for B.
 */
static void test_rls_a_transaction_for_tenant_a_sees_and_writes_only_a(void **state)
{
    fx_t *fx = *state;
    json_t *a = create_tenant("Tenant A Heating", "hvac", "+15125550190", "en");
    json_t *b = create_tenant("Tenant B Plumbing", "plumbing", "+15125550191", "es");
    const char *ids[] = {jstr(a, "id"), jstr(b, "id")};
    PQclear(query_ok(fx->pq,
                     "INSERT INTO calls (vapi_call_id, tenant_id, status)"
                     " VALUES ('call-rls-a', $1, 'ended'), ('call-rls-b', $2, 'ended')",
                     2, ids));

    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SET LOCAL ROLE serviceai_app");
    const char *a_id[] = {ids[0]};
    PQclear(query_ok(fx->pq, "SELECT set_config('app.tenant_id', $1, true)", 1, a_id));

    PGresult *res = query_ok(fx->pq, "SELECT DISTINCT tenant_id::text FROM phone_numbers", 0, NULL);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), ids[0]);
    PQclear(res);
    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM phone_numbers WHERE number = "
                                "'+15125550191'",
                                NULL),
                     0);
    res = query_ok(fx->pq, "SELECT id::text FROM tenants", 0, NULL);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), ids[0]);
    PQclear(res);
    res = query_ok(fx->pq, "SELECT vapi_call_id FROM calls", 0, NULL);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), "call-rls-a");
    PQclear(res);
    /* B's rows cannot be changed either: they are not there to update */
    res = query_ok(fx->pq,
                   "UPDATE calls SET summary = 'tampered' WHERE vapi_call_id = "
                   "'call-rls-b'",
                   0, NULL);
    assert_string_equal(PQcmdTuples(res), "0");
    PQclear(res);

    const char *b_id[] = {ids[1]};
    res = PQexecParams(fx->pq,
                       "INSERT INTO calls (vapi_call_id, tenant_id) VALUES ('call-rls-x', $1)", 1,
                       NULL, b_id, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
    assert_has(PQresultErrorMessage(res), "row-level security");
    PQclear(res);
    exec_ok(fx->pq, "ROLLBACK");

    assert_int_equal(count_rows(fx->pq,
                                "SELECT count(*) FROM calls WHERE vapi_call_id = 'call-rls-b' "
                                "AND summary IS NULL",
                                NULL),
                     1);
    json_decref(a);
    json_decref(b);
}

static void test_rls_without_a_tenant_setting_nothing_is_visible(void **state)
{
    fx_t *fx = *state;
    json_t *a = create_tenant("Unscoped Electric", "electrical", "+15125550195", "en");
    const char *ids[] = {jstr(a, "id")};
    PQclear(query_ok(fx->pq,
                     "INSERT INTO calls (vapi_call_id, tenant_id) VALUES ('call-rls-none', $1)", 1,
                     ids));

    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SET LOCAL ROLE serviceai_app");
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM tenants", NULL), 0);
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM phone_numbers", NULL), 0);
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM calls", NULL), 0);
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM assistant_settings", NULL), 0);
    /* an empty setting (what a pooled connection has after a SET LOCAL) is no tenant */
    PQclear(query_ok(fx->pq, "SELECT set_config('app.tenant_id', '', true)", 0, NULL));
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM phone_numbers", NULL), 0);
    /* platform scope is what routing and the CLI declare, and it sees everyone */
    PQclear(query_ok(fx->pq, "SELECT set_config('app.scope', 'platform', true)", 0, NULL));
    assert_true(count_rows(fx->pq, "SELECT count(*) FROM tenants", NULL) >= 1);
    exec_ok(fx->pq, "ROLLBACK");

    /* and the scope ended with the transaction */
    exec_ok(fx->pq, "BEGIN");
    exec_ok(fx->pq, "SET LOCAL ROLE serviceai_app");
    assert_int_equal(count_rows(fx->pq, "SELECT count(*) FROM tenants", NULL), 0);
    exec_ok(fx->pq, "ROLLBACK");
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_prints_the_tenant_as_json_and_stores_it),
        cmocka_unit_test(test_owned_number_is_refused_with_its_owner_and_nothing_is_created),
        cmocka_unit_test(test_invalid_values_are_usage_errors_that_create_nothing),
        cmocka_unit_test(test_phone_add_normalises_the_number_and_refuses_owned_ones),
        cmocka_unit_test(test_list_and_show_print_what_was_created),
        cmocka_unit_test(test_suspend_activate_and_set_change_the_tenant),
        cmocka_unit_test(test_changes_drop_the_routing_cache_keys),
        cmocka_unit_test(test_unreachable_redis_is_a_warning_not_a_failure),
        cmocka_unit_test(test_help_explains_each_command_with_examples),
        cmocka_unit_test(test_rls_a_transaction_for_tenant_a_sees_and_writes_only_a),
        cmocka_unit_test(test_rls_without_a_tenant_setting_nothing_is_visible),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
