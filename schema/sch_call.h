/*
 * sch_call: the domain messages of a live call, shared by the Vapi adapter
 * (which turns webhooks into these and renders the replies) and the call
 * actors (which act on them). Nothing here knows a wire format: no JSON
 * leaves adapters/.
 *
 * Routing: adapters send every inbound call message to the actor named
 * SCH_CALL_ROUTER_NAME, which owns the call actors ("call:<vapi call id>"),
 * spawning or rehydrating them and forwarding the message. Requests that
 * expect an answer carry reply_to (the adapter's actor) and corr (its
 * pending HTTP request id); the answer is SCH_MSG_ASSISTANT_REPLY or
 * SCH_MSG_TOOL_RESULTS, or the engine's ENG_MSG_TIMEOUT / ENG_MSG_DEAD_LETTER.
 *
 * Ownership: every char * in these structs is owned by the message and freed
 * by its free_fn (set by the _new functions). Loop thread.
 */
#ifndef SCH_CALL_H
#define SCH_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_msg.h"

#define SCH_CALL_ROUTER_NAME "call-router"

/* Redis hash of end-of-call reports accepted but not yet persisted: field = call id,
 * value = the raw webhook body (schema/redis.md). Written by the Vapi front before it
 * acknowledges, cleared by the call actor after the call row is saved, replayed at start. */
#define SCH_EOC_INBOX_KEY "eoc:pending"

enum {
    SCH_MSG_ASSISTANT_REQUEST = ENG_MSG_USER + 1, /* sch_call_event_t, LIVE, reply expected */
    SCH_MSG_ASSISTANT_REPLY,                      /* sch_assistant_reply_t */
    SCH_MSG_TOOL_CALLS,                           /* sch_tool_calls_t, LIVE, reply expected */
    SCH_MSG_TOOL_RESULTS,                         /* sch_tool_results_t */
    SCH_MSG_CALL_STATUS,                          /* sch_call_event_t, BACKGROUND */
    SCH_MSG_TRANSCRIPT,                           /* sch_call_event_t, TIMER (emergency check) */
    SCH_MSG_END_OF_CALL,                          /* sch_call_event_t, BACKGROUND */
    SCH_MSG_EMERGENCY_DETECTED,                   /* sch_emergency_detected_t */
    SCH_MSG__CALL_LAST
};

/* What every inbound call message knows about the call. */
typedef struct sch_call_ctx {
    char *call_id;         /* Vapi call id; required */
    char *dialed_number;   /* business number in E.164 (phoneNumber.number), may be NULL */
    char *phone_number_id; /* Vapi phone number id (call.phoneNumberId), may be NULL */
    char *caller_number;   /* customer.number in E.164, may be NULL */
    char *call_type;       /* inboundPhoneCall, webCall, ... may be NULL */
    int64_t event_ms;      /* the message's timestamp, epoch ms; 0 if absent */
} sch_call_ctx_t;

/*
 * One event of a call. Which fields are set depends on hdr.type:
 *   ASSISTANT_REQUEST: ctx only
 *   CALL_STATUS:       status, ended_reason (when status is "ended")
 *   TRANSCRIPT:        role ("user"/"assistant"), text, final
 *   END_OF_CALL:       ended_reason, started_ms, ended_ms, duration_s, cost, summary,
 *                      transcript, recording_url
 */
typedef struct sch_call_event {
    eng_msg_t hdr;
    sch_call_ctx_t ctx;
    char *status;
    char *ended_reason;
    char *role;
    char *text;
    bool final;
    int64_t started_ms;
    int64_t ended_ms;
    double duration_s;
    double cost;
    char *summary;
    char *transcript;
    char *recording_url;
} sch_call_event_t;

/* A tool argument, flattened: strings as-is, numbers and booleans as text,
 * nested values as compact JSON text (handlers treat those as opaque). */
typedef struct sch_tool_arg {
    char *key;
    char *value;
} sch_tool_arg_t;

typedef struct sch_tool_call {
    char *id;   /* toolCallId: the idempotency key */
    char *name; /* check_availability, book_appointment, ... */
    size_t nargs;
    sch_tool_arg_t *args;
} sch_tool_call_t;

typedef struct sch_tool_calls {
    eng_msg_t hdr;
    sch_call_ctx_t ctx;
    size_t ncalls;
    sch_tool_call_t *calls;
} sch_tool_calls_t;

typedef struct sch_tool_result {
    char *id;
    char *name;
    char *text;     /* one line, spoken-ready; never NULL */
    bool is_error;  /* the adapter renders it as Vapi's `error` instead of `result` */
    bool transient; /* a dependency failed: a retry of the same toolCallId may do better, so
                       the answer is not remembered as the call's result */
} sch_tool_result_t;

typedef struct sch_tool_results {
    eng_msg_t hdr;
    size_t nresults;
    sch_tool_result_t *results;
} sch_tool_results_t;

/* The assistant a call gets, described without any provider's wire format. */
typedef enum {
    SCH_LANG_EN = 0,
    SCH_LANG_ES = 1,
    SCH_LANG_BILINGUAL = 2,
} sch_lang_t;

const char *sch_lang_name(sch_lang_t lang); /* "en", "es", "bilingual" */
/* Parses "en" | "es" | "bilingual"; false otherwise. */
bool sch_lang_parse(const char *s, sch_lang_t *out);

typedef struct sch_assistant_reply {
    eng_msg_t hdr;
    bool ok;          /* false: speak error_text and end the call politely */
    char *error_text; /* spoken, in the best language known; set when !ok */
    char *tenant_id;
    char *business_name;
    sch_lang_t language;
    char *system_prompt; /* fully rendered template */
    char *first_message; /* greeting */
    char *call_id;
} sch_assistant_reply_t;

typedef struct sch_emergency_detected {
    eng_msg_t hdr;
    char *call_id;
    char *tenant_id;
    char *category; /* EMERGENCY-POLICY category name */
    char *cue;      /* what decided it, human-readable */
    char *source;   /* "transcript" or "report_emergency" */
    int64_t detected_ms;
} sch_emergency_detected_t;

/* ---- the tool catalogue the assistant is given (rendered by adapters) ---- */

typedef struct sch_tool_param {
    const char *name;
    const char *type;               /* JSON-schema type: string, integer, number, boolean */
    const char *description;        /* for the model, English */
    const char *const *enum_values; /* NULL-terminated, or NULL */
    bool required;
} sch_tool_param_t;

typedef struct sch_tool_def {
    const char *name;
    const char *description;
    size_t nparams;
    const sch_tool_param_t *params;
} sch_tool_def_t;

/* The static catalogue (borrowed, lives forever). */
const sch_tool_def_t *sch_tool_catalogue(size_t *count);
const sch_tool_def_t *sch_tool_find(const char *name);

/* ---- constructors; each returns a message with its free_fn set ---- */

sch_call_event_t *sch_call_event_new(uint32_t type, eng_class_t cls);
sch_tool_calls_t *sch_tool_calls_new(size_t ncalls);
sch_tool_results_t *sch_tool_results_new(size_t nresults);
sch_assistant_reply_t *sch_assistant_reply_new(void);
sch_emergency_detected_t *sch_emergency_detected_new(void);

/* Deep copy of a context (dst owned by the caller; release with sch_call_ctx_deinit). */
void sch_call_ctx_copy(sch_call_ctx_t *dst, const sch_call_ctx_t *src);
void sch_call_ctx_deinit(sch_call_ctx_t *ctx);

/* Looks up a tool argument by key; NULL if absent. Borrowed. */
const char *sch_tool_arg(const sch_tool_call_t *call, const char *key);

/* Name of a message type for logs ("assistant-request", ...). */
const char *sch_msg_type_name(uint32_t type);

#endif
