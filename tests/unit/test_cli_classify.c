/*
 * Unit tests for cli_classify, `serviceai classify`: JSON Lines in, one JSON
 * line out per input line in the same order, ids echoed whatever their JSON
 * type, and a bad line answered with an error line while the rest of the
 * input is still classified. Streams are in memory (fmemopen,
 * open_memstream). Single thread; no services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_classify.h"

typedef struct {
    json_t *line[64];
    int n;
    int status;
} answers_t;

/* Runs the stream over input and parses every output line (each must be one JSON object). */
static void run(const char *input, answers_t *a)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *in = fmemopen((void *)input, strlen(input), "r");
    FILE *os = open_memstream(&out, &outlen);
    assert_non_null(in);
    assert_non_null(os);
    a->status = cli_classify_stream(in, os);
    fclose(in);
    fclose(os);
    a->n = 0;
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_error_t err;
        json_t *j = json_loads(l, 0, &err);
        if (!json_is_object(j))
            fail_msg("output line is not a JSON object: %s", l);
        assert_true(a->n < 64);
        a->line[a->n++] = j;
    }
    free(out);
}

static void answers_free(answers_t *a)
{
    for (int i = 0; i < a->n; i++)
        json_decref(a->line[i]);
    a->n = 0;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void test_every_line_is_answered_in_order_with_its_id_echoed(void **state)
{
    (void)state;
    answers_t a;
    run("{\"id\":\"a1\",\"text\":\"huele a gas en la cocina\",\"lang\":\"es\"}\n"
        "{\"id\":7,\"text\":\"can you quote a new water heater\",\"industry\":\"plumbing\"}\n"
        "{\"id\":{\"call\":\"c9\",\"turn\":3},\"text\":\"the outlet is "
        "sparking\",\"extra\":[1,2]}\n"
        "{\"text\":\"sewage is coming up through the basement floor drain\"}\n",
        &a);
    assert_int_equal(a.status, 0);
    assert_int_equal(a.n, 4);

    assert_string_equal(str(a.line[0], "id"), "a1");
    assert_true(json_is_true(json_object_get(a.line[0], "emergency")));
    assert_string_equal(str(a.line[0], "category"), "gas_leak");

    assert_int_equal(json_integer_value(json_object_get(a.line[1], "id")), 7);
    assert_true(json_is_false(json_object_get(a.line[1], "emergency")));
    assert_string_equal(str(a.line[1], "category"), "none");

    json_t *id = json_pack("{s:s,s:i}", "call", "c9", "turn", 3);
    assert_true(json_equal(json_object_get(a.line[2], "id"), id));
    json_decref(id);
    assert_string_equal(str(a.line[2], "category"), "electrical_hazard");

    assert_true(json_is_null(json_object_get(a.line[3], "id")));
    assert_string_equal(str(a.line[3], "category"), "sewage_backup");

    /* Every answer has the documented fields. */
    for (int i = 0; i < a.n; i++) {
        json_t *score = json_object_get(a.line[i], "score");
        json_t *cues = json_object_get(a.line[i], "cues");
        assert_true(json_is_number(score));
        assert_true(json_number_value(score) >= 0.0 && json_number_value(score) <= 1.0);
        assert_true(json_is_array(cues));
        assert_true(json_is_true(json_object_get(a.line[i], "emergency")) ==
                    (json_number_value(score) >= 0.5));
        assert_null(json_object_get(a.line[i], "error"));
    }
    assert_true(json_array_size(json_object_get(a.line[0], "cues")) >= 1);
    answers_free(&a);
}

static void test_a_bad_json_line_gets_an_error_line_and_processing_continues(void **state)
{
    (void)state;
    answers_t a;
    run("{\"id\":1,\"text\":\"the basement is flooding\"}\n"
        "{\"id\":2,\"text\":\"unterminated\n"
        "[1,2,3]\n"
        "{\"id\":4,\"text\":\"the panel is buzzing and hot\"}\n",
        &a);
    assert_int_equal(a.status, 0);
    assert_int_equal(a.n, 4);
    assert_string_equal(str(a.line[0], "category"), "flooding");
    assert_non_null(str(a.line[1], "error"));
    assert_true(json_is_null(json_object_get(a.line[1], "id")));
    assert_null(json_object_get(a.line[1], "emergency"));
    assert_non_null(str(a.line[2], "error"));
    assert_int_equal(json_integer_value(json_object_get(a.line[3], "id")), 4);
    assert_string_equal(str(a.line[3], "category"), "electrical_hazard");
    answers_free(&a);
}

static void test_a_line_without_a_text_string_gets_an_error_with_its_id(void **state)
{
    (void)state;
    answers_t a;
    run("{\"id\":\"x\",\"transcript\":\"gas smell\"}\n"
        "{\"id\":\"y\",\"text\":42}\n"
        "{\"id\":\"z\",\"text\":\"gas smell in the garage\"}\n",
        &a);
    assert_int_equal(a.n, 3);
    assert_string_equal(str(a.line[0], "id"), "x");
    assert_non_null(strstr(str(a.line[0], "error"), "text"));
    assert_string_equal(str(a.line[1], "id"), "y");
    assert_non_null(strstr(str(a.line[1], "error"), "text"));
    assert_string_equal(str(a.line[2], "category"), "gas_leak");
    answers_free(&a);
}

static void test_an_unknown_lang_or_industry_gets_an_error_naming_the_value(void **state)
{
    (void)state;
    answers_t a;
    run("{\"id\":1,\"text\":\"il y a une odeur de gaz\",\"lang\":\"fr\"}\n"
        "{\"id\":2,\"text\":\"the roof leaks\",\"industry\":\"roofing\"}\n"
        "{\"id\":3,\"text\":\"the roof leaks\",\"industry\":5}\n"
        "{\"id\":4,\"text\":\"huele a gas\",\"lang\":\"ES\",\"industry\":\"HVAC\"}\n",
        &a);
    assert_int_equal(a.n, 4);
    assert_non_null(strstr(str(a.line[0], "error"), "\"fr\""));
    assert_non_null(strstr(str(a.line[0], "error"), "lang"));
    assert_non_null(strstr(str(a.line[1], "error"), "\"roofing\""));
    assert_non_null(strstr(str(a.line[2], "error"), "industry"));
    assert_string_equal(str(a.line[3], "category"), "gas_leak");
    answers_free(&a);
}

static void test_blank_lines_are_skipped_and_long_lines_are_read_whole(void **state)
{
    (void)state;
    size_t filler_len = 300000;
    const char *tail = " and now water is pouring through the kitchen ceiling";
    size_t cap = filler_len + 200;
    char *input = malloc(cap);
    assert_non_null(input);
    size_t n = (size_t)snprintf(input, cap, "\n   \n{\"id\":\"long\",\"text\":\"");
    for (size_t i = 0; i < filler_len; i++)
        input[n++] = "so um about the maintenance plan "[i % 33];
    n += (size_t)snprintf(input + n, cap - n, "%s\"}\n\n", tail);
    answers_t a;
    run(input, &a);
    free(input);
    assert_int_equal(a.status, 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(str(a.line[0], "id"), "long");
    assert_string_equal(str(a.line[0], "category"), "flooding");
    answers_free(&a);
}

static void test_help_documents_the_command_and_bad_arguments_are_refused(void **state)
{
    (void)state;
    char *argv_help[] = {"classify", "--help", NULL};
    char *argv_bad[] = {"classify", "--frobnicate", NULL};
    assert_int_equal(cli_classify_main(2, argv_help), 0);
    assert_int_equal(cli_classify_main(2, argv_bad), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_line_is_answered_in_order_with_its_id_echoed),
        cmocka_unit_test(test_a_bad_json_line_gets_an_error_line_and_processing_continues),
        cmocka_unit_test(test_a_line_without_a_text_string_gets_an_error_with_its_id),
        cmocka_unit_test(test_an_unknown_lang_or_industry_gets_an_error_naming_the_value),
        cmocka_unit_test(test_blank_lines_are_skipped_and_long_lines_are_read_whole),
        cmocka_unit_test(test_help_documents_the_command_and_bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
