/*
 * End-to-end tests of the answer path, as a newcomer would run it: the real
 * `serviceai` binary (migrate, tenant create, serve) against the real
 * Postgres and Redis the test script started, with Vapi's webhooks played
 * from the fixtures in tests/fixtures/vapi. Phone numbers and call ids are
 * unique per run so the suite can run again on the same database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eng_redis.h"

#define SECRET "it-secret-0123456789"

typedef struct world {
    int port;
    pid_t engine;
    char run_tag[16];
    /* tenant A: English HVAC on two numbers; B: Spanish plumbing; C: bilingual electrical */
    char a_id[64], b_id[64], c_id[64];
    char a_num1[20], a_num2[20], b_num1[20], b_num2[20], c_num[20];
} world_t;

/* ---------------------------------------------------------------- helpers */

static const char *pg_dsn(void)
{
    const char *d = getenv("SERVICEAI_PG_DSN");
    return d ? d : "";
}

/* Runs a shell command, captures stdout (caller frees), returns the exit status. */
static int run_capture(char **out, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[len] = '\0';
    int st = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A port nobody holds right now: the kernel picks it for a socket we close at once. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct resp {
    long status;
    char *body;
    size_t len;
} resp_t;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    resp_t *r = ud;
    size_t n = size * nmemb;
    r->body = realloc(r->body, r->len + n + 1);
    memcpy(r->body + r->len, ptr, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

static resp_t http(const world_t *w, const char *method, const char *path, const char *body,
                   struct curl_slist *headers)
{
    resp_t r = {0};
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", w->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    struct curl_slist *h = curl_slist_append(headers, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r.body)
        r.body = strdup("");
    return r;
}

static resp_t post_vapi(const world_t *w, const char *body, const char *secret)
{
    char hdr[256];
    snprintf(hdr, sizeof(hdr), "X-Vapi-Secret: %s", secret);
    return http(w, "POST", "/vapi/webhook", body, curl_slist_append(NULL, hdr));
}

static json_t *fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/fixtures/vapi/%s", SAI_SOURCE_DIR, name);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("fixture %s: %s", path, err.text);
    return j;
}

/* Sets message.<a>.<b> = value (creating objects on the way). */
static void set_msg(json_t *root, const char *a, const char *b, const char *value)
{
    json_t *msg = json_object_get(root, "message");
    json_t *obj = json_object_get(msg, a);
    if (!json_is_object(obj)) {
        obj = json_object();
        json_object_set_new(msg, a, obj);
    }
    json_object_set_new(obj, b, json_string(value));
}

/* A fixture retargeted at one call: call id, dialed number, caller. */
static char *webhook(const char *name, const char *call_id, const char *dialed, const char *caller)
{
    json_t *j = fixture(name);
    set_msg(j, "call", "id", call_id);
    if (dialed) {
        set_msg(j, "phoneNumber", "number", dialed);
    } else {
        json_object_del(json_object_get(j, "message"), "phoneNumber");
    }
    set_msg(j, "call", "phoneNumberId", "pn-unknown-to-us");
    json_t *cust = json_object_get(json_object_get(j, "message"), "customer");
    if (json_is_object(cust))
        json_object_set_new(cust, "number", json_string(caller));
    json_t *ccust =
        json_object_get(json_object_get(json_object_get(j, "message"), "call"), "customer");
    if (json_is_object(ccust))
        json_object_set_new(ccust, "number", json_string(caller));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static json_t *parse(const resp_t *r)
{
    json_error_t err;
    json_t *j = json_loads(r->body, 0, &err);
    if (!j)
        fail_msg("reply is not JSON (%s): %.200s", err.text, r->body);
    return j;
}

/* Starts serve; extra_env ("NAME=value" or NULL) is set for it. With need_healthy, waits
 * for /healthz 200; otherwise for any HTTP answer (a dependency may be down on purpose). */
static void engine_start_with(world_t *w, const char *extra_env, bool need_healthy)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char listen[64], url[64];
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", w->port);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", w->port);
        setenv("SERVICEAI_LISTEN", listen, 1);
        setenv("SERVICEAI_PUBLIC_URL", url, 1);
        setenv("SERVICEAI_VAPI_SECRET", SECRET, 1);
        setenv("SERVICEAI_LOG_LEVEL", "warn", 1);
        if (extra_env)
            putenv(strdup(extra_env));
        execl(SAI_BINARY, "serviceai", "serve", (char *)NULL);
        _exit(127);
    }
    w->engine = pid;
    for (int i = 0; i < 600; i++) { /* up to 30 s: shared, loaded CI machines */
        resp_t r = http(w, "GET", "/healthz", NULL, NULL);
        long st = r.status;
        free(r.body);
        if (st == 200 || (!need_healthy && st != 0))
            return;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("engine exited during start (status %d)", status);
        usleep(50000);
    }
    fail_msg("engine did not become healthy on port %d", w->port);
}

static void engine_start(world_t *w)
{
    engine_start_with(w, NULL, true);
}

static int engine_stop(world_t *w, int sig)
{
    if (w->engine <= 0)
        return -1;
    kill(w->engine, sig);
    int status = 0;
    waitpid(w->engine, &status, 0);
    w->engine = 0;
    return status;
}

static void create_tenant(const char *name, const char *industry, const char *lang, const char *tz,
                          const char *phone, char *id_out, size_t idsz)
{
    char *out = NULL;
    int rc = run_capture(&out,
                         "'%s' tenant create --name '%s' --industry %s --phone '%s' "
                         "--timezone %s --language %s",
                         SAI_BINARY, name, industry, phone, tz, lang);
    if (rc != 0)
        fail_msg("tenant create failed (%d): %s", rc, out);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    assert_non_null(j);
    snprintf(id_out, idsz, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(out);
}

/* Reads one column of the calls row for call_id; NULL if there is no row. Caller frees. */
static char *call_row(const char *call_id, const char *column)
{
    PGconn *c = PQconnectdb(pg_dsn());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET app.scope = 'platform'"));
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s::text FROM calls WHERE vapi_call_id = $1", column);
    const char *params[] = {call_id};
    PGresult *r = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Polls until the calls row for call_id has `column` set (end-of-call work happens after the 200).
 */
static char *wait_call_row(const char *call_id, const char *column)
{
    for (int i = 0; i < 100; i++) {
        char *v = call_row(call_id, column);
        if (v && *v)
            return v;
        free(v);
        usleep(50000);
    }
    return NULL;
}

static void make_number(char *out, size_t sz, const world_t *w, int k)
{
    /* 555-01xx numbers are reserved for fiction; the tag keeps runs apart */
    snprintf(out, sz, "+1512%03d%04d", 200 + k, (int)(atoi(w->run_tag) % 10000));
}

static int setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static world_t w;
    memset(&w, 0, sizeof(w));
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    snprintf(w.run_tag, sizeof(w.run_tag), "%d", rand() % 100000000);
    w.port = free_port();
    assert_int_equal(run_capture(NULL, "'%s' migrate --dir '%s/schema/sql' >/dev/null", SAI_BINARY,
                                 SAI_SOURCE_DIR),
                     0);
    make_number(w.a_num1, sizeof(w.a_num1), &w, 1);
    make_number(w.a_num2, sizeof(w.a_num2), &w, 2);
    make_number(w.b_num1, sizeof(w.b_num1), &w, 3);
    make_number(w.b_num2, sizeof(w.b_num2), &w, 4);
    make_number(w.c_num, sizeof(w.c_num), &w, 5);
    create_tenant("Arctic Air Heating & Cooling", "hvac", "en", "America/Chicago", w.a_num1, w.a_id,
                  sizeof(w.a_id));
    assert_int_equal(
        run_capture(NULL, "'%s' phone add %s '%s' >/dev/null", SAI_BINARY, w.a_id, w.a_num2), 0);
    create_tenant("Plomería Rápida", "plumbing", "es", "America/New_York", w.b_num1, w.b_id,
                  sizeof(w.b_id));
    assert_int_equal(
        run_capture(NULL, "'%s' phone add %s '%s' >/dev/null", SAI_BINARY, w.b_id, w.b_num2), 0);
    create_tenant("Chispa Electric", "electrical", "bilingual", "America/Los_Angeles", w.c_num,
                  w.c_id, sizeof(w.c_id));
    engine_start(&w);
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    if (w)
        engine_stop(w, SIGKILL);
    curl_global_cleanup();
    return 0;
}

static void call_id(char *out, size_t sz, const world_t *w, const char *what)
{
    snprintf(out, sz, "it-%s-%s", w->run_tag, what);
}

/* The assistant object from an assistant-request reply. */
static json_t *assistant_of(json_t *reply)
{
    json_t *a = json_object_get(reply, "assistant");
    if (!json_is_object(a))
        fail_msg("reply has no assistant object: %s", json_dumps(reply, JSON_COMPACT));
    return a;
}

static const char *system_prompt(json_t *assistant)
{
    json_t *msgs = json_object_get(json_object_get(assistant, "model"), "messages");
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        json_t *m = json_array_get(msgs, i);
        if (strcmp(json_string_value(json_object_get(m, "role")), "system") == 0)
            return json_string_value(json_object_get(m, "content"));
    }
    return "";
}

static const char *transcriber_language(json_t *assistant)
{
    return json_string_value(
        json_object_get(json_object_get(assistant, "transcriber"), "language"));
}

/* ---------------------------------------------------------------- tests */

static void test_each_tenant_number_is_answered_as_its_own_business(void **state)
{
    world_t *w = *state;
    struct {
        const char *number;
        const char *business;
        const char *lang;
    } cases[] = {
        {w->a_num1, "Arctic Air Heating & Cooling", "en"},
        {w->a_num2, "Arctic Air Heating & Cooling", "en"},
        {w->b_num1, "Plomería Rápida", "es"},
        {w->b_num2, "Plomería Rápida", "es"},
    };
    for (size_t i = 0; i < 4; i++) {
        char id[64], what[16];
        snprintf(what, sizeof(what), "own-%zu", i);
        call_id(id, sizeof(id), w, what);
        char *body = webhook("assistant-request-iso-ts.json", id, cases[i].number, "+15125550142");
        resp_t r = post_vapi(w, body, SECRET);
        assert_int_equal(r.status, 200);
        json_t *j = parse(&r);
        json_t *a = assistant_of(j);
        assert_non_null(strstr(system_prompt(a), cases[i].business));
        assert_non_null(
            strstr(json_string_value(json_object_get(a, "firstMessage")), cases[i].business));
        assert_string_equal(transcriber_language(a), cases[i].lang);
        json_decref(j);
        free(r.body);
        free(body);
    }
}

static void test_spanish_tenant_gets_spanish_prompt_greeting_and_transcriber(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "es");
    char *body = webhook("assistant-request-epoch-ts.json", id, w->b_num1, "+13055550111");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    json_t *a = assistant_of(j);
    assert_string_equal(transcriber_language(a), "es");
    const char *greeting = json_string_value(json_object_get(a, "firstMessage"));
    assert_true(strstr(greeting, "Gracias") || strstr(greeting, "gracias"));
    const char *prompt = system_prompt(a);
    assert_true(strstr(prompt, "Eres") || strstr(prompt, "eres"));
    json_decref(j);
    free(r.body);
    free(body);
}

static void test_bilingual_tenant_gets_the_multi_language_transcriber(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "bi");
    char *body = webhook("assistant-request-iso-ts.json", id, w->c_num, "+13105550177");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    assert_string_equal(transcriber_language(assistant_of(j)), "multi");
    json_decref(j);
    free(r.body);
    free(body);
}

static void test_unknown_number_gets_a_spoken_polite_error(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "unknown");
    char *body = webhook("assistant-request-iso-ts.json", id, "+19995550100", "+15125550142");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    const char *err = json_string_value(json_object_get(j, "error"));
    assert_non_null(err);
    assert_true(strlen(err) > 20); /* a sentence the caller hears, not a code */
    assert_null(json_object_get(j, "assistant"));
    json_decref(j);
    free(r.body);
    free(body);
}

static void test_bad_secret_is_refused_with_401_and_nothing_is_recorded(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "badsecret");
    char *body = webhook("end-of-call-report.json", id, w->a_num1, "+15125550142");
    resp_t r = post_vapi(w, body, "not-the-secret");
    assert_int_equal(r.status, 401);
    free(r.body);
    usleep(300000);
    char *row = call_row(id, "vapi_call_id");
    assert_null(row);
    free(body);
}

static void test_hmac_with_a_stale_timestamp_is_refused_and_a_fresh_one_accepted(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "hmac");
    char *body = webhook("status-update-in-progress.json", id, w->a_num1, "+15125550142");
    for (int stale = 1; stale >= 0; stale--) {
        long long ts = (long long)time(NULL) * 1000 - (stale ? 6 * 60 * 1000 : 0);
        char tsbuf[32];
        snprintf(tsbuf, sizeof(tsbuf), "%lld", ts);
        size_t msglen = strlen(tsbuf) + 1 + strlen(body);
        char *signed_msg = malloc(msglen + 1);
        snprintf(signed_msg, msglen + 1, "%s.%s", tsbuf, body);
        unsigned char mac[32];
        unsigned int maclen = 0;
        HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)signed_msg, msglen, mac,
             &maclen);
        char hex[65];
        for (unsigned i = 0; i < maclen; i++)
            sprintf(hex + 2 * i, "%02x", mac[i]);
        char h1[128], h2[128];
        snprintf(h1, sizeof(h1), "x-signature: %s", hex);
        snprintf(h2, sizeof(h2), "x-timestamp: %s", tsbuf);
        struct curl_slist *hs = curl_slist_append(curl_slist_append(NULL, h1), h2);
        resp_t r = http(w, "POST", "/vapi/webhook", body, hs);
        assert_int_equal(r.status, stale ? 401 : 200);
        free(r.body);
        free(signed_msg);
    }
    free(body);
}

static void test_malformed_json_gets_400_with_a_reason(void **state)
{
    world_t *w = *state;
    resp_t r = post_vapi(w, "{\"message\": {\"type\": \"assistant-request\", ", SECRET);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "error"));
    free(r.body);
    r = post_vapi(w, "{\"hello\": \"world\"}", SECRET);
    assert_int_equal(r.status, 400);
    free(r.body);
}

static void test_oversized_body_gets_413_and_unknown_path_404(void **state)
{
    world_t *w = *state;
    size_t n = 3 * 1024 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    resp_t r = post_vapi(w, big, SECRET);
    assert_int_equal(r.status, 413);
    free(r.body);
    free(big);
    r = http(w, "GET", "/no/such/thing", NULL, NULL);
    assert_int_equal(r.status, 404);
    free(r.body);
}

static void test_end_of_call_report_is_persisted_with_its_tenant(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "eoc");
    const char *kinds[] = {"assistant-request-iso-ts.json", "status-update-in-progress.json",
                           "transcript-final-user.json", "status-update-ended.json",
                           "end-of-call-report.json"};
    for (size_t i = 0; i < 5; i++) {
        char *body = webhook(kinds[i], id, w->a_num1, "+15125550142");
        resp_t r = post_vapi(w, body, SECRET);
        assert_int_equal(r.status, 200);
        free(r.body);
        free(body);
    }
    char *tenant = wait_call_row(id, "tenant_id");
    assert_non_null(tenant);
    assert_string_equal(tenant, w->a_id);
    char *reason = call_row(id, "ended_reason");
    assert_non_null(reason);
    assert_true(strlen(reason) > 0);
    char *transcript = call_row(id, "transcript");
    assert_true(transcript && strlen(transcript) > 100);
    char *caller = call_row(id, "caller_number");
    assert_string_equal(caller, "+15125550142");
    free(tenant);
    free(reason);
    free(transcript);
    free(caller);

    /* Once saved, the call leaves the live list; its last state stays for the ops tool, marked
     * ended, for ten minutes. */
    char *out = NULL;
    bool listed = true;
    for (int i = 0; i < 50 && listed; i++) {
        free(out);
        assert_int_equal(run_capture(&out, "'%s' calls --json", SAI_OPS_BINARY), 0);
        listed = strstr(out, id) != NULL;
        if (listed)
            usleep(50000);
    }
    free(out);
    assert_false(listed);
    assert_int_equal(run_capture(&out, "'%s' call '%s' --json", SAI_OPS_BINARY, id), 0);
    json_t *st = json_loads(out, 0, NULL);
    assert_non_null(st);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "ended");
    json_decref(st);
    free(out);
    char host[128];
    int port = 0, db = 0;
    assert_true(eng_redis_url_parse(getenv("SERVICEAI_REDIS_URL"), host, sizeof(host), &port, &db));
    assert_int_equal(
        run_capture(&out, "redis-cli -h %s -p %d -n %d TTL 'call:%s'", host, port, db, id), 0);
    int ttl = atoi(out);
    assert_true(ttl > 590 && ttl <= 600);
    free(out);
}

/* The tool result for toolCallId in a tool-calls reply. */
static json_t *result_for(json_t *reply, const char *tool_call_id)
{
    json_t *results = json_object_get(reply, "results");
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *r = json_array_get(results, i);
        if (strcmp(json_string_value(json_object_get(r, "toolCallId")), tool_call_id) == 0)
            return r;
    }
    return NULL;
}

/* A tool-calls body with one call. */
static char *tool_call_body(const char *call, const char *dialed, const char *caller,
                            const char *tool_call_id, const char *name, const char *args_json)
{
    json_t *j = fixture("tool-calls-object-args.json");
    json_t *msg = json_object_get(j, "message");
    json_t *tc = json_pack("{s:s, s:s, s:{s:s, s:o}}", "id", tool_call_id, "type", "function",
                           "function", "name", name, "arguments", json_loads(args_json, 0, NULL));
    json_object_set_new(msg, "toolCallList", json_pack("[o]", tc));
    json_object_del(msg, "toolWithToolCallList");
    json_object_del(msg, "toolCalls");
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    json_t *k = json_loads(s, 0, NULL);
    free(s);
    set_msg(k, "call", "id", call);
    set_msg(k, "phoneNumber", "number", dialed);
    set_msg(k, "customer", "number", caller);
    json_t *ccust =
        json_object_get(json_object_get(json_object_get(k, "message"), "call"), "customer");
    if (json_is_object(ccust))
        json_object_set_new(ccust, "number", json_string(caller));
    s = json_dumps(k, JSON_COMPACT);
    json_decref(k);
    return s;
}

static void test_engine_restarted_mid_call_carries_on_from_redis(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "restart");
    char *body = webhook("assistant-request-iso-ts.json", id, w->b_num1, "+13055550123");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    body = tool_call_body(id, w->b_num1, "+13055550123", "tc-restart-1", "report_emergency",
                          "{\"category\":\"flooding\",\"description\":\"se reventó un tubo\"}");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *first = parse(&r);
    free(r.body);
    usleep(200000); /* hot-state writes happen after the reply */

    /* The engine dies mid-call and comes back. */
    engine_stop(w, SIGKILL);
    engine_start(w);

    /* Vapi retries the same tool call: same answer, in Spanish, for the same business. */
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *again = parse(&r);
    json_t *a = result_for(first, "tc-restart-1"), *b = result_for(again, "tc-restart-1");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(a, "result")),
                        json_string_value(json_object_get(b, "result")));
    assert_non_null(strstr(json_string_value(json_object_get(b, "result")), "Plomería Rápida"));
    free(r.body);
    free(body);
    json_decref(first);
    json_decref(again);

    /* A new tool call after the restart still knows the tenant and its language. */
    body = tool_call_body(id, w->b_num1, "+13055550123", "tc-restart-2", "transfer_call",
                          "{\"reason\":\"quiere hablar con una persona\"}");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *third = parse(&r);
    json_t *res = result_for(third, "tc-restart-2");
    assert_non_null(res);
    const char *text = json_string_value(json_object_get(res, "error"));
    assert_non_null(text); /* transfers are not built yet: an honest error, in Spanish */
    assert_non_null(strstr(text, "Plomería Rápida"));
    free(r.body);
    free(body);
    json_decref(third);

    body = webhook("end-of-call-report.json", id, w->b_num1, "+13055550123");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    char *tenant = wait_call_row(id, "tenant_id");
    assert_non_null(tenant);
    assert_string_equal(tenant, w->b_id);
    char *cat = call_row(id, "emergency_category");
    assert_string_equal(cat, "flooding");
    free(tenant);
    free(cat);
}

/* A counter's value from /metrics, or -1 when the series is absent. */
static long metric_value(const world_t *w, const char *series)
{
    resp_t r = http(w, "GET", "/metrics", NULL, NULL);
    long v = -1;
    char needle[160];
    snprintf(needle, sizeof(needle), "\n%s ", series);
    const char *p = strstr(r.body, needle);
    if (p)
        v = strtol(p + strlen(needle), NULL, 10);
    free(r.body);
    return v;
}

static void test_repeated_tool_call_id_returns_the_first_result_and_marks_once(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "repeat");
    char *body = webhook("assistant-request-iso-ts.json", id, w->a_num1, "+15125550142");
    resp_t r = post_vapi(w, body, SECRET);
    free(r.body);
    free(body);
    long repeats_before = metric_value(w, "serviceai_tool_calls_repeated_total");
    long marks_before = metric_value(w, "serviceai_emergencies_detected_total");
    body = tool_call_body(id, w->a_num1, "+15125550142", "tc-rep-1", "report_emergency",
                          "{\"category\":\"gas_leak\",\"description\":\"smells like gas\"}");
    char *first = NULL;
    for (int i = 0; i < 3; i++) {
        r = post_vapi(w, body, SECRET);
        assert_int_equal(r.status, 200);
        json_t *j = parse(&r);
        const char *text = json_string_value(json_object_get(result_for(j, "tc-rep-1"), "result"));
        assert_non_null(text);
        if (!first)
            first = strdup(text);
        else
            assert_string_equal(text, first); /* the same answer each time */
        json_decref(j);
        free(r.body);
    }
    free(first);
    free(body);
    /* One emergency marked for three deliveries; two answered from the first result. */
    assert_int_equal(metric_value(w, "serviceai_emergencies_detected_total"), marks_before + 1);
    assert_int_equal(metric_value(w, "serviceai_tool_calls_repeated_total"), repeats_before + 2);
}

static void test_unknown_tool_gets_an_error_result_not_a_failure(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "unknowntool");
    char *body = tool_call_body(id, w->a_num1, "+15125550142", "tc-unk-1", "order_pizza",
                                "{\"size\":\"large\"}");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    json_t *res = result_for(j, "tc-unk-1");
    assert_non_null(res);
    assert_non_null(json_object_get(res, "error"));
    assert_null(json_object_get(res, "result"));
    json_decref(j);
    free(r.body);
    free(body);
}

static void test_final_user_transcript_with_a_gas_smell_marks_the_call(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "gas");
    char *body = webhook("assistant-request-iso-ts.json", id, w->a_num1, "+15125550142");
    resp_t r = post_vapi(w, body, SECRET);
    free(r.body);
    free(body);
    json_t *t = fixture("transcript-final-user.json");
    json_object_set_new(json_object_get(t, "message"), "transcript",
                        json_string("hi um the whole basement smells like rotten eggs near the "
                                    "furnace and i can hear a hissing"));
    char *s = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    json_t *k = json_loads(s, 0, NULL);
    free(s);
    set_msg(k, "call", "id", id);
    set_msg(k, "phoneNumber", "number", w->a_num1);
    s = json_dumps(k, JSON_COMPACT);
    json_decref(k);
    r = post_vapi(w, s, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(s);
    char *cat = wait_call_row(id, "emergency_category");
    assert_non_null(cat);
    assert_string_equal(cat, "gas_leak");
    char *src = call_row(id, "emergency_source");
    assert_string_equal(src, "transcript");
    free(cat);
    free(src);
}

static void test_ops_tool_lists_the_live_call_and_shows_its_hot_state(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "ops");
    char *body = webhook("assistant-request-iso-ts.json", id, w->a_num2, "+15125550199");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    body = webhook("status-update-in-progress.json", id, w->a_num2, "+15125550199");
    r = post_vapi(w, body, SECRET);
    free(r.body);
    free(body);
    usleep(300000); /* the hot state is written after the reply */

    char *out = NULL;
    assert_int_equal(run_capture(&out, "'%s' calls --json", SAI_OPS_BINARY), 0);
    json_t *calls = json_loads(out, 0, NULL);
    assert_true(json_is_array(calls));
    json_t *found = NULL;
    for (size_t i = 0; i < json_array_size(calls); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(calls, i), "call_id")), id) ==
            0)
            found = json_array_get(calls, i);
    assert_non_null(found);
    assert_string_equal(json_string_value(json_object_get(found, "tenant_name")),
                        "Arctic Air Heating & Cooling");
    assert_string_equal(json_string_value(json_object_get(found, "status")), "in-progress");
    json_decref(calls);
    free(out);

    assert_int_equal(run_capture(&out, "'%s' call '%s'", SAI_OPS_BINARY, id), 0);
    assert_non_null(strstr(out, "Arctic Air Heating & Cooling"));
    assert_non_null(strstr(out, "+15125550199"));
    free(out);

    /* Routine events (a transcript) reach the hot state within about a second:
     * writes are gathered per call, not skipped. */
    body = webhook("transcript-final-user.json", id, w->a_num2, "+15125550199");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    usleep(1600000);
    assert_int_equal(run_capture(&out, "'%s' call '%s'", SAI_OPS_BINARY, id), 0);
    assert_non_null(strstr(out, "transcript"));
    free(out);

    assert_int_equal(run_capture(&out, "'%s' call no-such-call 2>&1", SAI_OPS_BINARY), 1);
    assert_non_null(strstr(out, "no hot state"));
    free(out);
    assert_int_equal(run_capture(&out, "SERVICEAI_REDIS_URL=redis://127.0.0.1:1/0 '%s' calls 2>&1",
                                 SAI_OPS_BINARY),
                     1);
    assert_non_null(strstr(out, "cannot reach Redis"));
    free(out);
}

/* The example HVAC company of docs/examples: imported, then called and booked through Vapi. */
static void test_imported_tenant_states_its_hours_and_books_through_the_webhook(void **state)
{
    world_t *w = *state;
    char *out = NULL;
    int rc = run_capture(&out, "'%s' tenant import '%s/docs/examples/hvac-tenant.json' 2>&1",
                         SAI_BINARY, SAI_SOURCE_DIR);
    if (rc != 0)
        fail_msg("tenant import failed (%d): %s", rc, out);
    free(out);

    char id[64], caller[20];
    call_id(id, sizeof(id), w, "import");
    /* A new caller each run: the same caller booking the same service twice is deduplicated. */
    snprintf(caller, sizeof(caller), "+1737%07d", atoi(w->run_tag) % 10000000);
    char *body = webhook("assistant-request-iso-ts.json", id, "+15125550142", caller);
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    json_t *a = assistant_of(j);
    const char *prompt = system_prompt(a);
    assert_non_null(strstr(prompt, "Lone Star Heating & Air"));
    assert_non_null(strstr(prompt, "AC repair")); /* services from the import */
    assert_non_null(strstr(prompt, "7:30"));      /* weekday hours from the import */
    assert_string_equal(transcriber_language(a), "multi");
    json_decref(j);
    free(r.body);
    free(body);

    /* check_availability offers slots with ids; book_appointment books one of them. The
     * imported tenant outlives a run, so the tool call ids are unique per run. */
    char tc1[64], tc2[64];
    snprintf(tc1, sizeof(tc1), "tc-imp-1-%s", w->run_tag);
    snprintf(tc2, sizeof(tc2), "tc-imp-2-%s", w->run_tag);
    body = tool_call_body(id, "+15125550142", caller, tc1, "check_availability",
                          "{\"service\":\"AC repair\"}");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    j = parse(&r);
    json_t *res = result_for(j, tc1);
    assert_non_null(res);
    const char *slots = json_string_value(json_object_get(res, "result"));
    if (!slots)
        fail_msg("check_availability gave no result: %s", r.body);
    const char *sid = strstr(slots, "s_");
    assert_non_null(sid);
    char slot_id[64];
    size_t n = strspn(sid, "s_0123456789abcdef");
    assert_true(n > 3 && n < sizeof(slot_id));
    memcpy(slot_id, sid, n);
    slot_id[n] = '\0';
    json_decref(j);
    free(r.body);
    free(body);

    char args[512];
    snprintf(args, sizeof(args),
             "{\"slot_id\":\"%s\",\"service\":\"AC repair\",\"customer_name\":\"Jane "
             "Doe\",\"address\":\"12 Elm St, Austin TX\",\"issue_description\":\"AC blows warm "
             "air\"}",
             slot_id);
    body = tool_call_body(id, "+15125550142", caller, tc2, "book_appointment", args);
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    j = parse(&r);
    res = result_for(j, tc2);
    assert_non_null(res);
    const char *booked = json_string_value(json_object_get(res, "result"));
    if (!booked)
        fail_msg("book_appointment failed: %s", r.body);
    assert_non_null(strstr(booked, "Jane Doe"));
    json_decref(j);
    free(r.body);
    free(body);

    /* The appointment exists, for this caller, from this call. */
    PGconn *c = PQconnectdb(pg_dsn());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET app.scope = 'platform'"));
    const char *params[] = {id};
    PGresult *q = PQexecParams(c,
                               "SELECT cu.phone FROM appointments a JOIN customers cu ON "
                               "cu.id = a.customer_id WHERE a.vapi_call_id = $1",
                               1, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(q), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(q), 1);
    assert_string_equal(PQgetvalue(q, 0, 0), caller);
    PQclear(q);
    PQfinish(c);
}

static void test_transcript_detection_wins_and_report_emergency_is_recorded_once(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "both");
    char *body = webhook("assistant-request-iso-ts.json", id, w->a_num1, "+15125550142");
    resp_t r = post_vapi(w, body, SECRET);
    free(r.body);
    free(body);
    json_t *t = fixture("transcript-final-user.json");
    json_object_set_new(json_object_get(t, "message"), "transcript",
                        json_string("there's smoke coming out of the furnace vent right now"));
    set_msg(t, "call", "id", id);
    set_msg(t, "phoneNumber", "number", w->a_num1);
    char *s = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    r = post_vapi(w, s, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(s);
    char *cat = wait_call_row(id, "emergency_category");
    assert_non_null(cat);
    assert_string_equal(cat, "fire_smoke");
    free(cat);

    /* The model reports it too, with another category: recorded as a confirmation only. */
    body = tool_call_body(id, w->a_num1, "+15125550142", "tc-both-1", "report_emergency",
                          "{\"category\":\"gas_leak\",\"description\":\"smoke from vent\"}");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    char *confirmed = wait_call_row(id, "emergency_confirmed_by");
    assert_non_null(confirmed);
    assert_string_equal(confirmed, "report_emergency");
    char *source = call_row(id, "emergency_source");
    assert_string_equal(source, "transcript");
    cat = call_row(id, "emergency_category");
    assert_string_equal(cat, "fire_smoke"); /* the first detection stands */
    free(confirmed);
    free(source);
    free(cat);
}

static void test_end_of_call_accepted_before_a_crash_is_saved_after_restart(void **state)
{
    world_t *w = *state;
    char id[64];
    call_id(id, sizeof(id), w, "inbox");
    char *body = webhook("assistant-request-iso-ts.json", id, w->a_num1, "+15125550142");
    resp_t r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    usleep(200000);

    /* An engine whose Postgres sessions cannot start: it can accept the report, not save it. */
    engine_stop(w, SIGKILL);
    engine_start_with(w, "SERVICEAI_PG_ROLE=serviceai_no_such_role", false);
    body = webhook("end-of-call-report.json", id, w->a_num1, "+15125550142");
    r = post_vapi(w, body, SECRET);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    usleep(300000);
    char *row = call_row(id, "ended_reason");
    assert_null(row); /* not saved yet */

    /* It dies before Postgres comes back; the next engine saves the report it had accepted. */
    engine_stop(w, SIGKILL);
    engine_start(w);
    char *reason = wait_call_row(id, "ended_reason");
    assert_non_null(reason);
    char *tenant = call_row(id, "tenant_id");
    assert_string_equal(tenant, w->a_id);
    free(reason);
    free(tenant);
    /* ...and once saved, the inbox copy is gone. */
    char *out = NULL;
    char host[128];
    int port = 0, db = 0;
    assert_true(eng_redis_url_parse(getenv("SERVICEAI_REDIS_URL"), host, sizeof(host), &port, &db));
    int left = -1;
    for (int i = 0; i < 50 && left != 0; i++) {
        free(out);
        run_capture(&out, "redis-cli -h %s -p %d -n %d HEXISTS eoc:pending '%s'", host, port, db,
                    id);
        left = atoi(out);
        if (left)
            usleep(50000);
    }
    free(out);
    assert_int_equal(left, 0);
}

static void test_sigterm_drains_and_exits_cleanly(void **state)
{
    world_t *w = *state;
    int status = engine_stop(w, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    engine_start(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_tenant_number_is_answered_as_its_own_business),
        cmocka_unit_test(test_spanish_tenant_gets_spanish_prompt_greeting_and_transcriber),
        cmocka_unit_test(test_bilingual_tenant_gets_the_multi_language_transcriber),
        cmocka_unit_test(test_unknown_number_gets_a_spoken_polite_error),
        cmocka_unit_test(test_bad_secret_is_refused_with_401_and_nothing_is_recorded),
        cmocka_unit_test(test_hmac_with_a_stale_timestamp_is_refused_and_a_fresh_one_accepted),
        cmocka_unit_test(test_malformed_json_gets_400_with_a_reason),
        cmocka_unit_test(test_oversized_body_gets_413_and_unknown_path_404),
        cmocka_unit_test(test_end_of_call_report_is_persisted_with_its_tenant),
        cmocka_unit_test(test_engine_restarted_mid_call_carries_on_from_redis),
        cmocka_unit_test(test_repeated_tool_call_id_returns_the_first_result_and_marks_once),
        cmocka_unit_test(test_unknown_tool_gets_an_error_result_not_a_failure),
        cmocka_unit_test(test_final_user_transcript_with_a_gas_smell_marks_the_call),
        cmocka_unit_test(test_ops_tool_lists_the_live_call_and_shows_its_hot_state),
        cmocka_unit_test(test_imported_tenant_states_its_hours_and_books_through_the_webhook),
        cmocka_unit_test(test_transcript_detection_wins_and_report_emergency_is_recorded_once),
        cmocka_unit_test(test_end_of_call_accepted_before_a_crash_is_saved_after_restart),
        cmocka_unit_test(test_sigterm_drains_and_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
