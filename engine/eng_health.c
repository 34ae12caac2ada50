/*
 * eng_health: /healthz and /metrics. Loop thread.
 *
 * A /healthz request becomes one pending probe: a SELECT 1 and a PING sent
 * by the health actor with the probe's id as corr. The probe answers when
 * both replies are in, or when its deadline passes (whatever has not
 * answered by then counts as down). The HTTP request's own fallback is set
 * to a 503 as a last resort.
 */
#include "eng_health.h"
#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_map.h"
#include "eng_metrics.h"

#include <stdlib.h>
#include <string.h>

enum { PROBE_EXPIRE = ENG_MSG_USER - 1 };

typedef struct probe {
    eng_http_req_id_t req;
    int pg_state;    /* -1 pending, 0 down, 1 up */
    int redis_state; /* -1 pending, 0 down, 1 up */
} probe_t;

struct eng_health {
    eng_loop_t *loop;
    eng_http_server_t *srv;
    eng_pg_t *pg;
    eng_redis_t *redis;
    int64_t probe_ms;
    eng_actor_id_t actor;
    uint64_t next_probe;
    eng_map_t probes; /* probe id -> probe_t */
};

static void probe_finish(eng_health_t *h, uint64_t id, probe_t *p)
{
    eng_map_del_u64(&h->probes, id);
    bool ok = p->pg_state == 1 && p->redis_state == 1;
    eng_buf_t body;
    eng_buf_init(&body);
    eng_buf_printf(&body, "{\"status\":\"%s\",\"postgres\":\"%s\",\"redis\":\"%s\"",
                   ok ? "ok" : "down", p->pg_state == 1 ? "up" : "down",
                   p->redis_state == 1 ? "up" : "down");
    if (!ok) {
        eng_buf_puts(&body, ",\"down\":[");
        bool first = true;
        if (p->pg_state != 1) {
            eng_buf_puts(&body, "\"postgres\"");
            first = false;
        }
        if (p->redis_state != 1)
            eng_buf_puts(&body, first ? "\"redis\"" : ",\"redis\"");
        eng_buf_puts(&body, "]");
    }
    eng_buf_puts(&body, "}\n");
    (void)eng_http_reply(h->srv, p->req, ok ? 200 : 503, "application/json", eng_buf_cstr(&body),
                         body.len);
    eng_buf_deinit(&body);
    free(p);
}

static void probe_check(eng_health_t *h, uint64_t id, probe_t *p)
{
    if (p->pg_state >= 0 && p->redis_state >= 0)
        probe_finish(h, id, p);
}

static void health_handle(eng_actor_t *self, eng_msg_t *msg)
{
    eng_health_t *h = eng_actor_state(self);
    probe_t *p = eng_map_get_u64(&h->probes, msg->corr);
    if (!p)
        return; /* answered already */
    switch (msg->type) {
    case ENG_MSG_PG_RESULT: {
        eng_pg_result_msg_t *r = (eng_pg_result_msg_t *)msg;
        p->pg_state = r->err == ENG_OK ? 1 : 0;
        break;
    }
    case ENG_MSG_REDIS_REPLY: {
        eng_redis_reply_msg_t *r = (eng_redis_reply_msg_t *)msg;
        p->redis_state = r->err == ENG_OK ? 1 : 0;
        break;
    }
    case PROBE_EXPIRE:
        if (p->pg_state < 0)
            p->pg_state = 0;
        if (p->redis_state < 0)
            p->redis_state = 0;
        break;
    default:
        return;
    }
    probe_check(h, msg->corr, p);
}

static const eng_actor_ops_t health_ops = {.kind = "health", .handle = health_handle};

static void on_healthz(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    eng_health_t *h = arg;
    uint64_t id = ++h->next_probe;
    probe_t *p = eng_xcalloc(1, sizeof(*p));
    p->req = eng_http_req_id(req);
    p->pg_state = -1;
    p->redis_state = -1;
    eng_map_put_u64(&h->probes, id, p);
    eng_http_req_set_fallback(req, 503, "application/json",
                              "{\"status\":\"down\",\"reason\":\"health probe timed out\"}\n");

    int64_t deadline = eng_loop_now_ms(h->loop) + h->probe_ms;
    static const char *const ping_argv[] = {"PING"};
    static const size_t ping_len[] = {4};
    eng_pg_stmt_t select1 = {.sql = "SELECT 1", .nparams = 0, .params = NULL};
    if (eng_pg_query(h->pg, h->actor, id, ENG_CLASS_LIVE, deadline, &select1) != ENG_OK)
        p->pg_state = 0;
    if (eng_redis_command(h->redis, h->actor, id, ENG_CLASS_LIVE, 1, ping_argv, ping_len) != ENG_OK)
        p->redis_state = 0;
    eng_msg_t *expire = eng_msg_new(sizeof(eng_msg_t), PROBE_EXPIRE, ENG_CLASS_TIMER, NULL);
    expire->corr = id;
    eng_timer_after(h->loop, h->actor, h->probe_ms, expire);
    probe_check(h, id, p);
}

static void on_metrics(eng_http_server_t *srv, eng_http_req_t *req, void *arg)
{
    eng_health_t *h = arg;
    eng_buf_t out;
    eng_buf_init(&out);
    eng_metrics_render(eng_loop_metrics(h->loop), &out);
    (void)eng_http_reply(srv, eng_http_req_id(req), 200, "text/plain; version=0.0.4",
                         eng_buf_cstr(&out), out.len);
    eng_buf_deinit(&out);
}

eng_health_t *eng_health_new(eng_loop_t *loop, eng_http_server_t *srv, eng_pg_t *pg,
                             eng_redis_t *redis, int64_t probe_ms)
{
    eng_health_t *h = eng_xcalloc(1, sizeof(*h));
    h->loop = loop;
    h->srv = srv;
    h->pg = pg;
    h->redis = redis;
    h->probe_ms = probe_ms > 0 ? probe_ms : 1000;
    eng_map_init(&h->probes);
    h->actor = eng_actor_spawn(loop, "health", &health_ops, h);
    eng_http_route(srv, "GET", "/healthz", on_healthz, h);
    eng_http_route(srv, "GET", "/metrics", on_metrics, h);
    return h;
}

static void free_probe_cb(const char *skey, uint64_t ikey, void *val, void *arg)
{
    free(val);
}

void eng_health_free(eng_health_t *h)
{
    if (!h)
        return;
    eng_actor_stop(h->loop, h->actor);
    eng_map_each(&h->probes, free_probe_cb, NULL);
    eng_map_deinit(&h->probes);
    free(h);
}
