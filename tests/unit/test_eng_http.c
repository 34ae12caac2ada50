/*
 * Unit tests for engine/eng_http.c: the HTTP server on the loop, on loopback
 * only. The client side is a raw non-blocking socket driven from the same
 * thread, so every byte on the wire is under the test's control (chunked
 * bodies, pipelining, hanging up early). The loop is pumped with
 * event_base_loop(EVLOOP_ONCE|EVLOOP_NONBLOCK) plus eng_loop_run_once().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "eng_alloc.h"
#include "eng_http.h"
#include "eng_loop.h"
#include "eng_metrics.h"

#define WAIT_MS 3000

/* ---------------------------------------------------------------- fixture */

typedef struct fixture {
    eng_loop_t *loop;
    eng_http_server_t *srv;
    int port;
    int echo_calls;
    int never_calls;
    eng_http_req_id_t last_id;
    char fallback_body[64]; /* set: the never-handler installs this fallback */
    eng_actor_id_t replier;
    eng_err_t later_rc;
    int later_replies;
} fixture_t;

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pump_once(eng_loop_t *loop)
{
    event_base_loop(eng_loop_base(loop), EVLOOP_ONCE | EVLOOP_NONBLOCK);
    eng_loop_run_once(loop);
}

/* ---------------------------------------------------------------- handlers */

static void h_echo(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    fixture_t *f = arg;
    f->echo_calls++;
    size_t len;
    const char *body = eng_http_req_body(req, &len);
    assert_int_equal(body[len], '\0');
    assert_int_equal(eng_http_reply(srv, eng_http_req_id(req), 200, "text/plain", body, len),
                     ENG_OK);
    /* The request stays readable until the handler returns, even after the reply. */
    assert_string_equal(eng_http_req_method(req), "POST");
}

static void h_hello(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    const char *who = eng_http_req_header(req, "x-test");
    char body[128];
    snprintf(body, sizeof(body), "hello %s %s", who ? who : "nobody", eng_http_req_path(req));
    assert_int_equal(
        eng_http_reply(srv, eng_http_req_id(req), 200, "text/plain", body, strlen(body)), ENG_OK);
}

static void h_never(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    fixture_t *f = arg;
    f->never_calls++;
    f->last_id = eng_http_req_id(req);
    if (f->fallback_body[0])
        eng_http_req_set_fallback(req, 200, "application/json", f->fallback_body);
}

/* Replies from an actor, when a timer fires: the way a call actor answers. */
static void replier_handle(eng_actor_t *self, eng_msg_t *msg)
{
    fixture_t *f = eng_actor_state(self);
    if (msg->type != ENG_MSG_TICK)
        return;
    static const char body[] = "{\"later\":true}";
    f->later_rc =
        eng_http_reply(f->srv, msg->corr, 201, "application/json", body, sizeof(body) - 1);
    f->later_replies++;
}

static const eng_actor_ops_t replier_ops = {.kind = "test-replier", .handle = replier_handle};

static void h_later(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    fixture_t *f = arg;
    f->last_id = eng_http_req_id(req);
    eng_msg_t *tick = eng_msg_new(sizeof(eng_msg_t), ENG_MSG_TICK, ENG_CLASS_LIVE, NULL);
    tick->corr = eng_http_req_id(req);
    (void)eng_timer_after(eng_http_server_loop(srv), f->replier, 50, tick);
}

static fixture_t *fixture_new(const eng_http_opts_t *opts, bool frozen)
{
    fixture_t *f = eng_xcalloc(1, sizeof(*f));
    eng_loop_opts_t lo = {.log_level = ENG_LOG_ERROR, .frozen_clock = frozen};
    f->loop = eng_loop_new(&lo);
    f->srv = eng_http_server_new(f->loop, opts);
    eng_http_route(f->srv, "POST", "/echo", h_echo, f);
    eng_http_route(f->srv, "GET", "/hello", h_hello, f);
    eng_http_route(f->srv, "POST", "/never", h_never, f);
    eng_http_route(f->srv, "POST", "/later", h_later, f);
    /* The replier's state is the fixture; its ops have no stop hook, so the test frees it. */
    f->replier = eng_actor_spawn(f->loop, "test-replier", &replier_ops, f);
    assert_true(f->replier != 0);
    assert_int_equal(eng_http_server_listen(f->srv, "127.0.0.1", 0), ENG_OK);
    f->port = eng_http_server_port(f->srv);
    assert_true(f->port > 0);
    return f;
}

static void fixture_free(fixture_t *f)
{
    eng_http_server_free(f->srv);
    eng_loop_free(f->loop);
    free(f);
}

static int setup_default(void **state)
{
    eng_http_opts_t opts = {.max_body_bytes = 1024, .request_deadline_ms = 150};
    fixture_t *f = fixture_new(&opts, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* ---------------------------------------------------------------- raw client */

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static const char *find_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

typedef struct client {
    int fd;
    char buf[65536];
    size_t len;
    bool closed;
} client_t;

typedef struct response {
    int status;
    char headers[4096];
    char body[8192];
    size_t body_len;
} response_t;

static client_t *client_connect(int port)
{
    client_t *c = eng_xcalloc(1, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    return c;
}

static void client_close(client_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

/* Writes everything, pumping the server while the socket buffer is full. */
static void client_send(fixture_t *f, client_t *c, const char *data, size_t len)
{
    int64_t until = real_ms() + WAIT_MS;
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return; /* the server may close early (413); the test checks the response */
        assert_true(real_ms() < until);
        pump_once(f->loop);
    }
}

static void client_read_some(client_t *c)
{
    if (c->closed || c->len == sizeof(c->buf))
        return;
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n > 0)
        c->len += (size_t)n;
    else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
        c->closed = true;
}

/* Parses one complete response off the front of c->buf; false if not complete yet. */
static bool client_take_response(client_t *c, response_t *r)
{
    const char *end = find_head_end(c->buf, c->len);
    if (!end)
        return false;
    size_t head_len = (size_t)(end - c->buf) + 4;
    long content_length = -1;
    char head[4096];
    size_t hl = head_len < sizeof(head) - 1 ? head_len : sizeof(head) - 1;
    memcpy(head, c->buf, hl);
    head[hl] = '\0';
    for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            content_length = strtol(line + 17, NULL, 10);
    size_t body_len;
    if (content_length >= 0) {
        if (c->len < head_len + (size_t)content_length)
            return false;
        body_len = (size_t)content_length;
    } else {
        if (!c->closed)
            return false;
        body_len = c->len - head_len;
    }
    memset(r, 0, sizeof(*r));
    assert_int_equal(sscanf(head, "HTTP/1.%*d %d", &r->status), 1);
    snprintf(r->headers, sizeof(r->headers), "%s", head);
    r->body_len = body_len < sizeof(r->body) - 1 ? body_len : sizeof(r->body) - 1;
    memcpy(r->body, c->buf + head_len, r->body_len);
    r->body[r->body_len] = '\0';
    memmove(c->buf, c->buf + head_len + body_len, c->len - head_len - body_len);
    c->len -= head_len + body_len;
    return true;
}

/* Pumps the loop until a full response arrives; fails the test after WAIT_MS. */
static void client_await(fixture_t *f, client_t *c, response_t *r)
{
    int64_t until = real_ms() + WAIT_MS;
    for (;;) {
        client_read_some(c);
        if (client_take_response(c, r))
            return;
        if (c->closed && c->len == 0)
            fail_msg("connection closed without a response");
        if (real_ms() > until)
            fail_msg("no response within %d ms", WAIT_MS);
        pump_once(f->loop);
        usleep(200);
    }
}

/* True if nothing arrives within ms. */
static bool client_silent_for(fixture_t *f, client_t *c, int64_t ms)
{
    int64_t until = real_ms() + ms;
    while (real_ms() < until) {
        pump_once(f->loop);
        client_read_some(c);
        if (c->len > 0)
            return false;
        usleep(500);
    }
    return true;
}

static void request(fixture_t *f, const char *method, const char *path, const char *body,
                    response_t *r)
{
    client_t *c = client_connect(f->port);
    char head[512];
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: tester\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, blen);
    client_send(f, c, head, (size_t)n);
    if (blen)
        client_send(f, c, body, blen);
    client_await(f, c, r);
    client_close(c);
}

static uint64_t counter(fixture_t *f, const char *name, const char *labels)
{
    return eng_counter_value(eng_metrics_counter(eng_loop_metrics(f->loop), name, labels, "test"));
}

static void pump_until_inflight(fixture_t *f, size_t want)
{
    int64_t until = real_ms() + WAIT_MS;
    while (eng_http_server_inflight(f->srv) != want) {
        assert_true(real_ms() < until);
        pump_once(f->loop);
        usleep(200);
    }
}

/* ---------------------------------------------------------------- tests */

static void test_route_answers_200_with_the_body(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "POST", "/echo", "{\"ping\":1}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"ping\":1}");
    assert_true(contains_ci(r.headers, "Content-Type: text/plain"));
    assert_int_equal(f->echo_calls, 1);
    assert_int_equal(eng_http_server_inflight(f->srv), 0);
}

static void test_headers_are_found_case_insensitively_and_query_is_ignored(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "GET", "/hello?lang=es&x=1", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello tester /hello");
}

static void test_unknown_path_answers_404_json(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "GET", "/nope", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\":\"not found\"}");
    assert_true(contains_ci(r.headers, "Content-Type: application/json"));
    assert_int_equal(
        counter(f, "serviceai_http_requests_total", "route=\"unmatched\",status=\"404\""), 1);
}

static void test_wrong_method_on_known_path_answers_405_with_allow(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "GET", "/echo", NULL, &r);
    assert_int_equal(r.status, 405);
    assert_true(contains_ci(r.headers, "Allow: POST"));
    assert_int_equal(f->echo_calls, 0);
    /* A method evhttp would refuse by default (PATCH) still gets our 405, not a 501. */
    request(f, "PATCH", "/echo", "x", &r);
    assert_int_equal(r.status, 405);
}

static void test_body_at_the_limit_is_accepted(void **state)
{
    fixture_t *f = *state;
    char *body = eng_xmalloc(1025);
    memset(body, 'a', 1024);
    body[1024] = '\0';
    response_t r;
    request(f, "POST", "/echo", body, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 1024);
    assert_int_equal(f->echo_calls, 1);
    free(body);
}

static void test_body_over_the_limit_answers_413_and_the_handler_never_runs(void **state)
{
    fixture_t *f = *state;
    char *body = eng_xmalloc(4097);
    memset(body, 'b', 4096);
    body[4096] = '\0';
    response_t r;
    request(f, "POST", "/echo", body, &r);
    assert_int_equal(r.status, 413);
    assert_int_equal(f->echo_calls, 0);
    free(body);
}

static void test_huge_body_over_the_limit_answers_413_and_the_handler_never_runs(void **state)
{
    fixture_t *f = *state;
    /* Far more than the socket buffers hold: the 413 comes before the body is sent. */
    size_t len = 4 * 1024 * 1024;
    char *body = eng_xmalloc(len);
    memset(body, 'h', len);
    client_t *c = client_connect(f->port);
    char head[128];
    int n = snprintf(head, sizeof(head),
                     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", len);
    client_send(f, c, head, (size_t)n);
    client_send(f, c, body, len);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 413);
    assert_int_equal(f->echo_calls, 0);
    client_close(c);
    free(body);
}

static void test_chunked_body_over_the_limit_answers_413_and_the_handler_never_runs(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char head[] = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    client_send(f, c, head, sizeof(head) - 1);
    /* Two 800-byte chunks: each is under the limit, together they are over it. */
    char chunk[900];
    int n = snprintf(chunk, sizeof(chunk), "320\r\n");
    memset(chunk + n, 'c', 800);
    memcpy(chunk + n + 800, "\r\n", 2);
    client_send(f, c, chunk, (size_t)n + 802);
    client_send(f, c, chunk, (size_t)n + 802);
    client_send(f, c, "0\r\n\r\n", 5);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 413);
    assert_int_equal(f->echo_calls, 0);
    client_close(c);
}

static void test_oversized_headers_are_refused_before_the_handler_runs(void **state)
{
    fixture_t *f = *state;
    size_t big = 40 * 1024; /* over the server's 32 KiB header budget */
    char *value = eng_xmalloc(big + 1);
    memset(value, 'v', big);
    value[big] = '\0';
    client_t *c = client_connect(f->port);
    const char start[] = "POST /echo HTTP/1.1\r\nHost: x\r\nX-Big: ";
    client_send(f, c, start, sizeof(start) - 1);
    client_send(f, c, value, big);
    client_send(f, c, "\r\nContent-Length: 0\r\n\r\n", 23);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 400);
    assert_int_equal(f->echo_calls, 0);
    client_close(c);
    free(value);
}

static void test_chunked_body_under_the_limit_reaches_the_handler_whole(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char req[] = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    client_send(f, c, req, sizeof(req) - 1);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello world");
    client_close(c);
}

static void test_reply_sent_later_from_an_actor_timer_arrives(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "POST", "/later", "{}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"later\":true}");
    assert_int_equal(f->later_replies, 1);
    assert_int_equal(f->later_rc, ENG_OK);
    assert_int_equal(eng_http_server_inflight(f->srv), 0);
}

static void test_handler_that_never_replies_gets_the_default_fallback_at_the_deadline(void **state)
{
    fixture_t *f = *state;
    int64_t start = real_ms();
    response_t r;
    request(f, "POST", "/never", "{}", &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "{\"error\":\"deadline exceeded\"}");
    assert_true(real_ms() - start >= 140);
    assert_int_equal(eng_http_server_inflight(f->srv), 0);
    assert_int_equal(eng_timer_pending(f->loop), 0);
}

static void test_fallback_set_by_the_handler_is_sent_at_the_deadline(void **state)
{
    fixture_t *f = *state;
    snprintf(f->fallback_body, sizeof(f->fallback_body), "{\"result\":\"we will call you back\"}");
    response_t r;
    request(f, "POST", "/never", "{}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"result\":\"we will call you back\"}");
}

static void test_late_reply_after_the_fallback_is_dropped_with_not_found(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "POST", "/never", "{}", &r);
    assert_int_equal(r.status, 503);
    assert_int_equal(eng_http_reply(f->srv, f->last_id, 200, "text/plain", "late", 4),
                     ENG_ERR_NOT_FOUND);
    assert_int_equal(counter(f, "serviceai_http_replies_dropped_total", "reason=\"deadline\""), 1);
    /* An id that was never issued is dropped too, and counted apart. */
    assert_int_equal(eng_http_reply(f->srv, f->last_id + 1000, 200, NULL, "", 0),
                     ENG_ERR_NOT_FOUND);
    assert_int_equal(counter(f, "serviceai_http_replies_dropped_total", "reason=\"unknown\""), 1);
}

static void test_second_reply_to_the_same_request_is_dropped(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char req[] = "POST /never HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    client_send(f, c, req, sizeof(req) - 1);
    pump_until_inflight(f, 1);
    assert_int_equal(eng_http_reply(f->srv, f->last_id, 200, "text/plain", "one", 3), ENG_OK);
    assert_int_equal(eng_http_reply(f->srv, f->last_id, 200, "text/plain", "two", 3),
                     ENG_ERR_NOT_FOUND);
    response_t r;
    client_await(f, c, &r);
    assert_string_equal(r.body, "one");
    assert_int_equal(
        counter(f, "serviceai_http_replies_dropped_total", "reason=\"already_answered\""), 1);
    client_close(c);
}

static void test_client_that_disconnects_before_the_reply_is_forgotten(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char req[] = "POST /never HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    client_send(f, c, req, sizeof(req) - 1);
    pump_until_inflight(f, 1);
    close(c->fd);
    c->fd = -1;
    /* Noticed while the request is pending, well before its 150 ms deadline. */
    int64_t start = real_ms();
    pump_until_inflight(f, 0);
    assert_true(real_ms() - start < 140);
    assert_int_equal(eng_timer_pending(f->loop), 0);
    assert_int_equal(eng_http_reply(f->srv, f->last_id, 200, "text/plain", "late", 4),
                     ENG_ERR_NOT_FOUND);
    assert_int_equal(counter(f, "serviceai_http_replies_dropped_total", "reason=\"client_gone\""),
                     1);
    /* The server keeps serving. */
    response_t r;
    request(f, "GET", "/hello", NULL, &r);
    assert_int_equal(r.status, 200);
    client_close(c);
}

static void test_two_requests_on_one_keepalive_connection_are_both_answered(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char get[] = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Test: one\r\n\r\n";
    client_send(f, c, get, sizeof(get) - 1);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello one /hello");
    const char post[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo";
    client_send(f, c, post, sizeof(post) - 1);
    client_await(f, c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "two");
    assert_false(c->closed);
    client_close(c);
}

static void test_pipelined_requests_come_back_in_order(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char reqs[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond";
    client_send(f, c, reqs, sizeof(reqs) - 1);
    response_t r;
    client_await(f, c, &r);
    assert_string_equal(r.body, "first");
    client_await(f, c, &r);
    assert_string_equal(r.body, "second");
    client_close(c);
}

static void test_metrics_count_requests_by_route_and_status(void **state)
{
    fixture_t *f = *state;
    response_t r;
    request(f, "GET", "/hello", NULL, &r);
    request(f, "GET", "/hello", NULL, &r);
    request(f, "POST", "/never", "{}", &r);
    assert_int_equal(counter(f, "serviceai_http_requests_total", "route=\"/hello\",status=\"200\""),
                     2);
    assert_int_equal(counter(f, "serviceai_http_requests_total", "route=\"/never\",status=\"503\""),
                     1);
    eng_histogram_t *h = eng_metrics_histogram(
        eng_loop_metrics(f->loop), "serviceai_http_request_seconds", "route=\"/hello\"", "test");
    assert_int_equal(eng_histogram_count(h), 2);
}

static void test_stop_accepting_refuses_new_connections_but_answers_inflight(void **state)
{
    fixture_t *f = *state;
    client_t *c = client_connect(f->port);
    const char req[] = "POST /never HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    client_send(f, c, req, sizeof(req) - 1);
    pump_until_inflight(f, 1);
    eng_http_server_stop_accepting(f->srv);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, ECONNREFUSED);
    close(fd);

    assert_int_equal(eng_http_reply(f->srv, f->last_id, 200, "text/plain", "drained", 7), ENG_OK);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "drained");
    client_close(c);
}

static void test_deadline_follows_the_loop_clock(void **state)
{
    eng_http_opts_t opts = {.request_deadline_ms = 5000};
    fixture_t *f = fixture_new(&opts, true);
    client_t *c = client_connect(f->port);
    const char req[] = "POST /never HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    client_send(f, c, req, sizeof(req) - 1);
    pump_until_inflight(f, 1);
    /* Frozen clock: real time passing does not fire the deadline... */
    assert_true(client_silent_for(f, c, 100));
    /* ...moving the loop clock past it does. */
    eng_loop_advance(f->loop, 5000);
    response_t r;
    client_await(f, c, &r);
    assert_int_equal(r.status, 503);
    client_close(c);
    fixture_free(f);
}

static void test_server_freed_with_requests_pending_does_not_leak_or_crash(void **state)
{
    eng_http_opts_t opts = {.request_deadline_ms = 5000};
    fixture_t *f = fixture_new(&opts, false);
    client_t *c = client_connect(f->port);
    const char req[] = "POST /never HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    client_send(f, c, req, sizeof(req) - 1);
    pump_until_inflight(f, 1);
    eng_http_server_free(f->srv);
    f->srv = NULL;
    assert_int_equal(eng_timer_pending(f->loop), 0);
    /* The client sees the connection close without an answer. */
    int64_t until = real_ms() + WAIT_MS;
    while (!c->closed && real_ms() < until) {
        client_read_some(c);
        usleep(200);
    }
    assert_true(c->closed);
    client_close(c);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_route_answers_200_with_the_body, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_headers_are_found_case_insensitively_and_query_is_ignored, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(test_unknown_path_answers_404_json, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wrong_method_on_known_path_answers_405_with_allow,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_body_at_the_limit_is_accepted, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_body_over_the_limit_answers_413_and_the_handler_never_runs, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_huge_body_over_the_limit_answers_413_and_the_handler_never_runs, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_chunked_body_over_the_limit_answers_413_and_the_handler_never_runs, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(test_oversized_headers_are_refused_before_the_handler_runs,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_chunked_body_under_the_limit_reaches_the_handler_whole,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_reply_sent_later_from_an_actor_timer_arrives,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(
            test_handler_that_never_replies_gets_the_default_fallback_at_the_deadline,
            setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_set_by_the_handler_is_sent_at_the_deadline,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(
            test_late_reply_after_the_fallback_is_dropped_with_not_found, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_second_reply_to_the_same_request_is_dropped,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_client_that_disconnects_before_the_reply_is_forgotten,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(
            test_two_requests_on_one_keepalive_connection_are_both_answered, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_requests_come_back_in_order, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metrics_count_requests_by_route_and_status,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(
            test_stop_accepting_refuses_new_connections_but_answers_inflight, setup_default,
            teardown),
        cmocka_unit_test(test_deadline_follows_the_loop_clock),
        cmocka_unit_test(test_server_freed_with_requests_pending_does_not_leak_or_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
