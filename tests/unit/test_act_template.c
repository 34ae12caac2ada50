/*
 * Unit tests for act_template: what the assistant is told and says first for
 * each kind of tenant. A Spanish tenant must get Spanish instructions with
 * its own name and rules; each trade must be described as that trade; a
 * bilingual tenant must be answered in the caller's language; the safety
 * rules and every tool must be there. Single thread; needs no services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "act_template.h"

typedef struct rendered {
    eng_buf_t prompt;
    eng_buf_t greeting;
} rendered_t;

static void render(const sch_tenant_profile_t *p, sch_lang_t lang, rendered_t *r)
{
    eng_buf_init(&r->prompt);
    eng_buf_init(&r->greeting);
    act_template_render(p, lang, &r->prompt, &r->greeting);
}

static void rendered_deinit(rendered_t *r)
{
    eng_buf_deinit(&r->prompt);
    eng_buf_deinit(&r->greeting);
}

static void assert_has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("did not expect \"%s\" in:\n%s", needle, text);
}

static sch_tenant_profile_t profile(const char *name, sch_industry_t ind, sch_lang_t lang)
{
    sch_tenant_profile_t p;
    memset(&p, 0, sizeof(p));
    p.id = "00000000-0000-0000-0000-000000000001";
    p.name = (char *)name;
    p.industry = ind;
    p.timezone = "America/Chicago";
    p.language = lang;
    p.active = true;
    return p;
}

static void test_spanish_tenant_gets_a_spanish_prompt_with_its_name_and_instructions(void **state)
{
    sch_tenant_profile_t p = profile("Plomería Díaz", SCH_INDUSTRY_PLUMBING, SCH_LANG_ES);
    p.extra_instructions = "No trabajamos los domingos; ofrezca el lunes.";
    rendered_t r;
    render(&p, SCH_LANG_ES, &r);
    const char *prompt = eng_buf_cstr(&r.prompt);
    assert_has(prompt, "Eres el asistente virtual que contesta el teléfono de Plomería Díaz");
    assert_has(prompt, "Habla siempre en español");
    assert_has(prompt, "## Instrucciones adicionales de Plomería Díaz");
    assert_has(prompt, "No trabajamos los domingos; ofrezca el lunes.");
    assert_has(prompt, "Primero, las emergencias");
    assert_lacks(prompt, "How you talk");
    assert_lacks(prompt, "Emergencies come first");
    /* the tenant's own rules come last, after the template's */
    assert_true(strstr(prompt, "No trabajamos") > strstr(prompt, "## Tus herramientas"));
    assert_string_equal(eng_buf_cstr(&r.greeting), "Gracias por llamar a Plomería Díaz, le "
                                                   "atiende el asistente virtual. ¿En qué le "
                                                   "puedo ayudar hoy?");
    rendered_deinit(&r);
}

static void test_english_tenant_is_greeted_by_name(void **state)
{
    sch_tenant_profile_t p = profile("Lone Star Heating & Air", SCH_INDUSTRY_HVAC, SCH_LANG_EN);
    rendered_t r;
    render(&p, SCH_LANG_EN, &r);
    assert_string_equal(eng_buf_cstr(&r.greeting),
                        "Thanks for calling Lone Star Heating & Air, this is the virtual "
                        "assistant. How can I help you today?");
    assert_has(eng_buf_cstr(&r.prompt), "answering the phone for Lone Star Heating & Air");
    assert_has(eng_buf_cstr(&r.prompt), "Speak English.");
    assert_lacks(eng_buf_cstr(&r.prompt), "Additional instructions");
    rendered_deinit(&r);
}

static void test_each_industry_prompt_is_about_its_own_trade(void **state)
{
    static const struct {
        sch_industry_t ind;
        sch_lang_t lang;
        const char *own[3];
        const char *other;
    } cases[] = {
        {SCH_INDUSTRY_HVAC,
         SCH_LANG_EN,
         {"heating and air conditioning (HVAC) company", "furnace", "no heat in freezing"},
         "plumbing company"},
        {SCH_INDUSTRY_PLUMBING,
         SCH_LANG_EN,
         {"a plumbing company", "clogged drains", "sewage coming up through toilets"},
         "electrical contractor"},
        {SCH_INDUSTRY_ELECTRICAL,
         SCH_LANG_EN,
         {"an electrical contractor", "breakers and electrical panels", "sparks, arcing"},
         "(HVAC) company"},
        {SCH_INDUSTRY_HVAC,
         SCH_LANG_ES,
         {"calefacción y aire acondicionado", "termostatos", "sin calefacción con helada"},
         "empresa de plomería"},
        {SCH_INDUSTRY_PLUMBING,
         SCH_LANG_ES,
         {"una empresa de plomería", "drenajes y excusados tapados", "aguas negras saliendo"},
         "servicios eléctricos"},
        {SCH_INDUSTRY_ELECTRICAL,
         SCH_LANG_ES,
         {"empresa de servicios eléctricos", "breakers y paneles", "chispas, arcos"},
         "calefacción y aire acondicionado (HVAC)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sch_tenant_profile_t p = profile("Acme", cases[i].ind, cases[i].lang);
        rendered_t r;
        render(&p, cases[i].lang, &r);
        for (int k = 0; k < 3; k++)
            assert_has(eng_buf_cstr(&r.prompt), cases[i].own[k]);
        assert_lacks(eng_buf_cstr(&r.prompt), cases[i].other);
        rendered_deinit(&r);
    }
}

static void test_prompt_explains_every_tool_in_the_catalogue_in_both_languages(void **state)
{
    size_t ntools;
    const sch_tool_def_t *tools = sch_tool_catalogue(&ntools);
    assert_true(ntools >= 7);
    sch_lang_t langs[] = {SCH_LANG_EN, SCH_LANG_ES, SCH_LANG_BILINGUAL};
    for (size_t l = 0; l < 3; l++) {
        sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_ELECTRICAL, langs[l]);
        rendered_t r;
        render(&p, langs[l], &r);
        for (size_t i = 0; i < ntools; i++) {
            char line[64];
            snprintf(line, sizeof(line), "- %s:", tools[i].name);
            assert_has(eng_buf_cstr(&r.prompt), line);
        }
        rendered_deinit(&r);
    }
}

static void test_prompt_insists_on_availability_before_booking_and_no_invented_prices(void **state)
{
    sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_PLUMBING, SCH_LANG_EN);
    rendered_t r;
    render(&p, SCH_LANG_EN, &r);
    const char *prompt = eng_buf_cstr(&r.prompt);
    assert_has(prompt, "check_availability: always call it before offering or booking a time");
    assert_has(prompt, "confirm the caller's full name, the service address and a short "
                       "description of the problem");
    assert_has(prompt, "Read the chosen slot back");
    assert_has(prompt, "Never invent prices");
    assert_has(prompt, "keep every answer short");
    rendered_deinit(&r);
}

static void test_emergencies_are_reported_at_once_with_safety_advice(void **state)
{
    sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_HVAC, SCH_LANG_EN);
    rendered_t r;
    render(&p, SCH_LANG_EN, &r);
    const char *prompt = eng_buf_cstr(&r.prompt);
    assert_has(prompt, "call report_emergency at once");
    assert_has(prompt, "Gas smell or hissing gas: leave the house now");
    assert_has(prompt, "Carbon monoxide alarm");
    assert_has(prompt, "call 911");
    assert_has(prompt, "Never promise an arrival time");
    rendered_deinit(&r);

    p.language = SCH_LANG_ES;
    render(&p, SCH_LANG_ES, &r);
    prompt = eng_buf_cstr(&r.prompt);
    assert_has(prompt, "usa report_emergency de inmediato");
    assert_has(prompt, "Olor a gas o gas que silba: que salgan todos de la casa ahora");
    assert_has(prompt, "llamen al 911");
    rendered_deinit(&r);
}

static void test_hours_and_services_are_listed_when_known(void **state)
{
    char *hours[] = {"Monday to Friday, 8 AM to 6 PM", "  Saturday, 9 AM to 1 PM  ", "  "};
    char *services[] = {"AC repair", "Furnace tune-up"};
    sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_HVAC, SCH_LANG_EN);
    p.hours = hours;
    p.nhours = 3;
    p.services = services;
    p.nservices = 2;
    rendered_t r;
    render(&p, SCH_LANG_EN, &r);
    const char *prompt = eng_buf_cstr(&r.prompt);
    assert_has(prompt, "Business hours:\n- Monday to Friday, 8 AM to 6 PM\n- Saturday, 9 AM to "
                       "1 PM\nServices:\n- AC repair\n- Furnace tune-up\n");
    assert_has(prompt, "Time zone: America/Chicago.");
    assert_lacks(prompt, "not on file");
    rendered_deinit(&r);
}

static void test_missing_hours_and_services_are_admitted_with_a_callback_offer(void **state)
{
    sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_HVAC, SCH_LANG_EN);
    rendered_t r;
    render(&p, SCH_LANG_EN, &r);
    assert_has(eng_buf_cstr(&r.prompt), "Business hours: not on file. If the caller asks, say "
                                        "you don't have the hours in front of you and offer to "
                                        "have someone from the team call them back.");
    assert_has(eng_buf_cstr(&r.prompt), "Services: the list of services is not on file.");
    rendered_deinit(&r);

    p.language = SCH_LANG_ES;
    render(&p, SCH_LANG_ES, &r);
    assert_has(eng_buf_cstr(&r.prompt), "Horario de atención: no está registrado.");
    assert_has(eng_buf_cstr(&r.prompt), "le devuelva la llamada");
    rendered_deinit(&r);
}

static void test_bilingual_tenant_answers_in_the_callers_language_and_greets_in_both(void **state)
{
    sch_tenant_profile_t p =
        profile("Sparky Eléctrico", SCH_INDUSTRY_ELECTRICAL, SCH_LANG_BILINGUAL);
    p.extra_instructions = "We do not install solar panels.";
    rendered_t r;
    render(&p, SCH_LANG_BILINGUAL, &r);
    const char *prompt = eng_buf_cstr(&r.prompt);
    assert_has(prompt, "answering the phone for Sparky Eléctrico, an electrical contractor");
    assert_has(prompt, "Answer in the language the caller speaks (Spanish or English)");
    assert_has(prompt, "We do not install solar panels.");
    assert_lacks(prompt, "Speak English.");
    assert_string_equal(eng_buf_cstr(&r.greeting),
                        "Thanks for calling Sparky Eléctrico, this is the virtual assistant. "
                        "How can I help you today? Si prefiere, puede hablarme en español.");
    rendered_deinit(&r);
}

static void test_custom_greeting_replaces_the_template_greeting(void **state)
{
    sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_HVAC, SCH_LANG_BILINGUAL);
    p.greeting = "  Acme Air, what can we fix for you?\n";
    rendered_t r;
    render(&p, SCH_LANG_BILINGUAL, &r);
    assert_string_equal(eng_buf_cstr(&r.greeting), "Acme Air, what can we fix for you?");
    rendered_deinit(&r);

    p.greeting = "   "; /* blank counts as unset */
    render(&p, SCH_LANG_EN, &r);
    assert_has(eng_buf_cstr(&r.greeting), "Thanks for calling Acme");
    rendered_deinit(&r);
}

static void test_business_name_with_percent_and_braces_comes_out_verbatim(void **state)
{
    sch_tenant_profile_t p = profile("100% Comfort {Air} %s", SCH_INDUSTRY_HVAC, SCH_LANG_EN);
    rendered_t r;
    render(&p, SCH_LANG_EN, &r);
    assert_has(eng_buf_cstr(&r.greeting), "Thanks for calling 100% Comfort {Air} %s, this");
    assert_has(eng_buf_cstr(&r.prompt), "## About 100% Comfort {Air} %s\n");
    rendered_deinit(&r);
}

static void test_render_appends_and_either_buffer_may_be_skipped(void **state)
{
    sch_tenant_profile_t p = profile("Acme", SCH_INDUSTRY_HVAC, SCH_LANG_EN);
    eng_buf_t greeting;
    eng_buf_init(&greeting);
    eng_buf_puts(&greeting, ">> ");
    act_template_render(&p, SCH_LANG_EN, NULL, &greeting);
    assert_string_equal(eng_buf_cstr(&greeting), ">> Thanks for calling Acme, this is the "
                                                 "virtual assistant. How can I help you today?");
    eng_buf_deinit(&greeting);
}

static void test_unavailable_text_is_spoken_in_each_language(void **state)
{
    assert_has(act_template_unavailable_text(SCH_LANG_EN), "this number can't take calls");
    assert_lacks(act_template_unavailable_text(SCH_LANG_EN), "Lo sentimos");
    assert_has(act_template_unavailable_text(SCH_LANG_ES), "no puede atender llamadas");
    assert_lacks(act_template_unavailable_text(SCH_LANG_ES), "sorry");
    const char *both = act_template_unavailable_text(SCH_LANG_BILINGUAL);
    assert_has(both, "We're sorry");
    assert_has(both, "Lo sentimos");
    assert_null(strchr(both, '\n')); /* Vapi speaks one line */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spanish_tenant_gets_a_spanish_prompt_with_its_name_and_instructions),
        cmocka_unit_test(test_english_tenant_is_greeted_by_name),
        cmocka_unit_test(test_each_industry_prompt_is_about_its_own_trade),
        cmocka_unit_test(test_prompt_explains_every_tool_in_the_catalogue_in_both_languages),
        cmocka_unit_test(test_prompt_insists_on_availability_before_booking_and_no_invented_prices),
        cmocka_unit_test(test_emergencies_are_reported_at_once_with_safety_advice),
        cmocka_unit_test(test_hours_and_services_are_listed_when_known),
        cmocka_unit_test(test_missing_hours_and_services_are_admitted_with_a_callback_offer),
        cmocka_unit_test(test_bilingual_tenant_answers_in_the_callers_language_and_greets_in_both),
        cmocka_unit_test(test_custom_greeting_replaces_the_template_greeting),
        cmocka_unit_test(test_business_name_with_percent_and_braces_comes_out_verbatim),
        cmocka_unit_test(test_render_appends_and_either_buffer_may_be_skipped),
        cmocka_unit_test(test_unavailable_text_is_spoken_in_each_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
