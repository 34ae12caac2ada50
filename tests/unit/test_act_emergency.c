/*
 * Unit tests for act_emergency, the emergency classifier: one group of the
 * policy's hard cases per test (../shared/data/EMERGENCY-POLICY.md), each
 * with English and Spanish utterances written for these tests (none is from
 * the dev or held-out sets), the category priority rules, temperatures, the
 * tenant's trade, the cues a contractor reads, input of any length and any
 * bytes, and three scored sets: the shared dev set, this project's own
 * held-out set and its extra blind batches, which must keep recall >= 98%,
 * false positives <= 5% and the right category for >= 90% of true
 * emergencies. Single thread; no services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_emergency.h"

#define IND_HVAC ACT_EMG_IND_HVAC
#define IND_PLUMBING ACT_EMG_IND_PLUMBING
#define IND_ELECTRICAL ACT_EMG_IND_ELECTRICAL
#define LANG_EN ACT_EMG_LANG_EN
#define LANG_ES ACT_EMG_LANG_ES

typedef struct {
    const char *text;
    act_emg_industry_t industry;
    act_emg_lang_t lang;
    act_emg_category_t want; /* ACT_EMG_NONE: not an emergency */
} utterance_t;

static act_emg_result_t classify(const char *text, act_emg_industry_t industry, act_emg_lang_t lang)
{
    act_emg_result_t r;
    act_emg_classify(text, strlen(text), industry, lang, &r);
    return r;
}

static void print_cues(const act_emg_result_t *r)
{
    for (int i = 0; i < r->ncues; i++)
        print_message("    cue: %s\n", r->cues[i]);
}

/* Checks every utterance of a group and that the group has both languages. */
static void expect_all(const utterance_t *u, size_t n)
{
    bool en = false, es = false;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        act_emg_result_t r = classify(u[i].text, u[i].industry, u[i].lang);
        en = en || u[i].lang == ACT_EMG_LANG_EN;
        es = es || u[i].lang == ACT_EMG_LANG_ES;
        if (r.category != u[i].want || r.emergency != (u[i].want != ACT_EMG_NONE)) {
            print_message("expected %s, got %s (%.2f): %s\n", act_emg_category_name(u[i].want),
                          act_emg_category_name(r.category), r.score, u[i].text);
            print_cues(&r);
            bad++;
        }
        /* The result's own invariants. */
        assert_true(r.emergency == (r.category != ACT_EMG_NONE));
        assert_true(r.emergency == (r.score >= 0.5));
        assert_true(r.score >= 0.0 && r.score <= 1.0);
        assert_true(r.lang_used == u[i].lang);
    }
    assert_true(en && es);
    assert_int_equal(bad, 0);
}

#define EXPECT_ALL(group) expect_all(group, sizeof group / sizeof group[0])

/* ------------------------------------------------------------ utterances */

static const utterance_t negation[] = {
    {"no, there's no gas smell at all, the stove burner just clicks a few times before it lights",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"nothing is sparking or smoking, the light switch in the hall just feels a little loose",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"no hay olor a gas ni nada, nomás el calentón hace ruido cuando prende", IND_HVAC, LANG_ES,
     ACT_EMG_NONE},
    {"no sale humo ni huele a quemado, pero el ventilador del baño está muy ruidoso",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
};

static const utterance_t negation_then_hazard[] = {
    {"there's no smoke or anything, but the outlet behind the tv is sparking every time the fridge "
     "kicks on",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"we don't smell gas inside, but the meter outside is hissing really loud", IND_PLUMBING,
     LANG_EN, ACT_EMG_GAS_LEAK},
    {"no hay chispas, pero la llave del fregadero me da toques cuando la toco", IND_PLUMBING,
     LANG_ES, ACT_EMG_ELECTRICAL_HAZARD},
    {"no huele a gas, pero está saliendo humo del motor de la secadora", IND_HVAC, LANG_ES,
     ACT_EMG_FIRE_SMOKE},
};

static const utterance_t past_resolved[] = {
    {"the breaker panel sparked back in march, you replaced it and it's been fine since, i just "
     "need the invoice",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"we had sewage come up in the basement shower two years ago, now we want a backwater valve "
     "quote",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"hace dos años se nos reventó un tubo en la cocina, ya lo arreglaron, ahora quiero cambiar "
     "las llaves",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
    {"el invierno pasado se nos congelaron las tuberías, esta vez queremos aislarlas antes",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
};

static const utterance_t past_again[] = {
    {"your tech fixed the water heater last week and now it's leaking again, there's water "
     "spreading all over the garage floor",
     IND_PLUMBING, LANG_EN, ACT_EMG_WATER_HEATER_FAILURE},
    {"el mes pasado nos destaparon el drenaje y otra vez está saliendo agua negra por la coladera "
     "del baño y ya llegó al pasillo",
     IND_PLUMBING, LANG_ES, ACT_EMG_SEWAGE_BACKUP},
};

static const utterance_t stopped[] = {
    {"the dishwasher hose split but i shut the valve under the sink and it stopped, everything's "
     "dry now, can someone come thursday",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"the lamp cord was smoking so we unplugged it and the smell is gone", IND_ELECTRICAL, LANG_EN,
     ACT_EMG_NONE},
    {"se estaba saliendo el agua del tubo del lavabo pero ya cerré la llave y ya no sale nada, "
     "¿pueden venir mañana?",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
    {"el contacto echó chispas una vez, bajé el breaker y ya está bien", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_NONE},
};

static const utterance_t stopped_but_live[] = {
    {"i shut off the main valve but water is still pouring out of the ceiling light in the kitchen",
     IND_PLUMBING, LANG_EN, ACT_EMG_FLOODING},
    {"ya cerré la llave de paso pero sigue saliendo agua del tubo roto", IND_PLUMBING, LANG_ES,
     ACT_EMG_FLOODING},
};

static const utterance_t hypothetical[] = {
    {"what should we do if the carbon monoxide alarm ever goes off in the middle of the night",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"if the power goes out during the storm will the sump pump still work", IND_PLUMBING, LANG_EN,
     ACT_EMG_NONE},
    {"si algún día huele a gas en la casa, ¿les hablo a ustedes o a la compañía?", IND_HVAC,
     LANG_ES, ACT_EMG_NONE},
    {"¿qué hago si se revienta un tubo cuando no estoy?", IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
};

static const utterance_t indirect[] = {
    {"the whole family has headaches and feels dizzy, it gets better when we go outside, the "
     "furnace has been running all day",
     IND_HVAC, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"there's a smell like rotten eggs coming from behind the dryer", IND_PLUMBING, LANG_EN,
     ACT_EMG_GAS_LEAK},
    {"todos en la casa andamos con dolor de cabeza y mareados desde que prendimos el calentón",
     IND_HVAC, LANG_ES, ACT_EMG_CARBON_MONOXIDE},
    {"huele como a huevo podrido cerca de la estufa", IND_HVAC, LANG_ES, ACT_EMG_GAS_LEAK},
};

static const utterance_t minimizer[] = {
    {"it's probably nothing, but the light switch in the hallway is warm and making a crackling "
     "noise",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"no es nada grave creo, pero sale un hilito de humo del apagador de la sala", IND_ELECTRICAL,
     LANG_ES, ACT_EMG_FIRE_SMOKE},
};

static const utterance_t rambling[] = {
    {"hi yes so i was hoping to get a quote on a new thermostat, the smart kind, and maybe a duct "
     "cleaning while you're out, my wife also wanted to ask about the warranty on the furnace, and "
     "oh, also, the basement has about two inches of water and it's coming in from the wall pretty "
     "fast",
     IND_HVAC, LANG_EN, ACT_EMG_FLOODING},
    {"mire, quería preguntarle por el precio de un calentador nuevo, y también si hacen "
     "mantenimiento, ah y otra cosa, ahorita mismo está saliendo agua negra por el excusado y ya "
     "se llenó el baño",
     IND_PLUMBING, LANG_ES, ACT_EMG_SEWAGE_BACKUP},
};

static const utterance_t other_sense[] = {
    {"what's your emergency fee on weekends, and do you install carbon monoxide detectors",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"we want flood lights over the garage and a new outlet for the fire pit", IND_ELECTRICAL,
     LANG_EN, ACT_EMG_NONE},
    {"¿cuánto cobran por una visita de emergencia? quiero instalar un detector de humo",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
    {"la cuenta de gas salió carísima este mes, ¿será el calentador?", IND_HVAC, LANG_ES,
     ACT_EMG_NONE},
};

static const utterance_t alarm_test[] = {
    {"i pressed the test button on the smoke detector and it won't stop beeping, there's no smoke",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"the building's fire alarm test is running this morning so ignore any alarms when you come "
     "for the ac tune-up",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"estaba probando la alarma de monóxido con el botón y sonó, ¿así debe ser?", IND_HVAC, LANG_ES,
     ACT_EMG_NONE},
    {"se prendió la alarma de humo porque se me quemó la comida, ya abrí las ventanas y ya no "
     "suena",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
};

static const utterance_t neighbor_not_reaching[] = {
    {"my neighbor's basement flooded last night, ours is totally dry, but can you check our sump "
     "pump this week",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"al vecino de enfrente se le reventó un tubo y hay agua en la calle, en mi casa todo está "
     "bien",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
};

static const utterance_t neighbor_reaching[] = {
    {"the apartment above us has a leak and now water is pouring through our kitchen ceiling",
     IND_PLUMBING, LANG_EN, ACT_EMG_FLOODING},
    {"el vecino de arriba dejó la llave abierta y ahora está cayendo agua del techo de mi baño",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
};

static const utterance_t spanglish[] = {
    {"the breaker box is making sparks, como chispas, and it smells like burning", IND_ELECTRICAL,
     LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"el water heater está leaking bien feo y el agua ya llegó a la sala", IND_PLUMBING, LANG_ES,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"el breaker está bien hot y huele a quemado", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_ELECTRICAL_HAZARD},
};

static const utterance_t stt_error[] = {
    {"the fernace is making the house smell like gass", IND_HVAC, LANG_EN, ACT_EMG_GAS_LEAK},
    {"there's sewer water backin up out the bath tub drain", IND_PLUMBING, LANG_EN,
     ACT_EMG_SEWAGE_BACKUP},
    {"se esta inundando el sotano, el agua ya esta asta los tobillos", IND_PLUMBING, LANG_ES,
     ACT_EMG_FLOODING},
    {"huele a gaz en la cosina", IND_HVAC, LANG_ES, ACT_EMG_GAS_LEAK},
};

static const utterance_t below_threshold[] = {
    {"there's a slow drip under the kitchen sink, we put a bowl under it", IND_PLUMBING, LANG_EN,
     ACT_EMG_NONE},
    {"the ac isn't keeping up, it's about eighty five outside and it's just me and my husband",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"gotea poquito la llave de la regadera, ¿cuándo pueden venir?", IND_PLUMBING, LANG_ES,
     ACT_EMG_NONE},
    {"el calentón no prende pero hace como setenta grados afuera y estamos bien", IND_HVAC, LANG_ES,
     ACT_EMG_NONE},
};

static const utterance_t priority[] = {
    {"there's a gas smell at the water heater and water leaking all over the floor", IND_PLUMBING,
     LANG_EN, ACT_EMG_GAS_LEAK},
    {"the co alarm is going off and there's a little smoke coming from the furnace", IND_HVAC,
     LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"the outlet is sparking and smoke is coming out of it", IND_ELECTRICAL, LANG_EN,
     ACT_EMG_FIRE_SMOKE},
    {"the panel is sparking and there's a burning smell", IND_ELECTRICAL, LANG_EN,
     ACT_EMG_ELECTRICAL_HAZARD},
    {"there's a burning plastic smell coming from the dryer", IND_ELECTRICAL, LANG_EN,
     ACT_EMG_FIRE_SMOKE},
    {"the water heater burst and water is gushing across the basement", IND_PLUMBING, LANG_EN,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"dirty brown water with toilet paper is coming up from the floor drain and spreading across "
     "the basement",
     IND_PLUMBING, LANG_EN, ACT_EMG_SEWAGE_BACKUP},
    {"water is dripping into the electrical panel from a leak upstairs, nothing is sparking",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_FLOODING},
    {"the well pump breaker keeps tripping and we have no water at all in the house", IND_PLUMBING,
     LANG_EN, ACT_EMG_NO_WATER},
    {"huele a gas junto a la secadora y también sale humito del enchufe", IND_HVAC, LANG_ES,
     ACT_EMG_GAS_LEAK},
    {"está sonando la alarma de monóxido y mi hijo tiene dolor de cabeza, la caldera está prendida",
     IND_HVAC, LANG_ES, ACT_EMG_CARBON_MONOXIDE},
    {"el contacto está echando chispas y ya salen llamas de la pared", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_FIRE_SMOKE},
    {"el tablero echa chispas y huele a quemado", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_ELECTRICAL_HAZARD},
    {"se reventó el calentador de agua y el agua está saliendo a chorros por todo el garaje",
     IND_PLUMBING, LANG_ES, ACT_EMG_WATER_HEATER_FAILURE},
    {"está subiendo agua negra por la coladera del sótano y ya cubrió todo el piso", IND_PLUMBING,
     LANG_ES, ACT_EMG_SEWAGE_BACKUP},
    {"se está metiendo el agua al tablero de los breakers por la lluvia, pero no hay chispas",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_FLOODING},
    {"el breaker de la bomba del pozo se bota cada rato y no tenemos nada de agua en la casa",
     IND_PLUMBING, LANG_ES, ACT_EMG_NO_WATER},
};

static const utterance_t industry[] = {
    {"el calentador está tirando mucha agua y ya se mojó todo el piso", IND_PLUMBING, LANG_ES,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"el calentador de pared huele a gas", IND_HVAC, LANG_ES, ACT_EMG_GAS_LEAK},
    {"the heater in the garage is leaking really bad and the water is spreading into the hallway",
     IND_PLUMBING, LANG_EN, ACT_EMG_WATER_HEATER_FAILURE},
    {"the generator is running in the garage and now the co detector in the kitchen is beeping "
     "nonstop",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
};

static const utterance_t temperature[] = {
    {"it's minus 15 outside and the furnace quit", IND_HVAC, LANG_EN, ACT_EMG_NO_HEAT_DANGER},
    {"hace menos diez grados y no sirve la calefacción", IND_HVAC, LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"estamos a cuarenta y cinco grados centígrados y el aire no enfría, mi abuela está mareada",
     IND_HVAC, LANG_ES, ACT_EMG_NO_COOLING_DANGER},
    {"the ac died, it's a hundred and eight out, and my pregnant wife is feeling dizzy", IND_HVAC,
     LANG_EN, ACT_EMG_NO_COOLING_DANGER},
};

/* ----------------------------------------------------------- hard cases */

static void test_negated_hazards_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(negation);
}

static void test_a_live_hazard_after_a_negation_is_an_emergency(void **state)
{
    (void)state;
    EXPECT_ALL(negation_then_hazard);
}

static void test_past_problems_that_were_fixed_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(past_resolved);
}

static void test_a_past_problem_happening_again_now_is_an_emergency(void **state)
{
    (void)state;
    EXPECT_ALL(past_again);
}

static void test_problems_the_caller_stopped_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(stopped);
}

static void test_a_hazard_that_goes_on_despite_the_caller_is_an_emergency(void **state)
{
    (void)state;
    EXPECT_ALL(stopped_but_live);
}

static void test_hypothetical_questions_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(hypothetical);
}

static void test_indirect_descriptions_without_trigger_words_are_caught(void **state)
{
    (void)state;
    EXPECT_ALL(indirect);
}

static void test_a_calm_minimizing_caller_with_a_real_hazard_is_an_emergency(void **state)
{
    (void)state;
    EXPECT_ALL(minimizer);
}

static void test_an_emergency_at_the_end_of_a_long_rambling_call_is_caught(void **state)
{
    (void)state;
    EXPECT_ALL(rambling);
}

static void test_emergency_words_in_other_senses_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(other_sense);
}

static void test_alarm_tests_and_cooking_false_alarms_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(alarm_test);
}

static void
test_a_neighbors_problem_that_does_not_reach_the_caller_is_not_an_emergency(void **state)
{
    (void)state;
    EXPECT_ALL(neighbor_not_reaching);
}

static void test_a_neighbors_problem_reaching_the_callers_home_is_an_emergency(void **state)
{
    (void)state;
    EXPECT_ALL(neighbor_reaching);
}

static void test_spanglish_is_understood(void **state)
{
    (void)state;
    EXPECT_ALL(spanglish);
}

static void test_speech_to_text_misspellings_and_missing_accents_are_understood(void **state)
{
    (void)state;
    EXPECT_ALL(stt_error);
}

static void test_problems_just_below_the_threshold_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(below_threshold);
}

static void test_several_signals_pick_the_category_by_the_policy_priority_rules(void **state)
{
    (void)state;
    EXPECT_ALL(priority);
}

static void test_calentador_is_a_water_heater_for_a_plumber_and_a_heater_otherwise(void **state)
{
    (void)state;
    EXPECT_ALL(industry);
    /* The same words, the trade decides. */
    act_emg_result_t r = classify("el calentador está tirando agua a chorros por todo el piso",
                                  IND_PLUMBING, LANG_ES);
    assert_int_equal(r.category, ACT_EMG_WATER_HEATER_FAILURE);
    r = classify("el calentador está tirando agua a chorros por todo el piso", IND_HVAC, LANG_ES);
    assert_int_equal(r.category, ACT_EMG_FLOODING);
}

static void test_temperatures_in_digits_or_words_fahrenheit_or_celsius_are_read(void **state)
{
    (void)state;
    EXPECT_ALL(temperature);
    /* The same failure is not an emergency on a mild day. */
    act_emg_result_t r = classify("the furnace quit and it's sixty degrees out", IND_HVAC, LANG_EN);
    assert_false(r.emergency);
    r = classify("the furnace quit and it's 10 degrees out", IND_HVAC, LANG_EN);
    assert_int_equal(r.category, ACT_EMG_NO_HEAT_DANGER);
    r = classify("se descompuso el aire, estamos a 40°C y mi bebé está muy decaído", IND_HVAC,
                 LANG_ES);
    assert_int_equal(r.category, ACT_EMG_NO_COOLING_DANGER);
    r = classify("se descompuso el aire y hace 25 grados, estamos bien", IND_HVAC, LANG_ES);
    assert_false(r.emergency);
}

/* ------------------------------------------------------------- the result */

static bool has_cue(const act_emg_result_t *r, const char *cue)
{
    for (int i = 0; i < r->ncues; i++) {
        if (strcmp(r->cues[i], cue) == 0)
            return true;
    }
    return false;
}

static void test_cues_name_the_deciding_hazard_first_and_say_why_others_did_not_count(void **state)
{
    (void)state;
    act_emg_result_t r =
        classify("there's no gas smell, but the outlet is sparking", IND_ELECTRICAL, LANG_EN);
    assert_true(r.emergency);
    assert_true(r.ncues >= 2);
    assert_string_equal(r.cues[0], "sparks");
    assert_true(has_cue(&r, "negated: gas smell"));

    r = classify("we had a burst pipe last winter, it was fixed", IND_PLUMBING, LANG_EN);
    assert_false(r.emergency);
    assert_true(has_cue(&r, "past: burst pipe"));
    assert_true(r.score < 0.5);

    r = classify("can you install a new kitchen faucet next week", IND_PLUMBING, LANG_EN);
    assert_false(r.emergency);
    assert_int_equal(r.ncues, 0);
}

static void test_language_is_detected_when_not_given(void **state)
{
    (void)state;
    act_emg_result_t r;
    act_emg_classify("huele mucho a gas en la cocina", 30, ACT_EMG_IND_UNKNOWN, ACT_EMG_LANG_AUTO,
                     &r);
    assert_int_equal(r.lang_used, ACT_EMG_LANG_ES);
    assert_int_equal(r.category, ACT_EMG_GAS_LEAK);
    const char *en = "it smells like gas in the kitchen";
    act_emg_classify(en, strlen(en), ACT_EMG_IND_UNKNOWN, ACT_EMG_LANG_AUTO, &r);
    assert_int_equal(r.lang_used, ACT_EMG_LANG_EN);
    assert_int_equal(r.category, ACT_EMG_GAS_LEAK);
}

static void test_very_long_input_finds_the_emergency_at_the_end_or_in_the_middle(void **state)
{
    (void)state;
    const char *filler = "so anyway i wanted to ask about the maintenance plan and the warranty, ";
    const char *hazard = "and oh the breaker panel is sparking right now, ";
    size_t cap = 64 * 1024;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int where = 0; where < 2; where++) {
        size_t n = 0;
        int k = 0;
        while (n + 200 < cap) {
            const char *part = (where == 0 && n + 400 >= cap) ||
                                       (where == 1 && k == 300) /* mid-text, a window seam */
                                   ? hazard
                                   : filler;
            size_t len = strlen(part);
            memcpy(text + n, part, len);
            n += len;
            k++;
            if (part == hazard && where == 0)
                break;
        }
        act_emg_result_t r;
        act_emg_classify(text, n, ACT_EMG_IND_ELECTRICAL, ACT_EMG_LANG_EN, &r);
        assert_true(r.emergency);
        assert_int_equal(r.category, ACT_EMG_ELECTRICAL_HAZARD);
    }
    free(text);
}

static void test_any_bytes_are_safe_input(void **state)
{
    (void)state;
    act_emg_result_t r;
    act_emg_classify(NULL, 0, ACT_EMG_IND_UNKNOWN, ACT_EMG_LANG_AUTO, &r);
    assert_false(r.emergency);
    assert_int_equal(r.category, ACT_EMG_NONE);
    assert_int_equal(r.lang_used, ACT_EMG_LANG_EN);

    /* NUL bytes, invalid UTF-8, truncated sequences: words around them still count. */
    const char odd[] = "\xff\xfe gas\0 smell \xc3 in the \xe2\x80 kitchen, huele a gas \xf0\x9f";
    act_emg_classify(odd, sizeof odd - 1, ACT_EMG_IND_UNKNOWN, ACT_EMG_LANG_AUTO, &r);
    assert_int_equal(r.category, ACT_EMG_GAS_LEAK);

    /* Pseudo-random bytes and one enormous word. */
    size_t n = 200000;
    char *junk = malloc(n);
    assert_non_null(junk);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    act_emg_classify(junk, n, ACT_EMG_IND_PLUMBING, ACT_EMG_LANG_AUTO, &r);
    assert_true(r.emergency == (r.category != ACT_EMG_NONE));
    memset(junk, 'a', n);
    act_emg_classify(junk, n, ACT_EMG_IND_PLUMBING, ACT_EMG_LANG_AUTO, &r);
    assert_false(r.emergency);
    free(junk);
}

static void test_names_and_parsers_round_trip(void **state)
{
    (void)state;
    for (int c = 0; c < ACT_EMG__COUNT; c++) {
        act_emg_category_t back = ACT_EMG__COUNT;
        assert_true(act_emg_category_parse(act_emg_category_name((act_emg_category_t)c), &back));
        assert_int_equal(back, c);
    }
    assert_string_equal(act_emg_category_name(ACT_EMG__COUNT), "none");
    assert_string_equal(act_emg_category_name(ACT_EMG_WATER_HEATER_FAILURE),
                        "water_heater_failure");
    act_emg_category_t cat = ACT_EMG_GAS_LEAK;
    assert_false(act_emg_category_parse("gas", &cat));
    assert_int_equal(cat, ACT_EMG_GAS_LEAK);

    act_emg_lang_t lang = ACT_EMG_LANG_AUTO;
    assert_true(act_emg_lang_parse("ES", &lang));
    assert_int_equal(lang, ACT_EMG_LANG_ES);
    assert_false(act_emg_lang_parse("fr", &lang));
    assert_false(act_emg_lang_parse(NULL, &lang));
    assert_int_equal(lang, ACT_EMG_LANG_ES);
    assert_string_equal(act_emg_lang_name(ACT_EMG_LANG_AUTO), "auto");

    act_emg_industry_t ind = ACT_EMG_IND_UNKNOWN;
    assert_true(act_emg_industry_parse("Plumbing", &ind));
    assert_int_equal(ind, ACT_EMG_IND_PLUMBING);
    assert_false(act_emg_industry_parse("roofing", &ind));
    assert_int_equal(ind, ACT_EMG_IND_PLUMBING);
    assert_string_equal(act_emg_industry_name(ACT_EMG_IND_ELECTRICAL), "electrical");
}

static void test_word_table_is_in_lookup_order(void **state)
{
    (void)state;
    assert_true(act_emg_selfcheck());
}

/* ------------------------------------------------------------ scored sets */

typedef struct {
    int tp, fn, fp, tn, cat_ok;
} tally_t;

/* Scores a labelled JSON Lines file, prints the figures and every miss, and fails below target. */
static void score_set(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open %s", path);
    tally_t t = {0, 0, 0, 0, 0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, fp)) > 0) {
        json_error_t err;
        json_t *j = json_loadb(line, (size_t)n, 0, &err);
        if (!j)
            continue;
        json_t *text = json_object_get(j, "text");
        const char *id = json_string_value(json_object_get(j, "id"));
        bool want = json_is_true(json_object_get(j, "emergency"));
        act_emg_category_t want_cat = ACT_EMG_NONE;
        assert_true(
            act_emg_category_parse(json_string_value(json_object_get(j, "category")), &want_cat));
        act_emg_industry_t ind = ACT_EMG_IND_UNKNOWN;
        act_emg_lang_t lang = ACT_EMG_LANG_AUTO;
        (void)act_emg_industry_parse(json_string_value(json_object_get(j, "industry")), &ind);
        (void)act_emg_lang_parse(json_string_value(json_object_get(j, "lang")), &lang);
        act_emg_result_t r;
        act_emg_classify(json_string_value(text), json_string_length(text), ind, lang, &r);
        const char *miss = NULL;
        if (want && r.emergency) {
            t.tp++;
            if (r.category == want_cat)
                t.cat_ok++;
            else
                miss = "wrong category";
        } else if (want) {
            t.fn++;
            miss = "missed emergency";
        } else if (r.emergency) {
            t.fp++;
            miss = "false positive";
        } else {
            t.tn++;
        }
        if (miss) {
            print_message("%s %s: want %s, got %s: %s\n", miss, id ? id : "?",
                          act_emg_category_name(want_cat), act_emg_category_name(r.category),
                          json_string_value(text));
            print_cues(&r);
        }
        json_decref(j);
    }
    free(line);
    fclose(fp);
    double recall = t.tp + t.fn ? (double)t.tp / (t.tp + t.fn) : 0.0;
    double fpr = t.fp + t.tn ? (double)t.fp / (t.fp + t.tn) : 1.0;
    double cat = t.tp ? (double)t.cat_ok / t.tp : 0.0;
    print_message("%s: recall %.3f (%d/%d), false-positive rate %.3f (%d/%d), "
                  "category accuracy %.3f (%d/%d)\n",
                  path, recall, t.tp, t.tp + t.fn, fpr, t.fp, t.fp + t.tn, cat, t.cat_ok, t.tp);
    assert_true(t.tp + t.fn >= 10 && t.fp + t.tn >= 10);
    assert_true(recall >= 0.98);
    assert_true(fpr <= 0.05);
    assert_true(cat >= 0.90);
}

static void test_dev_set_meets_recall_false_positive_and_category_targets(void **state)
{
    (void)state;
    score_set(SAI_SHARED_DIR "/data/emergency-dev.jsonl");
}

static void test_own_held_out_set_meets_recall_false_positive_and_category_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-holdout-own.jsonl");
}

/* Utterances written blind for this module in three batches after the rules were first built
 * (each batch scored before the rules were adjusted for it); kept as a regression set. */
static void test_own_extra_set_meets_recall_false_positive_and_category_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-own-extra.jsonl");
}

/* A second, independent author's four blind batches (b1-b3 scored before the rules were adjusted
 * for them, b4 written and scored after); kept as a regression set. */
static void
test_second_authors_extra_set_meets_recall_false_positive_and_category_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-own-extra2.jsonl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negated_hazards_are_not_emergencies),
        cmocka_unit_test(test_a_live_hazard_after_a_negation_is_an_emergency),
        cmocka_unit_test(test_past_problems_that_were_fixed_are_not_emergencies),
        cmocka_unit_test(test_a_past_problem_happening_again_now_is_an_emergency),
        cmocka_unit_test(test_problems_the_caller_stopped_are_not_emergencies),
        cmocka_unit_test(test_a_hazard_that_goes_on_despite_the_caller_is_an_emergency),
        cmocka_unit_test(test_hypothetical_questions_are_not_emergencies),
        cmocka_unit_test(test_indirect_descriptions_without_trigger_words_are_caught),
        cmocka_unit_test(test_a_calm_minimizing_caller_with_a_real_hazard_is_an_emergency),
        cmocka_unit_test(test_an_emergency_at_the_end_of_a_long_rambling_call_is_caught),
        cmocka_unit_test(test_emergency_words_in_other_senses_are_not_emergencies),
        cmocka_unit_test(test_alarm_tests_and_cooking_false_alarms_are_not_emergencies),
        cmocka_unit_test(
            test_a_neighbors_problem_that_does_not_reach_the_caller_is_not_an_emergency),
        cmocka_unit_test(test_a_neighbors_problem_reaching_the_callers_home_is_an_emergency),
        cmocka_unit_test(test_spanglish_is_understood),
        cmocka_unit_test(test_speech_to_text_misspellings_and_missing_accents_are_understood),
        cmocka_unit_test(test_problems_just_below_the_threshold_are_not_emergencies),
        cmocka_unit_test(test_several_signals_pick_the_category_by_the_policy_priority_rules),
        cmocka_unit_test(test_calentador_is_a_water_heater_for_a_plumber_and_a_heater_otherwise),
        cmocka_unit_test(test_temperatures_in_digits_or_words_fahrenheit_or_celsius_are_read),
        cmocka_unit_test(test_cues_name_the_deciding_hazard_first_and_say_why_others_did_not_count),
        cmocka_unit_test(test_language_is_detected_when_not_given),
        cmocka_unit_test(test_very_long_input_finds_the_emergency_at_the_end_or_in_the_middle),
        cmocka_unit_test(test_any_bytes_are_safe_input),
        cmocka_unit_test(test_names_and_parsers_round_trip),
        cmocka_unit_test(test_word_table_is_in_lookup_order),
        cmocka_unit_test(test_dev_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(test_own_held_out_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(test_own_extra_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(
            test_second_authors_extra_set_meets_recall_false_positive_and_category_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
