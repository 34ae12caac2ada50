/*
 * Integration tests for `serviceai migrate` (tools/cli_migrate.c) against the
 * dev Postgres (SERVICEAI_PG_DSN). Every test migrates a database of its own,
 * serviceai_mig_<pid>_<n>, created through the DSN and dropped at the end
 * (and in the group teardown, should a test fail half-way). Migration folders
 * other than the real schema/sql are written to a mkdtemp() folder.
 * Single thread, except the concurrency test, which forks two migrators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cli_migrate.h"

#define REAL_SQL_DIR SAI_SOURCE_DIR "/schema/sql"
#define MAX_DBS 16

typedef struct {
    const char *dsn;
    char dbs[MAX_DBS][64]; /* databases created so far */
    int ndbs;
    char dir[64];        /* scratch migrations folder */
    char conninfo[1024]; /* conninfo of the current test's database */
} fx_t;

static void quiet_notice(void *arg, const char *msg) {}

static PGconn *connect_or_fail(const char *conninfo)
{
    PGconn *pq = PQconnectdb(conninfo);
    if (PQstatus(pq) != CONNECTION_OK)
        fail_msg("cannot connect: %s", PQerrorMessage(pq));
    PQsetNoticeProcessor(pq, quiet_notice, NULL);
    return pq;
}

static void exec_or_fail(PGconn *pq, const char *sql)
{
    PGresult *res = PQexec(pq, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* First value of the first row of sql on the test database, copied into out. */
static const char *scalar(fx_t *fx, const char *sql, char *out, size_t outsz)
{
    PGconn *pq = connect_or_fail(fx->conninfo);
    PGresult *res = PQexec(pq, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    snprintf(out, outsz, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    PQfinish(pq);
    return out;
}

static long scalar_long(fx_t *fx, const char *sql)
{
    char buf[64];
    return strtol(scalar(fx, sql, buf, sizeof(buf)), NULL, 10);
}

/* Rebuilds the DSN with dbname replaced (works for keyword strings and URIs). */
static void conninfo_for(const char *dsn, const char *dbname, char *out, size_t outsz)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    if (!opts)
        fail_msg("bad SERVICEAI_PG_DSN: %s", err ? err : "?");
    size_t n = 0;
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (!val)
            continue;
        n += (size_t)snprintf(out + n, outsz - n, "%s='", o->keyword);
        for (const char *p = val; *p && n + 3 < outsz; p++) {
            if (*p == '\'' || *p == '\\')
                out[n++] = '\\';
            out[n++] = *p;
        }
        n += (size_t)snprintf(out + n, outsz - n, "' ");
        assert_true(n < outsz);
    }
    PQconninfoFree(opts);
}

/* Creates a fresh database for the current test and points fx->conninfo at it. */
static void fresh_db(fx_t *fx)
{
    assert_true(fx->ndbs < MAX_DBS);
    char *name = fx->dbs[fx->ndbs];
    snprintf(name, sizeof(fx->dbs[0]), "serviceai_mig_%d_%d", (int)getpid(), fx->ndbs);
    fx->ndbs++;
    PGconn *pq = connect_or_fail(fx->dsn);
    char sql[160];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
    exec_or_fail(pq, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    exec_or_fail(pq, sql);
    PQfinish(pq);
    conninfo_for(fx->dsn, name, fx->conninfo, sizeof(fx->conninfo));
}

static void drop_dbs(fx_t *fx)
{
    PGconn *pq = connect_or_fail(fx->dsn);
    for (int i = 0; i < fx->ndbs; i++) {
        char sql[160];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->dbs[i]);
        exec_or_fail(pq, sql);
    }
    fx->ndbs = 0;
    PQfinish(pq);
}

static void write_file(fx_t *fx, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void clear_dir(fx_t *fx)
{
    DIR *d = opendir(fx->dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", fx->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static int count_sql_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && l > 4 &&
            strcmp(e->d_name + l - 4, ".sql") == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Runs the migrator with stderr captured into err (one string). */
static eng_err_t migrate_capture(fx_t *fx, const char *dir, int *applied, char *err, size_t errsz)
{
    FILE *out = tmpfile();
    FILE *cap = tmpfile();
    assert_non_null(out);
    assert_non_null(cap);
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(cap), 2);
    eng_err_t rc = cli_migrate_run(fx->conninfo, dir, out, applied);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(cap);
    size_t n = fread(err, 1, errsz - 1, cap);
    err[n] = '\0';
    fclose(cap);
    fclose(out);
    return rc;
}

static eng_err_t migrate(fx_t *fx, const char *dir, int *applied)
{
    char err[1024];
    eng_err_t rc = migrate_capture(fx, dir, applied, err, sizeof(err));
    if (err[0])
        fprintf(stderr, "%s", err); /* keep the migrator's words in the test log */
    return rc;
}

static int group_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->dsn = getenv("SERVICEAI_PG_DSN");
    if (!fx->dsn || !*fx->dsn)
        fail_msg("SERVICEAI_PG_DSN is not set: integration tests need the dev Postgres");
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/serviceai_mig_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fx_t *fx = *state;
    drop_dbs(fx);
    clear_dir(fx);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static int test_teardown(void **state)
{
    fx_t *fx = *state;
    drop_dbs(fx);
    clear_dir(fx);
    return 0;
}

/* ---- tests ---- */

static void test_fresh_database_gets_every_migration_in_the_repo(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    int files = count_sql_files(REAL_SQL_DIR);
    assert_true(files >= 1);
    int applied = -1;
    assert_int_equal(migrate(fx, REAL_SQL_DIR, &applied), ENG_OK);
    assert_int_equal(applied, files);
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM schema_migrations"), files);
    assert_int_equal(scalar_long(fx, "SELECT min(version) FROM schema_migrations"), 1);
    char name[64];
    assert_string_equal(
        scalar(fx, "SELECT name FROM schema_migrations WHERE version = 1", name, sizeof(name)),
        "0001_init.sql");
    assert_int_equal(
        scalar_long(fx, "SELECT count(*) FROM pg_extension WHERE extname = 'btree_gist'"), 1);
}

static void test_second_run_applies_nothing_and_changes_nothing(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    int applied = -1;
    assert_int_equal(migrate(fx, REAL_SQL_DIR, &applied), ENG_OK);
    assert_true(applied >= 1);
    const char *snap = "SELECT string_agg(version || ':' || name || ':' || checksum || ':' || "
                       "applied_at, ',' ORDER BY version) FROM schema_migrations";
    char before[4096], after[4096];
    scalar(fx, snap, before, sizeof(before));

    assert_int_equal(migrate(fx, REAL_SQL_DIR, &applied), ENG_OK);
    assert_int_equal(applied, 0);
    scalar(fx, snap, after, sizeof(after));
    assert_string_equal(before, after);
}

static void test_files_apply_in_numeric_order_and_new_ones_later(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    /* 0010 depends on 0002: numeric order, not directory order */
    write_file(fx, "0010_fill.sql", "INSERT INTO mig_t (v) VALUES ('ten');");
    write_file(fx, "0002_make.sql", "CREATE TABLE mig_t (v text);");
    write_file(fx, "README.md", "not a migration");
    int applied = -1;
    assert_int_equal(migrate(fx, fx->dir, &applied), ENG_OK);
    assert_int_equal(applied, 2);

    write_file(fx, "0011_more.sql", "INSERT INTO mig_t (v) VALUES ('eleven');");
    assert_int_equal(migrate(fx, fx->dir, &applied), ENG_OK);
    assert_int_equal(applied, 1);
    char v[64];
    assert_string_equal(scalar(fx, "SELECT string_agg(v, ',' ORDER BY v) FROM mig_t", v, sizeof(v)),
                        "eleven,ten");
}

static void test_changed_applied_file_is_refused(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    write_file(fx, "0001_a.sql", "CREATE TABLE mig_a (id int);");
    write_file(fx, "0002_b.sql", "CREATE TABLE mig_b (id int);");
    int applied = -1;
    assert_int_equal(migrate(fx, fx->dir, &applied), ENG_OK);
    assert_int_equal(applied, 2);

    write_file(fx, "0001_a.sql", "CREATE TABLE mig_a (id bigint);");
    write_file(fx, "0003_c.sql", "CREATE TABLE mig_c (id int);");
    char err[1024];
    assert_int_equal(migrate_capture(fx, fx->dir, &applied, err, sizeof(err)), ENG_ERR_CONFLICT);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err, "0001_a.sql"));
    assert_non_null(strstr(err, "changed"));
    /* nothing after the refusal ran */
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM schema_migrations"), 2);
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM pg_tables WHERE tablename = 'mig_c'"),
                     0);
}

static void test_failing_migration_is_rolled_back_and_stops_the_run(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    write_file(fx, "0001_ok.sql", "CREATE TABLE mig_ok (id int);");
    write_file(fx, "0002_bad.sql",
               "CREATE TABLE mig_half (id int);\n"
               "INSERT INTO mig_half VALUES (1);\n"
               "SELECT no_such_column FROM mig_half;\n");
    write_file(fx, "0003_after.sql", "CREATE TABLE mig_after (id int);");
    int applied = -1;
    char err[1024];
    assert_int_equal(migrate_capture(fx, fx->dir, &applied, err, sizeof(err)), ENG_ERR_PG);
    assert_int_equal(applied, 1);
    assert_non_null(strstr(err, "0002_bad.sql failed at line 3"));
    assert_non_null(strstr(err, "42703"));
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM schema_migrations"), 1);
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM pg_tables WHERE tablename IN "
                                     "('mig_half', 'mig_after')"),
                     0);

    /* fixed file: the run picks up where it stopped */
    write_file(fx, "0002_bad.sql", "CREATE TABLE mig_half (id int);");
    assert_int_equal(migrate(fx, fx->dir, &applied), ENG_OK);
    assert_int_equal(applied, 2);
}

static void test_two_concurrent_migrators_apply_each_file_once(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    /* slow enough that both runs overlap; a second apply would fail on CREATE TABLE */
    write_file(fx, "0001_slow.sql", "SELECT pg_sleep(0.5); CREATE TABLE mig_once (id int);");
    write_file(fx, "0002_next.sql", "CREATE TABLE mig_twice (id int);");
    int pipes[2][2];
    pid_t pids[2];
    fflush(NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pipe(pipes[i]), 0);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            int applied = -1;
            FILE *out = fopen("/dev/null", "w");
            eng_err_t rc = cli_migrate_run(fx->conninfo, fx->dir, out, &applied);
            int msg[2] = {(int)rc, applied};
            if (write(pipes[i][1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
                _exit(3);
            _exit(0);
        }
        close(pipes[i][1]);
    }
    int total = 0;
    for (int i = 0; i < 2; i++) {
        int msg[2] = {-1, -1};
        assert_int_equal(read(pipes[i][0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
        close(pipes[i][0]);
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_int_equal(msg[0], ENG_OK);
        total += msg[1];
    }
    assert_int_equal(total, 2);
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM schema_migrations"), 2);
}

static void test_unreachable_postgres_is_one_line_without_the_password(void **state)
{
    fx_t *fx = *state;
    snprintf(fx->conninfo, sizeof(fx->conninfo),
             "host=127.0.0.1 port=1 dbname=serviceai user=serviceai password=hunter2");
    int applied = -1;
    char err[1024];
    assert_int_equal(migrate_capture(fx, REAL_SQL_DIR, &applied, err, sizeof(err)),
                     ENG_ERR_CONNECT);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err, "serviceai: cannot reach Postgres at host=127.0.0.1 port=1: "));
    assert_non_null(strstr(err, "refused"));
    assert_null(strstr(err, "hunter2"));
    char *nl = strchr(err, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, ""); /* exactly one line */
}

static void test_migrate_main_reads_the_environment_and_dir_flag(void **state)
{
    fx_t *fx = *state;
    fresh_db(fx);
    write_file(fx, "0001_env.sql", "CREATE TABLE mig_env (id int);");
    char *saved = getenv("SERVICEAI_PG_DSN") ? strdup(getenv("SERVICEAI_PG_DSN")) : NULL;
    setenv("SERVICEAI_PG_DSN", fx->conninfo, 1);
    char *argv_help[] = {"migrate", "--help", NULL};
    char *argv_bad[] = {"migrate", "--bogus", NULL};
    char *argv_missing[] = {"migrate", "--dir", "/nonexistent/serviceai", NULL};
    char *argv_ok[] = {"migrate", "--dir", fx->dir, NULL};
    int fd = dup(1), devnull = open("/dev/null", O_WRONLY), efd = dup(2);
    fflush(stdout);
    fflush(stderr);
    dup2(devnull, 1);
    dup2(devnull, 2);
    int rc_help = cli_migrate_main(2, argv_help);
    int rc_bad = cli_migrate_main(2, argv_bad);
    int rc_missing = cli_migrate_main(3, argv_missing);
    int rc_ok = cli_migrate_main(3, argv_ok);
    fflush(stdout);
    fflush(stderr);
    dup2(fd, 1);
    dup2(efd, 2);
    close(fd);
    close(efd);
    close(devnull);
    if (saved) {
        setenv("SERVICEAI_PG_DSN", saved, 1);
        free(saved);
    }
    assert_int_equal(rc_help, 0);
    assert_int_equal(rc_bad, 2);
    assert_int_equal(rc_missing, 1);
    assert_int_equal(rc_ok, 0);
    assert_int_equal(scalar_long(fx, "SELECT count(*) FROM pg_tables WHERE tablename = 'mig_env'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fresh_database_gets_every_migration_in_the_repo,
                                  test_teardown),
        cmocka_unit_test_teardown(test_second_run_applies_nothing_and_changes_nothing,
                                  test_teardown),
        cmocka_unit_test_teardown(test_files_apply_in_numeric_order_and_new_ones_later,
                                  test_teardown),
        cmocka_unit_test_teardown(test_changed_applied_file_is_refused, test_teardown),
        cmocka_unit_test_teardown(test_failing_migration_is_rolled_back_and_stops_the_run,
                                  test_teardown),
        cmocka_unit_test_teardown(test_two_concurrent_migrators_apply_each_file_once,
                                  test_teardown),
        cmocka_unit_test_teardown(test_unreachable_postgres_is_one_line_without_the_password,
                                  test_teardown),
        cmocka_unit_test_teardown(test_migrate_main_reads_the_environment_and_dir_flag,
                                  test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
