/*
 * act_escalation: the intake for SCH_MSG_EMERGENCY_DETECTED (actor
 * ACT_CALL_EMERGENCY_SINK). Today it records each emergency for operators -
 * a warn-level log line naming call, tenant, category and source (not the cue, which may quote the
 * caller), and serviceai_escalations_received_total{category} - and nothing more: the escalation
 * chains over on-call rotations (text and call the technician, wait for an ack, escalate) are not
 * built yet and will replace this actor's handler. Loop thread.
 */
#ifndef ACT_ESCALATION_H
#define ACT_ESCALATION_H

#include "eng_loop.h"

/* Spawns the intake actor; returns its id (0 if one exists already). */
eng_actor_id_t act_escalation_intake_spawn(eng_loop_t *loop);

#endif
