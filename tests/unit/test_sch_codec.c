/*
 * Unit tests for schema/sch_codec.c: the msgpack encodings of what the engine
 * keeps in Redis. Redis is shared, so decoders must reject anything that is
 * not what they expect without crashing (run under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_alloc.h"
#include "sch_codec.h"

static void fill_profile(sch_tenant_profile_t *p)
{
    memset(p, 0, sizeof(*p));
    p->id = eng_xstrdup("3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11");
    p->name = eng_xstrdup("Plomería Rápida");
    p->industry = SCH_INDUSTRY_PLUMBING;
    p->timezone = eng_xstrdup("America/New_York");
    p->language = SCH_LANG_ES;
    p->active = false;
    p->greeting = eng_xstrdup("Gracias por llamar");
    p->nhours = 2;
    p->hours = eng_xcalloc(2, sizeof(char *));
    p->hours[0] = eng_xstrdup("lunes a viernes, 8 a 18");
    p->hours[1] = eng_xstrdup("sábado, 9 a 13");
}

static void test_tenant_profile_round_trips_every_field(void **state)
{
    sch_tenant_profile_t in, out = {0};
    fill_profile(&in);
    eng_buf_t b;
    eng_buf_init(&b);
    sch_tenant_profile_pack(&in, &b);
    assert_int_equal(sch_tenant_profile_unpack(b.data, b.len, &out), ENG_OK);
    assert_string_equal(out.id, in.id);
    assert_string_equal(out.name, "Plomería Rápida");
    assert_int_equal(out.industry, SCH_INDUSTRY_PLUMBING);
    assert_string_equal(out.timezone, "America/New_York");
    assert_int_equal(out.language, SCH_LANG_ES);
    assert_false(out.active);
    assert_string_equal(out.greeting, "Gracias por llamar");
    assert_null(out.extra_instructions);
    assert_int_equal(out.nhours, 2);
    assert_string_equal(out.hours[1], "sábado, 9 a 13");
    assert_int_equal(out.nservices, 0);
    sch_tenant_profile_deinit(&in);
    sch_tenant_profile_deinit(&out);
    eng_buf_deinit(&b);
}

static void test_call_state_round_trips_including_the_emergency_mark(void **state)
{
    sch_call_state_t in = {0}, out = {0};
    in.call_id = eng_xstrdup("call-1");
    in.tenant_id = eng_xstrdup("t-1");
    in.tenant_name = eng_xstrdup("Arctic Air");
    in.language = SCH_LANG_BILINGUAL;
    in.caller_number = eng_xstrdup("+15125550142");
    in.status = eng_xstrdup("in-progress");
    in.started_ms = 1767225600123LL;
    in.emergency_category = eng_xstrdup("gas_leak");
    in.emergency_source = eng_xstrdup("transcript");
    in.emergency_confirmed_by = eng_xstrdup("report_emergency");
    eng_buf_t b;
    eng_buf_init(&b);
    sch_call_state_pack(&in, &b);
    assert_int_equal(sch_call_state_unpack(b.data, b.len, &out), ENG_OK);
    assert_string_equal(out.call_id, "call-1");
    assert_int_equal(out.language, SCH_LANG_BILINGUAL);
    assert_true(out.started_ms == 1767225600123LL);
    assert_string_equal(out.emergency_category, "gas_leak");
    assert_string_equal(out.emergency_confirmed_by, "report_emergency");
    assert_null(out.dialed_number);
    sch_call_state_deinit(&in);
    sch_call_state_deinit(&out);
    eng_buf_deinit(&b);
}

static void test_truncated_or_wrongly_typed_state_is_rejected(void **state)
{
    sch_call_state_t in = {0}, out = {0};
    in.call_id = eng_xstrdup("call-2");
    eng_buf_t b;
    eng_buf_init(&b);
    sch_call_state_pack(&in, &b);
    for (size_t cut = 0; cut < b.len; cut++) {
        assert_int_equal(sch_call_state_unpack(b.data, cut, &out), ENG_ERR_PARSE);
        sch_call_state_deinit(&out);
    }
    /* {"call_id": 7}: a number where a string belongs */
    static const unsigned char wrong[] = {0x81, 0xa7, 'c', 'a', 'l', 'l', '_', 'i', 'd', 0x07};
    assert_int_equal(sch_call_state_unpack(wrong, sizeof(wrong), &out), ENG_ERR_PARSE);
    sch_call_state_deinit(&out);
    /* a bare string is not a map */
    static const unsigned char str[] = {0xa3, 'a', 'b', 'c'};
    assert_int_equal(sch_call_state_unpack(str, sizeof(str), &out), ENG_ERR_PARSE);
    sch_call_state_deinit(&out);
    /* a profile without a name is refused */
    static const unsigned char noname[] = {0x81, 0xa2, 'i', 'd', 0xa1, 'x'};
    sch_tenant_profile_t p = {0};
    assert_int_equal(sch_tenant_profile_unpack(noname, sizeof(noname), &p), ENG_ERR_PARSE);
    sch_tenant_profile_deinit(&p);
    sch_call_state_deinit(&in);
    eng_buf_deinit(&b);
}

static void test_random_bytes_never_crash_the_decoders(void **state)
{
    /* A deterministic xorshift stream: mutations of a valid encoding and pure noise. */
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    sch_call_state_t in = {0};
    in.call_id = eng_xstrdup("call-3");
    in.tenant_id = eng_xstrdup("t");
    eng_buf_t valid;
    eng_buf_init(&valid);
    sch_call_state_pack(&in, &valid);
    unsigned char buf[256];
    for (int i = 0; i < 20000; i++) {
        size_t len;
        if (i % 2) {
            len = valid.len;
            memcpy(buf, valid.data, len);
            for (int k = 0; k < 3; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[x % len] = (unsigned char)(x >> 32);
            }
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            len = x % sizeof(buf);
            for (size_t k = 0; k < len; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[k] = (unsigned char)x;
            }
        }
        sch_call_state_t s = {0};
        if (sch_call_state_unpack(buf, len, &s) == ENG_OK)
            assert_non_null(s.call_id); /* accepted means usable */
        sch_call_state_deinit(&s);
        sch_tenant_profile_t p = {0};
        if (sch_tenant_profile_unpack(buf, len, &p) == ENG_OK)
            assert_true(p.id && p.name);
        sch_tenant_profile_deinit(&p);
    }
    sch_call_state_deinit(&in);
    eng_buf_deinit(&valid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_profile_round_trips_every_field),
        cmocka_unit_test(test_call_state_round_trips_including_the_emergency_mark),
        cmocka_unit_test(test_truncated_or_wrongly_typed_state_is_rejected),
        cmocka_unit_test(test_random_bytes_never_crash_the_decoders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
