/*
 * eng_loop: the root of all engine state. One loop per process, one thread
 * (like Redis and an nginx worker). It owns the libevent base, the clock, the
 * actors and their mailboxes, the scheduler, the timers, the metrics registry
 * and the log level. Nothing in the engine is a mutable global.
 *
 * Actors: an id, a state struct, a mailbox and a handler. Actors name each
 * other by id, never by pointer. Messages carry a class and a deadline; the
 * scheduler runs LIVE before TIMER before BACKGROUND, earliest deadline first
 * within a class, a bounded batch per actor turn, and a bounded BACKGROUND
 * slice per loop iteration so background work cannot hold up a live caller.
 * A LIVE message whose deadline passed while it was queued is not handled:
 * its reply_to receives ENG_MSG_TIMEOUT (same corr) instead.
 *
 * Loop thread only.
 */
#ifndef ENG_LOOP_H
#define ENG_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_clock.h"
#include "eng_err.h"
#include "eng_log.h"
#include "eng_msg.h"

struct event_base;
typedef struct eng_loop eng_loop_t;
typedef struct eng_actor eng_actor_t;
typedef struct eng_metrics eng_metrics_t;

typedef struct eng_loop_opts {
    unsigned batch_per_turn;      /* messages one actor handles per turn; 0 = 16 */
    unsigned background_slice;    /* BACKGROUND messages per loop iteration; 0 = 64 */
    unsigned default_mailbox_cap; /* 0 = 65536 */
    eng_log_level_t log_level;    /* default ENG_LOG_INFO (0 means debug: set it) */
    bool frozen_clock;            /* tests: start with a frozen clock at 1,000,000 ms */
} eng_loop_opts_t;

/* opts may be NULL for defaults. Never NULL (aborts if libevent cannot start). */
eng_loop_t *eng_loop_new(const eng_loop_opts_t *opts);
/* Stops every actor (their stop hooks run), frees every queued message and timer. Accepts NULL. */
void eng_loop_free(eng_loop_t *loop);

struct event_base *eng_loop_base(eng_loop_t *loop);
eng_metrics_t *eng_loop_metrics(eng_loop_t *loop);
eng_clock_t *eng_loop_clock(eng_loop_t *loop);
eng_log_level_t eng_loop_log_level(const eng_loop_t *loop);
void eng_loop_set_log_level(eng_loop_t *loop, eng_log_level_t lvl);

/* Monotonic and wall-clock time from the loop's clock. */
int64_t eng_loop_now_ms(const eng_loop_t *loop);
int64_t eng_loop_now_us(const eng_loop_t *loop);
int64_t eng_loop_wall_ms(const eng_loop_t *loop);

/* Runs the event loop until eng_loop_stop(). Returns 0 on a clean stop. */
int eng_loop_run(eng_loop_t *loop);
/* Asks eng_loop_run() to return after the current iteration. */
void eng_loop_stop(eng_loop_t *loop);

/*
 * Tests and CLIs without an event loop: runs the scheduler until no actor has
 * a runnable message (fires due timers first). Returns messages handled.
 */
size_t eng_loop_drain(eng_loop_t *loop);
/*
 * Runs one scheduler pass as the event loop would in one iteration: all LIVE
 * and TIMER work, at most background_slice BACKGROUND messages. Returns
 * messages handled (timeouts answered count too).
 */
size_t eng_loop_run_once(eng_loop_t *loop);

/* Frozen clock only: move time forward and queue the timers that became due. */
void eng_loop_advance(eng_loop_t *loop, int64_t ms);

/* ---- actors ---- */

typedef struct eng_actor_ops {
    const char *kind; /* "call", "tenant", ... for logs and metrics */
    /* Handles one message; msg is borrowed for the call (see eng_msg.h). */
    void (*handle)(eng_actor_t *self, eng_msg_t *msg);
    /* Frees the state; runs once when the actor stops. May be NULL. */
    void (*stop)(eng_actor_t *self);
    unsigned mailbox_cap; /* 0 = loop default */
} eng_actor_ops_t;

/*
 * Creates an actor. name (copied) must be unique among live actors
 * ("call:<id>", "tenant:<uuid>", "vapi-front"); NULL for anonymous actors.
 * state is owned by the actor from now on (its stop hook frees it), even when
 * the spawn fails. Returns the id, or 0 if the name is taken.
 */
eng_actor_id_t eng_actor_spawn(eng_loop_t *loop, const char *name, const eng_actor_ops_t *ops,
                               void *state);
/* Finds a live actor by name; 0 if none. */
eng_actor_id_t eng_actor_lookup(eng_loop_t *loop, const char *name);
bool eng_actor_alive(eng_loop_t *loop, eng_actor_id_t id);

eng_loop_t *eng_actor_loop(eng_actor_t *self);
eng_actor_id_t eng_actor_id(const eng_actor_t *self);
const char *eng_actor_name(const eng_actor_t *self); /* "" for anonymous */
void *eng_actor_state(eng_actor_t *self);
size_t eng_actor_mailbox_len(eng_loop_t *loop, eng_actor_id_t id);

/*
 * Stops an actor. Inside its own handler the stop happens when the handler
 * returns (the actor is never freed under its own feet); otherwise at once.
 * Queued messages are dropped as dead letters; queued requests with a
 * reply_to get ENG_MSG_DEAD_LETTER back.
 */
void eng_actor_stop(eng_loop_t *loop, eng_actor_id_t id);

/*
 * Sends msg to actor `to`. Always consumes msg. A send to a dead actor frees
 * the message, counts a dead letter and returns ENG_ERR_DEAD_ACTOR; a full
 * mailbox frees it and returns ENG_ERR_MAILBOX_FULL. In both cases a message with a
 * reply_to makes the engine send ENG_MSG_DEAD_LETTER (same corr) to that requester,
 * so nobody waits for an answer that cannot come.
 */
eng_err_t eng_send(eng_loop_t *loop, eng_actor_id_t to, eng_msg_t *msg);
/*
 * Sends `reply` to request->reply_to with request's corr, class and deadline.
 * Consumes reply. ENG_ERR_INVALID (reply freed) if the request has no reply_to.
 */
eng_err_t eng_reply(eng_loop_t *loop, const eng_msg_t *request, eng_msg_t *reply);

/* ---- timers ---- */

typedef uint64_t eng_timer_id_t;

/*
 * Delivers msg to actor `to` after delay_ms on the loop's clock. Consumes msg.
 * The message keeps its own class (use ENG_CLASS_TIMER for timer work).
 * Returns a timer id (never 0).
 */
eng_timer_id_t eng_timer_after(eng_loop_t *loop, eng_actor_id_t to, int64_t delay_ms,
                               eng_msg_t *msg);
/* Cancels a pending timer and frees its message. false if it already fired or never existed. */
bool eng_timer_cancel(eng_loop_t *loop, eng_timer_id_t id);
size_t eng_timer_pending(const eng_loop_t *loop);

/* ---- loop-level hooks for engine I/O modules ---- */

/* Counter of dead letters so far (also in metrics as serviceai_dead_letters_total). */
uint64_t eng_loop_dead_letters(const eng_loop_t *loop);

#endif
