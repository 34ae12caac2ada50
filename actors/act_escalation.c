/* act_escalation: intake of detected emergencies (see the header). Loop thread. */
#include "act_escalation.h"
#include "act_call.h"
#include "eng_metrics.h"
#include "sch_call.h"

#include <stdio.h>

static void intake_handle(eng_actor_t *self, eng_msg_t *msg)
{
    if (msg->type != SCH_MSG_EMERGENCY_DETECTED)
        return;
    eng_loop_t *loop = eng_actor_loop(self);
    const sch_emergency_detected_t *e = (const sch_emergency_detected_t *)msg;
    char labels[96];
    snprintf(labels, sizeof(labels), "category=\"%s\"", e->category ? e->category : "unknown");
    eng_counter_add(eng_metrics_counter(eng_loop_metrics(loop),
                                        "serviceai_escalations_received_total", labels,
                                        "Emergencies received by the escalation intake"),
                    1);
    /* The cue can be the caller's own words (names, addresses): it stays out of the log. */
    ENG_WARN(loop, "escalation.received", "call=%s tenant=%s category=%s source=%s",
             e->call_id ? e->call_id : "-", e->tenant_id ? e->tenant_id : "-",
             e->category ? e->category : "-", e->source ? e->source : "-");
}

static const eng_actor_ops_t intake_ops = {.kind = "escalation-intake", .handle = intake_handle};

eng_actor_id_t act_escalation_intake_spawn(eng_loop_t *loop)
{
    return eng_actor_spawn(loop, ACT_CALL_EMERGENCY_SINK, &intake_ops, NULL);
}
