/*
 * Unit tests for adapters/adp_json.c: the validating reader that decodes
 * untrusted webhook bodies, and the string writer behind every reply.
 * Includes a deterministic differential test against jansson on mutated
 * fixtures: both must accept and refuse the same documents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adp_json.h"
#include "eng_alloc.h"
#include "eng_buf.h"

#define FIXTURES SAI_SOURCE_DIR "/tests/fixtures/vapi/"

static bool valid(const char *text)
{
    adp_json_t root;
    return adp_json_parse(text, strlen(text), &root, NULL, 0);
}

static adp_json_t parse(const char *text)
{
    adp_json_t root;
    char why[128];
    if (!adp_json_parse(text, strlen(text), &root, why, sizeof(why)))
        fail_msg("valid JSON refused: %s: %s", why, text);
    return root;
}

static void test_well_formed_documents_are_accepted(void **state)
{
    const char *ok[] = {
        "{}",
        "[]",
        " { \"a\" : [ 1 , -2.5e+3 , 0 , 0.0 , 1E9 ] , \"b\" : { } }\n",
        "\"text\"",
        "true",
        "null",
        "-0",
        "[\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\"]",
        "{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
        "{\"dup\":1,\"dup\":2}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!valid(ok[i]))
            fail_msg("refused: %s", ok[i]);
}

static void test_malformed_documents_are_refused_with_a_position(void **state)
{
    const char *bad[] = {
        "",
        "   ",
        "{",
        "{\"a\":}",
        "{\"a\" 1}",
        "{a:1}",
        "[1,]",
        "[1 2]",
        "{\"a\":1,}",
        "01",
        "1.",
        "-",
        ".5",
        "1e",
        "tru",
        "nul",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"\\u12g4\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"tab\tin string\"",
        "\"\xff\"",
        "\"\xc3\"",
        "\"\xed\xa0\x80\"", /* an encoded surrogate */
        "\"\xc0\xaf\"",     /* overlong */
        "{} {}",
        "[1] x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        adp_json_t root;
        char why[128];
        if (adp_json_parse(bad[i], strlen(bad[i]), &root, why, sizeof(why)))
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(why, "at byte"));
    }
}

static void test_nesting_deeper_than_the_limit_is_refused(void **state)
{
    size_t n = ADP_JSON_MAX_DEPTH + 1;
    char *deep = eng_xmalloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    char why[128];
    adp_json_t root;
    assert_false(adp_json_parse(deep, 2 * n, &root, why, sizeof(why)));
    assert_non_null(strstr(why, "deep"));
    assert_true(adp_json_parse(deep + 1, 2 * n - 2, &root, NULL, 0));
    free(deep);
}

static void test_lookups_and_paths_find_members_and_report_absence(void **state)
{
    adp_json_t root = parse("{\"message\":{\"type\":\"hang\",\"call\":{\"id\":\"c1\","
                            "\"customer\":{\"number\":\"+15125550187\"}},\"n\":[1,{\"x\":2}]}}");
    adp_json_t num = adp_json_path(root, "message.call.customer.number");
    assert_int_equal(num.kind, ADP_JSON_STRING);
    assert_true(adp_json_str_eq(num, "+15125550187"));
    assert_int_equal(adp_json_path(root, "message.call.nope").kind, ADP_JSON_NONE);
    assert_int_equal(adp_json_path(root, "message.type.deeper").kind, ADP_JSON_NONE);
    assert_int_equal(adp_json_get(adp_json_path(root, "message.n"), "x").kind, ADP_JSON_NONE);
    assert_int_equal(adp_json_array_size(adp_json_path(root, "message.n")), 2);
}

static void test_escaped_keys_and_values_decode_to_utf8(void **state)
{
    adp_json_t root = parse("{\"\\u0074ype\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ a\\/b\"}");
    adp_json_t v = adp_json_get(root, "type");
    assert_int_equal(v.kind, ADP_JSON_STRING);
    char *s = adp_json_strdup(v, false);
    assert_string_equal(s, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ a/b");
    free(s);
    assert_true(adp_json_str_eq(v, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ a/b"));
    char small[4];
    assert_false(adp_json_str_copy(v, small, sizeof(small)));
}

static void test_empty_strings_are_null_only_when_asked(void **state)
{
    adp_json_t root = parse("{\"e\":\"\",\"n\":null}");
    assert_null(adp_json_strdup(adp_json_get(root, "e"), true));
    char *s = adp_json_strdup(adp_json_get(root, "e"), false);
    assert_string_equal(s, "");
    free(s);
    assert_null(adp_json_strdup(adp_json_get(root, "n"), false));
}

static void test_numbers_read_as_integers_and_doubles(void **state)
{
    adp_json_t root =
        parse("{\"ms\":1764000131482,\"r\":0.4312,\"e\":1.5e3,\"s\":\"7\",\"big\":1e300}");
    int64_t i;
    double d;
    assert_true(adp_json_int64(adp_json_get(root, "ms"), &i));
    assert_int_equal(i, 1764000131482LL);
    assert_true(adp_json_int64(adp_json_get(root, "e"), &i));
    assert_int_equal(i, 1500);
    assert_true(adp_json_double(adp_json_get(root, "r"), &d));
    assert_true(d > 0.43119 && d < 0.43121);
    assert_false(adp_json_int64(adp_json_get(root, "s"), &i));
    assert_false(adp_json_int64(adp_json_get(root, "big"), &i));
}

static void test_compact_copy_drops_whitespace_outside_strings_only(void **state)
{
    adp_json_t root = parse("{ \"a\" : [ 1 , { \"b c\" : \"d  e\\\" f\" } ] }");
    char *c = adp_json_compact_dup(root);
    assert_string_equal(c, "{\"a\":[1,{\"b c\":\"d  e\\\" f\"}]}");
    free(c);
}

static void test_iteration_visits_members_in_order(void **state)
{
    adp_json_t root = parse("{\"a\":1,\"b\":\"x,}]\",\"c\":[1,[2,{\"d\":\"]\"}]],\"e\":true}");
    adp_json_iter_t it = adp_json_iter(root);
    adp_json_t k, v;
    const char *keys[] = {"a", "b", "c", "e"};
    adp_json_kind_t kinds[] = {ADP_JSON_NUMBER, ADP_JSON_STRING, ADP_JSON_ARRAY, ADP_JSON_TRUE};
    size_t n = 0;
    while (adp_json_object_next(&it, &k, &v)) {
        assert_true(n < 4);
        assert_true(adp_json_str_eq(k, keys[n]));
        assert_int_equal(v.kind, kinds[n]);
        n++;
    }
    assert_int_equal(n, 4);
    assert_int_equal(adp_json_array_size(adp_json_get(root, "c")), 2);
}

static void test_writer_escapes_and_flattens_to_one_line(void **state)
{
    eng_buf_t b;
    eng_buf_init(&b);
    adp_json_put_str(&b, "  a\r\n\tb  \"q\" \\ \x01 \xe2\x80\xa8 c  ", true);
    assert_string_equal(eng_buf_cstr(&b), "\"a b \\\"q\\\" \\\\ c\"");
    eng_buf_reset(&b);
    adp_json_put_str(&b, "line1\nline2\t\x01\xe2\x80\xa8", false);
    assert_string_equal(eng_buf_cstr(&b), "\"line1\\nline2\\t\\u0001\\u2028\"");
    eng_buf_reset(&b);
    adp_json_put_str(&b, "bad \xff\xc3 utf8 \xc3\xa9", false);
    assert_string_equal(eng_buf_cstr(&b), "\"bad ?? utf8 \xc3\xa9\"");
    eng_buf_reset(&b);
    adp_json_put_str(&b, NULL, true);
    assert_string_equal(eng_buf_cstr(&b), "\"\"");
    eng_buf_deinit(&b);
}

static void test_writer_output_round_trips_long_text(void **state)
{
    size_t n = 5000;
    char *text = eng_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)(i % 7 == 0 ? '"' : i % 11 == 0 ? '\n' : 'a' + (int)(i % 26));
    text[n] = '\0';
    eng_buf_t b;
    eng_buf_init(&b);
    adp_json_put_str(&b, text, false);
    adp_json_t root = parse(eng_buf_cstr(&b));
    char *back = adp_json_strdup(root, false);
    assert_string_equal(back, text);
    free(back);
    free(text);
    eng_buf_deinit(&b);
}

/* Both parsers must agree on every mutation of a real fixture. */
static void test_accepts_and_refuses_the_same_documents_as_jansson(void **state)
{
    FILE *fp = fopen(FIXTURES "assistant-request-phone-number-id-only.json", "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *orig = eng_xmalloc((size_t)n);
    assert_int_equal(fread(orig, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    /* A small whole document, so every mutation lands somewhere interesting. */
    size_t len = (size_t)n;
    char *doc = eng_xmalloc(len + 2);
    const char alphabet[] = "{}[]\",:\\u0123456789.eE+-tfnr \n\xc3\xa9\xff\x01";
    uint32_t seed = 12345;
    int accepted = 0, refused = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(doc, orig, len);
        size_t dlen = len;
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 8) % dlen;
        seed = seed * 1103515245u + 12345u;
        char c = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
        switch (iter % 3) {
        case 0: /* replace */
            doc[pos] = c;
            break;
        case 1: /* insert */
            memmove(doc + pos + 1, doc + pos, dlen - pos);
            doc[pos] = c;
            dlen++;
            break;
        default: /* delete */
            memmove(doc + pos, doc + pos + 1, dlen - pos - 1);
            dlen--;
            break;
        }
        if (iter % 7 == 0)
            dlen = pos + 1; /* truncate too */
        adp_json_t root;
        bool mine = adp_json_parse(doc, dlen, &root, NULL, 0);
        json_error_t jerr;
        json_t *j = json_loadb(doc, dlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        bool theirs = j != NULL;
        json_decref(j);
        /* jansson also refuses numbers it cannot represent; the grammar allows them. */
        if (!theirs && (strstr(jerr.text, "overflow") || strstr(jerr.text, "too big")))
            continue;
        if (mine != theirs)
            fail_msg("iteration %d: adp_json %s, jansson %s: %.*s", iter,
                     mine ? "accepts" : "refuses", theirs ? "accepts" : "refuses", (int)dlen, doc);
        if (mine)
            accepted++;
        else
            refused++;
    }
    /* Both kinds must have been exercised for the comparison to mean anything. */
    assert_true(accepted > 100);
    assert_true(refused > 100);
    free(doc);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_documents_are_accepted),
        cmocka_unit_test(test_malformed_documents_are_refused_with_a_position),
        cmocka_unit_test(test_nesting_deeper_than_the_limit_is_refused),
        cmocka_unit_test(test_lookups_and_paths_find_members_and_report_absence),
        cmocka_unit_test(test_escaped_keys_and_values_decode_to_utf8),
        cmocka_unit_test(test_empty_strings_are_null_only_when_asked),
        cmocka_unit_test(test_numbers_read_as_integers_and_doubles),
        cmocka_unit_test(test_compact_copy_drops_whitespace_outside_strings_only),
        cmocka_unit_test(test_iteration_visits_members_in_order),
        cmocka_unit_test(test_writer_escapes_and_flattens_to_one_line),
        cmocka_unit_test(test_writer_output_round_trips_long_text),
        cmocka_unit_test(test_accepts_and_refuses_the_same_documents_as_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
