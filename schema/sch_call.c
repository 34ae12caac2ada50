/* sch_call: constructors, destructors and the tool catalogue of call messages. Loop thread. */
#include "sch_call.h"
#include "eng_alloc.h"

#include <stdlib.h>
#include <string.h>

const char *sch_lang_name(sch_lang_t lang)
{
    switch (lang) {
    case SCH_LANG_EN:
        return "en";
    case SCH_LANG_ES:
        return "es";
    case SCH_LANG_BILINGUAL:
        return "bilingual";
    }
    return "en";
}

bool sch_lang_parse(const char *s, sch_lang_t *out)
{
    if (!s)
        return false;
    if (strcmp(s, "en") == 0)
        *out = SCH_LANG_EN;
    else if (strcmp(s, "es") == 0)
        *out = SCH_LANG_ES;
    else if (strcmp(s, "bilingual") == 0)
        *out = SCH_LANG_BILINGUAL;
    else
        return false;
    return true;
}

void sch_call_ctx_copy(sch_call_ctx_t *dst, const sch_call_ctx_t *src)
{
    dst->call_id = eng_xstrdup(src->call_id);
    dst->dialed_number = eng_xstrdup(src->dialed_number);
    dst->phone_number_id = eng_xstrdup(src->phone_number_id);
    dst->caller_number = eng_xstrdup(src->caller_number);
    dst->call_type = eng_xstrdup(src->call_type);
    dst->event_ms = src->event_ms;
}

void sch_call_ctx_deinit(sch_call_ctx_t *ctx)
{
    free(ctx->call_id);
    free(ctx->dialed_number);
    free(ctx->phone_number_id);
    free(ctx->caller_number);
    free(ctx->call_type);
    memset(ctx, 0, sizeof(*ctx));
}

static void call_event_free(eng_msg_t *msg)
{
    sch_call_event_t *e = (sch_call_event_t *)msg;
    sch_call_ctx_deinit(&e->ctx);
    free(e->status);
    free(e->ended_reason);
    free(e->role);
    free(e->text);
    free(e->summary);
    free(e->transcript);
    free(e->recording_url);
}

sch_call_event_t *sch_call_event_new(uint32_t type, eng_class_t cls)
{
    return eng_msg_new(sizeof(sch_call_event_t), type, cls, call_event_free);
}

static void tool_calls_free(eng_msg_t *msg)
{
    sch_tool_calls_t *t = (sch_tool_calls_t *)msg;
    sch_call_ctx_deinit(&t->ctx);
    for (size_t i = 0; i < t->ncalls; i++) {
        sch_tool_call_t *c = &t->calls[i];
        free(c->id);
        free(c->name);
        for (size_t j = 0; j < c->nargs; j++) {
            free(c->args[j].key);
            free(c->args[j].value);
        }
        free(c->args);
    }
    free(t->calls);
}

sch_tool_calls_t *sch_tool_calls_new(size_t ncalls)
{
    sch_tool_calls_t *t =
        eng_msg_new(sizeof(*t), SCH_MSG_TOOL_CALLS, ENG_CLASS_LIVE, tool_calls_free);
    t->ncalls = ncalls;
    t->calls = eng_xcalloc(ncalls ? ncalls : 1, sizeof(*t->calls));
    return t;
}

static void tool_results_free(eng_msg_t *msg)
{
    sch_tool_results_t *r = (sch_tool_results_t *)msg;
    for (size_t i = 0; i < r->nresults; i++) {
        free(r->results[i].id);
        free(r->results[i].name);
        free(r->results[i].text);
    }
    free(r->results);
}

sch_tool_results_t *sch_tool_results_new(size_t nresults)
{
    sch_tool_results_t *r =
        eng_msg_new(sizeof(*r), SCH_MSG_TOOL_RESULTS, ENG_CLASS_LIVE, tool_results_free);
    r->nresults = nresults;
    r->results = eng_xcalloc(nresults ? nresults : 1, sizeof(*r->results));
    return r;
}

static void assistant_reply_free(eng_msg_t *msg)
{
    sch_assistant_reply_t *a = (sch_assistant_reply_t *)msg;
    free(a->error_text);
    free(a->tenant_id);
    free(a->business_name);
    free(a->system_prompt);
    free(a->first_message);
    free(a->call_id);
}

sch_assistant_reply_t *sch_assistant_reply_new(void)
{
    return eng_msg_new(sizeof(sch_assistant_reply_t), SCH_MSG_ASSISTANT_REPLY, ENG_CLASS_LIVE,
                       assistant_reply_free);
}

static void emergency_detected_free(eng_msg_t *msg)
{
    sch_emergency_detected_t *e = (sch_emergency_detected_t *)msg;
    free(e->call_id);
    free(e->tenant_id);
    free(e->category);
    free(e->cue);
    free(e->source);
}

sch_emergency_detected_t *sch_emergency_detected_new(void)
{
    return eng_msg_new(sizeof(sch_emergency_detected_t), SCH_MSG_EMERGENCY_DETECTED,
                       ENG_CLASS_TIMER, emergency_detected_free);
}

const char *sch_tool_arg(const sch_tool_call_t *call, const char *key)
{
    for (size_t i = 0; i < call->nargs; i++)
        if (strcmp(call->args[i].key, key) == 0)
            return call->args[i].value;
    return NULL;
}

const char *sch_msg_type_name(uint32_t type)
{
    switch (type) {
    case SCH_MSG_ASSISTANT_REQUEST:
        return "assistant-request";
    case SCH_MSG_ASSISTANT_REPLY:
        return "assistant-reply";
    case SCH_MSG_TOOL_CALLS:
        return "tool-calls";
    case SCH_MSG_TOOL_RESULTS:
        return "tool-results";
    case SCH_MSG_CALL_STATUS:
        return "status-update";
    case SCH_MSG_TRANSCRIPT:
        return "transcript";
    case SCH_MSG_END_OF_CALL:
        return "end-of-call-report";
    case SCH_MSG_EMERGENCY_DETECTED:
        return "emergency.detected";
    }
    return "unknown";
}

/* ---- tool catalogue ---- */

static const char *const time_of_day_values[] = {"morning", "afternoon", "evening", NULL};

static const sch_tool_param_t check_availability_params[] = {
    {"service", "string", "The service the caller needs, in their words (e.g. 'AC repair').", NULL,
     false},
    {"date", "string", "A specific day the caller wants, as YYYY-MM-DD.", NULL, false},
    {"date_from", "string", "Start of a date range, YYYY-MM-DD.", NULL, false},
    {"date_to", "string", "End of a date range, YYYY-MM-DD.", NULL, false},
    {"time_of_day", "string", "Preferred part of the day.", time_of_day_values, false},
};

static const sch_tool_param_t book_appointment_params[] = {
    {"slot_id", "string", "The slot id returned by check_availability.", NULL, false},
    {"start", "string", "Start time in ISO 8601 if no slot id is known.", NULL, false},
    {"service", "string", "The service to book.", NULL, true},
    {"customer_name", "string", "The caller's full name.", NULL, true},
    {"address", "string", "The service address.", NULL, true},
    {"issue_description", "string", "What is wrong, in the caller's words.", NULL, true},
};

static const sch_tool_param_t reschedule_appointment_params[] = {
    {"appointment_id", "string", "The appointment to move, if known.", NULL, false},
    {"current_date", "string", "The date of the appointment to move, YYYY-MM-DD.", NULL, false},
    {"new_slot_id", "string", "The new slot id from check_availability.", NULL, false},
    {"new_start", "string", "The new start time in ISO 8601 if no slot id is known.", NULL, false},
};

static const sch_tool_param_t cancel_appointment_params[] = {
    {"appointment_id", "string", "The appointment to cancel, if known.", NULL, false},
    {"date", "string", "The date of the appointment to cancel, YYYY-MM-DD.", NULL, false},
    {"reason", "string", "Why the caller cancels.", NULL, false},
};

static const sch_tool_param_t lookup_customer_params[] = {
    {"phone", "string", "A phone number to look up instead of the caller's own.", NULL, false},
};

static const sch_tool_param_t transfer_call_params[] = {
    {"reason", "string", "Why the caller needs a person.", NULL, true},
};

static const char *const emergency_category_values[] = {"gas_leak",
                                                        "carbon_monoxide",
                                                        "fire_smoke",
                                                        "electrical_hazard",
                                                        "flooding",
                                                        "sewage_backup",
                                                        "no_heat_danger",
                                                        "no_cooling_danger",
                                                        "no_water",
                                                        "water_heater_failure",
                                                        NULL};

static const sch_tool_param_t report_emergency_params[] = {
    {"category", "string", "The kind of emergency.", emergency_category_values, true},
    {"description", "string", "What the caller describes, in their words.", NULL, true},
    {"address", "string", "Where the emergency is, if known.", NULL, false},
};

#define NPARAMS(a) (sizeof(a) / sizeof((a)[0]))

static const sch_tool_def_t tool_catalogue[] = {
    {"check_availability",
     "Find the soonest open appointment slots. Returns up to three, each with a slot id.",
     NPARAMS(check_availability_params), check_availability_params},
    {"book_appointment", "Book an appointment for the caller in a slot from check_availability.",
     NPARAMS(book_appointment_params), book_appointment_params},
    {"reschedule_appointment", "Move one of the caller's own appointments to a new slot.",
     NPARAMS(reschedule_appointment_params), reschedule_appointment_params},
    {"cancel_appointment", "Cancel one of the caller's own appointments.",
     NPARAMS(cancel_appointment_params), cancel_appointment_params},
    {"lookup_customer", "Look up the caller by phone number: name and upcoming appointments.",
     NPARAMS(lookup_customer_params), lookup_customer_params},
    {"transfer_call", "Transfer the caller to a person at the business.",
     NPARAMS(transfer_call_params), transfer_call_params},
    {"report_emergency",
     "Report a dangerous situation happening now (gas smell, CO alarm, smoke, sparks, flooding, "
     "sewage, no heat in freezing weather...) so the on-call technician is alerted at once.",
     NPARAMS(report_emergency_params), report_emergency_params},
};

const sch_tool_def_t *sch_tool_catalogue(size_t *count)
{
    *count = NPARAMS(tool_catalogue);
    return tool_catalogue;
}

const sch_tool_def_t *sch_tool_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NPARAMS(tool_catalogue); i++)
        if (strcmp(tool_catalogue[i].name, name) == 0)
            return &tool_catalogue[i];
    return NULL;
}
