/*
 * Unit tests for adapters/adp_vapi_front.c: POST /vapi/webhook on a real
 * eng_http server (loopback, port 0), driven by eng_httpc from the same loop,
 * with a fake call router spawned under SCH_CALL_ROUTER_NAME. Checks what
 * Vapi would see (status and body) and what the router received.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "adp_vapi.h"
#include "adp_vapi_front.h"
#include "eng_alloc.h"
#include "eng_http.h"
#include "eng_httpc.h"
#include "eng_loop.h"
#include "eng_metrics.h"
#include "sch_call.h"

#define FIXTURES SAI_SOURCE_DIR "/tests/fixtures/vapi/"
#define SECRET "front-test-secret"
#define WAIT_MS 3000
#define MAX_SEEN 8

typedef enum { ROUTER_ANSWERS, ROUTER_SILENT } router_mode_t;

typedef struct fixture {
    eng_loop_t *loop;
    eng_http_server_t *srv;
    adp_vapi_front_t *front;
    eng_httpc_t *client;
    eng_actor_id_t collector;
    eng_actor_id_t router;
    router_mode_t mode;
    char url[96];
    eng_httpc_response_msg_t *response;
    /* what the router received */
    int nseen;
    uint32_t seen_types[MAX_SEEN];
    char *seen_dialed[MAX_SEEN];
    int64_t seen_deadline[MAX_SEEN];
} fixture_t;

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- fake router */

static void answer_assistant(fixture_t *f, const eng_msg_t *req)
{
    sch_assistant_reply_t *r = sch_assistant_reply_new();
    r->ok = true;
    r->tenant_id = eng_xstrdup("tenant-a");
    r->business_name = eng_xstrdup("Lone Star Comfort HVAC");
    r->language = SCH_LANG_EN;
    r->system_prompt = eng_xstrdup("You are Maya, the receptionist of Lone Star Comfort HVAC.");
    r->first_message = eng_xstrdup("Thanks for calling Lone Star Comfort HVAC!");
    assert_int_equal(eng_reply(f->loop, req, &r->hdr), ENG_OK);
}

/* Answers only the first tool call: the front must complete the rest. */
static void answer_first_tool(fixture_t *f, const sch_tool_calls_t *calls)
{
    sch_tool_results_t *res = sch_tool_results_new(1);
    res->results[0].id = eng_xstrdup(calls->calls[0].id);
    res->results[0].name = eng_xstrdup(calls->calls[0].name);
    res->results[0].text = eng_xstrdup("Tomorrow at 8 AM or 10 AM.\nWhich works?");
    assert_int_equal(eng_reply(f->loop, &calls->hdr, &res->hdr), ENG_OK);
}

static void router_handle(eng_actor_t *self, eng_msg_t *msg)
{
    fixture_t *f = eng_actor_state(self);
    if (f->nseen < MAX_SEEN) {
        f->seen_types[f->nseen] = msg->type;
        f->seen_deadline[f->nseen] = msg->deadline_ms;
        if (msg->type == SCH_MSG_TOOL_CALLS)
            f->seen_dialed[f->nseen] = eng_xstrdup(((sch_tool_calls_t *)msg)->ctx.dialed_number);
        else
            f->seen_dialed[f->nseen] = eng_xstrdup(((sch_call_event_t *)msg)->ctx.dialed_number);
        f->nseen++;
    }
    if (f->mode == ROUTER_SILENT)
        return;
    if (msg->type == SCH_MSG_ASSISTANT_REQUEST)
        answer_assistant(f, msg);
    else if (msg->type == SCH_MSG_TOOL_CALLS)
        answer_first_tool(f, (const sch_tool_calls_t *)msg);
}

static const eng_actor_ops_t router_ops = {.kind = "test-router", .handle = router_handle};

static void spawn_router(fixture_t *f, router_mode_t mode)
{
    f->mode = mode;
    /* State is the fixture; no stop hook, the test frees it. */
    f->router = eng_actor_spawn(f->loop, SCH_CALL_ROUTER_NAME, &router_ops, f);
    assert_true(f->router != 0);
}

/* ---------------------------------------------------------------- client side */

static void collector_handle(eng_actor_t *self, eng_msg_t *msg)
{
    fixture_t *f = eng_actor_state(self);
    if (msg->type != ENG_MSG_HTTPC_RESPONSE || f->response)
        return;
    eng_msg_retain(msg);
    f->response = (eng_httpc_response_msg_t *)msg;
}

static const eng_actor_ops_t collector_ops = {.kind = "test-collector", .handle = collector_handle};

static void pump(fixture_t *f)
{
    event_base_loop(eng_loop_base(f->loop), EVLOOP_ONCE | EVLOOP_NONBLOCK);
    eng_loop_run_once(f->loop);
    usleep(200);
}

static fixture_t *fixture_new(int64_t deadline_ms)
{
    fixture_t *f = eng_xcalloc(1, sizeof(*f));
    eng_loop_opts_t lo = {.log_level = ENG_LOG_ERROR};
    f->loop = eng_loop_new(&lo);
    eng_http_opts_t opts = {.request_deadline_ms = deadline_ms};
    f->srv = eng_http_server_new(f->loop, &opts);
    adp_vapi_config_t cfg = {.secret = SECRET, .public_url = "https://engine.example.com"};
    f->front = adp_vapi_front_new(f->loop, f->srv, &cfg);
    assert_non_null(f->front);
    assert_int_equal(eng_http_server_listen(f->srv, "127.0.0.1", 0), ENG_OK);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d%s", eng_http_server_port(f->srv),
             ADP_VAPI_WEBHOOK_PATH);
    f->client = eng_httpc_new(f->loop);
    f->collector = eng_actor_spawn(f->loop, "test-collector", &collector_ops, f);
    assert_true(f->collector != 0);
    return f;
}

static int setup(void **state)
{
    *state = fixture_new(5000);
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    eng_httpc_free(f->client);
    eng_http_server_free(f->srv);
    adp_vapi_front_free(f->front);
    eng_loop_free(f->loop);
    if (f->response)
        eng_msg_free(&f->response->hdr);
    for (int i = 0; i < f->nseen; i++)
        free(f->seen_dialed[i]);
    free(f);
    return 0;
}

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), FIXTURES "%s", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = eng_xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* POSTs body with the given extra headers and pumps until the response is in.
 * Returns the elapsed wall time in ms. */
static int64_t post(fixture_t *f, const char *body, size_t len, const char *const *headers)
{
    eng_httpc_request_t req = {.method = "POST",
                               .url = f->url,
                               .headers = headers,
                               .body = body,
                               .body_len = len,
                               .timeout_ms = WAIT_MS};
    int64_t start = real_ms();
    assert_int_equal(eng_httpc_send(f->client, f->collector, 1, ENG_CLASS_LIVE, &req), ENG_OK);
    while (!f->response) {
        if (real_ms() - start > WAIT_MS)
            fail_msg("no response within %d ms", WAIT_MS);
        pump(f);
    }
    assert_int_equal(f->response->err, ENG_OK);
    return real_ms() - start;
}

static const char *const good_headers[] = {"Content-Type: application/json",
                                           "X-Vapi-Secret: " SECRET, NULL};

static int64_t post_fixture(fixture_t *f, const char *name)
{
    size_t len;
    char *body = slurp(name, &len);
    int64_t ms = post(f, body, len, good_headers);
    free(body);
    return ms;
}

/* Lets queued work run for a moment (messages forwarded after the reply). */
static void settle(fixture_t *f, int ms)
{
    int64_t until = real_ms() + ms;
    while (real_ms() < until)
        pump(f);
}

static json_t *response_json(fixture_t *f)
{
    json_error_t jerr;
    json_t *root = json_loadb(f->response->body, f->response->body_len, 0, &jerr);
    if (!root)
        fail_msg("response is not JSON (%s): %.*s", jerr.text, (int)f->response->body_len,
                 f->response->body);
    return root;
}

static uint64_t counter(fixture_t *f, const char *name, const char *labels)
{
    return eng_counter_value(eng_metrics_counter(eng_loop_metrics(f->loop), name, labels, "x"));
}

/* ---------------------------------------------------------------- tests */

static void test_assistant_request_is_answered_with_the_assistant_the_router_built(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_ANSWERS);
    post_fixture(f, "assistant-request-iso-ts.json");
    assert_int_equal(f->response->status, 200);
    json_t *root = response_json(f);
    json_t *a = json_object_get(root, "assistant");
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "firstMessage")),
                        "Thanks for calling Lone Star Comfort HVAC!");
    json_t *server = json_object_get(a, "server");
    assert_string_equal(json_string_value(json_object_get(server, "url")),
                        "https://engine.example.com/vapi/webhook");
    json_decref(root);

    assert_int_equal(f->nseen, 1);
    assert_int_equal(f->seen_types[0], SCH_MSG_ASSISTANT_REQUEST);
    assert_string_equal(f->seen_dialed[0], "+15125550100");
    assert_true(f->seen_deadline[0] > 0);
    assert_int_equal(adp_vapi_front_pending(f->front), 0);
    assert_int_equal(counter(f, "serviceai_vapi_messages_total", "type=\"assistant-request\""), 1);
}

static void test_bad_secret_is_refused_with_401_and_the_router_gets_nothing(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_ANSWERS);
    size_t len;
    char *body = slurp("assistant-request-iso-ts.json", &len);
    const char *const headers[] = {"X-Vapi-Secret: not-the-secret", NULL};
    post(f, body, len, headers);
    free(body);
    assert_int_equal(f->response->status, 401);
    json_t *root = response_json(f);
    assert_string_equal(json_string_value(json_object_get(root, "error")), "unauthorized");
    json_decref(root);
    settle(f, 20);
    assert_int_equal(f->nseen, 0);
    assert_int_equal(counter(f, "serviceai_vapi_auth_failures_total", NULL), 1);
    assert_int_equal(counter(f, "serviceai_vapi_messages_total", "type=\"assistant-request\""), 0);
}

static void test_hmac_signed_webhook_is_accepted(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_ANSWERS);
    size_t len;
    char *body = slurp("status-update-in-progress.json", &len);
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)eng_loop_wall_ms(f->loop));
    /* HMAC-SHA256(secret, "{timestamp}.{body}"), hex */
    size_t tl = strlen(ts);
    char *payload = eng_xmalloc(tl + 1 + len);
    memcpy(payload, ts, tl);
    payload[tl] = '.';
    memcpy(payload + tl + 1, body, len);
    unsigned char mac[32];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)payload, tl + 1 + len, mac,
         &maclen);
    free(payload);
    char sig_header[128] = "x-signature: ", ts_header[64];
    for (int i = 0; i < 32; i++)
        snprintf(sig_header + 13 + 2 * i, 3, "%02x", mac[i]);
    snprintf(ts_header, sizeof(ts_header), "x-timestamp: %s", ts);
    const char *const headers[] = {sig_header, ts_header, NULL};
    post(f, body, len, headers);
    free(body);
    assert_int_equal(f->response->status, 200);
}

static void test_malformed_body_is_refused_with_400_and_a_reason(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_ANSWERS);
    const char body[] = "{\"message\": {\"type\": \"tool-calls\", ";
    post(f, body, sizeof(body) - 1, good_headers);
    assert_int_equal(f->response->status, 400);
    json_t *root = response_json(f);
    const char *why = json_string_value(json_object_get(root, "error"));
    assert_non_null(why);
    assert_non_null(strstr(why, "malformed JSON"));
    json_decref(root);
    settle(f, 20);
    assert_int_equal(f->nseen, 0);
}

static void test_status_update_is_acknowledged_at_once_and_then_reaches_the_router(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_SILENT);
    post_fixture(f, "status-update-ended.json");
    assert_int_equal(f->response->status, 200);
    assert_int_equal(f->response->body_len, 2);
    assert_memory_equal(f->response->body, "{}", 2);
    settle(f, 20);
    assert_int_equal(f->nseen, 1);
    assert_int_equal(f->seen_types[0], SCH_MSG_CALL_STATUS);
    assert_int_equal(counter(f, "serviceai_vapi_messages_total", "type=\"status-update\""), 1);
}

static void test_unused_type_is_acknowledged_counted_and_not_forwarded(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_ANSWERS);
    post_fixture(f, "hang.json");
    assert_int_equal(f->response->status, 200);
    assert_memory_equal(f->response->body, "{}", 2);
    settle(f, 20);
    assert_int_equal(f->nseen, 0);
    assert_int_equal(counter(f, "serviceai_vapi_unused_total", "type=\"hang\""), 1);
}

static void test_tool_results_missing_a_call_are_completed_with_an_error(void **state)
{
    fixture_t *f = *state;
    spawn_router(f, ROUTER_ANSWERS);
    post_fixture(f, "tool-calls-object-args.json");
    assert_int_equal(f->response->status, 200);
    assert_null(memchr(f->response->body, '\n', f->response->body_len));
    json_t *root = response_json(f);
    json_t *results = json_object_get(root, "results");
    assert_int_equal(json_array_size(results), 2);
    json_t *r0 = json_array_get(results, 0), *r1 = json_array_get(results, 1);
    assert_string_equal(json_string_value(json_object_get(r0, "toolCallId")),
                        "call_Kq3vX9mB2nL7pR4t");
    assert_string_equal(json_string_value(json_object_get(r0, "result")),
                        "Tomorrow at 8 AM or 10 AM. Which works?");
    assert_string_equal(json_string_value(json_object_get(r1, "toolCallId")),
                        "call_Zt8wY1cD5fG3hJ6k");
    assert_non_null(json_string_value(json_object_get(r1, "error")));
    json_decref(root);
}

static void test_tool_calls_without_a_router_get_a_polite_error_per_call(void **state)
{
    fixture_t *f = *state; /* no router spawned */
    post_fixture(f, "tool-calls-object-args.json");
    assert_int_equal(f->response->status, 200);
    json_t *root = response_json(f);
    json_t *results = json_object_get(root, "results");
    assert_int_equal(json_array_size(results), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(results, i), "error")),
                            adp_vapi_default_tool_slow_text());
    json_decref(root);
    assert_int_equal(
        counter(f, "serviceai_vapi_fallbacks_total", "type=\"tool-calls\",reason=\"no_router\""),
        1);
}

static void test_router_that_never_answers_gets_a_spoken_error_before_the_deadline(void **state)
{
    fixture_t *f = fixture_new(600);
    *state = f;
    spawn_router(f, ROUTER_SILENT);
    int64_t ms = post_fixture(f, "assistant-request-epoch-ts.json");
    assert_int_equal(f->response->status, 200);
    json_t *root = response_json(f);
    assert_null(json_object_get(root, "assistant"));
    assert_string_equal(json_string_value(json_object_get(root, "error")),
                        adp_vapi_default_unavailable_text());
    json_decref(root);
    /* The front answered (its own deadline, a margin before the HTTP one), not eng_http. */
    assert_true(ms < 600);
    assert_int_equal(counter(f, "serviceai_vapi_fallbacks_total",
                             "type=\"assistant-request\",reason=\"deadline\""),
                     1);
    assert_int_equal(f->nseen, 1);
    assert_int_equal(adp_vapi_front_pending(f->front), 0);
}

static void test_a_second_front_on_the_same_loop_is_refused(void **state)
{
    fixture_t *f = *state;
    adp_vapi_config_t cfg = {.secret = SECRET};
    assert_null(adp_vapi_front_new(f->loop, f->srv, &cfg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_assistant_request_is_answered_with_the_assistant_the_router_built, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_bad_secret_is_refused_with_401_and_the_router_gets_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac_signed_webhook_is_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_body_is_refused_with_400_and_a_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_status_update_is_acknowledged_at_once_and_then_reaches_the_router, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_unused_type_is_acknowledged_counted_and_not_forwarded,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tool_results_missing_a_call_are_completed_with_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tool_calls_without_a_router_get_a_polite_error_per_call, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_router_that_never_answers_gets_a_spoken_error_before_the_deadline, NULL, teardown),
        cmocka_unit_test_setup_teardown(test_a_second_front_on_the_same_loop_is_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
