/*
 * Integration tests for the setup CLI (tools/cli_setup.c): `serviceai tenant
 * import FILE` with the documented HVAC example, idempotent re-imports,
 * errors that name the bad field, and the small commands (service, tech,
 * hours, closure, booking), against the dev Postgres (SERVICEAI_PG_DSN; a
 * missing one fails). SERVICEAI_REDIS_URL points at a closed port: cache
 * invalidation must then be a warning, never a failure.
 *
 * The group migrates a database of its own, serviceai_setup_<pid>, dropped
 * at the end. The CLI runs in-process (cli_setup_main) with stdout and
 * stderr captured, so the sanitizers watch it too. Single thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "cli_migrate.h"
#include "cli_setup.h"

#define SQL_DIR SAI_SOURCE_DIR "/schema/sql"
#define EXAMPLE SAI_SOURCE_DIR "/docs/examples/hvac-tenant.json"

typedef struct {
    char *saved_dsn;
    char *saved_redis;
    char dbname[64];
    char conninfo[1024];
    PGconn *pq;
} fx_t;

typedef struct {
    int rc;
    char *out;
    char *err;
} cli_run_t;

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

static char *scalar(PGconn *pq, const char *sql, const char *param)
{
    const char *params[] = {param};
    PGresult *res = PQexecParams(pq, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    char *v = strdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return v;
}

static long count(PGconn *pq, const char *sql, const char *param)
{
    char *v = scalar(pq, sql, param);
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

static bool conninfo_for(const char *dsn, const char *dbname, char *out, size_t outsz)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    if (!opts) {
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
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    rewind(f);
    if (len > 0)
        assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return text;
}

/* Runs `serviceai <argv...>` in-process through cli_setup_main. NULL-terminated. */
static cli_run_t run_cli(const char *word, ...)
{
    char *argv[40];
    int argc = 0;
    argv[argc++] = (char *)word;
    va_list ap;
    va_start(ap, word);
    const char *arg;
    while ((arg = va_arg(ap, const char *)) != NULL) {
        assert_true(argc < 39);
        argv[argc++] = (char *)arg;
    }
    va_end(ap);
    argv[argc] = NULL;
    assert_true(cli_setup_handles(argc, argv));
    FILE *out = tmpfile();
    FILE *err = tmpfile();
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO);
    int saved_err = dup(STDERR_FILENO);
    dup2(fileno(out), STDOUT_FILENO);
    dup2(fileno(err), STDERR_FILENO);
    cli_run_t r;
    r.rc = cli_setup_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
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

/* The example with a change applied by `edit`, written to a temp file (path in out). */
static void write_variant(void (*edit)(json_t *), char out[64])
{
    json_error_t jerr;
    json_t *j = json_load_file(EXAMPLE, 0, &jerr);
    if (!j)
        fail_msg("%s: %s", EXAMPLE, jerr.text);
    if (edit)
        edit(j);
    snprintf(out, 64, "/tmp/serviceai-setup-%d-XXXXXX", (int)getpid());
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(json_dump_file(j, out, JSON_INDENT(2)), 0);
    json_decref(j);
}

/* ------------------------------------------------------------------ fixture */

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
    const char *redis = getenv("SERVICEAI_REDIS_URL");
    fx.saved_redis = redis ? strdup(redis) : NULL;
    PGconn *admin = pg_connect(dsn);
    if (!admin)
        return -1;
    snprintf(fx.dbname, sizeof(fx.dbname), "serviceai_setup_%d", (int)getpid());
    char sql[160];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx.dbname);
    PQclear(PQexec(admin, sql));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx.dbname);
    PGresult *res = PQexec(admin, sql);
    bool created = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    PQfinish(admin);
    if (!created || !conninfo_for(dsn, fx.dbname, fx.conninfo, sizeof(fx.conninfo)))
        return -1;
    FILE *progress = tmpfile();
    eng_err_t err = cli_migrate_run(fx.conninfo, SQL_DIR, progress, NULL);
    fclose(progress);
    if (err != ENG_OK)
        return -1;
    fx.pq = pg_connect(fx.conninfo);
    if (!fx.pq)
        return -1;
    setenv("SERVICEAI_PG_DSN", fx.conninfo, 1);
    setenv("SERVICEAI_REDIS_URL", "redis://127.0.0.1:1/0", 1); /* nobody listens there */
    *state = &fx;
    return 0;
}

static int group_teardown(void **state)
{
    fx_t *fx = *state;
    if (!fx)
        return 0;
    PQfinish(fx->pq);
    setenv("SERVICEAI_PG_DSN", fx->saved_dsn, 1);
    if (fx->saved_redis)
        setenv("SERVICEAI_REDIS_URL", fx->saved_redis, 1);
    PGconn *admin = pg_connect(fx->saved_dsn);
    if (admin) {
        char sql[160];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->dbname);
        PQclear(PQexec(admin, sql));
        PQfinish(admin);
    }
    free(fx->saved_dsn);
    free(fx->saved_redis);
    return 0;
}

/* Imports the example (once per group) and returns its tenant id (caller frees). */
static char *import_example(fx_t *fx)
{
    cli_run_t r = run_cli("tenant", "import", EXAMPLE, NULL);
    if (r.rc != 0)
        fail_msg("import failed (%d): %s", r.rc, r.err);
    json_t *j = parse_json(r.out);
    char *id = strdup(json_string_value(json_object_get(j, "tenant_id")));
    json_decref(j);
    cli_run_free(&r);
    return id;
}

/* ------------------------------------------------------------------ tests */

static void test_import_creates_the_tenant_and_its_whole_setup(void **state)
{
    fx_t *fx = *state;
    cli_run_t r = run_cli("tenant", "import", EXAMPLE, NULL);
    assert_int_equal(r.rc, 0);
    assert_has(r.err, "warning: profile cache not invalidated"); /* Redis is down: a warning */
    json_t *j = parse_json(r.out);
    assert_true(json_is_true(json_object_get(j, "created")));
    assert_int_equal(json_integer_value(json_object_get(j, "services")), 6);
    assert_int_equal(json_integer_value(json_object_get(j, "technicians")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "opening_intervals")), 6);
    assert_int_equal(json_integer_value(json_object_get(j, "closures")), 3);
    json_t *numbers = json_object_get(j, "phone_numbers");
    assert_int_equal(json_array_size(numbers), 2);
    assert_string_equal(json_string_value(json_array_get(numbers, 0)), "+15125550142");
    const char *id = json_string_value(json_object_get(j, "tenant_id"));

    char *v = scalar(fx->pq,
                     "SELECT name || '|' || timezone || '|' || language FROM tenants "
                     "WHERE id = $1",
                     id);
    assert_string_equal(v, "Lone Star Heating & Air|America/Chicago|bilingual");
    free(v);
    v = scalar(fx->pq,
               "SELECT duration_min || '|' || buffer_min || '|' || skill || '|' || "
               "array_to_string(aliases, ',') FROM services WHERE tenant_id = $1 AND name = 'AC "
               "repair'",
               id);
    assert_string_equal(v, "90|30|hvac|air conditioning,air conditioner,AC not cooling,cooling");
    free(v);
    v = scalar(fx->pq,
               "SELECT phone || '|' || array_to_string(skills, ',') FROM technicians "
               "WHERE tenant_id = $1 AND name = 'Mike Reyes'",
               id);
    assert_string_equal(v, "+15125550170|hvac,gas,refrigeration");
    free(v);
    v = scalar(fx->pq,
               "SELECT lead_time_min || '|' || horizon_days || '|' || slot_step_min FROM "
               "booking_settings WHERE tenant_id = $1",
               id);
    assert_string_equal(v, "120|14|60");
    free(v);
    v = scalar(fx->pq, "SELECT greeting FROM assistant_settings WHERE tenant_id = $1", id);
    assert_has(v, "Thanks for calling Lone Star");
    free(v);
    /* what the assistant will be told */
    v = scalar(fx->pq, "SELECT array_to_string(hours[1:3], ' / ') FROM sai_profile_lines($1, 'en')",
               id);
    assert_string_equal(v, "Monday to Friday: 7:30 AM to 6 PM / Saturday: 8 AM to 2 PM / Sunday: "
                           "closed");
    free(v);
    json_decref(j);
    cli_run_free(&r);
}

static void test_importing_the_same_file_again_changes_nothing(void **state)
{
    fx_t *fx = *state;
    char *id = import_example(fx);
    char *before = scalar(fx->pq,
                          "SELECT (SELECT max(updated_at) FROM services WHERE tenant_id = $1)::text"
                          " || (SELECT max(updated_at) FROM technicians WHERE tenant_id = $1)::text"
                          " || (SELECT count(*) FROM tenants)::text",
                          id);
    cli_run_t r = run_cli("tenant", "import", EXAMPLE, NULL);
    assert_int_equal(r.rc, 0);
    json_t *j = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(j, "tenant_id")), id);
    assert_true(json_is_false(json_object_get(j, "created")));
    assert_int_equal(json_array_size(json_object_get(j, "phone_numbers_added")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "services_deactivated")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "technicians_deactivated")), 0);
    char *after = scalar(fx->pq,
                         "SELECT (SELECT max(updated_at) FROM services WHERE tenant_id = $1)::text"
                         " || (SELECT max(updated_at) FROM technicians WHERE tenant_id = $1)::text"
                         " || (SELECT count(*) FROM tenants)::text",
                         id);
    assert_string_equal(before, after);
    free(before);
    free(after);
    json_decref(j);
    cli_run_free(&r);
    free(id);
}

static void drop_duct_and_luis(json_t *j)
{
    json_array_remove(json_object_get(j, "services"), 3);    /* New system estimate */
    json_array_remove(json_object_get(j, "technicians"), 2); /* Luis Garza */
    json_object_set_new(json_object_get(j, "hours"), "sunday", json_string("10:00-14:00"));
}

static void test_a_changed_file_deactivates_what_it_no_longer_lists(void **state)
{
    fx_t *fx = *state;
    char *id = import_example(fx);
    char path[64];
    write_variant(drop_duct_and_luis, path);
    cli_run_t r = run_cli("tenant", "import", path, NULL);
    unlink(path);
    assert_int_equal(r.rc, 0);
    assert_has(r.out, "\"New system estimate\"");
    assert_has(r.out, "\"Luis Garza\"");
    assert_int_equal(
        count(fx->pq, "SELECT count(*) FROM services WHERE tenant_id = $1 AND NOT active", id), 1);
    assert_int_equal(count(fx->pq,
                           "SELECT count(*) FROM business_hours WHERE tenant_id = $1 AND weekday "
                           "= 0",
                           id),
                     1);
    cli_run_free(&r);
    /* and the original brings them back */
    r = run_cli("tenant", "import", EXAMPLE, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(
        count(fx->pq, "SELECT count(*) FROM services WHERE tenant_id = $1 AND NOT active", id), 0);
    cli_run_free(&r);
    free(id);
}

static void bad_duration(json_t *j)
{
    json_object_set_new(json_array_get(json_object_get(j, "services"), 1), "duration_minutes",
                        json_integer(0));
}
static void typo_key(json_t *j)
{
    json_object_set(j, "technician", json_object_get(j, "technicians"));
}
static void bad_zone(json_t *j)
{
    json_object_set_new(json_object_get(j, "tenant"), "timezone", json_string("Texas/Austin"));
}
static void bad_hours(json_t *j)
{
    json_object_set_new(json_object_get(j, "hours"), "saturday", json_string("2pm-6pm"));
}
static void bad_skill(json_t *j)
{
    json_t *skills =
        json_object_get(json_array_get(json_object_get(j, "technicians"), 0), "skills");
    json_array_append_new(skills, json_string("Gas Lines"));
}
static void bad_phone(json_t *j)
{
    json_array_append_new(json_object_get(j, "phone_numbers"), json_string("call me maybe"));
}
static void new_numbers(json_t *j)
{
    json_t *numbers = json_array();
    json_array_append_new(numbers, json_string("+15125550199"));
    json_object_set_new(j, "phone_numbers", numbers);
    json_object_set_new(json_object_get(j, "tenant"), "name", json_string("Brand New Air"));
    json_object_set_new(json_object_get(j, "tenant"), "bogus", json_true());
}

static void test_import_errors_name_the_bad_field_and_change_nothing(void **state)
{
    fx_t *fx = *state;
    long tenants_before = count(fx->pq, "SELECT count(*) FROM tenants", NULL);
    static const struct {
        void (*edit)(json_t *);
        const char *message;
    } cases[] = {
        {bad_duration, "services[1].duration_minutes: must be a whole number from 5 to 1440"},
        {typo_key, "technician: unknown field (expected one of: tenant, phone_numbers"},
        {bad_zone, "tenant.timezone: 'Texas/Austin' is not an IANA time zone"},
        {bad_hours, "hours.saturday: must be \"08:00-17:00\""},
        {bad_skill, "technicians[0].skills[3]: must be a lower-case skill token"},
        {bad_phone, "phone_numbers[2]: not a valid phone number"},
        {new_numbers, "tenant.bogus: unknown field"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[64];
        write_variant(cases[i].edit, path);
        cli_run_t r = run_cli("tenant", "import", path, NULL);
        unlink(path);
        assert_int_equal(r.rc, 2);
        assert_has(r.err, cases[i].message);
        assert_string_equal(r.out, "");
        cli_run_free(&r);
    }
    cli_run_t r = run_cli("tenant", "import", "/nonexistent/tenant.json", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "/nonexistent/tenant.json");
    cli_run_free(&r);
    assert_int_equal(count(fx->pq, "SELECT count(*) FROM tenants", NULL), tenants_before);
}

static void steal_number(json_t *j)
{
    json_object_set_new(json_object_get(j, "tenant"), "name", json_string("Number Thief Air"));
    json_array_remove(json_object_get(j, "phone_numbers"), 1);
    json_array_insert_new(json_object_get(j, "phone_numbers"), 0, json_string("+15125550777"));
}

static void test_import_refuses_a_number_owned_by_another_tenant(void **state)
{
    fx_t *fx = *state;
    char *id = import_example(fx);
    /* a second business, reusing the first's number next to one of its own */
    PQclear(PQexec(fx->pq, "INSERT INTO tenants (name, industry, timezone, language) VALUES "
                           "('Other Air', 'hvac', 'America/Chicago', 'en')"));
    PQclear(PQexec(fx->pq, "INSERT INTO phone_numbers (number, tenant_id) SELECT '+15125550777', "
                           "id FROM tenants WHERE name = 'Other Air'"));
    char path[64];
    write_variant(steal_number, path);
    cli_run_t r = run_cli("tenant", "import", path, NULL);
    unlink(path);
    assert_int_equal(r.rc, 1);
    assert_has(r.err, "belongs to another tenant");
    assert_int_equal(
        count(fx->pq, "SELECT count(*) FROM tenants WHERE name = 'Number Thief Air'", NULL), 0);
    assert_int_equal(count(fx->pq,
                           "SELECT count(*) FROM tenants WHERE id = $1 AND name = "
                           "'Lone Star Heating & Air'",
                           id),
                     1);
    cli_run_free(&r);
    free(id);
}

static void test_small_commands_set_up_services_techs_hours_closures_and_rules(void **state)
{
    fx_t *fx = *state;
    char *id = import_example(fx);
    cli_run_t r = run_cli("service", "add", id, "--name", "Duct cleaning", "--name-es",
                          "Limpieza de ductos", "--duration", "120", "--buffer", "30", "--alias",
                          "air ducts", "--alias", "vents", NULL);
    assert_int_equal(r.rc, 0);
    json_t *j = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Duct cleaning");
    assert_int_equal(json_integer_value(json_object_get(j, "duration_min")), 120);
    assert_int_equal(json_array_size(json_object_get(j, "aliases")), 2);
    json_decref(j);
    cli_run_free(&r);
    /* the same name again updates it */
    r = run_cli("service", "add", id, "--name", "duct cleaning", "--duration", "90", NULL);
    assert_int_equal(r.rc, 0);
    cli_run_free(&r);
    assert_int_equal(count(fx->pq,
                           "SELECT duration_min FROM services WHERE tenant_id = $1 AND "
                           "lower(name) = 'duct cleaning'",
                           id),
                     90);
    r = run_cli("service", "add", id, "--name", "X", "--duration", "3", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "--duration must be a whole number of minutes from 5 to 1440");
    cli_run_free(&r);
    r = run_cli("service", "remove", id, "Duct Cleaning", NULL);
    assert_int_equal(r.rc, 0);
    cli_run_free(&r);
    r = run_cli("service", "remove", id, "Chimney sweeping", NULL);
    assert_int_equal(r.rc, 1);
    assert_has(r.err, "has no service named 'Chimney sweeping'");
    cli_run_free(&r);

    r = run_cli("tech", "add", id, "--name", "Ana Cruz", "--phone", "(512) 555-0173", "--skill",
                "hvac", "--skill", "gas", NULL);
    assert_int_equal(r.rc, 0);
    assert_has(r.out, "\"+15125550173\"");
    cli_run_free(&r);
    r = run_cli("tech", "add", id, "--name", "Bad Skill", "--phone", "5125550174", "--skill",
                "Gas Lines", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "--skill 'Gas Lines'");
    cli_run_free(&r);

    r = run_cli("hours", "set", id, "sat,sun", "09:00-12:00,13:00-15:00", "mon", "closed", NULL);
    assert_int_equal(r.rc, 0);
    assert_has(r.out, "\"Saturday and Sunday: 9 AM to 12 PM and 1 PM to 3 PM\"");
    assert_has(r.out, "\"Monday: closed\"");
    cli_run_free(&r);
    r = run_cli("hours", "set", id, "mon-fri", "17:00-08:00", NULL);
    assert_int_equal(r.rc, 2);
    cli_run_free(&r);

    r = run_cli("closure", "add", id, "--from", "2027-07-04", "--reason", "Independence Day", NULL);
    assert_int_equal(r.rc, 0);
    assert_has(r.out, "\"ends_on\": \"2027-07-04\"");
    cli_run_free(&r);
    r = run_cli("closure", "add", id, "--from", "2027-07-05", "--to", "2027-07-01", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "is before --from");
    cli_run_free(&r);
    r = run_cli("closure", "remove", id, "--from", "2027-07-04", NULL);
    assert_int_equal(r.rc, 0);
    cli_run_free(&r);

    r = run_cli("booking", "set", id, "--lead-minutes", "180", NULL);
    assert_int_equal(r.rc, 0);
    assert_has(r.out, "\"lead_minutes\": 180");
    assert_has(r.out, "\"horizon_days\": 14");
    cli_run_free(&r);

    r = run_cli("service", "add", "not-a-uuid", "--name", "X", "--duration", "60", NULL);
    assert_int_equal(r.rc, 2);
    assert_has(r.err, "is not a tenant id");
    cli_run_free(&r);
    r = run_cli("tech", "list", "00000000-0000-4000-8000-000000000000", NULL);
    assert_int_equal(r.rc, 1);
    assert_has(r.err, "no tenant with id");
    cli_run_free(&r);
    free(id);
}

static void test_help_explains_every_command(void **state)
{
    static const char *const words[][2] = {
        {"service", "add"}, {"tech", "add"},    {"hours", "set"},
        {"closure", "add"}, {"booking", "set"}, {"tenant", "import"},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        cli_run_t r = run_cli(words[i][0], words[i][1], "--help", NULL);
        assert_int_equal(r.rc, 0);
        assert_has(r.out, "usage: serviceai ");
        assert_has(r.out, "example");
        cli_run_free(&r);
    }
    cli_run_t r = run_cli("hours", "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_has(r.out, "usage: serviceai hours set");
    cli_run_free(&r);
    r = run_cli("hours", "frobnicate", NULL);
    assert_int_equal(r.rc, 2);
    cli_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_creates_the_tenant_and_its_whole_setup),
        cmocka_unit_test(test_importing_the_same_file_again_changes_nothing),
        cmocka_unit_test(test_a_changed_file_deactivates_what_it_no_longer_lists),
        cmocka_unit_test(test_import_errors_name_the_bad_field_and_change_nothing),
        cmocka_unit_test(test_import_refuses_a_number_owned_by_another_tenant),
        cmocka_unit_test(test_small_commands_set_up_services_techs_hours_closures_and_rules),
        cmocka_unit_test(test_help_explains_every_command),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
