/*
 * Unit tests for act_emergency, the emergency classifier: one group of the
 * policy's hard cases per test (../shared/data/EMERGENCY-POLICY.md), each
 * with English and Spanish utterances written for these tests (none is from
 * the dev or held-out sets), the category priority rules, temperatures, the
 * tenant's trade, the cues a contractor reads, input of any length and any
 * bytes, and the scored sets: the shared dev set, this project's own
 * held-out set, its extra blind batches, the independent s7 blind batches and
 * the hard cases written with the s7 rules, which must keep recall >= 98%,
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

/* Whole families of wordings, not single words: symptoms (woozy, atontados), shocks (tingle,
 * zing, toques), water (gushing, a lake, botando agua, a fountain), regional names (pluma, chorro,
 * termo, butano, diferencial, la planta). */
static const utterance_t synonym_families[] = {
    {"the pipe under the sink is leaking like crazy, i can't keep up with it", IND_PLUMBING,
     LANG_EN, ACT_EMG_FLOODING},
    {"el tubo de abajo del lavabo tiene una fuga muy fuerte", IND_PLUMBING, LANG_ES,
     ACT_EMG_FLOODING},
    {"the supply line has a small leak, can you come thursday", IND_PLUMBING, LANG_EN,
     ACT_EMG_NONE},
    {"la llave de la cocina gotea mucho, ¿cuándo pueden venir a cambiarla?", IND_PLUMBING, LANG_ES,
     ACT_EMG_NONE},
    {"we've got no water, the pump isn't kicking on and the pressure gauge says zero", IND_PLUMBING,
     LANG_EN, ACT_EMG_NO_WATER},
    {"se fue el agua en toda la casa, ni una llave tiene", IND_PLUMBING, LANG_ES, ACT_EMG_NO_WATER},
    {"we lost water to the whole house this morning, every tap is dry", IND_PLUMBING, LANG_EN,
     ACT_EMG_NO_WATER},
    {"the radiators are all ice cold and it's six degrees outside", IND_HVAC, LANG_EN,
     ACT_EMG_NO_HEAT_DANGER},
    {"los radiadores están fríos, la caldera no arranca y estamos a bajo cero", IND_HVAC, LANG_ES,
     ACT_EMG_NO_HEAT_DANGER},
    {"se fue la luz en media casa y el tablero está tronando", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_ELECTRICAL_HAZARD},
    {"el termo está perdiendo agua por abajo, ya he vaciado dos cubos y sigue", IND_PLUMBING,
     LANG_ES, ACT_EMG_WATER_HEATER_FAILURE},
    {"el termotanque se pinchó y está largando agua por todos lados", IND_PLUMBING, LANG_ES,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"se apagó la estufa a gas y no quiere prender, afuera está helando y mi abuela tiene noventa",
     IND_HVAC, LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"han saltado los plomos y el cuadro hace chispas, y huele a quemado", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_ELECTRICAL_HAZARD},
    {"le salen llamas por enfrente al calentón", IND_HVAC, LANG_ES, ACT_EMG_FIRE_SMOKE},
    {"the outlet in the kids' room smells like fish, like really strong, and the cover looks a "
     "little brown",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_FIRE_SMOKE},
    {"el enchufe del cuarto huele como a pescado, bien fuerte, y está medio café", IND_ELECTRICAL,
     LANG_ES, ACT_EMG_FIRE_SMOKE},
    {"the wire behind the outlet is glowing red, i can see it through the crack", IND_ELECTRICAL,
     LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"the ceiling in the living room is sagging and bulging with water, it's dripping from the "
     "middle",
     IND_PLUMBING, LANG_EN, ACT_EMG_FLOODING},
    {"el techo de la sala se está inflando con agua y ya empezó a gotear por el centro",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"están saliendo aguas servidas por el desagüe de la ducha", IND_PLUMBING, LANG_ES,
     ACT_EMG_SEWAGE_BACKUP},
    {"el calefón se rajó y está tirando agua por todos lados", IND_PLUMBING, LANG_ES,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"the toilet tank cracked in half and water's going everywhere", IND_PLUMBING, LANG_EN,
     ACT_EMG_FLOODING},
    {"the outlit by the tv is sparkin and poppin", IND_ELECTRICAL, LANG_EN,
     ACT_EMG_ELECTRICAL_HAZARD},
    {"el water heater está bien, pero la pipe de al lado se quebró y hay agua everywhere",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"okay so like, i came home from work and there's water literally coming down the stairs from "
     "the second floor, i think something upstairs broke, i don't even know where the shutoff is",
     IND_PLUMBING, LANG_EN, ACT_EMG_FLOODING},
    {"oiga, ando bien apurada, se reventó algo en el baño de arriba y el agua está bajando por las "
     "escaleras, no sé dónde se cierra el agua",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"so this is kind of weird, but whenever i touch the metal frame of the oven i feel like a "
     "little pins and needles thing in my hand, my husband felt it too",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"fíjese que cuando toco el refri siento como cosquillas en la mano, como que pica, y a mi "
     "hijo también le pasó",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_ELECTRICAL_HAZARD},
    {"se está saliendo el agua por debajo del lavaplatos a chorro y ya está todo el piso mojado",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"every time i mop under the water heater the puddle comes right back", IND_PLUMBING, LANG_EN,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"seco el charco del calentador y a los cinco minutos ya está otra vez lleno de agua",
     IND_PLUMBING, LANG_ES, ACT_EMG_WATER_HEATER_FAILURE},
    {"the see oh alarm is going off in the basement", IND_HVAC, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"the little co thingy in the hall is going crazy, beeping nonstop, and the furnace is on",
     IND_HVAC, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"me pasó la electricidad al tocar la llave del lavabo", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_ELECTRICAL_HAZARD},
    {"el agua está saliendo a borbotones de la pared", IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"se reventó la llave del jardín y el agua se está metiendo a la casa", IND_PLUMBING, LANG_ES,
     ACT_EMG_FLOODING},
    {"the furnace has been running nonstop and my wife and i both feel woozy and lightheaded, the "
     "kids are real groggy too",
     IND_HVAC, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"tenemos el calentón prendido toda la noche y amanecimos todos atontados y con náuseas, el "
     "niño está bien adormilado",
     IND_HVAC, LANG_ES, ACT_EMG_CARBON_MONOXIDE},
    {"la planta eléctrica está prendida en la cochera y a mi esposo le duele mucho la cabeza y "
     "anda mareado",
     IND_HVAC, LANG_ES, ACT_EMG_CARBON_MONOXIDE},
    {"every time i grab the handle on the fridge i feel a tingle up my arm, like a little buzz",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"la regadera me da toques cuando la toco, como una corriente en las manos", IND_ELECTRICAL,
     LANG_ES, ACT_EMG_ELECTRICAL_HAZARD},
    {"water is gushing out from under the kitchen sink, it's like a lake in here", IND_PLUMBING,
     LANG_EN, ACT_EMG_FLOODING},
    {"se reventó el tubo del patio y está botando agua por todos lados", IND_PLUMBING, LANG_ES,
     ACT_EMG_FLOODING},
    {"se salió la manguera de la lavadora y sale un chorro de agua que ya llegó a la sala",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"there's a fountain coming out of a copper line in the basement, it's over my ankles already",
     IND_PLUMBING, LANG_EN, ACT_EMG_FLOODING},
    {"desde la mañana no sale agua de ningún chorro de la casa, ni del baño ni de la pila",
     IND_PLUMBING, LANG_ES, ACT_EMG_NO_WATER},
    {"huele muchísimo a butano en la cocina, creo que es la bombona", IND_HVAC, LANG_ES,
     ACT_EMG_GAS_LEAK},
    {"salta el diferencial cada dos por tres y el cuadro está calentito y huele a quemado",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_ELECTRICAL_HAZARD},
    {"prendimos la planta en el garaje y ahora todos tenemos dolor de cabeza y vómito", IND_HVAC,
     LANG_ES, ACT_EMG_CARBON_MONOXIDE},
    {"el detector de co está bipeando sin parar y la caldera está prendida", IND_HVAC, LANG_ES,
     ACT_EMG_CARBON_MONOXIDE},
    {"la estufa de leña no prende y es la única calefacción, afuera está nevando y tengo un bebé "
     "de tres meses",
     IND_HVAC, LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"tronó el tubo del agua debajo del fregadero y se está inundando la cocina", IND_PLUMBING,
     LANG_ES, ACT_EMG_FLOODING},
    {"por la coladera del sótano está saliendo agua oscura que huele a alcantarilla", IND_PLUMBING,
     LANG_ES, ACT_EMG_SEWAGE_BACKUP},
    {"se paró la caldera y tengo a mi madre de noventa años en casa, estamos a doce grados dentro",
     IND_HVAC, LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"la válvula de alivio del boiler está soltando vapor y agua hirviendo", IND_PLUMBING, LANG_ES,
     ACT_EMG_WATER_HEATER_FAILURE},
};

/* "five below", "minus ten", "bajo cero", "one fifteen", "supposed to be a hundred and six",
 * "I'm ninety one", and a bare Spanish number next to one in Celsius. */
static const utterance_t temperature_forms[] = {
    {"our boiler shut down and the pipes are starting to freeze, it's 5 degrees", IND_HVAC, LANG_EN,
     ACT_EMG_NO_HEAT_DANGER},
    {"se apagó la caldera, las tuberías se están congelando, afuera estamos a menos doce", IND_HVAC,
     LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"no heat and the temperature in the house is down to 45, i have a 3 week old", IND_HVAC,
     LANG_EN, ACT_EMG_NO_HEAT_DANGER},
    {"no hay calefacción y adentro estamos a cinco grados, tengo un recién nacido", IND_HVAC,
     LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"the ac's been out two days, it's one oh eight outside, my dad's 80 and he's not drinking "
     "anything",
     IND_HVAC, LANG_EN, ACT_EMG_NO_COOLING_DANGER},
    {"el calentón no prende y estamos a diez bajo cero allá afuera", IND_HVAC, LANG_ES,
     ACT_EMG_NO_HEAT_DANGER},
    {"furnace died, it's minus fifteen with the windchill and we've got a newborn", IND_HVAC,
     LANG_EN, ACT_EMG_NO_HEAT_DANGER},
    {"heat's out and it's five below outside, my dad is on oxygen", IND_HVAC, LANG_EN,
     ACT_EMG_NO_HEAT_DANGER},
    {"the furnace is down and it's supposed to hit minus ten tonight", IND_HVAC, LANG_EN,
     ACT_EMG_NO_HEAT_DANGER},
    {"se descompuso la calefacción y afuera estamos bajo cero", IND_HVAC, LANG_ES,
     ACT_EMG_NO_HEAT_DANGER},
    {"air conditioner is blowing warm air, it's one fifteen in phoenix today and grandpa's eighty "
     "nine and confused",
     IND_HVAC, LANG_EN, ACT_EMG_NO_COOLING_DANGER},
    {"el clima nomás echa aire caliente, afuera hace cuarenta y dos grados y mi abuelita de "
     "noventa años está mareada",
     IND_HVAC, LANG_ES, ACT_EMG_NO_COOLING_DANGER},
    {"no tenemos calefacción pero afuera estamos a dieciocho grados y adentro a veinte, somos dos "
     "adultos sanos",
     IND_HVAC, LANG_ES, ACT_EMG_NONE},
    {"the air conditioner died this morning and it's supposed to be a hundred and six later, i'm "
     "ninety one and i feel kind of woozy",
     IND_HVAC, LANG_EN, ACT_EMG_NO_COOLING_DANGER},
    {"se nos fue la calefacción pero fuera hace dieciséis grados y dentro estamos a veinte, somos "
     "jóvenes y estamos bien",
     IND_HVAC, LANG_ES, ACT_EMG_NONE},
};

/* A denied hazard does not cancel a different one that is present; a list of denials cancels the
 * water it follows; not seeing water is not having none, nor is one room's dry faucet. */
static const utterance_t negation_scope[] = {
    {"no heat, pipes are frozen, it's ten below, and now nothing comes out of the kitchen faucet",
     IND_HVAC, LANG_EN, ACT_EMG_NO_HEAT_DANGER},
    {"there's no smoke or anything, but the outlet in the den smells like burning plastic",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_FIRE_SMOKE},
    {"no sale humo pero el apagador de la cocina huele a quemado", IND_ELECTRICAL, LANG_ES,
     ACT_EMG_FIRE_SMOKE},
    {"nothing's sparking but water is pouring out of the light fixture in the hallway ceiling",
     IND_PLUMBING, LANG_EN, ACT_EMG_FLOODING},
    {"no leak, no drip, no puddle, the toilet just runs all night, can you come next week",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"no gotea, no hay charco, nada mojado, solo el excusado que no deja de correr", IND_PLUMBING,
     LANG_ES, ACT_EMG_NONE},
    {"pipe under the bathroom sink thawed out and the water's running again, no leak at all, just "
     "want it insulated",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"the water meter keeps spinning even with everything off, do i have a hidden leak somewhere? "
     "i don't see any water",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"no veo agua en el piso pero el recibo vino altísimo, ¿será una fuga escondida?", IND_PLUMBING,
     LANG_ES, ACT_EMG_NONE},
    {"el calentador no calienta bien, sale el agua tibia nada más, no gotea ni chorrea ni nada",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
};

/* A battery chirp (but not a guessed battery for an alarm that won't stop), static from a doorknob,
 * sparks from a welder, a fear of what could happen, money slang, a smell the caller names as damp.
 */
static const utterance_t explained_away[] = {
    {"the co alarm is going off, it's probably just the battery but it won't stop", IND_HVAC,
     LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"la alarma de monóxido está sonando sin parar, creo que es la pila", IND_HVAC, LANG_ES,
     ACT_EMG_CARBON_MONOXIDE},
    {"the co detector keeps beeping, i think it needs a new battery, nobody feels sick", IND_HVAC,
     LANG_EN, ACT_EMG_NONE},
    {"el detector de monóxido pita de vez en cuando, creo que es la pila", IND_HVAC, LANG_ES,
     ACT_EMG_NONE},
    {"the co detector shows a warning that says end of life, can you bring a new one", IND_HVAC,
     LANG_EN, ACT_EMG_NONE},
    {"el detector de monóxido marca peligro fin de vida, ya está vencido, ¿me traen otro?",
     IND_HVAC, LANG_ES, ACT_EMG_NONE},
    {"the fridge hums and vibrates a little when i touch the door, is the compressor going",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"the toaster coils glow red like normal, i just want an extra outlet on the counter",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"the carbon monoxide detector in the hall gives a short chirp every thirty seconds, we all "
     "feel fine",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"my basement floods every spring, can you quote me a sump pump install", IND_PLUMBING, LANG_EN,
     ACT_EMG_NONE},
    {"el detector de humo pita cada rato, creo que ya hay que cambiarle la pila", IND_ELECTRICAL,
     LANG_ES, ACT_EMG_NONE},
    {"the carbon monoxide detector chirps every couple of minutes, i think it needs a battery, "
     "nobody feels sick",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
    {"el detector de monóxido hace un pitido cada minuto, creo que es la batería, todos estamos "
     "bien",
     IND_HVAC, LANG_ES, ACT_EMG_NONE},
    {"the kids keep getting static zaps off the trampoline and the car door, is that something a "
     "whole house humidifier fixes",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"me da miedo que mi hijo se electrocute con ese contacto viejo del baño, ¿me pueden poner uno "
     "con gfci?",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
    {"my son was welding in the garage and sparks went everywhere, nothing caught, we just need a "
     "240 outlet out there",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"el recibo de luz está on fire este mes, ¿hacen auditorías de energía?", IND_ELECTRICAL,
     LANG_ES, ACT_EMG_NONE},
    {"i'm scared my dad is gonna get shocked using that old outlet by the sink, can you put in a "
     "gfci",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"hay un olor raro en el closet, no a gas, más bien como a humedad, ¿limpian ductos?", IND_HVAC,
     LANG_ES, ACT_EMG_NONE},
    {"smoke detector in the hallway keeps chirping once a minute, can you guys replace the "
     "batteries",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
};

/* "desde entonces nada", "nothing since", "threw it away", "ya no huele a quemado", and a smell
 * said to be gone long after it was named, are over; "a drip earlier but now it's pouring" and
 * "if it sparks again call you - it's sparking right now" are live. Shutting the valve or the
 * breaker ends a hazard unless it goes on ("still", "even after", "please hurry"). */
static const utterance_t stopped_later[] = {
    {"the washer hose popped off but i shut the valve right away, just need a new hose",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"se zafó la manguera de la lavadora, cerré la llave de paso luego luego, ¿pueden venir a "
     "cambiarla?",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
    {"the outlet sparked so i flipped the breaker off, can you come tomorrow", IND_ELECTRICAL,
     LANG_EN, ACT_EMG_NONE},
    {"water is pouring through the ceiling, i shut the main off, please hurry", IND_PLUMBING,
     LANG_EN, ACT_EMG_FLOODING},
    {"se reventó el tubo y aunque cerré la llave de paso sigue saliendo agua", IND_PLUMBING,
     LANG_ES, ACT_EMG_FLOODING},
    {"the outlet sparked so i flipped the breaker off, now it smells burnt", IND_ELECTRICAL,
     LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"it was just a drip earlier but now it's pouring out from under the sink", IND_PLUMBING,
     LANG_EN, ACT_EMG_FLOODING},
    {"en la mañana nomás goteaba pero ahorita ya está saliendo a chorros", IND_PLUMBING, LANG_ES,
     ACT_EMG_FLOODING},
    {"my landlord said if it ever starts sparking again to call you, well it's sparking right now",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_ELECTRICAL_HAZARD},
    {"el dueño me dijo que si volvía a echar chispas les hablara, y ahorita está echando chispas",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_ELECTRICAL_HAZARD},
    {"if the outlet ever sparks again, should i turn the breaker off first?", IND_ELECTRICAL,
     LANG_EN, ACT_EMG_NONE},
    {"si el contacto vuelve a echar chispas, ¿qué hago?", IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
    {"el contacto echó chispas ayer, bajé el breaker y desde entonces nada, ¿pueden venir el "
     "lunes?",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
    {"the outlet sparked this morning, i flipped the breaker off and nothing since, can someone "
     "swap it thursday",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"the old extension cord on the porch zapped me so i threw it away, now i want an outdoor "
     "outlet put in",
     IND_ELECTRICAL, LANG_EN, ACT_EMG_NONE},
    {"desconecté el calentador y ya no huele a quemado, ¿pueden revisar el enchufe mañana?",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_NONE},
    {"we smelled gas at the range earlier because my toddler turned a knob without it lighting, i "
     "shut it off and aired out the house and the smell is completely gone now, can you put knob "
     "covers on",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
};

/* The neighbour's building or flat, "nothing has reached us", a contrast ("los vecinos sí
 * tienen"), the caller's own street address, water falling on us. */
static const utterance_t neighbors_scope[] = {
    {"the apartment upstairs had a pipe burst, but nothing has reached us, our ceiling is totally "
     "dry",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"en la casa de al lado se inundó el sótano, la nuestra está seca, ¿revisan bombas de "
     "sumidero?",
     IND_PLUMBING, LANG_ES, ACT_EMG_NONE},
    {"al vecino de arriba se le reventó un tubo y ahora nos está cayendo agua por el techo del "
     "baño",
     IND_PLUMBING, LANG_ES, ACT_EMG_FLOODING},
    {"los vecinos sí tienen agua pero nosotros no tenemos nada de agua en toda la casa",
     IND_PLUMBING, LANG_ES, ACT_EMG_NO_WATER},
    {"this is the kids' daycare on maple street, the co alarm in the nap room is going off and two "
     "kids threw up",
     IND_HVAC, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"this is sunshine preschool on elm avenue, the co detector in the back room is going off and "
     "a teacher feels dizzy, the boiler is running",
     IND_HVAC, LANG_EN, ACT_EMG_CARBON_MONOXIDE},
    {"se fue la luz en toda la casa, los vecinos sí tienen, el breaker principal no sube, se bota "
     "otra vez y huele a quemado en la caja",
     IND_ELECTRICAL, LANG_ES, ACT_EMG_ELECTRICAL_HAZARD},
};

static void test_symptom_shock_water_and_regional_word_families_are_understood(void **state)
{
    (void)state;
    EXPECT_ALL(synonym_families);
}

static void test_temperature_forms_said_by_callers_are_read(void **state)
{
    (void)state;
    EXPECT_ALL(temperature_forms);
}

/* Who is vulnerable: a baby named by age right after an appliance ("the ac's been blowing hot
 * air all day, my six month old"), and a medically fragile child. */
static const utterance_t vulnerable_people[] = {
    {"it's ninety seven degrees inside, the ac's been blowing hot air all day, my six month old's "
     "been fussy",
     IND_HVAC, LANG_EN, ACT_EMG_NO_COOLING_DANGER},
    {"my daughter has cerebral palsy and can't regulate her temperature, the furnace died and it's "
     "forty eight in her room",
     IND_HVAC, LANG_EN, ACT_EMG_NO_HEAT_DANGER},
    {"mi hijo tiene parálisis cerebral y se nos descompuso la calefacción, la casa está helada",
     IND_HVAC, LANG_ES, ACT_EMG_NO_HEAT_DANGER},
    {"the ac's been weak all week, my six month old and i are fine, it's seventy five out",
     IND_HVAC, LANG_EN, ACT_EMG_NONE},
};

static void test_babies_named_by_age_and_medically_fragile_people_are_vulnerable(void **state)
{
    (void)state;
    EXPECT_ALL(vulnerable_people);
}

static void test_a_negation_covers_only_its_own_hazard(void **state)
{
    (void)state;
    EXPECT_ALL(negation_scope);
}

static void test_chirps_static_tool_sparks_fears_and_slang_are_not_emergencies(void **state)
{
    (void)state;
    EXPECT_ALL(explained_away);
}

static void test_stopped_since_is_over_and_right_now_is_live(void **state)
{
    (void)state;
    EXPECT_ALL(stopped_later);
}

static void test_whose_home_a_neighbors_problem_is_in_is_judged_by_the_whole_call(void **state)
{
    (void)state;
    EXPECT_ALL(neighbors_scope);
}

/* A worried question about what is happening now is live ("should I be worried that the water
 * heater is leaking all over?"); a question about what could happen, or whether there is a hidden
 * leak nobody can see, is not. */
static const utterance_t questions[] = {
    {"should i be worried that the water heater is leaking all over the floor?", IND_PLUMBING,
     LANG_EN, ACT_EMG_WATER_HEATER_FAILURE},
    {"¿es grave que el calentador esté tirando agua por todo el piso?", IND_PLUMBING, LANG_ES,
     ACT_EMG_WATER_HEATER_FAILURE},
    {"is it bad that water is coming through the ceiling light?", IND_PLUMBING, LANG_EN,
     ACT_EMG_FLOODING},
    {"is it bad if the pipes freeze while we're gone?", IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"the water meter keeps spinning even with everything off, do i have a hidden leak somewhere? "
     "i don't see any water",
     IND_PLUMBING, LANG_EN, ACT_EMG_NONE},
    {"no veo agua en el piso pero el recibo vino altísimo, ¿será una fuga escondida?", IND_PLUMBING,
     LANG_ES, ACT_EMG_NONE},
};

static void test_worried_questions_about_now_are_live_and_what_ifs_are_not(void **state)
{
    (void)state;
    EXPECT_ALL(questions);
}

/* ------------------------------------------------------------ scored sets */

typedef struct {
    int tp, fn, fp, tn, cat_ok;
} tally_t;

/* Scores a labelled JSON Lines file, prints the figures and every miss, and fails below target. */
/* Scores a labelled set against the targets: recall >= 98%, false positives <= 5%,
 * the right category for >= 90% of true emergencies. */
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

/* Three blind batches by independent authors (s7a-s7c), each scored before the rules were
 * adjusted for it (recall/false-positive rate/category: a 0.765/0.000/0.974, b 0.904/0.138/0.979,
 * c 0.820/0.150/0.878); kept as a regression set. */
static void test_blind_s7_set_meets_recall_false_positive_and_category_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-s7.jsonl");
}

/* Hard cases written for the families of wordings and the logic added while fixing the s7 batches
 * (synonym families, temperature forms, negation scope, neighbours, chirps, static, stopped
 * hazards), by the same author as those rules: a regression set, not a blind measurement. */
static void test_own_s7_hard_case_set_meets_recall_false_positive_and_category_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-own-hardcases-s7.jsonl");
}

/* Blind batches by independent authors who saw only the policy and the dev set. s7d/s7e
 * (240 lines) chose the thresholds that combine rules and scorer; nothing was ever trained
 * on them. x9s/x9t and y10y/y10z (320 lines each) were scored once, untouched, with the
 * shipped scorer: recall 0.987 and 0.993, false positives 2.4% and 2.9%, category 0.973 and
 * 0.973 (docs/emergency.md). */
static void test_untouched_blind_batches_meet_the_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-s7de.jsonl");
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-x9st.jsonl");
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-y10yz.jsonl");
    /* t10u (200 lines, a fifth author), scored once with the final classifier: 1.000 / 0% /
     * 0.944. */
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-t10u.jsonl");
}

/* Blind batches scored once before the scorer was trained on them (first scores: v9l/v9m
 * recall 0.971, false positives 1.2%, category 0.955; w9n/w9o recall 0.979, false positives
 * 4.6%, category 0.986); kept as regression sets. */
static void test_earlier_blind_batches_meet_the_targets(void **state)
{
    (void)state;
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-v9lm.jsonl");
    score_set(SAI_SOURCE_DIR "/tests/fixtures/emergency-blind-w9no.jsonl");
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
        cmocka_unit_test(test_symptom_shock_water_and_regional_word_families_are_understood),
        cmocka_unit_test(test_temperature_forms_said_by_callers_are_read),
        cmocka_unit_test(test_babies_named_by_age_and_medically_fragile_people_are_vulnerable),
        cmocka_unit_test(test_a_negation_covers_only_its_own_hazard),
        cmocka_unit_test(test_chirps_static_tool_sparks_fears_and_slang_are_not_emergencies),
        cmocka_unit_test(test_stopped_since_is_over_and_right_now_is_live),
        cmocka_unit_test(test_whose_home_a_neighbors_problem_is_in_is_judged_by_the_whole_call),
        cmocka_unit_test(test_worried_questions_about_now_are_live_and_what_ifs_are_not),
        cmocka_unit_test(test_dev_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(test_own_held_out_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(test_own_extra_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(
            test_second_authors_extra_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(test_blind_s7_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(
            test_own_s7_hard_case_set_meets_recall_false_positive_and_category_targets),
        cmocka_unit_test(test_untouched_blind_batches_meet_the_targets),
        cmocka_unit_test(test_earlier_blind_batches_meet_the_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
