/*
 * act_call: the call actors and the router that owns them.
 *
 * The router (actor SCH_CALL_ROUTER_NAME) receives every inbound call message
 * from the adapters, and forwards it to the actor "call:<vapi call id>",
 * spawning it on the call's first message. A call actor is a sequential state
 * machine over asynchronous I/O:
 *
 *   - assistant-request: dialed number -> tenant through the Redis cache
 *     (`phone:{E164}` / `phoneid:{id}` -> tenant id, `tenant:{id}` -> profile),
 *     Postgres on a miss (and the cache is filled), then the rendered
 *     assistant (template + tenant) goes back to the requester. An unknown
 *     number or a suspended tenant gets a spoken polite refusal.
 *   - any other first message (the engine restarted mid-call): the hot state
 *     is rehydrated from Redis `call:{id}` and the call carries on.
 *   - tool-calls: dispatched by name; a repeated toolCallId returns the first
 *     result without repeating the side effect (results are kept in memory
 *     and in Redis `call:{id}:tools`).
 *   - final user transcripts run the emergency classifier; the first
 *     detection (or report_emergency) marks the call once and emits
 *     SCH_MSG_EMERGENCY_DETECTED to the actor ACT_CALL_EMERGENCY_SINK.
 *   - end-of-call-report persists the call to Postgres, then the actor stops.
 *
 * While a call actor waits on I/O, further messages of the call queue inside
 * it and run in arrival order afterwards. Loop thread.
 */
#ifndef ACT_CALL_H
#define ACT_CALL_H

#include <stdint.h>

#include "eng_loop.h"
#include "eng_pg.h"
#include "eng_redis.h"

#define ACT_CALL_EMERGENCY_SINK "escalation-intake"

typedef struct act_call_config {
    eng_pg_t *pg;         /* borrowed; outlives the router */
    eng_redis_t *redis;   /* borrowed; outlives the router */
    int64_t state_ttl_s;  /* call:{id} TTL; 0 = 7200 */
    int64_t cache_ttl_s;  /* phone:/tenant: cache TTL; 0 = 300 */
    int64_t idle_stop_ms; /* a call actor with no event for this long stops; 0 = 2 h */
    /* how long booking jobs reuse a tenant's services/technicians/hours/closures
     * (act_booking.h); 0 = 10 s, negative = never (always load them) */
    int64_t booking_setup_ttl_ms;
} act_call_config_t;

typedef struct act_call_router act_call_router_t;

/* Spawns the router actor. cfg is copied. */
act_call_router_t *act_call_router_new(eng_loop_t *loop, const act_call_config_t *cfg);
/* Stops the router (call actors stop with the loop). Accepts NULL. */
void act_call_router_free(act_call_router_t *r);
/* Live call actors right now. */
size_t act_call_router_live(const act_call_router_t *r);

#endif
