/*
 * eng_msg: the common header every message carries, and the engine's own
 * message types. A concrete message embeds eng_msg_t as its first member:
 *
 *     typedef struct { eng_msg_t hdr; char *call_id; ... } sch_call_start_t;
 *
 * Ownership: a message is owned by exactly one party at a time. eng_send()
 * consumes it (even on error). A handler borrows the message it is given; the
 * engine frees it when the handler returns, unless the handler took a
 * reference with eng_msg_retain() to keep it (then it must eng_msg_free() it).
 * Loop thread only.
 */
#ifndef ENG_MSG_H
#define ENG_MSG_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t eng_actor_id_t; /* 0 is "nobody" */

/* Scheduling classes, highest priority first (DESIGN §3). */
typedef enum {
    ENG_CLASS_LIVE = 0,       /* a caller is waiting */
    ENG_CLASS_TIMER = 1,      /* escalation steps, ack timeouts */
    ENG_CLASS_BACKGROUND = 2, /* reports, sync, analytics */
    ENG_CLASS__COUNT
} eng_class_t;

const char *eng_class_name(eng_class_t cls);

/* Message type numbers. Engine-owned types live below ENG_MSG_USER; schema/
 * allocates its own from ENG_MSG_USER up. */
enum {
    ENG_MSG_NONE = 0,
    ENG_MSG_TIMEOUT = 1,         /* plain header: a LIVE request expired before it ran */
    ENG_MSG_DEAD_LETTER = 2,     /* plain header: the request's target was gone */
    ENG_MSG_TICK = 3,            /* plain header: a timer with no payload of its own */
    ENG_MSG_PG_RESULT = 10,      /* eng_pg_result_msg_t (eng_pg.h) */
    ENG_MSG_REDIS_REPLY = 11,    /* eng_redis_reply_msg_t (eng_redis.h) */
    ENG_MSG_HTTPC_RESPONSE = 12, /* eng_httpc_response_msg_t (eng_httpc.h) */
    ENG_MSG_USER = 1000,
};

typedef struct eng_msg eng_msg_t;
typedef void (*eng_msg_free_fn)(eng_msg_t *msg);

struct eng_msg {
    uint32_t type;
    eng_class_t cls;
    int64_t deadline_ms;     /* loop monotonic clock, ms; 0 = no deadline */
    eng_actor_id_t reply_to; /* who gets the reply (or the timeout); 0 = nobody */
    uint64_t corr;           /* correlation id chosen by the requester, echoed in replies */
    eng_msg_free_fn free_fn; /* releases the payload's owned fields; NULL = nothing to release */
    /* engine-private */
    uint32_t refs;
    uint64_t seq;
    int64_t enqueued_us;
};

/*
 * Allocates a zeroed message of `size` bytes (>= sizeof(eng_msg_t)) with the
 * header set: type, class, no deadline, nobody to reply to, one reference.
 * free_fn (may be NULL) is called before the memory is released, to free the
 * fields the concrete message owns.
 */
void *eng_msg_new(size_t size, uint32_t type, eng_class_t cls, eng_msg_free_fn free_fn);
/* Takes an extra reference (a handler keeping the message it was given). */
void eng_msg_retain(eng_msg_t *msg);
/* Drops a reference; frees at zero. Accepts NULL. */
void eng_msg_free(eng_msg_t *msg);

#endif
