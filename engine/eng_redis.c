/*
 * eng_redis: one hiredis 0.14 async connection on the loop's libevent base,
 * with the command timeouts, connect timeout and reconnects that 0.14 lacks.
 * Replies are deep-copied into eng_redis_value_t and delivered as messages, so
 * no hiredis type and no hiredis callback ever reaches actor code.
 * Loop thread only.
 *
 * The connection is a small state machine:
 *
 *   IDLE --start--> CONNECTING --onConnect ok--> (SELECTING if db != 0) --> READY
 *        ^              |  connect error / connect timeout      |
 *        |              v                                       | EOF, I/O error,
 *        +------- BACKOFF <------------------------------------+ command timeout,
 *                (jittered exponential delay)                     SELECT refused
 *
 * Pending commands live in our own FIFO, one entry per hiredis callback in
 * the same order (Redis answers in order). Every hiredis reply callback pops
 * the head, so the FIFO and hiredis's callback list never disagree. Each
 * pending command is answered exactly once, and always by us: when we tear a
 * connection down we first detach it (r->ac = NULL) and answer the FIFO
 * ourselves; hiredis then runs the callbacks of that context with a NULL reply
 * during its free, and reply_cb ignores any callback whose context is not the
 * current one.
 */
#include "eng_redis.h"
#include "eng_alloc.h"
#include "eng_log.h"
#include "eng_metrics.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#define REDIS_DEFAULT_PORT 6379
#define REDIS_HOST_MAX 256

typedef enum {
    CONN_IDLE,       /* not started */
    CONN_CONNECTING, /* TCP connect in flight, connect timer armed */
    CONN_SELECTING,  /* connected, SELECT <db> pending */
    CONN_READY,      /* accepting commands */
    CONN_BACKOFF,    /* waiting to reconnect, conn timer armed */
} conn_state_t;

/* One command written to the connection and not yet answered. */
typedef struct pending_cmd {
    struct pending_cmd *next;
    bool internal; /* our own SELECT: nobody to reply to */
    eng_actor_id_t to;
    uint64_t corr;
    eng_class_t cls;
    int64_t deadline_ms; /* loop clock */
} pending_cmd_t;

struct eng_redis {
    eng_loop_t *loop;
    char host[REDIS_HOST_MAX];
    int port;
    int db;
    char addr[REDIS_HOST_MAX + 16]; /* "host:port" for logs */
    eng_redis_opts_t opts;          /* defaults resolved */

    conn_state_t state;
    redisAsyncContext *ac;     /* the current connection, NULL when none */
    redisAsyncContext *doomed; /* detached inside a hiredis callback; freed by reap_ev */
    int in_callback;           /* >0 while hiredis is calling us */

    pending_cmd_t *head, *tail;
    size_t npending;

    struct event *cmd_timer;  /* earliest pending deadline */
    struct event *conn_timer; /* connect timeout (CONNECTING) or backoff (BACKOFF) */
    struct event *reap_ev;    /* zero timeout: frees `doomed` after the callback unwinds */
    /* Writes the commands queued since the last write (see add_write_gathered). */
    struct event *flush_ev;
    void (*adapter_add_write)(void *privdata); /* the libevent adapter's own addWrite */
    bool cmd_urgent; /* the command being queued is not BACKGROUND: write it this turn */
    bool flushing;   /* inside flush_cb: hiredis's own write-interest requests pass through */

    unsigned attempt;    /* consecutive failed connections, drives the backoff */
    bool connected_once; /* later connects count as reconnects */
    bool outage_logged;  /* repeated connect failures log at debug, not warn */
    uint64_t rng;        /* xorshift64 state for the jitter */

    eng_counter_t *m_commands;
    eng_counter_t *m_timeouts;
    eng_counter_t *m_reconnects;
    eng_counter_t *m_unanswered_errors;
};

static void conn_begin(eng_redis_t *r);
static void conn_drop(eng_redis_t *r, eng_err_t err, const char *reason);

/* ---- replies ---- */

static void value_copy(eng_redis_value_t *dst, const redisReply *src)
{
    memset(dst, 0, sizeof(*dst));
    switch (src->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        dst->type = src->type == REDIS_REPLY_STRING   ? ENG_REDIS_STRING
                    : src->type == REDIS_REPLY_STATUS ? ENG_REDIS_STATUS
                                                      : ENG_REDIS_ERROR;
        dst->str = eng_xmemdup(src->str ? src->str : "", src->str ? src->len : 0);
        dst->len = src->str ? src->len : 0;
        break;
    case REDIS_REPLY_INTEGER:
        dst->type = ENG_REDIS_INTEGER;
        dst->integer = src->integer;
        break;
    case REDIS_REPLY_ARRAY:
        dst->type = ENG_REDIS_ARRAY;
        dst->nelem = src->elements;
        if (src->elements > 0) {
            dst->elem = eng_xcalloc(src->elements, sizeof(*dst->elem));
            for (size_t i = 0; i < src->elements; i++)
                value_copy(&dst->elem[i], src->element[i]);
        }
        break;
    default: /* REDIS_REPLY_NIL, and nothing else exists in 0.14 */
        dst->type = ENG_REDIS_NIL;
        break;
    }
}

static void value_deinit(eng_redis_value_t *v)
{
    for (size_t i = 0; i < v->nelem; i++)
        value_deinit(&v->elem[i]);
    free(v->elem);
    free(v->str);
    memset(v, 0, sizeof(*v));
}

static void reply_msg_free(eng_msg_t *msg)
{
    value_deinit(&((eng_redis_reply_msg_t *)msg)->value);
}

/* Answers one command: err plus, when reply is not NULL, a deep copy of it. */
static void reply_deliver(eng_redis_t *r, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                          eng_err_t err, const redisReply *reply)
{
    if (to == 0) {
        /* Fire-and-forget: nobody to tell, so the failure is only counted. */
        if (err != ENG_OK)
            eng_counter_add(r->m_unanswered_errors, 1);
        return;
    }
    eng_redis_reply_msg_t *m = eng_msg_new(sizeof(*m), ENG_MSG_REDIS_REPLY, cls, reply_msg_free);
    m->hdr.corr = corr;
    m->err = err;
    if (reply)
        value_copy(&m->value, reply);
    /* A dead requester is counted as a dead letter by the loop; nothing else to do. */
    (void)eng_send(r->loop, to, &m->hdr);
}

/* ---- pending FIFO and the command timer ---- */

static void timer_arm_ms(struct event *ev, int64_t ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(ev, &tv);
}

static pending_cmd_t *pending_pop(eng_redis_t *r)
{
    pending_cmd_t *c = r->head;
    if (!c)
        return NULL;
    r->head = c->next;
    if (!r->head)
        r->tail = NULL;
    r->npending--;
    return c;
}

static void pending_push(eng_redis_t *r, pending_cmd_t *c)
{
    c->next = NULL;
    if (r->tail)
        r->tail->next = c;
    else
        r->head = c;
    r->tail = c;
    r->npending++;
}

/*
 * Every command gets the same timeout and enters the FIFO in send order, so
 * the head always holds the earliest deadline: one timer, re-armed whenever
 * the head changes, covers them all.
 */
static void cmd_timer_update(eng_redis_t *r)
{
    if (!r->head) {
        evtimer_del(r->cmd_timer);
        return;
    }
    int64_t wait = r->head->deadline_ms - eng_loop_now_ms(r->loop);
    timer_arm_ms(r->cmd_timer, wait > 0 ? wait : 0);
}

/* Answers every pending command: those past their deadline with TIMEOUT, the rest with err. */
static void pending_fail_all(eng_redis_t *r, eng_err_t err)
{
    int64_t now = eng_loop_now_ms(r->loop);
    pending_cmd_t *c;
    while ((c = pending_pop(r))) {
        eng_err_t e = err;
        if (err == ENG_ERR_DISCONNECTED && c->deadline_ms <= now) {
            e = ENG_ERR_TIMEOUT;
            if (!c->internal)
                eng_counter_add(r->m_timeouts, 1);
        }
        if (!c->internal)
            reply_deliver(r, c->to, c->corr, c->cls, e, NULL);
        free(c);
    }
    evtimer_del(r->cmd_timer);
}

static void cmd_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    eng_redis_t *r = arg;
    if (!r->head)
        return;
    int64_t now = eng_loop_now_ms(r->loop);
    if (r->head->deadline_ms > now) {
        /* libevent's clock ran a little ahead of the loop's, or the loop clock is frozen. */
        cmd_timer_update(r);
        return;
    }
    /*
     * The head has had no answer in time. Replies are strictly ordered, so
     * whatever arrives next on this connection might be that late reply and
     * not the answer to the command behind it: the stream cannot be trusted
     * any more. Drop the connection; commands whose deadline passed get
     * TIMEOUT, the others DISCONNECTED, and we reconnect.
     */
    conn_drop(r, ENG_ERR_DISCONNECTED, "command timeout");
}

/* ---- connection lifecycle ---- */

static uint64_t rng_next(eng_redis_t *r)
{
    uint64_t x = r->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->rng = x;
    return x;
}

/*
 * Jittered exponential backoff ("equal jitter"): the ceiling doubles from
 * backoff_min up to backoff_max with each consecutive failure, and the delay
 * is drawn uniformly from [ceiling/2, ceiling], so many engine processes that
 * lost the same Redis do not reconnect in lockstep.
 */
static int64_t backoff_next(eng_redis_t *r)
{
    int64_t ceiling = r->opts.backoff_min_ms;
    for (unsigned i = 0; i < r->attempt && ceiling < r->opts.backoff_max_ms; i++)
        ceiling *= 2;
    if (ceiling > r->opts.backoff_max_ms)
        ceiling = r->opts.backoff_max_ms;
    if (r->attempt < 64)
        r->attempt++;
    int64_t half = ceiling / 2;
    int64_t delay = half + (int64_t)(rng_next(r) % (uint64_t)(ceiling - half + 1));
    return delay > 0 ? delay : 1;
}

static void backoff_schedule(eng_redis_t *r)
{
    int64_t delay = backoff_next(r);
    r->state = CONN_BACKOFF;
    ENG_DEBUG(r->loop, "redis.reconnect_scheduled", "addr=%s delay_ms=%lld attempt=%u", r->addr,
              (long long)delay, r->attempt);
    timer_arm_ms(r->conn_timer, delay);
}

/* Logs a failed connection attempt: warn once per outage, debug after that. */
static void connect_failed_log(eng_redis_t *r, const char *reason)
{
    char why[160];
    eng_log(r->loop, r->outage_logged ? ENG_LOG_DEBUG : ENG_LOG_WARN, "redis.connect_failed",
            "addr=%s reason=%s", r->addr, eng_log_quote(why, sizeof(why), reason));
    r->outage_logged = true;
}

/* Frees a context that was detached inside one of its own callbacks. */
static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
    eng_redis_t *r = arg;
    redisAsyncContext *ac = r->doomed;
    r->doomed = NULL;
    if (ac)
        redisAsyncFree(ac); /* its callbacks see ac != r->ac and stand aside */
}

/*
 * Gathered writes. hiredis asks for write interest after every command
 * (addWrite), then writes when epoll says the socket is writable: two
 * epoll_ctl calls, a loop wake-up and a write(2) per turn that queued
 * anything, and a Redis wake-up for each. Instead, commands are written by
 * flush_cb, which the loop runs without touching epoll: later in this turn
 * when a queued command is LIVE or TIMER (someone is waiting for it, so it
 * goes out with whatever the turn queued before it), or GATHER_MS later when
 * all are BACKGROUND (hot-state writes nobody waits for: a millisecond's
 * worth go out in one write and Redis reads them in one wake-up). Only
 * when the socket cannot take everything does hiredis get real write interest
 * (flushing is set then), as it does while connecting.
 */
#define GATHER_MS 1

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    eng_redis_t *r = arg;
    if (!r->ac || !(r->ac->c.flags & REDIS_CONNECTED))
        return; /* dropped since: a new connection writes once it is up */
    r->flushing = true;
    redisAsyncHandleWrite(r->ac); /* may drop the connection: disconnect_cb runs as usual */
    r->flushing = false;
}

static void add_write_gathered(void *privdata)
{
    redisLibeventEvents *e = privdata;
    redisAsyncContext *ac = e->context;
    eng_redis_t *r = ac->data;
    if (r->flushing || ac != r->ac || !(ac->c.flags & REDIS_CONNECTED)) {
        r->adapter_add_write(privdata);
        return;
    }
    if (r->cmd_urgent) {
        event_active(r->flush_ev, EV_TIMEOUT, 0); /* no-op when already active */
    } else if (!evtimer_pending(r->flush_ev, NULL)) {
        timer_arm_ms(r->flush_ev, GATHER_MS);
    }
}

/*
 * Detaches the current connection, answers everything pending on it, frees it
 * (or, inside a hiredis callback, defers the free to reap_ev: hiredis must
 * never free a context under its own feet) and schedules a reconnect.
 */
static void conn_drop(eng_redis_t *r, eng_err_t err, const char *reason)
{
    redisAsyncContext *ac = r->ac;
    char why[160];

    r->ac = NULL;
    evtimer_del(r->conn_timer);
    event_del(r->flush_ev);
    /* Losing a serving connection is news; failing again during an outage is not. */
    eng_log(r->loop, r->state == CONN_READY || !r->outage_logged ? ENG_LOG_WARN : ENG_LOG_DEBUG,
            "redis.disconnected", "addr=%s reason=%s pending=%zu", r->addr,
            eng_log_quote(why, sizeof(why), reason), r->npending);
    r->outage_logged = true;
    pending_fail_all(r, err);
    if (ac) {
        if (r->in_callback) {
            /* Only one context can be in a callback: an older doomed one is safe to free here. */
            if (r->doomed)
                redisAsyncFree(r->doomed);
            r->doomed = ac;
            struct timeval zero = {0, 0};
            evtimer_add(r->reap_ev, &zero);
        } else {
            redisAsyncFree(ac);
        }
    }
    backoff_schedule(r);
}

static void conn_ready(eng_redis_t *r)
{
    r->state = CONN_READY;
    r->outage_logged = false;
    ENG_INFO(r->loop, "redis.connected", "addr=%s db=%d", r->addr, r->db);
}

/*
 * The answer to our own SELECT. A refused SELECT (db beyond the server's
 * `databases`) must not leave us serving db 0 by accident: drop and retry,
 * loudly, with a growing backoff.
 */
static void select_done(eng_redis_t *r, const redisReply *reply)
{
    if (!reply)
        return; /* the context is being torn down; disconnect_cb follows */
    if (reply->type == REDIS_REPLY_STATUS) {
        r->attempt = 0;
        conn_ready(r);
        return;
    }
    char detail[200], q[200];
    snprintf(detail, sizeof(detail), "SELECT %d refused: %.*s", r->db,
             (int)(reply->str && reply->len < 150 ? reply->len
                   : reply->str                   ? 150
                                                  : 0),
             reply->str ? reply->str : "");
    eng_log(r->loop, r->outage_logged ? ENG_LOG_DEBUG : ENG_LOG_ERROR, "redis.select_failed",
            "addr=%s db=%d reason=%s", r->addr, r->db, eng_log_quote(q, sizeof(q), detail));
    conn_drop(r, ENG_ERR_DISCONNECTED, detail);
}

static void reply_cb(redisAsyncContext *ac, void *reply_ptr, void *privdata)
{
    eng_redis_t *r = privdata;
    const redisReply *reply = reply_ptr;
    if (ac != r->ac)
        return; /* a connection we already detached and answered for */
    pending_cmd_t *c = pending_pop(r);
    if (!c)
        return; /* cannot happen: one FIFO entry per hiredis callback */
    r->in_callback++;
    if (c->internal) {
        select_done(r, reply);
    } else if (!reply) {
        /* hiredis is tearing the context down (EOF, I/O error): disconnect_cb follows. */
        reply_deliver(r, c->to, c->corr, c->cls, ENG_ERR_DISCONNECTED, NULL);
    } else {
        r->attempt = 0; /* the server answers commands: the connection is healthy */
        reply_deliver(r, c->to, c->corr, c->cls,
                      reply->type == REDIS_REPLY_ERROR ? ENG_ERR_REDIS : ENG_OK, reply);
    }
    free(c);
    if (r->ac == ac)
        cmd_timer_update(r);
    r->in_callback--;
}

static eng_redis_t *ctx_owner(const redisAsyncContext *ac)
{
    return ac->data;
}

static void connect_cb(const redisAsyncContext *cac, int status)
{
    eng_redis_t *r = ctx_owner(cac);
    if (cac != r->ac) {
        /* A failed connect is freed by hiredis right after this callback. */
        if (status != REDIS_OK && cac == r->doomed)
            r->doomed = NULL;
        return;
    }
    r->in_callback++;
    evtimer_del(r->conn_timer);
    if (status != REDIS_OK) {
        /* hiredis frees the context when we return: forget it, never free it. */
        r->ac = NULL;
        connect_failed_log(r, cac->c.errstr[0] ? cac->c.errstr : "connect failed");
        backoff_schedule(r);
        goto out;
    }
    r->connected_once = true;
    if (r->db == 0) {
        conn_ready(r);
        goto out;
    }
    /* SELECT goes first, through the FIFO like any command, so it has a deadline too. */
    char dbtxt[16];
    snprintf(dbtxt, sizeof(dbtxt), "%d", r->db);
    const char *argv[2] = {"SELECT", dbtxt};
    size_t argvlen[2] = {6, strlen(dbtxt)};
    r->state = CONN_SELECTING;
    r->cmd_urgent = true;
    if (redisAsyncCommandArgv(r->ac, reply_cb, r, 2, argv, argvlen) != REDIS_OK) {
        conn_drop(r, ENG_ERR_DISCONNECTED, "cannot send SELECT");
        goto out;
    }
    pending_cmd_t *c = eng_xcalloc(1, sizeof(*c));
    c->internal = true;
    c->deadline_ms = eng_loop_now_ms(r->loop) + r->opts.command_timeout_ms;
    pending_push(r, c);
    cmd_timer_update(r);
out:
    r->in_callback--;
}

static void disconnect_cb(const redisAsyncContext *cac, int status)
{
    eng_redis_t *r = ctx_owner(cac);
    if (cac == r->doomed) {
        r->doomed = NULL; /* hiredis freed it first (EOF while it waited for reap_ev) */
        return;
    }
    if (cac != r->ac)
        return; /* our own redisAsyncFree */
    /* hiredis lost the connection and is freeing the context: forget it, then reconnect. */
    r->in_callback++;
    r->ac = NULL;
    conn_drop(r, ENG_ERR_DISCONNECTED,
              status == REDIS_OK || !cac->c.errstr[0] ? "closed" : cac->c.errstr);
    r->in_callback--;
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    eng_redis_t *r = arg;
    if (r->state == CONN_BACKOFF) {
        conn_begin(r);
    } else if (r->state == CONN_CONNECTING) {
        /* Our own timer, not a hiredis callback: the half-open context can go at once.
         * Nothing is pending on it and, never connected, it fires no callbacks. */
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        if (ac)
            redisAsyncFree(ac);
        connect_failed_log(r, "connect timeout");
        backoff_schedule(r);
    }
}

static void conn_begin(eng_redis_t *r)
{
    if (r->connected_once)
        eng_counter_add(r->m_reconnects, 1);
    /* Note: a host name (not an address) is resolved with a blocking getaddrinfo. */
    redisAsyncContext *ac = redisAsyncConnect(r->host, r->port);
    if (!ac)
        abort(); /* hiredis returns NULL only when out of memory */
    if (ac->err) {
        connect_failed_log(r, ac->c.errstr);
        redisAsyncFree(ac);
        backoff_schedule(r);
        return;
    }
    ac->data = r;
    if (redisLibeventAttach(ac, eng_loop_base(r->loop)) != REDIS_OK) {
        redisAsyncFree(ac);
        backoff_schedule(r);
        return;
    }
    r->adapter_add_write = ac->ev.addWrite;
    ac->ev.addWrite = add_write_gathered;
    redisAsyncSetConnectCallback(ac, connect_cb);
    redisAsyncSetDisconnectCallback(ac, disconnect_cb);
    r->ac = ac;
    r->state = CONN_CONNECTING;
    timer_arm_ms(r->conn_timer, r->opts.connect_timeout_ms);
}

/* ---- public API ---- */

static int64_t opt_or(int64_t v, int64_t def)
{
    return v > 0 ? v : def;
}

eng_redis_t *eng_redis_new(eng_loop_t *loop, const char *url, const eng_redis_opts_t *opts)
{
    char host[REDIS_HOST_MAX];
    int port, db;
    if (!loop || !eng_redis_url_parse(url, host, sizeof(host), &port, &db))
        return NULL;

    eng_redis_t *r = eng_xcalloc(1, sizeof(*r));
    r->loop = loop;
    memcpy(r->host, host, sizeof(host));
    r->port = port;
    r->db = db;
    snprintf(r->addr, sizeof(r->addr), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);

    eng_redis_opts_t o = opts ? *opts : (eng_redis_opts_t){0};
    r->opts.command_timeout_ms = opt_or(o.command_timeout_ms, 1000);
    r->opts.connect_timeout_ms = opt_or(o.connect_timeout_ms, 1000);
    r->opts.backoff_min_ms = opt_or(o.backoff_min_ms, 50);
    r->opts.backoff_max_ms = opt_or(o.backoff_max_ms, 2000);
    if (r->opts.backoff_max_ms < r->opts.backoff_min_ms)
        r->opts.backoff_max_ms = r->opts.backoff_min_ms;

    r->rng = (uint64_t)eng_loop_wall_ms(loop) ^ ((uint64_t)eng_loop_now_us(loop) << 20) ^
             ((uint64_t)(uintptr_t)r * 0x9E3779B97F4A7C15ull);
    if (r->rng == 0)
        r->rng = 0x2545F4914F6CDD1Dull;

    struct event_base *base = eng_loop_base(loop);
    r->cmd_timer = evtimer_new(base, cmd_timer_cb, r);
    r->conn_timer = evtimer_new(base, conn_timer_cb, r);
    r->reap_ev = evtimer_new(base, reap_cb, r);
    r->flush_ev = evtimer_new(base, flush_cb, r);
    if (!r->cmd_timer || !r->conn_timer || !r->reap_ev || !r->flush_ev)
        abort(); /* libevent fails only when out of memory */

    eng_metrics_t *m = eng_loop_metrics(loop);
    r->m_commands =
        eng_metrics_counter(m, "serviceai_redis_commands_total", NULL, "Redis commands submitted");
    r->m_timeouts = eng_metrics_counter(m, "serviceai_redis_timeouts_total", NULL,
                                        "Redis commands answered with a timeout");
    r->m_reconnects = eng_metrics_counter(m, "serviceai_redis_reconnects_total", NULL,
                                          "Redis connection attempts after the first connection");
    r->m_unanswered_errors =
        eng_metrics_counter(m, "serviceai_redis_unanswered_errors_total", NULL,
                            "Fire-and-forget Redis commands (no reply wanted) that failed");
    return r;
}

eng_err_t eng_redis_start(eng_redis_t *r)
{
    if (!r || r->state != CONN_IDLE)
        return ENG_ERR_INVALID;
    conn_begin(r);
    return ENG_OK;
}

void eng_redis_free(eng_redis_t *r)
{
    if (!r)
        return;
    redisAsyncContext *ac = r->ac;
    r->ac = NULL;
    r->state = CONN_IDLE;
    pending_fail_all(r, ENG_ERR_SHUTTING_DOWN);
    if (ac)
        redisAsyncFree(ac);
    if (r->doomed) {
        ac = r->doomed;
        r->doomed = NULL;
        redisAsyncFree(ac);
    }
    event_free(r->cmd_timer);
    event_free(r->conn_timer);
    event_free(r->reap_ev);
    event_free(r->flush_ev);
    free(r);
}

bool eng_redis_connected(const eng_redis_t *r)
{
    return r && r->state == CONN_READY;
}

eng_err_t eng_redis_command(eng_redis_t *r, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                            int argc, const char *const *argv, const size_t *argvlen)
{
    if (!r || argc <= 0 || !argv)
        return ENG_ERR_INVALID;
    for (int i = 0; i < argc; i++)
        if (!argv[i])
            return ENG_ERR_INVALID;
    eng_counter_add(r->m_commands, 1);
    /*
     * Fail fast while down: a caller on a live phone call is better served by
     * its fallback now than by a queue that drains whenever Redis returns.
     * The answer still travels as a message, so callers have one code path.
     */
    r->cmd_urgent = cls != ENG_CLASS_BACKGROUND;
    if (r->state != CONN_READY || !r->ac ||
        redisAsyncCommandArgv(r->ac, reply_cb, r, argc, (const char **)argv, argvlen) != REDIS_OK) {
        reply_deliver(r, to, corr, cls, ENG_ERR_UNAVAILABLE, NULL);
        return ENG_OK;
    }
    pending_cmd_t *c = eng_xcalloc(1, sizeof(*c));
    c->to = to;
    c->corr = corr;
    c->cls = cls;
    c->deadline_ms = eng_loop_now_ms(r->loop) + r->opts.command_timeout_ms;
    pending_push(r, c);
    if (r->head == c)
        cmd_timer_update(r);
    return ENG_OK;
}

/* ---- URL parsing ---- */

static bool parse_uint(const char **pp, long max, long *out)
{
    const char *p = *pp;
    long v = 0;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p - '0');
        if (v > max)
            return false;
        p++;
    }
    *pp = p;
    *out = v;
    return true;
}

static bool host_char_ok(char ch, bool bracketed)
{
    if (bracketed)
        return isxdigit((unsigned char)ch) || ch == ':' || ch == '.';
    return isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_';
}

bool eng_redis_url_parse(const char *url, char *host, size_t hostsz, int *port, int *db)
{
    static const char scheme[] = "redis://";
    if (!url || !host || hostsz == 0 || strncasecmp(url, scheme, sizeof(scheme) - 1) != 0)
        return false;
    const char *p = url + sizeof(scheme) - 1;
    const char *h = p;
    bool bracketed = *p == '[';
    if (bracketed)
        h = ++p;
    while (*p && host_char_ok(*p, bracketed))
        p++;
    size_t hlen = (size_t)(p - h);
    if (hlen == 0 || hlen >= hostsz)
        return false;
    if (bracketed) {
        if (*p != ']')
            return false;
        p++;
    }

    long port_v = REDIS_DEFAULT_PORT, db_v = 0;
    if (*p == ':') {
        p++;
        if (!parse_uint(&p, 65535, &port_v) || port_v == 0)
            return false;
    }
    if (*p == '/') {
        p++;
        if (*p && !parse_uint(&p, 1000000, &db_v))
            return false;
    }
    if (*p != '\0')
        return false; /* userinfo, query strings, stray characters: not supported */

    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (port)
        *port = (int)port_v;
    if (db)
        *db = (int)db_v;
    return true;
}

/* ---- blocking ping ---- */

/* Writes a one-line message (newlines flattened) into err, if the caller gave one. */
static void err_set(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_set(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || errsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    for (char *s = err; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

static eng_err_t ping_check(redisContext *c, redisReply *reply, const char *what,
                            const char *expect, char *err, size_t errsz)
{
    if (!reply) {
        bool timed_out = c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
        err_set(err, errsz, "%s: %s", what, timed_out ? "timed out" : c->errstr);
        return timed_out ? ENG_ERR_TIMEOUT : ENG_ERR_IO;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        err_set(err, errsz, "%s: %.*s", what, (int)reply->len, reply->str);
        return ENG_ERR_REDIS;
    }
    if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, expect) != 0) {
        err_set(err, errsz, "%s: unexpected reply", what);
        return ENG_ERR_PROTOCOL;
    }
    return ENG_OK;
}

eng_err_t eng_redis_ping_sync(const char *url, int timeout_ms, char *err, size_t errsz)
{
    char host[REDIS_HOST_MAX];
    int port, db;
    eng_err_t rc = ENG_OK;
    redisContext *c = NULL;
    redisReply *reply = NULL;

    err_set(err, errsz, "%s", "");
    if (!eng_redis_url_parse(url, host, sizeof(host), &port, &db)) {
        err_set(err, errsz, "bad redis url (want redis://host[:port][/db])");
        rc = ENG_ERR_CONFIG;
        goto out;
    }
    if (timeout_ms <= 0)
        timeout_ms = 1000;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    c = redisConnectWithTimeout(host, port, tv);
    if (!c)
        abort(); /* hiredis returns NULL only when out of memory */
    if (c->err) {
        err_set(err, errsz, "connect %s:%d: %s", host, port, c->errstr);
        rc = ENG_ERR_CONNECT;
        goto out;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        err_set(err, errsz, "set timeout: %s", c->errstr);
        rc = ENG_ERR_IO;
        goto out;
    }
    if (db != 0) {
        reply = redisCommand(c, "SELECT %d", db);
        rc = ping_check(c, reply, "SELECT", "OK", err, errsz);
        if (rc != ENG_OK)
            goto out;
        freeReplyObject(reply);
        reply = NULL;
    }
    reply = redisCommand(c, "PING");
    rc = ping_check(c, reply, "PING", "PONG", err, errsz);
out:
    if (reply)
        freeReplyObject(reply);
    if (c)
        redisFree(c);
    return rc;
}
