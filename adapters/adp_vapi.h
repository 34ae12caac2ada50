/*
 * adp_vapi: the Vapi server-URL wire format, as pure functions. Webhook
 * authentication (shared secret or HMAC), decoding of a webhook body into a
 * schema message (sch_call.h), and rendering of the replies Vapi expects
 * (a transient assistant, a spoken error, tool results). No loop, no I/O:
 * the HTTP front (adp_vapi_front.h) wires these to the engine.
 *
 * Field names follow the official TypeScript SDK (@vapi-ai/server-sdk);
 * docs/vapi-wire.md lists every field read and written with its SDK type.
 *
 * Any thread; nothing here keeps state between calls.
 */
#ifndef ADP_VAPI_H
#define ADP_VAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_buf.h"
#include "eng_err.h"
#include "eng_msg.h"
#include "sch_call.h"

#define ADP_VAPI_WEBHOOK_PATH "/vapi/webhook"

/* HMAC timestamps further than this from now (either way) are refused. */
#define ADP_VAPI_HMAC_WINDOW_MS (5 * 60 * 1000)

/*
 * Every server-message type Vapi documents (SDK ServerMessageMessage union,
 * CreateAssistantDtoServerMessagesItem, plus the legacy function-call), and
 * UNKNOWN for type strings Vapi may add later. X(id, wire name, used):
 * `used` types can become schema messages; the others are acknowledged with
 * 200 {} and counted. Both "transcript" and
 * `transcript[transcriptType="final"]` map to ADP_VAPI_T_TRANSCRIPT.
 */
#define ADP_VAPI_TYPE_LIST(X)                                                                      \
    X(ADP_VAPI_T_ASSISTANT_REQUEST, "assistant-request", true)                                     \
    X(ADP_VAPI_T_TOOL_CALLS, "tool-calls", true)                                                   \
    X(ADP_VAPI_T_STATUS_UPDATE, "status-update", true)                                             \
    X(ADP_VAPI_T_TRANSCRIPT, "transcript", true)                                                   \
    X(ADP_VAPI_T_END_OF_CALL_REPORT, "end-of-call-report", true)                                   \
    X(ADP_VAPI_T_TRANSFER_DESTINATION_REQUEST, "transfer-destination-request", false)              \
    X(ADP_VAPI_T_HANDOFF_DESTINATION_REQUEST, "handoff-destination-request", false)                \
    X(ADP_VAPI_T_KNOWLEDGE_BASE_REQUEST, "knowledge-base-request", false)                          \
    X(ADP_VAPI_T_FUNCTION_CALL, "function-call", false)                                            \
    X(ADP_VAPI_T_CONVERSATION_UPDATE, "conversation-update", false)                                \
    X(ADP_VAPI_T_SPEECH_UPDATE, "speech-update", false)                                            \
    X(ADP_VAPI_T_HANG, "hang", false)                                                              \
    X(ADP_VAPI_T_MODEL_OUTPUT, "model-output", false)                                              \
    X(ADP_VAPI_T_USER_INTERRUPTED, "user-interrupted", false)                                      \
    X(ADP_VAPI_T_TRANSFER_UPDATE, "transfer-update", false)                                        \
    X(ADP_VAPI_T_PHONE_CALL_CONTROL, "phone-call-control", false)                                  \
    X(ADP_VAPI_T_LANGUAGE_CHANGED, "language-changed", false)                                      \
    X(ADP_VAPI_T_LANGUAGE_CHANGE_DETECTED, "language-change-detected", false)                      \
    X(ADP_VAPI_T_VOICE_INPUT, "voice-input", false)                                                \
    X(ADP_VAPI_T_VOICE_REQUEST, "voice-request", false)                                            \
    X(ADP_VAPI_T_ASSISTANT_STARTED, "assistant.started", false)                                    \
    X(ADP_VAPI_T_ASSISTANT_SPEECH_STARTED, "assistant.speechStarted", false)                       \
    X(ADP_VAPI_T_CALL_ENDPOINTING_REQUEST, "call.endpointing.request", false)                      \
    X(ADP_VAPI_T_CAMPAIGN_PREDIAL, "campaign.predial", false)                                      \
    X(ADP_VAPI_T_CHAT_CREATED, "chat.created", false)                                              \
    X(ADP_VAPI_T_CHAT_DELETED, "chat.deleted", false)                                              \
    X(ADP_VAPI_T_SESSION_CREATED, "session.created", false)                                        \
    X(ADP_VAPI_T_SESSION_UPDATED, "session.updated", false)                                        \
    X(ADP_VAPI_T_SESSION_DELETED, "session.deleted", false)                                        \
    X(ADP_VAPI_T_CALL_DELETED, "call.deleted", false)                                              \
    X(ADP_VAPI_T_CALL_DELETE_FAILED, "call.delete.failed", false)                                  \
    X(ADP_VAPI_T_CALL_ARTIFACT_UPLOAD, "call.artifact.upload", false)                              \
    X(ADP_VAPI_T_UNKNOWN, "unknown", false)

typedef enum {
#define ADP_VAPI_TYPE_ENUM(id, wire, used) id,
    ADP_VAPI_TYPE_LIST(ADP_VAPI_TYPE_ENUM)
#undef ADP_VAPI_TYPE_ENUM
        ADP_VAPI_T__COUNT
} adp_vapi_type_t;

/* The wire name, also used as the metrics label ("unknown" for UNKNOWN). Static. */
const char *adp_vapi_type_name(adp_vapi_type_t type);
/* Maps a wire type string to its enum; ADP_VAPI_T_UNKNOWN for anything else (and NULL). */
adp_vapi_type_t adp_vapi_type_from_wire(const char *wire);

/*
 * The adapter's configuration. Every pointer is borrowed by the pure
 * functions for the duration of the call (the front copies them). NULL or 0
 * means the documented default.
 */
typedef struct adp_vapi_config {
    /* SERVICEAI_VAPI_SECRET: expected X-Vapi-Secret value and HMAC key. Empty or NULL:
     * every webhook is refused with 401 unless allow_unauthenticated is set. */
    const char *secret;
    bool allow_unauthenticated; /* development only; default false */
    /* SERVICEAI_PUBLIC_URL, e.g. "https://engine.example.com"; the assistant's server.url
     * is this + ADP_VAPI_WEBHOOK_PATH. NULL/empty: no `server` is rendered (Vapi then
     * falls back to the phone number's server). */
    const char *public_url;
    /* Optional Vapi credential id (HMAC or bearer) rendered as server.credentialId
     * instead of the x-vapi-secret header. */
    const char *credential_id;
    const char *model;             /* OpenAI model, default "gpt-4o" */
    const char *transcriber_model; /* Deepgram model, default "nova-3" (supports en, es, multi) */
    const char *voice_provider;    /* default "azure" */
    const char *voice_en;          /* default "en-US-AvaNeural" */
    const char *voice_es;          /* default "es-MX-DaliaNeural" */
    const char *voice_bilingual;   /* default "en-US-AvaMultilingualNeural" */
    int server_timeout_s;          /* server.timeoutSeconds, default 10 */
    int64_t reply_margin_ms;       /* answer this long before the HTTP deadline, default 250 */
    /* Spoken when an assistant-request cannot be answered in time (default: English then
     * Spanish "sorry, please call back in a few minutes"). */
    const char *unavailable_text;
    /* The `error` of each tool call that cannot be answered in time (default: the system
     * is slow, a person will call back). The model turns it into speech. */
    const char *tool_slow_text;
    /* Durable inbox for end-of-call reports (SCH_EOC_INBOX_KEY): the raw report is stored in
     * Redis before the 200 goes out, and cleared by the call actor once the call is persisted,
     * so a crash in between delays the record instead of losing it. Borrowed; NULL = no inbox. */
    struct eng_redis *inbox_redis;
} adp_vapi_config_t;

/* Resolved defaults (static strings) for the optional fields. */
const char *adp_vapi_default_unavailable_text(void);
const char *adp_vapi_default_tool_slow_text(void);

/*
 * Authenticates one webhook. All strings are borrowed; header values may be
 * NULL when absent. Accepted when either
 *   - header_secret (X-Vapi-Secret) equals secret, or
 *   - header_signature (x-signature, hex, optional "sha256=" prefix) is
 *     HMAC-SHA256(secret, "{x-timestamp}.{body}") and header_timestamp is an
 *     epoch in seconds or milliseconds within ADP_VAPI_HMAC_WINDOW_MS of now_ms.
 * Comparisons are constant-time. now_ms is wall-clock epoch ms.
 * Returns ENG_OK or ENG_ERR_AUTH; an empty or NULL secret is always ENG_ERR_AUTH.
 */
eng_err_t adp_vapi_auth_check(const char *secret, const char *header_secret,
                              const char *header_signature, const char *header_timestamp,
                              const char *body, size_t len, int64_t now_ms) ENG_WUR;

/*
 * Decodes one webhook body (len bytes, borrowed; need not be NUL-terminated).
 * *type is always set (ADP_VAPI_T_UNKNOWN when unknown or unreadable).
 *   ENG_OK and *out set: a schema message to forward, owned by the caller:
 *     assistant-request -> SCH_MSG_ASSISTANT_REQUEST (sch_call_event_t, LIVE)
 *     tool-calls        -> SCH_MSG_TOOL_CALLS (sch_tool_calls_t, LIVE)
 *     status-update     -> SCH_MSG_CALL_STATUS (sch_call_event_t, BACKGROUND)
 *     transcript, final, role user -> SCH_MSG_TRANSCRIPT (sch_call_event_t, TIMER)
 *     end-of-call-report -> SCH_MSG_END_OF_CALL (sch_call_event_t, BACKGROUND)
 *   ENG_OK and *out NULL: a well-formed Vapi message the engine does not act
 *     on: a documented type we do not use, a partial or assistant transcript,
 *     or a type string this adapter does not know (ADP_VAPI_T_UNKNOWN; Vapi
 *     adds types, so those are acknowledged too, never refused). why says which.
 *   ENG_ERR_PARSE: malformed JSON, no `message` object, no `type` string, or a
 *     used type lacking what it needs (call.id, status, any tool call);
 *     why holds a one-line reason.
 * why (whysz bytes) may be NULL. reply_to, corr and deadline are left for the
 * caller to set. Tolerates: timestamp as ISO-8601 string or epoch ms;
 * tool arguments as an object or a JSON string; toolCallList, then
 * toolWithToolCallList[].toolCall, then toolCalls; unknown fields.
 * Tool arguments are flattened as sch_call.h documents; JSON null arguments
 * are left out (absent and null mean the same to a handler).
 */
eng_err_t adp_vapi_decode(const char *body, size_t len, eng_msg_t **out, adp_vapi_type_t *type,
                          char *why, size_t whysz) ENG_WUR;

/*
 * Renders the reply to an assistant-request into out (appended). reply and
 * cfg are borrowed. reply->ok: {"assistant": {...}} (a transient
 * CreateAssistantDto); !ok: {"error": error_text} which Vapi speaks before
 * ending the call. ENG_ERR_INVALID (nothing appended) if reply is ok but has
 * no system prompt.
 */
eng_err_t adp_vapi_render_assistant(const sch_assistant_reply_t *reply,
                                    const adp_vapi_config_t *cfg, eng_buf_t *out) ENG_WUR;

/* {"error": spoken} with spoken made one line (borrowed). Appends to out. */
void adp_vapi_render_error(const char *spoken, eng_buf_t *out);

/* {"results":[{"toolCallId","name","result"|"error"}]} in the order given, every
 * string made one line. results is borrowed. Appends to out. */
void adp_vapi_render_tool_results(const sch_tool_results_t *results, eng_buf_t *out);

/* The results a tool-calls request gets when nothing answered in time: every
 * call gets `error` = text. calls and text are borrowed. Appends to out. */
void adp_vapi_render_tool_fallback(const sch_tool_calls_t *calls, const char *text, eng_buf_t *out);

#endif
