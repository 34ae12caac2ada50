/*
 * act_tool: the registry of I/O tool handlers and job helpers. Loop thread.
 * A handler joins the registry by adding its name and start function to
 * `handlers` below.
 */
#include "act_tool.h"
#include "act_booking.h"
#include "eng_alloc.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    act_tool_start_fn start;
} handlers[] = {
    {"check_availability", act_booking_check_availability},
    {"book_appointment", act_booking_book},
    {"reschedule_appointment", act_booking_reschedule},
    {"cancel_appointment", act_booking_cancel},
    {"lookup_customer", act_booking_lookup_customer},
    {NULL, NULL},
};

act_tool_start_fn act_tool_handler(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; handlers[i].name; i++)
        if (strcmp(handlers[i].name, name) == 0)
            return handlers[i].start;
    return NULL;
}

void act_tool_job_free(act_tool_job_t *job)
{
    if (!job)
        return;
    free(job->call_id);
    free(job->caller_number);
    sch_tenant_profile_deinit(&job->tenant);
    free(job->call.id);
    free(job->call.name);
    for (size_t i = 0; i < job->call.nargs; i++) {
        free(job->call.args[i].key);
        free(job->call.args[i].value);
    }
    free(job->call.args);
    free(job);
}

static void answer(eng_loop_t *loop, act_tool_job_t *job, const char *text, bool is_error,
                   bool transient)
{
    sch_tool_results_t *r = sch_tool_results_new(1);
    r->results[0].id = eng_xstrdup(job->call.id);
    r->results[0].name = eng_xstrdup(job->call.name);
    r->results[0].text = eng_xstrdup(text ? text : "");
    r->results[0].is_error = is_error;
    r->results[0].transient = transient;
    r->hdr.corr = job->corr;
    r->hdr.deadline_ms = job->deadline_ms;
    (void)eng_send(loop, job->reply_to, &r->hdr);
    act_tool_job_free(job);
}

void act_tool_job_answer(eng_loop_t *loop, act_tool_job_t *job, const char *text, bool is_error)
{
    answer(loop, job, text, is_error, false);
}

void act_tool_job_answer_transient(eng_loop_t *loop, act_tool_job_t *job, const char *text)
{
    answer(loop, job, text, true, true);
}
