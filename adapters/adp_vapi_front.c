/*
 * adp_vapi_front: POST /vapi/webhook and the "vapi-front" actor that answers
 * live requests (assistant-request, tool-calls) from domain replies.
 * Loop thread only.
 *
 * Why the front keeps its own deadline timer although eng_http has one: the
 * domain answer is late only rarely, but when it is the caller is waiting in
 * silence. The front answers with the spoken fallback a margin *before* the
 * HTTP deadline, from inside the loop, and keeps the eng_http fallback (same
 * body) as the last line of defence should the front itself be stuck.
 * ENG_MSG_TIMEOUT (the request expired in a mailbox) and
 * ENG_MSG_DEAD_LETTER (its target stopped) answer at once instead of waiting.
 */
#include "adp_vapi_front.h"
#include "eng_redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_log.h"
#include "eng_map.h"
#include "eng_metrics.h"
#include "sch_call.h"

#define JSON_TYPE "application/json"
#define DEFAULT_MARGIN_MS 250

static const char empty_body[] = "{}";
static const char unauthorized_body[] = "{\"error\":\"unauthorized\"}";

/* Why a live request got its fallback, a metrics label each. */
typedef enum {
    FB_DEADLINE,    /* the front's timer fired first */
    FB_TIMEOUT,     /* ENG_MSG_TIMEOUT: expired while queued */
    FB_DEAD_LETTER, /* ENG_MSG_DEAD_LETTER: the target actor was gone */
    FB_NO_ROUTER,   /* no actor named SCH_CALL_ROUTER_NAME */
    FB_SEND_FAILED, /* full mailbox */
    FB_BAD_REPLY,   /* a reply of the wrong kind, or one that cannot be rendered */
    FB__COUNT
} fallback_reason_t;

static const char *const fallback_labels[FB__COUNT] = {
    "deadline", "timeout", "dead_letter", "no_router", "send_failed", "bad_reply",
};

/* The two live types, as indexes of the fallback counters. */
enum { LIVE_ASSISTANT = 0, LIVE_TOOLS = 1, LIVE__COUNT };

/* A live request waiting for the domain's answer. */
typedef struct pending {
    eng_http_req_id_t id;
    adp_vapi_type_t type;
    int64_t received_us;
    eng_timer_id_t timer;
    char *fallback; /* the 200 body spoken if nothing answers */
    /* tool-calls: the calls in request order, so every toolCallId gets an answer */
    size_t ncalls;
    char **call_ids;
    char **call_names;
} pending_t;

/* Owned copy of the configuration strings. */
typedef struct config_copy {
    adp_vapi_config_t cfg; /* points into the strings below */
    char *strings[13];
    size_t nstrings;
} config_copy_t;

struct adp_vapi_front {
    eng_loop_t *loop;
    eng_http_server_t *srv;
    eng_actor_id_t actor;
    config_copy_t conf;
    eng_map_t pending; /* request id -> pending_t* */
    eng_map_t inbox;   /* inbox write corr -> inbox_wait_t*: reports waiting to be stored */
    uint64_t next_inbox;

    eng_metrics_t *metrics;
    eng_counter_t *m_auth_failures;
    eng_counter_t *m_decode_failures;
    eng_counter_t *m_late_replies;
    eng_counter_t *m_inbox_failures;
    eng_counter_t *m_replayed;
    /* Per type, created on first use. */
    eng_counter_t *m_messages[ADP_VAPI_T__COUNT];
    eng_counter_t *m_unused[ADP_VAPI_T__COUNT];
    eng_counter_t *m_forward_failures[ADP_VAPI_T__COUNT];
    eng_histogram_t *m_reply_seconds[ADP_VAPI_T__COUNT];
    eng_counter_t *m_fallbacks[LIVE__COUNT][FB__COUNT];
};

/* ---------------------------------------------------------------- config */

static const char *keep(config_copy_t *c, const char *s)
{
    if (!s)
        return NULL;
    char *copy = eng_xstrdup(s);
    c->strings[c->nstrings++] = copy;
    return copy;
}

static void config_copy_init(config_copy_t *c, const adp_vapi_config_t *src)
{
    memset(c, 0, sizeof(*c));
    if (!src)
        return;
    c->cfg = *src;
    c->cfg.secret = keep(c, src->secret);
    c->cfg.public_url = keep(c, src->public_url);
    c->cfg.credential_id = keep(c, src->credential_id);
    c->cfg.model = keep(c, src->model);
    c->cfg.transcriber_model = keep(c, src->transcriber_model);
    c->cfg.voice_provider = keep(c, src->voice_provider);
    c->cfg.voice_en = keep(c, src->voice_en);
    c->cfg.voice_es = keep(c, src->voice_es);
    c->cfg.voice_bilingual = keep(c, src->voice_bilingual);
    c->cfg.unavailable_text = keep(c, src->unavailable_text);
    c->cfg.tool_slow_text = keep(c, src->tool_slow_text);
}

static void config_copy_deinit(config_copy_t *c)
{
    for (size_t i = 0; i < c->nstrings; i++) {
        /* The secret must not linger in freed heap memory. */
        OPENSSL_cleanse(c->strings[i], strlen(c->strings[i]));
        free(c->strings[i]);
    }
    memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------- metrics */

static eng_counter_t *type_counter(adp_vapi_front_t *f, eng_counter_t **slot, const char *name,
                                   adp_vapi_type_t type, const char *help)
{
    if (!*slot) {
        char labels[96];
        snprintf(labels, sizeof(labels), "type=\"%s\"", adp_vapi_type_name(type));
        *slot = eng_metrics_counter(f->metrics, name, labels, help);
    }
    return *slot;
}

static void count_message(adp_vapi_front_t *f, adp_vapi_type_t type)
{
    eng_counter_add(type_counter(f, &f->m_messages[type], "serviceai_vapi_messages_total", type,
                                 "Vapi webhooks authenticated and decoded, by message type"),
                    1);
}

static void count_unused(adp_vapi_front_t *f, adp_vapi_type_t type)
{
    eng_counter_add(type_counter(f, &f->m_unused[type], "serviceai_vapi_unused_total", type,
                                 "Vapi webhooks acknowledged with 200 {} and not acted on"),
                    1);
}

static void count_forward_failure(adp_vapi_front_t *f, adp_vapi_type_t type)
{
    eng_counter_add(type_counter(f, &f->m_forward_failures[type],
                                 "serviceai_vapi_forward_failures_total", type,
                                 "Informational Vapi messages acknowledged but not delivered"),
                    1);
}

static void count_fallback(adp_vapi_front_t *f, adp_vapi_type_t type, fallback_reason_t why)
{
    int live = type == ADP_VAPI_T_TOOL_CALLS ? LIVE_TOOLS : LIVE_ASSISTANT;
    eng_counter_t **slot = &f->m_fallbacks[live][why];
    if (!*slot) {
        char labels[96];
        snprintf(labels, sizeof(labels), "type=\"%s\",reason=\"%s\"", adp_vapi_type_name(type),
                 fallback_labels[why]);
        *slot = eng_metrics_counter(f->metrics, "serviceai_vapi_fallbacks_total", labels,
                                    "Live Vapi requests answered with the spoken fallback");
    }
    eng_counter_add(*slot, 1);
}

static void observe_reply(adp_vapi_front_t *f, adp_vapi_type_t type, int64_t received_us)
{
    eng_histogram_t **slot = &f->m_reply_seconds[type];
    if (!*slot) {
        char labels[96];
        snprintf(labels, sizeof(labels), "type=\"%s\"", adp_vapi_type_name(type));
        *slot = eng_metrics_histogram(f->metrics, "serviceai_vapi_reply_seconds", labels,
                                      "Vapi webhook receipt to response, by message type");
    }
    eng_histogram_observe_us(*slot, eng_loop_now_us(f->loop) - received_us);
}

/* ---------------------------------------------------------------- pending requests */

static void pending_free(pending_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ncalls; i++) {
        free(p->call_ids[i]);
        free(p->call_names[i]);
    }
    free(p->call_ids);
    free(p->call_names);
    free(p->fallback);
    free(p);
}

/* Removes a pending request and cancels its timer; NULL if it is no longer pending. */
static pending_t *pending_take(adp_vapi_front_t *f, uint64_t id)
{
    pending_t *p = eng_map_del_u64(&f->pending, id);
    if (p && p->timer) {
        (void)eng_timer_cancel(f->loop, p->timer);
        p->timer = 0;
    }
    return p;
}

static void reply_body(adp_vapi_front_t *f, eng_http_req_id_t id, adp_vapi_type_t type,
                       int64_t received_us, int status, const char *body, size_t len)
{
    /* NOT_FOUND means the client left or eng_http already answered; eng_http counts it. */
    (void)eng_http_reply(f->srv, id, status, JSON_TYPE, body, len);
    observe_reply(f, type, received_us);
}

static void answer_fallback(adp_vapi_front_t *f, pending_t *p, fallback_reason_t why)
{
    ENG_WARN(f->loop, "vapi.fallback", "id=%" PRIu64 " type=%s reason=%s", p->id,
             adp_vapi_type_name(p->type), fallback_labels[why]);
    count_fallback(f, p->type, why);
    reply_body(f, p->id, p->type, p->received_us, 200, p->fallback, strlen(p->fallback));
    pending_free(p);
}

/* ---------------------------------------------------------------- actor */

static void on_assistant_reply(adp_vapi_front_t *f, const sch_assistant_reply_t *reply)
{
    pending_t *p = pending_take(f, reply->hdr.corr);
    if (!p) {
        eng_counter_add(f->m_late_replies, 1);
        return;
    }
    if (p->type != ADP_VAPI_T_ASSISTANT_REQUEST) {
        answer_fallback(f, p, FB_BAD_REPLY);
        return;
    }
    eng_buf_t out;
    eng_buf_init(&out);
    if (adp_vapi_render_assistant(reply, &f->conf.cfg, &out) != ENG_OK) {
        eng_buf_deinit(&out);
        answer_fallback(f, p, FB_BAD_REPLY);
        return;
    }
    ENG_DEBUG(f->loop, "vapi.assistant", "id=%" PRIu64 " ok=%d lang=%s", p->id, reply->ok,
              sch_lang_name(reply->language));
    reply_body(f, p->id, p->type, p->received_us, 200, out.data, out.len);
    eng_buf_deinit(&out);
    pending_free(p);
}

/* Answers every toolCallId of the request, in request order: results for calls
 * the request did not contain are dropped, calls without a result get an error. */
static void on_tool_results(adp_vapi_front_t *f, const sch_tool_results_t *results)
{
    pending_t *p = pending_take(f, results->hdr.corr);
    if (!p) {
        eng_counter_add(f->m_late_replies, 1);
        return;
    }
    if (p->type != ADP_VAPI_T_TOOL_CALLS) {
        answer_fallback(f, p, FB_BAD_REPLY);
        return;
    }
    sch_tool_results_t merged;
    memset(&merged, 0, sizeof(merged));
    merged.nresults = p->ncalls;
    merged.results = eng_xcalloc(p->ncalls ? p->ncalls : 1, sizeof(*merged.results));
    size_t missing = 0;
    for (size_t i = 0; i < p->ncalls; i++) {
        const sch_tool_result_t *found = NULL;
        for (size_t j = 0; j < results->nresults && !found; j++)
            if (results->results[j].id && strcmp(results->results[j].id, p->call_ids[i]) == 0)
                found = &results->results[j];
        sch_tool_result_t *r = &merged.results[i];
        if (found) {
            *r = *found; /* shallow: borrowed from the reply for the render */
            if (!r->name)
                r->name = p->call_names[i];
        } else {
            missing++;
            r->id = p->call_ids[i];
            r->name = p->call_names[i];
            r->text = (char *)"No result was produced for this request.";
            r->is_error = true;
        }
    }
    if (missing)
        ENG_WARN(f->loop, "vapi.tool_results_missing", "id=%" PRIu64 " missing=%zu", p->id,
                 missing);
    eng_buf_t out;
    eng_buf_init(&out);
    adp_vapi_render_tool_results(&merged, &out);
    free(merged.results);
    reply_body(f, p->id, p->type, p->received_us, 200, out.data, out.len);
    eng_buf_deinit(&out);
    pending_free(p);
}

#define REPLAY_CORR UINT64_MAX /* corr of the start-up inbox read */
#define REPLAY_RETRY_MS 500
enum { MSG_REPLAY_RETRY = ENG_MSG_USER - 20 }; /* timer: read the inbox again */

static void inbox_stored(adp_vapi_front_t *f, const eng_redis_reply_msg_t *r);
static void inbox_replay(adp_vapi_front_t *f, const eng_redis_reply_msg_t *r);

static void front_handle(eng_actor_t *self, eng_msg_t *msg)
{
    adp_vapi_front_t *f = eng_actor_state(self);
    fallback_reason_t why;
    switch (msg->type) {
    case SCH_MSG_ASSISTANT_REPLY:
        on_assistant_reply(f, (const sch_assistant_reply_t *)msg);
        return;
    case SCH_MSG_TOOL_RESULTS:
        on_tool_results(f, (const sch_tool_results_t *)msg);
        return;
    case ENG_MSG_TIMEOUT:
        why = FB_TIMEOUT;
        break;
    case ENG_MSG_DEAD_LETTER:
        why = FB_DEAD_LETTER;
        break;
    case ENG_MSG_TICK:
        why = FB_DEADLINE;
        break;
    case MSG_REPLAY_RETRY:
        adp_vapi_front_replay_inbox(f);
        return;
    case ENG_MSG_REDIS_REPLY:
        if (msg->corr == REPLAY_CORR)
            inbox_replay(f, (const eng_redis_reply_msg_t *)msg);
        else
            inbox_stored(f, (const eng_redis_reply_msg_t *)msg);
        return;
    default:
        ENG_DEBUG(f->loop, "vapi.front_ignored", "type=%u", (unsigned)msg->type);
        return;
    }
    pending_t *p = eng_map_get_u64(&f->pending, msg->corr);
    if (!p)
        return; /* already answered: the reply won the race */
    if (why == FB_DEADLINE)
        p->timer = 0; /* it fired: nothing to cancel */
    answer_fallback(f, pending_take(f, msg->corr), why);
}

/* The front owns itself (adp_vapi_front_free); the actor only borrows it. */
static void front_stop(eng_actor_t *self)
{
    adp_vapi_front_t *f = eng_actor_state(self);
    f->actor = 0;
}

static const eng_actor_ops_t front_ops = {
    .kind = "vapi-front",
    .handle = front_handle,
    .stop = front_stop,
};

/* ---------------------------------------------------------------- webhook */

static bool authorized(adp_vapi_front_t *f, eng_http_req_t *req, const char *body, size_t len)
{
    const char *secret = f->conf.cfg.secret;
    if (!secret || !*secret)
        return f->conf.cfg.allow_unauthenticated;
    return adp_vapi_auth_check(secret, eng_http_req_header(req, "x-vapi-secret"),
                               eng_http_req_header(req, "x-signature"),
                               eng_http_req_header(req, "x-timestamp"), body, len,
                               eng_loop_wall_ms(f->loop)) == ENG_OK;
}

/* Informational: 200 {} first, then the message goes to the router. */
static void forward_after_ack(adp_vapi_front_t *f, eng_http_req_id_t id, adp_vapi_type_t type,
                              int64_t received_us, eng_msg_t *msg)
{
    reply_body(f, id, type, received_us, 200, empty_body, sizeof(empty_body) - 1);
    eng_actor_id_t router = eng_actor_lookup(f->loop, SCH_CALL_ROUTER_NAME);
    if (!router) {
        eng_msg_free(msg);
        count_forward_failure(f, type);
        ENG_WARN(f->loop, "vapi.no_router", "type=%s", adp_vapi_type_name(type));
        return;
    }
    eng_err_t err = eng_send(f->loop, router, msg);
    if (err != ENG_OK) {
        count_forward_failure(f, type);
        ENG_WARN(f->loop, "vapi.forward_failed", "type=%s err=%s", adp_vapi_type_name(type),
                 eng_err_name(err));
    }
}

/*
 * End-of-call reports are the call's record (transcript, cost, recording):
 * Vapi does not send them twice, so the raw body is stored in the inbox hash
 * before the 200 goes out. The call actor clears the entry once the call row
 * is saved; whatever is left when an engine starts is replayed.
 */
typedef struct inbox_wait {
    eng_http_req_id_t id;
    adp_vapi_type_t type;
    int64_t received_us;
    eng_msg_t *msg;
} inbox_wait_t;

static bool inbox_store(adp_vapi_front_t *f, eng_http_req_id_t id, adp_vapi_type_t type,
                        int64_t received_us, eng_msg_t *msg, const char *body, size_t len)
{
    const sch_call_event_t *ev = (const sch_call_event_t *)msg;
    if (!f->conf.cfg.inbox_redis || !ev->ctx.call_id)
        return false;
    uint64_t corr = ++f->next_inbox;
    const char *argv[] = {"HSET", SCH_EOC_INBOX_KEY, ev->ctx.call_id, body};
    size_t lens[] = {4, strlen(SCH_EOC_INBOX_KEY), strlen(ev->ctx.call_id), len};
    if (eng_redis_command(f->conf.cfg.inbox_redis, f->actor, corr, ENG_CLASS_LIVE, 4, argv, lens) !=
        ENG_OK)
        return false;
    inbox_wait_t *w = eng_xcalloc(1, sizeof(*w));
    w->id = id;
    w->type = type;
    w->received_us = received_us;
    w->msg = msg;
    eng_map_put_u64(&f->inbox, corr, w);
    return true;
}

static void forward_after_ack(adp_vapi_front_t *f, eng_http_req_id_t id, adp_vapi_type_t type,
                              int64_t received_us, eng_msg_t *msg);

/* The inbox write finished (or failed): acknowledge and hand the report on either way. */
static void inbox_stored(adp_vapi_front_t *f, const eng_redis_reply_msg_t *r)
{
    inbox_wait_t *w = eng_map_del_u64(&f->inbox, r->hdr.corr);
    if (!w)
        return;
    if (r->err != ENG_OK) {
        eng_counter_add(f->m_inbox_failures, 1);
        ENG_WARN(f->loop, "vapi.inbox_write_failed", "err=%s", eng_err_name(r->err));
    }
    forward_after_ack(f, w->id, w->type, w->received_us, w->msg);
    free(w);
}

/* Start-up: every report still in the inbox goes to the router again. */
static void inbox_replay(adp_vapi_front_t *f, const eng_redis_reply_msg_t *r)
{
    if (r->err != ENG_OK || r->value.type != ENG_REDIS_ARRAY) {
        /* Redis is still connecting, or down: the inbox waits, we try again. */
        ENG_DEBUG(f->loop, "vapi.inbox_replay_retry", "err=%s", eng_err_name(r->err));
        eng_timer_after(
            f->loop, f->actor, REPLAY_RETRY_MS,
            eng_msg_new(sizeof(eng_msg_t), MSG_REPLAY_RETRY, ENG_CLASS_BACKGROUND, NULL));
        return;
    }
    eng_actor_id_t router = eng_actor_lookup(f->loop, SCH_CALL_ROUTER_NAME);
    for (size_t i = 0; i + 1 < r->value.nelem; i += 2) {
        const eng_redis_value_t *body = &r->value.elem[i + 1];
        eng_msg_t *msg = NULL;
        adp_vapi_type_t type;
        char why[200];
        if (body->type != ENG_REDIS_STRING ||
            adp_vapi_decode(body->str, body->len, &msg, &type, why, sizeof(why)) != ENG_OK ||
            !msg) {
            ENG_WARN(f->loop, "vapi.inbox_unreadable", "call=%s", r->value.elem[i].str);
            eng_msg_free(msg);
            continue;
        }
        eng_counter_add(f->m_replayed, 1);
        ENG_INFO(f->loop, "vapi.inbox_replayed", "call=%s", r->value.elem[i].str);
        (void)eng_send(f->loop, router, msg);
    }
}

void adp_vapi_front_replay_inbox(adp_vapi_front_t *f)
{
    if (!f->conf.cfg.inbox_redis)
        return;
    const char *argv[] = {"HGETALL", SCH_EOC_INBOX_KEY};
    size_t lens[] = {7, strlen(SCH_EOC_INBOX_KEY)};
    if (eng_redis_command(f->conf.cfg.inbox_redis, f->actor, REPLAY_CORR, ENG_CLASS_BACKGROUND, 2,
                          argv, lens) != ENG_OK)
        ENG_WARN(f->loop, "vapi.inbox_replay_failed", "err=%s", "not sent");
}

static pending_t *pending_new(eng_http_req_id_t id, adp_vapi_type_t type, int64_t received_us,
                              const adp_vapi_config_t *cfg, eng_msg_t *msg)
{
    pending_t *p = eng_xcalloc(1, sizeof(*p));
    p->id = id;
    p->type = type;
    p->received_us = received_us;
    eng_buf_t body;
    eng_buf_init(&body);
    if (type == ADP_VAPI_T_TOOL_CALLS) {
        const sch_tool_calls_t *calls = (const sch_tool_calls_t *)msg;
        adp_vapi_render_tool_fallback(calls, cfg->tool_slow_text, &body);
        p->ncalls = calls->ncalls;
        p->call_ids = eng_xcalloc(calls->ncalls ? calls->ncalls : 1, sizeof(char *));
        p->call_names = eng_xcalloc(calls->ncalls ? calls->ncalls : 1, sizeof(char *));
        for (size_t i = 0; i < calls->ncalls; i++) {
            p->call_ids[i] = eng_xstrdup(calls->calls[i].id);
            p->call_names[i] = eng_xstrdup(calls->calls[i].name);
        }
    } else {
        adp_vapi_render_error(cfg->unavailable_text && *cfg->unavailable_text
                                  ? cfg->unavailable_text
                                  : adp_vapi_default_unavailable_text(),
                              &body);
    }
    p->fallback = eng_buf_steal(&body, NULL);
    return p;
}

/* Live: the caller waits. Send with a reply handle and a deadline, answer later. */
static void start_live(adp_vapi_front_t *f, eng_http_req_t *req, adp_vapi_type_t type,
                       eng_msg_t *msg)
{
    eng_http_req_id_t id = eng_http_req_id(req);
    pending_t *p = pending_new(id, type, eng_http_req_received_us(req), &f->conf.cfg, msg);
    eng_http_req_set_fallback(req, 200, JSON_TYPE, p->fallback);

    eng_actor_id_t router = eng_actor_lookup(f->loop, SCH_CALL_ROUTER_NAME);
    if (!router || !f->actor) {
        eng_msg_free(msg);
        answer_fallback(f, p, FB_NO_ROUTER);
        return;
    }

    /* Answer a margin before the HTTP deadline; with a short deadline (tests, overload)
     * the margin shrinks to a quarter of what is left. */
    int64_t now = eng_loop_now_ms(f->loop);
    int64_t http_deadline = eng_http_req_deadline_ms(req);
    int64_t left = http_deadline - now;
    int64_t margin =
        f->conf.cfg.reply_margin_ms > 0 ? f->conf.cfg.reply_margin_ms : DEFAULT_MARGIN_MS;
    if (left <= 0)
        margin = 0;
    else if (margin > left / 4)
        margin = left / 4;
    int64_t deadline = http_deadline - margin;

    msg->reply_to = f->actor;
    msg->corr = id;
    msg->deadline_ms = deadline;

    eng_msg_t *tick = eng_msg_new(sizeof(eng_msg_t), ENG_MSG_TICK, ENG_CLASS_LIVE, NULL);
    tick->corr = id;
    p->timer = eng_timer_after(f->loop, f->actor, deadline > now ? deadline - now : 0, tick);
    eng_map_put_u64(&f->pending, id, p);

    eng_err_t err = eng_send(f->loop, router, msg);
    if (err != ENG_OK) {
        /* A DEAD_LETTER may follow; it finds nothing pending. */
        pending_t *mine = pending_take(f, id);
        if (mine)
            answer_fallback(f, mine, FB_SEND_FAILED);
    }
}

static void on_webhook(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    adp_vapi_front_t *f = arg;
    eng_http_req_id_t id = eng_http_req_id(req);
    int64_t received_us = eng_http_req_received_us(req);
    size_t len = 0;
    const char *body = eng_http_req_body(req, &len);

    if (!authorized(f, req, body, len)) {
        eng_counter_add(f->m_auth_failures, 1);
        ENG_WARN(f->loop, "vapi.auth_failed", "id=%" PRIu64 " has_secret=%d has_signature=%d", id,
                 eng_http_req_header(req, "x-vapi-secret") != NULL,
                 eng_http_req_header(req, "x-signature") != NULL);
        (void)eng_http_reply(srv, id, 401, JSON_TYPE, unauthorized_body,
                             sizeof(unauthorized_body) - 1);
        return;
    }

    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    char why[200];
    if (adp_vapi_decode(body, len, &msg, &type, why, sizeof(why)) != ENG_OK) {
        eng_counter_add(f->m_decode_failures, 1);
        char quoted[240];
        ENG_WARN(f->loop, "vapi.decode_failed", "id=%" PRIu64 " type=%s why=%s", id,
                 adp_vapi_type_name(type), eng_log_quote(quoted, sizeof(quoted), why));
        eng_buf_t out;
        eng_buf_init(&out);
        adp_vapi_render_error(why, &out);
        (void)eng_http_reply(srv, id, 400, JSON_TYPE, out.data, out.len);
        eng_buf_deinit(&out);
        return;
    }
    count_message(f, type);

    if (!msg) {
        count_unused(f, type);
        reply_body(f, id, type, received_us, 200, empty_body, sizeof(empty_body) - 1);
        return;
    }
    if (msg->type == SCH_MSG_ASSISTANT_REQUEST || msg->type == SCH_MSG_TOOL_CALLS) {
        start_live(f, req, type, msg);
    } else if (msg->type == SCH_MSG_END_OF_CALL &&
               inbox_store(f, id, type, received_us, msg, body, len)) {
        /* acknowledged once stored (inbox_stored); the Redis command timeout (1 s) is well
         * inside the HTTP deadline, and the fallback is a plain 200 all the same */
        eng_http_req_set_fallback(req, 200, JSON_TYPE, empty_body);
    } else {
        forward_after_ack(f, id, type, received_us, msg);
    }
}

/* ---------------------------------------------------------------- lifecycle */

adp_vapi_front_t *adp_vapi_front_new(eng_loop_t *loop, eng_http_server_t *srv,
                                     const adp_vapi_config_t *cfg)
{
    if (eng_actor_lookup(loop, ADP_VAPI_FRONT_NAME))
        return NULL;
    adp_vapi_front_t *f = eng_xcalloc(1, sizeof(*f));
    f->loop = loop;
    f->srv = srv;
    config_copy_init(&f->conf, cfg);
    eng_map_init(&f->pending);
    f->metrics = eng_loop_metrics(loop);
    f->m_auth_failures =
        eng_metrics_counter(f->metrics, "serviceai_vapi_auth_failures_total", NULL,
                            "Vapi webhooks refused with 401 (bad or missing secret or HMAC)");
    f->m_decode_failures = eng_metrics_counter(f->metrics, "serviceai_vapi_decode_failures_total",
                                               NULL, "Vapi webhooks refused with 400");
    f->m_late_replies =
        eng_metrics_counter(f->metrics, "serviceai_vapi_late_replies_total", NULL,
                            "Domain replies that arrived after the fallback was sent");
    f->m_inbox_failures =
        eng_metrics_counter(f->metrics, "serviceai_vapi_inbox_write_failures_total", NULL,
                            "End-of-call reports acknowledged without a durable inbox copy");
    f->m_replayed = eng_metrics_counter(f->metrics, "serviceai_vapi_inbox_replayed_total", NULL,
                                        "End-of-call reports replayed from the inbox at start");
    eng_map_init(&f->inbox);

    f->actor = eng_actor_spawn(loop, ADP_VAPI_FRONT_NAME, &front_ops, f);
    if (!f->actor) {
        adp_vapi_front_free(f);
        return NULL;
    }
    if (!f->conf.cfg.secret || !*f->conf.cfg.secret) {
        if (f->conf.cfg.allow_unauthenticated)
            ENG_WARN(loop, "vapi.unauthenticated", "reason=%s", "no secret, explicitly allowed");
        else
            ENG_ERROR(loop, "vapi.no_secret", "effect=%s", "every webhook is refused with 401");
    }
    eng_http_route(srv, "POST", ADP_VAPI_WEBHOOK_PATH, on_webhook, f);
    return f;
}

static void pending_drop(const char *skey, uint64_t ikey, void *val, void *arg)
{
    adp_vapi_front_t *f = arg;
    pending_t *p = val;
    if (p->timer)
        (void)eng_timer_cancel(f->loop, p->timer);
    pending_free(p);
}

static void inbox_drop(const char *skey, uint64_t ikey, void *val, void *arg)
{
    inbox_wait_t *w = val;
    eng_msg_free(w->msg);
    free(w);
}

void adp_vapi_front_free(adp_vapi_front_t *front)
{
    if (!front)
        return;
    if (front->actor) {
        eng_actor_id_t id = front->actor;
        front->actor = 0;
        eng_actor_stop(front->loop, id);
    }
    eng_map_each(&front->pending, pending_drop, front);
    eng_map_deinit(&front->pending);
    eng_map_each(&front->inbox, inbox_drop, NULL);
    eng_map_deinit(&front->inbox);
    config_copy_deinit(&front->conf);
    free(front);
}

eng_actor_id_t adp_vapi_front_actor(const adp_vapi_front_t *front)
{
    return front->actor;
}

size_t adp_vapi_front_pending(const adp_vapi_front_t *front)
{
    return eng_map_count(&front->pending);
}
