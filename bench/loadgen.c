/*
 * loadgen: the open-loop load generator for the Vapi webhook
 * (`serviceai-loadgen`). Plays simulated calls against a server on loopback
 * and writes per-message-type latency percentiles as JSON.
 *
 * One process, one thread, one libevent loop with its own small HTTP/1.1
 * client over persistent keep-alive connections (no pipelining: one request
 * in flight per connection, so --connections is the in-flight bound).
 *
 * Open loop, no coordinated omission: calls arrive at a fixed rate (Poisson by
 * default) whatever the server does. Every message has a scheduled time, and
 * its latency is measured from that time, so a message that waits for a free
 * connection or behind a slow server carries the wait in its latency. Within
 * one call a message is not sent before the previous one was answered (Vapi
 * does not either): its scheduled time is then max(planned, previous answer),
 * and such steps are counted as `deferred`. Messages not answered within
 * --timeout-ms count as timeouts and enter the percentiles at the time the
 * client gave up (a lower bound, never left out).
 *
 * The measured window: calls start from -warmup (default: one call span) to
 * +duration, so the event rate is steady in [0, duration); only messages
 * scheduled inside the window are counted. achieved_rate is the 2xx answers of
 * those messages per second of max(duration, time to the last answer).
 *
 * Bounded: loopback targets only (refused otherwise), at most --connections
 * in flight, at most --max-queue messages waiting for a connection (beyond:
 * counted as dropped), and a hard stop after --max-seconds.
 *
 * The client measures itself: scheduler lag (timer fire - scheduled), queue
 * wait (waiting for a free connection) and its own CPU time, so a result
 * shows whether the generator rather than the server was the bottleneck.
 */
#define _GNU_SOURCE /* memmem, SOCK_NONBLOCK */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_bodies.h"
#include "bench_stats.h"

#define LG_MAX_CONNECTIONS 4096
#define LG_MAX_RATE 200000.0
#define LG_MAX_DURATION_S 600.0
#define LG_MAX_TENANTS 100000
#define LG_HOUSEKEEPING_US 2000
#define LG_MAX_PIDS 256

/* ---------------------------------------------------------------- options */

typedef struct lg_opts {
    char host[64];
    int port;
    char path[256];
    char target[512];
    double rate;       /* events/s offered */
    double duration_s; /* measured window */
    double warmup_s;   /* < 0: one call span */
    int64_t span_ms;   /* assistant-request to end-of-call-report */
    int connections;
    size_t max_queue;
    int64_t timeout_ms;
    double max_seconds;
    bool uniform;
    uint64_t seed;
    const char *label;
    const char *out;
    const char *numbers_file;
    const char *fixtures;
    const char *secret;
    const char *save_replies;
    const char *print_bodies;
    size_t body_min, body_max;
    bool quiet;
    bool closed;      /* capacity mode: each connection plays calls back to back */
    int book_percent; /* calls that book after check_availability (default 100) */
    /* processes whose CPU use over the window is reported: the server, its stores */
    int server_pids[LG_MAX_PIDS], store_pids[LG_MAX_PIDS];
    int nserver_pids, nstore_pids;
} lg_opts_t;

typedef struct lg_tenant {
    char number[24];
    char phone_id[40];
} lg_tenant_t;

/* ---------------------------------------------------------------- run state */

typedef struct lg_ev {
    int64_t at_us; /* scheduled send time */
    uint32_t call;
    uint8_t step;
} lg_ev_t;

typedef struct lg_call {
    int64_t start_us;
    uint32_t tenant;
    char call_id[37];
    char customer[16];
    char date[11];
    char start[32];
    char slot[40]; /* a slot id check_availability offered, "" if none */
    bool books;    /* false: the caller hears the slots and declines (--book-percent) */
} lg_call_t;

typedef struct lg_type_stats {
    uint64_t scheduled, sent, ok, http_errors, timeouts, io_errors, dropped, spoken_errors;
    uint64_t req_bytes, resp_bytes, responses;
    int64_t last_done_us;
    bench_samples_t lat;
} lg_type_stats_t;

typedef enum { C_DOWN, C_CONNECTING, C_IDLE, C_BUSY } lg_conn_state_t;

typedef struct lg lg_t;

typedef struct lg_conn {
    lg_t *lg;
    int fd;
    lg_conn_state_t state;
    struct event *rev, *wev;
    char *out;
    size_t out_len, out_off, out_cap;
    char *in;
    size_t in_len, in_cap;
    lg_ev_t cur;
    int64_t sent_us;
    size_t req_body;
    int64_t retry_at_us;
    unsigned failures;
    bool has_cur; /* closed mode: cur is the connection's last message */
} lg_conn_t;

struct lg {
    lg_opts_t o;
    struct event_base *base;
    struct event *sched_timer, *house_timer, *sigint_ev;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    bench_script_t script;
    const bench_step_t *decline_step; /* what a caller who does not book sends instead */
    lg_tenant_t *tenants;
    size_t ntenants;
    lg_call_t *calls;
    size_t ncalls, calls_cap, calls_done;
    uint64_t rng;    /* arrivals and tenants: repeatable with --seed */
    uint64_t id_rng; /* call ids and callers: new every run */

    /* min-heap of scheduled events */
    lg_ev_t *heap;
    size_t heap_n, heap_cap;
    /* FIFO of due events waiting for a connection */
    lg_ev_t *fifo;
    size_t fifo_head, fifo_n, fifo_cap;

    lg_conn_t *conns;
    int *idle; /* stack of idle connection indices */
    int nidle;
    int inflight, max_inflight;

    int64_t run_start_us, win_start_us, win_end_us, hard_stop_us, sched_armed_us;
    bool stopping;
    char *scratch;
    size_t scratch_cap;
    char host_header[96];
    char date_base[16]; /* today's UTC date, for the tools' dates */
    time_t today;

    lg_type_stats_t types[BENCH_MSG__COUNT];
    bool saved[BENCH_MSG__COUNT];
    uint64_t total_sent, total_done, total_ok, deferred, reconnects, connect_failures,
        server_closes;
    int64_t first_send_us, last_ok_us;
    size_t max_fifo;
    bench_samples_t sched_lag, queue_wait;
    /* CPU ticks of the watched processes at the window's start and end (-1: not yet) */
    double server_cpu[2], store_cpu[2], self_cpu[2];
    unsigned long long host_busy[2], host_total[2]; /* /proc/stat jiffies, all CPUs */
    int64_t cpu_at_us[2];
    int server_seen[2], store_seen[2]; /* watched processes still there: an exit voids a figure */
    bool cpu_sampled[2];
    struct rusage ru0;
    int64_t wall0_us;
};

static void lg_pump(lg_t *lg);
static void conn_start(lg_conn_t *c);
static void sched_arm(lg_t *lg);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        abort();
    return p;
}

/* ---------------------------------------------------------------- random */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: plenty for arrival times and fake ids */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) / 9007199254740992.0; /* [0, 1) */
}

static void uuid_format(uint64_t *rng, char out[37])
{
    uint64_t a = rng_next(rng), b = rng_next(rng);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* ---------------------------------------------------------------- heap and fifo */

static bool ev_before(const lg_ev_t *a, const lg_ev_t *b)
{
    return a->at_us < b->at_us || (a->at_us == b->at_us && a->call < b->call);
}

static void heap_push(lg_t *lg, lg_ev_t ev)
{
    if (lg->heap_n == lg->heap_cap) {
        lg->heap_cap = lg->heap_cap ? lg->heap_cap * 2 : 1024;
        lg->heap = realloc(lg->heap, lg->heap_cap * sizeof *lg->heap);
        if (!lg->heap)
            abort();
    }
    size_t i = lg->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ev_before(&ev, &lg->heap[parent]))
            break;
        lg->heap[i] = lg->heap[parent];
        i = parent;
    }
    lg->heap[i] = ev;
}

static lg_ev_t heap_pop(lg_t *lg)
{
    lg_ev_t top = lg->heap[0], last = lg->heap[--lg->heap_n];
    size_t i = 0, n = lg->heap_n;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const lg_ev_t *best = &last;
        if (l < n && ev_before(&lg->heap[l], best))
            m = l, best = &lg->heap[l];
        if (r < n && ev_before(&lg->heap[r], best))
            m = r;
        if (m == i)
            break;
        lg->heap[i] = lg->heap[m];
        i = m;
    }
    if (n)
        lg->heap[i] = last;
    return top;
}

static bool fifo_push(lg_t *lg, lg_ev_t ev)
{
    if (lg->fifo_n == lg->fifo_cap)
        return false;
    lg->fifo[(lg->fifo_head + lg->fifo_n) % lg->fifo_cap] = ev;
    lg->fifo_n++;
    if (lg->fifo_n > lg->max_fifo)
        lg->max_fifo = lg->fifo_n;
    return true;
}

static lg_ev_t fifo_pop(lg_t *lg)
{
    lg_ev_t ev = lg->fifo[lg->fifo_head];
    lg->fifo_head = (lg->fifo_head + 1) % lg->fifo_cap;
    lg->fifo_n--;
    return ev;
}

/* ---------------------------------------------------------------- call progress */

static bool in_window(const lg_t *lg, int64_t at_us)
{
    return at_us >= lg->win_start_us && at_us < lg->win_end_us;
}

/* The body ev sends: the script's step, except that a caller who does not book says one
 * more sentence (a repeat of the last transcript) where the booking would be. */
static const bench_step_t *step_of(const lg_t *lg, const lg_ev_t *ev)
{
    const bench_step_t *st = &lg->script.steps[ev->step];
    if (st->msg == BENCH_MSG_TOOL_BOOK && !lg->calls[ev->call].books && lg->decline_step)
        return lg->decline_step;
    return st;
}

static lg_type_stats_t *stats_of(lg_t *lg, const lg_ev_t *ev)
{
    return &lg->types[step_of(lg, ev)->msg];
}

/* The step `ev` is finished (answered, failed or given up): plan the call's next one. */
static void step_finished(lg_t *lg, const lg_ev_t *ev, int64_t now)
{
    lg->total_done++;
    lg_call_t *call = &lg->calls[ev->call];
    size_t next = (size_t)ev->step + 1;
    if (next >= lg->script.nsteps) {
        lg->calls_done++;
        if (!lg->o.closed && lg->calls_done == lg->ncalls)
            event_base_loopbreak(lg->base);
        return;
    }
    if (lg->o.closed)
        return; /* the connection sends the call's next message itself (lg_pump) */
    int64_t planned =
        call->start_us + (int64_t)(lg->script.steps[next].at * 1000.0 * (double)lg->o.span_ms);
    lg_ev_t n = {.at_us = planned, .call = ev->call, .step = (uint8_t)next};
    if (planned < now) {
        n.at_us = now;
        lg->deferred++;
    }
    heap_push(lg, n);
    sched_arm(lg);
}

/* A message that never got an answer: timeout (given up) or dropped (queue full). */
static void step_failed(lg_t *lg, const lg_ev_t *ev, int64_t now, bool timeout)
{
    lg_type_stats_t *st = stats_of(lg, ev);
    if (in_window(lg, ev->at_us)) {
        if (timeout)
            st->timeouts++;
        else
            st->dropped++;
        bench_samples_add(&st->lat, (uint64_t)(now - ev->at_us));
    }
    step_finished(lg, ev, now);
}

/* ---------------------------------------------------------------- requests */

static void scratch_reserve(lg_t *lg, size_t n)
{
    if (n > lg->scratch_cap) {
        lg->scratch_cap = n * 2;
        lg->scratch = realloc(lg->scratch, lg->scratch_cap);
        if (!lg->scratch)
            abort();
    }
}

static void conn_out_reserve(lg_conn_t *c, size_t n)
{
    if (n > c->out_cap) {
        c->out_cap = n + n / 2;
        c->out = realloc(c->out, c->out_cap);
        if (!c->out)
            abort();
    }
}

/* "call_" and 16 hex digits, unique per call (its random id) and step. */
static void tool_call_id(const lg_call_t *call, const lg_ev_t *ev, char out[24])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the call id, then the step */
    for (const char *p = call->call_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ ev->step) * 1099511628211ULL;
    snprintf(out, 24, "call_%016llx", (unsigned long long)h);
}

/* Renders ev's request into c->out. */
static void request_build(lg_t *lg, lg_conn_t *c, const lg_ev_t *ev)
{
    const lg_call_t *call = &lg->calls[ev->call];
    const lg_tenant_t *t = &lg->tenants[call->tenant];
    const bench_step_t *st = step_of(lg, ev);
    if (st->msg == BENCH_MSG_TOOL_BOOK && !call->slot[0])
        st = &lg->script.book_without_slot;
    char tcid[24];
    tool_call_id(call, ev, tcid);
    const char *var[BENCH_VAR__COUNT] = {
        [BENCH_VAR_CALL_ID] = call->call_id, [BENCH_VAR_CUSTOMER] = call->customer,
        [BENCH_VAR_DIALED] = t->number,      [BENCH_VAR_PHONE_ID] = t->phone_id,
        [BENCH_VAR_TOOL_CALL_ID] = tcid,     [BENCH_VAR_DATE] = call->date,
        [BENCH_VAR_START] = call->start,     [BENCH_VAR_SLOT_ID] = call->slot,
    };
    size_t var_len[BENCH_VAR__COUNT];
    for (size_t i = 0; i < BENCH_VAR__COUNT; i++)
        var_len[i] = strlen(var[i]);
    size_t body = bench_step_len(st, var_len);
    char head[1024];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: serviceai-loadgen\r\n"
                      "Content-Type: application/json\r\n%s%s%sX-Bench-Step: %s\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      lg->o.path, lg->host_header, lg->o.secret ? "X-Vapi-Secret: " : "",
                      lg->o.secret ? lg->o.secret : "", lg->o.secret ? "\r\n" : "",
                      bench_msg_key(st->msg), body);
    if (hl < 0 || (size_t)hl >= sizeof head)
        die("request head too long");
    conn_out_reserve(c, (size_t)hl + body);
    memcpy(c->out, head, (size_t)hl);
    bench_step_render(st, var, var_len, c->out + hl, body);
    c->out_len = (size_t)hl + body;
    c->out_off = 0;
    c->req_body = body;
}

static void conn_close(lg_conn_t *c, int64_t now)
{
    if (c->rev)
        event_del(c->rev);
    if (c->wev)
        event_del(c->wev);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->state == C_IDLE) {
        /* remove from the idle stack */
        lg_t *lg = c->lg;
        int idx = (int)(c - lg->conns);
        for (int i = 0; i < lg->nidle; i++)
            if (lg->idle[i] == idx) {
                lg->idle[i] = lg->idle[--lg->nidle];
                break;
            }
    }
    if (c->state == C_BUSY)
        c->lg->inflight--;
    c->state = C_DOWN;
    c->in_len = 0;
    c->out_len = c->out_off = 0;
    c->retry_at_us =
        now + (c->failures ? (int64_t)(c->failures > 10 ? 100 : c->failures * 10) * 1000 : 0);
}

static void conn_set_idle(lg_conn_t *c)
{
    c->state = C_IDLE;
    c->lg->idle[c->lg->nidle++] = (int)(c - c->lg->conns);
}

/* Writes what is pending; arms EV_WRITE for the rest. false on a broken connection. */
static bool conn_flush(lg_conn_t *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            event_add(c->wev, NULL);
            return true;
        }
        return false;
    }
    return true;
}

/* The in-flight request on c failed on the wire. */
static void conn_io_error(lg_conn_t *c, int64_t now)
{
    lg_t *lg = c->lg;
    bool had = c->state == C_BUSY;
    lg_ev_t ev = c->cur;
    c->failures++;
    conn_close(c, now);
    lg->reconnects++;
    if (had) {
        if (in_window(lg, ev.at_us)) {
            lg_type_stats_t *st = stats_of(lg, &ev);
            st->io_errors++;
            bench_samples_add(&st->lat, (uint64_t)(now - ev.at_us));
        }
        step_finished(lg, &ev, now);
    }
}

static void conn_send(lg_conn_t *c, const lg_ev_t *ev, int64_t now)
{
    lg_t *lg = c->lg;
    c->cur = *ev;
    c->state = C_BUSY;
    lg->inflight++;
    if (lg->inflight > lg->max_inflight)
        lg->max_inflight = lg->inflight;
    request_build(lg, c, ev);
    c->sent_us = now;
    c->has_cur = true;
    if (!lg->total_sent)
        lg->first_send_us = now;
    lg->total_sent++;
    lg_type_stats_t *st = stats_of(lg, ev);
    if (in_window(lg, ev->at_us)) {
        st->sent++;
        st->req_bytes += c->req_body;
    }
    if (!conn_flush(c))
        conn_io_error(c, bench_now_us());
}

/* ---------------------------------------------------------------- responses */

static const char *find_crlf2(const char *p, size_t n)
{
    return memmem(p, n, "\r\n\r\n", 4);
}

/*
 * Parses one complete response at the front of c->in. Returns 1 when complete
 * (status, body in *body and *blen which may point into c->in or lg->scratch,
 * *consumed bytes used, *close set), 0 when more bytes are needed, -1 on a
 * malformed response.
 */
static int response_parse(lg_conn_t *c, int *status, const char **body, size_t *blen,
                          size_t *consumed, bool *close_after, bool eof)
{
    const char *in = c->in;
    const char *hend = find_crlf2(in, c->in_len);
    if (!hend)
        return eof ? -1 : 0;
    size_t hlen = (size_t)(hend - in) + 4;
    if (c->in_len < 12 || strncmp(in, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(in + 9);
    bool chunked = false, has_len = false;
    size_t clen = 0;
    *close_after = in[7] == '0'; /* HTTP/1.0 */
    const char *line = memchr(in, '\n', hlen);
    while (line && line + 1 < hend) {
        line++;
        const char *eol = memchr(line, '\n', (size_t)(hend + 2 - line));
        if (!eol)
            break;
        size_t ll = (size_t)(eol - line);
        if (ll > 15 && strncasecmp(line, "content-length:", 15) == 0) {
            clen = strtoul(line + 15, NULL, 10);
            has_len = true;
        } else if (ll > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0) {
            chunked = memmem(line, ll, "chunked", 7) != NULL;
        } else if (ll > 11 && strncasecmp(line, "connection:", 11) == 0) {
            if (memmem(line, ll, "close", 5))
                *close_after = true;
            else if (memmem(line, ll, "keep-alive", 10))
                *close_after = false;
        }
        line = eol;
    }
    if (chunked) {
        lg_t *lg = c->lg;
        size_t pos = hlen, out = 0;
        for (;;) {
            const char *eol = memmem(in + pos, c->in_len - pos, "\r\n", 2);
            if (!eol)
                return eof ? -1 : 0;
            size_t sz = strtoul(in + pos, NULL, 16);
            pos = (size_t)(eol - in) + 2;
            if (sz == 0) {
                if (c->in_len - pos >= 2 && in[pos] == '\r' && in[pos + 1] == '\n') {
                    pos += 2;
                } else {
                    const char *end = find_crlf2(in + pos, c->in_len - pos);
                    if (!end)
                        return eof ? -1 : 0;
                    pos = (size_t)(end - in) + 4;
                }
                break;
            }
            if (c->in_len - pos < sz + 2)
                return eof ? -1 : 0;
            scratch_reserve(lg, out + sz + 1);
            memcpy(lg->scratch + out, in + pos, sz);
            out += sz;
            pos += sz + 2;
        }
        *body = lg->scratch;
        *blen = out;
        *consumed = pos;
        return 1;
    }
    if (has_len) {
        if (c->in_len < hlen + clen)
            return eof ? -1 : 0;
        *body = in + hlen;
        *blen = clen;
        *consumed = hlen + clen;
        return 1;
    }
    /* No length: the body runs to the end of the connection. */
    if (!eof)
        return 0;
    *body = in + hlen;
    *blen = c->in_len - hlen;
    *consumed = c->in_len;
    *close_after = true;
    return 1;
}

static void reply_save(lg_t *lg, bench_msg_t msg, const char *body, size_t blen)
{
    if (!lg->o.save_replies || lg->saved[msg])
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", lg->o.save_replies, bench_msg_key(msg));
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "loadgen: warning: cannot write %s: %s\n", path, strerror(errno));
    } else {
        fwrite(body, 1, blen, f);
        fclose(f);
    }
    lg->saved[msg] = true;
}

/*
 * The slot the simulated caller picks from a check_availability result: the
 * engine lists openings with "(slot ID)" after each; the call takes one of
 * them (which one depends on the call, to spread bookings).
 */
static void slot_pick(lg_call_t *call, uint32_t call_idx, const char *body, size_t blen)
{
    const char *ids[8];
    size_t lens[8], n = 0;
    const char *p = body, *end = body + blen;
    while (n < 8 && (p = memmem(p, (size_t)(end - p), "(slot ", 6)) != NULL) {
        p += 6;
        size_t len = 0;
        while (p + len < end && p[len] != ')' && p[len] != '"' && p[len] != ' ' &&
               len < sizeof call->slot - 1)
            len++;
        if (len && p + len < end && p[len] == ')') {
            ids[n] = p;
            lens[n++] = len;
        }
        p += len;
    }
    call->slot[0] = '\0';
    if (n) {
        size_t i = call_idx % n;
        memcpy(call->slot, ids[i], lens[i]);
        call->slot[lens[i]] = '\0';
    }
}

/* A 2xx that carries a spoken error: the engine answered politely that it could not. */
static bool reply_is_spoken_error(bench_msg_t msg, const char *body, size_t blen)
{
    switch (msg) {
    case BENCH_MSG_ASSISTANT_REQUEST:
        return memmem(body, blen, "\"assistant\"", 11) == NULL;
    case BENCH_MSG_TOOL_CHECK:
    case BENCH_MSG_TOOL_BOOK:
        return memmem(body, blen, "\"error\"", 7) != NULL;
    default:
        return false;
    }
}

static void response_done(lg_conn_t *c, int status, const char *body, size_t blen, int64_t now)
{
    lg_t *lg = c->lg;
    lg_ev_t ev = c->cur;
    bench_msg_t msg = step_of(lg, &ev)->msg;
    lg_type_stats_t *st = &lg->types[msg];
    bool ok = status >= 200 && status < 300;
    if (ok) {
        reply_save(lg, msg, body, blen);
        if (msg == BENCH_MSG_TOOL_CHECK)
            slot_pick(&lg->calls[ev.call], ev.call, body, blen);
        lg->total_ok++;
        lg->last_ok_us = now;
    }
    if (in_window(lg, ev.at_us)) {
        st->responses++;
        st->resp_bytes += blen;
        if (ok) {
            st->ok++;
            if (reply_is_spoken_error(msg, body, blen))
                st->spoken_errors++;
        } else {
            st->http_errors++;
        }
        bench_samples_add(&st->lat, (uint64_t)(now - ev.at_us));
        if (now > st->last_done_us)
            st->last_done_us = now;
    }
    step_finished(lg, &ev, now);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    lg_conn_t *c = arg;
    int64_t now;
    bool eof = false;
    for (;;) {
        if (c->in_cap - c->in_len < 16384) {
            c->in_cap = c->in_cap ? c->in_cap * 2 : 65536;
            c->in = realloc(c->in, c->in_cap);
            if (!c->in)
                abort();
        }
        ssize_t n = recv(fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            if (c->in_len < c->in_cap)
                break;
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        conn_io_error(c, bench_now_us());
        lg_pump(c->lg);
        return;
    }
    now = bench_now_us();
    if (c->state != C_BUSY) {
        /* Bytes or EOF on an idle connection: the server closed it (keep-alive ended). */
        if (eof || c->in_len) {
            if (eof)
                c->lg->server_closes++;
            conn_close(c, now);
        }
        lg_pump(c->lg);
        return;
    }
    int status = 0;
    const char *body = NULL;
    size_t blen = 0, consumed = 0;
    bool close_after = false;
    int r = response_parse(c, &status, &body, &blen, &consumed, &close_after, eof);
    if (r == 0 && !eof)
        return;
    if (r <= 0) {
        conn_io_error(c, now);
        lg_pump(c->lg);
        return;
    }
    bool leftover = consumed < c->in_len;
    c->in_len = 0;
    c->lg->inflight--;
    c->state = C_DOWN; /* between requests while the reply is accounted for */
    response_done(c, status, body, blen, now);
    if (close_after || eof || leftover) {
        /* The server ends keep-alive (or spoke out of turn): reconnect at once. */
        c->lg->server_closes++;
        conn_close(c, now);
        conn_start(c);
    } else {
        c->failures = 0;
        conn_set_idle(c);
    }
    lg_pump(c->lg);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    lg_conn_t *c = arg;
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            c->lg->connect_failures++;
            c->failures++;
            conn_close(c, bench_now_us());
            return;
        }
        conn_set_idle(c);
        lg_pump(c->lg);
        return;
    }
    if (c->state == C_BUSY && !conn_flush(c)) {
        conn_io_error(c, bench_now_us());
        lg_pump(c->lg);
    }
}

static void conn_start(lg_conn_t *c)
{
    lg_t *lg = c->lg;
    int fd = socket(lg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->in_len = 0;
    if (c->rev)
        event_free(c->rev);
    if (c->wev)
        event_free(c->wev);
    c->rev = event_new(lg->base, fd, EV_READ | EV_PERSIST, on_read, c);
    c->wev = event_new(lg->base, fd, EV_WRITE, on_write, c);
    if (!c->rev || !c->wev)
        abort();
    event_add(c->rev, NULL);
    int r = connect(fd, (struct sockaddr *)&lg->addr, lg->addrlen);
    if (r == 0) {
        conn_set_idle(c);
        return;
    }
    if (errno == EINPROGRESS) {
        c->state = C_CONNECTING;
        event_add(c->wev, NULL);
        return;
    }
    lg->connect_failures++;
    c->failures++;
    conn_close(c, bench_now_us());
}

/* ---------------------------------------------------------------- scheduling */

static uint32_t call_new(lg_t *lg, int64_t start_us);

/* Closed mode: every idle connection sends its call's next message at once, or starts a
 * new call; nothing new once the window is over. */
static void lg_pump_closed(lg_t *lg)
{
    int64_t now = bench_now_us();
    if (now < lg->run_start_us)
        return;
    while (lg->nidle && now < lg->win_end_us) {
        lg_conn_t *c = &lg->conns[lg->idle[--lg->nidle]];
        lg_ev_t ev = {.at_us = now};
        if (c->has_cur && (size_t)c->cur.step + 1 < lg->script.nsteps) {
            ev.call = c->cur.call;
            ev.step = (uint8_t)(c->cur.step + 1);
        } else {
            ev.call = call_new(lg, now);
            ev.step = 0;
        }
        if (in_window(lg, now))
            stats_of(lg, &ev)->scheduled++;
        conn_send(c, &ev, now);
        now = bench_now_us();
    }
    if (now >= lg->win_end_us && lg->inflight == 0)
        event_base_loopbreak(lg->base);
}

/* Sends queued events while there are idle connections; gives up on stale ones. */
static void lg_pump(lg_t *lg)
{
    if (lg->o.closed) {
        lg_pump_closed(lg);
        return;
    }
    int64_t now = bench_now_us();
    while (lg->fifo_n && lg->nidle) {
        lg_ev_t ev = fifo_pop(lg);
        if (now - ev.at_us > lg->o.timeout_ms * 1000) {
            step_failed(lg, &ev, now, true);
            continue;
        }
        lg_conn_t *c = &lg->conns[lg->idle[--lg->nidle]];
        bench_samples_add(&lg->queue_wait, (uint64_t)(now - ev.at_us));
        conn_send(c, &ev, now);
        now = bench_now_us();
    }
}

static void sched_arm(lg_t *lg)
{
    if (!lg->heap_n)
        return;
    int64_t at = lg->heap[0].at_us;
    if (lg->sched_armed_us && lg->sched_armed_us <= at)
        return; /* an earlier (or equal) wake-up is already armed */
    int64_t delay = at - bench_now_us();
    if (delay < 0)
        delay = 0;
    struct timeval tv = {.tv_sec = delay / 1000000, .tv_usec = delay % 1000000};
    evtimer_add(lg->sched_timer, &tv);
    lg->sched_armed_us = at;
}

static void on_sched(evutil_socket_t fd, short what, void *arg)
{
    lg_t *lg = arg;
    lg->sched_armed_us = 0;
    int64_t now = bench_now_us();
    while (lg->heap_n && lg->heap[0].at_us <= now) {
        lg_ev_t ev = heap_pop(lg);
        if (in_window(lg, ev.at_us))
            stats_of(lg, &ev)->scheduled++;
        bench_samples_add(&lg->sched_lag, (uint64_t)(now - ev.at_us));
        if (!fifo_push(lg, ev))
            step_failed(lg, &ev, now, false);
    }
    lg_pump(lg);
    sched_arm(lg);
}

/* CPU seconds used so far by the given processes (threads included); *seen counts those
 * still there. */
static double pids_cpu_s(const int *pids, int n, int *seen)
{
    long hz = sysconf(_SC_CLK_TCK);
    double ticks = 0;
    *seen = 0;
    for (int i = 0; i < n; i++) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* fields after "(comm) ": state is field 3, utime 14, stime 15 */
        char *p = strrchr(buf, ')');
        unsigned long long ut = 0, st = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2) {
            ticks += (double)(ut + st);
            (*seen)++;
        }
    }
    return hz > 0 ? ticks / (double)hz : 0;
}

/* Busy and total jiffies of the whole machine (first line of /proc/stat). */
static void host_jiffies(unsigned long long *busy, unsigned long long *total)
{
    unsigned long long v[8] = {0};
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 4)
        return;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *busy = *total - v[3] - v[4]; /* idle and iowait */
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void cpu_sample(lg_t *lg, int which)
{
    host_jiffies(&lg->host_busy[which], &lg->host_total[which]);
    lg->self_cpu[which] = self_cpu_s();
    lg->server_cpu[which] =
        pids_cpu_s(lg->o.server_pids, lg->o.nserver_pids, &lg->server_seen[which]);
    lg->store_cpu[which] = pids_cpu_s(lg->o.store_pids, lg->o.nstore_pids, &lg->store_seen[which]);
    lg->cpu_at_us[which] = bench_now_us();
    lg->cpu_sampled[which] = true;
}

static void on_house(evutil_socket_t fd, short what, void *arg)
{
    lg_t *lg = arg;
    int64_t now = bench_now_us();
    if (!lg->cpu_sampled[0] && now >= lg->win_start_us)
        cpu_sample(lg, 0);
    if (!lg->cpu_sampled[1] && now >= lg->win_end_us)
        cpu_sample(lg, 1);
    if (now >= lg->hard_stop_us) {
        fprintf(stderr, "loadgen: hard stop after --max-seconds %.0f\n", lg->o.max_seconds);
        event_base_loopbreak(lg->base);
        return;
    }
    int64_t limit = lg->o.timeout_ms * 1000;
    for (int i = 0; i < lg->o.connections; i++) {
        lg_conn_t *c = &lg->conns[i];
        if (c->state == C_BUSY && now - c->cur.at_us > limit) {
            lg_ev_t ev = c->cur;
            c->state = C_DOWN; /* the request is given up: not an I/O error */
            lg->inflight--;
            conn_close(c, now);
            lg->reconnects++;
            step_failed(lg, &ev, now, true);
        } else if (c->state == C_DOWN && now >= c->retry_at_us) {
            conn_start(c);
        }
    }
    while (lg->fifo_n && now - lg->fifo[lg->fifo_head].at_us > limit) {
        lg_ev_t ev = fifo_pop(lg);
        step_failed(lg, &ev, now, true);
    }
    if (lg->o.closed && now < lg->run_start_us)
        return; /* connections come up before the first call */
    lg_pump(lg);
}

static void on_sigint(evutil_socket_t fd, short what, void *arg)
{
    lg_t *lg = arg;
    fprintf(stderr, "loadgen: interrupted, writing what was measured\n");
    lg->stopping = true;
    event_base_loopbreak(lg->base);
}

/* ---------------------------------------------------------------- set-up */

static bool host_is_loopback(const char *host, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        *len = sizeof *in4;
        return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        *len = sizeof *in6;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false; /* names other than localhost are not resolved: no DNS, no surprises */
}

/* http://HOST:PORT/PATH with HOST a loopback literal, localhost or [::1]. */
static void target_parse(lg_t *lg, const char *url)
{
    lg_opts_t *o = &lg->o;
    snprintf(o->target, sizeof o->target, "%s", url);
    if (strncmp(url, "http://", 7) != 0)
        die("--target must be http://HOST:PORT/PATH (got '%s')", url);
    const char *h = url + 7, *hend, *p;
    if (*h == '[') {
        hend = strchr(h, ']');
        if (!hend)
            die("--target: unterminated [ in '%s'", url);
        snprintf(o->host, sizeof o->host, "%.*s", (int)(hend - h - 1), h + 1);
        p = hend + 1;
    } else {
        hend = h + strcspn(h, ":/");
        snprintf(o->host, sizeof o->host, "%.*s", (int)(hend - h), h);
        p = hend;
    }
    o->port = 80;
    if (*p == ':') {
        o->port = atoi(p + 1);
        p += 1 + strspn(p + 1, "0123456789");
    }
    snprintf(o->path, sizeof o->path, "%s", *p == '/' ? p : "/");
    if (o->port <= 0 || o->port > 65535)
        die("--target: bad port in '%s'", url);
    if (!host_is_loopback(o->host, &lg->addr, &lg->addrlen))
        die("refusing target host '%s': loopback only (127.0.0.0/8, ::1, localhost)", o->host);
    if (lg->addr.ss_family == AF_INET)
        ((struct sockaddr_in *)&lg->addr)->sin_port = htons((uint16_t)o->port);
    else
        ((struct sockaddr_in6 *)&lg->addr)->sin6_port = htons((uint16_t)o->port);
    snprintf(lg->host_header, sizeof lg->host_header, "%s%s%s:%d",
             lg->addr.ss_family == AF_INET6 ? "[" : "", o->host,
             lg->addr.ss_family == AF_INET6 ? "]" : "", o->port);
}

static void tenant_add(lg_t *lg, const char *number, const char *phone_id)
{
    if (lg->ntenants >= LG_MAX_TENANTS)
        die("too many tenant numbers (max %d)", LG_MAX_TENANTS);
    if (!number[0] || number[0] != '+' || strlen(number) >= sizeof lg->tenants[0].number)
        die("tenant number '%s' is not E.164 (+ and digits)", number);
    lg->tenants = realloc(lg->tenants, (lg->ntenants + 1) * sizeof *lg->tenants);
    if (!lg->tenants)
        abort();
    lg_tenant_t *t = &lg->tenants[lg->ntenants];
    snprintf(t->number, sizeof t->number, "%s", number);
    if (phone_id && *phone_id)
        snprintf(t->phone_id, sizeof t->phone_id, "%s", phone_id);
    else /* a stable fake Vapi phone number id per tenant */
        snprintf(t->phone_id, sizeof t->phone_id, "b3e7c0de-0000-4000-8000-%012zu",
                 lg->ntenants + 1);
    lg->ntenants++;
}

/* One number a line: "+15125550100" or "+15125550100,<vapi phone id>"; # comments. */
static void tenants_load(lg_t *lg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("--numbers %s: %s", path, strerror(errno));
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *s = line + strspn(line, " \t");
        s[strcspn(s, "#\r\n")] = '\0';
        char *end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*s)
            continue;
        char *comma = strchr(s, ',');
        if (comma)
            *comma++ = '\0';
        tenant_add(lg, s, comma);
    }
    fclose(f);
}

/* Appends a call starting at start_us; returns its index. */
static uint32_t call_new(lg_t *lg, int64_t start_us)
{
    static const char *const areas[] = {"512", "737", "713", "832", "214", "469", "305", "786"};
    if (lg->ncalls == lg->calls_cap) {
        lg->calls_cap = lg->calls_cap ? lg->calls_cap * 2 : 1024;
        if (lg->calls_cap > UINT32_MAX)
            die("too many calls");
        lg->calls = realloc(lg->calls, lg->calls_cap * sizeof *lg->calls);
        if (!lg->calls)
            abort();
    }
    size_t idx = lg->ncalls++;
    lg_call_t *c = &lg->calls[idx];
    memset(c, 0, sizeof *c);
    c->start_us = start_us;
    c->tenant = (uint32_t)(rng_next(&lg->rng) % lg->ntenants);
    c->books = (int)(rng_next(&lg->rng) % 100) < lg->o.book_percent;
    uuid_format(&lg->id_rng, c->call_id);
    snprintf(c->customer, sizeof c->customer, "+1%s%u%06u", areas[rng_next(&lg->id_rng) % 8],
             2 + (unsigned)(rng_next(&lg->id_rng) % 8),
             (unsigned)(rng_next(&lg->id_rng) % 1000000));
    time_t day = lg->today + (time_t)(1 + idx % 14) * 86400;
    struct tm tm;
    gmtime_r(&day, &tm);
    strftime(c->date, sizeof c->date, "%Y-%m-%d", &tm);
    snprintf(c->start, sizeof c->start, "%sT%02u:00:00-06:00", c->date, 8 + (unsigned)(idx % 9));
    return (uint32_t)idx;
}

/* The window, and in open mode every call's arrival (its assistant-request in the heap). */
static void calls_plan(lg_t *lg)
{
    const lg_opts_t *o = &lg->o;
    double warmup = o->warmup_s >= 0 ? o->warmup_s : (double)o->span_ms / 1000.0;
    int64_t now = bench_now_us();
    lg->rng = o->seed ? o->seed : 0x5EED5EED5EEDULL;
    /* Ids must differ between runs (the engine keeps call state and tool results by call id
     * and toolCallId): they come from a generator seeded by the clock, not by --seed. */
    lg->id_rng = (uint64_t)bench_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
    if (!lg->id_rng)
        lg->id_rng = 1;
    lg->run_start_us = now + 200000; /* let connections come up first */
    lg->win_start_us = lg->run_start_us + (int64_t)(warmup * 1e6);
    lg->win_end_us = lg->win_start_us + (int64_t)(o->duration_s * 1e6);
    if (o->closed)
        return; /* calls are made as connections ask for them */
    double call_rate = o->rate / (double)lg->script.nsteps;
    double t = 0, end_s = warmup + o->duration_s;
    for (;;) {
        t += o->uniform ? 1.0 / call_rate : -log(1.0 - rng_unit(&lg->rng)) / call_rate;
        if (t >= end_s)
            break;
        int64_t start = lg->run_start_us + (int64_t)(t * 1e6);
        uint32_t idx = call_new(lg, start);
        heap_push(lg, (lg_ev_t){.at_us = start, .call = idx, .step = 0});
    }
}

static void bodies_print(lg_t *lg, const char *dir)
{
    for (size_t i = 0; i < lg->script.nsteps; i++) {
        lg_ev_t ev = {.at_us = 0, .call = 0, .step = (uint8_t)i};
        lg_conn_t c = {.lg = lg, .fd = -1};
        request_build(lg, &c, &ev);
        char path[4096];
        snprintf(path, sizeof path, "%s/step%02zu-%s.json", dir, i,
                 bench_msg_key(lg->script.steps[i].msg));
        FILE *f = fopen(path, "wb");
        if (!f)
            die("%s: %s", path, strerror(errno));
        fwrite(c.out + (c.out_len - c.req_body), 1, c.req_body, f);
        fclose(f);
        fprintf(stderr, "%s: %zu bytes\n", path, c.req_body);
        free(c.out);
    }
}

/* ---------------------------------------------------------------- results */

static double ms(uint32_t us)
{
    return (double)us / 1000.0;
}

static json_t *lat_json(bench_samples_t *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "p50_ms", json_real(ms(bench_samples_pct(s, 50))));
    json_object_set_new(j, "p90_ms", json_real(ms(bench_samples_pct(s, 90))));
    json_object_set_new(j, "p99_ms", json_real(ms(bench_samples_pct(s, 99))));
    json_object_set_new(j, "p999_ms", json_real(ms(bench_samples_pct(s, 99.9))));
    json_object_set_new(j, "max_ms", json_real(ms(bench_samples_pct(s, 100))));
    json_object_set_new(j, "mean_ms", json_real(bench_samples_mean(s) / 1000.0));
    return j;
}

static json_t *type_json(lg_t *lg, lg_type_stats_t *st, double elapsed_s, double offered)
{
    /* Poisson arrivals put more or fewer messages in the window than rate x duration:
     * scheduled_rate is what was actually offered. */
    double window = (double)(lg->win_end_us - lg->win_start_us) / 1e6;
    json_t *j = lat_json(&st->lat);
    uint64_t errors = st->http_errors + st->timeouts + st->io_errors + st->dropped;
    json_object_set_new(j, "offered_rate", json_real(offered));
    json_object_set_new(j, "scheduled", json_integer((json_int_t)st->scheduled));
    json_object_set_new(j, "scheduled_rate",
                        json_real(window > 0 ? (double)st->scheduled / window : 0));
    json_object_set_new(j, "sent", json_integer((json_int_t)st->sent));
    json_object_set_new(j, "ok", json_integer((json_int_t)st->ok));
    json_object_set_new(j, "errors", json_integer((json_int_t)errors));
    json_object_set_new(j, "http_errors", json_integer((json_int_t)st->http_errors));
    json_object_set_new(j, "timeouts", json_integer((json_int_t)st->timeouts));
    json_object_set_new(j, "io_errors", json_integer((json_int_t)st->io_errors));
    json_object_set_new(j, "dropped", json_integer((json_int_t)st->dropped));
    json_object_set_new(j, "spoken_errors", json_integer((json_int_t)st->spoken_errors));
    json_object_set_new(j, "achieved_rate",
                        json_real(elapsed_s > 0 ? (double)st->ok / elapsed_s : 0));
    json_object_set_new(j, "req_bytes_mean",
                        json_real(st->sent ? (double)st->req_bytes / (double)st->sent : 0));
    json_object_set_new(
        j, "resp_bytes_mean",
        json_real(st->responses ? (double)st->resp_bytes / (double)st->responses : 0));
    return j;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static json_t *results_json(lg_t *lg)
{
    const lg_opts_t *o = &lg->o;
    json_t *root = json_object();
    json_object_set_new(root, "tool", json_string("serviceai-loadgen"));
    json_object_set_new(root, "label", json_string(o->label ? o->label : ""));
    json_object_set_new(root, "target", json_string(o->target));
    json_object_set_new(root, "mode", json_string(o->closed ? "closed" : "open"));
    json_object_set_new(root, "offered_rate", json_real(o->closed ? 0 : o->rate));
    json_object_set_new(root, "duration_s", json_real(o->duration_s));
    json_object_set_new(root, "call_span_ms", json_integer(o->span_ms));
    json_object_set_new(root, "events_per_call", json_integer((json_int_t)lg->script.nsteps));
    json_object_set_new(root, "book_percent", json_integer(o->book_percent));
    json_object_set_new(root, "connections", json_integer(o->connections));
    json_object_set_new(root, "timeout_ms", json_integer(o->timeout_ms));
    json_object_set_new(root, "arrivals", json_string(o->uniform ? "uniform" : "poisson"));
    json_object_set_new(root, "tenants", json_integer((json_int_t)lg->ntenants));
    json_object_set_new(root, "calls", json_integer((json_int_t)lg->ncalls));
    json_object_set_new(root, "calls_completed", json_integer((json_int_t)lg->calls_done));
    json_object_set_new(root, "interrupted",
                        json_boolean(lg->stopping || (!o->closed && lg->calls_done < lg->ncalls)));

    json_t *bodies = json_array();
    for (size_t i = 0; i < lg->script.nsteps; i++) {
        size_t var_len[BENCH_VAR__COUNT] = {36, 12, 12, 36, 21, 10, 25, 18};
        json_t *b = json_object();
        json_object_set_new(b, "type", json_string(bench_msg_key(lg->script.steps[i].msg)));
        json_object_set_new(b, "at", json_real(lg->script.steps[i].at));
        json_object_set_new(
            b, "bytes", json_integer((json_int_t)bench_step_len(&lg->script.steps[i], var_len)));
        json_array_append_new(bodies, b);
    }
    json_object_set_new(root, "steps", bodies);

    /* Elapsed: the window, stretched to the last answer of a message scheduled in it. */
    lg_type_stats_t all = {0};
    bench_samples_init(&all.lat);
    json_t *types = json_object();
    for (int m = 0; m < BENCH_MSG__COUNT; m++) {
        lg_type_stats_t *st = &lg->types[m];
        if (st->last_done_us > all.last_done_us)
            all.last_done_us = st->last_done_us;
    }
    double window = (double)(lg->win_end_us - lg->win_start_us) / 1e6;
    double elapsed = window;
    if (all.last_done_us > lg->win_end_us)
        elapsed = (double)(all.last_done_us - lg->win_start_us) / 1e6;
    double per_call[BENCH_MSG__COUNT] = {0}; /* expected messages of each type per call */
    for (size_t i = 0; i < lg->script.nsteps; i++) {
        bench_msg_t m = lg->script.steps[i].msg;
        if (m == BENCH_MSG_TOOL_BOOK && lg->decline_step) {
            per_call[m] += o->book_percent / 100.0;
            per_call[lg->decline_step->msg] += 1.0 - o->book_percent / 100.0;
        } else {
            per_call[m] += 1.0;
        }
    }
    for (int m = 0; m < BENCH_MSG__COUNT; m++) {
        lg_type_stats_t *st = &lg->types[m];
        double offered = o->rate * per_call[m] / (double)lg->script.nsteps;
        json_object_set_new(types, bench_msg_key((bench_msg_t)m),
                            type_json(lg, st, elapsed, offered));
        all.scheduled += st->scheduled;
        all.sent += st->sent;
        all.ok += st->ok;
        all.http_errors += st->http_errors;
        all.timeouts += st->timeouts;
        all.io_errors += st->io_errors;
        all.dropped += st->dropped;
        all.spoken_errors += st->spoken_errors;
        all.req_bytes += st->req_bytes;
        all.resp_bytes += st->resp_bytes;
        all.responses += st->responses;
        bench_samples_merge(&all.lat, &st->lat);
    }
    json_object_set_new(root, "all", type_json(lg, &all, elapsed, o->rate));
    json_object_set_new(root, "types", types);
    json_object_set_new(root, "elapsed_s", json_real(elapsed));
    bench_samples_deinit(&all.lat);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user = tv_s(ru.ru_utime) - tv_s(lg->ru0.ru_utime);
    double sys = tv_s(ru.ru_stime) - tv_s(lg->ru0.ru_stime);
    double wall = (double)(bench_now_us() - lg->wall0_us) / 1e6;
    json_t *cl = json_object();
    json_object_set_new(cl, "cpu_user_s", json_real(user));
    json_object_set_new(cl, "cpu_sys_s", json_real(sys));
    json_object_set_new(cl, "wall_s", json_real(wall));
    json_object_set_new(cl, "cpu_util", json_real(wall > 0 ? (user + sys) / wall : 0));
    json_object_set_new(
        cl, "cpu_us_per_event",
        json_real(lg->total_done ? (user + sys) * 1e6 / (double)lg->total_done : 0));
    json_object_set_new(cl, "sched_lag", lat_json(&lg->sched_lag));
    json_object_set_new(cl, "queue_wait", lat_json(&lg->queue_wait));
    json_object_set_new(cl, "max_queue_depth", json_integer((json_int_t)lg->max_fifo));
    json_object_set_new(cl, "max_inflight", json_integer(lg->max_inflight));
    json_object_set_new(cl, "total_sent", json_integer((json_int_t)lg->total_sent));
    json_object_set_new(cl, "total_ok", json_integer((json_int_t)lg->total_ok));
    /* Every 2xx of the run, per second from the first send to the last 2xx. */
    double busy = (double)(lg->last_ok_us - lg->first_send_us) / 1e6;
    json_object_set_new(cl, "throughput", json_real(busy > 0 ? (double)lg->total_ok / busy : 0));
    json_object_set_new(cl, "deferred_steps", json_integer((json_int_t)lg->deferred));
    json_object_set_new(cl, "reconnects", json_integer((json_int_t)lg->reconnects));
    json_object_set_new(cl, "connect_failures", json_integer((json_int_t)lg->connect_failures));
    json_object_set_new(cl, "server_closes", json_integer((json_int_t)lg->server_closes));
    json_object_set_new(root, "client", cl);

    /* Cores used by the watched processes over the measured window. */
    json_t *srv = json_object();
    bool sampled = lg->cpu_sampled[0] && lg->cpu_sampled[1];
    double w = (double)(lg->cpu_at_us[1] - lg->cpu_at_us[0]) / 1e6;
    sampled = sampled && w > 0;
    json_object_set_new(srv, "cpu_util",
                        sampled && o->nserver_pids && lg->server_seen[1] == lg->server_seen[0]
                            ? json_real((lg->server_cpu[1] - lg->server_cpu[0]) / w)
                            : json_null());
    json_object_set_new(srv, "store_cpu_util",
                        sampled && o->nstore_pids && lg->store_seen[1] == lg->store_seen[0]
                            ? json_real((lg->store_cpu[1] - lg->store_cpu[0]) / w)
                            : json_null());
    /* The whole machine over the window, in cores: what is left after the server, its stores
     * and this generator is other load that shared the machine during the pass. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long long dt = lg->host_total[1] - lg->host_total[0];
    json_object_set_new(srv, "machine_busy_cores",
                        sampled && dt > 0
                            ? json_real((double)(lg->host_busy[1] - lg->host_busy[0]) / (double)dt *
                                        (double)(ncpu > 0 ? ncpu : 1))
                            : json_null());
    json_object_set_new(srv, "loadgen_cpu_util",
                        sampled ? json_real((lg->self_cpu[1] - lg->self_cpu[0]) / w) : json_null());
    json_object_set_new(srv, "server_exited",
                        json_boolean(sampled && lg->server_seen[1] < lg->server_seen[0]));
    json_object_set_new(root, "server", srv);
    return root;
}

static void summary_print(json_t *res)
{
    json_t *types = json_object_get(res, "types");
    fprintf(stderr, "%-30s %8s %8s %7s %7s %9s %9s %9s %9s %9s\n", "type", "sent", "errors",
            "spoken", "rate/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
    const char *key;
    json_t *t;
    json_t *all = json_object_get(res, "all");
    json_object_foreach(types, key, t)
    {
        fprintf(stderr, "%-30s %8lld %8lld %7lld %7.0f %9.3f %9.3f %9.3f %9.3f %9.3f\n", key,
                json_integer_value(json_object_get(t, "sent")),
                json_integer_value(json_object_get(t, "errors")),
                json_integer_value(json_object_get(t, "spoken_errors")),
                json_real_value(json_object_get(t, "achieved_rate")),
                json_real_value(json_object_get(t, "p50_ms")),
                json_real_value(json_object_get(t, "p90_ms")),
                json_real_value(json_object_get(t, "p99_ms")),
                json_real_value(json_object_get(t, "p999_ms")),
                json_real_value(json_object_get(t, "max_ms")));
    }
    fprintf(stderr, "%-30s %8lld %8lld %7lld %7.0f %9.3f %9.3f %9.3f %9.3f %9.3f\n", "all",
            json_integer_value(json_object_get(all, "sent")),
            json_integer_value(json_object_get(all, "errors")),
            json_integer_value(json_object_get(all, "spoken_errors")),
            json_real_value(json_object_get(all, "achieved_rate")),
            json_real_value(json_object_get(all, "p50_ms")),
            json_real_value(json_object_get(all, "p90_ms")),
            json_real_value(json_object_get(all, "p99_ms")),
            json_real_value(json_object_get(all, "p999_ms")),
            json_real_value(json_object_get(all, "max_ms")));
    json_t *cl = json_object_get(res, "client");
    fprintf(stderr,
            "client: cpu %.0f%% of a core, %.1f us/event; sched lag p99 %.3f ms; queue wait "
            "p99 %.3f ms; max in flight %lld; deferred %lld; reconnects %lld\n",
            100 * json_real_value(json_object_get(cl, "cpu_util")),
            json_real_value(json_object_get(cl, "cpu_us_per_event")),
            json_real_value(json_object_get(json_object_get(cl, "sched_lag"), "p99_ms")),
            json_real_value(json_object_get(json_object_get(cl, "queue_wait"), "p99_ms")),
            json_integer_value(json_object_get(cl, "max_inflight")),
            json_integer_value(json_object_get(cl, "deferred_steps")),
            json_integer_value(json_object_get(cl, "reconnects")));
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fputs("usage: loadgen --target http://127.0.0.1:PORT/vapi/webhook --rate EVENTS_PER_S\n"
          "               (--numbers FILE | --number +E164 ...) [options]\n"
          "Open-loop simulated Vapi calls against a loopback server; JSON results.\n"
          "  --rate N           offered webhook events per second (a call is 10 events)\n"
          "  --duration S       measured window in seconds (default 10)\n"
          "  --warmup S         calls started before the window (default: one call span)\n"
          "  --call-span-ms N   assistant-request to end-of-call-report (default 2000)\n"
          "  --connections N    keep-alive connections = max in flight (default 64)\n"
          "  --max-queue N      messages waiting for a connection before drops (default 100000)\n"
          "  --timeout-ms N     give up on a message this long after its scheduled time (2000)\n"
          "  --max-seconds S    hard stop of the whole run (default: window + 60)\n"
          "  --arrivals poisson|uniform   call arrivals (default poisson)\n"
          "  --seed N           seed of arrival times and tenant choice (default fixed, so\n"
          "                     repeatable; call ids and callers are new every run)\n"
          "  --numbers FILE     tenant numbers, one a line: +E164[,vapi phone number id]\n"
          "  --number +E164     a tenant number (repeatable)\n"
          "  --secret S         X-Vapi-Secret (default $SERVICEAI_VAPI_SECRET)\n"
          "  --fixtures DIR     Vapi fixtures (default tests/fixtures/vapi)\n"
          "  --body-min N --body-max N   body size band in bytes (default 3000 8000)\n"
          "  --label NAME       recorded in the result (engine, ceiling)\n"
          "  --out FILE         JSON result (default stdout)\n"
          "  --save-replies DIR the first 2xx reply body per message type, as DIR/<type>.json\n"
          "  --print-bodies DIR write one body per step and exit\n"
          "  --closed           capacity mode instead of --rate: each connection plays calls back\n"
          "                     to back, no think time (closed loop: for throughput, not latency)\n"
          "  --book-percent N   calls that book after check_availability (default 100, the\n"
          "                     worst case); the others say one more sentence instead\n"
          "  --server-pid N     report the CPU this process uses over the window (repeatable)\n"
          "  --store-pid N      the same for the server's stores, reported apart (repeatable)\n"
          "  --quiet            no summary table on stderr\n",
          f);
}

static double num_arg(const char *name, const char *v, double lo, double hi)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= lo && d <= hi))
        die("%s: '%s' is not a number in [%g, %g]", name, v, lo, hi);
    return d;
}

int main(int argc, char **argv)
{
    static lg_t lgs;
    lg_t *lg = &lgs;
    lg_opts_t *o = &lg->o;
    const char *target = NULL;
    o->rate = 0;
    o->duration_s = 10;
    o->warmup_s = -1;
    o->span_ms = 2000;
    o->connections = 64;
    o->max_queue = 100000;
    o->timeout_ms = 2000;
    o->max_seconds = 0;
    o->fixtures = "tests/fixtures/vapi";
    o->body_min = 3000;
    o->body_max = 8000;
    o->book_percent = 100;
    o->secret = getenv("SERVICEAI_VAPI_SECRET");

    enum {
        O_TARGET = 256,
        O_RATE,
        O_DURATION,
        O_WARMUP,
        O_SPAN,
        O_CONN,
        O_QUEUE,
        O_TIMEOUT,
        O_MAXS,
        O_ARRIVALS,
        O_SEED,
        O_NUMBERS,
        O_NUMBER,
        O_SECRET,
        O_FIXTURES,
        O_BMIN,
        O_BMAX,
        O_LABEL,
        O_OUT,
        O_SAVE,
        O_PRINT,
        O_QUIET,
        O_CLOSED,
        O_BOOK_PERCENT,
        O_SERVER_PID,
        O_STORE_PID,
        O_HELP
    };
    static const struct option longopts[] = {
        {"target", required_argument, 0, O_TARGET},
        {"rate", required_argument, 0, O_RATE},
        {"duration", required_argument, 0, O_DURATION},
        {"warmup", required_argument, 0, O_WARMUP},
        {"call-span-ms", required_argument, 0, O_SPAN},
        {"connections", required_argument, 0, O_CONN},
        {"max-queue", required_argument, 0, O_QUEUE},
        {"timeout-ms", required_argument, 0, O_TIMEOUT},
        {"max-seconds", required_argument, 0, O_MAXS},
        {"arrivals", required_argument, 0, O_ARRIVALS},
        {"seed", required_argument, 0, O_SEED},
        {"numbers", required_argument, 0, O_NUMBERS},
        {"number", required_argument, 0, O_NUMBER},
        {"secret", required_argument, 0, O_SECRET},
        {"fixtures", required_argument, 0, O_FIXTURES},
        {"body-min", required_argument, 0, O_BMIN},
        {"body-max", required_argument, 0, O_BMAX},
        {"label", required_argument, 0, O_LABEL},
        {"out", required_argument, 0, O_OUT},
        {"save-replies", required_argument, 0, O_SAVE},
        {"print-bodies", required_argument, 0, O_PRINT},
        {"quiet", no_argument, 0, O_QUIET},
        {"closed", no_argument, 0, O_CLOSED},
        {"book-percent", required_argument, 0, O_BOOK_PERCENT},
        {"server-pid", required_argument, 0, O_SERVER_PID},
        {"store-pid", required_argument, 0, O_STORE_PID},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_TARGET:
            target = optarg;
            break;
        case O_RATE:
            o->rate = num_arg("--rate", optarg, 0.1, LG_MAX_RATE);
            break;
        case O_DURATION:
            o->duration_s = num_arg("--duration", optarg, 0.1, LG_MAX_DURATION_S);
            break;
        case O_WARMUP:
            o->warmup_s = num_arg("--warmup", optarg, 0, 60);
            break;
        case O_SPAN:
            o->span_ms = (int64_t)num_arg("--call-span-ms", optarg, 1, 600000);
            break;
        case O_CONN:
            o->connections = (int)num_arg("--connections", optarg, 1, LG_MAX_CONNECTIONS);
            break;
        case O_QUEUE:
            o->max_queue = (size_t)num_arg("--max-queue", optarg, 1, 10000000);
            break;
        case O_TIMEOUT:
            o->timeout_ms = (int64_t)num_arg("--timeout-ms", optarg, 1, 60000);
            break;
        case O_MAXS:
            o->max_seconds = num_arg("--max-seconds", optarg, 1, 3600);
            break;
        case O_ARRIVALS:
            if (strcmp(optarg, "uniform") == 0)
                o->uniform = true;
            else if (strcmp(optarg, "poisson") != 0)
                die("--arrivals: poisson or uniform");
            break;
        case O_SEED:
            o->seed = strtoull(optarg, NULL, 10);
            break;
        case O_NUMBERS:
            o->numbers_file = optarg;
            break;
        case O_NUMBER:
            tenant_add(lg, optarg, NULL);
            break;
        case O_SECRET:
            o->secret = optarg;
            break;
        case O_FIXTURES:
            o->fixtures = optarg;
            break;
        case O_BMIN:
            o->body_min = (size_t)num_arg("--body-min", optarg, 0, 1 << 20);
            break;
        case O_BMAX:
            o->body_max = (size_t)num_arg("--body-max", optarg, 0, 1 << 20);
            break;
        case O_LABEL:
            o->label = optarg;
            break;
        case O_OUT:
            o->out = optarg;
            break;
        case O_SAVE:
            o->save_replies = optarg;
            break;
        case O_PRINT:
            o->print_bodies = optarg;
            break;
        case O_QUIET:
            o->quiet = true;
            break;
        case O_CLOSED:
            o->closed = true;
            break;
        case O_BOOK_PERCENT:
            o->book_percent = (int)num_arg("--book-percent", optarg, 0, 100);
            break;
        case O_SERVER_PID:
            if (o->nserver_pids == LG_MAX_PIDS)
                die("too many --server-pid");
            o->server_pids[o->nserver_pids++] = (int)num_arg("--server-pid", optarg, 1, 1 << 30);
            break;
        case O_STORE_PID:
            if (o->nstore_pids == LG_MAX_PIDS)
                die("too many --store-pid");
            o->store_pids[o->nstore_pids++] = (int)num_arg("--store-pid", optarg, 1, 1 << 30);
            break;
        case O_HELP:
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (try --help)", argv[optind]);
    if (o->secret && !*o->secret)
        o->secret = NULL;
    if (o->secret && strpbrk(o->secret, "\r\n"))
        die("the secret must be one line");
    if (o->numbers_file)
        tenants_load(lg, o->numbers_file);
    if (!lg->ntenants)
        die("no tenant numbers: give --numbers FILE or --number +E164");
    if (o->body_max < o->body_min)
        die("--body-max is below --body-min");

    char err[512];
    if (!bench_script_load(&lg->script, o->fixtures, o->body_min, o->body_max, err, sizeof err))
        die("fixtures: %s", err);
    for (size_t i = 0; i < lg->script.nsteps && lg->script.steps[i].msg != BENCH_MSG_TOOL_BOOK; i++)
        if (lg->script.steps[i].msg == BENCH_MSG_TRANSCRIPT)
            lg->decline_step = &lg->script.steps[i];
    lg->today = time(NULL);

    if (o->print_bodies) {
        snprintf(lg->host_header, sizeof lg->host_header, "127.0.0.1");
        snprintf(o->path, sizeof o->path, "/vapi/webhook");
        lg->calls = xcalloc(1, sizeof *lg->calls);
        lg->ncalls = lg->calls_cap = 1;
        uint64_t rng = 42;
        uuid_format(&rng, lg->calls[0].call_id);
        snprintf(lg->calls[0].customer, sizeof lg->calls[0].customer, "+15125550187");
        snprintf(lg->calls[0].date, sizeof lg->calls[0].date, "2026-01-15");
        snprintf(lg->calls[0].start, sizeof lg->calls[0].start, "2026-01-15T09:00:00-06:00");
        bodies_print(lg, o->print_bodies);
        return 0;
    }
    if (!target)
        die("--target is required (try --help)");
    if (o->rate <= 0 && !o->closed)
        die("--rate is required (try --help)");
    target_parse(lg, target);
    if (o->max_seconds <= 0)
        o->max_seconds = (o->warmup_s >= 0 ? o->warmup_s : (double)o->span_ms / 1000) +
                         o->duration_s + (double)o->span_ms / 1000 + (double)o->timeout_ms / 1000 +
                         60;
    if (o->save_replies)
        mkdir(o->save_replies, 0755);

    signal(SIGPIPE, SIG_IGN);
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    lg->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (!lg->base)
        die("libevent: cannot create the event base");

    for (int m = 0; m < BENCH_MSG__COUNT; m++)
        bench_samples_init(&lg->types[m].lat);
    bench_samples_init(&lg->sched_lag);
    bench_samples_init(&lg->queue_wait);
    lg->fifo_cap = o->max_queue;
    lg->fifo = xmalloc(lg->fifo_cap * sizeof *lg->fifo);
    lg->conns = xcalloc((size_t)o->connections, sizeof *lg->conns);
    lg->idle = xcalloc((size_t)o->connections, sizeof *lg->idle);

    getrusage(RUSAGE_SELF, &lg->ru0);
    lg->wall0_us = bench_now_us();
    calls_plan(lg);
    lg->hard_stop_us = lg->wall0_us + (int64_t)(o->max_seconds * 1e6);
    if (!o->quiet && o->closed)
        fprintf(stderr, "loadgen: %s %s: closed loop, %d connections back to back for %.1f s\n",
                o->label ? o->label : "target", o->target, o->connections, o->duration_s);
    else if (!o->quiet)
        fprintf(stderr,
                "loadgen: %s %s: %.0f events/s (%.1f calls/s) for %.1f s, %zu calls over %zu "
                "tenants, %d connections\n",
                o->label ? o->label : "target", o->target, o->rate,
                o->rate / (double)lg->script.nsteps, o->duration_s, lg->ncalls, lg->ntenants,
                o->connections);

    for (int i = 0; i < o->connections; i++) {
        lg->conns[i].lg = lg;
        lg->conns[i].fd = -1;
        conn_start(&lg->conns[i]);
    }
    lg->sched_timer = evtimer_new(lg->base, on_sched, lg);
    lg->house_timer = event_new(lg->base, -1, EV_PERSIST, on_house, lg);
    lg->sigint_ev = evsignal_new(lg->base, SIGINT, on_sigint, lg);
    struct timeval house = {.tv_sec = 0, .tv_usec = LG_HOUSEKEEPING_US};
    event_add(lg->house_timer, &house);
    event_add(lg->sigint_ev, NULL);
    sched_arm(lg);
    if (lg->ncalls || o->closed)
        event_base_dispatch(lg->base);
    /* A closed-loop run ends as soon as the window does, maybe before housekeeping took
     * the window's closing sample. */
    if (lg->cpu_sampled[0] && !lg->cpu_sampled[1])
        cpu_sample(lg, 1);

    json_t *res = results_json(lg);
    if (!o->quiet)
        summary_print(res);
    int rc = 0;
    if (o->out) {
        if (json_dump_file(res, o->out, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0) {
            fprintf(stderr, "loadgen: cannot write %s\n", o->out);
            rc = 1;
        }
    } else {
        json_dumpf(res, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        fputc('\n', stdout);
    }
    json_decref(res);

    for (int i = 0; i < o->connections; i++) {
        lg_conn_t *c = &lg->conns[i];
        if (c->rev)
            event_free(c->rev);
        if (c->wev)
            event_free(c->wev);
        if (c->fd >= 0)
            close(c->fd);
        free(c->in);
        free(c->out);
    }
    event_free(lg->sched_timer);
    event_free(lg->house_timer);
    event_free(lg->sigint_ev);
    event_base_free(lg->base);
    for (int m = 0; m < BENCH_MSG__COUNT; m++)
        bench_samples_deinit(&lg->types[m].lat);
    bench_samples_deinit(&lg->sched_lag);
    bench_samples_deinit(&lg->queue_wait);
    bench_script_deinit(&lg->script);
    free(lg->conns);
    free(lg->idle);
    free(lg->fifo);
    free(lg->heap);
    free(lg->calls);
    free(lg->tenants);
    free(lg->scratch);
    return rc;
}
