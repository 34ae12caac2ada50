/*
 * Unit tests for adapters/adp_vapi.c: webhook authentication, decoding of
 * the fixtures in tests/fixtures/vapi/ into schema messages, and the JSON
 * Vapi receives back (parsed again with jansson and checked field by field).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "adp_vapi.h"
#include "eng_alloc.h"
#include "eng_buf.h"
#include "sch_call.h"

#define FIXTURES SAI_SOURCE_DIR "/tests/fixtures/vapi/"

#define CALL_A "3f9d2c1b-7a6e-4f5d-8c3b-2a1e0f9d8c71"
#define CALL_B "6b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c92"
#define PN_A1 "8c6f2d1e-5a4b-4c3d-9e8f-7a6b5c4d3e21"
#define PN_A2 "9d7e3f2a-6b5c-4d4e-8f9a-8b7c6d5e4f32"

/* ---------------------------------------------------------------- helpers */

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), FIXTURES "%s", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = eng_xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* Decodes a fixture that must become a schema message. */
static eng_msg_t *decode_fixture(const char *name, adp_vapi_type_t expect_type)
{
    size_t len;
    char *body = slurp(name, &len);
    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    char why[200];
    eng_err_t err = adp_vapi_decode(body, len, &msg, &type, why, sizeof(why));
    free(body);
    if (err != ENG_OK)
        fail_msg("%s: %s (%s)", name, eng_err_str(err), why);
    assert_int_equal(type, expect_type);
    assert_non_null(msg);
    return msg;
}

/* Decodes a body that must be acknowledged without a message. */
static void assert_ack_only(const char *body, size_t len, adp_vapi_type_t expect_type)
{
    eng_msg_t *msg = (eng_msg_t *)1;
    adp_vapi_type_t type;
    char why[200];
    assert_int_equal(adp_vapi_decode(body, len, &msg, &type, why, sizeof(why)), ENG_OK);
    assert_null(msg);
    assert_int_equal(type, expect_type);
}

static void assert_parse_error(const char *body, const char *reason_part)
{
    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    char why[200];
    assert_int_equal(adp_vapi_decode(body, strlen(body), &msg, &type, why, sizeof(why)),
                     ENG_ERR_PARSE);
    assert_null(msg);
    if (!strstr(why, reason_part))
        fail_msg("reason \"%s\" does not mention \"%s\"", why, reason_part);
    assert_null(strchr(why, '\n'));
}

/* ---------------------------------------------------------------- decode: assistant-request */

static void test_assistant_request_with_iso_timestamp_gives_call_numbers_and_time(void **state)
{
    eng_msg_t *msg = decode_fixture("assistant-request-iso-ts.json", ADP_VAPI_T_ASSISTANT_REQUEST);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_int_equal(msg->type, SCH_MSG_ASSISTANT_REQUEST);
    assert_int_equal(msg->cls, ENG_CLASS_LIVE);
    assert_string_equal(e->ctx.call_id, CALL_A);
    assert_string_equal(e->ctx.dialed_number, "+15125550100");
    assert_string_equal(e->ctx.phone_number_id, PN_A1);
    assert_string_equal(e->ctx.caller_number, "+15125550187");
    assert_string_equal(e->ctx.call_type, "inboundPhoneCall");
    assert_int_equal(e->ctx.event_ms, 1763996531482LL); /* 2025-11-24T15:02:11.482Z */
    assert_int_equal(msg->reply_to, 0);
    eng_msg_free(msg);
}

static void test_assistant_request_with_epoch_ms_timestamp_gives_the_same_time_field(void **state)
{
    eng_msg_t *msg =
        decode_fixture("assistant-request-epoch-ts.json", ADP_VAPI_T_ASSISTANT_REQUEST);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_string_equal(e->ctx.call_id, CALL_B);
    assert_string_equal(e->ctx.dialed_number, "+13055550200");
    assert_string_equal(e->ctx.caller_number, "+15125550143");
    assert_int_equal(e->ctx.event_ms, 1764000131482LL);
    eng_msg_free(msg);
}

static void
test_assistant_request_with_only_phone_number_id_leaves_dialed_number_unset(void **state)
{
    eng_msg_t *msg =
        decode_fixture("assistant-request-phone-number-id-only.json", ADP_VAPI_T_ASSISTANT_REQUEST);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_null(e->ctx.dialed_number);
    assert_string_equal(e->ctx.phone_number_id, PN_A2);
    assert_string_equal(e->ctx.caller_number, "+15125550166");
    eng_msg_free(msg);
}

static void test_iso_timestamps_with_offsets_and_without_fraction_are_read(void **state)
{
    static const struct {
        const char *ts;
        int64_t ms;
    } cases[] = {
        {"\"2025-11-24T15:02:11Z\"", 1763996531000LL},
        {"\"2025-11-24T10:02:11.482-05:00\"", 1763996531482LL},
        {"\"2025-11-24T16:02:11.482+0100\"", 1763996531482LL},
        {"\"2025-11-24T15:02:11.4829999Z\"", 1763996531482LL},
        {"1763996531482", 1763996531482LL},
        {"\"not a time\"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"message\":{\"type\":\"assistant-request\",\"timestamp\":%s,"
                 "\"call\":{\"id\":\"c1\"}}}",
                 cases[i].ts);
        eng_msg_t *msg = NULL;
        adp_vapi_type_t type;
        assert_int_equal(adp_vapi_decode(body, strlen(body), &msg, &type, NULL, 0), ENG_OK);
        assert_int_equal(((sch_call_event_t *)msg)->ctx.event_ms, cases[i].ms);
        eng_msg_free(msg);
    }
}

/* ---------------------------------------------------------------- decode: status, transcript */

static void test_status_update_in_progress_is_background_with_status(void **state)
{
    eng_msg_t *msg = decode_fixture("status-update-in-progress.json", ADP_VAPI_T_STATUS_UPDATE);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_int_equal(msg->type, SCH_MSG_CALL_STATUS);
    assert_int_equal(msg->cls, ENG_CLASS_BACKGROUND);
    assert_string_equal(e->ctx.call_id, CALL_A);
    assert_string_equal(e->status, "in-progress");
    assert_null(e->ended_reason);
    eng_msg_free(msg);
}

static void test_status_update_ended_carries_the_ended_reason(void **state)
{
    eng_msg_t *msg = decode_fixture("status-update-ended.json", ADP_VAPI_T_STATUS_UPDATE);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_string_equal(e->status, "ended");
    assert_string_equal(e->ended_reason, "customer-ended-call");
    eng_msg_free(msg);
}

static void test_final_user_transcript_is_forwarded_as_timer_work(void **state)
{
    eng_msg_t *msg = decode_fixture("transcript-final-user.json", ADP_VAPI_T_TRANSCRIPT);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_int_equal(msg->type, SCH_MSG_TRANSCRIPT);
    assert_int_equal(msg->cls, ENG_CLASS_TIMER);
    assert_string_equal(e->role, "user");
    assert_true(e->final);
    assert_non_null(strstr(e->text, "carbon monoxide alarm"));
    assert_string_equal(e->ctx.dialed_number, "+15125550100");
    eng_msg_free(msg);
}

static void test_final_only_transcript_type_string_is_forwarded_too(void **state)
{
    eng_msg_t *msg = decode_fixture("transcript-final-user-typed.json", ADP_VAPI_T_TRANSCRIPT);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_int_equal(msg->type, SCH_MSG_TRANSCRIPT);
    assert_non_null(strstr(e->text, "Shoal Creek"));
    eng_msg_free(msg);
}

static void test_partial_and_assistant_transcripts_are_acknowledged_not_forwarded(void **state)
{
    const char *names[] = {"transcript-partial-user.json", "transcript-assistant.json"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *body = slurp(names[i], &len);
        assert_ack_only(body, len, ADP_VAPI_T_TRANSCRIPT);
        free(body);
    }
}

/* ---------------------------------------------------------------- decode: tool-calls */

static void test_tool_calls_with_object_arguments_flatten_every_argument(void **state)
{
    eng_msg_t *msg = decode_fixture("tool-calls-object-args.json", ADP_VAPI_T_TOOL_CALLS);
    sch_tool_calls_t *t = (sch_tool_calls_t *)msg;
    assert_int_equal(msg->type, SCH_MSG_TOOL_CALLS);
    assert_int_equal(msg->cls, ENG_CLASS_LIVE);
    assert_string_equal(t->ctx.call_id, CALL_A);
    assert_int_equal(t->ctx.event_ms, 1763996582913LL); /* ISO timestamp in this fixture */
    assert_int_equal(t->ncalls, 2);
    assert_string_equal(t->calls[0].id, "call_Kq3vX9mB2nL7pR4t");
    assert_string_equal(t->calls[0].name, "check_availability");
    assert_int_equal(t->calls[0].nargs, 3);
    assert_string_equal(sch_tool_arg(&t->calls[0], "service"), "AC repair");
    assert_string_equal(sch_tool_arg(&t->calls[0], "date"), "2025-11-25");
    assert_string_equal(sch_tool_arg(&t->calls[0], "time_of_day"), "morning");
    assert_string_equal(t->calls[1].id, "call_Zt8wY1cD5fG3hJ6k");
    assert_string_equal(t->calls[1].name, "lookup_customer");
    assert_string_equal(sch_tool_arg(&t->calls[1], "phone"), "+15125550187");
    eng_msg_free(msg);
}

static void test_tool_calls_with_string_arguments_in_tool_with_tool_call_list_are_read(void **state)
{
    eng_msg_t *msg = decode_fixture("tool-calls-string-args.json", ADP_VAPI_T_TOOL_CALLS);
    sch_tool_calls_t *t = (sch_tool_calls_t *)msg;
    assert_int_equal(t->ncalls, 1);
    const sch_tool_call_t *c = &t->calls[0];
    assert_string_equal(c->id, "call_Rb4nM8qW2eT6yU1i");
    assert_string_equal(c->name, "book_appointment");
    assert_string_equal(sch_tool_arg(c, "customer_name"), "Rosa María Quintero");
    assert_string_equal(sch_tool_arg(c, "address"), "2150 SW 8th St, Miami, FL 33135");
    assert_string_equal(sch_tool_arg(c, "slot_id"), "slot_2025-11-26T09:00:00-05:00_tech17");
    /* numbers and booleans as text, nested values as compact JSON, null left out */
    assert_string_equal(sch_tool_arg(c, "priority"), "2");
    assert_string_equal(sch_tool_arg(c, "estimate"), "149.5");
    assert_string_equal(sch_tool_arg(c, "urgent"), "false");
    assert_string_equal(sch_tool_arg(c, "notes"), "{\"gate_code\":\"4471\",\"pets\":true}");
    assert_null(sch_tool_arg(c, "preferred_tech"));
    assert_string_equal(t->ctx.dialed_number, "+13055550200");
    assert_int_equal(t->ctx.event_ms, 1764000245117LL);
    eng_msg_free(msg);
}

static void test_tool_call_to_an_unknown_tool_is_still_forwarded_for_an_error_result(void **state)
{
    eng_msg_t *msg = decode_fixture("tool-calls-unknown-tool.json", ADP_VAPI_T_TOOL_CALLS);
    sch_tool_calls_t *t = (sch_tool_calls_t *)msg;
    assert_int_equal(t->ncalls, 1);
    assert_string_equal(t->calls[0].name, "get_weather");
    assert_null(sch_tool_find(t->calls[0].name));
    assert_string_equal(sch_tool_arg(&t->calls[0], "city"), "Austin");
    eng_msg_free(msg);
}

static void test_tool_calls_fall_back_to_tool_calls_list_and_flattened_items(void **state)
{
    const char *body =
        "{\"message\":{\"type\":\"tool-calls\",\"call\":{\"id\":\"c9\"},"
        "\"toolCalls\":[{\"id\":\"t1\",\"name\":\"cancel_appointment\","
        "\"parameters\":{\"reason\":\"moving\"}},"
        "{\"type\":\"function\",\"function\":{\"name\":\"lookup_customer\",\"arguments\":{}}},"
        "{\"id\":\"t3\",\"function\":{\"name\":\"transfer_call\",\"arguments\":\"not json\"}}]}}";
    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    assert_int_equal(adp_vapi_decode(body, strlen(body), &msg, &type, NULL, 0), ENG_OK);
    sch_tool_calls_t *t = (sch_tool_calls_t *)msg;
    /* the call without an id cannot be answered and is dropped */
    assert_int_equal(t->ncalls, 2);
    assert_string_equal(t->calls[0].name, "cancel_appointment");
    assert_string_equal(sch_tool_arg(&t->calls[0], "reason"), "moving");
    assert_string_equal(t->calls[1].id, "t3");
    assert_int_equal(t->calls[1].nargs, 0);
    eng_msg_free(msg);
}

static void test_tool_calls_without_any_call_is_a_parse_error(void **state)
{
    assert_parse_error("{\"message\":{\"type\":\"tool-calls\",\"call\":{\"id\":\"c\"},"
                       "\"toolCallList\":[]}}",
                       "tool-calls");
}

/* ---------------------------------------------------------------- decode: end-of-call */

static void test_large_end_of_call_report_gives_times_cost_summary_and_recording(void **state)
{
    size_t len;
    char *body = slurp("end-of-call-report.json", &len);
    assert_true(len >= 100 * 1024);
    free(body);
    eng_msg_t *msg = decode_fixture("end-of-call-report.json", ADP_VAPI_T_END_OF_CALL_REPORT);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_int_equal(msg->type, SCH_MSG_END_OF_CALL);
    assert_int_equal(msg->cls, ENG_CLASS_BACKGROUND);
    assert_string_equal(e->ctx.call_id, CALL_A);
    assert_string_equal(e->ended_reason, "customer-ended-call");
    assert_int_equal(e->started_ms, 1763996532020LL);
    assert_int_equal(e->ended_ms, 1763997133020LL);
    assert_true(e->duration_s > 600.9 && e->duration_s < 601.1);
    assert_true(e->cost > 0.4311 && e->cost < 0.4313);
    assert_non_null(strstr(e->summary, "Dana Whitfield"));
    assert_true(strlen(e->transcript) > 10000);
    assert_true(strncmp(e->transcript, "AI: Thanks for calling", 22) == 0);
    assert_non_null(strstr(e->recording_url, "-mono.wav"));
    eng_msg_free(msg);
}

static void test_end_of_call_report_reads_legacy_top_level_fields(void **state)
{
    const char *body = "{\"message\":{\"type\":\"end-of-call-report\",\"call\":{\"id\":\"c\"},"
                       "\"endedReason\":\"silence-timed-out\",\"summary\":\"short\","
                       "\"transcript\":\"AI: hi\",\"recordingUrl\":\"https://r/x.wav\","
                       "\"durationSeconds\":12.5,\"cost\":0.02}}";
    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    assert_int_equal(adp_vapi_decode(body, strlen(body), &msg, &type, NULL, 0), ENG_OK);
    sch_call_event_t *e = (sch_call_event_t *)msg;
    assert_string_equal(e->summary, "short");
    assert_string_equal(e->transcript, "AI: hi");
    assert_string_equal(e->recording_url, "https://r/x.wav");
    assert_true(e->duration_s > 12.4 && e->duration_s < 12.6);
    eng_msg_free(msg);
}

/* ---------------------------------------------------------------- decode: unused, unknown, bad */

static void test_documented_types_we_do_not_use_are_acknowledged_and_named(void **state)
{
    static const struct {
        const char *file;
        adp_vapi_type_t type;
    } cases[] = {
        {"speech-update.json", ADP_VAPI_T_SPEECH_UPDATE},
        {"conversation-update.json", ADP_VAPI_T_CONVERSATION_UPDATE},
        {"hang.json", ADP_VAPI_T_HANG},
        {"user-interrupted.json", ADP_VAPI_T_USER_INTERRUPTED},
        {"model-output.json", ADP_VAPI_T_MODEL_OUTPUT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *body = slurp(cases[i].file, &len);
        assert_ack_only(body, len, cases[i].type);
        free(body);
    }
    /* every catalogued wire name maps back to itself */
    for (int t = 0; t < ADP_VAPI_T_UNKNOWN; t++)
        assert_int_equal(adp_vapi_type_from_wire(adp_vapi_type_name((adp_vapi_type_t)t)), t);
}

static void test_unknown_type_string_is_acknowledged_as_unknown(void **state)
{
    const char *body = "{\"message\":{\"type\":\"assistant.thinking\",\"call\":{\"id\":\"c\"}}}";
    assert_ack_only(body, strlen(body), ADP_VAPI_T_UNKNOWN);
}

static void test_malformed_json_is_a_parse_error_with_a_reason(void **state)
{
    assert_parse_error("{\"message\":{\"type\":\"tool-calls\",", "malformed JSON");
    assert_parse_error("", "malformed JSON");
    assert_parse_error("{\"message\":{\"type\":\"hang\"}} trailing", "malformed JSON");
}

static void test_json_that_is_not_a_vapi_message_is_a_parse_error(void **state)
{
    assert_parse_error("{\"hello\":\"world\"}", "\"message\"");
    assert_parse_error("[1,2,3]", "\"message\"");
    assert_parse_error("\"just a string\"", "\"message\"");
    assert_parse_error("{\"message\":\"hi\"}", "\"message\"");
    assert_parse_error("{\"message\":{\"type\":42}}", "message.type");
    assert_parse_error("{\"message\":{\"type\":\"assistant-request\"}}", "call.id");
    assert_parse_error("{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":\"c\"}}}",
                       "status");
}

/* ---------------------------------------------------------------- auth */

#define SECRET "s3cr3t-for-tests"
#define NOW_MS 1764000000000LL

static void test_a_call_id_that_is_too_long_or_not_plain_is_refused(void **state)
{
    char body[1024], id[200];
    memset(id, 'a', 129);
    id[129] = '\0';
    snprintf(
        body, sizeof(body),
        "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\",\"call\":{\"id\":\"%s\"}}}",
        id);
    assert_parse_error(body, "call id");
    assert_parse_error("{\"message\":{\"type\":\"status-update\",\"status\":\"ended\",\"call\":{"
                       "\"id\":\"abc\\ndef\"}}}",
                       "call id");
    assert_parse_error(
        "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\",\"call\":{\"id\":\"a b\"}}}",
        "call id");
    /* a UUID is fine */
    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    const char *ok = "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\","
                     "\"call\":{\"id\":\"b1223960-7a4e-4c0e-9f00-3c2a9e2f4c11\"}}}";
    assert_int_equal(adp_vapi_decode(ok, strlen(ok), &msg, &type, NULL, 0), ENG_OK);
    assert_non_null(msg);
    eng_msg_free(msg);
}

static void test_more_than_32_tool_calls_in_one_message_are_refused(void **state)
{
    eng_buf_t b;
    eng_buf_init(&b);
    eng_buf_puts(&b, "{\"message\":{\"type\":\"tool-calls\",\"call\":{\"id\":\"c1\"},"
                     "\"toolCallList\":[");
    for (int i = 0; i < 33; i++)
        eng_buf_printf(&b,
                       "%s{\"id\":\"t%d\",\"type\":\"function\",\"function\":{\"name\":"
                       "\"lookup_customer\",\"arguments\":{}}}",
                       i ? "," : "", i);
    eng_buf_puts(&b, "]}}");
    assert_parse_error(b.data, "at most 32");
    eng_buf_deinit(&b);
}

static void sign(const char *secret, const char *ts, const char *body, char hex[65])
{
    size_t tl = strlen(ts), bl = strlen(body);
    char *payload = eng_xmalloc(tl + 1 + bl + 1);
    memcpy(payload, ts, tl);
    payload[tl] = '.';
    memcpy(payload + tl + 1, body, bl + 1);
    unsigned char mac[32];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)payload, tl + 1 + bl,
         mac, &maclen);
    free(payload);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

static const char auth_body[] = "{\"message\":{\"type\":\"status-update\"}}";

static void test_matching_secret_header_is_accepted_and_any_other_is_refused(void **state)
{
    size_t n = sizeof(auth_body) - 1;
    assert_int_equal(adp_vapi_auth_check(SECRET, SECRET, NULL, NULL, auth_body, n, NOW_MS), ENG_OK);
    assert_int_equal(
        adp_vapi_auth_check(SECRET, "s3cr3t-for-test", NULL, NULL, auth_body, n, NOW_MS),
        ENG_ERR_AUTH);
    assert_int_equal(adp_vapi_auth_check(SECRET, "", NULL, NULL, auth_body, n, NOW_MS),
                     ENG_ERR_AUTH);
    assert_int_equal(adp_vapi_auth_check(SECRET, NULL, NULL, NULL, auth_body, n, NOW_MS),
                     ENG_ERR_AUTH);
}

static void test_an_empty_configured_secret_refuses_everything(void **state)
{
    size_t n = sizeof(auth_body) - 1;
    assert_int_equal(adp_vapi_auth_check("", "", NULL, NULL, auth_body, n, NOW_MS), ENG_ERR_AUTH);
    assert_int_equal(adp_vapi_auth_check(NULL, NULL, NULL, NULL, auth_body, n, NOW_MS),
                     ENG_ERR_AUTH);
    char ts[32], sig[65];
    snprintf(ts, sizeof(ts), "%lld", NOW_MS);
    sign("", ts, auth_body, sig);
    assert_int_equal(adp_vapi_auth_check("", NULL, sig, ts, auth_body, n, NOW_MS), ENG_ERR_AUTH);
}

static void test_hmac_over_timestamp_and_body_is_accepted_in_ms_or_seconds(void **state)
{
    size_t n = sizeof(auth_body) - 1;
    char ts[32], sig[65], prefixed[80];
    snprintf(ts, sizeof(ts), "%lld", NOW_MS - 2000);
    sign(SECRET, ts, auth_body, sig);
    assert_int_equal(adp_vapi_auth_check(SECRET, NULL, sig, ts, auth_body, n, NOW_MS), ENG_OK);
    /* a wrong X-Vapi-Secret does not spoil a valid signature */
    assert_int_equal(adp_vapi_auth_check(SECRET, "nope", sig, ts, auth_body, n, NOW_MS), ENG_OK);

    snprintf(ts, sizeof(ts), "%lld", NOW_MS / 1000 - 30);
    sign(SECRET, ts, auth_body, sig);
    assert_int_equal(adp_vapi_auth_check(SECRET, NULL, sig, ts, auth_body, n, NOW_MS), ENG_OK);
    snprintf(prefixed, sizeof(prefixed), "sha256=%s", sig);
    for (char *p = prefixed + 7; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(adp_vapi_auth_check(SECRET, NULL, prefixed, ts, auth_body, n, NOW_MS), ENG_OK);
}

static void test_hmac_with_a_six_minute_old_timestamp_is_refused(void **state)
{
    size_t n = sizeof(auth_body) - 1;
    char ts[32], sig[65];
    snprintf(ts, sizeof(ts), "%lld", NOW_MS - 6 * 60 * 1000);
    sign(SECRET, ts, auth_body, sig);
    assert_int_equal(adp_vapi_auth_check(SECRET, NULL, sig, ts, auth_body, n, NOW_MS),
                     ENG_ERR_AUTH);
    snprintf(ts, sizeof(ts), "%lld", NOW_MS + 6 * 60 * 1000);
    sign(SECRET, ts, auth_body, sig);
    assert_int_equal(adp_vapi_auth_check(SECRET, NULL, sig, ts, auth_body, n, NOW_MS),
                     ENG_ERR_AUTH);
}

static void test_hmac_over_a_changed_body_or_with_another_key_is_refused(void **state)
{
    char ts[32], sig[65];
    snprintf(ts, sizeof(ts), "%lld", NOW_MS);
    sign(SECRET, ts, auth_body, sig);
    const char changed[] = "{\"message\":{\"type\":\"status-update\" }}";
    assert_int_equal(
        adp_vapi_auth_check(SECRET, NULL, sig, ts, changed, sizeof(changed) - 1, NOW_MS),
        ENG_ERR_AUTH);
    char other_ts[32];
    snprintf(other_ts, sizeof(other_ts), "%lld", NOW_MS - 1);
    assert_int_equal(
        adp_vapi_auth_check(SECRET, NULL, sig, other_ts, auth_body, sizeof(auth_body) - 1, NOW_MS),
        ENG_ERR_AUTH);
    sign("another-secret", ts, auth_body, sig);
    assert_int_equal(
        adp_vapi_auth_check(SECRET, NULL, sig, ts, auth_body, sizeof(auth_body) - 1, NOW_MS),
        ENG_ERR_AUTH);
    assert_int_equal(
        adp_vapi_auth_check(SECRET, NULL, "zz", ts, auth_body, sizeof(auth_body) - 1, NOW_MS),
        ENG_ERR_AUTH);
}

/* ---------------------------------------------------------------- render: assistant */

static const adp_vapi_config_t render_cfg = {
    .secret = "vapi-secret-xyz",
    .public_url = "https://engine.example.com/",
};

static sch_assistant_reply_t *reply_for(sch_lang_t lang)
{
    sch_assistant_reply_t *r = sch_assistant_reply_new();
    r->ok = true;
    r->tenant_id = eng_xstrdup("7e2a9c14-1f3b-4d6e-9a8c-5b4d3e2f1a00");
    r->business_name = eng_xstrdup("Lone Star Comfort HVAC");
    r->language = lang;
    r->system_prompt = eng_xstrdup("You are Maya.\n# Hours\nMon-Fri 7-18.");
    r->first_message =
        eng_xstrdup(lang == SCH_LANG_ES ? "Gracias por llamar." : "Thanks for calling.");
    r->call_id = eng_xstrdup(CALL_A);
    return r;
}

static json_t *render_and_parse(const sch_assistant_reply_t *r, const adp_vapi_config_t *cfg)
{
    eng_buf_t out;
    eng_buf_init(&out);
    assert_int_equal(adp_vapi_render_assistant(r, cfg, &out), ENG_OK);
    json_error_t jerr;
    json_t *root = json_loads(eng_buf_cstr(&out), 0, &jerr);
    if (!root)
        fail_msg("rendered JSON does not parse: %s", jerr.text);
    eng_buf_deinit(&out);
    return root;
}

static const char *jstr(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fail_msg("missing string %s", key);
    return s;
}

static json_t *find_tool(json_t *tools, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(tools, i, t)
    {
        const char *n = json_string_value(json_object_get(json_object_get(t, "function"), "name"));
        if (n && strcmp(n, name) == 0)
            return t;
    }
    return NULL;
}

static bool array_has(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_string_value(v) &&
                                      strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static void test_english_assistant_has_prompt_tools_transcriber_server_and_messages(void **state)
{
    sch_assistant_reply_t *r = reply_for(SCH_LANG_EN);
    json_t *root = render_and_parse(r, &render_cfg);
    assert_int_equal(json_object_size(root), 1);
    json_t *a = json_object_get(root, "assistant");
    assert_non_null(a);
    assert_string_equal(jstr(a, "firstMessage"), "Thanks for calling.");
    assert_string_equal(jstr(a, "name"), "Lone Star Comfort HVAC");

    json_t *model = json_object_get(a, "model");
    assert_string_equal(jstr(model, "provider"), "openai");
    assert_string_equal(jstr(model, "model"), "gpt-4o");
    json_t *sys = json_array_get(json_object_get(model, "messages"), 0);
    assert_string_equal(jstr(sys, "role"), "system");
    assert_string_equal(jstr(sys, "content"), "You are Maya.\n# Hours\nMon-Fri 7-18.");

    json_t *tools = json_object_get(model, "tools");
    size_t ncat;
    const sch_tool_def_t *cat = sch_tool_catalogue(&ncat);
    for (size_t i = 0; i < ncat; i++) {
        json_t *t = find_tool(tools, cat[i].name);
        if (!t)
            fail_msg("tool %s missing", cat[i].name);
        assert_string_equal(jstr(t, "type"), "function");
        json_t *params = json_object_get(json_object_get(t, "function"), "parameters");
        assert_string_equal(jstr(params, "type"), "object");
        assert_int_equal(json_object_size(json_object_get(params, "properties")), cat[i].nparams);
    }
    json_t *book = json_object_get(
        json_object_get(find_tool(tools, "book_appointment"), "function"), "parameters");
    assert_true(array_has(json_object_get(book, "required"), "customer_name"));
    assert_false(array_has(json_object_get(book, "required"), "slot_id"));
    json_t *category = json_object_get(
        json_object_get(
            json_object_get(json_object_get(find_tool(tools, "report_emergency"), "function"),
                            "parameters"),
            "properties"),
        "category");
    assert_true(array_has(json_object_get(category, "enum"), "gas_leak"));

    json_t *tr = json_object_get(a, "transcriber");
    assert_string_equal(jstr(tr, "provider"), "deepgram");
    assert_string_equal(jstr(tr, "language"), "en");

    json_t *server = json_object_get(a, "server");
    assert_string_equal(jstr(server, "url"), "https://engine.example.com/vapi/webhook");
    assert_string_equal(jstr(json_object_get(server, "headers"), "x-vapi-secret"),
                        "vapi-secret-xyz");

    json_t *sm = json_object_get(a, "serverMessages");
    assert_int_equal(json_array_size(sm), 5);
    assert_true(array_has(sm, "tool-calls"));
    assert_true(array_has(sm, "status-update"));
    assert_true(array_has(sm, "end-of-call-report"));
    assert_true(array_has(sm, "transfer-destination-request"));
    assert_true(array_has(sm, "transcript[transcriptType=\"final\"]"));
    assert_false(array_has(sm, "transcript"));
    assert_false(array_has(sm, "conversation-update"));

    assert_string_equal(jstr(json_object_get(a, "voice"), "voiceId"), "en-US-AvaNeural");
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_spanish_assistant_transcribes_speaks_and_fills_in_spanish(void **state)
{
    sch_assistant_reply_t *r = reply_for(SCH_LANG_ES);
    json_t *root = render_and_parse(r, &render_cfg);
    json_t *a = json_object_get(root, "assistant");
    assert_string_equal(jstr(json_object_get(a, "transcriber"), "language"), "es");
    assert_string_equal(jstr(json_object_get(a, "voice"), "voiceId"), "es-MX-DaliaNeural");
    assert_string_equal(jstr(a, "firstMessage"), "Gracias por llamar.");
    json_t *tool =
        find_tool(json_object_get(json_object_get(a, "model"), "tools"), "check_availability");
    json_t *start = json_array_get(json_object_get(tool, "messages"), 0);
    assert_string_equal(jstr(start, "type"), "request-start");
    assert_string_equal(jstr(start, "content"), "Un momento, por favor.");
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_bilingual_assistant_uses_multi_and_fillers_in_both_languages(void **state)
{
    sch_assistant_reply_t *r = reply_for(SCH_LANG_BILINGUAL);
    adp_vapi_config_t cfg = render_cfg;
    cfg.transcriber_model = "nova-2";
    cfg.model = "gpt-4o-mini";
    json_t *root = render_and_parse(r, &cfg);
    json_t *a = json_object_get(root, "assistant");
    json_t *tr = json_object_get(a, "transcriber");
    assert_string_equal(jstr(tr, "language"), "multi");
    assert_string_equal(jstr(tr, "model"), "nova-2");
    assert_string_equal(jstr(json_object_get(a, "model"), "model"), "gpt-4o-mini");
    json_t *tool =
        find_tool(json_object_get(json_object_get(a, "model"), "tools"), "book_appointment");
    json_t *contents =
        json_object_get(json_array_get(json_object_get(tool, "messages"), 0), "contents");
    assert_int_equal(json_array_size(contents), 2);
    assert_string_equal(jstr(json_array_get(contents, 1), "language"), "es");
    assert_string_equal(jstr(json_object_get(a, "metadata"), "language"), "bilingual");
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_credential_id_replaces_the_secret_header(void **state)
{
    sch_assistant_reply_t *r = reply_for(SCH_LANG_EN);
    adp_vapi_config_t cfg = render_cfg;
    cfg.credential_id = "cred-123";
    json_t *root = render_and_parse(r, &cfg);
    json_t *server = json_object_get(json_object_get(root, "assistant"), "server");
    assert_string_equal(jstr(server, "credentialId"), "cred-123");
    assert_null(json_object_get(server, "headers"));
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_long_business_name_is_cut_to_forty_bytes_on_a_character_boundary(void **state)
{
    sch_assistant_reply_t *r = reply_for(SCH_LANG_ES);
    free(r->business_name);
    /* 38 ASCII bytes then "ñ" (2 bytes) then more: the cut lands after the ñ */
    r->business_name = eng_xstrdup("Plomeria y Calefaccion del Sur de Mia\xc3\xb1\xc3\xb1 Beach");
    json_t *root = render_and_parse(r, &render_cfg);
    const char *name = jstr(json_object_get(root, "assistant"), "name");
    assert_true(strlen(name) <= 40);
    assert_string_equal(name + strlen(name) - 2, "\xc3\xb1");
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_invalid_utf8_in_a_prompt_still_renders_valid_json(void **state)
{
    sch_assistant_reply_t *r = reply_for(SCH_LANG_EN);
    free(r->system_prompt);
    r->system_prompt = eng_xstrdup("Caf\xe9 hours \xff\xfe ok");
    json_t *root = render_and_parse(r, &render_cfg);
    json_t *sys = json_array_get(
        json_object_get(json_object_get(json_object_get(root, "assistant"), "model"), "messages"),
        0);
    assert_string_equal(jstr(sys, "content"), "Caf? hours ?? ok");
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_not_ok_reply_renders_only_a_spoken_one_line_error(void **state)
{
    sch_assistant_reply_t *r = sch_assistant_reply_new();
    r->ok = false;
    r->error_text = eng_xstrdup("Sorry, this number is not in service.\nGoodbye.");
    json_t *root = render_and_parse(r, &render_cfg);
    assert_int_equal(json_object_size(root), 1);
    assert_string_equal(jstr(root, "error"), "Sorry, this number is not in service. Goodbye.");
    json_decref(root);
    eng_msg_free(&r->hdr);
}

static void test_ok_reply_without_a_prompt_is_refused(void **state)
{
    sch_assistant_reply_t *r = sch_assistant_reply_new();
    r->ok = true;
    eng_buf_t out;
    eng_buf_init(&out);
    assert_int_equal(adp_vapi_render_assistant(r, &render_cfg, &out), ENG_ERR_INVALID);
    assert_int_equal(out.len, 0);
    eng_buf_deinit(&out);
    eng_msg_free(&r->hdr);
}

/* ---------------------------------------------------------------- render: tool results */

static void test_tool_results_render_one_line_results_and_errors_in_order(void **state)
{
    sch_tool_results_t *res = sch_tool_results_new(2);
    res->results[0].id = eng_xstrdup("call_1");
    res->results[0].name = eng_xstrdup("check_availability");
    res->results[0].text = eng_xstrdup("Tuesday 9am\r\nor Wednesday\t2pm\n");
    res->results[1].id = eng_xstrdup("call_2");
    res->results[1].name = eng_xstrdup("book_appointment");
    res->results[1].text = eng_xstrdup("That slot was just taken.\u2028Offer another.");
    res->results[1].is_error = true;
    eng_buf_t out;
    eng_buf_init(&out);
    adp_vapi_render_tool_results(res, &out);
    assert_null(strchr(eng_buf_cstr(&out), '\n'));
    json_t *root = json_loads(eng_buf_cstr(&out), 0, NULL);
    assert_non_null(root);
    json_t *arr = json_object_get(root, "results");
    assert_int_equal(json_array_size(arr), 2);
    json_t *r0 = json_array_get(arr, 0), *r1 = json_array_get(arr, 1);
    assert_string_equal(jstr(r0, "toolCallId"), "call_1");
    assert_string_equal(jstr(r0, "name"), "check_availability");
    assert_string_equal(jstr(r0, "result"), "Tuesday 9am or Wednesday 2pm");
    assert_null(json_object_get(r0, "error"));
    assert_string_equal(jstr(r1, "toolCallId"), "call_2");
    assert_string_equal(jstr(r1, "error"), "That slot was just taken. Offer another.");
    assert_null(json_object_get(r1, "result"));
    json_decref(root);
    eng_buf_deinit(&out);
    eng_msg_free(&res->hdr);
}

static void test_tool_fallback_gives_every_call_an_error(void **state)
{
    eng_msg_t *msg = decode_fixture("tool-calls-object-args.json", ADP_VAPI_T_TOOL_CALLS);
    eng_buf_t out;
    eng_buf_init(&out);
    adp_vapi_render_tool_fallback((sch_tool_calls_t *)msg, NULL, &out);
    json_t *root = json_loads(eng_buf_cstr(&out), 0, NULL);
    json_t *arr = json_object_get(root, "results");
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(jstr(json_array_get(arr, 1), "toolCallId"), "call_Zt8wY1cD5fG3hJ6k");
    assert_string_equal(jstr(json_array_get(arr, 1), "error"), adp_vapi_default_tool_slow_text());
    json_decref(root);
    eng_buf_deinit(&out);
    eng_msg_free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assistant_request_with_iso_timestamp_gives_call_numbers_and_time),
        cmocka_unit_test(test_assistant_request_with_epoch_ms_timestamp_gives_the_same_time_field),
        cmocka_unit_test(
            test_assistant_request_with_only_phone_number_id_leaves_dialed_number_unset),
        cmocka_unit_test(test_iso_timestamps_with_offsets_and_without_fraction_are_read),
        cmocka_unit_test(test_status_update_in_progress_is_background_with_status),
        cmocka_unit_test(test_status_update_ended_carries_the_ended_reason),
        cmocka_unit_test(test_final_user_transcript_is_forwarded_as_timer_work),
        cmocka_unit_test(test_final_only_transcript_type_string_is_forwarded_too),
        cmocka_unit_test(test_partial_and_assistant_transcripts_are_acknowledged_not_forwarded),
        cmocka_unit_test(test_tool_calls_with_object_arguments_flatten_every_argument),
        cmocka_unit_test(
            test_tool_calls_with_string_arguments_in_tool_with_tool_call_list_are_read),
        cmocka_unit_test(test_tool_call_to_an_unknown_tool_is_still_forwarded_for_an_error_result),
        cmocka_unit_test(test_tool_calls_fall_back_to_tool_calls_list_and_flattened_items),
        cmocka_unit_test(test_tool_calls_without_any_call_is_a_parse_error),
        cmocka_unit_test(test_large_end_of_call_report_gives_times_cost_summary_and_recording),
        cmocka_unit_test(test_end_of_call_report_reads_legacy_top_level_fields),
        cmocka_unit_test(test_documented_types_we_do_not_use_are_acknowledged_and_named),
        cmocka_unit_test(test_unknown_type_string_is_acknowledged_as_unknown),
        cmocka_unit_test(test_malformed_json_is_a_parse_error_with_a_reason),
        cmocka_unit_test(test_a_call_id_that_is_too_long_or_not_plain_is_refused),
        cmocka_unit_test(test_more_than_32_tool_calls_in_one_message_are_refused),
        cmocka_unit_test(test_json_that_is_not_a_vapi_message_is_a_parse_error),
        cmocka_unit_test(test_matching_secret_header_is_accepted_and_any_other_is_refused),
        cmocka_unit_test(test_an_empty_configured_secret_refuses_everything),
        cmocka_unit_test(test_hmac_over_timestamp_and_body_is_accepted_in_ms_or_seconds),
        cmocka_unit_test(test_hmac_with_a_six_minute_old_timestamp_is_refused),
        cmocka_unit_test(test_hmac_over_a_changed_body_or_with_another_key_is_refused),
        cmocka_unit_test(test_english_assistant_has_prompt_tools_transcriber_server_and_messages),
        cmocka_unit_test(test_spanish_assistant_transcribes_speaks_and_fills_in_spanish),
        cmocka_unit_test(test_bilingual_assistant_uses_multi_and_fillers_in_both_languages),
        cmocka_unit_test(test_credential_id_replaces_the_secret_header),
        cmocka_unit_test(test_long_business_name_is_cut_to_forty_bytes_on_a_character_boundary),
        cmocka_unit_test(test_invalid_utf8_in_a_prompt_still_renders_valid_json),
        cmocka_unit_test(test_not_ok_reply_renders_only_a_spoken_one_line_error),
        cmocka_unit_test(test_ok_reply_without_a_prompt_is_refused),
        cmocka_unit_test(test_tool_results_render_one_line_results_and_errors_in_order),
        cmocka_unit_test(test_tool_fallback_gives_every_call_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
