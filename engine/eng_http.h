/*
 * eng_http: the HTTP server on the loop (libevent evhttp). Routing by method
 * and exact path, a body size limit (413), a per-request deadline with a
 * fallback reply, replies that come later (from an actor, by request id),
 * client-disconnect handling and keep-alive.
 *
 * A route handler runs on the loop thread with a borrowed request; it may
 * reply at once or keep only the request id and reply later with
 * eng_http_reply(). If the deadline passes first, the fallback reply set by
 * the handler (default: 503 {"error":"deadline exceeded"}) is sent and a later
 * reply is dropped and counted. If the client goes away, the request is
 * forgotten and a later reply is dropped and counted.
 * Loop thread only.
 */
#ifndef ENG_HTTP_H
#define ENG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_err.h"
#include "eng_loop.h"

typedef struct eng_http_server eng_http_server_t;
typedef struct eng_http_req eng_http_req_t;
typedef uint64_t eng_http_req_id_t;

typedef void (*eng_http_handler_fn)(eng_http_server_t *srv, eng_http_req_t *req, void *arg);

typedef struct eng_http_opts {
    size_t max_body_bytes;       /* 0 = 1 MiB; larger bodies get 413 */
    int64_t request_deadline_ms; /* 0 = 5000 */
    int keepalive_timeout_s;     /* 0 = 60 */
} eng_http_opts_t;

/* opts may be NULL. */
eng_http_server_t *eng_http_server_new(eng_loop_t *loop, const eng_http_opts_t *opts);
/* Closes listeners, answers nothing more, frees pending requests. Accepts NULL.
 * Free the server before its loop (it owns a timer actor on the loop). */
void eng_http_server_free(eng_http_server_t *srv);

/* Binds host:port ("127.0.0.1", 8080). port 0 picks a free port; see _port(). */
eng_err_t eng_http_server_listen(eng_http_server_t *srv, const char *host, int port) ENG_WUR;
int eng_http_server_port(const eng_http_server_t *srv);

/* Registers handler for method ("GET", "POST") and exact path. Unknown path: 404 JSON;
 * known path, other method: 405. arg is borrowed for the server's life. */
void eng_http_route(eng_http_server_t *srv, const char *method, const char *path,
                    eng_http_handler_fn handler, void *arg);

/* Stops accepting new connections; in-flight requests may still be answered. */
void eng_http_server_stop_accepting(eng_http_server_t *srv);
size_t eng_http_server_inflight(const eng_http_server_t *srv);
eng_loop_t *eng_http_server_loop(eng_http_server_t *srv);

/* ---- request, valid during the handler call ---- */
eng_http_req_id_t eng_http_req_id(const eng_http_req_t *req);
const char *eng_http_req_method(const eng_http_req_t *req);
const char *eng_http_req_path(const eng_http_req_t *req);
/* Case-insensitive header lookup; NULL if absent. */
const char *eng_http_req_header(const eng_http_req_t *req, const char *name);
/* The body, NUL-terminated for convenience (len excludes the NUL). Borrowed. */
const char *eng_http_req_body(const eng_http_req_t *req, size_t *len);
/* Monotonic time (loop clock) when the request was received (us) and when its deadline
 * falls (ms). */
int64_t eng_http_req_received_us(const eng_http_req_t *req);
int64_t eng_http_req_deadline_ms(const eng_http_req_t *req);
/* Replaces the reply sent if the deadline passes first. Strings copied. */
void eng_http_req_set_fallback(eng_http_req_t *req, int status, const char *content_type,
                               const char *body);

/*
 * Replies to a pending request (now or later). body (len bytes) is copied.
 * ENG_ERR_NOT_FOUND if the request is no longer pending (answered, deadline
 * passed, client gone): the reply is dropped and counted.
 */
eng_err_t eng_http_reply(eng_http_server_t *srv, eng_http_req_id_t id, int status,
                         const char *content_type, const char *body, size_t len);

#endif
