/*
 * cli_setup: `serviceai service|tech|hours|closure|booking ...` and
 * `serviceai tenant import FILE` (see cli_setup.h). Main thread of a
 * short-lived process: blocking libpq and hiredis belong here and nowhere
 * near the loop.
 *
 * Every command validates all of its input first, then runs one Postgres
 * transaction under app.scope = 'platform'. An import is declarative: the
 * file describes the whole setup, so services and technicians missing from
 * it are deactivated (appointments still reference them), hours and
 * closures are replaced, and running the same file twice changes nothing
 * the second time. Phone numbers are only ever added: releasing a number is
 * `serviceai phone remove`, a decision an import should not make by omission.
 */
#include "cli_setup.h"
#include "cli_db.h"

#include "act_availability.h"
#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_redis.h"
#include "sch_call.h"
#include "sch_tenant.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#define SETUP_DEFAULT_REDIS_URL "redis://127.0.0.1:6379/0"
#define PHONE_SZ 20
#define MAX_KV 48
#define MAX_NAME 120

/* ------------------------------------------------------------------ messages */

static void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
    }
    free(text);
}

/* ------------------------------------------------------------------ values */

static bool uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool blank(const char *s)
{
    for (; s && *s; s++) {
        if (!isspace((unsigned char)*s))
            return false;
    }
    return true;
}

/* A display name: 1..MAX_NAME characters, not blank. */
static bool name_ok(const char *s)
{
    return s && !blank(s) && utf8_len(s) <= MAX_NAME;
}

static bool int_parse(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    if (!s || !*s)
        return false;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* A skill token as the database accepts it (sai_skills_valid). */
static bool skill_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 40 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || isdigit(c) || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* "8:00", "08:30", "24:00" -> minutes of the day. */
static bool hhmm_parse(const char *s, size_t len, int *minutes)
{
    int h = 0, m = 0;
    size_t i = 0;
    if (len == 0)
        return false;
    while (i < len && isdigit((unsigned char)s[i]) && i < 2)
        h = h * 10 + (s[i++] - '0');
    if (i == 0 || i >= len || s[i] != ':' || len - i != 3 || !isdigit((unsigned char)s[i + 1]) ||
        !isdigit((unsigned char)s[i + 2]))
        return false;
    m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return false;
    *minutes = h * 60 + m;
    return true;
}

/* "08:00-17:00" -> [open, close). */
static bool range_parse(const char *s, int *open, int *close)
{
    const char *dash = s ? strchr(s, '-') : NULL;
    if (!dash || !hhmm_parse(s, (size_t)(dash - s), open) ||
        !hhmm_parse(dash + 1, strlen(dash + 1), close))
        return false;
    return *open < *close;
}

static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

static int day_parse(const char *s, size_t len)
{
    for (int d = 0; d < 7; d++) {
        if ((len == 3 || len == strlen(day_names[d])) && strncasecmp(s, day_names[d], len) == 0)
            return d;
    }
    return -1;
}

/*
 * Days as a bit mask (bit 0 Sunday): "mon", "monday", "mon-fri", "sat,sun",
 * "daily" (every day), "weekdays", "weekends". A range wraps ("fri-mon").
 */
static bool days_parse(const char *s, unsigned *mask)
{
    *mask = 0;
    if (!s || !*s)
        return false;
    if (strcasecmp(s, "daily") == 0 || strcasecmp(s, "every day") == 0) {
        *mask = 0x7f;
        return true;
    }
    if (strcasecmp(s, "weekdays") == 0) {
        *mask = 0x3e;
        return true;
    }
    if (strcasecmp(s, "weekends") == 0) {
        *mask = 0x41;
        return true;
    }
    const char *p = s;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *dash = memchr(p, '-', len);
        if (dash) {
            int a = day_parse(p, (size_t)(dash - p));
            int b = day_parse(dash + 1, len - (size_t)(dash - p) - 1);
            if (a < 0 || b < 0)
                return false;
            for (int d = a;; d = (d + 1) % 7) {
                *mask |= 1u << d;
                if (d == b)
                    break;
            }
        } else {
            int d = day_parse(p, len);
            if (d < 0)
                return false;
            *mask |= 1u << d;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return *mask != 0;
}

/* ------------------------------------------------------------------ arguments */

typedef struct kv {
    const char *flag;
    const char *value; /* NULL for a switch */
} kv_t;

typedef struct args {
    const char *cmd;
    const char *pos[16];
    int npos;
    kv_t kv[MAX_KV];
    int nkv;
    bool help;
} args_t;

/*
 * Reads argv[first..]: "--flag value", "--flag=value", switches and
 * positional words. with_value and switches are NULL-terminated lists of
 * the flags the command knows. Fails on an unknown flag or a missing value.
 */
static bool args_parse(args_t *a, const char *cmd, int argc, char **argv, int first,
                       const char *const *with_value, const char *const *switches, int maxpos)
{
    memset(a, 0, sizeof(*a));
    a->cmd = cmd;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (a->npos >= maxpos || a->npos >= 16) {
                cli_fail(cmd, "unexpected argument '%s' (see --help)", arg);
                return false;
            }
            a->pos[a->npos++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t flen = eq ? (size_t)(eq - arg) : strlen(arg);
        const char *flag = NULL;
        bool takes_value = false;
        for (const char *const *f = with_value; f && *f && !flag; f++) {
            if (strlen(*f) == flen && strncmp(*f, arg, flen) == 0) {
                flag = *f;
                takes_value = true;
            }
        }
        for (const char *const *f = switches; f && *f && !flag; f++) {
            if (strlen(*f) == flen && strncmp(*f, arg, flen) == 0)
                flag = *f;
        }
        if (!flag) {
            cli_fail(cmd, "unknown option '%.*s' (see --help)", (int)flen, arg);
            return false;
        }
        if (a->nkv >= MAX_KV) {
            cli_fail(cmd, "too many options");
            return false;
        }
        const char *value = NULL;
        if (takes_value) {
            value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value) {
                cli_fail(cmd, "%s needs a value (see --help)", flag);
                return false;
            }
        } else if (eq) {
            cli_fail(cmd, "%s takes no value", flag);
            return false;
        }
        a->kv[a->nkv++] = (kv_t){flag, value};
    }
    return true;
}

/* The value of a flag given at most once; *out NULL when absent. */
static bool args_one(const args_t *a, const char *flag, const char **out)
{
    *out = NULL;
    for (int i = 0; i < a->nkv; i++) {
        if (strcmp(a->kv[i].flag, flag) != 0)
            continue;
        if (*out) {
            cli_fail(a->cmd, "%s given twice", flag);
            return false;
        }
        *out = a->kv[i].value ? a->kv[i].value : "";
    }
    return true;
}

static bool args_has(const args_t *a, const char *flag)
{
    for (int i = 0; i < a->nkv; i++) {
        if (strcmp(a->kv[i].flag, flag) == 0)
            return true;
    }
    return false;
}

/* Every value of a repeatable flag, as a JSON array of strings (new reference). */
static json_t *args_all(const args_t *a, const char *flag)
{
    json_t *arr = json_array();
    for (int i = 0; i < a->nkv; i++) {
        if (strcmp(a->kv[i].flag, flag) == 0 && a->kv[i].value)
            json_array_append_new(arr, json_string(a->kv[i].value));
    }
    return arr;
}

static bool require(const args_t *a, const char *value, const char *flag)
{
    if (value)
        return true;
    cli_fail(a->cmd, "missing %s (see --help)", flag);
    return false;
}

/* ------------------------------------------------------------------ Postgres */

/* Checks the tenant id and that the tenant exists (prints why not). Lower-cases id. */
static int tenant_check(cli_db_t *db, const char *id, char out[37])
{
    if (!uuid_valid(id)) {
        cli_fail(db->cmd, "'%s' is not a tenant id (a UUID, as printed by `serviceai tenant list`)",
                 id ? id : "");
        return CLI_SETUP_EXIT_USAGE;
    }
    for (int i = 0; i < 36; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[36] = '\0';
    const char *p[] = {out};
    PGresult *res = cli_db_exec(db, "SELECT 1 FROM tenants WHERE id = $1::uuid", 1, p);
    if (!res) {
        cli_fail(db->cmd, "Postgres refused: %s", db->error);
        return CLI_SETUP_EXIT_REFUSED;
    }
    int found = PQntuples(res);
    PQclear(res);
    if (!found) {
        cli_fail(db->cmd, "no tenant with id %s", out);
        return CLI_SETUP_EXIT_REFUSED;
    }
    return CLI_SETUP_EXIT_OK;
}

/* ------------------------------------------------------------------ Redis cache */

static void cache_warn(const char *cmd, const char *why)
{
    fprintf(stderr,
            "serviceai %s: warning: profile cache not invalidated (%s); cached entries expire "
            "with their TTL\n",
            cmd, why);
}

/* DEL keys after COMMIT (schema/redis.md: writers drop the keys their change made stale). */
static void cache_drop(const char *cmd, const char *const *keys, size_t n)
{
    redisContext *rc = NULL;
    redisReply *reply = NULL;
    const char **argv = NULL;
    char host[256], line[512];
    int port = 6379, dbno = 0;
    if (n == 0)
        return;
    const char *url = getenv("SERVICEAI_REDIS_URL");
    if (!url || !*url)
        url = SETUP_DEFAULT_REDIS_URL;
    if (!eng_redis_url_parse(url, host, sizeof(host), &port, &dbno)) {
        cache_warn(cmd, "SERVICEAI_REDIS_URL is not a redis://host:port/db URL");
        goto out;
    }
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    rc = redisConnectWithTimeout(host, port, tv);
    if (!rc || rc->err) {
        snprintf(line, sizeof(line), "cannot connect to Redis at %s:%d: %s", host, port,
                 rc ? rc->errstr : "out of memory");
        cache_warn(cmd, line);
        goto out;
    }
    if (redisSetTimeout(rc, tv) != REDIS_OK) {
        cache_warn(cmd, "cannot set a Redis timeout");
        goto out;
    }
    if (dbno != 0) {
        char dbtext[16];
        snprintf(dbtext, sizeof(dbtext), "%d", dbno);
        const char *select_argv[] = {"SELECT", dbtext};
        reply = redisCommandArgv(rc, 2, select_argv, NULL);
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            cache_warn(cmd, "SELECT failed");
            goto out;
        }
        freeReplyObject(reply);
        reply = NULL;
    }
    argv = eng_xcalloc(n + 1, sizeof(*argv));
    argv[0] = "DEL";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = keys[i];
    reply = redisCommandArgv(rc, (int)(n + 1), argv, NULL);
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        cache_warn(cmd, reply ? reply->str : rc->errstr);
out:
    if (reply)
        freeReplyObject(reply);
    if (rc)
        redisFree(rc);
    free(argv);
}

static void cache_drop_tenant(const char *cmd, const char *tenant_id)
{
    char key[64];
    snprintf(key, sizeof(key), "tenant:%s", tenant_id);
    const char *keys[] = {key};
    cache_drop(cmd, keys, 1);
}

/* ------------------------------------------------------------------ JSON out */

static json_t *row_json(const PGresult *res, int row)
{
    json_t *o = json_object();
    for (int c = 0; c < PQnfields(res); c++) {
        const char *name = PQfname(res, c);
        if (PQgetisnull(res, row, c)) {
            json_object_set_new(o, name, json_null());
            continue;
        }
        const char *v = PQgetvalue(res, row, c);
        Oid type = PQftype(res, c);
        if (type == 23 || type == 20 || type == 21) /* int4, int8, int2 */
            json_object_set_new(o, name, json_integer(strtoll(v, NULL, 10)));
        else if (type == 16) /* bool */
            json_object_set_new(o, name, json_boolean(strcmp(v, "t") == 0));
        else if (type == 114 || type == 3802) /* json, jsonb */
            json_object_set_new(o, name, json_loads(v, JSON_DECODE_ANY, NULL));
        else
            json_object_set_new(o, name, json_string(v));
    }
    return o;
}

static json_t *rows_json(const PGresult *res)
{
    json_t *arr = json_array();
    for (int r = 0; r < PQntuples(res); r++)
        json_array_append_new(arr, row_json(res, r));
    return arr;
}

#define SERVICE_COLS                                                                               \
    "id, name, name_es, to_jsonb(aliases) AS aliases, duration_min, buffer_min, is_emergency, "    \
    "skill, active, sort_order"
#define TECH_COLS "id, name, phone, to_jsonb(skills) AS skills, active"
#define CLOSURE_COLS "id, starts_on::text AS starts_on, ends_on::text AS ends_on, reason"

/* ------------------------------------------------------------------ help */

static const char service_usage[] =
    "usage: serviceai service add TENANT_ID --name NAME --duration MINUTES [options]\n"
    "       serviceai service list TENANT_ID\n"
    "       serviceai service remove TENANT_ID NAME\n"
    "\n"
    "The services callers can book. add creates a service or updates the one with the\n"
    "same name (case-insensitive); remove deactivates it (existing appointments keep it).\n"
    "\n"
    "  --name NAME          how the business calls it, e.g. \"AC repair\"\n"
    "  --name-es NAME       its Spanish name, for Spanish calls\n"
    "  --duration MINUTES   how long the job takes (5 to 1440)\n"
    "  --buffer MINUTES     technician time after it: travel, clean-up (default 0)\n"
    "  --skill SKILL        the skill a technician needs (lower-case token, e.g. hvac)\n"
    "  --alias WORDS        other words callers use (repeatable): \"air conditioning\"\n"
    "  --emergency          emergency work (said so in the assistant's service list)\n"
    "  --order N            position in the assistant's list (default 0)\n"
    "\n"
    "examples:\n"
    "  serviceai service add $T --name \"AC repair\" --name-es \"Reparación de aire\" \\\n"
    "      --duration 90 --buffer 30 --skill hvac --alias \"air conditioning\"\n"
    "  serviceai service remove $T \"Duct cleaning\"\n";

static const char tech_usage[] =
    "usage: serviceai tech add TENANT_ID --name NAME --phone NUMBER [--skill SKILL]...\n"
    "       serviceai tech list TENANT_ID\n"
    "       serviceai tech remove TENANT_ID NAME\n"
    "\n"
    "The technicians appointments are booked with. add creates one or updates the one\n"
    "with the same name; remove deactivates it (no new bookings; booked ones stay).\n"
    "A service with a skill is only booked with technicians who have that skill.\n"
    "\n"
    "  --name NAME      the technician's name (told to the caller)\n"
    "  --phone NUMBER   their mobile, normalized to E.164\n"
    "  --skill SKILL    a skill token, repeatable: hvac, refrigeration, gas, plumbing\n"
    "\n"
    "example:\n"
    "  serviceai tech add $T --name \"Mike Reyes\" --phone \"(512) 555-0170\" \\\n"
    "      --skill hvac --skill refrigeration\n";

static const char hours_usage[] =
    "usage: serviceai hours set TENANT_ID DAYS HOURS [DAYS HOURS]...\n"
    "       serviceai hours show TENANT_ID\n"
    "\n"
    "Weekly opening hours in the tenant's own time zone. set replaces the hours of the\n"
    "days it names and leaves the others alone.\n"
    "\n"
    "  DAYS   mon, monday, mon-fri, sat,sun, daily, weekdays or weekends\n"
    "  HOURS  08:00-17:00, several with commas (08:00-12:00,13:00-17:00), 00:00-24:00\n"
    "         for around the clock, or closed\n"
    "\n"
    "example:\n"
    "  serviceai hours set $T mon-fri 07:30-18:00 sat 09:00-13:00 sun closed\n";

static const char closure_usage[] =
    "usage: serviceai closure add TENANT_ID --from DATE [--to DATE] [--reason TEXT]\n"
    "       serviceai closure list TENANT_ID\n"
    "       serviceai closure remove TENANT_ID --from DATE [--to DATE]\n"
    "\n"
    "Days the business is closed (holidays, vacations), whole days in its time zone,\n"
    "both dates included (--to defaults to --from). No slot is offered on them. add\n"
    "warns when appointments are already booked on those days.\n"
    "\n"
    "examples:\n"
    "  serviceai closure add $T --from 2026-12-24 --to 2026-12-26 --reason Christmas\n"
    "  serviceai closure remove $T --from 2026-12-24 --to 2026-12-26\n";

static const char booking_usage[] =
    "usage: serviceai booking set TENANT_ID [--lead-minutes N] [--horizon-days N]\n"
    "                                       [--slot-minutes N]\n"
    "       serviceai booking show TENANT_ID\n"
    "\n"
    "The booking rules.\n"
    "  --lead-minutes N   no slot starts sooner than this from now (default 120)\n"
    "  --horizon-days N   how many days ahead slots are offered, today included (default 14)\n"
    "  --slot-minutes N   a slot starts every N minutes from opening (default 60)\n"
    "\n"
    "example:\n"
    "  serviceai booking set $T --lead-minutes 180 --horizon-days 21\n";

static const char import_usage[] =
    "usage: serviceai tenant import FILE\n"
    "\n"
    "Creates or updates a tenant and its whole booking setup from one JSON file:\n"
    "the tenant, its phone numbers, booking rules, services, technicians, hours and\n"
    "closures (see docs/examples/hvac-tenant.json and docs/onboarding.md).\n"
    "The tenant is found by \"tenant.id\" or else by its phone numbers; a new one is\n"
    "created otherwise. Services and technicians missing from the file are\n"
    "deactivated; hours and closures are replaced; numbers are only added. Importing\n"
    "the same file again changes nothing. All or nothing: any error changes nothing\n"
    "and names the bad field, e.g. services[2].duration_minutes.\n"
    "Prints a summary as JSON.\n"
    "\n"
    "example:\n"
    "  serviceai tenant import docs/examples/hvac-tenant.json\n";

/* ------------------------------------------------------------------ service */

static int service_add(int argc, char **argv)
{
    static const char *const with_value[] = {"--name",  "--name-es", "--duration", "--buffer",
                                             "--skill", "--alias",   "--order",    NULL};
    static const char *const switches[] = {"--emergency", NULL};
    const char *cmd = "service add";
    args_t a;
    cli_db_t db = {0};
    json_t *aliases = NULL;
    char *aliases_text = NULL;
    char tenant[37];
    const char *name, *name_es, *duration, *buffer, *skill, *order;
    long dur = 0, buf = 0, ord = 0;
    int rc = CLI_SETUP_EXIT_USAGE;

    if (!args_parse(&a, cmd, argc, argv, 2, with_value, switches, 1))
        goto out;
    if (a.help) {
        fputs(service_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (!args_one(&a, "--name", &name) || !args_one(&a, "--name-es", &name_es) ||
        !args_one(&a, "--duration", &duration) || !args_one(&a, "--buffer", &buffer) ||
        !args_one(&a, "--skill", &skill) || !args_one(&a, "--order", &order))
        goto out;
    if (a.npos != 1) {
        cli_fail(cmd, "missing TENANT_ID (see --help)");
        goto out;
    }
    if (!require(&a, name, "--name") || !require(&a, duration, "--duration"))
        goto out;
    if (!name_ok(name)) {
        cli_fail(cmd, "--name must be 1 to %d characters", MAX_NAME);
        goto out;
    }
    if (name_es && !name_ok(name_es)) {
        cli_fail(cmd, "--name-es must be 1 to %d characters", MAX_NAME);
        goto out;
    }
    if (!int_parse(duration, 5, 1440, &dur)) {
        cli_fail(cmd, "--duration must be a whole number of minutes from 5 to 1440, not '%s'",
                 duration);
        goto out;
    }
    if (buffer && !int_parse(buffer, 0, 480, &buf)) {
        cli_fail(cmd, "--buffer must be a whole number of minutes from 0 to 480, not '%s'", buffer);
        goto out;
    }
    if (order && !int_parse(order, -1000000, 1000000, &ord)) {
        cli_fail(cmd, "--order must be a whole number, not '%s'", order);
        goto out;
    }
    if (skill && !skill_ok(skill)) {
        cli_fail(cmd, "--skill '%s' must be a lower-case token such as hvac or gas-lines", skill);
        goto out;
    }
    aliases = args_all(&a, "--alias");
    aliases_text = json_dumps(aliases, JSON_COMPACT);
    char dur_t[16], buf_t[16], ord_t[16];
    snprintf(dur_t, sizeof(dur_t), "%ld", dur);
    snprintf(buf_t, sizeof(buf_t), "%ld", buf);
    snprintf(ord_t, sizeof(ord_t), "%ld", ord);

    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    const char *p[] = {tenant,
                       name,
                       name_es,
                       aliases_text,
                       dur_t,
                       buf_t,
                       args_has(&a, "--emergency") ? "true" : "false",
                       skill,
                       ord_t};
    PGresult *res =
        cli_db_exec(&db,
                    "INSERT INTO services AS s (tenant_id, name, name_es, aliases, "
                    "duration_min, buffer_min, is_emergency, skill, sort_order) "
                    "VALUES ($1::uuid, btrim($2), nullif(btrim($3), ''), "
                    "ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), $5::int, $6::int, "
                    "$7::boolean, $8, $9::int) "
                    "ON CONFLICT (tenant_id, lower(name)) DO UPDATE SET "
                    "name = EXCLUDED.name, name_es = EXCLUDED.name_es, "
                    "aliases = EXCLUDED.aliases, duration_min = EXCLUDED.duration_min, "
                    "buffer_min = EXCLUDED.buffer_min, is_emergency = "
                    "EXCLUDED.is_emergency, skill = EXCLUDED.skill, "
                    "sort_order = EXCLUDED.sort_order, active = true "
                    "RETURNING " SERVICE_COLS,
                    9, p);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    json_t *j = row_json(res, 0);
    PQclear(res);
    if (!cli_db_commit(&db)) {
        json_decref(j);
        goto out;
    }
    cache_drop_tenant(cmd, tenant);
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(aliases);
    free(aliases_text);
    return rc;
}

/* `X list TENANT_ID` for services, techs and closures. */
static int list_rows(int argc, char **argv, const char *cmd, const char *usage, const char *sql)
{
    args_t a;
    cli_db_t db = {0};
    char tenant[37];
    int rc = CLI_SETUP_EXIT_USAGE;
    if (!args_parse(&a, cmd, argc, argv, 2, NULL, NULL, 1))
        goto out;
    if (a.help) {
        fputs(usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "missing TENANT_ID (see --help)");
        goto out;
    }
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    const char *p[] = {tenant};
    PGresult *res = cli_db_exec(&db, sql, 1, p);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    json_t *j = rows_json(res);
    PQclear(res);
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    cli_db_rollback(&db);
    cli_db_close(&db);
    return rc;
}

/* `service remove` / `tech remove`: deactivate by name. */
static int deactivate(int argc, char **argv, const char *cmd, const char *usage, const char *table,
                      const char *what, bool drops_profile)
{
    args_t a;
    cli_db_t db = {0};
    char tenant[37];
    char sql[256];
    int rc = CLI_SETUP_EXIT_USAGE;
    if (!args_parse(&a, cmd, argc, argv, 2, NULL, NULL, 2))
        goto out;
    if (a.help) {
        fputs(usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (a.npos != 2) {
        cli_fail(cmd, "expected TENANT_ID NAME (see --help)");
        goto out;
    }
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET active = false WHERE tenant_id = $1::uuid AND lower(name) = "
             "lower(btrim($2)) RETURNING id, name, active",
             table);
    const char *p[] = {tenant, a.pos[1]};
    PGresult *res = cli_db_exec(&db, sql, 2, p);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        cli_fail(cmd, "tenant %s has no %s named '%s'", tenant, what, a.pos[1]);
        goto out;
    }
    json_t *j = row_json(res, 0);
    PQclear(res);
    if (!cli_db_commit(&db)) {
        json_decref(j);
        goto out;
    }
    if (drops_profile)
        cache_drop_tenant(cmd, tenant);
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    return rc;
}

/* ------------------------------------------------------------------ tech */

static int tech_add(int argc, char **argv)
{
    static const char *const with_value[] = {"--name", "--phone", "--skill", NULL};
    const char *cmd = "tech add";
    args_t a;
    cli_db_t db = {0};
    json_t *skills = NULL;
    char *skills_text = NULL;
    char tenant[37], phone[PHONE_SZ];
    const char *name, *phone_in;
    int rc = CLI_SETUP_EXIT_USAGE;

    if (!args_parse(&a, cmd, argc, argv, 2, with_value, NULL, 1))
        goto out;
    if (a.help) {
        fputs(tech_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (!args_one(&a, "--name", &name) || !args_one(&a, "--phone", &phone_in))
        goto out;
    if (a.npos != 1) {
        cli_fail(cmd, "missing TENANT_ID (see --help)");
        goto out;
    }
    if (!require(&a, name, "--name") || !require(&a, phone_in, "--phone"))
        goto out;
    if (!name_ok(name)) {
        cli_fail(cmd, "--name must be 1 to %d characters", MAX_NAME);
        goto out;
    }
    if (sch_phone_normalize(phone_in, phone, sizeof(phone)) != ENG_OK) {
        cli_fail(cmd, "--phone '%s' is not a valid phone number (E.164 such as +15125550170)",
                 phone_in);
        goto out;
    }
    skills = args_all(&a, "--skill");
    for (size_t i = 0; i < json_array_size(skills); i++) {
        const char *s = json_string_value(json_array_get(skills, i));
        if (!skill_ok(s)) {
            cli_fail(cmd, "--skill '%s' must be a lower-case token such as hvac or gas-lines", s);
            goto out;
        }
    }
    skills_text = json_dumps(skills, JSON_COMPACT);
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    const char *p[] = {tenant, name, phone, skills_text};
    PGresult *res = cli_db_exec(&db,
                                "INSERT INTO technicians AS t (tenant_id, name, phone, skills) "
                                "VALUES ($1::uuid, btrim($2), $3, "
                                "ARRAY(SELECT jsonb_array_elements_text($4::jsonb))) "
                                "ON CONFLICT (tenant_id, lower(name)) DO UPDATE SET "
                                "name = EXCLUDED.name, phone = EXCLUDED.phone, "
                                "skills = EXCLUDED.skills, active = true RETURNING " TECH_COLS,
                                4, p);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    json_t *j = row_json(res, 0);
    PQclear(res);
    if (!cli_db_commit(&db)) {
        json_decref(j);
        goto out;
    }
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(skills);
    free(skills_text);
    return rc;
}

/* ------------------------------------------------------------------ hours */

/* Weekly hours as {"monday": ["08:00-17:00"], ...} plus the assistant's lines. */
static json_t *hours_json(cli_db_t *db, const char *tenant)
{
    const char *p[] = {tenant};
    PGresult *res = cli_db_exec(db,
                                "SELECT weekday, to_char(opens, 'HH24:MI') || '-' || "
                                "CASE WHEN closes = '24:00' THEN '24:00' ELSE to_char(closes, "
                                "'HH24:MI') END FROM business_hours WHERE tenant_id = $1::uuid "
                                "ORDER BY weekday, opens",
                                1, p);
    if (!res)
        return NULL;
    json_t *week = json_object();
    static const int order[7] = {1, 2, 3, 4, 5, 6, 0};
    for (int i = 0; i < 7; i++)
        json_object_set_new(week, day_names[order[i]], json_array());
    for (int r = 0; r < PQntuples(res); r++) {
        int wd = atoi(PQgetvalue(res, r, 0));
        if (wd >= 0 && wd < 7)
            json_array_append_new(json_object_get(week, day_names[wd]),
                                  json_string(PQgetvalue(res, r, 1)));
    }
    PQclear(res);
    json_t *out = json_object();
    json_object_set_new(out, "tenant_id", json_string(tenant));
    json_object_set_new(out, "hours", week);
    const char *pl[] = {tenant, "en"};
    res = cli_db_exec(db, "SELECT to_jsonb(hours) FROM sai_profile_lines($1::uuid, $2)", 2, pl);
    if (res && PQntuples(res) == 1)
        json_object_set_new(out, "spoken", json_loads(PQgetvalue(res, 0, 0), 0, NULL));
    if (res)
        PQclear(res);
    return out;
}

static bool hours_insert(cli_db_t *db, const char *tenant, int weekday, int open, int close)
{
    char wd[4], o[8], c[8];
    snprintf(wd, sizeof(wd), "%d", weekday);
    snprintf(o, sizeof(o), "%02d:%02d", open / 60 % 100, open % 60);
    snprintf(c, sizeof(c), "%02d:%02d", close / 60 % 100, close % 60);
    const char *p[] = {tenant, wd, o, c};
    return cli_db_do(db,
                     "INSERT INTO business_hours (tenant_id, weekday, opens, closes) "
                     "VALUES ($1::uuid, $2::smallint, $3::time, $4::time)",
                     4, p);
}

typedef struct interval {
    int open, close;
} interval_t;

/* "08:00-12:00,13:00-17:00" or "closed" -> sorted, non-overlapping intervals. */
static bool ranges_parse(const char *s, interval_t *out, int max, int *n)
{
    *n = 0;
    if (strcasecmp(s, "closed") == 0)
        return true;
    char *copy = eng_xstrdup(s);
    char *save = NULL;
    bool ok = true;
    for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        interval_t iv;
        if (*n >= max || !range_parse(tok, &iv.open, &iv.close)) {
            ok = false;
            break;
        }
        int i = (*n)++;
        while (i > 0 && out[i - 1].open > iv.open) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = iv;
    }
    free(copy);
    for (int i = 1; ok && i < *n; i++)
        ok = out[i].open >= out[i - 1].close;
    return ok && (*n > 0 || strcasecmp(s, "closed") == 0);
}

static int hours_set(int argc, char **argv)
{
    const char *cmd = "hours set";
    args_t a;
    cli_db_t db = {0};
    char tenant[37];
    unsigned masks[8];
    interval_t ivs[8][8];
    int nivs[8];
    int rc = CLI_SETUP_EXIT_USAGE;
    if (!args_parse(&a, cmd, argc, argv, 2, NULL, NULL, 16))
        goto out;
    if (a.help) {
        fputs(hours_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (a.npos < 3 || a.npos % 2 != 1) {
        cli_fail(cmd, "expected TENANT_ID followed by DAYS HOURS pairs (see --help)");
        goto out;
    }
    int pairs = (a.npos - 1) / 2;
    for (int i = 0; i < pairs; i++) {
        const char *days = a.pos[1 + 2 * i], *hours = a.pos[2 + 2 * i];
        if (!days_parse(days, &masks[i])) {
            cli_fail(cmd, "'%s' is not a day or a range of days (mon, mon-fri, daily, ...)", days);
            goto out;
        }
        if (!ranges_parse(hours, ivs[i], 8, &nivs[i])) {
            cli_fail(cmd,
                     "'%s' is not opening hours (08:00-17:00, 08:00-12:00,13:00-17:00 or "
                     "closed, without overlaps)",
                     hours);
            goto out;
        }
    }
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    for (int i = 0; i < pairs; i++) {
        for (int d = 0; d < 7; d++) {
            if (!(masks[i] & (1u << d)))
                continue;
            char wd[4];
            snprintf(wd, sizeof(wd), "%d", d);
            const char *p[] = {tenant, wd};
            if (!cli_db_do(&db,
                           "DELETE FROM business_hours WHERE tenant_id = $1::uuid AND weekday = "
                           "$2::smallint",
                           2, p))
                goto out;
            for (int k = 0; k < nivs[i]; k++) {
                if (!hours_insert(&db, tenant, d, ivs[i][k].open, ivs[i][k].close))
                    goto out;
            }
        }
    }
    json_t *j = hours_json(&db, tenant);
    if (!j || !cli_db_commit(&db)) {
        json_decref(j);
        goto out;
    }
    cache_drop_tenant(cmd, tenant);
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    return rc;
}

static int hours_show(int argc, char **argv)
{
    const char *cmd = "hours show";
    args_t a;
    cli_db_t db = {0};
    char tenant[37];
    int rc = CLI_SETUP_EXIT_USAGE;
    if (!args_parse(&a, cmd, argc, argv, 2, NULL, NULL, 1))
        goto out;
    if (a.help) {
        fputs(hours_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "missing TENANT_ID (see --help)");
        goto out;
    }
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    json_t *j = hours_json(&db, tenant);
    if (!j) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    cli_db_rollback(&db);
    cli_db_close(&db);
    return rc;
}

/* ------------------------------------------------------------------ closure */

static int closure_change(int argc, char **argv, bool add)
{
    static const char *const add_flags[] = {"--from", "--to", "--reason", NULL};
    static const char *const remove_flags[] = {"--from", "--to", NULL};
    const char *cmd = add ? "closure add" : "closure remove";
    args_t a;
    cli_db_t db = {0};
    char tenant[37];
    const char *from, *to, *reason;
    int from_ymd = 0, to_ymd = 0;
    int rc = CLI_SETUP_EXIT_USAGE;
    if (!args_parse(&a, cmd, argc, argv, 2, add ? add_flags : remove_flags, NULL, 1))
        goto out;
    if (a.help) {
        fputs(closure_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (!args_one(&a, "--from", &from) || !args_one(&a, "--to", &to) ||
        !args_one(&a, "--reason", &reason))
        goto out;
    if (a.npos != 1) {
        cli_fail(cmd, "missing TENANT_ID (see --help)");
        goto out;
    }
    if (!require(&a, from, "--from"))
        goto out;
    if (!to)
        to = from;
    if (!act_ymd_parse(from, &from_ymd)) {
        cli_fail(cmd, "--from '%s' is not a date (YYYY-MM-DD)", from);
        goto out;
    }
    if (!act_ymd_parse(to, &to_ymd)) {
        cli_fail(cmd, "--to '%s' is not a date (YYYY-MM-DD)", to);
        goto out;
    }
    if (to_ymd < from_ymd) {
        cli_fail(cmd, "--to %s is before --from %s", to, from);
        goto out;
    }
    if (reason && utf8_len(reason) > 200) {
        cli_fail(cmd, "--reason is too long (at most 200 characters)");
        goto out;
    }
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    const char *p[] = {tenant, from, to, reason ? reason : ""};
    PGresult *res =
        add ? cli_db_exec(&db,
                          "INSERT INTO closures (tenant_id, starts_on, ends_on, reason) "
                          "VALUES ($1::uuid, $2::date, $3::date, btrim($4)) "
                          "ON CONFLICT (tenant_id, starts_on, ends_on) DO UPDATE SET "
                          "reason = EXCLUDED.reason RETURNING " CLOSURE_COLS,
                          4, p)
            : cli_db_exec(
                  &db,
                  "DELETE FROM closures WHERE tenant_id = $1::uuid AND starts_on = $2::date "
                  "AND ends_on = $3::date RETURNING " CLOSURE_COLS,
                  3, p);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        cli_fail(cmd, "tenant %s has no closure from %s to %s", tenant, from, to);
        goto out;
    }
    json_t *j = row_json(res, 0);
    PQclear(res);
    long booked = 0;
    if (add) {
        res =
            cli_db_exec(&db,
                        "SELECT count(*) FROM appointments a JOIN tenants t ON t.id = a.tenant_id "
                        "WHERE a.tenant_id = $1::uuid AND a.status IN ('booked', 'rescheduled') "
                        "AND (lower(a.during) AT TIME ZONE t.timezone)::date "
                        "BETWEEN $2::date AND $3::date",
                        3, p);
        if (res) {
            booked = strtol(PQgetvalue(res, 0, 0), NULL, 10);
            PQclear(res);
        }
    }
    if (!cli_db_commit(&db)) {
        json_decref(j);
        goto out;
    }
    if (booked > 0)
        fprintf(stderr,
                "serviceai %s: warning: %ld appointment(s) are booked on these days; they are "
                "kept, call the customers to move them\n",
                cmd, booked);
    cache_drop_tenant(cmd, tenant);
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    return rc;
}

/* ------------------------------------------------------------------ booking rules */

static const char booking_select[] =
    "SELECT t.id AS tenant_id, coalesce(b.lead_time_min, 120) AS lead_minutes, "
    "coalesce(b.horizon_days, 14) AS horizon_days, coalesce(b.slot_step_min, 60) AS "
    "slot_minutes FROM tenants t LEFT JOIN booking_settings b ON b.tenant_id = t.id "
    "WHERE t.id = $1::uuid";

static int booking_rules(int argc, char **argv, bool set)
{
    static const char *const flags[] = {"--lead-minutes", "--horizon-days", "--slot-minutes", NULL};
    const char *cmd = set ? "booking set" : "booking show";
    args_t a;
    cli_db_t db = {0};
    char tenant[37];
    const char *lead, *horizon, *slot;
    long v;
    int rc = CLI_SETUP_EXIT_USAGE;
    if (!args_parse(&a, cmd, argc, argv, 2, set ? flags : NULL, NULL, 1))
        goto out;
    if (a.help) {
        fputs(booking_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (!args_one(&a, "--lead-minutes", &lead) || !args_one(&a, "--horizon-days", &horizon) ||
        !args_one(&a, "--slot-minutes", &slot))
        goto out;
    if (a.npos != 1) {
        cli_fail(cmd, "missing TENANT_ID (see --help)");
        goto out;
    }
    if (lead && !int_parse(lead, 0, 10080, &v)) {
        cli_fail(cmd, "--lead-minutes must be from 0 to 10080, not '%s'", lead);
        goto out;
    }
    if (horizon && !int_parse(horizon, 1, 90, &v)) {
        cli_fail(cmd, "--horizon-days must be from 1 to 90, not '%s'", horizon);
        goto out;
    }
    if (slot && !int_parse(slot, 5, 480, &v)) {
        cli_fail(cmd, "--slot-minutes must be from 5 to 480, not '%s'", slot);
        goto out;
    }
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = tenant_check(&db, a.pos[0], tenant)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    if (set) {
        const char *p[] = {tenant, lead, horizon, slot};
        if (!cli_db_do(&db,
                       "INSERT INTO booking_settings (tenant_id, lead_time_min, horizon_days, "
                       "slot_step_min) VALUES ($1::uuid, coalesce($2::int, 120), "
                       "coalesce($3::int, 14), coalesce($4::int, 60)) "
                       "ON CONFLICT (tenant_id) DO UPDATE SET "
                       "lead_time_min = coalesce($2::int, booking_settings.lead_time_min), "
                       "horizon_days = coalesce($3::int, booking_settings.horizon_days), "
                       "slot_step_min = coalesce($4::int, booking_settings.slot_step_min)",
                       4, p))
            goto out;
    }
    const char *p[] = {tenant};
    PGresult *res = cli_db_exec(&db, booking_select, 1, p);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    json_t *j = row_json(res, 0);
    PQclear(res);
    if (set && !cli_db_commit(&db)) {
        json_decref(j);
        goto out;
    }
    print_json(j);
    json_decref(j);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK || !set)
        cli_db_rollback(&db);
    cli_db_close(&db);
    return rc;
}

/* ------------------------------------------------------------------ import: validation */

typedef struct imp_service {
    const char *name, *name_es, *skill;
    char *aliases; /* JSON array text */
    long duration, buffer, order;
    bool emergency;
} imp_service_t;

typedef struct imp_tech {
    const char *name;
    char phone[PHONE_SZ];
    char *skills; /* JSON array text */
    bool active;
} imp_tech_t;

typedef struct imp_closure {
    const char *from, *to, *reason;
} imp_closure_t;

typedef struct import {
    json_t *root;
    const char *id; /* NULL: find by numbers or create */
    const char *name, *industry, *timezone, *language;
    json_t *greeting, *instructions; /* borrowed; NULL = leave as is, null/"" = clear */
    char (*phones)[PHONE_SZ];
    size_t nphones;
    bool has_booking;
    long lead, horizon, step;
    bool has_services, has_techs, has_hours, has_closures;
    imp_service_t *services;
    size_t nservices;
    imp_tech_t *techs;
    size_t ntechs;
    interval_t hours[7][8];
    int nhours[7];
    imp_closure_t *closures;
    size_t nclosures;
} import_t;

static void import_deinit(import_t *im)
{
    for (size_t i = 0; i < im->nservices; i++)
        free(im->services[i].aliases);
    for (size_t i = 0; i < im->ntechs; i++)
        free(im->techs[i].skills);
    free(im->services);
    free(im->techs);
    free(im->closures);
    free(im->phones);
    json_decref(im->root);
}

/* Refuses keys outside `known` (NULL-terminated): a typo would otherwise be ignored silently. */
static bool only_keys(const char *cmd, json_t *obj, const char *path, const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok) {
            eng_buf_t list;
            eng_buf_init(&list);
            for (const char *const *k = known; *k; k++)
                eng_buf_printf(&list, "%s%s", k == known ? "" : ", ", *k);
            cli_fail(cmd, "%s%s%s: unknown field (expected one of: %s)", path, *path ? "." : "",
                     key, eng_buf_cstr(&list));
            eng_buf_deinit(&list);
            return false;
        }
    }
    return true;
}

/* A string field: required or optional; *out NULL when absent or null. */
static bool jstring(const char *cmd, json_t *obj, const char *path, const char *key, bool required,
                    const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            cli_fail(cmd, "%s.%s: missing (a string is required)", path, key);
        return !required;
    }
    if (!json_is_string(v)) {
        cli_fail(cmd, "%s.%s: must be a string", path, key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static bool jint(const char *cmd, json_t *obj, const char *path, const char *key, long lo, long hi,
                 bool required, long dflt, long *out)
{
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v || json_is_null(v)) {
        if (required)
            cli_fail(cmd, "%s.%s: missing (a whole number from %ld to %ld)", path, key, lo, hi);
        return !required;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        cli_fail(cmd, "%s.%s: must be a whole number from %ld to %ld", path, key, lo, hi);
        return false;
    }
    *out = (long)json_integer_value(v);
    return true;
}

static bool jbool(const char *cmd, json_t *obj, const char *path, const char *key, bool dflt,
                  bool *out)
{
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_boolean(v)) {
        cli_fail(cmd, "%s.%s: must be true or false", path, key);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/* An array of strings (each checked by `ok` when given) as compact JSON text. */
static bool jstrings(const char *cmd, json_t *obj, const char *path, const char *key,
                     bool (*ok)(const char *), const char *what, char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        *out = eng_xstrdup("[]");
        return true;
    }
    if (!json_is_array(v)) {
        cli_fail(cmd, "%s.%s: must be an array of strings", path, key);
        return false;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) || (ok && !ok(json_string_value(e))) ||
            (!ok && blank(json_string_value(e)))) {
            cli_fail(cmd, "%s.%s[%zu]: must be %s", path, key, i, what);
            return false;
        }
    }
    *out = json_dumps(v, JSON_COMPACT);
    return true;
}

static bool import_tenant(const char *cmd, import_t *im)
{
    static const char *const keys[] = {"id",       "name",     "industry",     "timezone",
                                       "language", "greeting", "instructions", NULL};
    json_t *t = json_object_get(im->root, "tenant");
    if (!json_is_object(t)) {
        cli_fail(cmd, "tenant: missing (an object with name, industry, timezone, language)");
        return false;
    }
    if (!only_keys(cmd, t, "tenant", keys) || !jstring(cmd, t, "tenant", "id", false, &im->id) ||
        !jstring(cmd, t, "tenant", "name", true, &im->name) ||
        !jstring(cmd, t, "tenant", "industry", true, &im->industry) ||
        !jstring(cmd, t, "tenant", "timezone", true, &im->timezone) ||
        !jstring(cmd, t, "tenant", "language", true, &im->language))
        return false;
    if (im->id && !uuid_valid(im->id)) {
        cli_fail(cmd, "tenant.id: '%s' is not a tenant id (a UUID)", im->id);
        return false;
    }
    if (!name_ok(im->name) || utf8_len(im->name) > 200) {
        cli_fail(cmd, "tenant.name: must be 1 to 200 characters");
        return false;
    }
    sch_industry_t ind;
    if (!sch_industry_parse(im->industry, &ind)) {
        cli_fail(cmd, "tenant.industry: '%s' is not hvac, plumbing or electrical", im->industry);
        return false;
    }
    sch_lang_t lang;
    if (!sch_lang_parse(im->language, &lang)) {
        cli_fail(cmd, "tenant.language: '%s' is not en, es or bilingual", im->language);
        return false;
    }
    act_avail_t *probe = NULL;
    act_avail_rules_t rules = {.lead_time_min = 0, .horizon_days = 1, .slot_step_min = 60};
    if (act_avail_new(im->timezone, &rules, &probe) != ENG_OK) {
        cli_fail(cmd, "tenant.timezone: '%s' is not an IANA time zone (e.g. America/Chicago)",
                 im->timezone);
        return false;
    }
    act_avail_free(probe);
    im->greeting = json_object_get(t, "greeting");
    im->instructions = json_object_get(t, "instructions");
    if ((im->greeting && !json_is_string(im->greeting) && !json_is_null(im->greeting)) ||
        (im->greeting && json_is_string(im->greeting) &&
         utf8_len(json_string_value(im->greeting)) > 500)) {
        cli_fail(cmd, "tenant.greeting: must be a string of at most 500 characters, or null");
        return false;
    }
    if ((im->instructions && !json_is_string(im->instructions) &&
         !json_is_null(im->instructions)) ||
        (im->instructions && json_is_string(im->instructions) &&
         utf8_len(json_string_value(im->instructions)) > 4000)) {
        cli_fail(cmd, "tenant.instructions: must be a string of at most 4000 characters, or null");
        return false;
    }
    return true;
}

static bool import_phones(const char *cmd, import_t *im)
{
    json_t *arr = json_object_get(im->root, "phone_numbers");
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 16) {
        cli_fail(cmd, "phone_numbers: must be an array of 1 to 16 phone numbers");
        return false;
    }
    im->phones = eng_xcalloc(json_array_size(arr), sizeof(*im->phones));
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (!json_is_string(e) ||
            sch_phone_normalize(json_string_value(e), im->phones[i], PHONE_SZ) != ENG_OK) {
            cli_fail(cmd,
                     "phone_numbers[%zu]: not a valid phone number (E.164 such as "
                     "+15125550142)",
                     i);
            return false;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(im->phones[k], im->phones[i]) == 0) {
                cli_fail(cmd, "phone_numbers[%zu]: %s is listed twice", i, im->phones[i]);
                return false;
            }
        }
        im->nphones++;
    }
    return true;
}

static bool import_booking(const char *cmd, import_t *im)
{
    static const char *const keys[] = {"lead_time_minutes", "horizon_days", "slot_minutes", NULL};
    json_t *b = json_object_get(im->root, "booking");
    if (!b)
        return true;
    if (!json_is_object(b)) {
        cli_fail(cmd, "booking: must be an object");
        return false;
    }
    im->has_booking = true;
    return only_keys(cmd, b, "booking", keys) &&
           jint(cmd, b, "booking", "lead_time_minutes", 0, 10080, false, 120, &im->lead) &&
           jint(cmd, b, "booking", "horizon_days", 1, 90, false, 14, &im->horizon) &&
           jint(cmd, b, "booking", "slot_minutes", 5, 480, false, 60, &im->step);
}

static bool skill_ok_cb(const char *s)
{
    return skill_ok(s);
}

static bool import_services(const char *cmd, import_t *im)
{
    static const char *const keys[] = {"name",           "name_es", "aliases",   "duration_minutes",
                                       "buffer_minutes", "skill",   "emergency", NULL};
    json_t *arr = json_object_get(im->root, "services");
    if (!arr)
        return true;
    if (!json_is_array(arr)) {
        cli_fail(cmd, "services: must be an array");
        return false;
    }
    im->has_services = true;
    im->services = eng_xcalloc(json_array_size(arr) + 1, sizeof(*im->services));
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s)
    {
        char path[48];
        snprintf(path, sizeof(path), "services[%zu]", i);
        imp_service_t *v = &im->services[im->nservices++];
        if (!json_is_object(s)) {
            cli_fail(cmd, "%s: must be an object", path);
            return false;
        }
        if (!only_keys(cmd, s, path, keys) || !jstring(cmd, s, path, "name", true, &v->name) ||
            !jstring(cmd, s, path, "name_es", false, &v->name_es) ||
            !jstring(cmd, s, path, "skill", false, &v->skill) ||
            !jint(cmd, s, path, "duration_minutes", 5, 1440, true, 0, &v->duration) ||
            !jint(cmd, s, path, "buffer_minutes", 0, 480, false, 0, &v->buffer) ||
            !jbool(cmd, s, path, "emergency", false, &v->emergency) ||
            !jstrings(cmd, s, path, "aliases", NULL, "a non-empty string", &v->aliases))
            return false;
        if (!name_ok(v->name)) {
            cli_fail(cmd, "%s.name: must be 1 to %d characters", path, MAX_NAME);
            return false;
        }
        if (v->name_es && !name_ok(v->name_es)) {
            cli_fail(cmd, "%s.name_es: must be 1 to %d characters", path, MAX_NAME);
            return false;
        }
        if (v->skill && !skill_ok(v->skill)) {
            cli_fail(cmd, "%s.skill: '%s' must be a lower-case token such as hvac", path, v->skill);
            return false;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcasecmp(im->services[k].name, v->name) == 0) {
                cli_fail(cmd, "%s.name: '%s' is listed twice", path, v->name);
                return false;
            }
        }
        v->order = (long)i;
    }
    return true;
}

static bool import_techs(const char *cmd, import_t *im)
{
    static const char *const keys[] = {"name", "phone", "skills", "active", NULL};
    json_t *arr = json_object_get(im->root, "technicians");
    if (!arr)
        return true;
    if (!json_is_array(arr)) {
        cli_fail(cmd, "technicians: must be an array");
        return false;
    }
    im->has_techs = true;
    im->techs = eng_xcalloc(json_array_size(arr) + 1, sizeof(*im->techs));
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t)
    {
        char path[48];
        const char *phone = NULL;
        snprintf(path, sizeof(path), "technicians[%zu]", i);
        imp_tech_t *v = &im->techs[im->ntechs++];
        if (!json_is_object(t)) {
            cli_fail(cmd, "%s: must be an object", path);
            return false;
        }
        if (!only_keys(cmd, t, path, keys) || !jstring(cmd, t, path, "name", true, &v->name) ||
            !jstring(cmd, t, path, "phone", true, &phone) ||
            !jbool(cmd, t, path, "active", true, &v->active) ||
            !jstrings(cmd, t, path, "skills", skill_ok_cb, "a lower-case skill token such as hvac",
                      &v->skills))
            return false;
        if (!name_ok(v->name)) {
            cli_fail(cmd, "%s.name: must be 1 to %d characters", path, MAX_NAME);
            return false;
        }
        if (sch_phone_normalize(phone, v->phone, PHONE_SZ) != ENG_OK) {
            cli_fail(cmd, "%s.phone: '%s' is not a valid phone number", path, phone);
            return false;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcasecmp(im->techs[k].name, v->name) == 0) {
                cli_fail(cmd, "%s.name: '%s' is listed twice", path, v->name);
                return false;
            }
        }
    }
    return true;
}

static bool import_hours(const char *cmd, import_t *im)
{
    json_t *obj = json_object_get(im->root, "hours");
    if (!obj)
        return true;
    if (!json_is_object(obj)) {
        cli_fail(cmd, "hours: must be an object such as {\"mon-fri\": \"08:00-17:00\"}");
        return false;
    }
    im->has_hours = true;
    unsigned seen = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        unsigned mask = 0;
        if (!days_parse(key, &mask)) {
            cli_fail(cmd, "hours.%s: not a day or a range of days (monday, mon-fri, daily)", key);
            return false;
        }
        if (mask & seen) {
            cli_fail(cmd, "hours.%s: a day is given twice", key);
            return false;
        }
        seen |= mask;
        eng_buf_t ranges;
        eng_buf_init(&ranges);
        bool ok = true;
        if (json_is_string(v)) {
            eng_buf_puts(&ranges, json_string_value(v));
        } else if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                ok = ok && json_is_string(e);
                if (ok)
                    eng_buf_printf(&ranges, "%s%s", i ? "," : "", json_string_value(e));
            }
            if (json_array_size(v) == 0)
                eng_buf_puts(&ranges, "closed");
        } else {
            ok = false;
        }
        interval_t ivs[8];
        int n = 0;
        ok = ok && ranges_parse(eng_buf_cstr(&ranges), ivs, 8, &n);
        eng_buf_deinit(&ranges);
        if (!ok) {
            cli_fail(cmd,
                     "hours.%s: must be \"08:00-17:00\", a list of such ranges without "
                     "overlaps, or \"closed\"",
                     key);
            return false;
        }
        for (int d = 0; d < 7; d++) {
            if (mask & (1u << d)) {
                memcpy(im->hours[d], ivs, sizeof(ivs));
                im->nhours[d] = n;
            }
        }
    }
    return true;
}

static bool import_closures(const char *cmd, import_t *im)
{
    static const char *const keys[] = {"from", "to", "reason", NULL};
    json_t *arr = json_object_get(im->root, "closures");
    if (!arr)
        return true;
    if (!json_is_array(arr)) {
        cli_fail(cmd, "closures: must be an array");
        return false;
    }
    im->has_closures = true;
    im->closures = eng_xcalloc(json_array_size(arr) + 1, sizeof(*im->closures));
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
    {
        char path[48];
        int from = 0, to = 0;
        snprintf(path, sizeof(path), "closures[%zu]", i);
        imp_closure_t *v = &im->closures[im->nclosures++];
        if (!json_is_object(c)) {
            cli_fail(cmd, "%s: must be an object", path);
            return false;
        }
        if (!only_keys(cmd, c, path, keys) || !jstring(cmd, c, path, "from", true, &v->from) ||
            !jstring(cmd, c, path, "to", false, &v->to) ||
            !jstring(cmd, c, path, "reason", false, &v->reason))
            return false;
        if (!v->to)
            v->to = v->from;
        if (!act_ymd_parse(v->from, &from)) {
            cli_fail(cmd, "%s.from: '%s' is not a date (YYYY-MM-DD)", path, v->from);
            return false;
        }
        if (!act_ymd_parse(v->to, &to) || to < from) {
            cli_fail(cmd, "%s.to: '%s' is not a date (YYYY-MM-DD) on or after from", path, v->to);
            return false;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(im->closures[k].from, v->from) == 0 &&
                strcmp(im->closures[k].to, v->to) == 0) {
                cli_fail(cmd, "%s: the same dates are listed twice", path);
                return false;
            }
        }
    }
    return true;
}

static bool import_read(const char *cmd, const char *file, import_t *im)
{
    static const char *const keys[] = {"tenant",      "phone_numbers", "booking",  "services",
                                       "technicians", "hours",         "closures", NULL};
    json_error_t err;
    im->root = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
    if (!im->root) {
        if (err.line > 0)
            cli_fail(cmd, "%s:%d:%d: %s", file, err.line, err.column, err.text);
        else
            cli_fail(cmd, "%s: %s", file, err.text);
        return false;
    }
    if (!json_is_object(im->root)) {
        cli_fail(cmd, "%s: the top level must be an object", file);
        return false;
    }
    return only_keys(cmd, im->root, "", keys) && import_tenant(cmd, im) && import_phones(cmd, im) &&
           import_booking(cmd, im) && import_services(cmd, im) && import_techs(cmd, im) &&
           import_hours(cmd, im) && import_closures(cmd, im);
}

/* ------------------------------------------------------------------ import: writing */

/* Finds the tenant the file describes; refuses numbers owned by someone else. */
static int import_find(cli_db_t *db, import_t *im, char tenant[37], bool *created)
{
    *created = false;
    tenant[0] = '\0';
    if (im->id) {
        int rc = tenant_check(db, im->id, tenant);
        if (rc != CLI_SETUP_EXIT_OK)
            return rc;
    }
    for (size_t i = 0; i < im->nphones; i++) {
        const char *p[] = {im->phones[i]};
        PGresult *res =
            cli_db_exec(db,
                        "SELECT n.tenant_id::text, t.name FROM phone_numbers n JOIN tenants t "
                        "ON t.id = n.tenant_id WHERE n.number = $1 FOR UPDATE OF n",
                        1, p);
        if (!res) {
            cli_fail(db->cmd, "Postgres refused: %s", db->error);
            return CLI_SETUP_EXIT_REFUSED;
        }
        if (PQntuples(res) == 1) {
            const char *owner = PQgetvalue(res, 0, 0);
            if (tenant[0] && strcmp(owner, tenant) != 0) {
                cli_fail(db->cmd,
                         "phone_numbers[%zu]: %s belongs to another tenant, %s (%s); "
                         "release it first with `serviceai phone remove %s`",
                         i, im->phones[i], PQgetvalue(res, 0, 1), owner, im->phones[i]);
                PQclear(res);
                return CLI_SETUP_EXIT_REFUSED;
            }
            snprintf(tenant, 37, "%s", owner);
        }
        PQclear(res);
    }
    const char *p[] = {im->name, im->industry, im->timezone, im->language, tenant};
    PGresult *res;
    if (tenant[0]) {
        res = cli_db_exec(db,
                          "UPDATE tenants SET name = btrim($1), industry = $2, timezone = $3, "
                          "language = $4 WHERE id = $5::uuid RETURNING id",
                          5, p);
    } else {
        res = cli_db_exec(db,
                          "INSERT INTO tenants (name, industry, timezone, language) "
                          "VALUES (btrim($1), $2, $3, $4) RETURNING id",
                          4, p);
        *created = true;
    }
    if (!res || PQntuples(res) != 1) {
        cli_fail(db->cmd, "Postgres refused the tenant: %s", db->error);
        if (res)
            PQclear(res);
        return CLI_SETUP_EXIT_REFUSED;
    }
    snprintf(tenant, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return CLI_SETUP_EXIT_OK;
}

static const char *json_text_or_null(json_t *v)
{
    return v && json_is_string(v) && !blank(json_string_value(v)) ? json_string_value(v) : NULL;
}

/*
 * An import lists every service (or technician) the tenant has: the ones of `table` whose
 * names are not in `names` are deactivated, never deleted (appointments refer to them), and
 * reported in summary as "<table>_deactivated". Consumes names. table is one of ours, never
 * input.
 */
static bool deactivate_missing(cli_db_t *db, const char *table, const char *tenant, json_t *names,
                               json_t *summary)
{
    char *names_text = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    char sql[320], key[64];
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET active = false WHERE tenant_id = $1::uuid AND active AND lower(name) "
             "NOT IN (SELECT lower(n) FROM jsonb_array_elements_text($2::jsonb) n) RETURNING name",
             table);
    const char *p[] = {tenant, names_text};
    PGresult *res = cli_db_exec(db, sql, 2, p);
    free(names_text);
    if (!res) {
        cli_fail(db->cmd, "%s: Postgres refused: %s", table, db->error);
        return false;
    }
    snprintf(key, sizeof(key), "%s_deactivated", table);
    json_object_set_new(summary, key, rows_json(res));
    PQclear(res);
    return true;
}

static bool import_write(cli_db_t *db, import_t *im, const char *tenant, json_t *summary)
{
    const char *pt[] = {tenant};
    /* assistant settings: only the keys the file has */
    if (im->greeting || im->instructions) {
        const char *p[] = {tenant, im->greeting ? "t" : "f", json_text_or_null(im->greeting),
                           im->instructions ? "t" : "f", json_text_or_null(im->instructions)};
        if (!cli_db_do(
                db,
                "INSERT INTO assistant_settings AS s (tenant_id, greeting, extra_instructions) "
                "VALUES ($1::uuid, $3, $5) ON CONFLICT (tenant_id) DO UPDATE SET "
                "greeting = CASE WHEN $2::boolean THEN $3 ELSE s.greeting END, "
                "extra_instructions = CASE WHEN $4::boolean THEN $5 "
                "ELSE s.extra_instructions END",
                5, p))
            return false;
    }
    json_t *added = json_array();
    json_object_set_new(summary, "phone_numbers_added", added);
    for (size_t i = 0; i < im->nphones; i++) {
        const char *p[] = {im->phones[i], tenant};
        PGresult *res = cli_db_exec(db,
                                    "INSERT INTO phone_numbers (number, tenant_id) VALUES ($1, "
                                    "$2::uuid) ON CONFLICT (number) DO NOTHING RETURNING number",
                                    2, p);
        if (!res) {
            cli_fail(db->cmd, "phone_numbers[%zu]: Postgres refused: %s", i, db->error);
            return false;
        }
        if (PQntuples(res) == 1)
            json_array_append_new(added, json_string(im->phones[i]));
        PQclear(res);
    }
    if (im->has_booking) {
        char lead[16], horizon[16], step[16];
        snprintf(lead, sizeof(lead), "%ld", im->lead);
        snprintf(horizon, sizeof(horizon), "%ld", im->horizon);
        snprintf(step, sizeof(step), "%ld", im->step);
        const char *p[] = {tenant, lead, horizon, step};
        if (!cli_db_do(
                db,
                "INSERT INTO booking_settings (tenant_id, lead_time_min, horizon_days, "
                "slot_step_min) VALUES ($1::uuid, $2::int, $3::int, $4::int) "
                "ON CONFLICT (tenant_id) DO UPDATE SET lead_time_min = EXCLUDED.lead_time_min,"
                " horizon_days = EXCLUDED.horizon_days, slot_step_min = "
                "EXCLUDED.slot_step_min "
                "WHERE (booking_settings.lead_time_min, booking_settings.horizon_days, "
                "booking_settings.slot_step_min) IS DISTINCT FROM (EXCLUDED.lead_time_min, "
                "EXCLUDED.horizon_days, EXCLUDED.slot_step_min)",
                4, p))
            return false;
    }
    if (im->has_services) {
        json_t *names = json_array();
        for (size_t i = 0; i < im->nservices; i++) {
            imp_service_t *s = &im->services[i];
            char dur[16], buf[16], ord[16];
            snprintf(dur, sizeof(dur), "%ld", s->duration);
            snprintf(buf, sizeof(buf), "%ld", s->buffer);
            snprintf(ord, sizeof(ord), "%ld", s->order);
            const char *p[] = {tenant,
                               s->name,
                               s->name_es,
                               s->aliases,
                               dur,
                               buf,
                               s->emergency ? "true" : "false",
                               s->skill,
                               ord};
            PGresult *res = cli_db_exec(
                db,
                "INSERT INTO services AS s (tenant_id, name, name_es, aliases, duration_min, "
                "buffer_min, is_emergency, skill, sort_order) VALUES ($1::uuid, btrim($2), "
                "nullif(btrim($3), ''), ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), "
                "$5::int, $6::int, $7::boolean, $8, $9::int) "
                "ON CONFLICT (tenant_id, lower(name)) DO UPDATE SET name = EXCLUDED.name, "
                "name_es = EXCLUDED.name_es, aliases = EXCLUDED.aliases, duration_min = "
                "EXCLUDED.duration_min, buffer_min = EXCLUDED.buffer_min, is_emergency = "
                "EXCLUDED.is_emergency, skill = EXCLUDED.skill, sort_order = "
                "EXCLUDED.sort_order, active = true "
                "WHERE (s.name, s.name_es, s.aliases, s.duration_min, s.buffer_min, "
                "s.is_emergency, s.skill, s.sort_order, s.active) IS DISTINCT FROM "
                "(EXCLUDED.name, EXCLUDED.name_es, EXCLUDED.aliases, EXCLUDED.duration_min, "
                "EXCLUDED.buffer_min, EXCLUDED.is_emergency, EXCLUDED.skill, "
                "EXCLUDED.sort_order, true) RETURNING id",
                9, p);
            if (!res) {
                cli_fail(db->cmd, "services[%zu]: Postgres refused: %s", i, db->error);
                json_decref(names);
                return false;
            }
            PQclear(res);
            json_array_append_new(names, json_string(s->name));
        }
        if (!deactivate_missing(db, "services", tenant, names, summary))
            return false;
    }
    if (im->has_techs) {
        json_t *names = json_array();
        for (size_t i = 0; i < im->ntechs; i++) {
            imp_tech_t *t = &im->techs[i];
            const char *p[] = {tenant, t->name, t->phone, t->skills, t->active ? "true" : "false"};
            PGresult *res = cli_db_exec(
                db,
                "INSERT INTO technicians AS t (tenant_id, name, phone, skills, active) "
                "VALUES ($1::uuid, btrim($2), $3, "
                "ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), $5::boolean) "
                "ON CONFLICT (tenant_id, lower(name)) DO UPDATE SET name = EXCLUDED.name, "
                "phone = EXCLUDED.phone, skills = EXCLUDED.skills, active = EXCLUDED.active "
                "WHERE (t.name, t.phone, t.skills, t.active) IS DISTINCT FROM "
                "(EXCLUDED.name, EXCLUDED.phone, EXCLUDED.skills, EXCLUDED.active) RETURNING id",
                5, p);
            if (!res) {
                cli_fail(db->cmd, "technicians[%zu]: Postgres refused: %s", i, db->error);
                json_decref(names);
                return false;
            }
            PQclear(res);
            json_array_append_new(names, json_string(t->name));
        }
        if (!deactivate_missing(db, "technicians", tenant, names, summary))
            return false;
    }
    if (im->has_hours) {
        if (!cli_db_do(db, "DELETE FROM business_hours WHERE tenant_id = $1::uuid", 1, pt))
            return false;
        for (int d = 0; d < 7; d++) {
            for (int k = 0; k < im->nhours[d]; k++) {
                if (!hours_insert(db, tenant, d, im->hours[d][k].open, im->hours[d][k].close))
                    return false;
            }
        }
    }
    if (im->has_closures) {
        json_t *keep = json_array();
        for (size_t i = 0; i < im->nclosures; i++) {
            imp_closure_t *c = &im->closures[i];
            const char *p[] = {tenant, c->from, c->to, c->reason ? c->reason : ""};
            if (!cli_db_do(
                    db,
                    "INSERT INTO closures AS c (tenant_id, starts_on, ends_on, reason) VALUES "
                    "($1::uuid, $2::date, $3::date, btrim($4)) ON CONFLICT (tenant_id, "
                    "starts_on, ends_on) DO UPDATE SET reason = EXCLUDED.reason "
                    "WHERE c.reason IS DISTINCT FROM EXCLUDED.reason",
                    4, p)) {
                json_decref(keep);
                return false;
            }
            json_t *pair = json_pack("[ss]", c->from, c->to);
            json_array_append_new(keep, pair);
        }
        char *keep_text = json_dumps(keep, JSON_COMPACT);
        const char *p[] = {tenant, keep_text};
        bool ok = cli_db_do(db,
                            "DELETE FROM closures WHERE tenant_id = $1::uuid AND (starts_on::text, "
                            "ends_on::text) NOT IN (SELECT e->>0, e->>1 FROM "
                            "jsonb_array_elements($2::jsonb) e)",
                            2, p);
        free(keep_text);
        json_decref(keep);
        if (!ok)
            return false;
    }
    return true;
}

static int tenant_import(int argc, char **argv)
{
    const char *cmd = "tenant import";
    args_t a;
    cli_db_t db = {0};
    import_t im;
    json_t *summary = NULL;
    char tenant[37];
    bool created = false;
    int rc = CLI_SETUP_EXIT_USAGE;
    memset(&im, 0, sizeof(im));
    if (!args_parse(&a, cmd, argc, argv, 2, NULL, NULL, 1))
        goto out;
    if (a.help) {
        fputs(import_usage, stdout);
        rc = CLI_SETUP_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "missing FILE (see --help)");
        goto out;
    }
    if (!import_read(cmd, a.pos[0], &im))
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    if ((rc = import_find(&db, &im, tenant, &created)) != CLI_SETUP_EXIT_OK)
        goto out;
    rc = CLI_SETUP_EXIT_REFUSED;
    summary = json_object();
    json_object_set_new(summary, "tenant_id", json_string(tenant));
    json_object_set_new(summary, "created", json_boolean(created));
    if (!import_write(&db, &im, tenant, summary))
        goto out;
    const char *pt[] = {tenant};
    PGresult *res = cli_db_exec(
        &db,
        "SELECT (SELECT count(*) FROM services WHERE tenant_id = $1::uuid AND active) AS services,"
        " (SELECT count(*) FROM technicians WHERE tenant_id = $1::uuid AND active) AS "
        "technicians, (SELECT count(*) FROM business_hours WHERE tenant_id = $1::uuid) AS "
        "opening_intervals, (SELECT count(*) FROM closures WHERE tenant_id = $1::uuid) AS "
        "closures, (SELECT to_jsonb(array_agg(number ORDER BY number)) FROM phone_numbers "
        "WHERE tenant_id = $1::uuid) AS phone_numbers",
        1, pt);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    json_t *counts = row_json(res, 0);
    PQclear(res);
    json_object_update(summary, counts);
    json_decref(counts);
    if (!cli_db_commit(&db))
        goto out;
    /* after COMMIT: the profile and any newly routed number */
    const char **keys = eng_xcalloc(im.nphones + 1, sizeof(*keys));
    char **owned = eng_xcalloc(im.nphones + 1, sizeof(*owned));
    size_t nkeys = 0;
    char tkey[64];
    snprintf(tkey, sizeof(tkey), "tenant:%s", tenant);
    keys[nkeys++] = tkey;
    for (size_t i = 0; i < im.nphones; i++) {
        eng_buf_t k;
        eng_buf_init(&k);
        eng_buf_printf(&k, "phone:%s", im.phones[i]);
        owned[i] = eng_buf_steal(&k, NULL);
        keys[nkeys++] = owned[i];
    }
    cache_drop(cmd, keys, nkeys);
    for (size_t i = 0; i < im.nphones; i++)
        free(owned[i]);
    free(owned);
    free(keys);
    print_json(summary);
    rc = CLI_SETUP_EXIT_OK;
out:
    if (rc != CLI_SETUP_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(summary);
    import_deinit(&im);
    return rc;
}

/* ------------------------------------------------------------------ dispatch */

static int word_usage(const char *word, const char *usage, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_SETUP_EXIT_USAGE : CLI_SETUP_EXIT_OK;
    }
    cli_fail(word, "unknown subcommand '%s' (see `serviceai %s --help`)", argv[1], word);
    return CLI_SETUP_EXIT_USAGE;
}

bool cli_setup_handles(int argc, char **argv)
{
    if (argc < 1 || !argv[0])
        return false;
    static const char *const words[] = {"service", "tech", "hours", "closure", "booking"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(argv[0], words[i]) == 0)
            return true;
    }
    return strcmp(argv[0], "tenant") == 0 && argc >= 2 && strcmp(argv[1], "import") == 0;
}

int cli_setup_main(int argc, char **argv)
{
    if (argc < 1 || !argv[0])
        return CLI_SETUP_EXIT_USAGE;
    const char *word = argv[0];
    const char *sub = argc >= 2 ? argv[1] : "";
    if (strcmp(word, "tenant") == 0) {
        if (strcmp(sub, "import") == 0)
            return tenant_import(argc, argv);
        return word_usage("tenant", import_usage, argc, argv);
    }
    if (strcmp(word, "service") == 0) {
        if (strcmp(sub, "add") == 0)
            return service_add(argc, argv);
        if (strcmp(sub, "list") == 0)
            return list_rows(argc, argv, "service list", service_usage,
                             "SELECT " SERVICE_COLS " FROM services WHERE tenant_id = $1::uuid "
                             "ORDER BY active DESC, sort_order, name");
        if (strcmp(sub, "remove") == 0)
            return deactivate(argc, argv, "service remove", service_usage, "services", "service",
                              true);
        return word_usage(word, service_usage, argc, argv);
    }
    if (strcmp(word, "tech") == 0) {
        if (strcmp(sub, "add") == 0)
            return tech_add(argc, argv);
        if (strcmp(sub, "list") == 0)
            return list_rows(argc, argv, "tech list", tech_usage,
                             "SELECT " TECH_COLS " FROM technicians WHERE tenant_id = $1::uuid "
                             "ORDER BY active DESC, name");
        if (strcmp(sub, "remove") == 0)
            return deactivate(argc, argv, "tech remove", tech_usage, "technicians", "technician",
                              false);
        return word_usage(word, tech_usage, argc, argv);
    }
    if (strcmp(word, "hours") == 0) {
        if (strcmp(sub, "set") == 0)
            return hours_set(argc, argv);
        if (strcmp(sub, "show") == 0)
            return hours_show(argc, argv);
        return word_usage(word, hours_usage, argc, argv);
    }
    if (strcmp(word, "closure") == 0) {
        if (strcmp(sub, "add") == 0)
            return closure_change(argc, argv, true);
        if (strcmp(sub, "remove") == 0)
            return closure_change(argc, argv, false);
        if (strcmp(sub, "list") == 0)
            return list_rows(argc, argv, "closure list", closure_usage,
                             "SELECT " CLOSURE_COLS " FROM closures WHERE tenant_id = $1::uuid "
                             "ORDER BY starts_on");
        return word_usage(word, closure_usage, argc, argv);
    }
    if (strcmp(word, "booking") == 0) {
        if (strcmp(sub, "set") == 0)
            return booking_rules(argc, argv, true);
        if (strcmp(sub, "show") == 0)
            return booking_rules(argc, argv, false);
        return word_usage(word, booking_usage, argc, argv);
    }
    cli_fail(word, "not a setup command");
    return CLI_SETUP_EXIT_USAGE;
}
