/*
 * eng_httpc: outbound HTTP on the loop with libcurl's multi interface (the
 * hiperfifo pattern: socket callback, timer callback, drain completions).
 * Each request has a deadline; the response comes back as an
 * ENG_MSG_HTTPC_RESPONSE message to the actor that asked. The provider
 * adapters build on it. Loop thread only.
 */
#ifndef ENG_HTTPC_H
#define ENG_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "eng_err.h"
#include "eng_loop.h"

typedef struct eng_httpc eng_httpc_t;

typedef struct eng_httpc_request {
    const char *method; /* "GET", "POST", ... */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;           /* may be NULL */
    size_t body_len;
    int64_t timeout_ms; /* 0 = 5000; the whole exchange */
} eng_httpc_request_t;

typedef struct eng_httpc_response_msg {
    eng_msg_t hdr; /* type ENG_MSG_HTTPC_RESPONSE; corr echoes the request */
    eng_err_t err; /* ENG_OK when a response arrived (any status), ENG_ERR_TIMEOUT, ENG_ERR_CONNECT,
                      ENG_ERR_IO; also ENG_ERR_INVALID (bad URL), ENG_ERR_TOO_LARGE (response
                      over 16 MiB), ENG_ERR_SHUTTING_DOWN (client freed first) */
    char *errmsg;  /* NULL on success */
    int status;    /* HTTP status, 0 when none */
    char *body;    /* NUL-terminated, body_len bytes; owned */
    size_t body_len;
    char *headers; /* raw response header block; owned */
    int64_t elapsed_us;
} eng_httpc_response_msg_t;

eng_httpc_t *eng_httpc_new(eng_loop_t *loop);
/* Pending requests are answered with ENG_ERR_SHUTTING_DOWN. Accepts NULL. Free it before the
 * loop. */
void eng_httpc_free(eng_httpc_t *c);
/* Everything in req is copied. */
eng_err_t eng_httpc_send(eng_httpc_t *c, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                         const eng_httpc_request_t *req) ENG_WUR;
/* Looks up a response header (case-insensitive); copies its value into out. */
const char *eng_httpc_response_header(const eng_httpc_response_msg_t *resp, const char *name,
                                      char *out, size_t outsz);
size_t eng_httpc_inflight(const eng_httpc_t *c);

#endif
