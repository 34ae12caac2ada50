/*
 * Unit tests for sch_tenant: the phone number forms operators and Vapi
 * actually write, normalised to the one E.164 form routing keys on, and the
 * malformed ones refused before they can become a number no call matches.
 * Single thread; needs no services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "sch_tenant.h"

static void assert_normalizes(const char *in, const char *want)
{
    char out[32];
    memset(out, 0, sizeof(out));
    if (sch_phone_normalize(in, out, sizeof(out)) != ENG_OK)
        fail_msg("'%s' was refused, expected %s", in, want);
    assert_string_equal(out, want);
}

static void assert_refused(const char *in)
{
    char out[32] = "untouched";
    if (sch_phone_normalize(in, out, sizeof(out)) != ENG_ERR_INVALID)
        fail_msg("'%s' was accepted as %s", in ? in : "(null)", out);
    assert_string_equal(out, "untouched");
}

static void test_e164_numbers_come_back_unchanged(void **state)
{
    assert_normalizes("+15125550142", "+15125550142");
    assert_normalizes("+442079460958", "+442079460958");
    assert_normalizes("+525512345678", "+525512345678");
}

static void test_north_american_formatting_is_stripped_to_e164(void **state)
{
    assert_normalizes("(512) 555-0142", "+15125550142");
    assert_normalizes("+1 (512) 555-0142", "+15125550142");
    assert_normalizes("512-555-0142", "+15125550142");
    assert_normalizes("512.555.0142", "+15125550142");
    assert_normalizes("5125550142", "+15125550142");
    assert_normalizes("1-512-555-0142", "+15125550142");
    assert_normalizes("  +1 512 555 0142  ", "+15125550142");
}

static void test_tel_uri_and_00_prefix_are_understood(void **state)
{
    assert_normalizes("tel:+15125550142", "+15125550142");
    assert_normalizes("0044 20 7946 0958", "+442079460958");
    assert_normalizes("+52 55 1234 5678", "+525512345678");
}

static void test_numbers_too_short_or_too_long_are_refused(void **state)
{
    assert_refused("555-0142");          /* a local number: which area? */
    assert_refused("+4412345");          /* 7 digits: below E.164's minimum here */
    assert_refused("+1234567890123456"); /* 16 digits */
    assert_refused("+1 512 555 014");    /* +1 needs exactly ten more digits */
    assert_refused("+1 512 555 01420");
}

static void test_impossible_north_american_numbers_are_refused(void **state)
{
    assert_refused("+1 012 555 0142"); /* area codes never start with 0 or 1 */
    assert_refused("112-555-0142");
    assert_refused("+0123456789"); /* no country code starts with 0 */
}

static void test_letters_extensions_and_empty_input_are_refused(void **state)
{
    assert_refused("");
    assert_refused("   ");
    assert_refused(NULL);
    assert_refused("call me");
    assert_refused("512-555-0142 ext 7");
    assert_refused("+15125550142x");
    assert_refused("1-800-FLOWERS");
}

static void test_a_too_small_output_buffer_is_refused(void **state)
{
    char out[8] = "untouch";
    assert_int_equal(sch_phone_normalize("+15125550142", out, sizeof(out)), ENG_ERR_INVALID);
    assert_string_equal(out, "untouch");
}

static void test_industry_names_round_trip_and_others_are_refused(void **state)
{
    sch_industry_t ind;
    assert_true(sch_industry_parse("plumbing", &ind));
    assert_int_equal(ind, SCH_INDUSTRY_PLUMBING);
    assert_string_equal(sch_industry_name(SCH_INDUSTRY_ELECTRICAL), "electrical");
    assert_false(sch_industry_parse("roofing", &ind));
    assert_false(sch_industry_parse("HVAC", &ind));
    assert_false(sch_industry_parse(NULL, &ind));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e164_numbers_come_back_unchanged),
        cmocka_unit_test(test_north_american_formatting_is_stripped_to_e164),
        cmocka_unit_test(test_tel_uri_and_00_prefix_are_understood),
        cmocka_unit_test(test_numbers_too_short_or_too_long_are_refused),
        cmocka_unit_test(test_impossible_north_american_numbers_are_refused),
        cmocka_unit_test(test_letters_extensions_and_empty_input_are_refused),
        cmocka_unit_test(test_a_too_small_output_buffer_is_refused),
        cmocka_unit_test(test_industry_names_round_trip_and_others_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
