/*
 * cli_tenant: `serviceai tenant ...` and `serviceai phone ...`, the
 * onboarding CLI (see cli_tenant.h). Main thread of a short-lived process:
 * blocking libpq and hiredis are right here and nowhere near the loop.
 *
 * Every command runs in one Postgres transaction that sets app.scope =
 * 'platform' locally (docs/tenancy.md): onboarding is cross-tenant by nature
 * (it must see who owns a number before giving it away). Checks happen
 * inside that transaction and the unique key on phone_numbers.number is the
 * backstop for a concurrent onboarding of the same number, so a refused
 * command leaves nothing behind.
 */
#include "cli_tenant.h"
#include "cli_db.h"

#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_redis.h"
#include "sch_call.h"
#include "sch_tenant.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <unicode/ucal.h>
#include <unicode/uenum.h>
#include <unicode/ustring.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#define CLI_DEFAULT_REDIS_URL "redis://127.0.0.1:6379/0"
#define CLI_PHONE_SZ 20       /* E.164: '+', at most 15 digits, NUL */
#define CLI_MAX_PHONES 16     /* --phone given more often is a typo, not a business */
#define CLI_NAME_MAX 200      /* characters */
#define CLI_GREETING_MAX 500  /* spoken first message: a sentence or two */
#define CLI_INSTRUCT_MAX 4000 /* appended to the system prompt */

/* ------------------------------------------------------------------ messages */

/* Characters, not bytes: names like "Plomería Díaz" are UTF-8. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool is_blank(const char *s)
{
    for (; s && *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    }
    return true;
}

static bool uuid_valid(const char *s)
{
    static const char hex[] = "0123456789abcdefABCDEF";
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!strchr(hex, s[i])) {
            return false;
        }
    }
    return true;
}

/*
 * A zone is accepted when ICU knows it as a system zone (IANA ids and their
 * aliases, "America/Chicago", "US/Central"): availability, hours and on-call
 * shifts are computed with ICU, so a zone it does not know could never work.
 */
static bool timezone_known(const char *tz)
{
    UChar id[128];
    UChar canonical[128];
    size_t len = strlen(tz);
    if (len == 0 || len >= 128)
        return false;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)tz[i] >= 0x80)
            return false; /* zone ids are ASCII; u_uastrcpy would guess a codepage */
    }
    u_uastrcpy(id, tz);
    UErrorCode status = U_ZERO_ERROR;
    UBool system_id = 0;
    ucal_getCanonicalTimeZoneID(id, (int32_t)len, canonical, 128, &system_id, &status);
    if (U_FAILURE(status) || !system_id)
        return false;
    return strcmp(tz, "Etc/Unknown") != 0;
}

/* Zone ids are case-sensitive; "america/chicago" gets "America/Chicago" suggested. */
static bool timezone_suggest(const char *tz, char *out, size_t outsz)
{
    UErrorCode status = U_ZERO_ERROR;
    UEnumeration *zones = ucal_openTimeZones(&status);
    bool found = false;
    if (U_FAILURE(status))
        return false;
    const char *id;
    int32_t len;
    while (!found && (id = uenum_next(zones, &len, &status)) != NULL && U_SUCCESS(status)) {
        if (strcasecmp(id, tz) == 0 && timezone_known(id)) {
            snprintf(out, outsz, "%s", id);
            found = true;
        }
    }
    uenum_close(zones);
    return found;
}

/* ------------------------------------------------------------------ arguments */

enum {
    OPT_NAME = 1u << 0,
    OPT_INDUSTRY = 1u << 1,
    OPT_PHONE = 1u << 2,
    OPT_TIMEZONE = 1u << 3,
    OPT_LANGUAGE = 1u << 4,
    OPT_GREETING = 1u << 5,
    OPT_INSTRUCTIONS = 1u << 6,
    OPT_JSON = 1u << 7,
    OPT_VAPI_ID = 1u << 8,
};

typedef struct cli_args {
    const char *pos[2];
    int npos;
    const char *name;
    const char *industry;
    const char *timezone;
    const char *language;
    const char *greeting;
    const char *instructions;
    const char *vapi_id;
    const char *phones[CLI_MAX_PHONES];
    size_t nphones;
    bool json;
    bool help;
} cli_args_t;

static const struct {
    const char *flag;
    unsigned bit;
    bool has_value;
} opt_table[] = {
    {"--name", OPT_NAME, true},
    {"--industry", OPT_INDUSTRY, true},
    {"--phone", OPT_PHONE, true},
    {"--timezone", OPT_TIMEZONE, true},
    {"--language", OPT_LANGUAGE, true},
    {"--greeting", OPT_GREETING, true},
    {"--instructions", OPT_INSTRUCTIONS, true},
    {"--json", OPT_JSON, false},
    {"--vapi-id", OPT_VAPI_ID, true},
};

static const char **opt_slot(cli_args_t *a, unsigned bit)
{
    switch (bit) {
    case OPT_NAME:
        return &a->name;
    case OPT_INDUSTRY:
        return &a->industry;
    case OPT_TIMEZONE:
        return &a->timezone;
    case OPT_LANGUAGE:
        return &a->language;
    case OPT_GREETING:
        return &a->greeting;
    case OPT_INSTRUCTIONS:
        return &a->instructions;
    case OPT_VAPI_ID:
        return &a->vapi_id;
    default:
        return NULL;
    }
}

/*
 * Reads argv[2..] (argv[0] the command, argv[1] the subcommand) into a:
 * options in `allowed` as "--flag value" or "--flag=value", and up to maxpos
 * positional arguments. A value is taken verbatim even when it starts with a
 * dash (a greeting may). Prints the reason and returns false on a bad line.
 */
static bool args_parse(const char *cmd, int argc, char **argv, unsigned allowed, int maxpos,
                       cli_args_t *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = true;
            continue;
        }
        if (arg[0] != '-' || arg[1] == '\0') {
            if (a->npos >= maxpos) {
                cli_fail(cmd, "unexpected argument '%s' (see --help)", arg);
                return false;
            }
            a->pos[a->npos++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t flaglen = eq ? (size_t)(eq - arg) : strlen(arg);
        size_t k = 0;
        size_t nopts = sizeof(opt_table) / sizeof(opt_table[0]);
        while (k < nopts && !(strlen(opt_table[k].flag) == flaglen &&
                              strncmp(opt_table[k].flag, arg, flaglen) == 0))
            k++;
        if (k == nopts || !(allowed & opt_table[k].bit)) {
            cli_fail(cmd, "unknown option '%.*s' (see --help)", (int)flaglen, arg);
            return false;
        }
        const char *flag = opt_table[k].flag;
        unsigned bit = opt_table[k].bit;
        if (!opt_table[k].has_value) {
            if (eq) {
                cli_fail(cmd, "%s takes no value", flag);
                return false;
            }
            a->json = true;
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                cli_fail(cmd, "%s needs a value (see --help)", flag);
                return false;
            }
            value = argv[++i];
        }
        if (bit == OPT_PHONE) {
            if (a->nphones >= CLI_MAX_PHONES) {
                cli_fail(cmd, "at most %d --phone options", CLI_MAX_PHONES);
                return false;
            }
            a->phones[a->nphones++] = value;
            continue;
        }
        const char **slot = opt_slot(a, bit);
        if (*slot) {
            cli_fail(cmd, "%s given twice", flag);
            return false;
        }
        *slot = value;
    }
    return true;
}

static bool require_opt(const char *cmd, const char *value, const char *flag)
{
    if (value)
        return true;
    cli_fail(cmd, "missing %s (see --help)", flag);
    return false;
}

static bool check_text(const char *cmd, const char *flag, const char *value, size_t max)
{
    size_t n = value ? utf8_len(value) : 0;
    if (n <= max)
        return true;
    cli_fail(cmd, "%s is too long (%zu characters, at most %zu)", flag, n, max);
    return false;
}

/* Validates a tenant id and writes it in Postgres's lower-case form (the cache keys use it). */
static bool check_tenant_id(const char *cmd, const char *id, char out[37])
{
    if (!uuid_valid(id)) {
        cli_fail(cmd, "'%s' is not a tenant id (a UUID, as printed by `serviceai tenant list`)",
                 id);
        return false;
    }
    for (int i = 0; i < 36; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[36] = '\0';
    return true;
}

static bool normalize_phone(const char *cmd, const char *in, char out[CLI_PHONE_SZ])
{
    if (sch_phone_normalize(in, out, CLI_PHONE_SZ) == ENG_OK)
        return true;
    cli_fail(cmd,
             "'%s' is not a valid phone number (expected E.164 such as +15125550142, or a "
             "10-digit North American number)",
             in);
    return false;
}

/* ------------------------------------------------------------------ Postgres */

/* The tenant as JSON: one query so show, list and every change print the same shape. */
static const char tenant_select_sql[] =
    "SELECT t.id::text, t.name, t.industry, t.timezone, t.language, t.status,"
    " coalesce((SELECT json_agg(p.number ORDER BY p.number) FROM phone_numbers p"
    "           WHERE p.tenant_id = t.id), '[]'::json)::text,"
    " s.greeting, s.extra_instructions,"
    " to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM tenants t LEFT JOIN assistant_settings s ON s.tenant_id = t.id";

enum {
    COL_ID,
    COL_NAME,
    COL_INDUSTRY,
    COL_TIMEZONE,
    COL_LANGUAGE,
    COL_STATUS,
    COL_NUMBERS,
    COL_GREETING,
    COL_INSTRUCTIONS,
    COL_CREATED_AT,
};

static json_t *text_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static json_t *tenant_json(const PGresult *res, int row)
{
    json_t *numbers = json_loads(PQgetvalue(res, row, COL_NUMBERS), JSON_DECODE_ANY, NULL);
    if (!json_is_array(numbers)) {
        json_decref(numbers);
        numbers = json_array();
    }
    json_t *t = json_object();
    json_object_set_new(t, "id", json_string(PQgetvalue(res, row, COL_ID)));
    json_object_set_new(t, "name", json_string(PQgetvalue(res, row, COL_NAME)));
    json_object_set_new(t, "industry", json_string(PQgetvalue(res, row, COL_INDUSTRY)));
    json_object_set_new(t, "timezone", json_string(PQgetvalue(res, row, COL_TIMEZONE)));
    json_object_set_new(t, "language", json_string(PQgetvalue(res, row, COL_LANGUAGE)));
    json_object_set_new(t, "status", json_string(PQgetvalue(res, row, COL_STATUS)));
    json_object_set_new(t, "phone_numbers", numbers);
    json_object_set_new(t, "greeting", text_or_null(res, row, COL_GREETING));
    json_object_set_new(t, "extra_instructions", text_or_null(res, row, COL_INSTRUCTIONS));
    json_object_set_new(t, "created_at", json_string(PQgetvalue(res, row, COL_CREATED_AT)));
    return t;
}

static void json_print(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
    }
    free(text);
}

/*
 * Loads one tenant (inside the caller's transaction) as JSON. NULL with a
 * message when it does not exist or the query fails; *missing tells which.
 */
static json_t *tenant_load(cli_db_t *db, const char *id, bool *missing)
{
    eng_buf_t sql;
    eng_buf_init(&sql);
    eng_buf_printf(&sql, "%s WHERE t.id = $1", tenant_select_sql);
    const char *params[] = {id};
    json_t *out = NULL;
    *missing = false;
    PGresult *res = cli_db_exec(db, eng_buf_cstr(&sql), 1, params);
    if (!res) {
        cli_fail(db->cmd, "Postgres refused: %s", db->error);
        goto out;
    }
    if (PQntuples(res) == 0) {
        *missing = true;
        cli_fail(db->cmd, "no tenant with id %s (see `serviceai tenant list`)", id);
        goto out;
    }
    out = tenant_json(res, 0);
out:
    PQclear(res);
    eng_buf_deinit(&sql);
    return out;
}

/*
 * Who owns a number: 1 and *owner_id / *owner_name (owned, free()) if
 * someone does, 0 if nobody, -1 on a query failure (printed).
 */
static int phone_owner(cli_db_t *db, const char *number, char **owner_id, char **owner_name)
{
    const char *params[] = {number};
    PGresult *res = cli_db_exec(db,
                                "SELECT t.id::text, t.name FROM phone_numbers p"
                                " JOIN tenants t ON t.id = p.tenant_id WHERE p.number = $1",
                                1, params);
    if (!res) {
        cli_fail(db->cmd, "Postgres refused: %s", db->error);
        return -1;
    }
    int found = PQntuples(res) > 0;
    if (found) {
        *owner_id = eng_xstrdup(PQgetvalue(res, 0, 0));
        *owner_name = eng_xstrdup(PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return found;
}

static void fail_owned(const char *cmd, const char *number, const char *owner_id,
                       const char *owner_name)
{
    cli_fail(cmd, "phone number %s already belongs to tenant %s (%s)", number, owner_name,
             owner_id);
}

/*
 * After a unique violation on the number (another onboarding took it
 * between our check and our insert): the transaction is dead, so look the
 * owner up in a fresh one to say who has it.
 */
static void report_race_owner(cli_db_t *db, const char *number)
{
    char *owner_id = NULL;
    char *owner_name = NULL;
    cli_db_rollback(db);
    if (cli_db_begin_platform(db) && phone_owner(db, number, &owner_id, &owner_name) == 1)
        fail_owned(db->cmd, number, owner_id, owner_name);
    else
        cli_fail(db->cmd, "phone number %s already belongs to another tenant", number);
    cli_db_rollback(db);
    free(owner_id);
    free(owner_name);
}

/* ------------------------------------------------------------------ Redis cache */

typedef struct cli_keys {
    char **keys;
    size_t n;
} cli_keys_t;

static void keys_add(cli_keys_t *k, const char *prefix, const char *value)
{
    if (!value || !*value)
        return;
    eng_buf_t b;
    eng_buf_init(&b);
    eng_buf_printf(&b, "%s%s", prefix, value);
    k->keys = eng_xrealloc(k->keys, (k->n + 1) * sizeof(*k->keys));
    k->keys[k->n++] = eng_buf_steal(&b, NULL);
    eng_buf_deinit(&b);
}

static void keys_deinit(cli_keys_t *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i]);
    free(k->keys);
    memset(k, 0, sizeof(*k));
}

/* Adds phone:<number> and phoneid:<vapi id> for every number of a tenant. */
static bool keys_add_tenant_numbers(cli_db_t *db, cli_keys_t *k, const char *tenant_id)
{
    const char *params[] = {tenant_id};
    PGresult *res = cli_db_exec(
        db, "SELECT number, vapi_phone_number_id FROM phone_numbers WHERE tenant_id = $1", 1,
        params);
    if (!res) {
        cli_fail(db->cmd, "Postgres refused: %s", db->error);
        return false;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        keys_add(k, "phone:", PQgetvalue(res, i, 0));
        keys_add(k, "phoneid:", PQgetvalue(res, i, 1));
    }
    PQclear(res);
    return true;
}

static void cache_warn(const char *cmd, const char *why)
{
    fprintf(stderr,
            "serviceai %s: warning: routing cache not invalidated (%s); cached entries expire "
            "with their TTL\n",
            cmd, why);
}

/*
 * Drops the routing cache keys a change made stale. Runs after COMMIT: a
 * reader that refills the cache between our DEL and a later COMMIT would
 * otherwise cache the old row. Redis being down is a warning only: the
 * entries carry a TTL, and the change is already durable in Postgres.
 */
static void cache_invalidate(const char *cmd, const cli_keys_t *k)
{
    redisContext *rc = NULL;
    redisReply *reply = NULL;
    const char **argv = NULL;
    char host[256];
    char line[512];
    int port = 6379;
    int dbno = 0;
    if (k->n == 0)
        return;
    const char *url = getenv("SERVICEAI_REDIS_URL");
    if (!url || !*url)
        url = CLI_DEFAULT_REDIS_URL;
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
            snprintf(line, sizeof(line), "SELECT %d failed: %s", dbno,
                     reply ? reply->str : rc->errstr);
            cache_warn(cmd, line);
            goto out;
        }
        freeReplyObject(reply);
        reply = NULL;
    }
    argv = eng_xcalloc(k->n + 1, sizeof(*argv));
    argv[0] = "DEL";
    for (size_t i = 0; i < k->n; i++)
        argv[i + 1] = k->keys[i];
    reply = redisCommandArgv(rc, (int)(k->n + 1), argv, NULL);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        snprintf(line, sizeof(line), "DEL failed: %s", reply ? reply->str : rc->errstr);
        cache_warn(cmd, line);
    }
out:
    if (reply)
        freeReplyObject(reply);
    if (rc)
        redisFree(rc);
    free(argv);
}

/* ------------------------------------------------------------------ help */

static const char tenant_usage[] =
    "usage: serviceai tenant COMMAND [ARGS]\n"
    "\n"
    "Onboard and inspect tenants (the businesses whose phones ServiceAI answers).\n"
    "\n"
    "commands:\n"
    "  create       create a tenant with its first phone number(s)\n"
    "  list         list tenants as a table (or --json)\n"
    "  show ID      print one tenant as JSON\n"
    "  suspend ID   stop answering a tenant's numbers (callers hear a polite message)\n"
    "  activate ID  answer a suspended tenant's numbers again\n"
    "  set ID       change the assistant's greeting or extra instructions\n"
    "\n"
    "Run `serviceai tenant COMMAND --help` for a command's options and examples.\n"
    "Phone numbers: `serviceai phone --help`.\n"
    "\n"
    "environment: SERVICEAI_PG_DSN (default \"" CLI_DEFAULT_PG_DSN "\"),\n"
    "             SERVICEAI_REDIS_URL (default " CLI_DEFAULT_REDIS_URL ")\n"
    "exit status: 0 done, 1 refused or failed, 2 bad usage or invalid value\n";

static const char create_usage[] =
    "usage: serviceai tenant create --name NAME --industry INDUSTRY --phone NUMBER\n"
    "                               --timezone ZONE --language LANG\n"
    "                               [--greeting TEXT] [--instructions TEXT]\n"
    "\n"
    "Creates a tenant, its assistant settings and its phone number(s) in one\n"
    "transaction and prints the tenant as JSON. Nothing is created if any check fails.\n"
    "\n"
    "  --name NAME          the business name callers know (spoken in the greeting)\n"
    "  --industry INDUSTRY  hvac, plumbing or electrical\n"
    "  --phone NUMBER       a number the business forwards to ServiceAI; normalized to\n"
    "                       E.164 (\"(512) 555-0142\" -> +15125550142); repeatable. A number\n"
    "                       that already belongs to another tenant is refused.\n"
    "  --timezone ZONE      the business's IANA time zone, e.g. America/Chicago\n"
    "  --language LANG      en, es or bilingual (answers in the caller's language)\n"
    "  --greeting TEXT      the assistant's first sentence (default: from the template)\n"
    "  --instructions TEXT  appended to the assistant's instructions\n"
    "\n"
    "examples:\n"
    "  serviceai tenant create --name \"Lone Star Heating & Air\" --industry hvac \\\n"
    "      --phone +15125550142 --timezone America/Chicago --language en\n"
    "  serviceai tenant create --name \"Plomería Díaz\" --industry plumbing \\\n"
    "      --phone \"(956) 555-0199\" --timezone America/Chicago --language es \\\n"
    "      --instructions \"No trabajamos los domingos.\"\n";

static const char list_usage[] =
    "usage: serviceai tenant list [--json]\n"
    "\n"
    "Lists every tenant: id, name, industry, language, status and phone numbers.\n"
    "--json prints an array of tenants in the same shape as `tenant show`.\n"
    "\n"
    "examples:\n"
    "  serviceai tenant list\n"
    "  serviceai tenant list --json | jq -r '.[] | select(.status == \"suspended\") | .id'\n";

static const char show_usage[] =
    "usage: serviceai tenant show ID\n"
    "\n"
    "Prints one tenant as JSON: id, name, industry, timezone, language, status,\n"
    "phone_numbers, greeting, extra_instructions, created_at.\n"
    "\n"
    "example:\n"
    "  serviceai tenant show 3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11\n";

static const char suspend_usage[] =
    "usage: serviceai tenant suspend ID\n"
    "       serviceai tenant activate ID\n"
    "\n"
    "suspend: calls to the tenant's numbers get a polite spoken message instead of the\n"
    "assistant (the numbers stay reserved). activate: answer them again.\n"
    "Prints the tenant as JSON.\n"
    "\n"
    "example:\n"
    "  serviceai tenant suspend 3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11\n";

static const char set_usage[] =
    "usage: serviceai tenant set ID [--greeting TEXT] [--instructions TEXT]\n"
    "\n"
    "Changes the assistant's settings; an empty TEXT clears one (the template's\n"
    "greeting is used again). Prints the tenant as JSON.\n"
    "\n"
    "examples:\n"
    "  serviceai tenant set 3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11 \\\n"
    "      --greeting \"Lone Star Heating & Air, how can we help?\"\n"
    "  serviceai tenant set 3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11 --instructions \"\"\n";

static const char phone_usage[] =
    "usage: serviceai phone add TENANT_ID NUMBER [--vapi-id ID]\n"
    "       serviceai phone remove NUMBER\n"
    "\n"
    "add: gives a tenant another number. NUMBER is normalized to E.164\n"
    "(\"(512) 555-0142\" -> +15125550142); a number that already belongs to another\n"
    "tenant is refused. --vapi-id records Vapi's id for the number, so calls that only\n"
    "carry call.phoneNumberId are routed too.\n"
    "remove: releases a number; calls to it are no longer answered as the tenant.\n"
    "Both print the tenant as JSON.\n"
    "\n"
    "examples:\n"
    "  serviceai phone add 3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11 \"(512) 555-0142\"\n"
    "  serviceai phone remove +15125550142\n"
    "\n"
    "environment: SERVICEAI_PG_DSN, SERVICEAI_REDIS_URL (see `serviceai tenant --help`)\n"
    "exit status: 0 done, 1 refused or failed, 2 bad usage or invalid value\n";

/* ------------------------------------------------------------------ tenant commands */

static int tenant_create(int argc, char **argv)
{
    const char *cmd = "tenant create";
    cli_args_t a;
    cli_db_t db = {0};
    cli_keys_t keys = {0};
    json_t *tenant = NULL;
    char *owner_id = NULL;
    char *owner_name = NULL;
    char phones[CLI_MAX_PHONES][CLI_PHONE_SZ];
    sch_industry_t industry;
    sch_lang_t language;
    int rc = CLI_TENANT_EXIT_USAGE;

    if (!args_parse(cmd, argc, argv,
                    OPT_NAME | OPT_INDUSTRY | OPT_PHONE | OPT_TIMEZONE | OPT_LANGUAGE |
                        OPT_GREETING | OPT_INSTRUCTIONS,
                    0, &a))
        goto out;
    if (a.help) {
        fputs(create_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    if (!require_opt(cmd, a.name, "--name") || !require_opt(cmd, a.industry, "--industry") ||
        !require_opt(cmd, a.nphones ? a.phones[0] : NULL, "--phone") ||
        !require_opt(cmd, a.timezone, "--timezone") || !require_opt(cmd, a.language, "--language"))
        goto out;
    if (is_blank(a.name)) {
        cli_fail(cmd, "--name must not be empty");
        goto out;
    }
    if (!check_text(cmd, "--name", a.name, CLI_NAME_MAX) ||
        !check_text(cmd, "--greeting", a.greeting, CLI_GREETING_MAX) ||
        !check_text(cmd, "--instructions", a.instructions, CLI_INSTRUCT_MAX))
        goto out;
    if (!sch_industry_parse(a.industry, &industry)) {
        cli_fail(cmd, "unknown industry '%s' (expected hvac, plumbing or electrical)", a.industry);
        goto out;
    }
    if (!sch_lang_parse(a.language, &language)) {
        cli_fail(cmd, "unknown language '%s' (expected en, es or bilingual)", a.language);
        goto out;
    }
    if (!timezone_known(a.timezone)) {
        char suggestion[128];
        if (timezone_suggest(a.timezone, suggestion, sizeof(suggestion)))
            cli_fail(cmd, "unknown time zone '%s' (did you mean %s?)", a.timezone, suggestion);
        else
            cli_fail(cmd, "unknown time zone '%s' (expected an IANA zone such as America/Chicago)",
                     a.timezone);
        goto out;
    }
    for (size_t i = 0; i < a.nphones; i++) {
        if (!normalize_phone(cmd, a.phones[i], phones[i]))
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(phones[i], phones[j]) == 0) {
                cli_fail(cmd, "phone number %s given twice", phones[i]);
                goto out;
            }
        }
    }

    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    for (size_t i = 0; i < a.nphones; i++) {
        int owned = phone_owner(&db, phones[i], &owner_id, &owner_name);
        if (owned < 0)
            goto out;
        if (owned) {
            fail_owned(cmd, phones[i], owner_id, owner_name);
            goto out;
        }
    }

    const char *tparams[] = {a.name, sch_industry_name(industry), a.timezone,
                             sch_lang_name(language)};
    PGresult *res = cli_db_exec(&db,
                                "INSERT INTO tenants (name, industry, timezone, language)"
                                " VALUES (btrim($1), $2, $3, $4) RETURNING id::text",
                                4, tparams);
    if (!res) {
        cli_fail(cmd, "Postgres refused the tenant: %s", db.error);
        goto out;
    }
    char tenant_id[40];
    snprintf(tenant_id, sizeof(tenant_id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);

    const char *sparams[] = {tenant_id, a.greeting, a.instructions};
    if (!cli_db_do(&db,
                   "INSERT INTO assistant_settings (tenant_id, greeting, extra_instructions)"
                   " VALUES ($1, nullif(btrim($2), ''), nullif(btrim($3), ''))",
                   3, sparams))
        goto out;
    for (size_t i = 0; i < a.nphones; i++) {
        const char *pparams[] = {phones[i], tenant_id};
        res = cli_db_exec(&db, "INSERT INTO phone_numbers (number, tenant_id) VALUES ($1, $2)", 2,
                          pparams);
        if (!res) {
            if (strcmp(db.sqlstate, "23505") == 0)
                report_race_owner(&db, phones[i]);
            else
                cli_fail(cmd, "Postgres refused phone number %s: %s", phones[i], db.error);
            goto out;
        }
        PQclear(res);
        keys_add(&keys, "phone:", phones[i]);
    }
    keys_add(&keys, "tenant:", tenant_id);

    bool missing;
    tenant = tenant_load(&db, tenant_id, &missing);
    if (!tenant || !cli_db_commit(&db))
        goto out;
    json_print(tenant);
    cache_invalidate(cmd, &keys);
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(tenant);
    keys_deinit(&keys);
    free(owner_id);
    free(owner_name);
    return rc;
}

static int tenant_list(int argc, char **argv)
{
    const char *cmd = "tenant list";
    cli_args_t a;
    cli_db_t db = {0};
    PGresult *res = NULL;
    json_t *all = NULL;
    int rc = CLI_TENANT_EXIT_USAGE;

    if (!args_parse(cmd, argc, argv, OPT_JSON, 0, &a))
        goto out;
    if (a.help) {
        fputs(list_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    eng_buf_t sql;
    eng_buf_init(&sql);
    eng_buf_printf(&sql, "%s ORDER BY t.created_at, t.name", tenant_select_sql);
    res = cli_db_exec(&db, eng_buf_cstr(&sql), 0, NULL);
    eng_buf_deinit(&sql);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    if (!cli_db_commit(&db))
        goto out;

    int n = PQntuples(res);
    all = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(all, tenant_json(res, i));
    if (a.json) {
        json_print(all);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }

    /* A table sized to its content; numbers joined with ", ". */
    static const char *const heads[] = {"ID", "NAME", "INDUSTRY", "LANGUAGE", "STATUS", "NUMBERS"};
    static const char *const fields[] = {"id", "name", "industry", "language", "status"};
    size_t width[5];
    for (int c = 0; c < 5; c++)
        width[c] = strlen(heads[c]);
    for (int i = 0; i < n; i++) {
        json_t *t = json_array_get(all, (size_t)i);
        for (int c = 0; c < 5; c++) {
            size_t w = utf8_len(json_string_value(json_object_get(t, fields[c])));
            if (w > width[c])
                width[c] = w;
        }
    }
    for (int c = 0; c < 6; c++)
        printf("%s%*s", heads[c], c < 5 ? (int)(width[c] - strlen(heads[c]) + 2) : 0, "");
    putchar('\n');
    for (int i = 0; i < n; i++) {
        json_t *t = json_array_get(all, (size_t)i);
        for (int c = 0; c < 5; c++) {
            const char *v = json_string_value(json_object_get(t, fields[c]));
            printf("%s%*s", v, (int)(width[c] - utf8_len(v) + 2), "");
        }
        json_t *numbers = json_object_get(t, "phone_numbers");
        size_t k;
        json_t *num;
        json_array_foreach(numbers, k, num)
        {
            printf("%s%s", k ? ", " : "", json_string_value(num));
        }
        if (json_array_size(numbers) == 0)
            fputs("-", stdout);
        putchar('\n');
    }
    if (n == 0)
        puts("(no tenants yet: see `serviceai tenant create --help`)");
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    PQclear(res);
    cli_db_close(&db);
    json_decref(all);
    return rc;
}

static int tenant_show(int argc, char **argv)
{
    const char *cmd = "tenant show";
    cli_args_t a;
    cli_db_t db = {0};
    json_t *tenant = NULL;
    char tid[37];
    int rc = CLI_TENANT_EXIT_USAGE;
    bool missing;

    if (!args_parse(cmd, argc, argv, 0, 1, &a))
        goto out;
    if (a.help) {
        fputs(show_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "missing tenant id (see --help)");
        goto out;
    }
    if (!check_tenant_id(cmd, a.pos[0], tid))
        goto out;
    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    tenant = tenant_load(&db, tid, &missing);
    if (!tenant || !cli_db_commit(&db))
        goto out;
    json_print(tenant);
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(tenant);
    return rc;
}

/* suspend and activate: the same command with a different target status. */
static int tenant_set_status(int argc, char **argv, const char *status)
{
    const char *cmd = strcmp(status, "active") == 0 ? "tenant activate" : "tenant suspend";
    cli_args_t a;
    cli_db_t db = {0};
    cli_keys_t keys = {0};
    json_t *tenant = NULL;
    char tid[37];
    int rc = CLI_TENANT_EXIT_USAGE;
    bool missing;

    if (!args_parse(cmd, argc, argv, 0, 1, &a))
        goto out;
    if (a.help) {
        fputs(suspend_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "missing tenant id (see --help)");
        goto out;
    }
    if (!check_tenant_id(cmd, a.pos[0], tid))
        goto out;
    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    const char *params[] = {tid, status};
    PGresult *res = cli_db_exec(&db, "UPDATE tenants SET status = $2 WHERE id = $1", 2, params);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    bool updated = strcmp(PQcmdTuples(res), "0") != 0;
    PQclear(res);
    if (!updated) {
        cli_fail(cmd, "no tenant with id %s (see `serviceai tenant list`)", tid);
        goto out;
    }
    keys_add(&keys, "tenant:", tid);
    if (!keys_add_tenant_numbers(&db, &keys, tid))
        goto out;
    tenant = tenant_load(&db, tid, &missing);
    if (!tenant || !cli_db_commit(&db))
        goto out;
    json_print(tenant);
    cache_invalidate(cmd, &keys);
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(tenant);
    keys_deinit(&keys);
    return rc;
}

static int tenant_set(int argc, char **argv)
{
    const char *cmd = "tenant set";
    cli_args_t a;
    cli_db_t db = {0};
    cli_keys_t keys = {0};
    json_t *tenant = NULL;
    char tid[37];
    int rc = CLI_TENANT_EXIT_USAGE;
    bool missing;

    if (!args_parse(cmd, argc, argv, OPT_GREETING | OPT_INSTRUCTIONS, 1, &a))
        goto out;
    if (a.help) {
        fputs(set_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "missing tenant id (see --help)");
        goto out;
    }
    if (!check_tenant_id(cmd, a.pos[0], tid))
        goto out;
    if (!a.greeting && !a.instructions) {
        cli_fail(cmd, "nothing to change: give --greeting and/or --instructions");
        goto out;
    }
    if (!check_text(cmd, "--greeting", a.greeting, CLI_GREETING_MAX) ||
        !check_text(cmd, "--instructions", a.instructions, CLI_INSTRUCT_MAX))
        goto out;
    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    /* Checked first so an unknown id reads as such, not as a foreign key error. */
    tenant = tenant_load(&db, tid, &missing);
    if (!tenant)
        goto out;
    json_decref(tenant);
    tenant = NULL;
    const char *params[] = {tid, a.greeting, a.greeting ? "true" : "false", a.instructions,
                            a.instructions ? "true" : "false"};
    if (!cli_db_do(&db,
                   "INSERT INTO assistant_settings AS s (tenant_id, greeting, extra_instructions)"
                   " VALUES ($1, nullif(btrim($2), ''), nullif(btrim($4), ''))"
                   " ON CONFLICT (tenant_id) DO UPDATE SET"
                   "  greeting = CASE WHEN $3::boolean THEN EXCLUDED.greeting ELSE s.greeting END,"
                   "  extra_instructions = CASE WHEN $5::boolean THEN EXCLUDED.extra_instructions"
                   "                       ELSE s.extra_instructions END",
                   5, params))
        goto out;
    keys_add(&keys, "tenant:", tid);
    tenant = tenant_load(&db, tid, &missing);
    if (!tenant || !cli_db_commit(&db))
        goto out;
    json_print(tenant);
    cache_invalidate(cmd, &keys);
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(tenant);
    keys_deinit(&keys);
    return rc;
}

int cli_tenant_main(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub) {
        fputs(tenant_usage, stderr);
        return CLI_TENANT_EXIT_USAGE;
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(tenant_usage, stdout);
        return CLI_TENANT_EXIT_OK;
    }
    if (strcmp(sub, "create") == 0)
        return tenant_create(argc, argv);
    if (strcmp(sub, "list") == 0)
        return tenant_list(argc, argv);
    if (strcmp(sub, "show") == 0)
        return tenant_show(argc, argv);
    if (strcmp(sub, "suspend") == 0)
        return tenant_set_status(argc, argv, "suspended");
    if (strcmp(sub, "activate") == 0)
        return tenant_set_status(argc, argv, "active");
    if (strcmp(sub, "set") == 0)
        return tenant_set(argc, argv);
    cli_fail("tenant", "unknown command '%s' (see `serviceai tenant --help`)", sub);
    return CLI_TENANT_EXIT_USAGE;
}

/* ------------------------------------------------------------------ phone commands */

static int phone_add(int argc, char **argv)
{
    const char *cmd = "phone add";
    cli_args_t a;
    cli_db_t db = {0};
    cli_keys_t keys = {0};
    json_t *tenant = NULL;
    char *owner_id = NULL;
    char *owner_name = NULL;
    char number[CLI_PHONE_SZ];
    char tid[37];
    int rc = CLI_TENANT_EXIT_USAGE;
    bool missing;

    if (!args_parse(cmd, argc, argv, OPT_VAPI_ID, 2, &a))
        goto out;
    if (a.help) {
        fputs(phone_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    if (a.npos != 2) {
        cli_fail(cmd, "expected TENANT_ID NUMBER (see --help)");
        goto out;
    }
    if (!check_tenant_id(cmd, a.pos[0], tid) || !normalize_phone(cmd, a.pos[1], number))
        goto out;
    if (a.vapi_id && is_blank(a.vapi_id)) {
        cli_fail(cmd, "--vapi-id must not be empty");
        goto out;
    }
    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    tenant = tenant_load(&db, tid, &missing);
    if (!tenant)
        goto out;
    json_decref(tenant);
    tenant = NULL;

    int owned = phone_owner(&db, number, &owner_id, &owner_name);
    if (owned < 0)
        goto out;
    if (owned && strcmp(owner_id, tid) != 0) {
        fail_owned(cmd, number, owner_id, owner_name);
        goto out;
    }
    if (a.vapi_id) {
        const char *vparams[] = {a.vapi_id, number};
        PGresult *res = cli_db_exec(&db,
                                    "SELECT number FROM phone_numbers"
                                    " WHERE vapi_phone_number_id = $1 AND number <> $2",
                                    2, vparams);
        if (!res) {
            cli_fail(cmd, "Postgres refused: %s", db.error);
            goto out;
        }
        if (PQntuples(res) > 0) {
            cli_fail(cmd, "Vapi phone number id %s is already recorded for %s", a.vapi_id,
                     PQgetvalue(res, 0, 0));
            PQclear(res);
            goto out;
        }
        PQclear(res);
    }
    /* The tenant's current keys, so a replaced Vapi id's key is dropped too. */
    if (!keys_add_tenant_numbers(&db, &keys, tid))
        goto out;
    /* Adding a number the tenant already has is not an error (scripts re-run);
     * it can still record the Vapi id. */
    const char *params[] = {number, tid, a.vapi_id};
    PGresult *res =
        cli_db_exec(&db,
                    "INSERT INTO phone_numbers (number, tenant_id, vapi_phone_number_id)"
                    " VALUES ($1, $2, $3) ON CONFLICT (number) DO UPDATE SET"
                    " vapi_phone_number_id = coalesce(EXCLUDED.vapi_phone_number_id,"
                    "                           phone_numbers.vapi_phone_number_id)"
                    " WHERE phone_numbers.tenant_id = EXCLUDED.tenant_id",
                    3, params);
    if (!res) {
        if (strcmp(db.sqlstate, "23505") == 0 && strcmp(db.constraint, "phone_numbers_pkey") == 0) {
            report_race_owner(&db, number);
        } else {
            cli_fail(cmd, "Postgres refused phone number %s: %s", number, db.error);
        }
        goto out;
    }
    bool changed = strcmp(PQcmdTuples(res), "0") != 0;
    PQclear(res);
    if (!changed) {
        /* The conflict's WHERE filtered the row out: someone else took it since our check. */
        report_race_owner(&db, number);
        goto out;
    }
    if (owned)
        fprintf(stderr, "serviceai %s: %s already belonged to this tenant\n", cmd, number);
    keys_add(&keys, "phone:", number);
    keys_add(&keys, "phoneid:", a.vapi_id);
    keys_add(&keys, "tenant:", tid);
    tenant = tenant_load(&db, tid, &missing);
    if (!tenant || !cli_db_commit(&db))
        goto out;
    json_print(tenant);
    cache_invalidate(cmd, &keys);
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    cli_db_close(&db);
    json_decref(tenant);
    keys_deinit(&keys);
    free(owner_id);
    free(owner_name);
    return rc;
}

static int phone_remove(int argc, char **argv)
{
    const char *cmd = "phone remove";
    cli_args_t a;
    cli_db_t db = {0};
    cli_keys_t keys = {0};
    PGresult *res = NULL;
    json_t *tenant = NULL;
    char number[CLI_PHONE_SZ];
    int rc = CLI_TENANT_EXIT_USAGE;
    bool missing;

    if (!args_parse(cmd, argc, argv, 0, 1, &a))
        goto out;
    if (a.help) {
        fputs(phone_usage, stdout);
        rc = CLI_TENANT_EXIT_OK;
        goto out;
    }
    if (a.npos != 1) {
        cli_fail(cmd, "expected NUMBER (see --help)");
        goto out;
    }
    if (!normalize_phone(cmd, a.pos[0], number))
        goto out;
    rc = CLI_TENANT_EXIT_REFUSED;
    if (!cli_db_open(&db, cmd) || !cli_db_begin_platform(&db))
        goto out;
    const char *params[] = {number};
    res = cli_db_exec(&db,
                      "DELETE FROM phone_numbers WHERE number = $1"
                      " RETURNING tenant_id::text, vapi_phone_number_id",
                      1, params);
    if (!res) {
        cli_fail(cmd, "Postgres refused: %s", db.error);
        goto out;
    }
    if (PQntuples(res) == 0) {
        cli_fail(cmd, "phone number %s does not belong to any tenant", number);
        goto out;
    }
    char tenant_id[40];
    snprintf(tenant_id, sizeof(tenant_id), "%s", PQgetvalue(res, 0, 0));
    keys_add(&keys, "phone:", number);
    keys_add(&keys, "phoneid:", PQgetvalue(res, 0, 1));
    keys_add(&keys, "tenant:", tenant_id);
    tenant = tenant_load(&db, tenant_id, &missing);
    if (!tenant || !cli_db_commit(&db))
        goto out;
    json_print(tenant);
    cache_invalidate(cmd, &keys);
    rc = CLI_TENANT_EXIT_OK;
out:
    if (db.conn && rc != CLI_TENANT_EXIT_OK)
        cli_db_rollback(&db);
    PQclear(res);
    cli_db_close(&db);
    json_decref(tenant);
    keys_deinit(&keys);
    return rc;
}

int cli_phone_main(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub) {
        fputs(phone_usage, stderr);
        return CLI_TENANT_EXIT_USAGE;
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(phone_usage, stdout);
        return CLI_TENANT_EXIT_OK;
    }
    if (strcmp(sub, "add") == 0)
        return phone_add(argc, argv);
    if (strcmp(sub, "remove") == 0)
        return phone_remove(argc, argv);
    cli_fail("phone", "unknown command '%s' (see `serviceai phone --help`)", sub);
    return CLI_TENANT_EXIT_USAGE;
}
