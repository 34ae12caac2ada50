/*
 * Unit tests for eng_redis_url_parse: the Redis URLs an operator writes in
 * configuration, and the malformed ones that must be refused at start-up
 * rather than turning into a silent connection to the wrong place.
 * Single thread; needs no services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "eng_redis.h"

typedef struct {
    char host[64];
    int port;
    int db;
} parsed_t;

static bool parse(const char *url, parsed_t *out)
{
    memset(out, 0, sizeof(*out));
    out->port = -1;
    out->db = -1;
    return eng_redis_url_parse(url, out->host, sizeof(out->host), &out->port, &out->db);
}

static void test_full_url_gives_host_port_and_db(void **state)
{
    parsed_t p;
    assert_true(parse("redis://127.0.0.1:56379/3", &p));
    assert_string_equal(p.host, "127.0.0.1");
    assert_int_equal(p.port, 56379);
    assert_int_equal(p.db, 3);
}

static void test_url_without_db_selects_db_zero(void **state)
{
    parsed_t p;
    assert_true(parse("redis://cache.internal:6380", &p));
    assert_string_equal(p.host, "cache.internal");
    assert_int_equal(p.port, 6380);
    assert_int_equal(p.db, 0);
}

static void test_url_with_host_only_uses_port_6379_and_db_zero(void **state)
{
    parsed_t p;
    assert_true(parse("redis://localhost", &p));
    assert_string_equal(p.host, "localhost");
    assert_int_equal(p.port, 6379);
    assert_int_equal(p.db, 0);
}

static void test_url_with_host_and_db_but_no_port_uses_port_6379(void **state)
{
    parsed_t p;
    assert_true(parse("redis://redis-1/2", &p));
    assert_string_equal(p.host, "redis-1");
    assert_int_equal(p.port, 6379);
    assert_int_equal(p.db, 2);
}

static void test_trailing_slash_means_db_zero(void **state)
{
    parsed_t p;
    assert_true(parse("redis://10.0.0.5:7000/", &p));
    assert_string_equal(p.host, "10.0.0.5");
    assert_int_equal(p.port, 7000);
    assert_int_equal(p.db, 0);
}

static void test_bracketed_ipv6_host_is_accepted_without_brackets(void **state)
{
    parsed_t p;
    assert_true(parse("redis://[::1]:6390/1", &p));
    assert_string_equal(p.host, "::1");
    assert_int_equal(p.port, 6390);
    assert_int_equal(p.db, 1);
}

static void test_port_and_db_outputs_may_be_null(void **state)
{
    char host[32];
    assert_true(eng_redis_url_parse("redis://h:1/1", host, sizeof(host), NULL, NULL));
    assert_string_equal(host, "h");
}

static void test_malformed_urls_are_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "127.0.0.1:6379",                 /* no scheme */
        "http://127.0.0.1:6379",          /* wrong scheme */
        "rediss://127.0.0.1:6379",        /* TLS is not supported */
        "redis://",                       /* no host */
        "redis://:6379",                  /* no host */
        "redis://host:",                  /* empty port */
        "redis://host:0",                 /* port 0 */
        "redis://host:65536",             /* port too large */
        "redis://host:99999999999999999", /* port overflow */
        "redis://host:-1",                /* negative port */
        "redis://host:63x79",             /* junk in port */
        "redis://host:6379/x",            /* non-numeric db */
        "redis://host:6379/-1",           /* negative db */
        "redis://host:6379/1/2",          /* extra path */
        "redis://host:6379/1?timeout=5",  /* query string */
        "redis://user:secret@host:6379",  /* userinfo: AUTH is not supported */
        "redis://ho st:6379",             /* space in host */
        "redis://[::1:6379",              /* unterminated bracket */
        "redis://[]:6379",                /* empty bracketed host */
        "redis://host:6379 ",             /* trailing space */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parsed_t p;
        if (parse(bad[i], &p))
            fail_msg("accepted bad url \"%s\"", bad[i]);
        /* outputs are left alone on failure */
        assert_int_equal(p.port, -1);
        assert_int_equal(p.db, -1);
    }
}

static void test_null_url_is_refused(void **state)
{
    parsed_t p;
    assert_false(parse(NULL, &p));
}

static void test_host_longer_than_the_buffer_is_refused(void **state)
{
    char host[8];
    int port, db;
    assert_false(
        eng_redis_url_parse("redis://averylonghostname:6379", host, sizeof(host), &port, &db));
    assert_true(eng_redis_url_parse("redis://short:6379", host, sizeof(host), &port, &db));
    assert_string_equal(host, "short");
}

static void test_client_refuses_a_bad_url_at_creation(void **state)
{
    eng_loop_t *loop = eng_loop_new(NULL);
    assert_null(eng_redis_new(loop, "redis://host:notaport", NULL));
    eng_redis_t *r = eng_redis_new(loop, "redis://127.0.0.1:6379/0", NULL);
    assert_non_null(r);
    assert_false(eng_redis_connected(r)); /* not started */
    eng_redis_free(r);
    eng_redis_free(NULL);
    eng_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_url_gives_host_port_and_db),
        cmocka_unit_test(test_url_without_db_selects_db_zero),
        cmocka_unit_test(test_url_with_host_only_uses_port_6379_and_db_zero),
        cmocka_unit_test(test_url_with_host_and_db_but_no_port_uses_port_6379),
        cmocka_unit_test(test_trailing_slash_means_db_zero),
        cmocka_unit_test(test_bracketed_ipv6_host_is_accepted_without_brackets),
        cmocka_unit_test(test_port_and_db_outputs_may_be_null),
        cmocka_unit_test(test_malformed_urls_are_refused),
        cmocka_unit_test(test_null_url_is_refused),
        cmocka_unit_test(test_host_longer_than_the_buffer_is_refused),
        cmocka_unit_test(test_client_refuses_a_bad_url_at_creation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
