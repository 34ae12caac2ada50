/*
 * Unit tests for engine/eng_httpc.c: the libcurl multi client on the loop,
 * talking to the engine's own HTTP server on loopback. Responses are
 * collected by a small actor, the way a provider adapter receives them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "eng_alloc.h"
#include "eng_http.h"
#include "eng_httpc.h"
#include "eng_loop.h"

#define WAIT_MS 5000
#define MAX_RESPONSES 8

typedef struct fixture {
    eng_loop_t *loop;
    eng_http_server_t *srv;
    eng_httpc_t *client;
    eng_actor_id_t collector;
    char base_url[64];
    eng_httpc_response_msg_t *responses[MAX_RESPONSES];
    int nresponses;
} fixture_t;

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- server side */

static void h_hello(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    static const char body[] = "hello";
    assert_int_equal(
        eng_http_reply(srv, eng_http_req_id(req), 200, "text/plain", body, sizeof(body) - 1),
        ENG_OK);
}

/* Echoes the body, prefixed with the X-Tenant request header. */
static void h_echo(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    size_t len;
    const char *body = eng_http_req_body(req, &len);
    const char *tenant = eng_http_req_header(req, "X-Tenant");
    char out[256];
    int n = snprintf(out, sizeof(out), "%s|%s|%.*s", eng_http_req_method(req),
                     tenant ? tenant : "-", (int)len, body);
    assert_int_equal(
        eng_http_reply(srv, eng_http_req_id(req), 201, "application/json", out, (size_t)n), ENG_OK);
}

static void h_never(eng_http_server_t *srv, eng_http_req_t *req, void *arg) {}

/* ---------------------------------------------------------------- collector actor */

static void collector_handle(eng_actor_t *self, eng_msg_t *msg)
{
    fixture_t *f = eng_actor_state(self);
    if (msg->type != ENG_MSG_HTTPC_RESPONSE || f->nresponses == MAX_RESPONSES)
        return;
    eng_msg_retain(msg);
    f->responses[f->nresponses++] = (eng_httpc_response_msg_t *)msg;
}

static const eng_actor_ops_t collector_ops = {.kind = "test-collector", .handle = collector_handle};

static int setup(void **state)
{
    fixture_t *f = eng_xcalloc(1, sizeof(*f));
    eng_loop_opts_t lo = {.log_level = ENG_LOG_ERROR};
    f->loop = eng_loop_new(&lo);
    eng_http_opts_t opts = {.request_deadline_ms = 5000};
    f->srv = eng_http_server_new(f->loop, &opts);
    eng_http_route(f->srv, "GET", "/hello", h_hello, f);
    eng_http_route(f->srv, "POST", "/echo", h_echo, f);
    eng_http_route(f->srv, "PUT", "/echo", h_echo, f);
    eng_http_route(f->srv, "GET", "/never", h_never, f);
    assert_int_equal(eng_http_server_listen(f->srv, "127.0.0.1", 0), ENG_OK);
    snprintf(f->base_url, sizeof(f->base_url), "http://127.0.0.1:%d", eng_http_server_port(f->srv));
    f->client = eng_httpc_new(f->loop);
    /* State is the fixture; no stop hook, the test frees it. */
    f->collector = eng_actor_spawn(f->loop, "test-collector", &collector_ops, f);
    assert_true(f->collector != 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    eng_httpc_free(f->client);
    eng_http_server_free(f->srv);
    eng_loop_free(f->loop);
    for (int i = 0; i < f->nresponses; i++)
        eng_msg_free(&f->responses[i]->hdr);
    free(f);
    return 0;
}

/* Pumps the loop until `want` responses were collected; fails after WAIT_MS. */
static void await_responses(fixture_t *f, int want)
{
    int64_t until = real_ms() + WAIT_MS;
    while (f->nresponses < want) {
        if (real_ms() > until)
            fail_msg("only %d of %d responses within %d ms", f->nresponses, want, WAIT_MS);
        event_base_loop(eng_loop_base(f->loop), EVLOOP_ONCE | EVLOOP_NONBLOCK);
        eng_loop_run_once(f->loop);
        usleep(200);
    }
}

static void url(fixture_t *f, const char *path, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s%s", f->base_url, path);
}

/* ---------------------------------------------------------------- tests */

static void test_get_returns_status_body_and_headers(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/hello", u, sizeof(u));
    eng_httpc_request_t req = {.method = "GET", .url = u};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 42, ENG_CLASS_LIVE, &req), ENG_OK);
    assert_int_equal(eng_httpc_inflight(f->client), 1);
    await_responses(f, 1);
    eng_httpc_response_msg_t *r = f->responses[0];
    assert_int_equal(r->err, ENG_OK);
    assert_null(r->errmsg);
    assert_int_equal(r->hdr.corr, 42);
    assert_int_equal(r->hdr.cls, ENG_CLASS_LIVE);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->body_len, 5);
    assert_string_equal(r->body, "hello");
    char value[64];
    assert_non_null(eng_httpc_response_header(r, "content-type", value, sizeof(value)));
    assert_string_equal(value, "text/plain");
    assert_non_null(eng_httpc_response_header(r, "Content-Length", value, sizeof(value)));
    assert_string_equal(value, "5");
    assert_null(eng_httpc_response_header(r, "X-Absent", value, sizeof(value)));
    assert_true(r->elapsed_us > 0);
    assert_int_equal(eng_httpc_inflight(f->client), 0);
}

static void test_post_sends_body_and_request_headers(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/echo", u, sizeof(u));
    const char *headers[] = {"X-Tenant: acme-hvac", "Content-Type: application/json", NULL};
    const char body[] = "{\"slot\":\"09:00\"}";
    eng_httpc_request_t req = {
        .method = "POST", .url = u, .headers = headers, .body = body, .body_len = sizeof(body) - 1};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 7, ENG_CLASS_BACKGROUND, &req),
                     ENG_OK);
    await_responses(f, 1);
    eng_httpc_response_msg_t *r = f->responses[0];
    assert_int_equal(r->err, ENG_OK);
    assert_int_equal(r->status, 201);
    assert_string_equal(r->body, "POST|acme-hvac|{\"slot\":\"09:00\"}");
    assert_int_equal(r->hdr.cls, ENG_CLASS_BACKGROUND);
}

static void test_put_uses_the_requested_method(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/echo", u, sizeof(u));
    eng_httpc_request_t req = {.method = "PUT", .url = u, .body = "x", .body_len = 1};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 1, ENG_CLASS_LIVE, &req), ENG_OK);
    await_responses(f, 1);
    assert_string_equal(f->responses[0]->body, "PUT|-|x");
}

static void test_http_error_status_is_a_response_not_an_error(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/missing", u, sizeof(u));
    eng_httpc_request_t req = {.method = "GET", .url = u};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 1, ENG_CLASS_LIVE, &req), ENG_OK);
    await_responses(f, 1);
    assert_int_equal(f->responses[0]->err, ENG_OK);
    assert_int_equal(f->responses[0]->status, 404);
    assert_string_equal(f->responses[0]->body, "{\"error\":\"not found\"}");
}

static void test_concurrent_requests_each_come_back_with_their_corr(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/hello", u, sizeof(u));
    eng_httpc_request_t req = {.method = "GET", .url = u};
    for (uint64_t i = 1; i <= 4; i++)
        assert_int_equal(eng_httpc_send(f->client, f->collector, i, ENG_CLASS_LIVE, &req), ENG_OK);
    assert_int_equal(eng_httpc_inflight(f->client), 4);
    await_responses(f, 4);
    uint64_t seen = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f->responses[i]->status, 200);
        seen |= 1u << f->responses[i]->hdr.corr;
    }
    assert_int_equal(seen, 0x1e);
}

static void test_server_that_does_not_answer_in_time_gives_timeout(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/never", u, sizeof(u));
    eng_httpc_request_t req = {.method = "GET", .url = u, .timeout_ms = 200};
    int64_t start = real_ms();
    assert_int_equal(eng_httpc_send(f->client, f->collector, 9, ENG_CLASS_LIVE, &req), ENG_OK);
    await_responses(f, 1);
    eng_httpc_response_msg_t *r = f->responses[0];
    assert_int_equal(r->err, ENG_ERR_TIMEOUT);
    assert_non_null(r->errmsg);
    assert_int_equal(r->status, 0);
    assert_int_equal(r->hdr.corr, 9);
    int64_t took = real_ms() - start;
    assert_true(took >= 190);
    assert_true(took < 2000);
}

static void test_closed_port_gives_connect_error(void **state)
{
    fixture_t *f = *state;
    /* A port that was free a moment ago and has no listener now. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t slen = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
    close(fd);
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/hello", ntohs(sa.sin_port));
    eng_httpc_request_t req = {.method = "GET", .url = u};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 3, ENG_CLASS_LIVE, &req), ENG_OK);
    await_responses(f, 1);
    assert_int_equal(f->responses[0]->err, ENG_ERR_CONNECT);
    assert_non_null(f->responses[0]->errmsg);
    assert_int_equal(f->responses[0]->status, 0);
}

static void test_invalid_request_is_refused_at_once(void **state)
{
    fixture_t *f = *state;
    eng_httpc_request_t req = {.method = "GET", .url = NULL};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 1, ENG_CLASS_LIVE, &req),
                     ENG_ERR_INVALID);
    assert_int_equal(eng_httpc_inflight(f->client), 0);
}

static void test_freeing_the_client_answers_pending_requests_with_shutting_down(void **state)
{
    fixture_t *f = *state;
    char u[128];
    url(f, "/never", u, sizeof(u));
    eng_httpc_request_t req = {.method = "GET", .url = u};
    assert_int_equal(eng_httpc_send(f->client, f->collector, 5, ENG_CLASS_LIVE, &req), ENG_OK);
    /* Let the request reach the server first. */
    int64_t until = real_ms() + WAIT_MS;
    while (eng_http_server_inflight(f->srv) == 0 && real_ms() < until) {
        event_base_loop(eng_loop_base(f->loop), EVLOOP_ONCE | EVLOOP_NONBLOCK);
        usleep(200);
    }
    assert_int_equal(eng_http_server_inflight(f->srv), 1);
    eng_httpc_free(f->client);
    f->client = NULL;
    await_responses(f, 1);
    assert_int_equal(f->responses[0]->err, ENG_ERR_SHUTTING_DOWN);
    assert_int_equal(f->responses[0]->hdr.corr, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_returns_status_body_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_sends_body_and_request_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_uses_the_requested_method, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_error_status_is_a_response_not_an_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_requests_each_come_back_with_their_corr,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_that_does_not_answer_in_time_gives_timeout,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_port_gives_connect_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_request_is_refused_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_freeing_the_client_answers_pending_requests_with_shutting_down, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
