/*
 * eng_http: the HTTP server on the loop, built on libevent's evhttp. We route
 * ourselves (one generic callback, exact path match, 404/405 as JSON), keep
 * every request whose handler did not answer at once in a table keyed by a
 * monotonic id, and answer it later from eng_http_reply(), from the deadline
 * fallback, or never (the client left). Loop thread only.
 *
 * Lifetime rules of evhttp that this file is built around (libevent 2.1):
 *
 *  - evhttp frees an evhttp_request once evhttp_send_reply() has written it;
 *    after that call the pointer is dead. We drop it at that moment.
 *  - While a request waits for its reply, evhttp has stopped reading the
 *    connection, so it never notices the client hanging up. We watch the
 *    socket with EV_CLOSED (epoll's EPOLLRDHUP) and, when the peer closes,
 *    free the connection ourselves. evhttp_connection_free() runs the
 *    connection's close callback first and then frees the requests still
 *    queued on it, so the close callback is the one place where we forget
 *    every pending request of that connection. A client that half-closes
 *    (shutdown(SHUT_WR)) and still waits for the answer is treated as gone;
 *    HTTP clients that matter here (Vapi, curl, load balancers) do not do that.
 *  - The close callback also fires for connections with nothing pending
 *    (keep-alive idle timeout, reply written then Connection: close); the scan
 *    then finds nothing.
 *  - Oversized bodies (Content-Length or chunked) and oversized headers are
 *    rejected by evhttp itself (413 / 400) before our callback ever runs.
 *
 * Deadlines run on the loop's clock: each pending request owns an
 * eng_timer_after() timer addressed to a small private actor, so tests with a
 * frozen clock can fast-forward them like any other timer.
 *
 * A request handle passed to a handler stays valid for the whole handler call
 * even if the handler replies synchronously: the entry is only marked done
 * and freed when the handler unwinds (Redis's rule: never free an object under
 * its own callback).
 */
#include "eng_http.h"
#include "eng_alloc.h"
#include "eng_map.h"
#include "eng_metrics.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)
#define HTTP_DEFAULT_DEADLINE_MS 5000
#define HTTP_DEFAULT_KEEPALIVE_S 60
/* Request line plus headers; webhook providers send a few hundred bytes. */
#define HTTP_MAX_HEADER_BYTES (32 * 1024)
/* How many finished request ids we remember to say why a late reply was dropped. */
#define HTTP_ENDED_RING 256
#define HTTP_MAX_LISTENERS 4

static const char json_type[] = "application/json";
static const char not_found_body[] = "{\"error\":\"not found\"}";
static const char not_allowed_body[] = "{\"error\":\"method not allowed\"}";
static const char deadline_body[] = "{\"error\":\"deadline exceeded\"}";

/* Why a request stopped being pending; also the label of dropped replies. */
typedef enum {
    END_ANSWERED = 0,
    END_DEADLINE,
    END_CLIENT_GONE,
    END_SHUTDOWN,
    END_UNKNOWN,
    END__COUNT
} end_reason_t;

static const char *const end_labels[END__COUNT] = {"already_answered", "deadline", "client_gone",
                                                   "shutdown", "unknown"};

typedef struct status_counter {
    int status;
    eng_counter_t *counter;
    struct status_counter *next;
} status_counter_t;

/* Metrics of one route label (a registered path, or "unmatched"). */
typedef struct route_stats {
    char *label;
    eng_histogram_t *latency;
    status_counter_t *by_status;
} route_stats_t;

typedef struct method_route {
    char *method;
    eng_http_handler_fn handler;
    void *arg;
    struct method_route *next;
} method_route_t;

typedef struct path_route {
    char *path;
    method_route_t *methods;
    route_stats_t stats;
    struct path_route *next;
} path_route_t;

struct eng_http_req {
    eng_http_server_t *srv;
    eng_http_req_id_t id;
    struct evhttp_request *ereq;     /* evhttp's; NULL once answered or forgotten */
    struct evhttp_connection *evcon; /* evhttp's; compared, never dereferenced after close */
    path_route_t *route;
    const char *method;
    const char *path; /* borrowed from ereq's URI; valid during the handler only */
    char *body;       /* owned, NUL-terminated; freed when the handler returns */
    size_t body_len;
    int64_t received_us;
    int64_t deadline_ms;
    int fallback_status;
    char *fallback_type; /* owned; NULL = the default fallback */
    char *fallback_body; /* owned */
    eng_timer_id_t deadline_timer;
    struct event *close_watch; /* owned; EV_CLOSED on the client socket */
    bool in_handler;
    bool done; /* finished while its handler ran; freed when the handler returns */
    struct eng_http_req *prev, *next;
};

typedef struct ended {
    eng_http_req_id_t id;
    end_reason_t reason;
} ended_t;

struct eng_http_server {
    eng_loop_t *loop;
    struct evhttp *http;
    struct evhttp_bound_socket *listeners[HTTP_MAX_LISTENERS];
    int nlisteners;
    int port;
    size_t max_body;
    int64_t deadline_ms;
    int keepalive_s;
    bool early_close; /* the backend supports EV_CLOSED */
    eng_actor_id_t deadline_actor;

    path_route_t *routes;
    eng_map_t routes_by_path;
    route_stats_t unmatched;

    eng_map_t pending; /* id -> eng_http_req_t */
    eng_http_req_t *pending_head;
    size_t npending;
    eng_http_req_id_t last_id;

    ended_t ended[HTTP_ENDED_RING];
    size_t ended_next;

    eng_counter_t *m_dropped[END__COUNT];
};

/* ---------------------------------------------------------------- helpers */

static const char *method_name(enum evhttp_cmd_type type)
{
    switch (type) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_TRACE:
        return "TRACE";
    case EVHTTP_REQ_CONNECT:
        return "CONNECT";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    }
    return "UNKNOWN";
}

static void stats_init(eng_http_server_t *srv, route_stats_t *st, const char *label)
{
    char labels[512];
    st->label = eng_xstrdup(label);
    snprintf(labels, sizeof(labels), "route=\"%s\"", label);
    st->latency =
        eng_metrics_histogram(eng_loop_metrics(srv->loop), "serviceai_http_request_seconds", labels,
                              "HTTP request time from received to reply sent");
    st->by_status = NULL;
}

static void stats_deinit(route_stats_t *st)
{
    status_counter_t *sc = st->by_status;
    while (sc) {
        status_counter_t *next = sc->next;
        free(sc);
        sc = next;
    }
    free(st->label);
}

/* Counts one reply and its latency; counters are created on first use per status. */
static void stats_record(eng_http_server_t *srv, route_stats_t *st, int status, int64_t received_us)
{
    status_counter_t *sc;
    for (sc = st->by_status; sc; sc = sc->next)
        if (sc->status == status)
            break;
    if (!sc) {
        char labels[512];
        snprintf(labels, sizeof(labels), "route=\"%s\",status=\"%d\"", st->label, status);
        sc = eng_xcalloc(1, sizeof(*sc));
        sc->status = status;
        sc->counter =
            eng_metrics_counter(eng_loop_metrics(srv->loop), "serviceai_http_requests_total",
                                labels, "HTTP requests answered, by route and status");
        sc->next = st->by_status;
        st->by_status = sc;
    }
    eng_counter_add(sc->counter, 1);
    eng_histogram_observe_us(st->latency, eng_loop_now_us(srv->loop) - received_us);
}

/* Writes a reply on an evhttp request; ereq is dead when this returns. */
static void send_now(eng_http_server_t *srv, struct evhttp_request *ereq, route_stats_t *st,
                     int64_t received_us, int status, const char *content_type, const char *body,
                     size_t len)
{
    if (content_type)
        evhttp_add_header(evhttp_request_get_output_headers(ereq), "Content-Type", content_type);
    if (len)
        evbuffer_add(evhttp_request_get_output_buffer(ereq), body, len);
    evhttp_send_reply(ereq, status, NULL, NULL);
    stats_record(srv, st, status, received_us);
}

static void ended_record(eng_http_server_t *srv, eng_http_req_id_t id, end_reason_t reason)
{
    srv->ended[srv->ended_next].id = id;
    srv->ended[srv->ended_next].reason = reason;
    srv->ended_next = (srv->ended_next + 1) % HTTP_ENDED_RING;
}

static end_reason_t ended_lookup(const eng_http_server_t *srv, eng_http_req_id_t id)
{
    if (id == 0 || id > srv->last_id)
        return END_UNKNOWN;
    for (size_t i = 0; i < HTTP_ENDED_RING; i++)
        if (srv->ended[i].id == id)
            return srv->ended[i].reason;
    return END_UNKNOWN;
}

/* ---------------------------------------------------------------- pending requests */

static void req_destroy(eng_http_req_t *r)
{
    free(r->body);
    free(r->fallback_type);
    free(r->fallback_body);
    free(r);
}

/*
 * Removes r from the pending set: no timer, no close watch, no evhttp request.
 * Frees it unless its handler is still running.
 */
static void req_finish(eng_http_server_t *srv, eng_http_req_t *r, end_reason_t reason)
{
    eng_map_del_u64(&srv->pending, r->id);
    if (r->prev)
        r->prev->next = r->next;
    else
        srv->pending_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
    srv->npending--;
    if (r->deadline_timer) {
        (void)eng_timer_cancel(srv->loop, r->deadline_timer);
        r->deadline_timer = 0;
    }
    if (r->close_watch) {
        event_free(r->close_watch);
        r->close_watch = NULL;
    }
    r->ereq = NULL;
    r->evcon = NULL;
    ended_record(srv, r->id, reason);
    if (r->in_handler)
        r->done = true;
    else
        req_destroy(r);
}

/* evhttp closes a connection (peer gone, server freed, timeout): forget its requests. */
static void on_connection_close(struct evhttp_connection *evcon, void *arg)
{
    eng_http_server_t *srv = arg;
    eng_http_req_t *r = srv->pending_head;
    while (r) {
        eng_http_req_t *next = r->next;
        if (r->evcon == evcon) {
            ENG_DEBUG(srv->loop, "http.client_gone", "id=%llu route=%s", (unsigned long long)r->id,
                      r->route->path);
            req_finish(srv, r, END_CLIENT_GONE);
        }
        r = next;
    }
}

/* EV_CLOSED on a socket whose request waits for its reply: the client hung up. */
static void on_peer_closed(evutil_socket_t fd, short what, void *arg)
{
    eng_http_req_t *r = arg;
    struct evhttp_connection *evcon = r->evcon;
    event_free(r->close_watch);
    r->close_watch = NULL;
    /* Runs on_connection_close (which frees r), then frees the evhttp requests. */
    evhttp_connection_free(evcon);
}

static void watch_peer_close(eng_http_server_t *srv, eng_http_req_t *r)
{
    if (!srv->early_close || !r->evcon)
        return; /* the loss is then noticed when the reply fails to write */
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->evcon);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd < 0)
        return;
    r->close_watch = event_new(eng_loop_base(srv->loop), fd, EV_CLOSED, on_peer_closed, r);
    if (!r->close_watch)
        abort(); /* out of memory */
    event_add(r->close_watch, NULL);
}

static void reply_pending(eng_http_server_t *srv, eng_http_req_t *r, int status,
                          const char *content_type, const char *body, size_t len,
                          end_reason_t reason)
{
    struct evhttp_request *ereq = r->ereq;
    route_stats_t *st = &r->route->stats;
    int64_t received_us = r->received_us;
    /* Forget first: evhttp may free ereq inside send_reply when the connection is gone. */
    req_finish(srv, r, reason);
    send_now(srv, ereq, st, received_us, status, content_type, body, len);
}

/* The private actor that receives deadline timers (corr = request id). */
static void deadline_handle(eng_actor_t *self, eng_msg_t *msg)
{
    eng_http_server_t *srv = eng_actor_state(self);
    if (msg->type != ENG_MSG_TICK)
        return;
    eng_http_req_t *r = eng_map_get_u64(&srv->pending, msg->corr);
    if (!r)
        return;
    r->deadline_timer = 0; /* fired; nothing to cancel */
    ENG_WARN(srv->loop, "http.deadline", "id=%llu route=%s status=%d", (unsigned long long)r->id,
             r->route->path, r->fallback_type ? r->fallback_status : 503);
    if (r->fallback_type) {
        /* req_finish frees the strings: keep them alive across the send. */
        char *type = r->fallback_type, *body = r->fallback_body;
        int status = r->fallback_status;
        r->fallback_type = r->fallback_body = NULL;
        reply_pending(srv, r, status, type, body, strlen(body), END_DEADLINE);
        free(type);
        free(body);
    } else {
        reply_pending(srv, r, 503, json_type, deadline_body, sizeof(deadline_body) - 1,
                      END_DEADLINE);
    }
}

static const eng_actor_ops_t deadline_ops = {
    .kind = "http-deadline",
    .handle = deadline_handle,
    .stop = NULL, /* the state is the server, which frees itself */
    .mailbox_cap = 0,
};

/* ---------------------------------------------------------------- request callback */

static void reply_allow(eng_http_server_t *srv, struct evhttp_request *ereq, path_route_t *pr,
                        int64_t received_us)
{
    char allow[256] = "";
    size_t used = 0;
    for (method_route_t *m = pr->methods; m; m = m->next) {
        int n = snprintf(allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "", m->method);
        if (n < 0 || (size_t)n >= sizeof(allow) - used)
            break;
        used += (size_t)n;
    }
    evhttp_add_header(evhttp_request_get_output_headers(ereq), "Allow", allow);
    send_now(srv, ereq, &pr->stats, received_us, 405, json_type, not_allowed_body,
             sizeof(not_allowed_body) - 1);
}

static void on_request(struct evhttp_request *ereq, void *arg)
{
    eng_http_server_t *srv = arg;
    int64_t received_us = eng_loop_now_us(srv->loop);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ereq);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!path || !*path)
        path = "/";
    const char *method = method_name(evhttp_request_get_command(ereq));

    path_route_t *pr = eng_map_get_str(&srv->routes_by_path, path);
    if (!pr) {
        send_now(srv, ereq, &srv->unmatched, received_us, 404, json_type, not_found_body,
                 sizeof(not_found_body) - 1);
        return;
    }
    method_route_t *mr;
    for (mr = pr->methods; mr; mr = mr->next)
        if (strcmp(mr->method, method) == 0)
            break;
    if (!mr) {
        reply_allow(srv, ereq, pr, received_us);
        return;
    }

    eng_http_req_t *r = eng_xcalloc(1, sizeof(*r));
    r->srv = srv;
    r->id = ++srv->last_id;
    r->ereq = ereq;
    r->evcon = evhttp_request_get_connection(ereq);
    r->route = pr;
    r->method = mr->method;
    r->path = path;
    r->received_us = received_us;
    r->deadline_ms = received_us / 1000 + srv->deadline_ms;
    struct evbuffer *in = evhttp_request_get_input_buffer(ereq);
    r->body_len = evbuffer_get_length(in);
    r->body = eng_xmalloc(r->body_len + 1);
    if (r->body_len)
        evbuffer_copyout(in, r->body, r->body_len);
    r->body[r->body_len] = '\0';

    eng_map_put_u64(&srv->pending, r->id, r);
    r->next = srv->pending_head;
    if (r->next)
        r->next->prev = r;
    srv->pending_head = r;
    srv->npending++;
    if (r->evcon)
        evhttp_connection_set_closecb(r->evcon, on_connection_close, srv);

    r->in_handler = true;
    mr->handler(srv, r, mr->arg);
    r->in_handler = false;

    free(r->body);
    r->body = NULL;
    r->path = NULL;
    if (r->done) {
        req_destroy(r);
        return;
    }
    /* Still pending: arm the deadline and watch for the client leaving. */
    int64_t delay = r->deadline_ms - eng_loop_now_ms(srv->loop);
    eng_msg_t *tick = eng_msg_new(sizeof(eng_msg_t), ENG_MSG_TICK, ENG_CLASS_LIVE, NULL);
    tick->corr = r->id;
    r->deadline_timer =
        eng_timer_after(srv->loop, srv->deadline_actor, delay > 0 ? delay : 0, tick);
    watch_peer_close(srv, r);
}

/* ---------------------------------------------------------------- server */

eng_http_server_t *eng_http_server_new(eng_loop_t *loop, const eng_http_opts_t *opts)
{
    eng_http_server_t *srv = eng_xcalloc(1, sizeof(*srv));
    srv->loop = loop;
    srv->max_body = opts && opts->max_body_bytes ? opts->max_body_bytes : HTTP_DEFAULT_MAX_BODY;
    srv->deadline_ms = opts && opts->request_deadline_ms > 0 ? opts->request_deadline_ms
                                                             : HTTP_DEFAULT_DEADLINE_MS;
    srv->keepalive_s = opts && opts->keepalive_timeout_s > 0 ? opts->keepalive_timeout_s
                                                             : HTTP_DEFAULT_KEEPALIVE_S;
    srv->port = -1;

    struct event_base *base = eng_loop_base(loop);
    srv->http = evhttp_new(base);
    if (!srv->http)
        abort(); /* only fails on out of memory */
    evhttp_set_gencb(srv->http, on_request, srv);
    evhttp_set_max_body_size(srv->http, (ev_ssize_t)srv->max_body);
    evhttp_set_max_headers_size(srv->http, HTTP_MAX_HEADER_BYTES);
    evhttp_set_timeout(srv->http, srv->keepalive_s);
    /* Every method reaches our router, so a known path answers 405, not evhttp's 501. */
    evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                              EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                              EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                              EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    /* No invented Content-Type: a reply carries the one its author gave, or none. */
    evhttp_set_default_content_type(srv->http, NULL);
    /*
     * No EVHTTP_SERVER_LINGERING_CLOSE: it would read and discard whatever
     * Content-Length a client claims, with no bound but the idle timeout.
     * Linux clients read the 413 even when our close turns into a RST.
     */
    srv->early_close = (event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE) != 0;

    eng_map_init(&srv->routes_by_path);
    eng_map_init(&srv->pending);
    stats_init(srv, &srv->unmatched, "unmatched");
    for (int i = 0; i < END__COUNT; i++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "reason=\"%s\"", end_labels[i]);
        srv->m_dropped[i] =
            eng_metrics_counter(eng_loop_metrics(loop), "serviceai_http_replies_dropped_total",
                                labels, "Replies to requests that were no longer pending");
    }
    srv->deadline_actor = eng_actor_spawn(loop, NULL, &deadline_ops, srv);
    return srv;
}

void eng_http_server_free(eng_http_server_t *srv)
{
    if (!srv)
        return;
    /* Frees every connection; on_connection_close forgets their requests. */
    evhttp_free(srv->http);
    srv->nlisteners = 0;
    while (srv->pending_head)
        req_finish(srv, srv->pending_head, END_SHUTDOWN);
    eng_actor_stop(srv->loop, srv->deadline_actor);

    path_route_t *pr = srv->routes;
    while (pr) {
        path_route_t *pnext = pr->next;
        method_route_t *m = pr->methods;
        while (m) {
            method_route_t *mnext = m->next;
            free(m->method);
            free(m);
            m = mnext;
        }
        stats_deinit(&pr->stats);
        free(pr->path);
        free(pr);
        pr = pnext;
    }
    stats_deinit(&srv->unmatched);
    eng_map_deinit(&srv->routes_by_path);
    eng_map_deinit(&srv->pending);
    free(srv);
}

eng_err_t eng_http_server_listen(eng_http_server_t *srv, const char *host, int port)
{
    if (!host || port < 0 || port > 65535)
        return ENG_ERR_INVALID;
    if (srv->nlisteners == HTTP_MAX_LISTENERS)
        return ENG_ERR_INVALID;
    struct evhttp_bound_socket *bound =
        evhttp_bind_socket_with_handle(srv->http, host, (ev_uint16_t)port);
    if (!bound) {
        int err = errno;
        ENG_ERROR(srv->loop, "http.listen_failed", "host=%s port=%d errno=%d reason=\"%s\"", host,
                  port, err, strerror(err));
        return ENG_ERR_IO;
    }
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    int bound_port = port;
    if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&ss, &sslen) == 0) {
        if (ss.ss_family == AF_INET)
            bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    srv->listeners[srv->nlisteners++] = bound;
    if (srv->port < 0)
        srv->port = bound_port;
    ENG_INFO(srv->loop, "http.listen", "host=%s port=%d", host, bound_port);
    return ENG_OK;
}

int eng_http_server_port(const eng_http_server_t *srv)
{
    return srv->port;
}

void eng_http_route(eng_http_server_t *srv, const char *method, const char *path,
                    eng_http_handler_fn handler, void *arg)
{
    path_route_t *pr = eng_map_get_str(&srv->routes_by_path, path);
    if (!pr) {
        pr = eng_xcalloc(1, sizeof(*pr));
        pr->path = eng_xstrdup(path);
        stats_init(srv, &pr->stats, path);
        pr->next = srv->routes;
        srv->routes = pr;
        eng_map_put_str(&srv->routes_by_path, path, pr);
    }
    method_route_t *m;
    for (m = pr->methods; m; m = m->next)
        if (strcmp(m->method, method) == 0)
            break;
    if (!m) {
        m = eng_xcalloc(1, sizeof(*m));
        m->method = eng_xstrdup(method);
        /* Append, so the Allow header lists methods in registration order. */
        method_route_t **tail = &pr->methods;
        while (*tail)
            tail = &(*tail)->next;
        *tail = m;
    }
    m->handler = handler;
    m->arg = arg;
}

void eng_http_server_stop_accepting(eng_http_server_t *srv)
{
    for (int i = 0; i < srv->nlisteners; i++)
        evhttp_del_accept_socket(srv->http, srv->listeners[i]);
    if (srv->nlisteners)
        ENG_INFO(srv->loop, "http.stop_accepting", "port=%d inflight=%zu", srv->port,
                 srv->npending);
    srv->nlisteners = 0;
}

size_t eng_http_server_inflight(const eng_http_server_t *srv)
{
    return srv->npending;
}

eng_loop_t *eng_http_server_loop(eng_http_server_t *srv)
{
    return srv->loop;
}

/* ---------------------------------------------------------------- request accessors */

eng_http_req_id_t eng_http_req_id(const eng_http_req_t *req)
{
    return req->id;
}

const char *eng_http_req_method(const eng_http_req_t *req)
{
    return req->method;
}

const char *eng_http_req_path(const eng_http_req_t *req)
{
    return req->path ? req->path : req->route->path;
}

const char *eng_http_req_header(const eng_http_req_t *req, const char *name)
{
    if (!req->ereq)
        return NULL;
    return evhttp_find_header(evhttp_request_get_input_headers(req->ereq), name);
}

const char *eng_http_req_body(const eng_http_req_t *req, size_t *len)
{
    if (len)
        *len = req->body ? req->body_len : 0;
    return req->body ? req->body : "";
}

int64_t eng_http_req_received_us(const eng_http_req_t *req)
{
    return req->received_us;
}

int64_t eng_http_req_deadline_ms(const eng_http_req_t *req)
{
    return req->deadline_ms;
}

void eng_http_req_set_fallback(eng_http_req_t *req, int status, const char *content_type,
                               const char *body)
{
    free(req->fallback_type);
    free(req->fallback_body);
    req->fallback_status = status;
    req->fallback_type = eng_xstrdup(content_type ? content_type : json_type);
    req->fallback_body = eng_xstrdup(body ? body : "");
}

eng_err_t eng_http_reply(eng_http_server_t *srv, eng_http_req_id_t id, int status,
                         const char *content_type, const char *body, size_t len)
{
    eng_http_req_t *r = eng_map_get_u64(&srv->pending, id);
    if (!r) {
        end_reason_t why = ended_lookup(srv, id);
        eng_counter_add(srv->m_dropped[why], 1);
        ENG_DEBUG(srv->loop, "http.reply_dropped", "id=%llu reason=%s", (unsigned long long)id,
                  end_labels[why]);
        return ENG_ERR_NOT_FOUND;
    }
    reply_pending(srv, r, status, content_type, body, len, END_ANSWERED);
    return ENG_OK;
}
