/*
 * adp_vapi_front: the HTTP front of the answer path. Registers
 * POST /vapi/webhook on an eng_http server and runs an actor named
 * "vapi-front" that turns domain replies back into Vapi responses.
 *
 * One webhook, in order:
 *   1. authentication (adp_vapi_auth_check): failure -> 401
 *      {"error":"unauthorized"}, counted, nothing decoded;
 *   2. decode (adp_vapi_decode): failure -> 400 {"error":"<reason>"};
 *   3. messages the engine does not use (and unknown types) -> 200 {};
 *   4. informational messages (status-update, final user transcript,
 *      end-of-call-report) -> 200 {} at once, then forwarded to the actor
 *      SCH_CALL_ROUTER_NAME: the work happens after the reply;
 *   5. assistant-request and tool-calls -> sent to the router with
 *      reply_to = the front actor, corr = the HTTP request id and a deadline
 *      a margin before the HTTP deadline. The reply (SCH_MSG_ASSISTANT_REPLY
 *      or SCH_MSG_TOOL_RESULTS) is rendered and sent. If nothing answers in
 *      time (ENG_MSG_TIMEOUT, ENG_MSG_DEAD_LETTER, the front's own deadline
 *      timer, no router, a full mailbox), Vapi gets a 200 with a spoken,
 *      polite reply: an `error` for assistant-request, an `error` result per
 *      toolCallId for tool-calls. The same body is installed as the HTTP
 *      fallback, so even a stalled loop answers 200. A Vapi webhook never
 *      gets a 5xx.
 *
 * Metrics: serviceai_vapi_messages_total{type}, serviceai_vapi_unused_total{type},
 * serviceai_vapi_reply_seconds{type} (receipt to response),
 * serviceai_vapi_auth_failures_total, serviceai_vapi_decode_failures_total,
 * serviceai_vapi_fallbacks_total{type,reason}, serviceai_vapi_late_replies_total,
 * serviceai_vapi_forward_failures_total{type}. The type label is a wire name
 * from the adapter's catalogue or "unknown", never text from the request.
 *
 * Loop thread only.
 */
#ifndef ADP_VAPI_FRONT_H
#define ADP_VAPI_FRONT_H

#include <stddef.h>

#include "adp_vapi.h"
#include "eng_http.h"
#include "eng_loop.h"

#define ADP_VAPI_FRONT_NAME "vapi-front"

typedef struct adp_vapi_front adp_vapi_front_t;

/*
 * Registers the route on srv and spawns the "vapi-front" actor. loop and srv
 * are borrowed and must outlive the front; cfg and its strings are copied.
 * Returns NULL if an actor named "vapi-front" already exists. An empty secret
 * without cfg->allow_unauthenticated is logged as an error and every webhook
 * is then refused with 401.
 *
 * Teardown order: eng_http_server_free(srv) first (the route keeps a pointer
 * to the front), then adp_vapi_front_free(), then eng_loop_free().
 */
adp_vapi_front_t *adp_vapi_front_new(eng_loop_t *loop, eng_http_server_t *srv,
                                     const adp_vapi_config_t *cfg);
/* Stops the actor, cancels its timers and forgets pending requests. Accepts NULL. */
void adp_vapi_front_free(adp_vapi_front_t *front);

eng_actor_id_t adp_vapi_front_actor(const adp_vapi_front_t *front);
/* Replays the end-of-call reports left in the inbox (SCH_EOC_INBOX_KEY) by a previous engine
 * to the call router; call once at start, after the router exists. No-op without an inbox. */
void adp_vapi_front_replay_inbox(adp_vapi_front_t *front);
/* Live requests waiting for a domain reply. */
size_t adp_vapi_front_pending(const adp_vapi_front_t *front);

#endif
