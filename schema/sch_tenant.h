/*
 * sch_tenant: what the engine knows about a tenant (a contractor's business)
 * when it answers a call, independent of where it was read from (Postgres,
 * the Redis cache) and of any provider's format. Also E.164 phone number
 * normalisation, which both the CLI and the call path need.
 * Ownership: every string is owned by the profile; free with
 * sch_tenant_profile_deinit(). Any thread.
 */
#ifndef SCH_TENANT_H
#define SCH_TENANT_H

#include <stdbool.h>
#include <stddef.h>

#include "eng_buf.h"
#include "eng_err.h"
#include "sch_call.h"

typedef enum {
    SCH_INDUSTRY_HVAC = 0,
    SCH_INDUSTRY_PLUMBING = 1,
    SCH_INDUSTRY_ELECTRICAL = 2,
} sch_industry_t;

const char *sch_industry_name(sch_industry_t ind); /* "hvac", "plumbing", "electrical" */
bool sch_industry_parse(const char *s, sch_industry_t *out);

typedef struct sch_tenant_profile {
    char *id;   /* uuid text */
    char *name; /* business name as callers know it */
    sch_industry_t industry;
    char *timezone; /* IANA zone, e.g. America/Chicago */
    sch_lang_t language;
    bool active;              /* false when suspended */
    char *greeting;           /* custom first message, or NULL for the template's */
    char *extra_instructions; /* appended to the prompt, or NULL */
    /* Human-readable lines, may be empty: "Monday to Friday, 8 AM to 6 PM". */
    size_t nhours;
    char **hours;
    size_t nservices;
    char **services;
} sch_tenant_profile_t;

void sch_tenant_profile_deinit(sch_tenant_profile_t *p);
void sch_tenant_profile_copy(sch_tenant_profile_t *dst, const sch_tenant_profile_t *src);

/*
 * Normalises a phone number to E.164 ("+15125550100"). Accepts "+1 (512)
 * 555-0100", "512-555-0100" and "15125550100" (a 10-digit number is taken as
 * North American, +1), "tel:+1..." and "00" international prefixes. Writes
 * into out (at least 17 bytes). ENG_ERR_INVALID with nothing written
 * otherwise.
 */
eng_err_t sch_phone_normalize(const char *in, char *out, size_t outsz) ENG_WUR;

#endif
