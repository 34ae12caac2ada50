/*
 * bench_bodies: the webhook bodies of one simulated call, built once from the
 * Vapi fixtures in tests/fixtures/vapi and rendered per call with cheap
 * substitutions (no JSON work on the hot path of the load generator).
 *
 * One call walks BENCH_STEPS messages: assistant-request, status-update
 * in-progress, final user transcripts, tool calls (check_availability, then
 * book_appointment), status-update ended, end-of-call-report. Every message
 * after the assistant-request carries call, phoneNumber, customer, a trimmed
 * assistant and an artifact holding the conversation so far, so bodies grow
 * from about min_bytes to max_bytes as the call goes on (the assistant-request
 * itself is the fixture's size, about 1.8 KB, as Vapi sends it).
 *
 * Per-call values (call id, numbers, tool call id, dates) are placeholders in
 * a template: a list of literal segments and variables.
 *
 * Single-threaded tool code (bench/ is not part of the engine): any thread,
 * no shared state.
 */
#ifndef BENCH_BODIES_H
#define BENCH_BODIES_H

#include <stdbool.h>
#include <stddef.h>

/* Message kinds measured separately. X(id, key): key is the JSON key in
 * results and the X-Bench-Step header value (the nginx ceiling's file name). */
#define BENCH_MSG_LIST(X)                                                                          \
    X(BENCH_MSG_ASSISTANT_REQUEST, "assistant-request")                                            \
    X(BENCH_MSG_STATUS_UPDATE, "status-update")                                                    \
    X(BENCH_MSG_TRANSCRIPT, "transcript")                                                          \
    X(BENCH_MSG_TOOL_CHECK, "tool-calls.check_availability")                                       \
    X(BENCH_MSG_TOOL_BOOK, "tool-calls.book_appointment")                                          \
    X(BENCH_MSG_END_OF_CALL, "end-of-call-report")

typedef enum {
#define BENCH_MSG_ENUM(id, key) id,
    BENCH_MSG_LIST(BENCH_MSG_ENUM)
#undef BENCH_MSG_ENUM
        BENCH_MSG__COUNT
} bench_msg_t;

/* The key of a message kind (static string). */
const char *bench_msg_key(bench_msg_t msg);

/* Per-call substitutions. */
typedef enum {
    BENCH_VAR_CALL_ID,      /* Vapi call id (UUID) */
    BENCH_VAR_CUSTOMER,     /* caller's number, E.164 */
    BENCH_VAR_DIALED,       /* tenant's number, E.164 */
    BENCH_VAR_PHONE_ID,     /* Vapi phone number id of the tenant's number */
    BENCH_VAR_TOOL_CALL_ID, /* toolCallId, unique per call and step */
    BENCH_VAR_DATE,         /* YYYY-MM-DD the caller asks for */
    BENCH_VAR_START,        /* ISO 8601 start time the caller books */
    BENCH_VAR_SLOT_ID,      /* a slot id check_availability offered */
    BENCH_VAR__COUNT
} bench_var_t;

typedef struct bench_seg {
    const char *lit; /* points into the step's text */
    size_t lit_len;
    int var; /* bench_var_t after the literal, or -1 */
} bench_seg_t;

typedef struct bench_step {
    bench_msg_t msg;
    double at;         /* planned time as a fraction of the call's span, 0..1 */
    char *text;        /* owned: the compact JSON with placeholders cut out */
    bench_seg_t *segs; /* owned */
    size_t nsegs;
    size_t lit_bytes; /* sum of literal lengths */
} bench_step_t;

#define BENCH_STEPS 10

typedef struct bench_script {
    bench_step_t steps[BENCH_STEPS];
    size_t nsteps;
    /* book_appointment as sent when check_availability offered no slot id: the caller's
     * start time only (the step in steps[] passes the slot id and the start). */
    bench_step_t book_without_slot;
} bench_script_t;

/*
 * Builds the call script from the fixtures in fixtures_dir (borrowed).
 * Non-assistant-request bodies grow linearly from min_bytes to max_bytes
 * (as far as the fixture conversation allows). false and err set on failure
 * (a missing or unreadable fixture); s is then deinitialised already.
 */
bool bench_script_load(bench_script_t *s, const char *fixtures_dir, size_t min_bytes,
                       size_t max_bytes, char *err, size_t errsz);
/* Frees what bench_script_load allocated. Accepts a zeroed script. */
void bench_script_deinit(bench_script_t *s);

/* Rendered length of st with the given variable lengths. */
size_t bench_step_len(const bench_step_t *st, const size_t var_len[BENCH_VAR__COUNT]);
/*
 * Renders st into out (cap bytes) with vars (borrowed, var_len bytes each).
 * Returns the body length; nothing is written past cap, and a return value
 * greater than cap means the output was cut.
 */
size_t bench_step_render(const bench_step_t *st, const char *const var[BENCH_VAR__COUNT],
                         const size_t var_len[BENCH_VAR__COUNT], char *out, size_t cap);

#endif
