/*
 * serviceai-ops: the operators' inspection tool over live state in Redis.
 * It reads Redis only (never Postgres, never the engine), so it works while
 * the engine is down and cannot disturb a live call. Keys and encodings are
 * those of schema/redis.md. Single-threaded, blocking hiredis.
 *
 *   serviceai-ops calls [--json]     live calls: tenant, state, age, last event
 *   serviceai-ops call ID [--json]   the whole hot state of one call
 */
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eng_redis.h"
#include "sch_codec.h"

#define EXIT_USAGE 64

static void usage(FILE *out)
{
    fprintf(out, "usage: serviceai-ops <command> [--json]\n"
                 "\n"
                 "Inspect the engine's live state in Redis (read-only).\n"
                 "\n"
                 "commands:\n"
                 "  calls          live calls: id, tenant, state, age, last event\n"
                 "  call ID        the whole hot state of one call, with its tool results\n"
                 "\n"
                 "options:\n"
                 "  --json         machine-readable output\n"
                 "\n"
                 "environment:\n"
                 "  SERVICEAI_REDIS_URL   redis://host:port/db [redis://127.0.0.1:6379/0]\n");
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static redisContext *connect_redis(const char *url)
{
    char host[256];
    int port, db;
    if (!eng_redis_url_parse(url, host, sizeof(host), &port, &db)) {
        fprintf(stderr, "serviceai-ops: SERVICEAI_REDIS_URL is not redis://host:port/db: %s\n",
                url);
        return NULL;
    }
    struct timeval tv = {2, 0};
    redisContext *rc = redisConnectWithTimeout(host, port, tv);
    if (!rc || rc->err) {
        fprintf(stderr, "serviceai-ops: cannot reach Redis at %s: %s\n", url,
                rc ? rc->errstr : "out of memory");
        redisFree(rc);
        return NULL;
    }
    redisSetTimeout(rc, tv);
    if (db != 0) {
        redisReply *r = redisCommand(rc, "SELECT %d", db);
        bool ok = r && r->type != REDIS_REPLY_ERROR;
        freeReplyObject(r);
        if (!ok) {
            fprintf(stderr, "serviceai-ops: Redis refused SELECT %d\n", db);
            redisFree(rc);
            return NULL;
        }
    }
    return rc;
}

static void fmt_age(int64_t ms, char *out, size_t outsz)
{
    if (ms < 0)
        ms = 0;
    int64_t s = ms / 1000;
    if (s < 60)
        snprintf(out, outsz, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(out, outsz, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(out, outsz, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
}

/* Prints s in a column of `width` characters (UTF-8 aware: "Plomería" is 8 wide). */
static void print_col(const char *s, int width)
{
    int shown = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && shown < width) {
        int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : 4;
        fwrite(p, 1, (size_t)n, stdout);
        for (int i = 0; i < n && *p; i++)
            p++;
        shown++;
    }
    for (; shown <= width; shown++)
        putchar(' ');
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *state_json(const sch_call_state_t *st, int64_t now)
{
    json_t *o = json_object();
    json_object_set_new(o, "call_id", jstr(st->call_id));
    json_object_set_new(o, "tenant_id", jstr(st->tenant_id));
    json_object_set_new(o, "tenant_name", jstr(st->tenant_name));
    json_object_set_new(o, "language", json_string(sch_lang_name(st->language)));
    json_object_set_new(o, "caller", jstr(st->caller_number));
    json_object_set_new(o, "dialed", jstr(st->dialed_number));
    json_object_set_new(o, "status", jstr(st->status));
    json_object_set_new(o, "last_event", jstr(st->last_event));
    json_object_set_new(o, "started_ms", json_integer(st->started_ms));
    json_object_set_new(o, "last_event_ms", json_integer(st->last_event_ms));
    json_object_set_new(o, "age_ms", json_integer(st->started_ms ? now - st->started_ms : 0));
    if (st->emergency_category) {
        json_t *e = json_object();
        json_object_set_new(e, "category", jstr(st->emergency_category));
        json_object_set_new(e, "cue", jstr(st->emergency_cue));
        json_object_set_new(e, "source", jstr(st->emergency_source));
        json_object_set_new(e, "at_ms", json_integer(st->emergency_ms));
        json_object_set_new(e, "confirmed_by", jstr(st->emergency_confirmed_by));
        json_object_set_new(o, "emergency", e);
    } else {
        json_object_set_new(o, "emergency", json_null());
    }
    return o;
}

/* Loads call:{id}; 1 found, 0 absent, -1 error (message printed). */
static int load_state(redisContext *rc, const char *id, sch_call_state_t *st)
{
    redisReply *r = redisCommand(rc, "GET call:%s", id);
    if (!r) {
        fprintf(stderr, "serviceai-ops: Redis error: %s\n", rc->errstr);
        return -1;
    }
    int rv = 0;
    if (r->type == REDIS_REPLY_STRING) {
        if (sch_call_state_unpack(r->str, r->len, st) == ENG_OK) {
            rv = 1;
        } else {
            fprintf(stderr, "serviceai-ops: call:%s holds data that is not a call state\n", id);
            rv = -1;
        }
    }
    freeReplyObject(r);
    return rv;
}

static int cmd_calls(redisContext *rc, bool as_json)
{
    redisReply *r = redisCommand(rc, "ZREVRANGE calls:live 0 999 WITHSCORES");
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        fprintf(stderr, "serviceai-ops: Redis error: %s\n", r ? r->str : rc->errstr);
        freeReplyObject(r);
        return 1;
    }
    int64_t now = now_ms();
    json_t *arr = json_array();
    if (!as_json)
        printf("%-38s %-26s %-12s %-8s %-20s %s\n", "CALL", "TENANT", "STATE", "AGE", "LAST EVENT",
               "EMERGENCY");
    size_t shown = 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const char *id = r->element[i]->str;
        sch_call_state_t st = {0};
        if (load_state(rc, id, &st) != 1) {
            sch_call_state_deinit(&st);
            continue; /* index entry outlived its state (TTL): not live */
        }
        shown++;
        if (as_json) {
            json_array_append_new(arr, state_json(&st, now));
        } else {
            char age[32], last[64];
            fmt_age(st.started_ms ? now - st.started_ms : 0, age, sizeof(age));
            char since[32];
            fmt_age(now - st.last_event_ms, since, sizeof(since));
            snprintf(last, sizeof(last), "%s (%s ago)", st.last_event ? st.last_event : "-", since);
            print_col(id, 38);
            print_col(st.tenant_name ? st.tenant_name : "-", 26);
            print_col(st.status ? st.status : "-", 12);
            print_col(age, 8);
            print_col(last, 30);
            printf("%s\n", st.emergency_category ? st.emergency_category : "-");
        }
        sch_call_state_deinit(&st);
    }
    freeReplyObject(r);
    if (as_json) {
        char *s = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else if (shown == 0) {
        printf("(no live calls)\n");
    }
    json_decref(arr);
    return 0;
}

static int cmd_call(redisContext *rc, const char *id, bool as_json)
{
    sch_call_state_t st = {0};
    int found = load_state(rc, id, &st);
    if (found <= 0) {
        if (found == 0)
            fprintf(stderr,
                    "serviceai-ops: no hot state for call %s (ended long ago, or never "
                    "seen by this engine)\n",
                    id);
        sch_call_state_deinit(&st);
        return 1;
    }
    int64_t now = now_ms();
    json_t *o = state_json(&st, now);
    json_t *tools = json_array();
    redisReply *r = redisCommand(rc, "HGETALL call:%s:tools", id);
    if (r && r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            const redisReply *v = r->element[i + 1];
            const char *sep = v->len > 1 ? memchr(v->str, '\x1f', v->len) : NULL;
            if (!sep)
                continue;
            json_t *t = json_object();
            json_object_set_new(t, "tool_call_id", json_string(r->element[i]->str));
            json_object_set_new(t, "name", json_stringn(v->str + 1, (size_t)(sep - v->str - 1)));
            json_object_set_new(t, v->str[0] == 'E' ? "error" : "result", json_string(sep + 1));
            json_array_append_new(tools, t);
        }
    }
    freeReplyObject(r);
    json_object_set_new(o, "tool_results", tools);
    if (as_json) {
        char *s = json_dumps(o, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else {
        char age[32];
        fmt_age(st.started_ms ? now - st.started_ms : 0, age, sizeof(age));
        printf("call         %s\n", st.call_id);
        printf("tenant       %s (%s)\n", st.tenant_name ? st.tenant_name : "-",
               st.tenant_id ? st.tenant_id : "-");
        printf("language     %s\n", sch_lang_name(st.language));
        printf("caller       %s\n", st.caller_number ? st.caller_number : "-");
        printf("dialed       %s\n", st.dialed_number ? st.dialed_number : "-");
        printf("state        %s\n", st.status ? st.status : "-");
        printf("age          %s\n", age);
        printf("last event   %s\n", st.last_event ? st.last_event : "-");
        if (st.emergency_category)
            printf("emergency    %s (%s, via %s%s%s)\n", st.emergency_category,
                   st.emergency_cue ? st.emergency_cue : "-",
                   st.emergency_source ? st.emergency_source : "-",
                   st.emergency_confirmed_by ? ", confirmed by " : "",
                   st.emergency_confirmed_by ? st.emergency_confirmed_by : "");
        else
            printf("emergency    none\n");
        size_t n = json_array_size(tools);
        printf("tool results %zu\n", n);
        for (size_t i = 0; i < n; i++) {
            json_t *t = json_array_get(tools, i);
            json_t *res = json_object_get(t, "result");
            printf("  %s %s: %s%s\n", json_string_value(json_object_get(t, "tool_call_id")),
                   json_string_value(json_object_get(t, "name")), res ? "" : "[error] ",
                   json_string_value(res ? res : json_object_get(t, "error")));
        }
    }
    json_decref(o);
    sch_call_state_deinit(&st);
    return 0;
}

int main(int argc, char **argv)
{
    bool as_json = false;
    const char *args[3] = {0};
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' || nargs == 3) {
            fprintf(stderr, "serviceai-ops: unexpected argument '%s'\n\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else {
            args[nargs++] = argv[i];
        }
    }
    bool is_calls = nargs == 1 && strcmp(args[0], "calls") == 0;
    bool is_call = nargs == 2 && strcmp(args[0], "call") == 0;
    if (!is_calls && !is_call) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *url = getenv("SERVICEAI_REDIS_URL");
    if (!url || !*url)
        url = "redis://127.0.0.1:6379/0";
    redisContext *rc = connect_redis(url);
    if (!rc)
        return 1;
    int rv = is_calls ? cmd_calls(rc, as_json) : cmd_call(rc, args[1], as_json);
    redisFree(rc);
    return rv;
}
