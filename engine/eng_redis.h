/*
 * eng_redis: Redis on the loop through hiredis async (libevent adapter).
 * Debian ships hiredis 0.14, which has no command timeouts: this module adds
 * them (a per-command deadline; on expiry the caller gets ENG_ERR_TIMEOUT and
 * the connection is dropped and re-established, since the reply stream can no
 * longer be trusted). Reconnects with jittered exponential backoff. Errors map
 * to eng_err_t. Replies arrive as ENG_MSG_REDIS_REPLY messages with a deep
 * copy of the reply, so hiredis types never leave this module.
 * Loop thread only.
 */
#ifndef ENG_REDIS_H
#define ENG_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_err.h"
#include "eng_loop.h"

typedef struct eng_redis eng_redis_t;

typedef enum {
    ENG_REDIS_NIL = 0,
    ENG_REDIS_STRING,
    ENG_REDIS_STATUS,
    ENG_REDIS_ERROR,
    ENG_REDIS_INTEGER,
    ENG_REDIS_ARRAY,
} eng_redis_type_t;

typedef struct eng_redis_value {
    eng_redis_type_t type;
    long long integer;
    char *str; /* STRING/STATUS/ERROR, NUL-terminated, len bytes */
    size_t len;
    size_t nelem; /* ARRAY */
    struct eng_redis_value *elem;
} eng_redis_value_t;

typedef struct eng_redis_reply_msg {
    eng_msg_t hdr; /* type ENG_MSG_REDIS_REPLY; corr echoes the request */
    eng_err_t err; /* ENG_OK (value valid), ENG_ERR_TIMEOUT, ENG_ERR_DISCONNECTED,
                      ENG_ERR_UNAVAILABLE, ENG_ERR_REDIS (server error: value is ERROR) */
    eng_redis_value_t value;
} eng_redis_reply_msg_t;

typedef struct eng_redis_opts {
    int64_t command_timeout_ms; /* 0 = 1000 */
    int64_t connect_timeout_ms; /* 0 = 1000 */
    int64_t backoff_min_ms;     /* 0 = 50 */
    int64_t backoff_max_ms;     /* 0 = 2000 */
} eng_redis_opts_t;

/*
 * url: redis://host:port/db (db optional). NULL on a URL it cannot parse.
 * loop is borrowed and must outlive the client; url and opts are copied
 * (opts may be NULL). Metrics: serviceai_redis_commands_total (commands
 * submitted), serviceai_redis_timeouts_total (commands answered
 * ENG_ERR_TIMEOUT), serviceai_redis_reconnects_total (connection attempts
 * after the first successful connection).
 */
eng_redis_t *eng_redis_new(eng_loop_t *loop, const char *url, const eng_redis_opts_t *opts);
/*
 * Starts connecting in the background; an unreachable Redis is not an error
 * here (the client keeps retrying with backoff). ENG_ERR_INVALID if already
 * started.
 */
eng_err_t eng_redis_start(eng_redis_t *r) ENG_WUR;
/* Pending commands are answered with ENG_ERR_SHUTTING_DOWN. Accepts NULL.
 * Call before eng_loop_free(). */
void eng_redis_free(eng_redis_t *r);
/* True when commands are accepted (connected, SELECT done). */
bool eng_redis_connected(const eng_redis_t *r);

/*
 * Sends one command (binary-safe argv). The reply goes to `to` with corr.
 * While disconnected, commands fail fast with ENG_ERR_UNAVAILABLE.
 * argv is copied; argvlen may be NULL for NUL-terminated arguments.
 * ENG_OK means exactly one reply message will be sent to `to` (none if to
 * is 0: fire-and-forget, a failure is then only counted in
 * serviceai_redis_unanswered_errors_total); ENG_ERR_INVALID (bad arguments)
 * means none will. A LIVE or TIMER command is written in the current loop
 * turn; a BACKGROUND one may wait up to 1 ms to share a write with others.
 * Either way commands reach Redis in the order they were sent.
 */
eng_err_t eng_redis_command(eng_redis_t *r, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                            int argc, const char *const *argv, const size_t *argvlen) ENG_WUR;

/*
 * Parses redis://host[:port][/db] into parts (port 6379, db 0 by default;
 * [v6addr] accepted); false on a bad URL, including userinfo and query
 * strings. host gets hostsz bytes; port and db may be NULL.
 */
bool eng_redis_url_parse(const char *url, char *host, size_t hostsz, int *port, int *db);

/*
 * Blocking check for CLIs and start-up (never on a live loop): connects,
 * SELECTs db if not 0 and PINGs, each step bounded by timeout_ms (<= 0: 1000).
 * On failure writes a one-line reason into err (may be NULL): ENG_ERR_CONFIG
 * (bad url), ENG_ERR_CONNECT, ENG_ERR_TIMEOUT, ENG_ERR_IO, ENG_ERR_REDIS.
 */
eng_err_t eng_redis_ping_sync(const char *url, int timeout_ms, char *err, size_t errsz) ENG_WUR;

#endif
