/*
 * eng_httpc: outbound HTTP on the loop with libcurl's multi interface, in the
 * shape of curl's hiperfifo.c: curl tells us which sockets to watch (socket
 * callback) and when to wake it (timer callback); libevent tells curl what
 * happened (curl_multi_socket_action); after each action we drain finished
 * transfers (curl_multi_info_read) and turn each into one
 * ENG_MSG_HTTPC_RESPONSE message to the actor that asked. The loop never
 * blocks: name resolution uses curl's threaded resolver, signals are off
 * (CURLOPT_NOSIGNAL). Loop thread only.
 *
 * Time: curl measures CURLOPT_TIMEOUT_MS on the real clock, not the loop's.
 * A frozen test clock therefore does not stop an outbound timeout; outbound
 * I/O is real anyway.
 *
 * curl_global_init() must run once per process before any other curl call and
 * is not ours to repeat; a pthread_once guards it (the once-flag is libc's
 * bookkeeping, not state we mutate).
 */
#include "eng_httpc.h"
#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#define HTTPC_DEFAULT_TIMEOUT_MS 5000
/* A provider answer larger than this is a bug or an attack, not data. */
#define HTTPC_MAX_RESPONSE_BYTES (16 * 1024 * 1024)
#define HTTPC_MAX_HEADER_BYTES (256 * 1024)

typedef struct httpc_xfer {
    eng_httpc_t *c;
    CURL *easy;
    eng_actor_id_t to;
    uint64_t corr;
    eng_class_t cls;
    struct curl_slist *headers;
    eng_buf_t body;
    eng_buf_t head; /* the header block of the last response (after any 1xx) */
    bool too_large;
    int64_t started_us;
    char errbuf[CURL_ERROR_SIZE];
    struct httpc_xfer *prev, *next;
} httpc_xfer_t;

/* One socket curl asked us to watch. */
typedef struct httpc_sock {
    eng_httpc_t *c;
    curl_socket_t fd;
    struct event *ev;
    struct httpc_sock *prev, *next;
} httpc_sock_t;

struct eng_httpc {
    eng_loop_t *loop;
    CURLM *multi;
    struct event *timer_ev;
    httpc_xfer_t *xfers;
    size_t inflight;
    httpc_sock_t *socks;
    eng_counter_t *m_result[ENG_ERR__COUNT]; /* created on first use */
    eng_histogram_t *m_latency;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        abort(); /* only fails on out of memory or a broken TLS library */
}

/* ---------------------------------------------------------------- responses */

static void response_free(eng_msg_t *msg)
{
    eng_httpc_response_msg_t *r = (eng_httpc_response_msg_t *)msg;
    free(r->errmsg);
    free(r->body);
    free(r->headers);
}

static eng_err_t err_from_curl(CURLcode rc, bool too_large)
{
    switch (rc) {
    case CURLE_OK:
        return ENG_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return ENG_ERR_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
        return ENG_ERR_CONNECT;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return ENG_ERR_INVALID;
    case CURLE_WRITE_ERROR:
        return too_large ? ENG_ERR_TOO_LARGE : ENG_ERR_IO;
    default:
        return ENG_ERR_IO;
    }
}

static void count_result(eng_httpc_t *c, eng_err_t err, int64_t elapsed_us)
{
    if (!c->m_result[err]) {
        char labels[96];
        snprintf(labels, sizeof(labels), "result=\"%s\"", eng_err_name(err));
        c->m_result[err] =
            eng_metrics_counter(eng_loop_metrics(c->loop), "serviceai_httpc_requests_total", labels,
                                "Outbound HTTP requests finished, by result");
    }
    eng_counter_add(c->m_result[err], 1);
    eng_histogram_observe_us(c->m_latency, elapsed_us);
}

/* Unlinks x from curl and from c, frees it. */
static void xfer_destroy(httpc_xfer_t *x)
{
    eng_httpc_t *c = x->c;
    curl_multi_remove_handle(c->multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    eng_buf_deinit(&x->body);
    eng_buf_deinit(&x->head);
    if (x->prev)
        x->prev->next = x->next;
    else
        c->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    c->inflight--;
    free(x);
}

/* Answers the requester of x with err (and what curl got) and frees x. */
static void xfer_finish(httpc_xfer_t *x, eng_err_t err, const char *errmsg)
{
    eng_httpc_t *c = x->c;
    eng_httpc_response_msg_t *r =
        eng_msg_new(sizeof(*r), ENG_MSG_HTTPC_RESPONSE, x->cls, response_free);
    r->hdr.corr = x->corr;
    r->err = err;
    r->elapsed_us = eng_loop_now_us(c->loop) - x->started_us;
    if (err == ENG_OK) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        r->status = (int)code;
    } else {
        r->errmsg = eng_xstrdup(errmsg && *errmsg ? errmsg : eng_err_str(err));
    }
    r->body = eng_buf_steal(&x->body, &r->body_len);
    r->headers = eng_buf_steal(&x->head, NULL);
    eng_actor_id_t to = x->to;
    count_result(c, err, r->elapsed_us);
    if (err != ENG_OK)
        ENG_DEBUG(c->loop, "httpc.failed", "err=%s corr=%llu", eng_err_name(err),
                  (unsigned long long)x->corr);
    xfer_destroy(x);
    /* A dead requester is counted as a dead letter by the loop; nothing else to do. */
    (void)eng_send(c->loop, to, &r->hdr);
}

/* Turns every finished transfer into a response message. */
static void drain_completions(eng_httpc_t *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        /* m dies with the handle: read it out first. */
        CURL *easy = m->easy_handle;
        CURLcode rc = m->data.result;
        char *priv = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        httpc_xfer_t *x = (httpc_xfer_t *)priv;
        if (!x)
            continue;
        xfer_finish(x, err_from_curl(rc, x->too_large),
                    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    }
}

/* ---------------------------------------------------------------- curl <-> libevent */

static void on_sock_event(evutil_socket_t fd, short what, void *arg)
{
    eng_httpc_t *c = arg;
    int action =
        ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    int running = 0;
    curl_multi_socket_action(c->multi, fd, action, &running);
    drain_completions(c);
}

static void on_timer_event(evutil_socket_t fd, short what, void *arg)
{
    eng_httpc_t *c = arg;
    int running = 0;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain_completions(c);
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be woken in timeout_ms (-1: never). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    eng_httpc_t *c = userp;
    if (timeout_ms < 0) {
        event_del(c->timer_ev);
        return 0;
    }
    /* Never act from inside this callback (curl forbids it): 0 means next loop turn. */
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    event_add(c->timer_ev, &tv);
    return 0;
}

static void sock_free(eng_httpc_t *c, httpc_sock_t *s)
{
    if (s->ev)
        event_free(s->ev); /* safe inside its own callback: libevent copied what it needs */
    if (s->prev)
        s->prev->next = s->next;
    else
        c->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching fd. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    eng_httpc_t *c = userp;
    httpc_sock_t *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(c->multi, fd, NULL);
            sock_free(c, s);
        }
        return 0;
    }
    short kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
                 ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    struct event_base *base = eng_loop_base(c->loop);
    if (!s) {
        s = eng_xcalloc(1, sizeof(*s));
        s->c = c;
        s->fd = fd;
        s->ev = event_new(base, fd, kind, on_sock_event, c);
        if (!s->ev)
            abort(); /* out of memory */
        s->next = c->socks;
        if (s->next)
            s->next->prev = s;
        c->socks = s;
        curl_multi_assign(c->multi, fd, s);
    } else {
        event_del(s->ev);
        event_assign(s->ev, base, fd, kind, on_sock_event, c);
    }
    event_add(s->ev, NULL);
    return 0;
}

/* ---------------------------------------------------------------- transfer data */

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    httpc_xfer_t *x = userdata;
    size_t len = size * n;
    if (x->body.len + len > HTTPC_MAX_RESPONSE_BYTES) {
        x->too_large = true;
        return 0; /* CURLE_WRITE_ERROR */
    }
    eng_buf_append(&x->body, p, len);
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    httpc_xfer_t *x = userdata;
    size_t len = size * n;
    /* A new status line starts a new block: keep only the final response's headers. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        eng_buf_reset(&x->head);
    if (x->head.len + len > HTTPC_MAX_HEADER_BYTES) {
        x->too_large = true;
        return 0;
    }
    eng_buf_append(&x->head, p, len);
    return len;
}

/* ---------------------------------------------------------------- API */

eng_httpc_t *eng_httpc_new(eng_loop_t *loop)
{
    pthread_once(&curl_once, curl_init_once);
    eng_httpc_t *c = eng_xcalloc(1, sizeof(*c));
    c->loop = loop;
    c->multi = curl_multi_init();
    c->timer_ev = event_new(eng_loop_base(loop), -1, 0, on_timer_event, c);
    if (!c->multi || !c->timer_ev)
        abort(); /* out of memory */
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    c->m_latency = eng_metrics_histogram(eng_loop_metrics(loop), "serviceai_httpc_request_seconds",
                                         NULL, "Outbound HTTP request time, send to completion");
    return c;
}

void eng_httpc_free(eng_httpc_t *c)
{
    if (!c)
        return;
    while (c->xfers)
        xfer_finish(c->xfers, ENG_ERR_SHUTTING_DOWN, NULL);
    /* May still call on_curl_socket for cached connections: c stays valid until after. */
    curl_multi_cleanup(c->multi);
    while (c->socks)
        sock_free(c, c->socks);
    event_free(c->timer_ev);
    free(c);
}

static void set_method_and_body(CURL *easy, const eng_httpc_request_t *req)
{
    const char *m = req->method;
    if (req->body || strcmp(m, "POST") == 0) {
        /* COPYPOSTFIELDS copies exactly POSTFIELDSIZE bytes; set the size first. */
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(req->body ? req->body_len : 0));
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "GET") == 0) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m);
    }
}

eng_err_t eng_httpc_send(eng_httpc_t *c, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                         const eng_httpc_request_t *req)
{
    if (!c || !req || !req->url || !req->method || !*req->method)
        return ENG_ERR_INVALID;
    httpc_xfer_t *x = eng_xcalloc(1, sizeof(*x));
    x->c = c;
    x->to = to;
    x->corr = corr;
    x->cls = cls;
    x->started_us = eng_loop_now_us(c->loop);
    eng_buf_init(&x->body);
    eng_buf_init(&x->head);
    x->easy = curl_easy_init();
    if (!x->easy)
        abort(); /* out of memory */

    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     (long)(req->timeout_ms > 0 ? req->timeout_ms : HTTPC_DEFAULT_TIMEOUT_MS));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    set_method_and_body(e, req);
    if (req->headers)
        for (const char *const *h = req->headers; *h; h++)
            x->headers = curl_slist_append(x->headers, *h);
    /* No "Expect: 100-continue" round trip: it costs a full RTT (or curl's 1 s wait). */
    x->headers = curl_slist_append(x->headers, "Expect:");
    if (!x->headers)
        abort(); /* out of memory */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);

    x->next = c->xfers;
    if (x->next)
        x->next->prev = x;
    c->xfers = x;
    c->inflight++;
    CURLMcode mc = curl_multi_add_handle(c->multi, e);
    if (mc != CURLM_OK) {
        ENG_WARN(c->loop, "httpc.add_failed", "reason=\"%s\"", curl_multi_strerror(mc));
        xfer_destroy(x);
        return ENG_ERR_IO;
    }
    return ENG_OK;
}

const char *eng_httpc_response_header(const eng_httpc_response_msg_t *resp, const char *name,
                                      char *out, size_t outsz)
{
    if (!resp || !resp->headers || !name || !out || outsz == 0)
        return NULL;
    size_t nlen = strlen(name);
    const char *p = resp->headers;
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        if ((size_t)(end - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
            size_t vlen = (size_t)(end - v);
            if (vlen >= outsz)
                vlen = outsz - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return out;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return NULL;
}

size_t eng_httpc_inflight(const eng_httpc_t *c)
{
    return c ? c->inflight : 0;
}
