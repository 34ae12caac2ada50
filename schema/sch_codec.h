/*
 * sch_codec: msgpack encodings of what the engine keeps in Redis (keys in
 * schema/redis.md). Every value is a msgpack map with string keys, so fields
 * can be added without breaking a running fleet: unknown keys are skipped,
 * missing ones keep their zero value. Decoders treat their input as
 * untrusted (Redis is shared): wrong types are ENG_ERR_PARSE, never a crash.
 * Any thread.
 */
#ifndef SCH_CODEC_H
#define SCH_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "eng_buf.h"
#include "eng_err.h"
#include "sch_tenant.h"

/* The hot state of one live call: Redis `call:{id}`. Strings owned. */
typedef struct sch_call_state {
    char *call_id;
    char *tenant_id;
    char *tenant_name;
    sch_lang_t language;
    char *caller_number;
    char *dialed_number;
    char *status;     /* ringing, in-progress, forwarding, ended */
    char *last_event; /* the last message type seen */
    int64_t started_ms;
    int64_t last_event_ms;
    char *emergency_category; /* NULL until detected */
    char *emergency_cue;
    char *emergency_source; /* transcript | report_emergency */
    int64_t emergency_ms;
    char *emergency_confirmed_by; /* the other source, when it fired too */
} sch_call_state_t;

void sch_call_state_deinit(sch_call_state_t *s);

/* Encoders append to out. */
void sch_tenant_profile_pack(const sch_tenant_profile_t *p, eng_buf_t *out);
void sch_call_state_pack(const sch_call_state_t *s, eng_buf_t *out);

/* Decoders fill a zeroed struct the caller owns (deinit it even on error). */
eng_err_t sch_tenant_profile_unpack(const void *data, size_t len, sch_tenant_profile_t *p) ENG_WUR;
eng_err_t sch_call_state_unpack(const void *data, size_t len, sch_call_state_t *s) ENG_WUR;

#endif
