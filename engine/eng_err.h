/*
 * eng_err: the one error enum of the engine, generated from an X-macro list so
 * that every code has its string. Library codes (libpq, hiredis, libcurl) are
 * translated into these at the engine's edge and never travel further.
 * Pure data; any thread.
 */
#ifndef ENG_ERR_H
#define ENG_ERR_H

#define ENG_WUR __attribute__((warn_unused_result))

/* X(name, string) */
#define ENG_ERR_LIST(X)                                                                            \
    X(ENG_OK, "ok")                                                                                \
    X(ENG_ERR_NOMEM, "out of memory")                                                              \
    X(ENG_ERR_INVALID, "invalid argument")                                                         \
    X(ENG_ERR_NOT_FOUND, "not found")                                                              \
    X(ENG_ERR_EXISTS, "already exists")                                                            \
    X(ENG_ERR_DEAD_ACTOR, "no such actor")                                                         \
    X(ENG_ERR_MAILBOX_FULL, "mailbox full")                                                        \
    X(ENG_ERR_TIMEOUT, "deadline passed")                                                          \
    X(ENG_ERR_IO, "i/o error")                                                                     \
    X(ENG_ERR_CONNECT, "cannot connect")                                                           \
    X(ENG_ERR_DISCONNECTED, "connection lost")                                                     \
    X(ENG_ERR_PROTOCOL, "protocol error")                                                          \
    X(ENG_ERR_PG, "postgres error")                                                                \
    X(ENG_ERR_PG_CONSTRAINT, "postgres constraint violation")                                      \
    X(ENG_ERR_REDIS, "redis error")                                                                \
    X(ENG_ERR_HTTP, "http error")                                                                  \
    X(ENG_ERR_PARSE, "malformed input")                                                            \
    X(ENG_ERR_AUTH, "authentication failed")                                                       \
    X(ENG_ERR_TOO_LARGE, "too large")                                                              \
    X(ENG_ERR_SHUTTING_DOWN, "shutting down")                                                      \
    X(ENG_ERR_UNAVAILABLE, "dependency unavailable")                                               \
    X(ENG_ERR_CONFLICT, "conflict")                                                                \
    X(ENG_ERR_CONFIG, "bad configuration")

typedef enum {
#define ENG_ERR_ENUM(name, str) name,
    ENG_ERR_LIST(ENG_ERR_ENUM)
#undef ENG_ERR_ENUM
        ENG_ERR__COUNT
} eng_err_t;

/* Static string for an error code; never NULL ("unknown error" past the end). */
const char *eng_err_str(eng_err_t err);
/* The enum's identifier as text, e.g. "ENG_ERR_TIMEOUT" (for logs and metrics labels). */
const char *eng_err_name(eng_err_t err);

#endif
