/*
 * eng_health: the operator endpoints every engine process serves.
 *   GET /healthz  200 {"status":"ok","postgres":"up","redis":"up"} when both
 *                 answer a probe (SELECT 1, PING) within the probe deadline;
 *                 503 naming what is down otherwise.
 *   GET /metrics  the loop's metrics in Prometheus text format.
 * The probes are real round trips, not a cached "connected" flag: a Redis
 * that is stopped (SIGSTOP) keeps its socket open but does not answer.
 * Loop thread.
 */
#ifndef ENG_HEALTH_H
#define ENG_HEALTH_H

#include "eng_http.h"
#include "eng_pg.h"
#include "eng_redis.h"

typedef struct eng_health eng_health_t;

/* pg and redis are borrowed and must outlive the returned object. probe_ms 0 = 1000. */
eng_health_t *eng_health_new(eng_loop_t *loop, eng_http_server_t *srv, eng_pg_t *pg,
                             eng_redis_t *redis, int64_t probe_ms);
void eng_health_free(eng_health_t *h);

#endif
