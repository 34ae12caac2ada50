/*
 * act_template: the assistant's instructions for a tenant. One receptionist
 * template per industry (HVAC, plumbing, electrical), each written in English
 * and in Spanish, filled in with the tenant's name, time zone, hours,
 * services and extra instructions, plus the spoken greeting and the polite
 * "we can't take your call" text.
 *
 * Pure: no I/O, no clock, no allocation beyond the caller's buffers, so the
 * call actor can render on the loop thread within its latency budget. Any
 * thread.
 */
#ifndef ACT_TEMPLATE_H
#define ACT_TEMPLATE_H

#include "eng_buf.h"
#include "sch_call.h"
#include "sch_tenant.h"

/*
 * Renders the system prompt and the greeting (Vapi's firstMessage) for a
 * call to tenant p, appending to prompt and greeting (both initialized and
 * owned by the caller; either may be NULL to skip it). p is borrowed for the
 * call only.
 *
 * lang picks the template language: SCH_LANG_EN or SCH_LANG_ES renders that
 * language; SCH_LANG_BILINGUAL renders the English prompt with an
 * instruction to answer in the caller's language (English or Spanish) and a
 * greeting in both. Callers normally pass p->language.
 *
 * The greeting is p->greeting when set (not blank), otherwise the template's
 * ("Thanks for calling {name}, this is the virtual assistant. How can I help
 * you today?" or its Spanish equivalent). The prompt names every tool of
 * sch_tool_catalogue() and says when to use it; it lists p->hours and
 * p->services (or says they are not on file and offers a callback), and ends
 * with p->extra_instructions when set.
 */
void act_template_render(const sch_tenant_profile_t *p, sch_lang_t lang, eng_buf_t *prompt,
                         eng_buf_t *greeting);

/*
 * The spoken, polite error for a call that cannot be answered (a number no
 * tenant owns, a suspended tenant): one line, static, never NULL. For
 * SCH_LANG_BILINGUAL (or when the language is unknown) English then Spanish.
 */
const char *act_template_unavailable_text(sch_lang_t lang);

#endif
