/*
 * bench_bodies: builds the simulated call's webhook bodies from the Vapi
 * fixtures (see bench_bodies.h). Runs once at start-up of a bench tool, on its
 * only thread; all JSON work happens here so the load generator's hot path is
 * memcpy.
 *
 * How a body is made: the fixture's `message` is copied, every occurrence of
 * the fixture's own call id, numbers and phone number id (in any string) is
 * replaced by a placeholder "@@<var>@@", the huge `assistant` (system prompt
 * and tool schemas, ~14 KB) is trimmed to its name, voice, transcriber and
 * metadata, and the artifact is rebuilt from the end-of-call-report fixture's
 * conversation, as many turns as bring the body to its target size. The
 * artifact leaves out the system prompt message (2.2 KB twice over), which is
 * what keeps bodies in the 3-8 KB band the benchmark asks for.
 */
#include "bench_bodies.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const msg_keys[] = {
#define BENCH_MSG_KEY(id, key) key,
    BENCH_MSG_LIST(BENCH_MSG_KEY)
#undef BENCH_MSG_KEY
};

const char *bench_msg_key(bench_msg_t msg)
{
    return (unsigned)msg < BENCH_MSG__COUNT ? msg_keys[msg] : "unknown";
}

/* The call's life: message kind and planned time as a fraction of the span. */
static const struct {
    bench_msg_t msg;
    double at;
} script_plan[BENCH_STEPS] = {
    {BENCH_MSG_ASSISTANT_REQUEST, 0.00}, {BENCH_MSG_STATUS_UPDATE, 0.05},
    {BENCH_MSG_TRANSCRIPT, 0.15},        {BENCH_MSG_TRANSCRIPT, 0.30},
    {BENCH_MSG_TOOL_CHECK, 0.40},        {BENCH_MSG_TRANSCRIPT, 0.55},
    {BENCH_MSG_TOOL_BOOK, 0.65},         {BENCH_MSG_TRANSCRIPT, 0.80},
    {BENCH_MSG_STATUS_UPDATE, 0.92},     {BENCH_MSG_END_OF_CALL, 1.00},
};

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || !errsz)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

static json_t *jcheck(json_t *v)
{
    if (!v)
        abort(); /* jansson fails here only when out of memory */
    return v;
}

static void jset(json_t *obj, const char *key, json_t *val)
{
    if (json_object_set_new(obj, key, jcheck(val)) != 0)
        abort();
}

static void jpush(json_t *arr, json_t *val)
{
    if (json_array_append_new(arr, jcheck(val)) != 0)
        abort();
}

static json_t *placeholder(bench_var_t var)
{
    char ph[16];
    snprintf(ph, sizeof ph, "@@%d@@", (int)var);
    return jcheck(json_string(ph));
}

/* Loads fixture `name` and returns its `message` object (a new reference). */
static json_t *load_message(const char *dir, const char *name, char *err, size_t errsz)
{
    char path[4096];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        set_err(err, errsz, "%s: %s (line %d)", path, jerr.text, jerr.line);
        return NULL;
    }
    json_t *m = json_object_get(root, "message");
    if (!json_is_object(m)) {
        set_err(err, errsz, "%s: no \"message\" object", path);
        json_decref(root);
        return NULL;
    }
    json_incref(m);
    json_decref(root);
    return m;
}

static json_t *jpath(json_t *obj, const char *path)
{
    char key[64];
    while (obj && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        obj = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        path += n + (dot ? 1 : 0);
    }
    return obj;
}

/* Replacements of the fixture's own identifiers by placeholders. */
typedef struct {
    char *from[BENCH_VAR__COUNT];
} swaps_t;

static void swaps_take(swaps_t *sw, json_t *m)
{
    static const struct {
        bench_var_t var;
        const char *path;
    } src[] = {
        {BENCH_VAR_CALL_ID, "call.id"},
        {BENCH_VAR_CUSTOMER, "customer.number"},
        {BENCH_VAR_DIALED, "phoneNumber.number"},
        {BENCH_VAR_PHONE_ID, "phoneNumber.id"},
    };
    memset(sw, 0, sizeof *sw);
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
        const char *v = json_string_value(jpath(m, src[i].path));
        if (v && strlen(v) >= 6)
            sw->from[src[i].var] = strdup(v);
        if (v && strlen(v) >= 6 && !sw->from[src[i].var])
            abort();
    }
}

static void swaps_deinit(swaps_t *sw)
{
    for (size_t i = 0; i < BENCH_VAR__COUNT; i++)
        free(sw->from[i]);
}

/* Rewrites every string in v that holds a fixture identifier. */
static void swaps_apply(const swaps_t *sw, json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child) swaps_apply(sw, child);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) swaps_apply(sw, child);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool hit = false;
        for (size_t i = 0; i < BENCH_VAR__COUNT && !hit; i++)
            hit = sw->from[i] && strstr(s, sw->from[i]);
        if (!hit)
            return;
        size_t cap = strlen(s) * 2 + 64, len = 0;
        char *out = malloc(cap);
        if (!out)
            abort();
        while (*s) {
            bool swapped = false;
            for (size_t i = 0; i < BENCH_VAR__COUNT && !swapped; i++) {
                size_t n = sw->from[i] ? strlen(sw->from[i]) : 0;
                if (n && strncmp(s, sw->from[i], n) == 0) {
                    len += (size_t)snprintf(out + len, cap - len, "@@%d@@", (int)i);
                    s += n;
                    swapped = true;
                }
            }
            if (!swapped)
                out[len++] = *s++;
            if (len + 16 >= cap) {
                cap *= 2;
                out = realloc(out, cap);
                if (!out)
                    abort();
            }
        }
        out[len] = '\0';
        if (json_string_set(v, out) != 0)
            abort();
        free(out);
    }
}

/* The fixture's conversation, without the system prompt. */
typedef struct {
    json_t *turns; /* array of Vapi artifact messages */
} convo_t;

static json_t *artifact_build(const convo_t *c, size_t k, json_t *extra)
{
    json_t *a = jcheck(json_object());
    json_t *msgs = jcheck(json_array());
    json_t *oai = jcheck(json_array());
    size_t cap = 256, len = 0;
    char *transcript = calloc(1, cap);
    if (!transcript)
        abort();
    for (size_t i = 0; i < k && i < json_array_size(c->turns); i++) {
        json_t *t = json_array_get(c->turns, i);
        jpush(msgs, json_deep_copy(t));
        const char *role = json_string_value(json_object_get(t, "role"));
        const char *text = json_string_value(json_object_get(t, "message"));
        if (!role || !text)
            continue;
        bool bot = strcmp(role, "bot") == 0, user = strcmp(role, "user") == 0;
        if (!bot && !user)
            continue;
        json_t *o = jcheck(json_object());
        jset(o, "role", json_string(bot ? "assistant" : "user"));
        jset(o, "content", json_string(text));
        jpush(oai, o);
        size_t need = len + strlen(text) + 16;
        if (need > cap) {
            cap = need * 2;
            transcript = realloc(transcript, cap);
            if (!transcript)
                abort();
        }
        len += (size_t)snprintf(transcript + len, cap - len, "%s%s: %s", len ? "\n" : "",
                                bot ? "AI" : "User", text);
    }
    jset(a, "messages", msgs);
    jset(a, "messagesOpenAIFormatted", oai);
    jset(a, "transcript", json_string(transcript));
    jset(a, "variableValues", json_object());
    jset(a, "transfers", json_array());
    jset(a, "nodes", json_array());
    if (extra) {
        const char *key;
        json_t *v;
        json_object_foreach(extra, key, v) jset(a, key, json_deep_copy(v));
    }
    free(transcript);
    return a;
}

/* Text of the last user turn among the first k (the transcript step's words). */
static const char *last_user_text(const convo_t *c, size_t k)
{
    const char *text = NULL;
    for (size_t i = 0; i < k && i < json_array_size(c->turns); i++) {
        json_t *t = json_array_get(c->turns, i);
        const char *role = json_string_value(json_object_get(t, "role"));
        if (role && strcmp(role, "user") == 0)
            text = json_string_value(json_object_get(t, "message"));
    }
    return text ? text : "Hello?";
}

static size_t user_turns(const convo_t *c, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < k && i < json_array_size(c->turns); i++) {
        const char *role = json_string_value(json_object_get(json_array_get(c->turns, i), "role"));
        n += role && strcmp(role, "user") == 0;
    }
    return n;
}

static json_t *tool_call(const char *name, json_t *args)
{
    json_t *fn = jcheck(json_object());
    jset(fn, "name", json_string(name));
    jset(fn, "arguments", args);
    json_t *tc = jcheck(json_object());
    jset(tc, "id", placeholder(BENCH_VAR_TOOL_CALL_ID));
    jset(tc, "type", json_string("function"));
    jset(tc, "function", fn);
    return tc;
}

/* Rewrites a tool-calls message to carry one call of `name`. The wrapped list
 * keeps the fixture's tool definition when the fixture has one. */
static void tool_calls_set(json_t *m, const char *name, json_t *args)
{
    json_t *tc = tool_call(name, args);
    json_t *wrapped = NULL;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(m, "toolWithToolCallList"), i, item)
    {
        const char *n = json_string_value(jpath(item, "function.name"));
        if (n && strcmp(n, name) == 0) {
            wrapped = jcheck(json_deep_copy(item));
            break;
        }
    }
    json_t *list = jcheck(json_array());
    jpush(list, json_deep_copy(tc));
    jset(m, "toolCalls", list);
    list = jcheck(json_array());
    jpush(list, json_deep_copy(tc));
    jset(m, "toolCallList", list);
    list = jcheck(json_array());
    if (wrapped) {
        jset(wrapped, "toolCall", json_deep_copy(tc));
        jpush(list, wrapped);
    }
    jset(m, "toolWithToolCallList", list);
    json_decref(tc);
}

static json_t *check_args(void)
{
    json_t *a = jcheck(json_object());
    jset(a, "service", json_string("AC repair"));
    jset(a, "date", placeholder(BENCH_VAR_DATE));
    jset(a, "time_of_day", json_string("morning"));
    return a;
}

static json_t *book_args(bool with_slot)
{
    json_t *a = jcheck(json_object());
    if (with_slot)
        jset(a, "slot_id", placeholder(BENCH_VAR_SLOT_ID));
    jset(a, "start", placeholder(BENCH_VAR_START));
    jset(a, "service", json_string("AC repair"));
    jset(a, "customer_name", json_string("Dana Whitfield"));
    jset(a, "address", json_string("4410 Shoal Creek Blvd, Austin, TX 78756"));
    jset(a, "issue_description", json_string("AC runs but blows warm air; outdoor unit hums"));
    return a;
}

/* Cuts "@@<digit>@@" placeholders out of st->text into segments. */
static void step_split(bench_step_t *st)
{
    size_t cap = 8, n = 0;
    bench_seg_t *segs = malloc(cap * sizeof *segs);
    if (!segs)
        abort();
    const char *p = st->text, *lit = st->text;
    st->lit_bytes = 0;
    for (;;) {
        const char *at = strstr(p, "@@");
        bool var =
            at && at[2] >= '0' && at[2] < '0' + BENCH_VAR__COUNT && at[3] == '@' && at[4] == '@';
        if (at && !var) {
            p = at + 1;
            continue;
        }
        if (n == cap) {
            cap *= 2;
            segs = realloc(segs, cap * sizeof *segs);
            if (!segs)
                abort();
        }
        const char *end = at ? at : lit + strlen(lit);
        segs[n].lit = lit;
        segs[n].lit_len = (size_t)(end - lit);
        segs[n].var = at ? at[2] - '0' : -1;
        st->lit_bytes += segs[n].lit_len;
        n++;
        if (!at)
            break;
        lit = p = at + 5;
    }
    st->segs = segs;
    st->nsegs = n;
}

size_t bench_step_len(const bench_step_t *st, const size_t var_len[BENCH_VAR__COUNT])
{
    size_t len = st->lit_bytes;
    for (size_t i = 0; i < st->nsegs; i++)
        if (st->segs[i].var >= 0)
            len += var_len[st->segs[i].var];
    return len;
}

size_t bench_step_render(const bench_step_t *st, const char *const var[BENCH_VAR__COUNT],
                         const size_t var_len[BENCH_VAR__COUNT], char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < st->nsegs; i++) {
        const bench_seg_t *sg = &st->segs[i];
        if (len + sg->lit_len <= cap)
            memcpy(out + len, sg->lit, sg->lit_len);
        len += sg->lit_len;
        if (sg->var >= 0) {
            size_t n = var_len[sg->var];
            if (len + n <= cap)
                memcpy(out + len, var[sg->var], n);
            len += n;
        }
    }
    return len;
}

void bench_script_deinit(bench_script_t *s)
{
    for (size_t i = 0; i < BENCH_STEPS; i++) {
        free(s->steps[i].text);
        free(s->steps[i].segs);
        s->steps[i].text = NULL;
        s->steps[i].segs = NULL;
    }
    free(s->book_without_slot.text);
    free(s->book_without_slot.segs);
    s->book_without_slot.text = NULL;
    s->book_without_slot.segs = NULL;
    s->nsteps = 0;
}

/* Fixture file per message kind (status-update differs between in-progress and ended). */
static const char *fixture_for(size_t step)
{
    switch (script_plan[step].msg) {
    case BENCH_MSG_ASSISTANT_REQUEST:
        return "assistant-request-iso-ts.json";
    case BENCH_MSG_STATUS_UPDATE:
        return step + 2 < BENCH_STEPS ? "status-update-in-progress.json"
                                      : "status-update-ended.json";
    case BENCH_MSG_TRANSCRIPT:
        return "transcript-final-user.json";
    case BENCH_MSG_TOOL_CHECK:
        return "tool-calls-object-args.json";
    case BENCH_MSG_TOOL_BOOK:
        return "tool-calls-string-args.json";
    case BENCH_MSG_END_OF_CALL:
    default:
        return "end-of-call-report.json";
    }
}

/* The body of `step` with the first k turns of the conversation. */
static json_t *step_body(size_t step, json_t *fixture, json_t *assistant, const convo_t *c,
                         size_t k, json_t *eocr_extra, bool with_slot)
{
    json_t *m = jcheck(json_deep_copy(fixture));
    bench_msg_t kind = script_plan[step].msg;
    if (kind != BENCH_MSG_ASSISTANT_REQUEST) {
        jset(m, "assistant", json_deep_copy(assistant));
        jset(m, "artifact",
             artifact_build(c, k, kind == BENCH_MSG_END_OF_CALL ? eocr_extra : NULL));
    }
    if (kind == BENCH_MSG_TRANSCRIPT) {
        const char *text = last_user_text(c, k);
        jset(m, "transcript", json_string(text));
        jset(m, "originalTranscript", json_string(text));
    } else if (kind == BENCH_MSG_TOOL_CHECK) {
        tool_calls_set(m, "check_availability", check_args());
    } else if (kind == BENCH_MSG_TOOL_BOOK) {
        tool_calls_set(m, "book_appointment", book_args(with_slot));
    }
    json_t *root = jcheck(json_object());
    jset(root, "message", m);
    return root;
}

static char *step_text(size_t step, json_t *fixture, json_t *assistant, const convo_t *c, size_t k,
                       json_t *eocr_extra, bool with_slot)
{
    json_t *body = step_body(step, fixture, assistant, c, k, eocr_extra, with_slot);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        abort();
    return text;
}

bool bench_script_load(bench_script_t *s, const char *fixtures_dir, size_t min_bytes,
                       size_t max_bytes, char *err, size_t errsz)
{
    bool ok = false;
    json_t *fixtures[BENCH_STEPS] = {0};
    json_t *eocr = NULL, *assistant = NULL, *eocr_extra = NULL;
    convo_t convo = {.turns = NULL};
    memset(s, 0, sizeof *s);

    eocr = load_message(fixtures_dir, "end-of-call-report.json", err, errsz);
    json_t *with_assistant = fixtures[1] = load_message(fixtures_dir, fixture_for(1), err, errsz);
    if (!eocr || !with_assistant)
        goto out;
    for (size_t i = 0; i < BENCH_STEPS; i++) {
        if (!fixtures[i])
            fixtures[i] = load_message(fixtures_dir, fixture_for(i), err, errsz);
        if (!fixtures[i])
            goto out;
        swaps_t sw;
        swaps_take(&sw, fixtures[i]);
        swaps_apply(&sw, fixtures[i]);
        swaps_deinit(&sw);
    }

    /* The assistant Vapi echoes back, without its system prompt and tool schemas. */
    assistant = jcheck(json_deep_copy(json_object_get(with_assistant, "assistant")));
    json_t *model = json_object_get(assistant, "model");
    if (json_is_object(model)) {
        json_object_del(model, "messages");
        json_object_del(model, "tools");
    }

    convo.turns = jcheck(json_array());
    size_t i;
    json_t *t;
    json_array_foreach(jpath(eocr, "artifact.messages"), i, t)
    {
        const char *role = json_string_value(json_object_get(t, "role"));
        if (role && strcmp(role, "system") != 0)
            jpush(convo.turns, json_deep_copy(t));
    }
    if (json_array_size(convo.turns) < 4) {
        set_err(err, errsz, "end-of-call-report.json: too few conversation turns");
        goto out;
    }
    eocr_extra = jcheck(json_object());
    static const char *const eocr_keys[] = {"recordingUrl", "stereoRecordingUrl", "logUrl"};
    for (size_t j = 0; j < sizeof eocr_keys / sizeof eocr_keys[0]; j++) {
        json_t *v = jpath(eocr, "artifact");
        v = json_is_object(v) ? json_object_get(v, eocr_keys[j]) : NULL;
        if (v)
            jset(eocr_extra, eocr_keys[j], json_deep_copy(v));
    }

    /* Each step gets the most turns that keep it within its target size (and no fewer than
     * the step before: the artifact only grows). Targets rise linearly from min_bytes to a top
     * that starts at max_bytes and comes down until the largest body (the end-of-call-report,
     * which also carries costs and analysis) fits under max_bytes. */
    size_t top = max_bytes;
    for (int attempt = 0; attempt < 8; attempt++) {
        bench_script_deinit(s);
        size_t k = 1, grown = BENCH_STEPS - 2, largest = 0, heard = 0;
        for (size_t step = 0; step < BENCH_STEPS; step++) {
            size_t target = 0;
            if (step > 0)
                target = min_bytes + (top > min_bytes ? top - min_bytes : 0) * (step - 1) / grown;
            if (script_plan[step].msg == BENCH_MSG_TRANSCRIPT) {
                /* each transcript carries new words of the caller */
                while (user_turns(&convo, k) <= heard && k < json_array_size(convo.turns))
                    k++;
                heard = user_turns(&convo, k);
            }
            char *text = step_text(step, fixtures[step], assistant, &convo, k, eocr_extra, true);
            while (step > 0 && k < json_array_size(convo.turns)) {
                char *more =
                    step_text(step, fixtures[step], assistant, &convo, k + 1, eocr_extra, true);
                if (strlen(more) > target) {
                    free(more);
                    break;
                }
                free(text);
                text = more;
                k++;
            }
            if (strlen(text) > largest)
                largest = strlen(text);
            bench_step_t *st = &s->steps[step];
            st->msg = script_plan[step].msg;
            st->at = script_plan[step].at;
            st->text = text;
            step_split(st);
            s->nsteps++;
            if (st->msg == BENCH_MSG_TOOL_BOOK) {
                bench_step_t *alt = &s->book_without_slot;
                alt->msg = st->msg;
                alt->at = st->at;
                alt->text =
                    step_text(step, fixtures[step], assistant, &convo, k, eocr_extra, false);
                step_split(alt);
            }
        }
        if (largest <= max_bytes || top <= min_bytes)
            break;
        top = top > largest - max_bytes + min_bytes ? top - (largest - max_bytes) : min_bytes;
    }
    ok = true;
out:
    for (size_t j = 0; j < BENCH_STEPS; j++)
        json_decref(fixtures[j]);
    json_decref(eocr);
    json_decref(assistant);
    json_decref(eocr_extra);
    json_decref(convo.turns);
    if (!ok)
        bench_script_deinit(s);
    return ok;
}
