/*
 * act_tool: the interface between the call actor and tool handlers that need
 * I/O (availability, booking, customer lookup). The call actor turns each
 * such tool call into a job and hands it to the handler's start function,
 * which runs it - typically as a short-lived actor doing its Postgres and
 * Redis work - and finally sends ONE sch_tool_results_t with exactly one
 * result to job->reply_to, with job->corr as corr. The call actor gathers
 * the results of a tool-calls message, remembers each by toolCallId
 * (idempotency) and answers Vapi.
 *
 * Handlers must answer before job->deadline_ms (loop clock) with whatever
 * they have - a result the caller can hear ("I can't see the calendar right
 * now; someone will call you back") rather than silence - and must never
 * leave the job unanswered. Loop thread.
 */
#ifndef ACT_TOOL_H
#define ACT_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "act_availability.h"
#include "eng_loop.h"
#include "eng_pg.h"
#include "eng_redis.h"
#include "sch_call.h"
#include "sch_tenant.h"

/* Per-tenant cache of the booking set-up rows (act_booking.h). */
typedef struct act_booking_statics act_booking_statics_t;

typedef struct act_tool_job {
    eng_pg_t *pg;                   /* borrowed; outlives every job */
    eng_redis_t *redis;             /* borrowed; outlives every job */
    act_avail_fmts_t *fmts;         /* borrowed, may be NULL; outlives every job */
    act_booking_statics_t *statics; /* borrowed, may be NULL; outlives every job */
    char *call_id;
    char *caller_number;         /* E.164 or NULL (web calls) */
    sch_tenant_profile_t tenant; /* copy: id, name, industry, timezone, language */
    sch_lang_t language;         /* the language to answer in (en/es) */
    sch_tool_call_t call;        /* copy of the tool call: id, name, args */
    eng_actor_id_t reply_to;
    uint64_t corr;
    int64_t deadline_ms;
} act_tool_job_t;

/* Starts a job; takes ownership of job (freed with act_tool_job_free) even on error.
 * Returns ENG_OK when a reply will come. */
typedef eng_err_t (*act_tool_start_fn)(eng_loop_t *loop, act_tool_job_t *job);

/* The handler for a tool name, or NULL when the tool has no I/O handler (yet). */
act_tool_start_fn act_tool_handler(const char *name);

void act_tool_job_free(act_tool_job_t *job);

/* Convenience for handlers: sends the single result and frees the job. text is copied. */
void act_tool_job_answer(eng_loop_t *loop, act_tool_job_t *job, const char *text, bool is_error);
/* The same for an answer caused by a dependency failing (Postgres down or too slow): the
 * caller hears it, but a retry of the same toolCallId runs the tool again. */
void act_tool_job_answer_transient(eng_loop_t *loop, act_tool_job_t *job, const char *text);

#endif
