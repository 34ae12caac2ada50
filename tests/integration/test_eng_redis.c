/*
 * Integration tests for eng_redis against real Redis servers: the dev Redis
 * (SERVICEAI_REDIS_URL) for round trips, and a private redis-server that this
 * test starts as a child on a free loopback port so it can stop (SIGSTOP),
 * kill and restart it. The private server is killed in the group teardown,
 * so it dies even when an assertion fails.
 *
 * The loop is driven by hand: event_base_loop(EVLOOP_ONCE|EVLOOP_NONBLOCK)
 * plus eng_loop_run_once() in a polling loop bounded by wall-clock time.
 * Replies land in a small collector actor. Single thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "eng_loop.h"
#include "eng_metrics.h"
#include "eng_redis.h"

#define REDIS_SERVER_BIN "/usr/bin/redis-server"

/* ---- collector actor: keeps every reply it receives ---- */

typedef struct {
    eng_redis_reply_msg_t **replies;
    int64_t *at_ms; /* arrival time on the loop clock */
    size_t n, cap;
    size_t other; /* messages that were not redis replies */
} collector_t;

static void collector_handle(eng_actor_t *self, eng_msg_t *msg)
{
    collector_t *c = eng_actor_state(self);
    if (msg->type != ENG_MSG_REDIS_REPLY) {
        c->other++;
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->replies = realloc(c->replies, c->cap * sizeof(*c->replies));
        c->at_ms = realloc(c->at_ms, c->cap * sizeof(*c->at_ms));
        assert_non_null(c->replies);
        assert_non_null(c->at_ms);
    }
    eng_msg_retain(msg);
    c->replies[c->n] = (eng_redis_reply_msg_t *)msg;
    c->at_ms[c->n] = eng_loop_now_ms(eng_actor_loop(self));
    c->n++;
}

static void collector_stop(eng_actor_t *self)
{
    collector_t *c = eng_actor_state(self);
    for (size_t i = 0; i < c->n; i++)
        eng_msg_free(&c->replies[i]->hdr);
    free(c->replies);
    free(c->at_ms);
    free(c);
}

static const eng_actor_ops_t collector_ops = {
    .kind = "test-collector",
    .handle = collector_handle,
    .stop = collector_stop,
};

/* ---- fixture ---- */

typedef struct {
    const char *dev_url;
    /* private redis-server */
    pid_t priv_pid;
    int priv_port;
    char priv_url[64];
    bool priv_stopped;
    /* per test */
    eng_loop_t *loop;
    eng_actor_id_t collector;
    collector_t *col;
    eng_redis_t *redis;
    char key_prefix[64];
    unsigned test_seq;
} fx_t;

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void priv_kill(fx_t *fx)
{
    if (fx->priv_pid <= 0)
        return;
    kill(fx->priv_pid, SIGKILL);
    kill(fx->priv_pid, SIGCONT);
    while (waitpid(fx->priv_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    fx->priv_pid = 0;
    fx->priv_stopped = false;
}

/* Starts the private server on fx->priv_port and waits until it answers PING. */
static void priv_start(fx_t *fx)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", fx->priv_port);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execl(REDIS_SERVER_BIN, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp", (char *)NULL);
        _exit(127);
    }
    fx->priv_pid = pid;
    fx->priv_stopped = false;
    int64_t until = real_now_ms() + 10000;
    char err[256];
    while (eng_redis_ping_sync(fx->priv_url, 200, err, sizeof(err)) != ENG_OK) {
        if (real_now_ms() > until || waitpid(pid, NULL, WNOHANG) == pid) {
            fx->priv_pid = 0;
            fail_msg("private redis-server on port %d did not come up: %s", fx->priv_port, err);
        }
        sleep_ms(20);
    }
}

static void priv_stop_signal(fx_t *fx)
{
    assert_int_equal(kill(fx->priv_pid, SIGSTOP), 0);
    fx->priv_stopped = true;
}

static void priv_cont_signal(fx_t *fx)
{
    if (fx->priv_pid > 0 && fx->priv_stopped)
        kill(fx->priv_pid, SIGCONT);
    fx->priv_stopped = false;
}

static int group_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    *state = fx;
    fx->dev_url = getenv("SERVICEAI_REDIS_URL");
    if (!fx->dev_url || !*fx->dev_url) {
        fprintf(stderr, "SERVICEAI_REDIS_URL is not set: integration tests need the dev Redis\n");
        return -1;
    }
    char err[256];
    if (eng_redis_ping_sync(fx->dev_url, 2000, err, sizeof(err)) != ENG_OK) {
        fprintf(stderr, "dev Redis at SERVICEAI_REDIS_URL is unreachable: %s\n", err);
        return -1;
    }
    if (access(REDIS_SERVER_BIN, X_OK) != 0) {
        fprintf(stderr, "%s is missing\n", REDIS_SERVER_BIN);
        return -1;
    }
    fx->priv_port = free_port();
    snprintf(fx->priv_url, sizeof(fx->priv_url), "redis://127.0.0.1:%d", fx->priv_port);
    priv_start(fx);
    return 0;
}

static int group_teardown(void **state)
{
    fx_t *fx = *state;
    if (fx)
        priv_kill(fx);
    free(fx);
    return 0;
}

static int test_setup(void **state)
{
    fx_t *fx = *state;
    if (fx->priv_pid <= 0)
        priv_start(fx); /* an earlier test failed while the server was down */
    fx->loop = eng_loop_new(NULL);
    fx->col = calloc(1, sizeof(*fx->col));
    fx->collector = eng_actor_spawn(fx->loop, "test:redis-collector", &collector_ops, fx->col);
    assert_true(fx->collector != 0);
    snprintf(fx->key_prefix, sizeof(fx->key_prefix), "test:eng_redis:%d:%u", (int)getpid(),
             ++fx->test_seq);
    return 0;
}

static int test_teardown(void **state)
{
    fx_t *fx = *state;
    priv_cont_signal(fx);
    eng_redis_free(fx->redis);
    fx->redis = NULL;
    eng_loop_free(fx->loop); /* stops the collector, which frees what it kept */
    fx->loop = NULL;
    fx->col = NULL;
    return 0;
}

/* ---- driving the loop ---- */

static void pump_once(fx_t *fx)
{
    event_base_loop(eng_loop_base(fx->loop), EVLOOP_ONCE | EVLOOP_NONBLOCK);
    if (eng_loop_run_once(fx->loop) == 0)
        sleep_ms(1);
}

static void pump_for(fx_t *fx, int ms)
{
    int64_t until = real_now_ms() + ms;
    while (real_now_ms() < until)
        pump_once(fx);
}

static size_t replies_for(const fx_t *fx, uint64_t corr, eng_redis_reply_msg_t **first)
{
    size_t n = 0;
    for (size_t i = 0; i < fx->col->n; i++) {
        if (fx->col->replies[i]->hdr.corr == corr) {
            if (n == 0 && first)
                *first = fx->col->replies[i];
            n++;
        }
    }
    return n;
}

static int64_t arrival_of(const fx_t *fx, uint64_t corr)
{
    for (size_t i = 0; i < fx->col->n; i++)
        if (fx->col->replies[i]->hdr.corr == corr)
            return fx->col->at_ms[i];
    return -1;
}

/* Pumps until the reply to corr is in; fails the test after timeout_ms. */
static eng_redis_reply_msg_t *await_reply(fx_t *fx, uint64_t corr, int timeout_ms)
{
    eng_redis_reply_msg_t *m = NULL;
    int64_t until = real_now_ms() + timeout_ms;
    while (replies_for(fx, corr, &m) == 0) {
        if (real_now_ms() > until)
            fail_msg("no reply for corr %llu within %d ms", (unsigned long long)corr, timeout_ms);
        pump_once(fx);
    }
    return m;
}

static void await_connected(fx_t *fx, int timeout_ms)
{
    int64_t until = real_now_ms() + timeout_ms;
    while (!eng_redis_connected(fx->redis)) {
        if (real_now_ms() > until)
            fail_msg("redis client did not connect within %d ms", timeout_ms);
        pump_once(fx);
    }
}

static void client_up(fx_t *fx, const char *url, const eng_redis_opts_t *opts)
{
    fx->redis = eng_redis_new(fx->loop, url, opts);
    assert_non_null(fx->redis);
    assert_int_equal(eng_redis_start(fx->redis), ENG_OK);
    await_connected(fx, 5000);
}

static void send_words_va(fx_t *fx, eng_actor_id_t to, uint64_t corr, eng_class_t cls, va_list ap)
{
    const char *argv[16];
    size_t argvlen[16];
    int argc = 0;
    const char *w;
    while ((w = va_arg(ap, const char *)) != NULL && argc < 16) {
        argv[argc] = w;
        argvlen[argc] = strlen(w);
        argc++;
    }
    assert_int_equal(eng_redis_command(fx->redis, to, corr, cls, argc, argv, argvlen), ENG_OK);
}

/* Sends a LIVE command built from NUL-terminated words (NULL-terminated list). */
static void send_words(fx_t *fx, uint64_t corr, ...)
{
    va_list ap;
    va_start(ap, corr);
    send_words_va(fx, fx->collector, corr, ENG_CLASS_LIVE, ap);
    va_end(ap);
}

/* The same as a BACKGROUND command; to 0 is fire-and-forget. */
static void send_background(fx_t *fx, eng_actor_id_t to, uint64_t corr, ...)
{
    va_list ap;
    va_start(ap, corr);
    send_words_va(fx, to, corr, ENG_CLASS_BACKGROUND, ap);
    va_end(ap);
}

static const char *key(fx_t *fx, const char *name, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s:%s", fx->key_prefix, name);
    return buf;
}

static uint64_t counter_value(fx_t *fx, const char *name)
{
    return eng_counter_value(eng_metrics_counter(eng_loop_metrics(fx->loop), name, NULL, "test"));
}

/* Sends PING every interval until one comes back OK; returns how many were sent. */
static uint64_t ping_until_ok(fx_t *fx, uint64_t first_corr, int timeout_ms)
{
    int64_t until = real_now_ms() + timeout_ms;
    uint64_t corr = first_corr;
    for (;;) {
        send_words(fx, corr, "PING", NULL);
        eng_redis_reply_msg_t *m = await_reply(fx, corr, 5000);
        corr++;
        if (m->err == ENG_OK) {
            assert_int_equal(m->value.type, ENG_REDIS_STATUS);
            assert_string_equal(m->value.str, "PONG");
            return corr - first_corr;
        }
        if (real_now_ms() > until)
            fail_msg("no successful PING within %d ms (last: %s)", timeout_ms,
                     eng_err_name(m->err));
        pump_for(fx, 30);
    }
}

/* ---- round trips against the dev Redis ---- */

static void test_set_then_get_returns_the_bytes_written(void **state)
{
    fx_t *fx = *state;
    char k[128];
    client_up(fx, fx->dev_url, NULL);

    /* binary-safe: the value carries a NUL byte in the middle */
    const char value[] = {'a', '\0', 'b', 'c'};
    const char *set_argv[] = {"SET", key(fx, "bytes", k, sizeof(k)), value};
    size_t set_len[] = {3, strlen(k), sizeof(value)};
    assert_int_equal(
        eng_redis_command(fx->redis, fx->collector, 1, ENG_CLASS_LIVE, 3, set_argv, set_len),
        ENG_OK);
    send_words(fx, 2, "GET", k, NULL);

    eng_redis_reply_msg_t *set = await_reply(fx, 1, 2000);
    assert_int_equal(set->err, ENG_OK);
    assert_int_equal(set->value.type, ENG_REDIS_STATUS);
    assert_string_equal(set->value.str, "OK");

    eng_redis_reply_msg_t *get = await_reply(fx, 2, 2000);
    assert_int_equal(get->err, ENG_OK);
    assert_int_equal(get->value.type, ENG_REDIS_STRING);
    assert_int_equal(get->value.len, sizeof(value));
    assert_memory_equal(get->value.str, value, sizeof(value));
    assert_int_equal(get->value.str[get->value.len], '\0');

    send_words(fx, 3, "DEL", k, NULL);
    assert_int_equal(await_reply(fx, 3, 2000)->value.integer, 1);
}

static void test_incr_returns_the_new_integer(void **state)
{
    fx_t *fx = *state;
    char k[128];
    client_up(fx, fx->dev_url, NULL);
    key(fx, "counter", k, sizeof(k));
    send_words(fx, 1, "INCR", k, NULL);
    send_words(fx, 2, "INCRBY", k, "41", NULL);
    eng_redis_reply_msg_t *a = await_reply(fx, 1, 2000);
    eng_redis_reply_msg_t *b = await_reply(fx, 2, 2000);
    assert_int_equal(a->err, ENG_OK);
    assert_int_equal(a->value.type, ENG_REDIS_INTEGER);
    assert_int_equal(a->value.integer, 1);
    assert_int_equal(b->value.type, ENG_REDIS_INTEGER);
    assert_int_equal(b->value.integer, 42);
    send_words(fx, 3, "DEL", k, NULL);
    await_reply(fx, 3, 2000);
}

static void test_lrange_returns_an_array_of_strings(void **state)
{
    fx_t *fx = *state;
    char k[128];
    client_up(fx, fx->dev_url, NULL);
    key(fx, "list", k, sizeof(k));
    send_words(fx, 1, "RPUSH", k, "alpha", "beta", "gamma", NULL);
    send_words(fx, 2, "LRANGE", k, "0", "-1", NULL);
    /* nested: MULTI/EXEC returns an array holding an integer and an array */
    send_words(fx, 3, "MULTI", NULL);
    send_words(fx, 4, "LLEN", k, NULL);
    send_words(fx, 5, "LRANGE", k, "0", "0", NULL);
    send_words(fx, 6, "EXEC", NULL);

    assert_int_equal(await_reply(fx, 1, 2000)->value.integer, 3);
    eng_redis_reply_msg_t *r = await_reply(fx, 2, 2000);
    assert_int_equal(r->err, ENG_OK);
    assert_int_equal(r->value.type, ENG_REDIS_ARRAY);
    assert_int_equal(r->value.nelem, 3);
    const char *want[] = {"alpha", "beta", "gamma"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(r->value.elem[i].type, ENG_REDIS_STRING);
        assert_string_equal(r->value.elem[i].str, want[i]);
    }

    eng_redis_reply_msg_t *exec = await_reply(fx, 6, 2000);
    assert_int_equal(exec->err, ENG_OK);
    assert_int_equal(exec->value.type, ENG_REDIS_ARRAY);
    assert_int_equal(exec->value.nelem, 2);
    assert_int_equal(exec->value.elem[0].type, ENG_REDIS_INTEGER);
    assert_int_equal(exec->value.elem[0].integer, 3);
    assert_int_equal(exec->value.elem[1].type, ENG_REDIS_ARRAY);
    assert_int_equal(exec->value.elem[1].nelem, 1);
    assert_string_equal(exec->value.elem[1].elem[0].str, "alpha");

    send_words(fx, 7, "DEL", k, NULL);
    await_reply(fx, 7, 2000);
}

static void test_get_of_a_missing_key_returns_nil(void **state)
{
    fx_t *fx = *state;
    char k[128];
    client_up(fx, fx->dev_url, NULL);
    send_words(fx, 1, "GET", key(fx, "never-written", k, sizeof(k)), NULL);
    eng_redis_reply_msg_t *r = await_reply(fx, 1, 2000);
    assert_int_equal(r->err, ENG_OK);
    assert_int_equal(r->value.type, ENG_REDIS_NIL);
    assert_null(r->value.str);
}

static void test_server_error_reply_comes_back_as_redis_error(void **state)
{
    fx_t *fx = *state;
    char k[128];
    client_up(fx, fx->dev_url, NULL);
    key(fx, "not-a-number", k, sizeof(k));
    send_words(fx, 1, "SET", k, "hello", NULL);
    send_words(fx, 2, "INCR", k, NULL);
    send_words(fx, 3, "GET", k, NULL); /* the connection stays usable after an error reply */
    eng_redis_reply_msg_t *r = await_reply(fx, 2, 2000);
    assert_int_equal(r->err, ENG_ERR_REDIS);
    assert_int_equal(r->value.type, ENG_REDIS_ERROR);
    assert_true(strncmp(r->value.str, "ERR", 3) == 0);
    eng_redis_reply_msg_t *g = await_reply(fx, 3, 2000);
    assert_int_equal(g->err, ENG_OK);
    assert_string_equal(g->value.str, "hello");
    send_words(fx, 4, "DEL", k, NULL);
    await_reply(fx, 4, 2000);
}

static void test_pipelined_commands_come_back_in_order_one_reply_each(void **state)
{
    fx_t *fx = *state;
    char k[128];
    enum { N = 500 };
    client_up(fx, fx->dev_url, NULL);
    key(fx, "pipeline", k, sizeof(k));
    uint64_t before = counter_value(fx, "serviceai_redis_commands_total");
    for (uint64_t i = 1; i <= N; i++)
        send_words(fx, i, "INCR", k, NULL);
    await_reply(fx, N, 5000);
    pump_for(fx, 50); /* anything extra would show up now */
    assert_int_equal(fx->col->n, N);
    for (size_t i = 0; i < N; i++) {
        /* arrival order equals send order, and INCR's value proves server order */
        assert_int_equal(fx->col->replies[i]->hdr.corr, i + 1);
        assert_int_equal(fx->col->replies[i]->err, ENG_OK);
        assert_int_equal(fx->col->replies[i]->value.integer, (long long)i + 1);
    }
    assert_int_equal(counter_value(fx, "serviceai_redis_commands_total") - before, N);
    send_words(fx, N + 1, "DEL", k, NULL);
    await_reply(fx, N + 1, 2000);
}

/*
 * BACKGROUND commands are gathered for a moment and written together; LIVE
 * ones go out in the same loop turn. Either way nothing waits for another
 * command to carry it, and Redis sees them in the order they were sent.
 */
static void test_background_commands_go_out_without_a_live_command_to_carry_them(void **state)
{
    fx_t *fx = *state;
    char k[128];
    enum { N = 20 };
    client_up(fx, fx->dev_url, NULL);
    key(fx, "gathered", k, sizeof(k));
    for (uint64_t i = 1; i <= N; i++)
        send_background(fx, fx->collector, i, "INCR", k, NULL);
    await_reply(fx, N, 2000);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(fx->col->replies[i]->hdr.corr, i + 1);
        assert_int_equal(fx->col->replies[i]->err, ENG_OK);
        assert_int_equal(fx->col->replies[i]->value.integer, (long long)i + 1);
    }
    send_words(fx, N + 1, "DEL", k, NULL);
    await_reply(fx, N + 1, 2000);
}

static void test_live_command_sees_the_background_writes_sent_before_it(void **state)
{
    fx_t *fx = *state;
    char k[128];
    client_up(fx, fx->dev_url, NULL);
    key(fx, "ordered", k, sizeof(k));
    for (int i = 0; i < 5; i++)
        send_background(fx, 0, 0, "INCR", k, NULL); /* fire-and-forget, like hot state */
    send_words(fx, 1, "GET", k, NULL);
    eng_redis_reply_msg_t *get = await_reply(fx, 1, 2000);
    assert_int_equal(get->err, ENG_OK);
    assert_int_equal(get->value.type, ENG_REDIS_STRING);
    assert_string_equal(get->value.str, "5");
    send_words(fx, 2, "DEL", k, NULL);
    await_reply(fx, 2, 2000);
}

/* ---- behaviour without a server, and SELECT ---- */

static void test_command_before_start_is_answered_unavailable_by_message(void **state)
{
    fx_t *fx = *state;
    fx->redis = eng_redis_new(fx->loop, fx->dev_url, NULL);
    assert_non_null(fx->redis);
    send_words(fx, 7, "PING", NULL);
    assert_int_equal(fx->col->n, 0); /* a message, not a synchronous callback */
    eng_redis_reply_msg_t *r = await_reply(fx, 7, 1000);
    assert_int_equal(r->err, ENG_ERR_UNAVAILABLE);
    pump_for(fx, 20);
    assert_int_equal(replies_for(fx, 7, NULL), 1);
}

static void test_command_with_no_arguments_is_refused_without_a_reply(void **state)
{
    fx_t *fx = *state;
    client_up(fx, fx->dev_url, NULL);
    const char *argv[] = {"PING"};
    assert_int_equal(eng_redis_command(fx->redis, fx->collector, 1, ENG_CLASS_LIVE, 0, argv, NULL),
                     ENG_ERR_INVALID);
    pump_for(fx, 30);
    assert_int_equal(fx->col->n, 0);
}

static void test_client_uses_the_database_named_in_the_url(void **state)
{
    fx_t *fx = *state;
    char url[96], k[128];
    snprintf(url, sizeof(url), "%s/2", fx->priv_url);
    client_up(fx, url, NULL);
    key(fx, "in-db-2", k, sizeof(k));
    send_words(fx, 1, "SET", k, "two", NULL);
    assert_int_equal(await_reply(fx, 1, 2000)->err, ENG_OK);

    redisContext *c = redisConnect("127.0.0.1", fx->priv_port);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    redisReply *in0 = redisCommand(c, "GET %s", k);
    redisReply *sel = redisCommand(c, "SELECT 2");
    redisReply *in2 = redisCommand(c, "GET %s", k);
    bool ok = in0 && in0->type == REDIS_REPLY_NIL && sel && in2 &&
              in2->type == REDIS_REPLY_STRING && strcmp(in2->str, "two") == 0;
    freeReplyObject(in0);
    freeReplyObject(sel);
    freeReplyObject(in2);
    redisFree(c);
    assert_true(ok);
}

static void test_unreachable_redis_fails_fast_and_client_keeps_retrying(void **state)
{
    fx_t *fx = *state;
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", free_port()); /* nobody listens */
    eng_redis_opts_t opts = {.backoff_min_ms = 10, .backoff_max_ms = 40};
    fx->redis = eng_redis_new(fx->loop, url, &opts);
    assert_int_equal(eng_redis_start(fx->redis), ENG_OK);
    assert_int_equal(eng_redis_start(fx->redis), ENG_ERR_INVALID); /* only once */
    pump_for(fx, 150);
    assert_false(eng_redis_connected(fx->redis));
    int64_t t0 = eng_loop_now_ms(fx->loop);
    send_words(fx, 1, "PING", NULL);
    eng_redis_reply_msg_t *r = await_reply(fx, 1, 1000);
    assert_int_equal(r->err, ENG_ERR_UNAVAILABLE);
    assert_true(arrival_of(fx, 1) - t0 < 100);
}

/* ---- the private server: stop, kill, restart ---- */

static void test_command_times_out_when_redis_stops_answering(void **state)
{
    fx_t *fx = *state;
    eng_redis_opts_t opts = {
        .command_timeout_ms = 300, .backoff_min_ms = 20, .backoff_max_ms = 100};
    client_up(fx, fx->priv_url, &opts);
    send_words(fx, 1, "PING", NULL);
    assert_int_equal(await_reply(fx, 1, 2000)->err, ENG_OK);
    uint64_t timeouts_before = counter_value(fx, "serviceai_redis_timeouts_total");

    priv_stop_signal(fx);
    int64_t t0 = eng_loop_now_ms(fx->loop);
    send_words(fx, 2, "GET", "anything", NULL);
    send_words(fx, 3, "GET", "anything-else", NULL);
    eng_redis_reply_msg_t *r2 = await_reply(fx, 2, 3000);
    eng_redis_reply_msg_t *r3 = await_reply(fx, 3, 3000);
    int64_t waited = arrival_of(fx, 2) - t0;

    assert_int_equal(r2->err, ENG_ERR_TIMEOUT);
    assert_true(waited >= 290);
    assert_true(waited < 1000);
    /* the command behind it was on the same, now untrusted, connection */
    assert_true(r3->err == ENG_ERR_TIMEOUT || r3->err == ENG_ERR_DISCONNECTED);
    assert_true(counter_value(fx, "serviceai_redis_timeouts_total") > timeouts_before);

    /* the client recovers once the server answers again */
    priv_cont_signal(fx);
    uint64_t sent = ping_until_ok(fx, 10, 5000);
    pump_for(fx, 50);
    assert_int_equal(replies_for(fx, 2, NULL), 1);
    assert_int_equal(replies_for(fx, 3, NULL), 1);
    for (uint64_t corr = 10; corr < 10 + sent; corr++)
        assert_int_equal(replies_for(fx, corr, NULL), 1);
}

static void test_client_reconnects_after_redis_restarts_and_answers_every_command(void **state)
{
    fx_t *fx = *state;
    eng_redis_opts_t opts = {
        .command_timeout_ms = 1000, .backoff_min_ms = 20, .backoff_max_ms = 200};
    client_up(fx, fx->priv_url, &opts);
    send_words(fx, 1, "PING", NULL);
    assert_int_equal(await_reply(fx, 1, 2000)->err, ENG_OK);
    uint64_t reconnects_before = counter_value(fx, "serviceai_redis_reconnects_total");

    /* commands in flight when the server dies are answered DISCONNECTED */
    priv_stop_signal(fx);
    send_words(fx, 50, "GET", "in-flight", NULL);
    send_words(fx, 51, "GET", "in-flight", NULL);
    send_words(fx, 52, "GET", "in-flight", NULL);
    pump_for(fx, 30);
    priv_kill(fx);
    for (uint64_t c = 50; c <= 52; c++)
        assert_int_equal(await_reply(fx, c, 2000)->err, ENG_ERR_DISCONNECTED);

    /* commands while the server is gone: each answered, none succeeds */
    uint64_t corr = 100;
    int64_t until = real_now_ms() + 400;
    while (real_now_ms() < until) {
        send_words(fx, corr++, "GET", "during-outage", NULL);
        pump_for(fx, 20);
    }
    uint64_t last_down = corr;
    for (uint64_t c = 100; c < last_down; c++) {
        eng_redis_reply_msg_t *m = await_reply(fx, c, 3000);
        if (m->err != ENG_ERR_UNAVAILABLE && m->err != ENG_ERR_DISCONNECTED)
            fail_msg("command %llu during the outage got %s", (unsigned long long)c,
                     eng_err_name(m->err));
    }
    assert_false(eng_redis_connected(fx->redis));

    priv_start(fx); /* same port */
    uint64_t sent = ping_until_ok(fx, 1000, 5000);
    assert_true(eng_redis_connected(fx->redis));
    assert_true(counter_value(fx, "serviceai_redis_reconnects_total") > reconnects_before);

    /* exactly one reply per command, nothing extra */
    pump_for(fx, 50);
    size_t expected = 1 + 3 + (size_t)(last_down - 100) + (size_t)sent;
    assert_int_equal(fx->col->n, expected);
    assert_int_equal(replies_for(fx, 1, NULL), 1);
    for (uint64_t c = 100; c < last_down; c++)
        assert_int_equal(replies_for(fx, c, NULL), 1);
    for (uint64_t c = 1000; c < 1000 + sent; c++)
        assert_int_equal(replies_for(fx, c, NULL), 1);
    assert_int_equal(fx->col->other, 0);
}

static void test_client_never_serves_a_database_the_server_refuses(void **state)
{
    fx_t *fx = *state;
    char url[96];
    snprintf(url, sizeof(url), "%s/99", fx->priv_url); /* redis-server has 16 databases */
    eng_redis_opts_t opts = {.backoff_min_ms = 10, .backoff_max_ms = 50};
    fx->redis = eng_redis_new(fx->loop, url, &opts);
    assert_int_equal(eng_redis_start(fx->redis), ENG_OK);
    pump_for(fx, 300); /* several connect + refused SELECT rounds */
    assert_false(eng_redis_connected(fx->redis));
    send_words(fx, 1, "SET", "would-land-in-db-0", "x", NULL);
    assert_int_equal(await_reply(fx, 1, 1000)->err, ENG_ERR_UNAVAILABLE);
}

/*
 * A listener whose accept queue is full drops SYNs, so a connect to it hangs
 * (the kernel retries the SYN after 1 s, then 3 s, ...). The client must give
 * up after connect_timeout and try again, so it reaches Redis soon after Redis
 * appears on that port, instead of after the kernel's next SYN retry.
 */
static void test_hanging_connect_is_abandoned_after_the_connect_timeout(void **state)
{
    fx_t *fx = *state;
    priv_kill(fx);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx->priv_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 0), 0);
    int fillers[4];
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        (void)connect(fillers[i], (struct sockaddr *)&sa, sizeof(sa));
    }
    sleep_ms(50);

    eng_redis_opts_t opts = {.connect_timeout_ms = 100, .backoff_min_ms = 10, .backoff_max_ms = 20};
    fx->redis = eng_redis_new(fx->loop, fx->priv_url, &opts);
    assert_int_equal(eng_redis_start(fx->redis), ENG_OK);
    pump_for(fx, 250);
    assert_false(eng_redis_connected(fx->redis));
    send_words(fx, 1, "PING", NULL);
    assert_int_equal(await_reply(fx, 1, 1000)->err, ENG_ERR_UNAVAILABLE);

    close(lfd);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    priv_start(fx);
    int64_t up = real_now_ms();
    await_connected(fx, 5000);
    int64_t took = real_now_ms() - up;
    if (took > 400)
        fail_msg("connected %lld ms after redis came up: the hanging connect was not abandoned",
                 (long long)took);
}

static void test_free_answers_pending_commands_with_shutting_down(void **state)
{
    fx_t *fx = *state;
    eng_redis_opts_t opts = {.command_timeout_ms = 5000};
    client_up(fx, fx->priv_url, &opts);
    priv_stop_signal(fx);
    send_words(fx, 1, "GET", "held", NULL);
    send_words(fx, 2, "GET", "held", NULL);
    pump_for(fx, 30); /* written to the socket, unanswered */
    eng_redis_free(fx->redis);
    fx->redis = NULL;
    assert_int_equal(await_reply(fx, 1, 1000)->err, ENG_ERR_SHUTTING_DOWN);
    assert_int_equal(await_reply(fx, 2, 1000)->err, ENG_ERR_SHUTTING_DOWN);
    pump_for(fx, 30);
    assert_int_equal(fx->col->n, 2);
    priv_cont_signal(fx);
}

/* ---- blocking ping ---- */

static void test_ping_sync_succeeds_against_a_running_redis(void **state)
{
    fx_t *fx = *state;
    char err[256] = "untouched";
    assert_int_equal(eng_redis_ping_sync(fx->dev_url, 1000, err, sizeof(err)), ENG_OK);
    assert_string_equal(err, "");
}

static void test_ping_sync_reports_a_refused_connection_in_one_line(void **state)
{
    char url[64], err[256];
    int port = free_port();
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    assert_int_equal(eng_redis_ping_sync(url, 500, err, sizeof(err)), ENG_ERR_CONNECT);
    char want[32];
    snprintf(want, sizeof(want), "127.0.0.1:%d", port);
    assert_non_null(strstr(err, want));
    assert_null(strchr(err, '\n'));
    assert_int_equal(eng_redis_ping_sync("redis//nope", 500, err, sizeof(err)), ENG_ERR_CONFIG);
    assert_true(strlen(err) > 0);
}

static void test_ping_sync_times_out_against_a_stopped_redis(void **state)
{
    fx_t *fx = *state;
    char err[256];
    priv_stop_signal(fx);
    int64_t t0 = real_now_ms();
    assert_int_equal(eng_redis_ping_sync(fx->priv_url, 300, err, sizeof(err)), ENG_ERR_TIMEOUT);
    assert_true(real_now_ms() - t0 < 2000);
    priv_cont_signal(fx);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
    /* a write to a socket the server just closed must be an error, not a signal */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        T(test_set_then_get_returns_the_bytes_written),
        T(test_incr_returns_the_new_integer),
        T(test_lrange_returns_an_array_of_strings),
        T(test_get_of_a_missing_key_returns_nil),
        T(test_server_error_reply_comes_back_as_redis_error),
        T(test_pipelined_commands_come_back_in_order_one_reply_each),
        T(test_background_commands_go_out_without_a_live_command_to_carry_them),
        T(test_live_command_sees_the_background_writes_sent_before_it),
        T(test_command_before_start_is_answered_unavailable_by_message),
        T(test_command_with_no_arguments_is_refused_without_a_reply),
        T(test_client_uses_the_database_named_in_the_url),
        T(test_unreachable_redis_fails_fast_and_client_keeps_retrying),
        T(test_command_times_out_when_redis_stops_answering),
        T(test_client_reconnects_after_redis_restarts_and_answers_every_command),
        T(test_client_never_serves_a_database_the_server_refuses),
        T(test_hanging_connect_is_abandoned_after_the_connect_timeout),
        T(test_free_answers_pending_commands_with_shutting_down),
        T(test_ping_sync_succeeds_against_a_running_redis),
        T(test_ping_sync_reports_a_refused_connection_in_one_line),
        T(test_ping_sync_times_out_against_a_stopped_redis),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
