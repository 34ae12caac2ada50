/*
 * cli_migrate: the `serviceai migrate` subcommand (see cli_migrate.h).
 * Blocking libpq on the CLI's main thread.
 *
 * Order of work, and why:
 *   1. connect (connect_timeout 5 s unless the DSN says otherwise);
 *   2. pg_advisory_lock(MIGRATE_LOCK_KEY): a second migrator waits here until
 *      the first is done, then finds everything applied;
 *   3. create schema_migrations if missing (under the lock, so two fresh
 *      migrators cannot race on the catalog);
 *   4. compare every applied file's checksum with the file on disk before
 *      applying anything, so a tampered history stops the run cold;
 *   5. apply each missing file in numeric order: BEGIN; file; INSERT into
 *      schema_migrations; COMMIT. A failure rolls that file back and stops.
 * The lock is released when the session ends.
 */
#include "cli_migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "eng_alloc.h"

#define MIGRATE_DEFAULT_DSN "host=127.0.0.1 port=5432 dbname=serviceai"
#define MIGRATE_DEFAULT_DIR "schema/sql"
/* Arbitrary but fixed: every serviceai migrator takes this one advisory lock. */
#define MIGRATE_LOCK_KEY "7308895537925617664"

typedef struct mig_file {
    int version;
    char *file; /* "0001_init.sql" */
    char *sql;  /* contents */
    size_t len;
    char checksum[65]; /* sha256, hex */
} mig_file_t;

typedef struct mig_set {
    mig_file_t *files;
    size_t n;
} mig_set_t;

static void mig_set_free(mig_set_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->files[i].file);
        free(s->files[i].sql);
    }
    free(s->files);
    s->files = NULL;
    s->n = 0;
}

/* "NNNN_name.sql": digits, an underscore, a name, ".sql". Returns the version or -1. */
static int mig_parse_name(const char *name)
{
    size_t len = strlen(name);
    size_t d = 0;
    while (name[d] >= '0' && name[d] <= '9')
        d++;
    if (d == 0 || d > 9 || name[d] != '_' || len < d + 1 + 1 + 4)
        return -1;
    if (strcmp(name + len - 4, ".sql") != 0)
        return -1;
    return atoi(name);
}

static void mig_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
        abort(); /* OpenSSL cannot hash: nothing sensible to do */
    for (unsigned i = 0; i < mdlen && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

static bool mig_read_file(const char *path, char **data, size_t *len)
{
    bool ok = false;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8192;
            buf = eng_xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        goto out;
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    ok = true;
out:
    free(buf);
    fclose(f);
    return ok;
}

static int mig_cmp(const void *a, const void *b)
{
    const mig_file_t *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static eng_err_t mig_load_dir(const char *dir, mig_set_t *set, FILE *out)
{
    eng_err_t rc = ENG_OK;
    size_t cap = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "serviceai: cannot read migrations folder %s: %s\n", dir, strerror(errno));
        return ENG_ERR_CONFIG;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int version = mig_parse_name(e->d_name);
        if (version < 0) {
            size_t l = strlen(e->d_name);
            if (l > 4 && strcmp(e->d_name + l - 4, ".sql") == 0)
                fprintf(out, "migrate: ignoring %s (not NNNN_name.sql)\n", e->d_name);
            continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        mig_file_t f = {.version = version};
        if (!mig_read_file(path, &f.sql, &f.len)) {
            fprintf(stderr, "serviceai: cannot read %s: %s\n", path, strerror(errno));
            rc = ENG_ERR_CONFIG;
            goto out;
        }
        f.file = eng_xstrdup(e->d_name);
        mig_sha256_hex(f.sql, f.len, f.checksum);
        if (set->n == cap) {
            cap = cap ? cap * 2 : 16;
            set->files = eng_xrealloc(set->files, cap * sizeof(*set->files));
        }
        set->files[set->n++] = f;
    }
    qsort(set->files, set->n, sizeof(*set->files), mig_cmp);
    for (size_t i = 1; i < set->n; i++) {
        if (set->files[i].version == set->files[i - 1].version) {
            fprintf(stderr, "serviceai: %s and %s share version %d\n", set->files[i - 1].file,
                    set->files[i].file, set->files[i].version);
            rc = ENG_ERR_CONFIG;
            goto out;
        }
    }
out:
    closedir(d);
    return rc;
}

/* libpq's multi-line message as one line, without the "connection to server
 * at ... failed: " preamble that repeats host and port. */
static void mig_reason(const char *msg, char *out, size_t outsz)
{
    const char *p = msg ? msg : "";
    const char *f = strstr(p, "failed: ");
    const char *nl = strchr(p, '\n');
    if (f && (!nl || f < nl))
        p = f + strlen("failed: ");
    size_t n = 0;
    bool space = false;
    for (; *p && *p != '\n' && n + 2 < outsz; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* 1-based line of a 1-based character position in s (UTF-8). */
static int mig_line_of(const char *s, long pos)
{
    int line = 1;
    long chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars >= pos)
            break;
        if (*p == '\n')
            line++;
    }
    return line;
}

static void mig_report_pg_error(const char *what, const PGresult *res, const char *sql)
{
    char line[512];
    const char *prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    mig_reason(prim ? prim : PQresultErrorMessage(res), line, sizeof(line));
    if (pos && sql)
        fprintf(stderr, "serviceai: migrate: %s failed at line %d: %s (SQLSTATE %s)\n", what,
                mig_line_of(sql, strtol(pos, NULL, 10)), line, state ? state : "?");
    else
        fprintf(stderr, "serviceai: migrate: %s failed: %s (SQLSTATE %s)\n", what, line,
                state ? state : "?");
}

/* Runs one command; true when it succeeded (errors are reported as `what`). */
static bool mig_exec(PGconn *pq, const char *what, const char *sql, int nparams,
                     const char *const *params)
{
    PGresult *res =
        nparams ? PQexecParams(pq, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(pq, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
    if (!ok)
        mig_report_pg_error(what, res, nparams ? NULL : sql);
    PQclear(res);
    return ok;
}

static eng_err_t mig_apply(PGconn *pq, const mig_file_t *f)
{
    char version[16];
    snprintf(version, sizeof(version), "%d", f->version);
    const char *params[] = {version, f->file, f->checksum};
    if (!mig_exec(pq, "BEGIN", "BEGIN", 0, NULL))
        return ENG_ERR_PG;
    if (!mig_exec(pq, f->file, f->sql, 0, NULL))
        goto fail;
    if (!mig_exec(
            pq, "recording the migration",
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1::int, $2, $3)", 3,
            params))
        goto fail;
    if (!mig_exec(pq, "COMMIT", "COMMIT", 0, NULL))
        goto fail;
    return ENG_OK;
fail:
    PQclear(PQexec(pq, "ROLLBACK"));
    return ENG_ERR_PG;
}

static const mig_file_t *mig_find(const mig_set_t *set, int version)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->files[i].version == version)
            return &set->files[i];
    return NULL;
}

static void mig_quiet_notice(void *arg, const char *msg) {}

eng_err_t cli_migrate_run(const char *conninfo, const char *sql_dir, FILE *out, int *applied)
{
    eng_err_t rc = ENG_OK;
    mig_set_t set = {0};
    PGconn *pq = NULL;
    PGresult *res = NULL;
    bool *done = NULL;
    int total = 0;

    /* connect_timeout before dbname: a timeout in the DSN itself wins. */
    const char *const keys[] = {"fallback_application_name", "connect_timeout", "dbname", NULL};
    const char *const vals[] = {"serviceai-migrate", "5", conninfo ? conninfo : "", NULL};
    if (applied)
        *applied = 0;

    rc = mig_load_dir(sql_dir, &set, out);
    if (rc != ENG_OK)
        goto out;

    pq = PQconnectdbParams(keys, vals, 1);
    if (!pq)
        abort();
    if (PQstatus(pq) != CONNECTION_OK) {
        char reason[512];
        mig_reason(PQerrorMessage(pq), reason, sizeof(reason));
        fprintf(stderr, "serviceai: cannot reach Postgres at host=%s port=%s: %s\n",
                PQhost(pq) ? PQhost(pq) : "", PQport(pq) ? PQport(pq) : "", reason);
        rc = ENG_ERR_CONNECT;
        goto out;
    }
    /* "relation already exists, skipping" and friends are not news. */
    PQsetNoticeProcessor(pq, mig_quiet_notice, NULL);

    if (!mig_exec(pq, "taking the migration lock", "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
                  0, NULL) ||
        !mig_exec(pq, "creating schema_migrations",
                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version int PRIMARY KEY,"
                  " name text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now(),"
                  " checksum text NOT NULL)",
                  0, NULL)) {
        rc = ENG_ERR_PG;
        goto out;
    }

    res = PQexec(pq, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        mig_report_pg_error("reading schema_migrations", res, NULL);
        rc = ENG_ERR_PG;
        goto out;
    }
    done = eng_xcalloc(set.n ? set.n : 1, sizeof(bool));
    total = PQntuples(res);
    for (int i = 0; i < total; i++) {
        int version = atoi(PQgetvalue(res, i, 0));
        const char *name = PQgetvalue(res, i, 1);
        const char *sum = PQgetvalue(res, i, 2);
        const mig_file_t *f = mig_find(&set, version);
        if (!f) {
            /* An older build against a newer database: not fatal, but say so. */
            fprintf(out, "migrate: %s is applied but not in %s\n", name, sql_dir);
            continue;
        }
        if (strcmp(f->checksum, sum) != 0) {
            fprintf(stderr,
                    "serviceai: migrate: %s was changed after it was applied (sha256 %.12s... in "
                    "the database, %.12s... on disk); add a new migration instead\n",
                    f->file, sum, f->checksum);
            rc = ENG_ERR_CONFLICT;
            goto out;
        }
        done[f - set.files] = true;
    }

    for (size_t i = 0; i < set.n; i++) {
        if (done[i])
            continue;
        rc = mig_apply(pq, &set.files[i]);
        if (rc != ENG_OK)
            goto out;
        fprintf(out, "migrate: applied %s\n", set.files[i].file);
        fflush(out);
        total++;
        if (applied)
            (*applied)++;
    }
    fprintf(out, "migrate: up to date (%d applied)\n", total);
out:
    free(done);
    PQclear(res);
    if (pq)
        PQfinish(pq);
    mig_set_free(&set);
    return rc;
}

static void mig_usage(FILE *f)
{
    fputs("usage: serviceai migrate [--dir PATH]\n"
          "\n"
          "Applies the SQL migrations in PATH (NNNN_name.sql, in numeric order) that the\n"
          "database has not seen yet, each in its own transaction, and records them in\n"
          "schema_migrations. Refuses to run if an applied file has changed since.\n"
          "\n"
          "  --dir PATH   migrations folder (default: $SERVICEAI_SQL_DIR, else schema/sql)\n"
          "  -h, --help   show this help\n"
          "\n"
          "Environment:\n"
          "  SERVICEAI_PG_DSN   libpq connection string (default \"" MIGRATE_DEFAULT_DSN "\")\n"
          "  SERVICEAI_SQL_DIR  migrations folder\n",
          f);
}

int cli_migrate_main(int argc, char **argv)
{
    const char *dir = getenv("SERVICEAI_SQL_DIR");
    const char *dsn = getenv("SERVICEAI_PG_DSN");
    if (!dir || !*dir)
        dir = MIGRATE_DEFAULT_DIR;
    if (!dsn || !*dsn)
        dsn = MIGRATE_DEFAULT_DSN;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            mig_usage(stdout);
            return 0;
        } else if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strncmp(a, "--dir=", 6) == 0) {
            dir = a + 6;
        } else {
            fprintf(stderr, "serviceai: migrate: unknown argument %s\n", a);
            mig_usage(stderr);
            return 2;
        }
    }
    int applied = 0;
    eng_err_t rc = cli_migrate_run(dsn, dir, stdout, &applied);
    fflush(stdout);
    return rc == ENG_OK ? 0 : 1;
}
