/*
 * main.c: the composition root of the `serviceai` binary, and the only file
 * that wires actors to adapters. Subcommands dispatch to tools/cli_*.c; `serve`
 * is assembled here: configuration from the environment, dependency checks,
 * the loop, the I/O clients, the HTTP front, the domain actors, and a
 * graceful drain on SIGTERM. Main thread (which is the loop thread).
 */
#include <event2/event.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adp_vapi_front.h"
#include "act_call.h"
#include "act_escalation.h"
#include "cli_classify.h"
#include "cli_migrate.h"
#include "cli_setup.h"
#include "cli_tenant.h"
#include "eng_health.h"
#include "eng_http.h"
#include "eng_httpc.h"
#include "eng_loop.h"
#include "eng_pg.h"
#include "eng_redis.h"

#define EXIT_USAGE 64

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_PG_DSN "host=127.0.0.1 port=5432 dbname=serviceai"
#define DEFAULT_REDIS_URL "redis://127.0.0.1:6379/0"
#define DRAIN_LIMIT_MS 10000

typedef struct serve_config {
    char host[256];
    int port;
    const char *pg_dsn;
    const char *redis_url;
    eng_log_level_t log_level;
    const char *vapi_secret;
    const char *public_url;
    int pg_pool;
    const char *pg_role;
} serve_config_t;

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* Parses "host:port" (host may be empty for all interfaces). */
static int parse_listen(const char *s, char *host, size_t hostsz, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    size_t hlen = (size_t)(colon - s);
    if (hlen >= hostsz)
        return -1;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    if (hlen == 0)
        snprintf(host, hostsz, "0.0.0.0");
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static int load_config(serve_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    const char *listen = env_or("SERVICEAI_LISTEN", DEFAULT_LISTEN);
    if (parse_listen(listen, cfg->host, sizeof(cfg->host), &cfg->port) != 0) {
        fprintf(stderr, "serviceai: SERVICEAI_LISTEN must be host:port, got '%s'\n", listen);
        return -1;
    }
    cfg->pg_dsn = env_or("SERVICEAI_PG_DSN", DEFAULT_PG_DSN);
    cfg->redis_url = env_or("SERVICEAI_REDIS_URL", DEFAULT_REDIS_URL);
    const char *lvl = env_or("SERVICEAI_LOG_LEVEL", "info");
    int l = eng_log_level_parse(lvl);
    if (l < 0) {
        fprintf(stderr, "serviceai: SERVICEAI_LOG_LEVEL must be debug|info|warn|error, got '%s'\n",
                lvl);
        return -1;
    }
    cfg->log_level = (eng_log_level_t)l;
    cfg->vapi_secret = env_or("SERVICEAI_VAPI_SECRET", "");
    cfg->public_url = env_or("SERVICEAI_PUBLIC_URL", NULL);
    if (!cfg->public_url) {
        static char url[300];
        snprintf(url, sizeof(url), "http://%s:%d", cfg->host, cfg->port);
        cfg->public_url = url;
    }
    cfg->pg_role = env_or("SERVICEAI_PG_ROLE", "serviceai_app");
    cfg->pg_pool = atoi(env_or("SERVICEAI_PG_POOL", "4"));
    if (cfg->pg_pool < 1 || cfg->pg_pool > 64)
        cfg->pg_pool = 4;
    return 0;
}

/* Names a Postgres target for error messages: host, port, dbname and user only, whatever
 * the DSN's form (key=value or URI), so no password can leak. */
static void describe_dsn(const char *dsn, char *out, size_t outsz)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    PQfreemem(err);
    if (!opts) {
        snprintf(out, outsz, "an unparseable SERVICEAI_PG_DSN");
        return;
    }
    const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0 || (!host && strcmp(o->keyword, "hostaddr") == 0))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    snprintf(out, outsz, "host=%s port=%s dbname=%s user=%s", host ? host : "(default)",
             port ? port : "5432", db ? db : "(default)", user ? user : "(default)");
    PQconninfoFree(opts);
}

/* ---- serve ---- */

typedef struct server {
    eng_loop_t *loop;
    eng_http_server_t *http;
    struct event *sigterm;
    struct event *sigint;
    struct event *drain_tick;
    int64_t drain_started_ms;
    bool draining;
} server_t;

static void drain_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    server_t *s = arg;
    size_t inflight = eng_http_server_inflight(s->http);
    int64_t waited = eng_loop_now_ms(s->loop) - s->drain_started_ms;
    if (inflight == 0 || waited >= DRAIN_LIMIT_MS) {
        ENG_INFO(s->loop, "serve.drained", "inflight=%zu waited_ms=%lld", inflight,
                 (long long)waited);
        eng_loop_stop(s->loop);
        return;
    }
    struct timeval tv = {0, 20000};
    evtimer_add(s->drain_tick, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    server_t *s = arg;
    if (s->draining) {
        ENG_WARN(s->loop, "serve.signal_again", "signal=%d action=exit_now", (int)sig);
        eng_loop_stop(s->loop);
        return;
    }
    s->draining = true;
    s->drain_started_ms = eng_loop_now_ms(s->loop);
    ENG_INFO(s->loop, "serve.draining", "signal=%d inflight=%zu", (int)sig,
             eng_http_server_inflight(s->http));
    eng_http_server_stop_accepting(s->http);
    drain_tick_cb(-1, 0, s);
}

static int cmd_serve(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: serviceai serve\n\n"
               "Starts the call engine in the foreground. Configuration comes from the\n"
               "environment (see `serviceai --help`). SIGTERM or Ctrl-C stops accepting\n"
               "connections, lets in-flight requests finish (up to %d s) and exits 0.\n",
               DRAIN_LIMIT_MS / 1000);
        return 0;
    }
    serve_config_t cfg;
    if (load_config(&cfg) != 0)
        return 1;

    /* Unreachable dependencies at start are a one-line error and a non-zero exit. */
    char err[256], shown[512];
    if (eng_pg_ping_sync(cfg.pg_dsn, 3, err, sizeof(err)) != ENG_OK) {
        describe_dsn(cfg.pg_dsn, shown, sizeof(shown));
        fprintf(stderr, "serviceai: cannot reach Postgres (%s): %s\n", shown, err);
        return 1;
    }
    if (eng_redis_ping_sync(cfg.redis_url, 2000, err, sizeof(err)) != ENG_OK) {
        fprintf(stderr, "serviceai: cannot reach Redis at %s: %s\n", cfg.redis_url, err);
        return 1;
    }
    if (!*cfg.vapi_secret)
        fprintf(stderr, "serviceai: warning: SERVICEAI_VAPI_SECRET is empty: every Vapi webhook "
                        "will be refused with 401\n");

    signal(SIGPIPE, SIG_IGN);
    eng_loop_opts_t lo = {.log_level = cfg.log_level};
    eng_loop_t *loop = eng_loop_new(&lo);
    int rc = 1;
    server_t s = {.loop = loop};

    eng_pg_opts_t po = {.pool_size = cfg.pg_pool, .session_role = cfg.pg_role};
    eng_pg_t *pg = eng_pg_new(loop, cfg.pg_dsn, &po);
    eng_redis_t *redis = eng_redis_new(loop, cfg.redis_url, NULL);
    eng_httpc_t *httpc = eng_httpc_new(loop);
    eng_http_server_t *http = eng_http_server_new(loop, NULL);
    s.http = http;
    eng_health_t *health = NULL;
    adp_vapi_front_t *vapi = NULL;
    act_call_router_t *router = NULL;
    if (!pg || !redis) {
        fprintf(stderr, "serviceai: bad SERVICEAI_PG_DSN or SERVICEAI_REDIS_URL\n");
        goto out;
    }
    if (eng_pg_start(pg) != ENG_OK || eng_redis_start(redis) != ENG_OK) {
        fprintf(stderr, "serviceai: cannot start the Postgres or Redis client\n");
        goto out;
    }
    if (eng_http_server_listen(http, cfg.host, cfg.port) != ENG_OK) {
        fprintf(stderr, "serviceai: cannot listen on %s:%d (in use, or not an address here)\n",
                cfg.host, cfg.port);
        goto out;
    }
    health = eng_health_new(loop, http, pg, redis, 1000);

    act_call_config_t cc = {.pg = pg, .redis = redis};
    router = act_call_router_new(loop, &cc);
    act_escalation_intake_spawn(loop);
    adp_vapi_config_t vc = {0};
    vc.secret = cfg.vapi_secret;
    vc.public_url = cfg.public_url;
    vc.inbox_redis = redis;
    vapi = adp_vapi_front_new(loop, http, &vc);
    if (!vapi) {
        fprintf(stderr, "serviceai: cannot start the Vapi front\n");
        goto out;
    }
    adp_vapi_front_replay_inbox(vapi); /* reports a previous engine accepted but did not save */

    s.sigterm = evsignal_new(eng_loop_base(loop), SIGTERM, on_signal, &s);
    s.sigint = evsignal_new(eng_loop_base(loop), SIGINT, on_signal, &s);
    s.drain_tick = evtimer_new(eng_loop_base(loop), drain_tick_cb, &s);
    evsignal_add(s.sigterm, NULL);
    evsignal_add(s.sigint, NULL);

    ENG_INFO(loop, "serve.listening", "addr=%s:%d public_url=%s pg_pool=%d", cfg.host,
             eng_http_server_port(http), cfg.public_url, cfg.pg_pool);
    rc = eng_loop_run(loop) == 0 ? 0 : 1;
    ENG_INFO(loop, "serve.stopped", "rc=%d", rc);

out:
    if (s.sigterm)
        event_free(s.sigterm);
    if (s.sigint)
        event_free(s.sigint);
    if (s.drain_tick)
        event_free(s.drain_tick);
    /* The HTTP server goes first: its routes point at the front and the health actor. */
    eng_http_server_free(http);
    adp_vapi_front_free(vapi);
    act_call_router_free(router);
    eng_health_free(health);
    eng_httpc_free(httpc);
    eng_redis_free(redis);
    eng_pg_free(pg);
    eng_loop_free(loop);
    return rc;
}

/* ---- dispatch ---- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: serviceai <command> [args]\n"
            "\n"
            "ServiceAI call engine: answers Vapi webhooks for many contractors' phone numbers.\n"
            "\n"
            "commands:\n"
            "  serve                     run the engine in the foreground\n"
            "  migrate                   apply schema/sql migrations to Postgres\n"
            "  tenant create|list|show|set|suspend|activate   onboard and manage tenants\n"
            "  tenant import FILE        create or update a whole tenant from one JSON file\n"
            "  phone add|remove          manage a tenant's phone numbers\n"
            "  service|tech|closure add|list|remove   what a tenant offers and who does it\n"
            "  hours set|show, booking set|show       business hours and booking rules\n"
            "  classify                  emergency classifier over JSON Lines on stdin\n"
            "  help                      this text; `serviceai <command> --help` for details\n"
            "\n"
            "environment (defaults in brackets):\n"
            "  SERVICEAI_LISTEN       address to serve HTTP on [" DEFAULT_LISTEN "]\n"
            "  SERVICEAI_PG_DSN       libpq conninfo [" DEFAULT_PG_DSN "]\n"
            "  SERVICEAI_REDIS_URL    redis://host:port/db [" DEFAULT_REDIS_URL "]\n"
            "  SERVICEAI_LOG_LEVEL    debug|info|warn|error [info]\n"
            "  SERVICEAI_VAPI_SECRET  shared secret for Vapi webhooks (X-Vapi-Secret or HMAC)\n"
            "                         [empty: every webhook is refused]\n"
            "  SERVICEAI_PUBLIC_URL   base URL Vapi reaches this engine at [http://LISTEN]\n"
            "  SERVICEAI_PG_POOL      Postgres connections [4]\n"
            "  SERVICEAI_PG_ROLE      role the engine's sessions run as, so Row Level\n"
            "                         Security applies [serviceai_app]\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0)
        return cli_migrate_main(argc - 1, argv + 1);
    if (cli_setup_handles(argc - 1, argv + 1)) /* tenant import, service, tech, hours, ... */
        return cli_setup_main(argc - 1, argv + 1);
    if (strcmp(cmd, "tenant") == 0)
        return cli_tenant_main(argc - 1, argv + 1);
    if (strcmp(cmd, "phone") == 0)
        return cli_phone_main(argc - 1, argv + 1);
    if (strcmp(cmd, "classify") == 0)
        return cli_classify_main(argc - 1, argv + 1);
    fprintf(stderr, "serviceai: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
