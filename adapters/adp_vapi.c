/*
 * adp_vapi: Vapi webhook authentication, decoding and reply rendering.
 * Pure functions over borrowed input; any thread.
 *
 * Policy notes (the why behind the code):
 * - Vapi adds message types over time, and a 4xx on a well-formed message
 *   helps nobody: a type we do not know is acknowledged, never refused.
 * - Real payloads disagree with the SDK in places: tool `arguments` arrive as
 *   an object although the SDK types them as a string, 2024 payloads carry an
 *   ISO `timestamp` where the SDK now says epoch ms, and a third tool list
 *   `toolCalls` appears that the SDK does not mention. Decode accepts all of
 *   them (shared/reference/vapi.md §1.1, §3.1).
 * - Decoding validates the whole body once (adp_json) and then copies out
 *   only the dozen fields the engine uses; no tree is built. The assistant
 *   config and the transcript that ride along on every message are skipped.
 * - Vapi requires tool results and errors to be single-line strings, so every
 *   string we render is flattened to one line, except the system prompt.
 */
#include "adp_vapi.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "adp_json.h"
#include "eng_alloc.h"

/* ---------------------------------------------------------------- types */

static const char *const type_names[ADP_VAPI_T__COUNT] = {
#define ADP_VAPI_TYPE_NAME(id, wire, used) [id] = wire,
    ADP_VAPI_TYPE_LIST(ADP_VAPI_TYPE_NAME)
#undef ADP_VAPI_TYPE_NAME
};

const char *adp_vapi_type_name(adp_vapi_type_t type)
{
    if ((unsigned)type >= ADP_VAPI_T__COUNT)
        return "unknown";
    return type_names[type];
}

adp_vapi_type_t adp_vapi_type_from_wire(const char *wire)
{
    if (!wire)
        return ADP_VAPI_T_UNKNOWN;
    /* The form Vapi uses when an assistant subscribed to final transcripts only. */
    if (strcmp(wire, "transcript[transcriptType=\"final\"]") == 0)
        return ADP_VAPI_T_TRANSCRIPT;
    for (int t = 0; t < ADP_VAPI_T_UNKNOWN; t++)
        if (strcmp(type_names[t], wire) == 0)
            return (adp_vapi_type_t)t;
    return ADP_VAPI_T_UNKNOWN;
}

const char *adp_vapi_default_unavailable_text(void)
{
    return "Sorry, we can't take your call right now. Please call back in a few minutes. "
           "Lo sentimos, no podemos atender su llamada en este momento. Por favor, vuelva a "
           "llamar en unos minutos.";
}

const char *adp_vapi_default_tool_slow_text(void)
{
    return "The booking system is slow right now and could not answer in time. Tell the caller "
           "a person from the business will call them back shortly.";
}

/* ---------------------------------------------------------------- auth */

/* Constant-time equality of two strings of any length: compare digests, so
 * neither the content nor the length of the secret leaks through timing. */
static bool secret_equal(const char *a, const char *b)
{
    unsigned char da[32], db[32];
    unsigned int la = 0, lb = 0;
    if (!EVP_Digest(a, strlen(a), da, &la, EVP_sha256(), NULL) ||
        !EVP_Digest(b, strlen(b), db, &lb, EVP_sha256(), NULL) || la != 32 || lb != 32)
        return false;
    return CRYPTO_memcmp(da, db, 32) == 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses an epoch timestamp in seconds or milliseconds (Vapi does not document
 * which it sends in x-timestamp). Values below 1e11 cannot be milliseconds of
 * any date after 1973, so they are seconds. */
static bool parse_epoch_ms(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    int64_t v = 0;
    size_t n = 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 16)
            return false;
        v = v * 10 + (s[n] - '0');
    }
    *out = v < 100000000000LL ? v * 1000 : v;
    return true;
}

static bool hmac_sha256(const char *key, const char *ts, const char *body, size_t len,
                        unsigned char mac[32])
{
    bool ok = false;
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    if (!ctx)
        goto out;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    size_t maclen = 0;
    if (!EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) ||
        !EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) ||
        !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
        (len && !EVP_MAC_update(ctx, (const unsigned char *)body, len)) ||
        !EVP_MAC_final(ctx, mac, &maclen, 32) || maclen != 32)
        goto out;
    ok = true;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(alg);
    return ok;
}

static bool signature_valid(const char *secret, const char *sig, const char *ts, const char *body,
                            size_t len, int64_t now_ms)
{
    if (!sig || !ts)
        return false;
    int64_t ts_ms;
    if (!parse_epoch_ms(ts, &ts_ms))
        return false;
    int64_t skew = now_ms - ts_ms;
    if (skew > ADP_VAPI_HMAC_WINDOW_MS || skew < -ADP_VAPI_HMAC_WINDOW_MS)
        return false;
    /* HMAC plans may add a prefix such as "sha256=" (HmacAuthenticationPlan.signaturePrefix). */
    if (strncmp(sig, "sha256=", 7) == 0)
        sig += 7;
    if (strlen(sig) != 64)
        return false;
    unsigned char given[32];
    for (int i = 0; i < 32; i++) {
        int hi = hex_value(sig[2 * i]), lo = hex_value(sig[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        given[i] = (unsigned char)(hi << 4 | lo);
    }
    unsigned char expect[32];
    if (!hmac_sha256(secret, ts, body, len, expect))
        return false;
    return CRYPTO_memcmp(given, expect, 32) == 0;
}

eng_err_t adp_vapi_auth_check(const char *secret, const char *header_secret,
                              const char *header_signature, const char *header_timestamp,
                              const char *body, size_t len, int64_t now_ms)
{
    if (!secret || !*secret)
        return ENG_ERR_AUTH;
    if (header_secret && secret_equal(secret, header_secret))
        return ENG_OK;
    if (signature_valid(secret, header_signature, header_timestamp, body, len, now_ms))
        return ENG_OK;
    return ENG_ERR_AUTH;
}

/* ---------------------------------------------------------------- decode helpers */

static void set_why(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whysz, const char *fmt, ...)
{
    if (!why || !whysz)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whysz, fmt, ap);
    va_end(ap);
}

/*
 * Picks several members out of an object in one pass. Webhook objects hold
 * huge members (artifact.messages, assistant) next to the few small ones we
 * read, so looking each key up separately would skip the huge ones again and
 * again. First occurrence wins; absent keys stay ADP_JSON_NONE.
 */
static void collect(adp_json_t obj, const char *const *keys, adp_json_t *out, size_t n)
{
    memset(out, 0, n * sizeof(*out));
    adp_json_iter_t it = adp_json_iter(obj);
    adp_json_t k, v;
    size_t found = 0;
    while (found < n && adp_json_object_next(&it, &k, &v)) {
        for (size_t i = 0; i < n; i++) {
            if (out[i].kind == ADP_JSON_NONE && adp_json_str_eq(k, keys[i])) {
                out[i] = v;
                found++;
                break;
            }
        }
    }
}

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static char *sdup(adp_json_t v)
{
    return adp_json_strdup(v, true);
}

/* The first non-empty string of two values, copied. */
static char *sdup2(adp_json_t a, adp_json_t b)
{
    char *s = sdup(a);
    return s ? s : sdup(b);
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|+HHMM]" (no zone = UTC) to epoch ms. */
static bool parse_iso8601_ms(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, ms = 0;
    const char *p = s;
    if (!take_digits(&p, 4, &y) || *p++ != '-' || !take_digits(&p, 2, &mo) || *p++ != '-' ||
        !take_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!take_digits(&p, 2, &h) || *p++ != ':' || !take_digits(&p, 2, &mi) || *p++ != ':' ||
        !take_digits(&p, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    if (*p == '.' || *p == ',') {
        p++;
        int scale = 100, digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits++ < 3) {
                ms += (*p - '0') * scale;
                scale /= 10;
            }
            p++;
        }
        if (!digits)
            return false;
    }
    int64_t offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!take_digits(&p, 2, &oh))
            return false;
        if (*p == ':')
            p++;
        if (!take_digits(&p, 2, &om))
            return false;
        offset_min = sign * (oh * 60 + om);
    }
    if (*p)
        return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    *out = secs * 1000 + ms;
    return true;
}

/* A time as epoch ms: a JSON number (ms) or an ISO-8601 / all-digit string. 0 if absent. */
static int64_t time_ms(adp_json_t v)
{
    int64_t ms = 0;
    char text[64];
    if (v.kind == ADP_JSON_NUMBER && adp_json_int64(v, &ms))
        return ms;
    if (adp_json_str_copy(v, text, sizeof(text)) &&
        (parse_iso8601_ms(text, &ms) || parse_epoch_ms(text, &ms)))
        return ms;
    return 0;
}

/* ---------------------------------------------------------------- the message envelope */

/* The members of message.* that any decoder reads, picked in one pass. */
enum {
    M_TYPE,
    M_TIMESTAMP,
    M_CALL,
    M_PHONE_NUMBER,
    M_CUSTOMER,
    M_STATUS,
    M_ENDED_REASON,
    M_ROLE,
    M_TRANSCRIPT_TYPE,
    M_TRANSCRIPT,
    M_TOOL_CALL_LIST,
    M_TOOL_WITH_TOOL_CALL_LIST,
    M_TOOL_CALLS,
    M_STARTED_AT,
    M_ENDED_AT,
    M_DURATION_SECONDS,
    M_COST,
    M_ANALYSIS,
    M_ARTIFACT,
    M_SUMMARY,
    M_RECORDING_URL,
    M__COUNT
};

static const char *const message_keys[M__COUNT] = {
    [M_TYPE] = "type",
    [M_TIMESTAMP] = "timestamp",
    [M_CALL] = "call",
    [M_PHONE_NUMBER] = "phoneNumber",
    [M_CUSTOMER] = "customer",
    [M_STATUS] = "status",
    [M_ENDED_REASON] = "endedReason",
    [M_ROLE] = "role",
    [M_TRANSCRIPT_TYPE] = "transcriptType",
    [M_TRANSCRIPT] = "transcript",
    [M_TOOL_CALL_LIST] = "toolCallList",
    [M_TOOL_WITH_TOOL_CALL_LIST] = "toolWithToolCallList",
    [M_TOOL_CALLS] = "toolCalls",
    [M_STARTED_AT] = "startedAt",
    [M_ENDED_AT] = "endedAt",
    [M_DURATION_SECONDS] = "durationSeconds",
    [M_COST] = "cost",
    [M_ANALYSIS] = "analysis",
    [M_ARTIFACT] = "artifact",
    [M_SUMMARY] = "summary",
    [M_RECORDING_URL] = "recordingUrl",
};

/* message.call (SDK Call). */
enum {
    C_ID,
    C_PHONE_NUMBER_ID,
    C_CUSTOMER,
    C_TYPE,
    C_PHONE_NUMBER,
    C_ENDED_REASON,
    C_STARTED_AT,
    C_ENDED_AT,
    C_COST,
    C__COUNT
};
static const char *const call_keys[C__COUNT] = {
    [C_ID] = "id",
    [C_PHONE_NUMBER_ID] = "phoneNumberId",
    [C_CUSTOMER] = "customer",
    [C_TYPE] = "type",
    [C_PHONE_NUMBER] = "phoneNumber",
    [C_ENDED_REASON] = "endedReason",
    [C_STARTED_AT] = "startedAt",
    [C_ENDED_AT] = "endedAt",
    [C_COST] = "cost",
};

typedef struct envelope {
    adp_json_t m[M__COUNT];
    adp_json_t call[C__COUNT];
    const char *wire; /* message.type as sent (NUL-terminated copy) */
    char wire_buf[64];
} envelope_t;

/* Fills what every call message knows. False if the call id is missing. */
/*
 * A call id names an actor and several Redis keys, and is logged: it must be
 * short and plain. Vapi's are UUIDs; anything else (over 128 bytes, control
 * characters, spaces, '%') is refused rather than truncated or escaped,
 * because a truncated id could merge two calls.
 */
#define CALL_ID_MAX 128
#define NUMBER_MAX 32
#define TOOL_CALLS_MAX 32

static bool call_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > CALL_ID_MAX)
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.:", *p))
            return false;
    return true;
}

/* A phone number field longer than any E.164 number is not a number: drop it. */
static char *number_or_null(char *s)
{
    if (s && strlen(s) > NUMBER_MAX) {
        free(s);
        return NULL;
    }
    return s;
}

static bool fill_ctx(const envelope_t *env, sch_call_ctx_t *ctx)
{
    ctx->call_id = sdup(env->call[C_ID]);
    if (!ctx->call_id || !call_id_ok(ctx->call_id))
        return false;
    ctx->dialed_number = sdup2(adp_json_get(env->m[M_PHONE_NUMBER], "number"),
                               adp_json_get(env->call[C_PHONE_NUMBER], "number"));
    ctx->phone_number_id =
        sdup2(env->call[C_PHONE_NUMBER_ID], adp_json_get(env->m[M_PHONE_NUMBER], "id"));
    ctx->caller_number = sdup2(adp_json_get(env->call[C_CUSTOMER], "number"),
                               adp_json_get(env->m[M_CUSTOMER], "number"));
    ctx->dialed_number = number_or_null(ctx->dialed_number);
    ctx->caller_number = number_or_null(ctx->caller_number);
    ctx->call_type = sdup(env->call[C_TYPE]);
    ctx->event_ms = time_ms(env->m[M_TIMESTAMP]);
    return true;
}

/* ---------------------------------------------------------------- tool arguments */

static char *arg_text(adp_json_t v)
{
    switch (v.kind) {
    case ADP_JSON_STRING:
        return adp_json_strdup(v, false);
    case ADP_JSON_NUMBER:
        return eng_xstrndup(v.p, v.len); /* the number exactly as sent */
    case ADP_JSON_TRUE:
        return eng_xstrdup("true");
    case ADP_JSON_FALSE:
        return eng_xstrdup("false");
    case ADP_JSON_OBJECT:
    case ADP_JSON_ARRAY:
        return adp_json_compact_dup(v);
    case ADP_JSON_NULL:
    case ADP_JSON_NONE:
        break;
    }
    return NULL;
}

static void flatten_args(adp_json_t obj, sch_tool_call_t *call)
{
    size_t n = 0;
    adp_json_t k, v;
    adp_json_iter_t it = adp_json_iter(obj);
    while (adp_json_object_next(&it, &k, &v))
        n++;
    call->args = eng_xcalloc(n ? n : 1, sizeof(*call->args));
    call->nargs = 0;
    it = adp_json_iter(obj);
    while (adp_json_object_next(&it, &k, &v)) {
        char *text = arg_text(v);
        if (!text)
            continue;
        call->args[call->nargs].key = adp_json_strdup(k, false);
        call->args[call->nargs].value = text;
        call->nargs++;
    }
}

/* Arguments as an object, or as a JSON string holding an object (the SDK's type).
 * Anything else gives no arguments: the handler then reports what is missing. */
static void decode_args(adp_json_t args, sch_tool_call_t *call)
{
    if (args.kind == ADP_JSON_OBJECT) {
        flatten_args(args, call);
        return;
    }
    char *text = args.kind == ADP_JSON_STRING ? adp_json_strdup(args, true) : NULL;
    adp_json_t inner;
    if (text && adp_json_parse(text, strlen(text), &inner, NULL, 0) &&
        inner.kind == ADP_JSON_OBJECT)
        flatten_args(inner, call); /* copies everything out of text */
    else
        call->args = eng_xcalloc(1, sizeof(*call->args));
    free(text);
}

enum { T_ID, T_FUNCTION, T_NAME, T_PARAMETERS, T_ARGUMENTS, T__COUNT };
static const char *const tool_call_keys[T__COUNT] = {
    [T_ID] = "id",
    [T_FUNCTION] = "function",
    [T_NAME] = "name",
    [T_PARAMETERS] = "parameters",
    [T_ARGUMENTS] = "arguments",
};

enum { F_NAME, F_ARGUMENTS, F_PARAMETERS, F__COUNT };
static const char *const function_keys[F__COUNT] = {
    [F_NAME] = "name",
    [F_ARGUMENTS] = "arguments",
    [F_PARAMETERS] = "parameters",
};

/* One tool call in any of the shapes seen: {id, function:{name, arguments}} (SDK ToolCall),
 * or flattened {id, name, parameters|arguments}. tool_fn is the enclosing
 * toolWithToolCallList item's `function` (its name only; its `parameters` is the schema). */
static bool decode_tool_call(adp_json_t tc, adp_json_t tool_fn, sch_tool_call_t *call)
{
    adp_json_t t[T__COUNT], f[F__COUNT];
    collect(tc, tool_call_keys, t, T__COUNT);
    call->id = sdup(t[T_ID]);
    if (!call->id)
        return false;
    collect(t[T_FUNCTION], function_keys, f, F__COUNT);
    call->name = sdup2(f[F_NAME], t[T_NAME]);
    if (!call->name)
        call->name = sdup(adp_json_get(tool_fn, "name"));
    if (!call->name)
        call->name = eng_xstrdup("");
    adp_json_t args = f[F_ARGUMENTS];
    if (!args.kind)
        args = f[F_PARAMETERS];
    if (!args.kind)
        args = t[T_PARAMETERS];
    if (!args.kind)
        args = t[T_ARGUMENTS];
    decode_args(args, call);
    return true;
}

static void tool_call_clear(sch_tool_call_t *c)
{
    free(c->id);
    free(c->name);
    for (size_t j = 0; j < c->nargs; j++) {
        free(c->args[j].key);
        free(c->args[j].value);
    }
    free(c->args);
    memset(c, 0, sizeof(*c));
}

/* toolCallList (SDK), then toolWithToolCallList[].toolCall (SDK), then toolCalls (seen in
 * real payloads). Returns the message, or NULL with why set. */
static sch_tool_calls_t *decode_tool_calls(const envelope_t *env, char *why, size_t whysz)
{
    adp_json_t list = env->m[M_TOOL_CALL_LIST];
    size_t n = adp_json_array_size(list);
    bool wrapped = false;
    if (n == 0) {
        list = env->m[M_TOOL_WITH_TOOL_CALL_LIST];
        n = adp_json_array_size(list);
        wrapped = true;
    }
    if (n == 0) {
        list = env->m[M_TOOL_CALLS];
        n = adp_json_array_size(list);
        wrapped = false;
    }
    if (n == 0) {
        set_why(why, whysz, "tool-calls without toolCallList, toolWithToolCallList or toolCalls");
        return NULL;
    }
    if (n > TOOL_CALLS_MAX) {
        /* A model asks for a handful at once; thousands would each start database work. */
        set_why(why, whysz, "tool-calls: %zu tool calls in one message, at most %d", n,
                TOOL_CALLS_MAX);
        return NULL;
    }
    sch_tool_calls_t *t = sch_tool_calls_new(n);
    size_t got = 0;
    adp_json_iter_t it = adp_json_iter(list);
    adp_json_t item;
    while (adp_json_array_next(&it, &item)) {
        adp_json_t tc = item, fn = {NULL, 0, ADP_JSON_NONE};
        if (wrapped) {
            tc = adp_json_get(item, "toolCall");
            fn = adp_json_get(item, "function");
        }
        if (tc.kind != ADP_JSON_OBJECT)
            continue;
        if (decode_tool_call(tc, fn, &t->calls[got]))
            got++;
        else
            tool_call_clear(&t->calls[got]); /* no id: it cannot be answered */
    }
    t->ncalls = got;
    if (got == 0) {
        eng_msg_free(&t->hdr);
        set_why(why, whysz, "tool-calls: no tool call has an id");
        return NULL;
    }
    if (!fill_ctx(env, &t->ctx)) {
        eng_msg_free(&t->hdr);
        set_why(why, whysz,
                "tool-calls: message.call.id missing or not a call id (at most %d letters, "
                "digits, '-', '_', '.', ':')",
                CALL_ID_MAX);
        return NULL;
    }
    return t;
}

/* ---------------------------------------------------------------- decode */

static sch_call_event_t *event_with_ctx(const envelope_t *env, uint32_t type, eng_class_t cls,
                                        char *why, size_t whysz)
{
    sch_call_event_t *e = sch_call_event_new(type, cls);
    if (!fill_ctx(env, &e->ctx)) {
        eng_msg_free(&e->hdr);
        set_why(why, whysz,
                "%s: message.call.id missing or not a call id (at most %d letters, digits, "
                "'-', '_', '.', ':')",
                env->wire, CALL_ID_MAX);
        return NULL;
    }
    return e;
}

static void read_end_of_call(const envelope_t *env, sch_call_event_t *e)
{
    static const char *const artifact_keys[] = {"transcript", "recordingUrl", "recording"};
    adp_json_t art[NKEYS(artifact_keys)];
    collect(env->m[M_ARTIFACT], artifact_keys, art, NKEYS(artifact_keys));

    /* Current fields first (artifact, analysis), then the 2024 top-level duplicates. */
    e->ended_reason = sdup2(env->m[M_ENDED_REASON], env->call[C_ENDED_REASON]);
    e->started_ms = time_ms(env->m[M_STARTED_AT]);
    if (!e->started_ms)
        e->started_ms = time_ms(env->call[C_STARTED_AT]);
    e->ended_ms = time_ms(env->m[M_ENDED_AT]);
    if (!e->ended_ms)
        e->ended_ms = time_ms(env->call[C_ENDED_AT]);
    double d;
    if (e->started_ms && e->ended_ms && e->ended_ms >= e->started_ms)
        e->duration_s = (double)(e->ended_ms - e->started_ms) / 1000.0;
    else if (adp_json_double(env->m[M_DURATION_SECONDS], &d))
        e->duration_s = d;
    if (!adp_json_double(env->m[M_COST], &e->cost) && !adp_json_double(env->call[C_COST], &e->cost))
        e->cost = 0.0;
    e->summary = sdup2(adp_json_get(env->m[M_ANALYSIS], "summary"), env->m[M_SUMMARY]);
    e->transcript = sdup2(art[0], env->m[M_TRANSCRIPT]);
    e->recording_url = sdup2(art[1], adp_json_path(art[2], "mono.combinedUrl"));
    if (!e->recording_url)
        e->recording_url = sdup(env->m[M_RECORDING_URL]);
}

static eng_msg_t *decode_used(const envelope_t *env, adp_vapi_type_t type, char *why, size_t whysz,
                              eng_err_t *err)
{
    sch_call_event_t *e = NULL;
    *err = ENG_OK;
    switch (type) {
    case ADP_VAPI_T_ASSISTANT_REQUEST:
        e = event_with_ctx(env, SCH_MSG_ASSISTANT_REQUEST, ENG_CLASS_LIVE, why, whysz);
        break;
    case ADP_VAPI_T_TOOL_CALLS: {
        sch_tool_calls_t *t = decode_tool_calls(env, why, whysz);
        if (!t)
            *err = ENG_ERR_PARSE;
        return t ? &t->hdr : NULL;
    }
    case ADP_VAPI_T_STATUS_UPDATE: {
        char *status = sdup(env->m[M_STATUS]);
        if (!status) {
            set_why(why, whysz, "status-update without status");
            *err = ENG_ERR_PARSE;
            return NULL;
        }
        e = event_with_ctx(env, SCH_MSG_CALL_STATUS, ENG_CLASS_BACKGROUND, why, whysz);
        if (e) {
            e->status = status;
            e->ended_reason = sdup2(env->m[M_ENDED_REASON], env->call[C_ENDED_REASON]);
        } else {
            free(status);
        }
        break;
    }
    case ADP_VAPI_T_TRANSCRIPT: {
        /* Only final user speech feeds the emergency check; partial results and the
         * assistant's own words are acknowledged and dropped. The typed form
         * transcript[transcriptType="final"] is final even without transcriptType. */
        adp_json_t kind = env->m[M_TRANSCRIPT_TYPE];
        bool final =
            kind.kind ? adp_json_str_eq(kind, "final") : strcmp(env->wire, "transcript") != 0;
        bool user = adp_json_str_eq(env->m[M_ROLE], "user");
        if (!user || !final) {
            set_why(why, whysz, "%s transcript not forwarded", !final ? "partial" : "non-user");
            return NULL;
        }
        if (env->m[M_TRANSCRIPT].kind != ADP_JSON_STRING) {
            set_why(why, whysz, "transcript without transcript text");
            *err = ENG_ERR_PARSE;
            return NULL;
        }
        e = event_with_ctx(env, SCH_MSG_TRANSCRIPT, ENG_CLASS_TIMER, why, whysz);
        if (e) {
            e->role = eng_xstrdup("user");
            e->text = adp_json_strdup(env->m[M_TRANSCRIPT], false);
            e->final = true;
        }
        break;
    }
    case ADP_VAPI_T_END_OF_CALL_REPORT:
        e = event_with_ctx(env, SCH_MSG_END_OF_CALL, ENG_CLASS_BACKGROUND, why, whysz);
        if (e)
            read_end_of_call(env, e);
        break;
    default:
        return NULL;
    }
    if (!e) {
        *err = ENG_ERR_PARSE;
        return NULL;
    }
    return &e->hdr;
}

eng_err_t adp_vapi_decode(const char *body, size_t len, eng_msg_t **out, adp_vapi_type_t *type,
                          char *why, size_t whysz)
{
    *out = NULL;
    *type = ADP_VAPI_T_UNKNOWN;
    if (why && whysz)
        why[0] = '\0';

    adp_json_t root;
    char jwhy[96];
    if (!body || !adp_json_parse(body, len, &root, jwhy, sizeof(jwhy))) {
        set_why(why, whysz, "malformed JSON: %s", body ? jwhy : "empty body");
        return ENG_ERR_PARSE;
    }
    adp_json_t m = adp_json_get(root, "message");
    if (m.kind != ADP_JSON_OBJECT) {
        set_why(why, whysz, "not a Vapi message: no \"message\" object");
        return ENG_ERR_PARSE;
    }
    envelope_t env;
    collect(m, message_keys, env.m, M__COUNT);
    if (env.m[M_TYPE].kind != ADP_JSON_STRING) {
        set_why(why, whysz, "not a Vapi message: message.type is not a string");
        return ENG_ERR_PARSE;
    }
    /* Longer than any type we know: unknown, and not worth copying. */
    env.wire =
        adp_json_str_copy(env.m[M_TYPE], env.wire_buf, sizeof(env.wire_buf)) ? env.wire_buf : "";
    *type = adp_vapi_type_from_wire(env.wire);
    switch (*type) {
    case ADP_VAPI_T_ASSISTANT_REQUEST:
    case ADP_VAPI_T_TOOL_CALLS:
    case ADP_VAPI_T_STATUS_UPDATE:
    case ADP_VAPI_T_TRANSCRIPT:
    case ADP_VAPI_T_END_OF_CALL_REPORT: {
        collect(env.m[M_CALL], call_keys, env.call, C__COUNT);
        eng_err_t err;
        *out = decode_used(&env, *type, why, whysz, &err);
        return err;
    }
    case ADP_VAPI_T_UNKNOWN:
        set_why(why, whysz, "unknown message type");
        return ENG_OK;
    default:
        set_why(why, whysz, "%s not used", adp_vapi_type_name(*type));
        return ENG_OK;
    }
}

/* ---------------------------------------------------------------- render helpers */

/*
 * Replies are written straight into the output buffer: the structure is
 * fixed, and every string goes through adp_json_put_str (escaping, one line
 * where Vapi wants it, invalid UTF-8 replaced). A few times faster than
 * building a jansson tree for the 10 KB assistant.
 */

static void put_key(eng_buf_t *b, const char *key)
{
    eng_buf_putc(b, '"');
    eng_buf_puts(b, key); /* keys are our own literals: nothing to escape */
    eng_buf_puts(b, "\":");
}

/* ,"key":"value" (one line) */
static void put_kv(eng_buf_t *b, const char *key, const char *value)
{
    eng_buf_putc(b, ',');
    put_key(b, key);
    adp_json_put_str(b, value, true);
}

static const char *or_default(const char *v, const char *def)
{
    return v && *v ? v : def;
}

/* ---------------------------------------------------------------- render: assistant */

/* Tool filler messages. Vapi's built-in fillers are English, so Spanish and bilingual
 * lines get their own; `contents` lets Vapi pick the caller's language. */
static void put_tool_message(eng_buf_t *b, const char *type, sch_lang_t lang, const char *en,
                             const char *es, int timing_ms)
{
    eng_buf_puts(b, "{\"type\":");
    adp_json_put_str(b, type, true);
    if (lang == SCH_LANG_BILINGUAL) {
        eng_buf_puts(b, ",\"contents\":[{\"type\":\"text\",\"language\":\"en\",\"text\":");
        adp_json_put_str(b, en, true);
        eng_buf_puts(b, "},{\"type\":\"text\",\"language\":\"es\",\"text\":");
        adp_json_put_str(b, es, true);
        eng_buf_puts(b, "}]");
    } else {
        put_kv(b, "content", lang == SCH_LANG_ES ? es : en);
    }
    if (timing_ms)
        eng_buf_printf(b, ",\"timingMilliseconds\":%d", timing_ms);
    eng_buf_putc(b, '}');
}

static void put_tool_messages(eng_buf_t *b, sch_lang_t lang)
{
    eng_buf_putc(b, '[');
    if (lang != SCH_LANG_EN) {
        put_tool_message(b, "request-start", lang, "One moment, please.", "Un momento, por favor.",
                         0);
        eng_buf_putc(b, ',');
    }
    put_tool_message(b, "request-response-delayed", lang, "Still checking, thanks for waiting.",
                     "Sigo revisando, gracias por esperar.", 3000);
    eng_buf_putc(b, ']');
}

/* One catalogue entry as a Vapi function tool (CreateFunctionToolDto + OpenAiFunction
 * with JSON-schema parameters). */
static void put_function_tool(eng_buf_t *b, const sch_tool_def_t *def, sch_lang_t lang)
{
    eng_buf_puts(b, "{\"type\":\"function\",\"async\":false,\"function\":{\"name\":");
    adp_json_put_str(b, def->name, true);
    put_kv(b, "description", def->description);
    eng_buf_puts(b, ",\"parameters\":{\"type\":\"object\",\"properties\":{");
    for (size_t i = 0; i < def->nparams; i++) {
        const sch_tool_param_t *p = &def->params[i];
        if (i)
            eng_buf_putc(b, ',');
        adp_json_put_str(b, p->name, true);
        eng_buf_puts(b, ":{\"type\":");
        adp_json_put_str(b, p->type, true);
        if (p->description)
            put_kv(b, "description", p->description);
        if (p->enum_values) {
            eng_buf_puts(b, ",\"enum\":[");
            for (const char *const *v = p->enum_values; *v; v++) {
                if (v != p->enum_values)
                    eng_buf_putc(b, ',');
                adp_json_put_str(b, *v, true);
            }
            eng_buf_putc(b, ']');
        }
        eng_buf_putc(b, '}');
    }
    eng_buf_puts(b, "},\"required\":[");
    bool first = true;
    for (size_t i = 0; i < def->nparams; i++) {
        if (!def->params[i].required)
            continue;
        if (!first)
            eng_buf_putc(b, ',');
        first = false;
        adp_json_put_str(b, def->params[i].name, true);
    }
    eng_buf_puts(b, "]}},\"messages\":");
    put_tool_messages(b, lang);
    eng_buf_putc(b, '}');
}

/* What the engine acts on, and nothing more (the SDK's CreateAssistantDtoServerMessagesItem
 * names; final transcripts only, for the emergency check). */
static const char server_messages_json[] =
    "[\"tool-calls\",\"status-update\",\"end-of-call-report\",\"transfer-destination-request\","
    "\"transcript[transcriptType=\\\"final\\\"]\"]";

/* Assistant names are for the dashboard and squad transfers; Vapi caps them at 40
 * characters. Cut at a UTF-8 boundary. */
static void put_assistant_name(eng_buf_t *b, const char *business)
{
    const char *name = or_default(business, "ServiceAI receptionist");
    size_t n = strlen(name), cut = 0;
    while (cut < n) {
        size_t k = adp_json_utf8_seq((const unsigned char *)name + cut, n - cut);
        if (!k || cut + k > 40)
            break;
        cut += k;
    }
    adp_json_put_strn(b, name, cut, true);
}

static void put_server(eng_buf_t *b, const adp_vapi_config_t *cfg)
{
    const char *base = cfg->public_url;
    if (!base || !*base)
        return;
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    eng_buf_t url;
    eng_buf_init(&url);
    eng_buf_append(&url, base, n);
    eng_buf_puts(&url, ADP_VAPI_WEBHOOK_PATH);
    eng_buf_puts(b, ",\"server\":{\"url\":");
    adp_json_put_str(b, eng_buf_cstr(&url), true);
    eng_buf_deinit(&url);
    eng_buf_printf(b, ",\"timeoutSeconds\":%d",
                   cfg->server_timeout_s > 0 ? cfg->server_timeout_s : 10);
    /* The SDK's Server has no `secret` field any more: a credential, or a static
     * x-vapi-secret header (what the legacy secret became, vapi.md §5.1). */
    if (cfg->credential_id && *cfg->credential_id) {
        put_kv(b, "credentialId", cfg->credential_id);
    } else if (cfg->secret && *cfg->secret) {
        eng_buf_puts(b, ",\"headers\":{\"x-vapi-secret\":");
        adp_json_put_str(b, cfg->secret, true);
        eng_buf_putc(b, '}');
    }
    eng_buf_putc(b, '}');
}

eng_err_t adp_vapi_render_assistant(const sch_assistant_reply_t *reply,
                                    const adp_vapi_config_t *cfg, eng_buf_t *out)
{
    static const adp_vapi_config_t no_cfg;
    if (!cfg)
        cfg = &no_cfg;
    if (!reply->ok) {
        adp_vapi_render_error(
            or_default(reply->error_text,
                       or_default(cfg->unavailable_text, adp_vapi_default_unavailable_text())),
            out);
        return ENG_OK;
    }
    if (!reply->system_prompt || !*reply->system_prompt)
        return ENG_ERR_INVALID;

    sch_lang_t lang = reply->language;
    const char *transcriber_lang = lang == SCH_LANG_ES          ? "es"
                                   : lang == SCH_LANG_BILINGUAL ? "multi"
                                                                : "en";
    const char *voice_id = lang == SCH_LANG_ES ? or_default(cfg->voice_es, "es-MX-DaliaNeural")
                           : lang == SCH_LANG_BILINGUAL
                               ? or_default(cfg->voice_bilingual, "en-US-AvaMultilingualNeural")
                               : or_default(cfg->voice_en, "en-US-AvaNeural");

    eng_buf_reserve(out, 8192 + strlen(reply->system_prompt));
    eng_buf_puts(out, "{\"assistant\":{\"name\":");
    put_assistant_name(out, reply->business_name);
    if (reply->first_message && *reply->first_message) {
        put_kv(out, "firstMessage", reply->first_message);
        put_kv(out, "firstMessageMode", "assistant-speaks-first");
    }

    eng_buf_puts(out, ",\"model\":{\"provider\":\"openai\"");
    put_kv(out, "model", or_default(cfg->model, "gpt-4o"));
    eng_buf_puts(out, ",\"messages\":[{\"role\":\"system\",\"content\":");
    adp_json_put_str(out, reply->system_prompt, false); /* the prompt keeps its lines */
    eng_buf_puts(out, "}],\"tools\":[");
    size_t ntools;
    const sch_tool_def_t *catalogue = sch_tool_catalogue(&ntools);
    for (size_t i = 0; i < ntools; i++) {
        put_function_tool(out, &catalogue[i], lang);
        eng_buf_putc(out, ',');
    }
    eng_buf_puts(out, "{\"type\":\"endCall\"}]}"); /* lets the assistant hang up after goodbye */

    eng_buf_puts(out, ",\"transcriber\":{\"provider\":\"deepgram\"");
    put_kv(out, "model", or_default(cfg->transcriber_model, "nova-3"));
    put_kv(out, "language", transcriber_lang);
    eng_buf_putc(out, '}');

    eng_buf_puts(out, ",\"voice\":{\"provider\":");
    adp_json_put_str(out, or_default(cfg->voice_provider, "azure"), true);
    put_kv(out, "voiceId", voice_id);
    eng_buf_putc(out, '}');

    put_server(out, cfg);
    eng_buf_puts(out, ",\"serverMessages\":");
    eng_buf_puts(out, server_messages_json);

    eng_buf_puts(out, ",\"metadata\":{\"language\":");
    adp_json_put_str(out, sch_lang_name(lang), true);
    if (reply->tenant_id)
        put_kv(out, "tenantId", reply->tenant_id);
    eng_buf_puts(out, "}}}");
    return ENG_OK;
}

/* ---------------------------------------------------------------- render: errors, tools */

void adp_vapi_render_error(const char *spoken, eng_buf_t *out)
{
    eng_buf_puts(out, "{\"error\":");
    adp_json_put_str(out, spoken, true);
    eng_buf_putc(out, '}');
}

void adp_vapi_render_tool_results(const sch_tool_results_t *results, eng_buf_t *out)
{
    eng_buf_puts(out, "{\"results\":[");
    for (size_t i = 0; i < results->nresults; i++) {
        const sch_tool_result_t *r = &results->results[i];
        eng_buf_puts(out, i ? ",{\"toolCallId\":" : "{\"toolCallId\":");
        adp_json_put_str(out, r->id, true);
        if (r->name)
            put_kv(out, "name", r->name);
        put_kv(out, r->is_error ? "error" : "result", r->text);
        eng_buf_putc(out, '}');
    }
    eng_buf_puts(out, "]}");
}

void adp_vapi_render_tool_fallback(const sch_tool_calls_t *calls, const char *text, eng_buf_t *out)
{
    const char *error = or_default(text, adp_vapi_default_tool_slow_text());
    eng_buf_puts(out, "{\"results\":[");
    for (size_t i = 0; i < calls->ncalls; i++) {
        eng_buf_puts(out, i ? ",{\"toolCallId\":" : "{\"toolCallId\":");
        adp_json_put_str(out, calls->calls[i].id, true);
        if (calls->calls[i].name && *calls->calls[i].name)
            put_kv(out, "name", calls->calls[i].name);
        put_kv(out, "error", error);
        eng_buf_putc(out, '}');
    }
    eng_buf_puts(out, "]}");
}
