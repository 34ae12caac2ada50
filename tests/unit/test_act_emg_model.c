/*
 * The learned scorer of the emergency classifier: its table is searchable, it
 * reads text the way its trainer does (case, accents, punctuation), it tells a
 * plain emergency from routine business in both languages, and it names the
 * caller's own words as its evidence.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "act_emg_model.h"

static act_emg_model_out_t score(const char *text)
{
    act_emg_model_out_t o;
    act_emg_model_score(text, strlen(text), &o);
    return o;
}

static void test_the_weight_table_is_sorted_for_its_binary_search(void **state)
{
    (void)state;
    assert_true(act_emg_model_selfcheck());
}

static void test_probabilities_sum_to_one_and_empty_text_is_routine(void **state)
{
    (void)state;
    act_emg_model_out_t o = score("");
    float sum = 0;
    for (int k = 0; k < ACT_EMG__COUNT; k++)
        sum += o.p[k];
    assert_true(sum > 0.999f && sum < 1.001f);
    assert_true(o.p[ACT_EMG_NONE] > 0.5f);
    assert_string_equal(o.evidence, "");
    act_emg_model_score(NULL, 0, &o);
    assert_true(o.p[ACT_EMG_NONE] > 0.5f);
}

static void test_case_accents_and_punctuation_do_not_change_the_score(void **state)
{
    (void)state;
    act_emg_model_out_t a = score("huele muy fuerte a gas en la cocina, ¡ayúdenme!");
    act_emg_model_out_t b = score("HUELE muy fuerte a GAS en la cocina... ayudenme");
    for (int k = 0; k < ACT_EMG__COUNT; k++)
        assert_true(a.p[k] == b.p[k]);
}

static void test_plain_emergencies_score_their_category_in_both_languages(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        act_emg_category_t cat;
    } cases[] = {
        {"the whole kitchen smells like rotten eggs and i can hear hissing behind the stove",
         ACT_EMG_GAS_LEAK},
        {"huele a gas bien fuerte en toda la casa y se oye como un silbido en el medidor",
         ACT_EMG_GAS_LEAK},
        {"a pipe burst in the basement and water is gushing everywhere, it won't stop",
         ACT_EMG_FLOODING},
        {"se reventó un tubo y está saliendo agua a chorros por todo el baño", ACT_EMG_FLOODING},
        {"the outlet in the bedroom is sparking and popping right now", ACT_EMG_ELECTRICAL_HAZARD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        act_emg_model_out_t o = score(cases[i].text);
        if (o.p[ACT_EMG_NONE] >= 0.5f || o.best != cases[i].cat)
            fail_msg("\"%s\": p(none) %.3f, best %s", cases[i].text, o.p[ACT_EMG_NONE],
                     act_emg_category_name(o.best));
        assert_true(o.evidence[0] != '\0');
        /* the evidence is made of the caller's own words (lower case, accents
         * folded: checked on the texts without accents) */
        bool ascii = true;
        for (const char *c = cases[i].text; *c; c++)
            ascii = ascii && (unsigned char)*c < 0x80;
        if (!ascii)
            continue;
        char first[ACT_EMG_CUE_SZ];
        strcpy(first, o.evidence);
        char *sp = strchr(first, ' ');
        if (sp)
            *sp = '\0';
        assert_non_null(strstr(cases[i].text, first));
    }
}

static void test_routine_business_scores_as_no_emergency(void **state)
{
    (void)state;
    static const char *const routine[] = {
        "hi, i'd like to schedule a furnace tune up sometime next week, mornings are best",
        "quería saber cuánto cobran por instalar un calentador nuevo, no hay prisa",
        "can you send me a copy of the invoice from last month's visit",
    };
    for (size_t i = 0; i < sizeof(routine) / sizeof(routine[0]); i++) {
        act_emg_model_out_t o = score(routine[i]);
        if (o.p[ACT_EMG_NONE] < 0.5f)
            fail_msg("\"%s\": p(none) %.3f", routine[i], o.p[ACT_EMG_NONE]);
    }
}

/* The trainer and this scorer read text the same way: the probabilities the
 * trainer computed for some of its texts come out here too (a drift in
 * tokenising, negation scope or hashing would move them). */
static void test_the_scorer_reproduces_the_trainers_probabilities(void **state)
{
    (void)state;
    const char *path = SAI_SOURCE_DIR "/tests/fixtures/emergency-model-parity.jsonl";
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[16384];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        assert_non_null(j);
        const char *text = json_string_value(json_object_get(j, "text"));
        double want = json_number_value(json_object_get(j, "p_none"));
        act_emg_model_out_t o;
        act_emg_model_score(text, json_string_length(json_object_get(j, "text")), &o);
        if (fabs(o.p[ACT_EMG_NONE] - want) > 1e-4)
            fail_msg("p(none) %.6f, trainer %.6f: %s", o.p[ACT_EMG_NONE], want, text);
        json_decref(j);
        n++;
    }
    fclose(f);
    assert_true(n >= 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_weight_table_is_sorted_for_its_binary_search),
        cmocka_unit_test(test_probabilities_sum_to_one_and_empty_text_is_routine),
        cmocka_unit_test(test_case_accents_and_punctuation_do_not_change_the_score),
        cmocka_unit_test(test_plain_emergencies_score_their_category_in_both_languages),
        cmocka_unit_test(test_routine_business_scores_as_no_emergency),
        cmocka_unit_test(test_the_scorer_reproduces_the_trainers_probabilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
