/*
 * act_call: call router and call actors (see act_call.h). Loop thread.
 *
 * A call actor runs one operation at a time (resolve the tenant, rehydrate
 * from Redis, persist to Postgres). Each operation is a short chain of
 * asynchronous steps; the step's I/O carries a fresh corr so a late reply
 * from an abandoned step is recognised and ignored. Messages of the call
 * that arrive meanwhile are retained in `deferred` and replayed, in order,
 * when the operation ends - so a tool call that arrives while the tenant is
 * still being resolved is answered with the tenant known.
 *
 * Latency: the assistant-request path is two Redis GETs on a warm cache and
 * one Postgres round trip on a cold one; everything written afterwards
 * (hot state, cache fill, the live-calls index) is fire-and-forget and does
 * not delay the reply.
 */
#include "act_call.h"
#include "act_booking.h"
#include "act_emergency.h"
#include "act_template.h"
#include "act_tool.h"
#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_map.h"
#include "eng_metrics.h"
#include "sch_call.h"
#include "sch_codec.h"
#include "sch_tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MSG_IDLE_CHECK = ENG_MSG_USER - 10, /* timer: stop a call that went quiet */
    MSG_PERSIST_RETRY,                  /* timer: retry persisting the call */
    MSG_STATE_FLUSH,                    /* timer: write hot state that changed since */
};

#define PERSIST_MAX_ATTEMPTS 20
#define RESOLVE_MAX_RETRIES 120 /* about two minutes of outage, one try a second */
#define IO_DEADLINE_MS 1500
/* Routine hot-state changes (the last event and its time) are written at most
 * this often per call; what a restart needs (the tenant, an emergency, the end)
 * is written at once. */
#define STATE_FLUSH_MS 1000
/* An ended call's hot state stays this long for the ops tool. */
#define ENDED_STATE_TTL_S 600

typedef enum {
    OP_NONE = 0,
    OP_RESOLVE, /* dialed number -> tenant profile */
    OP_REHYDRATE,
    OP_PERSIST, /* end-of-call row */
} op_t;

typedef enum {
    STEP_PHONE_CACHE = 1,
    STEP_TENANT_CACHE,
    STEP_TENANT_DB,
    STEP_STATE_GET,
    STEP_TOOLS_GET,
    STEP_PERSIST_DB,
} step_t;

typedef struct tool_result {
    char *name;
    char *text;
    bool is_error;
} tool_result_t;

struct act_call_router {
    eng_loop_t *loop;
    act_call_config_t cfg;
    eng_actor_id_t id;
    size_t live;
    eng_map_t calls; /* call actor id -> call_t: stopped with the router */
    eng_counter_t *m_calls;
    eng_counter_t *m_unknown_number;
    eng_counter_t *m_tool_repeat;
    eng_counter_t *m_rehydrated;
    eng_counter_t *m_emergencies;
    eng_counter_t *m_persist_failed;
    eng_counter_t *m_cache_hit;
    eng_counter_t *m_cache_miss;
    eng_counter_t *m_redis_write_errors;
    act_avail_fmts_t *fmts;         /* date formats shared by the booking jobs */
    act_booking_statics_t *statics; /* booking set-up rows shared by the booking jobs */
};

typedef struct call {
    act_call_router_t *router;
    eng_loop_t *loop;
    eng_actor_id_t self;
    sch_call_state_t st;
    sch_tenant_profile_t profile;
    bool have_profile;
    bool loaded;   /* st describes a known call with its tenant */
    bool resolved; /* a resolve ran: loaded or definitely unknown */
    bool finished; /* rehydrated a call whose report was already saved */

    op_t op;
    step_t step;
    uint64_t corr;
    uint64_t next_corr;
    eng_msg_t *current; /* the message the operation serves (retained) */
    int persist_attempts;
    int resolve_failures;
    sch_call_event_t *end_report; /* retained until persisted */

    eng_msg_t **deferred;
    size_t ndeferred, cap_deferred;

    eng_map_t tools;   /* toolCallId -> tool_result_t */
    eng_map_t batches; /* batch id -> tool_batch_t: tool-calls waiting on I/O jobs */
    uint64_t next_batch;
    eng_timer_id_t idle_timer;
    int64_t last_activity_ms;
    bool state_saved;           /* the hot state has been written once */
    bool state_dirty;           /* changed since the last write */
    eng_timer_id_t flush_timer; /* armed while state_dirty, 0 otherwise */
    bool tools_ttl_set;         /* call:<id>:tools has its TTL */
} call_t;

static void call_process(call_t *c, eng_msg_t *msg);
static void op_finish(call_t *c);
static void call_retire(call_t *c);
static void inbox_clear(call_t *c);
static void persist_failed(call_t *c, const char *why);
static void bounce_request(call_t *c, const eng_msg_t *req);

/* ---------------------------------------------------------------- helpers */

static const sch_call_ctx_t *msg_ctx(const eng_msg_t *msg)
{
    switch (msg->type) {
    case SCH_MSG_ASSISTANT_REQUEST:
    case SCH_MSG_CALL_STATUS:
    case SCH_MSG_TRANSCRIPT:
    case SCH_MSG_END_OF_CALL:
        return &((const sch_call_event_t *)msg)->ctx;
    case SCH_MSG_TOOL_CALLS:
        return &((const sch_tool_calls_t *)msg)->ctx;
    }
    return NULL;
}

static void set_str(char **dst, const char *v)
{
    if (!v)
        return;
    free(*dst);
    *dst = eng_xstrdup(v);
}

static int64_t state_ttl(const call_t *c)
{
    return c->router->cfg.state_ttl_s;
}

/* I/O for a waiting caller gets IO_DEADLINE_MS (DESIGN §8: then the fallback), or less
 * when the request itself is due sooner. */
static int64_t io_deadline(const call_t *c, int64_t request_deadline_ms)
{
    int64_t cap = eng_loop_now_ms(c->loop) + IO_DEADLINE_MS;
    return request_deadline_ms && request_deadline_ms < cap ? request_deadline_ms : cap;
}

static uint64_t new_corr(call_t *c)
{
    c->corr = ++c->next_corr;
    return c->corr;
}

/* Fire-and-forget Redis command: no reply message comes back (a failure is
 * counted by eng_redis in serviceai_redis_unanswered_errors_total), so the
 * hot-state writes of every event cost the actor no extra turns. */
static void redis_fire(call_t *c, int argc, const char *const *argv, const size_t *lens)
{
    if (eng_redis_command(c->router->cfg.redis, 0, 0, ENG_CLASS_BACKGROUND, argc, argv, lens) !=
        ENG_OK)
        eng_counter_add(c->router->m_redis_write_errors, 1);
}

static eng_err_t redis_get(call_t *c, const char *key)
{
    const char *argv[] = {"GET", key};
    size_t lens[] = {3, strlen(key)};
    return eng_redis_command(c->router->cfg.redis, c->self, new_corr(c), ENG_CLASS_LIVE, 2, argv,
                             lens);
}

/* Takes the call out of the live-calls index. */
static void live_index_remove(call_t *c)
{
    const char *argv[] = {"ZREM", "calls:live", c->st.call_id};
    size_t lens[] = {4, 10, strlen(c->st.call_id)};
    redis_fire(c, 3, argv, lens);
}

/* Writes the hot state (call:{id}) with a time to live of ttl_s, and files the
 * call in the live-calls index (live) or takes it out. */
static void state_write(call_t *c, int64_t ttl_s, bool live)
{
    eng_buf_t packed;
    eng_buf_init(&packed);
    sch_call_state_pack(&c->st, &packed);
    char key[300], ttl[32], score[32];
    snprintf(key, sizeof(key), "call:%s", c->st.call_id);
    snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_s);
    const char *set_argv[] = {"SET", key, packed.data, "EX", ttl};
    size_t set_lens[] = {3, strlen(key), packed.len, 2, strlen(ttl)};
    redis_fire(c, 5, set_argv, set_lens);
    if (live) {
        snprintf(score, sizeof(score), "%lld", (long long)c->st.last_event_ms);
        const char *z_argv[] = {"ZADD", "calls:live", score, c->st.call_id};
        size_t z_lens[] = {4, 10, strlen(score), strlen(c->st.call_id)};
        redis_fire(c, 4, z_argv, z_lens);
    } else {
        live_index_remove(c);
    }
    eng_buf_deinit(&packed);
    c->state_saved = true;
    c->state_dirty = false;
}

/* Saves the hot state of a live call. */
static void state_save(call_t *c)
{
    if (c->loaded)
        state_write(c, state_ttl(c), true);
}

/* Routine changes (transcripts, tool calls): the first write goes at once (a
 * restart must find the call's tenant), later ones are gathered for
 * STATE_FLUSH_MS. A call's events come a few hundred milliseconds apart, so
 * this saves most of its writes. */
static void state_save_soon(call_t *c)
{
    if (!c->state_saved) {
        state_save(c);
        return;
    }
    c->state_dirty = true;
    if (!c->flush_timer) {
        eng_msg_t *m = eng_msg_new(sizeof(eng_msg_t), MSG_STATE_FLUSH, ENG_CLASS_BACKGROUND, NULL);
        c->flush_timer = eng_timer_after(c->loop, c->self, STATE_FLUSH_MS, m);
    }
}

static void touch(call_t *c, const eng_msg_t *msg)
{
    const sch_call_ctx_t *ctx = msg_ctx(msg);
    c->last_activity_ms = eng_loop_now_ms(c->loop);
    /* When the engine saw it: Vapi's own timestamps can be skewed or replayed. */
    c->st.last_event_ms = eng_loop_wall_ms(c->loop);
    if (!c->st.started_ms)
        c->st.started_ms = c->st.last_event_ms;
    set_str(&c->st.last_event, sch_msg_type_name(msg->type));
    if (ctx) {
        set_str(&c->st.caller_number, ctx->caller_number);
        set_str(&c->st.dialed_number, ctx->dialed_number);
    }
}

/* ---------------------------------------------------------------- replies */

static void reply_assistant(call_t *c, const eng_msg_t *req)
{
    if (!req->reply_to)
        return;
    sch_assistant_reply_t *r = sch_assistant_reply_new();
    r->call_id = eng_xstrdup(c->st.call_id);
    if (!c->loaded || !c->have_profile) {
        r->ok = false;
        r->error_text = eng_xstrdup(act_template_unavailable_text(SCH_LANG_BILINGUAL));
    } else if (!c->profile.active) {
        r->ok = false;
        r->language = c->profile.language;
        r->error_text = eng_xstrdup(act_template_unavailable_text(c->profile.language));
    } else {
        eng_buf_t prompt, greeting;
        eng_buf_init(&prompt);
        eng_buf_init(&greeting);
        act_template_render(&c->profile, c->profile.language, &prompt, &greeting);
        r->ok = true;
        r->tenant_id = eng_xstrdup(c->profile.id);
        r->business_name = eng_xstrdup(c->profile.name);
        r->language = c->profile.language;
        r->system_prompt = eng_buf_steal(&prompt, NULL);
        r->first_message = eng_buf_steal(&greeting, NULL);
    }
    (void)eng_reply(c->loop, req, &r->hdr);
}

/* A spoken error for a dependency failure while resolving. */
static void reply_unavailable(call_t *c, const eng_msg_t *req)
{
    if (!req->reply_to)
        return;
    if (req->type == SCH_MSG_ASSISTANT_REQUEST) {
        sch_assistant_reply_t *r = sch_assistant_reply_new();
        r->call_id = eng_xstrdup(c->st.call_id);
        r->ok = false;
        r->error_text = eng_xstrdup(act_template_unavailable_text(SCH_LANG_BILINGUAL));
        (void)eng_reply(c->loop, req, &r->hdr);
    }
}

/* ---------------------------------------------------------------- tools */

static const char *business(const call_t *c)
{
    return c->st.tenant_name ? c->st.tenant_name : "the business";
}

static bool spanish(const call_t *c)
{
    return c->st.language == SCH_LANG_ES;
}

static void tool_result_free(tool_result_t *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->text);
    free(t);
}

static void remember_tool(call_t *c, const char *id, const char *name, const char *text,
                          bool is_error)
{
    tool_result_t *t = eng_xcalloc(1, sizeof(*t));
    t->name = eng_xstrdup(name);
    t->text = eng_xstrdup(text);
    t->is_error = is_error;
    tool_result_free(eng_map_del_str(&c->tools, id));
    eng_map_put_str(&c->tools, id, t);

    /* Redis copy so a restarted engine does not repeat a side effect. */
    char key[300];
    snprintf(key, sizeof(key), "call:%s:tools", c->st.call_id);
    eng_buf_t val;
    eng_buf_init(&val);
    eng_buf_printf(&val, "%c%s%c%s", is_error ? 'E' : 'R', name, '\x1f', text);
    const char *argv[] = {"HSET", key, id, val.data};
    size_t lens[] = {4, strlen(key), strlen(id), val.len};
    redis_fire(c, 4, argv, lens);
    if (!c->tools_ttl_set) { /* once per actor: the hash lives as long as a call can */
        char ttl[32];
        snprintf(ttl, sizeof(ttl), "%lld", (long long)state_ttl(c));
        const char *eargv[] = {"EXPIRE", key, ttl};
        size_t elens[] = {6, strlen(key), strlen(ttl)};
        redis_fire(c, 3, eargv, elens);
        c->tools_ttl_set = true;
    }
    eng_buf_deinit(&val);
}

static void emergency_emit(call_t *c, const char *category, const char *cue, const char *source)
{
    sch_emergency_detected_t *e = sch_emergency_detected_new();
    e->call_id = eng_xstrdup(c->st.call_id);
    e->tenant_id = eng_xstrdup(c->st.tenant_id);
    e->category = eng_xstrdup(category);
    e->cue = eng_xstrdup(cue);
    e->source = eng_xstrdup(source);
    e->detected_ms = c->st.emergency_ms;
    (void)eng_send(c->loop, eng_actor_lookup(c->loop, ACT_CALL_EMERGENCY_SINK), &e->hdr);
}

static void emergency_persist(call_t *c)
{
    if (!c->st.tenant_id)
        return;
    char at[32];
    snprintf(at, sizeof(at), "%lld", (long long)c->st.emergency_ms);
    const char *params[] = {c->st.call_id,
                            c->st.tenant_id,
                            c->st.caller_number,
                            c->st.dialed_number,
                            c->st.emergency_category,
                            c->st.emergency_cue,
                            c->st.emergency_source,
                            at,
                            c->st.emergency_confirmed_by};
    eng_pg_stmt_t stmt = {
        .sql =
            "INSERT INTO calls (vapi_call_id, tenant_id, caller_number, dialed_number, "
            "emergency_category, emergency_cue, emergency_source, emergency_at, "
            "emergency_confirmed_by, status) "
            "VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, to_timestamp($8::bigint / 1000.0), $9, "
            "'in-progress') "
            "ON CONFLICT (vapi_call_id) DO UPDATE SET "
            "emergency_category = coalesce(calls.emergency_category, excluded.emergency_category), "
            "emergency_cue = coalesce(calls.emergency_cue, excluded.emergency_cue), "
            "emergency_source = coalesce(calls.emergency_source, excluded.emergency_source), "
            "emergency_at = coalesce(calls.emergency_at, excluded.emergency_at), "
            "emergency_confirmed_by = excluded.emergency_confirmed_by, updated_at = now()",
        .nparams = 9,
        .params = params};
    /* corr 0: the actor only logs a failure; the Redis state and the event
     * already carry the fact, and end-of-call persists it again. */
    if (eng_pg_txn(c->router->cfg.pg, c->self, 0, ENG_CLASS_TIMER, 0, c->st.tenant_id, 1, &stmt) !=
        ENG_OK)
        ENG_WARN(c->loop, "call.emergency_not_saved", "call=%s reason=pg_refused", c->st.call_id);
}

/*
 * Marks the call as an emergency once. The first source wins; a second
 * source is recorded as a confirmation and emits nothing new.
 * Returns true when this call made the first mark.
 */
static bool emergency_mark(call_t *c, const char *category, const char *cue, const char *source)
{
    if (c->st.emergency_category) {
        if (strcmp(c->st.emergency_source, source) != 0 && !c->st.emergency_confirmed_by) {
            c->st.emergency_confirmed_by = eng_xstrdup(source);
            state_save(c);
            emergency_persist(c);
            ENG_INFO(c->loop, "call.emergency_confirmed", "call=%s by=%s category=%s",
                     c->st.call_id, source, c->st.emergency_category);
        }
        return false;
    }
    c->st.emergency_category = eng_xstrdup(category);
    c->st.emergency_cue = eng_xstrdup(cue);
    c->st.emergency_source = eng_xstrdup(source);
    c->st.emergency_ms = eng_loop_wall_ms(c->loop);
    eng_counter_add(c->router->m_emergencies, 1);
    ENG_WARN(c->loop, "call.emergency", "call=%s tenant=%s category=%s source=%s", c->st.call_id,
             c->st.tenant_id ? c->st.tenant_id : "-", category, source);
    state_save(c);
    emergency_persist(c);
    emergency_emit(c, category, cue, source);
    return true;
}

static void tool_report_emergency(call_t *c, const sch_tool_call_t *tc, eng_buf_t *out,
                                  bool *is_error)
{
    const char *category = sch_tool_arg(tc, "category");
    const char *desc = sch_tool_arg(tc, "description");
    act_emg_category_t cat;
    if (!category || !act_emg_category_parse(category, &cat)) {
        /* The model did not name a policy category: classify its description. */
        act_emg_result_t res;
        const char *text = desc ? desc : "";
        act_emg_classify(text, strlen(text), ACT_EMG_IND_UNKNOWN, ACT_EMG_LANG_AUTO, &res);
        cat = res.emergency ? res.category : ACT_EMG_NONE;
    }
    const char *cat_name = cat == ACT_EMG_NONE ? "unspecified" : act_emg_category_name(cat);
    emergency_mark(c, cat_name, desc ? desc : "reported by the assistant", "report_emergency");
    *is_error = false;
    if (spanish(c))
        eng_buf_printf(out,
                       "Marqué esta llamada como emergencia para que el equipo de %s la vea de "
                       "inmediato. Dígale a la persona que llama cómo mantenerse a salvo.",
                       business(c));
    else
        eng_buf_printf(out,
                       "This call is now marked as an emergency so the team at %s sees it right "
                       "away. Tell the caller how to stay safe while they wait.",
                       business(c));
}

/* The tools whose handlers arrive with later work answer honestly. */
static void tool_not_available(call_t *c, const sch_tool_call_t *tc, eng_buf_t *out, bool *is_error)
{
    *is_error = true;
    if (spanish(c))
        eng_buf_printf(out,
                       "La herramienta %s todavía no está disponible. Tome el nombre y el número "
                       "de la persona y dígale que alguien de %s le devolverá la llamada.",
                       tc->name, business(c));
    else
        eng_buf_printf(out,
                       "The %s tool is not available yet. Take the caller's name and number and "
                       "tell them someone from %s will call them back.",
                       tc->name, business(c));
}

typedef void (*tool_fn)(call_t *c, const sch_tool_call_t *tc, eng_buf_t *out, bool *is_error);

static tool_fn tool_handler(const char *name)
{
    if (strcmp(name, "report_emergency") == 0)
        return tool_report_emergency;
    if (sch_tool_find(name))
        return tool_not_available;
    return NULL;
}

/* A tool-calls request some of whose calls run as I/O jobs (act_tool.h). */
typedef struct tool_batch {
    sch_tool_calls_t *req; /* retained */
    sch_tool_results_t *res;
    size_t outstanding;
} tool_batch_t;

#define BATCH_SHIFT 16 /* job corr = batch id << 16 | index of the call */

static void tool_batch_free(tool_batch_t *b)
{
    if (!b)
        return;
    eng_msg_free(&b->req->hdr);
    eng_msg_free(&b->res->hdr);
    free(b);
}

static sch_lang_t answer_language(const call_t *c)
{
    return c->st.language == SCH_LANG_ES ? SCH_LANG_ES : SCH_LANG_EN;
}

static eng_err_t tool_job_start(call_t *c, act_tool_start_fn start, const sch_tool_calls_t *req,
                                size_t idx, uint64_t batch_id)
{
    const sch_tool_call_t *tc = &req->calls[idx];
    act_tool_job_t *job = eng_xcalloc(1, sizeof(*job));
    job->pg = c->router->cfg.pg;
    job->redis = c->router->cfg.redis;
    job->fmts = c->router->fmts;
    job->statics = c->router->statics;
    job->call_id = eng_xstrdup(c->st.call_id);
    job->caller_number = eng_xstrdup(c->st.caller_number);
    sch_tenant_profile_copy(&job->tenant, &c->profile);
    job->language = answer_language(c);
    job->call.id = eng_xstrdup(tc->id);
    job->call.name = eng_xstrdup(tc->name);
    job->call.nargs = tc->nargs;
    job->call.args = eng_xcalloc(tc->nargs ? tc->nargs : 1, sizeof(*job->call.args));
    for (size_t i = 0; i < tc->nargs; i++) {
        job->call.args[i].key = eng_xstrdup(tc->args[i].key);
        job->call.args[i].value = eng_xstrdup(tc->args[i].value);
    }
    job->reply_to = c->self;
    job->corr = batch_id << BATCH_SHIFT | idx;
    job->deadline_ms = io_deadline(c, req->hdr.deadline_ms);
    return start(c->loop, job);
}

/* A job's single result: fill its slot; answer Vapi when the batch is complete. */
static void tool_job_done(call_t *c, const sch_tool_results_t *r)
{
    uint64_t batch_id = r->hdr.corr >> BATCH_SHIFT;
    size_t idx = (size_t)(r->hdr.corr & ((1u << BATCH_SHIFT) - 1));
    tool_batch_t *b = eng_map_get_u64(&c->batches, batch_id);
    if (!b || idx >= b->res->nresults || b->res->results[idx].text || r->nresults != 1)
        return;
    sch_tool_result_t *out = &b->res->results[idx];
    out->text = eng_xstrdup(r->results[0].text ? r->results[0].text : "");
    out->is_error = r->results[0].is_error;
    if (out->id && !r->results[0].transient)
        remember_tool(c, out->id, out->name ? out->name : "", out->text, out->is_error);
    if (--b->outstanding > 0)
        return;
    eng_map_del_u64(&c->batches, batch_id);
    sch_tool_results_t *res = b->res;
    b->res = NULL;
    (void)eng_reply(c->loop, &b->req->hdr, &res->hdr);
    eng_msg_free(&b->req->hdr);
    free(b);
}

/* The tenant could not be loaded (Postgres down): every call gets a spoken way forward, and
 * nothing is remembered, so Vapi's retry of the same toolCallId tries again. */
static void reply_tools_degraded(call_t *c, const sch_tool_calls_t *req)
{
    sch_tool_results_t *res = sch_tool_results_new(req->ncalls);
    for (size_t i = 0; i < req->ncalls; i++) {
        res->results[i].id = eng_xstrdup(req->calls[i].id);
        res->results[i].name = eng_xstrdup(req->calls[i].name);
        res->results[i].text = eng_xstrdup(
            "The system is not answering right now. Take the caller's name and number and tell "
            "them someone will call back shortly. / El sistema no responde en este momento: tome "
            "el nombre y el número y diga que le devolverán la llamada pronto.");
        res->results[i].is_error = true;
        res->results[i].transient = true;
    }
    (void)eng_reply(c->loop, &req->hdr, &res->hdr);
}

static void handle_tool_calls(call_t *c, const sch_tool_calls_t *req)
{
    sch_tool_results_t *res = sch_tool_results_new(req->ncalls);
    tool_batch_t *batch = NULL;
    uint64_t batch_id = 0;
    for (size_t i = 0; i < req->ncalls; i++) {
        const sch_tool_call_t *tc = &req->calls[i];
        sch_tool_result_t *out = &res->results[i];
        out->id = eng_xstrdup(tc->id);
        out->name = eng_xstrdup(tc->name);
        tool_result_t *seen = tc->id ? eng_map_get_str(&c->tools, tc->id) : NULL;
        if (seen) {
            /* Vapi retried: same answer, no second side effect. */
            eng_counter_add(c->router->m_tool_repeat, 1);
            out->text = eng_xstrdup(seen->text);
            out->is_error = seen->is_error;
            continue;
        }
        act_tool_start_fn start = act_tool_handler(tc->name);
        if (start && c->have_profile) {
            if (!batch) {
                batch = eng_xcalloc(1, sizeof(*batch));
                batch_id = ++c->next_batch;
            }
            batch->outstanding++;
            if (tool_job_start(c, start, req, i, batch_id) == ENG_OK)
                continue;
            batch->outstanding--;
        }
        eng_buf_t text;
        eng_buf_init(&text);
        bool is_error = true;
        tool_fn fn = tc->name ? tool_handler(tc->name) : NULL;
        if (fn)
            fn(c, tc, &text, &is_error);
        else
            eng_buf_printf(&text, "Unknown tool '%s'. Do not call it again.",
                           tc->name ? tc->name : "");
        out->text = eng_buf_steal(&text, NULL);
        out->is_error = is_error;
        if (tc->id)
            remember_tool(c, tc->id, out->name ? out->name : "", out->text, is_error);
    }
    if (batch && batch->outstanding > 0) {
        /* Some results come from jobs: answer when the last one is in. */
        eng_msg_retain((eng_msg_t *)&req->hdr);
        batch->req = (sch_tool_calls_t *)req;
        batch->res = res;
        eng_map_put_u64(&c->batches, batch_id, batch);
        return;
    }
    free(batch);
    (void)eng_reply(c->loop, &req->hdr, &res->hdr);
}

/* ---------------------------------------------------------------- transcripts */

static act_emg_industry_t emg_industry(const call_t *c)
{
    if (!c->have_profile)
        return ACT_EMG_IND_UNKNOWN;
    switch (c->profile.industry) {
    case SCH_INDUSTRY_HVAC:
        return ACT_EMG_IND_HVAC;
    case SCH_INDUSTRY_PLUMBING:
        return ACT_EMG_IND_PLUMBING;
    case SCH_INDUSTRY_ELECTRICAL:
        return ACT_EMG_IND_ELECTRICAL;
    }
    return ACT_EMG_IND_UNKNOWN;
}

static void handle_transcript(call_t *c, const sch_call_event_t *ev)
{
    if (!ev->final || !ev->role || strcmp(ev->role, "user") != 0 || !ev->text)
        return;
    act_emg_lang_t lang = c->st.language == SCH_LANG_EN   ? ACT_EMG_LANG_EN
                          : c->st.language == SCH_LANG_ES ? ACT_EMG_LANG_ES
                                                          : ACT_EMG_LANG_AUTO;
    act_emg_result_t res;
    act_emg_classify(ev->text, strlen(ev->text), emg_industry(c), lang, &res);
    if (!res.emergency)
        return;
    emergency_mark(c, act_emg_category_name(res.category), res.ncues ? res.cues[0] : "",
                   "transcript");
}

/* ---------------------------------------------------------------- end of call */

static void persist_start(call_t *c)
{
    sch_call_event_t *ev = c->end_report;
    c->op = OP_PERSIST;
    c->step = STEP_PERSIST_DB;
    if (!c->st.tenant_id) {
        /* A call we never placed (unknown number): nothing to attach it to. */
        ENG_INFO(c->loop, "call.end_unrouted", "call=%s", c->st.call_id);
        if (c->resolved)
            inbox_clear(c); /* definitely no tenant: nothing will ever save it */
        call_retire(c);
        return;
    }
    char started[32], ended[32], duration[32], cost[32];
    snprintf(started, sizeof(started), "%lld",
             (long long)(ev->started_ms ? ev->started_ms : c->st.started_ms));
    snprintf(ended, sizeof(ended), "%lld",
             (long long)(ev->ended_ms ? ev->ended_ms : eng_loop_wall_ms(c->loop)));
    snprintf(duration, sizeof(duration), "%.3f", ev->duration_s);
    snprintf(cost, sizeof(cost), "%.6f", ev->cost);
    const char *params[] = {c->st.call_id,
                            c->st.tenant_id,
                            c->st.caller_number,
                            c->st.dialed_number,
                            started,
                            ended,
                            ev->ended_reason,
                            duration,
                            cost,
                            ev->summary,
                            ev->transcript,
                            ev->recording_url,
                            c->st.emergency_category,
                            c->st.emergency_cue,
                            c->st.emergency_source,
                            c->st.emergency_confirmed_by};
    eng_pg_stmt_t stmt = {
        .sql =
            "INSERT INTO calls (vapi_call_id, tenant_id, caller_number, dialed_number, "
            "started_at, ended_at, status, ended_reason, duration_s, cost, summary, transcript, "
            "recording_url, emergency_category, emergency_cue, emergency_source, "
            "emergency_confirmed_by) "
            "VALUES ($1, $2::uuid, $3, $4, to_timestamp($5::bigint / 1000.0), "
            "to_timestamp($6::bigint / 1000.0), 'ended', $7, $8::numeric, $9::numeric, $10, $11, "
            "$12, $13, $14, $15, $16) "
            "ON CONFLICT (vapi_call_id) DO UPDATE SET started_at = excluded.started_at, "
            "ended_at = excluded.ended_at, status = 'ended', ended_reason = excluded.ended_reason, "
            "duration_s = excluded.duration_s, cost = excluded.cost, summary = excluded.summary, "
            "transcript = excluded.transcript, recording_url = excluded.recording_url, "
            "emergency_category = coalesce(calls.emergency_category, excluded.emergency_category), "
            "emergency_cue = coalesce(calls.emergency_cue, excluded.emergency_cue), "
            "emergency_source = coalesce(calls.emergency_source, excluded.emergency_source), "
            "emergency_confirmed_by = coalesce(calls.emergency_confirmed_by, "
            "excluded.emergency_confirmed_by), updated_at = now()",
        .nparams = 16,
        .params = params};
    int64_t deadline = eng_loop_now_ms(c->loop) + 5000;
    if (eng_pg_txn(c->router->cfg.pg, c->self, new_corr(c), ENG_CLASS_BACKGROUND, deadline,
                   c->st.tenant_id, 1, &stmt) != ENG_OK)
        persist_failed(c, "not sent");
}

/* Saving failed: retry with backoff, or give up and leave it to the inbox replay. */
static void persist_failed(call_t *c, const char *why)
{
    c->persist_attempts++;
    c->corr = 0;
    if (c->persist_attempts >= PERSIST_MAX_ATTEMPTS) {
        eng_counter_add(c->router->m_persist_failed, 1);
        ENG_ERROR(c->loop, "call.persist_failed",
                  "call=%s attempts=%d err=\"%s\" kept=inbox_until_restart", c->st.call_id,
                  c->persist_attempts, why);
        call_retire(c); /* the inbox copy stays: the next start replays it */
        return;
    }
    int64_t backoff = 250LL << (c->persist_attempts < 7 ? c->persist_attempts : 7);
    ENG_WARN(c->loop, "call.persist_retry", "call=%s attempt=%d in_ms=%lld err=\"%s\"",
             c->st.call_id, c->persist_attempts, (long long)backoff, why);
    eng_msg_t *retry = eng_msg_new(sizeof(eng_msg_t), MSG_PERSIST_RETRY, ENG_CLASS_TIMER, NULL);
    eng_timer_after(c->loop, c->self, backoff, retry);
}

static void persist_done(call_t *c, const eng_pg_result_msg_t *r)
{
    if (r->err != ENG_OK) {
        persist_failed(c, r->errmsg ? r->errmsg : eng_err_str(r->err));
        return;
    }
    ENG_INFO(c->loop, "call.ended", "call=%s tenant=%s reason=%s", c->st.call_id, c->st.tenant_id,
             c->end_report->ended_reason ? c->end_report->ended_reason : "-");
    inbox_clear(c);
    call_retire(c);
}

/* The report is saved (or belongs to no tenant): its inbox copy can go. */
static void inbox_clear(call_t *c)
{
    const char *argv[] = {"HDEL", SCH_EOC_INBOX_KEY, c->st.call_id};
    size_t lens[] = {4, strlen(SCH_EOC_INBOX_KEY), strlen(c->st.call_id)};
    redis_fire(c, 3, argv, lens);
}

/* The call is over: drop it from the live index, keep a short-lived copy of
 * the hot state for the ops tool, and stop. */
static void call_retire(call_t *c)
{
    c->op = OP_NONE;
    c->corr = 0;
    set_str(&c->st.status, "ended");
    if (c->loaded) {
        state_write(c, ENDED_STATE_TTL_S, false); /* one SET and a ZREM: no ZADD, no EXPIRE */
    } else { /* whatever an earlier engine wrote goes the same way */
        char key[300], ttl[32];
        snprintf(key, sizeof(key), "call:%s", c->st.call_id);
        snprintf(ttl, sizeof(ttl), "%d", ENDED_STATE_TTL_S);
        const char *eargv[] = {"EXPIRE", key, ttl};
        size_t elens[] = {6, strlen(key), strlen(ttl)};
        redis_fire(c, 3, eargv, elens);
        live_index_remove(c);
    }
    eng_actor_stop(c->loop, c->self);
}

/* ---------------------------------------------------------------- resolve */

static void profile_from_row(sch_tenant_profile_t *p, const eng_pg_result_t *r)
{
    p->id = eng_xstrdup(eng_pg_value(r, 0, 0));
    p->name = eng_xstrdup(eng_pg_value(r, 0, 1));
    (void)sch_industry_parse(eng_pg_value(r, 0, 2), &p->industry);
    p->timezone = eng_xstrdup(eng_pg_value(r, 0, 3));
    (void)sch_lang_parse(eng_pg_value(r, 0, 4), &p->language);
    p->active = strcmp(eng_pg_value(r, 0, 5), "active") == 0;
    if (!eng_pg_is_null(r, 0, 6))
        p->greeting = eng_xstrdup(eng_pg_value(r, 0, 6));
    if (!eng_pg_is_null(r, 0, 7))
        p->extra_instructions = eng_xstrdup(eng_pg_value(r, 0, 7));
    /* Business hours and services as spoken lines, for the prompt (0003_booking.sql). */
    if (!eng_pg_is_null(r, 0, 8))
        (void)act_booking_parse_text_array(eng_pg_value(r, 0, 8), &p->hours, &p->nhours);
    if (!eng_pg_is_null(r, 0, 9))
        (void)act_booking_parse_text_array(eng_pg_value(r, 0, 9), &p->services, &p->nservices);
}

static void cache_fill(call_t *c)
{
    char ttl[32], key[300];
    snprintf(ttl, sizeof(ttl), "%lld", (long long)c->router->cfg.cache_ttl_s);
    const sch_call_ctx_t *ctx = msg_ctx(c->current);
    if (ctx && ctx->dialed_number)
        snprintf(key, sizeof(key), "phone:%s", ctx->dialed_number);
    else if (ctx && ctx->phone_number_id)
        snprintf(key, sizeof(key), "phoneid:%s", ctx->phone_number_id);
    else
        key[0] = '\0';
    if (key[0]) {
        const char *argv[] = {"SET", key, c->profile.id, "EX", ttl};
        size_t lens[] = {3, strlen(key), strlen(c->profile.id), 2, strlen(ttl)};
        redis_fire(c, 5, argv, lens);
    }
    eng_buf_t packed;
    eng_buf_init(&packed);
    sch_tenant_profile_pack(&c->profile, &packed);
    snprintf(key, sizeof(key), "tenant:%s", c->profile.id);
    const char *argv[] = {"SET", key, packed.data, "EX", ttl};
    size_t lens[] = {3, strlen(key), packed.len, 2, strlen(ttl)};
    redis_fire(c, 5, argv, lens);
    eng_buf_deinit(&packed);
}

/* The profile is known: the call is placed with its tenant. */
static void resolve_done(call_t *c)
{
    c->resolved = true;
    c->loaded = true;
    c->have_profile = true;
    set_str(&c->st.tenant_id, c->profile.id);
    set_str(&c->st.tenant_name, c->profile.name);
    c->st.language = c->profile.language;
    if (!c->st.status)
        c->st.status = eng_xstrdup("ringing");
    eng_counter_add(c->router->m_calls, 1);
    op_finish(c);
}

static void resolve_unknown(call_t *c)
{
    c->resolved = true;
    eng_counter_add(c->router->m_unknown_number, 1);
    const sch_call_ctx_t *ctx = msg_ctx(c->current);
    ENG_WARN(c->loop, "call.unknown_number", "call=%s dialed=%s phone_id=%s", c->st.call_id,
             ctx && ctx->dialed_number ? ctx->dialed_number : "-",
             ctx && ctx->phone_number_id ? ctx->phone_number_id : "-");
    op_finish(c);
}

static void resolve_failed(call_t *c, const char *why)
{
    ENG_ERROR(c->loop, "call.resolve_failed", "call=%s reason=\"%s\"", c->st.call_id, why);
    eng_msg_t *cur = c->current;
    c->current = NULL;
    c->op = OP_NONE;
    c->corr = 0;
    /* Not resolved: a later message tries again. What this one needed: */
    if (cur->type == SCH_MSG_ASSISTANT_REQUEST) {
        reply_unavailable(c, cur); /* a spoken apology now, not silence */
    } else if (cur->type == SCH_MSG_TOOL_CALLS) {
        reply_tools_degraded(c, (const sch_tool_calls_t *)cur);
    } else if (++c->resolve_failures <= RESOLVE_MAX_RETRIES) {
        /* An event we accepted (status, transcript, end-of-call report) must not be lost
         * to a database outage: it comes back to this actor after a pause. */
        eng_msg_retain(cur);
        eng_timer_after(c->loop, c->self, 1000, cur);
    } else {
        ENG_ERROR(c->loop, "call.event_dropped", "call=%s event=%s attempts=%d", c->st.call_id,
                  sch_msg_type_name(cur->type), c->resolve_failures);
    }
    eng_msg_free(cur);
    op_finish(c);
}

static void resolve_db(call_t *c)
{
    const sch_call_ctx_t *ctx = msg_ctx(c->current);
    const char *where;
    const char *param;
    if (ctx && ctx->dialed_number) {
        where = "p.number = $1";
        param = ctx->dialed_number;
    } else if (ctx && ctx->phone_number_id) {
        where = "p.vapi_phone_number_id = $1";
        param = ctx->phone_number_id;
    } else {
        where = "t.id = $1::uuid";
        param = c->st.tenant_id;
    }
    char sql[900];
    snprintf(sql, sizeof(sql),
             "SELECT t.id, t.name, t.industry, t.timezone, t.language, t.status, s.greeting, "
             "s.extra_instructions, l.hours, l.services FROM tenants t "
             "LEFT JOIN phone_numbers p ON p.tenant_id = t.id "
             "LEFT JOIN assistant_settings s ON s.tenant_id = t.id "
             "LEFT JOIN LATERAL sai_profile_lines(t.id, CASE WHEN t.language = 'es' THEN 'es' "
             "ELSE 'en' END) l ON true WHERE %s LIMIT 1",
             where);
    const char *params[] = {param};
    /* Routing a number to its tenant is the one cross-tenant read of the call path. */
    eng_pg_stmt_t stmts[] = {
        {.sql = "SELECT set_config('app.scope', 'platform', true)", .nparams = 0},
        {.sql = sql, .nparams = 1, .params = params},
    };
    c->step = STEP_TENANT_DB;
    eng_counter_add(c->router->m_cache_miss, 1);
    int64_t deadline = io_deadline(c, c->current->deadline_ms);
    if (eng_pg_txn(c->router->cfg.pg, c->self, new_corr(c), ENG_CLASS_LIVE, deadline, NULL, 2,
                   stmts) != ENG_OK)
        resolve_failed(c, "postgres unavailable");
}

static void resolve_start(call_t *c)
{
    c->op = OP_RESOLVE;
    const sch_call_ctx_t *ctx = msg_ctx(c->current);
    char key[300];
    if (ctx && ctx->dialed_number)
        snprintf(key, sizeof(key), "phone:%s", ctx->dialed_number);
    else if (ctx && ctx->phone_number_id)
        snprintf(key, sizeof(key), "phoneid:%s", ctx->phone_number_id);
    else if (c->st.tenant_id)
        snprintf(key, sizeof(key), "tenant:%s", c->st.tenant_id);
    else {
        resolve_unknown(c);
        return;
    }
    c->step = strncmp(key, "tenant:", 7) == 0 ? STEP_TENANT_CACHE : STEP_PHONE_CACHE;
    if (redis_get(c, key) != ENG_OK)
        resolve_db(c);
}

static void resolve_on_redis(call_t *c, const eng_redis_reply_msg_t *r)
{
    bool hit = r->err == ENG_OK && r->value.type == ENG_REDIS_STRING;
    if (c->step == STEP_PHONE_CACHE) {
        if (!hit) {
            resolve_db(c);
            return;
        }
        char key[300];
        snprintf(key, sizeof(key), "tenant:%s", r->value.str);
        set_str(&c->st.tenant_id, r->value.str);
        c->step = STEP_TENANT_CACHE;
        if (redis_get(c, key) != ENG_OK)
            resolve_db(c);
        return;
    }
    /* STEP_TENANT_CACHE */
    sch_tenant_profile_t p = {0};
    if (hit && sch_tenant_profile_unpack(r->value.str, r->value.len, &p) == ENG_OK) {
        eng_counter_add(c->router->m_cache_hit, 1);
        sch_tenant_profile_deinit(&c->profile);
        c->profile = p;
        resolve_done(c);
        return;
    }
    sch_tenant_profile_deinit(&p);
    resolve_db(c);
}

static void resolve_on_pg(call_t *c, const eng_pg_result_msg_t *r)
{
    if (r->err != ENG_OK || r->nresults < 2) {
        resolve_failed(c, r->errmsg ? r->errmsg : eng_err_str(r->err));
        return;
    }
    const eng_pg_result_t *rows = r->results[1];
    if (eng_pg_ntuples(rows) == 0) {
        resolve_unknown(c);
        return;
    }
    sch_tenant_profile_deinit(&c->profile);
    profile_from_row(&c->profile, rows);
    cache_fill(c);
    resolve_done(c);
}

/* ---------------------------------------------------------------- rehydrate */

static void rehydrate_start(call_t *c)
{
    c->op = OP_REHYDRATE;
    c->step = STEP_STATE_GET;
    char key[300];
    snprintf(key, sizeof(key), "call:%s", c->st.call_id);
    if (redis_get(c, key) != ENG_OK)
        resolve_start(c); /* Redis down: place the call from its context */
}

static void rehydrate_tools(call_t *c, const eng_redis_value_t *v)
{
    if (v->type != ENG_REDIS_ARRAY)
        return;
    for (size_t i = 0; i + 1 < v->nelem; i += 2) {
        const eng_redis_value_t *k = &v->elem[i], *val = &v->elem[i + 1];
        if (k->type != ENG_REDIS_STRING || val->type != ENG_REDIS_STRING || val->len < 2)
            continue;
        const char *sep = memchr(val->str, '\x1f', val->len);
        if (!sep)
            continue;
        tool_result_t *t = eng_xcalloc(1, sizeof(*t));
        t->is_error = val->str[0] == 'E';
        t->name = eng_xstrndup(val->str + 1, (size_t)(sep - val->str - 1));
        t->text = eng_xstrdup(sep + 1);
        tool_result_free(eng_map_del_str(&c->tools, k->str));
        eng_map_put_str(&c->tools, k->str, t);
    }
}

static void rehydrate_on_redis(call_t *c, const eng_redis_reply_msg_t *r)
{
    if (c->step == STEP_STATE_GET) {
        sch_call_state_t st = {0};
        if (r->err == ENG_OK && r->value.type == ENG_REDIS_STRING &&
            sch_call_state_unpack(r->value.str, r->value.len, &st) == ENG_OK && st.tenant_id) {
            char *call_id = c->st.call_id;
            c->st.call_id = NULL;
            sch_call_state_deinit(&c->st);
            c->st = st;
            free(c->st.call_id);
            c->st.call_id = call_id;
            c->loaded = true;
            /* A late event for a call whose report is saved must not bring it back to life. */
            c->finished = c->st.last_event && strcmp(c->st.last_event, "end-of-call-report") == 0;
            eng_counter_add(c->router->m_rehydrated, 1);
            ENG_INFO(c->loop, "call.rehydrated", "call=%s tenant=%s status=%s", c->st.call_id,
                     c->st.tenant_id, c->st.status ? c->st.status : "-");
            char key[300];
            snprintf(key, sizeof(key), "call:%s:tools", c->st.call_id);
            const char *argv[] = {"HGETALL", key};
            size_t lens[] = {7, strlen(key)};
            c->step = STEP_TOOLS_GET;
            if (eng_redis_command(c->router->cfg.redis, c->self, new_corr(c), ENG_CLASS_LIVE, 2,
                                  argv, lens) != ENG_OK)
                resolve_start(c);
            return;
        }
        sch_call_state_deinit(&st);
        /* No hot state (expired, or Redis lost it): place the call afresh. */
        resolve_start(c);
        return;
    }
    /* STEP_TOOLS_GET; then load the profile (for templates and the classifier) */
    if (r->err == ENG_OK)
        rehydrate_tools(c, &r->value);
    resolve_start(c);
}

/* ---------------------------------------------------------------- dispatch */

static void op_finish(call_t *c)
{
    c->op = OP_NONE;
    c->step = 0;
    c->corr = 0;
    eng_msg_t *cur = c->current;
    c->current = NULL;
    if (cur) {
        call_process(c, cur); /* serve the message the operation was for */
        eng_msg_free(cur);
    }
    /* Replay what queued up meanwhile, until an operation starts again. */
    while (c->op == OP_NONE && c->ndeferred > 0) {
        eng_msg_t *m = c->deferred[0];
        memmove(c->deferred, c->deferred + 1, (c->ndeferred - 1) * sizeof(*c->deferred));
        c->ndeferred--;
        call_process(c, m);
        eng_msg_free(m);
    }
}

static void defer_msg(call_t *c, eng_msg_t *msg)
{
    if (c->ndeferred == c->cap_deferred) {
        c->cap_deferred = c->cap_deferred ? c->cap_deferred * 2 : 4;
        c->deferred = eng_xrealloc(c->deferred, c->cap_deferred * sizeof(*c->deferred));
    }
    eng_msg_retain(msg);
    c->deferred[c->ndeferred++] = msg;
}

/* Starts an operation for msg (retaining it) and returns true, or false when msg can run now. */
static bool needs_op(call_t *c, eng_msg_t *msg)
{
    if (c->resolved && (c->have_profile || !c->loaded))
        return false;
    eng_msg_retain(msg);
    c->current = msg;
    if (!c->loaded && msg->type != SCH_MSG_ASSISTANT_REQUEST)
        rehydrate_start(c);
    else
        resolve_start(c);
    return true;
}

static void call_process(call_t *c, eng_msg_t *msg)
{
    if (needs_op(c, msg))
        return;
    if (c->finished && msg->type != SCH_MSG_END_OF_CALL) {
        /* Over already: answer a request at once, drop an event, and go. */
        if (msg->reply_to)
            bounce_request(c, msg);
        eng_actor_stop(c->loop, c->self);
        return;
    }
    touch(c, msg);
    switch (msg->type) {
    case SCH_MSG_ASSISTANT_REQUEST:
        reply_assistant(c, msg);
        break;
    case SCH_MSG_TOOL_CALLS:
        handle_tool_calls(c, (const sch_tool_calls_t *)msg);
        break;
    case SCH_MSG_CALL_STATUS: {
        const sch_call_event_t *ev = (const sch_call_event_t *)msg;
        bool changed = !c->st.status || !ev->status || strcmp(c->st.status, ev->status) != 0;
        set_str(&c->st.status, ev->status);
        if (changed) {
            state_save(c); /* operators watch the status: no delay for it */
            return;
        }
        break;
    }
    case SCH_MSG_TRANSCRIPT:
        handle_transcript(c, (const sch_call_event_t *)msg);
        break;
    case SCH_MSG_END_OF_CALL:
        if (!c->end_report) {
            eng_msg_retain(msg);
            c->end_report = (sch_call_event_t *)msg;
            state_save_soon(c); /* retiring writes the final state once it is persisted */
            persist_start(c);
            return;
        }
        break; /* a duplicate report: already persisting */
    }
    state_save_soon(c);
}

static void call_handle(eng_actor_t *self, eng_msg_t *msg)
{
    call_t *c = eng_actor_state(self);
    switch (msg->type) {
    case ENG_MSG_REDIS_REPLY: {
        eng_redis_reply_msg_t *r = (eng_redis_reply_msg_t *)msg;
        if (msg->corr == 0 || msg->corr != c->corr)
            return; /* a step we abandoned (writes send no replies: redis_fire) */
        if (c->op == OP_RESOLVE)
            resolve_on_redis(c, r);
        else if (c->op == OP_REHYDRATE)
            rehydrate_on_redis(c, r);
        return;
    }
    case ENG_MSG_PG_RESULT: {
        eng_pg_result_msg_t *r = (eng_pg_result_msg_t *)msg;
        if (msg->corr == 0) {
            if (r->err != ENG_OK)
                ENG_WARN(c->loop, "call.pg_write_failed", "call=%s err=\"%s\"", c->st.call_id,
                         r->errmsg ? r->errmsg : eng_err_str(r->err));
            return;
        }
        if (msg->corr != c->corr)
            return;
        if (c->op == OP_RESOLVE)
            resolve_on_pg(c, r);
        else if (c->op == OP_PERSIST)
            persist_done(c, r);
        return;
    }
    case SCH_MSG_TOOL_RESULTS:
        tool_job_done(c, (const sch_tool_results_t *)msg);
        return;
    case MSG_PERSIST_RETRY:
        if (c->op == OP_PERSIST && c->corr == 0)
            persist_start(c);
        return;
    case MSG_STATE_FLUSH:
        c->flush_timer = 0;
        if (c->state_dirty)
            state_save(c);
        return;
    case MSG_IDLE_CHECK: {
        int64_t idle = eng_loop_now_ms(c->loop) - c->last_activity_ms;
        int64_t limit = c->router->cfg.idle_stop_ms;
        if (idle >= limit && c->op == OP_NONE) {
            ENG_INFO(c->loop, "call.idle_stop", "call=%s idle_ms=%lld", c->st.call_id,
                     (long long)idle);
            live_index_remove(c);
            eng_actor_stop(c->loop, c->self);
            return;
        }
        eng_msg_t *again =
            eng_msg_new(sizeof(eng_msg_t), MSG_IDLE_CHECK, ENG_CLASS_BACKGROUND, NULL);
        c->idle_timer =
            eng_timer_after(c->loop, c->self, limit - idle > 0 ? limit - idle : limit, again);
        return;
    }
    }
    if (!msg_ctx(msg))
        return;
    if (c->op != OP_NONE || c->end_report) {
        if (c->end_report && c->op == OP_NONE) {
            if (msg->reply_to)
                bounce_request(c, msg); /* the call is over */
            return;
        }
        defer_msg(c, msg);
        return;
    }
    call_process(c, msg);
}

static void free_tool_cb(const char *skey, uint64_t ikey, void *val, void *arg)
{
    tool_result_free(val);
}

static void bounce_request(call_t *c, const eng_msg_t *req)
{
    eng_msg_t *r = eng_msg_new(sizeof(eng_msg_t), ENG_MSG_DEAD_LETTER, req->cls, NULL);
    (void)eng_reply(c->loop, req, r);
}

static void free_batch_cb(const char *skey, uint64_t ikey, void *val, void *arg)
{
    call_t *c = arg;
    tool_batch_t *b = val;
    bounce_request(c, &b->req->hdr);
    tool_batch_free(b);
}

static void call_stop(eng_actor_t *self)
{
    call_t *c = eng_actor_state(self);
    if (c->router) {
        c->router->live--;
        eng_map_del_u64(&c->router->calls, c->self);
    }
    eng_timer_cancel(c->loop, c->idle_timer);
    if (c->flush_timer)
        eng_timer_cancel(c->loop, c->flush_timer);
    /* Requests still waiting here get an answer now (the front speaks its fallback at
     * once) rather than silence until their deadline. */
    for (size_t i = 0; i < c->ndeferred; i++) {
        if (c->deferred[i]->reply_to)
            bounce_request(c, c->deferred[i]);
        eng_msg_free(c->deferred[i]);
    }
    if (c->current && c->current->reply_to)
        bounce_request(c, c->current);
    free(c->deferred);
    eng_msg_free(c->current);
    if (c->end_report)
        eng_msg_free(&c->end_report->hdr);
    eng_map_each(&c->tools, free_tool_cb, NULL);
    eng_map_deinit(&c->tools);
    eng_map_each(&c->batches, free_batch_cb, c);
    eng_map_deinit(&c->batches);
    sch_call_state_deinit(&c->st);
    sch_tenant_profile_deinit(&c->profile);
    free(c);
}

static const eng_actor_ops_t call_ops = {.kind = "call", .handle = call_handle, .stop = call_stop};

/* ---------------------------------------------------------------- router */

static eng_actor_id_t call_spawn(act_call_router_t *r, const char *call_id)
{
    char name[300];
    snprintf(name, sizeof(name), "call:%s", call_id);
    call_t *c = eng_xcalloc(1, sizeof(*c));
    c->router = r;
    c->loop = r->loop;
    c->st.call_id = eng_xstrdup(call_id);
    c->last_activity_ms = eng_loop_now_ms(r->loop);
    eng_map_init(&c->tools);
    eng_map_init(&c->batches);
    r->live++;
    eng_actor_id_t id = eng_actor_spawn(r->loop, name, &call_ops, c);
    if (!id)
        return 0;
    c->self = id;
    eng_map_put_u64(&r->calls, id, c);
    eng_msg_t *idle = eng_msg_new(sizeof(eng_msg_t), MSG_IDLE_CHECK, ENG_CLASS_BACKGROUND, NULL);
    c->idle_timer = eng_timer_after(r->loop, id, r->cfg.idle_stop_ms, idle);
    return id;
}

static void router_handle(eng_actor_t *self, eng_msg_t *msg)
{
    act_call_router_t *r = eng_actor_state(self);
    const sch_call_ctx_t *ctx = msg_ctx(msg);
    if (!ctx || !ctx->call_id || !*ctx->call_id)
        return;
    char name[300];
    snprintf(name, sizeof(name), "call:%s", ctx->call_id);
    eng_actor_id_t to = eng_actor_lookup(r->loop, name);
    if (!to) {
        if (msg->type == SCH_MSG_END_OF_CALL || msg->type == SCH_MSG_CALL_STATUS ||
            msg->type == SCH_MSG_TRANSCRIPT || msg->type == SCH_MSG_TOOL_CALLS ||
            msg->type == SCH_MSG_ASSISTANT_REQUEST)
            to = call_spawn(r, ctx->call_id);
    }
    eng_msg_retain(msg); /* forwarded: the send consumes this reference */
    (void)eng_send(r->loop, to, msg);
}

static void router_stop(eng_actor_t *self)
{
    act_call_router_t *r = eng_actor_state(self);
    r->id = 0;
}

static const eng_actor_ops_t router_ops = {
    .kind = "call-router", .handle = router_handle, .stop = router_stop};

act_call_router_t *act_call_router_new(eng_loop_t *loop, const act_call_config_t *cfg)
{
    act_call_router_t *r = eng_xcalloc(1, sizeof(*r));
    r->loop = loop;
    r->cfg = *cfg;
    eng_map_init(&r->calls);
    if (!r->cfg.state_ttl_s)
        r->cfg.state_ttl_s = 7200;
    if (!r->cfg.cache_ttl_s)
        r->cfg.cache_ttl_s = 300;
    if (!r->cfg.idle_stop_ms)
        r->cfg.idle_stop_ms = 2 * 3600 * 1000;
    r->fmts = act_avail_fmts_new();
    if (r->cfg.booking_setup_ttl_ms >= 0)
        r->statics = act_booking_statics_new(
            r->cfg.booking_setup_ttl_ms ? r->cfg.booking_setup_ttl_ms : 10000);
    eng_metrics_t *m = eng_loop_metrics(loop);
    r->m_calls = eng_metrics_counter(m, "serviceai_calls_placed_total", NULL,
                                     "Calls placed with their tenant");
    r->m_unknown_number = eng_metrics_counter(m, "serviceai_calls_unknown_number_total", NULL,
                                              "Calls to a number no tenant owns");
    r->m_tool_repeat = eng_metrics_counter(m, "serviceai_tool_calls_repeated_total", NULL,
                                           "Tool calls answered from the first result (retries)");
    r->m_rehydrated = eng_metrics_counter(m, "serviceai_calls_rehydrated_total", NULL,
                                          "Call actors restored from Redis hot state");
    r->m_emergencies = eng_metrics_counter(m, "serviceai_emergencies_detected_total", NULL,
                                           "Calls marked as emergencies");
    r->m_persist_failed = eng_metrics_counter(m, "serviceai_call_persist_failed_total", NULL,
                                              "End-of-call reports that could not be saved");
    r->m_cache_hit = eng_metrics_counter(m, "serviceai_tenant_cache_total", "result=\"hit\"",
                                         "Tenant resolution through the Redis cache");
    r->m_cache_miss = eng_metrics_counter(m, "serviceai_tenant_cache_total", "result=\"miss\"",
                                          "Tenant resolution through the Redis cache");
    r->m_redis_write_errors =
        eng_metrics_counter(m, "serviceai_call_state_write_errors_total", NULL,
                            "Hot-state writes Redis refused at once (later failures: "
                            "serviceai_redis_unanswered_errors_total)");
    r->id = eng_actor_spawn(loop, SCH_CALL_ROUTER_NAME, &router_ops, r);
    return r;
}

static void collect_call_cb(const char *skey, uint64_t ikey, void *val, void *arg)
{
    eng_buf_t *ids = arg;
    eng_buf_append(ids, &ikey, sizeof(ikey));
}

void act_call_router_free(act_call_router_t *r)
{
    if (!r)
        return;
    if (r->id)
        eng_actor_stop(r->loop, r->id);
    /* Call actors point at the router: stop them first (their hot state is in Redis). */
    eng_buf_t ids;
    eng_buf_init(&ids);
    eng_map_each(&r->calls, collect_call_cb, &ids);
    for (size_t off = 0; off + sizeof(uint64_t) <= ids.len; off += sizeof(uint64_t)) {
        uint64_t id;
        memcpy(&id, ids.data + off, sizeof(id));
        eng_actor_stop(r->loop, id);
    }
    eng_buf_deinit(&ids);
    eng_map_deinit(&r->calls);
    act_avail_fmts_free(r->fmts);
    act_booking_statics_free(r->statics);
    free(r);
}

size_t act_call_router_live(const act_call_router_t *r)
{
    return r->live;
}
