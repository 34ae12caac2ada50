/*
 * Unit tests for the booking tool handlers (actors/act_booking.c) where no
 * database is needed: arguments judged before any query (the caller hears
 * what is missing at once), a job whose deadline has already passed
 * (answered with the fallback, never left hanging), the tool registry, and
 * the parser for Postgres text[] values the call actor uses for profile
 * lines. The pool is created but never started: a handler that tried to
 * query would get no answer and the test would see no result. Single thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "act_booking.h"
#include "act_tool.h"
#include "eng_alloc.h"
#include "eng_loop.h"
#include "eng_pg.h"

typedef struct {
    char *text;
    bool is_error;
    int n;
} inbox_t;

static void inbox_handle(eng_actor_t *self, eng_msg_t *msg)
{
    inbox_t *in = eng_actor_state(self);
    if (msg->type != SCH_MSG_TOOL_RESULTS)
        return;
    sch_tool_results_t *r = (sch_tool_results_t *)msg;
    free(in->text);
    in->text = strdup(r->results[0].text);
    in->is_error = r->results[0].is_error;
    in->n++;
}

static void inbox_stop(eng_actor_t *self)
{
    inbox_t *in = eng_actor_state(self);
    free(in->text);
    free(in);
}

static const eng_actor_ops_t inbox_ops = {
    .kind = "test-call", .handle = inbox_handle, .stop = inbox_stop};

typedef struct {
    eng_loop_t *loop;
    eng_pg_t *pg;
    eng_actor_id_t inbox_id;
    inbox_t *inbox;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    eng_loop_opts_t lo = {.log_level = ENG_LOG_ERROR, .frozen_clock = true};
    fx->loop = eng_loop_new(&lo);
    fx->pg = eng_pg_new(fx->loop, "host=127.0.0.1 port=1 dbname=never", NULL);
    fx->inbox = calloc(1, sizeof(*fx->inbox));
    fx->inbox_id = eng_actor_spawn(fx->loop, "inbox", &inbox_ops, fx->inbox);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    eng_pg_free(fx->pg);
    eng_loop_free(fx->loop);
    free(fx);
    return 0;
}

/* Runs tool with key/value args (NULL-terminated) for a caller; returns the result text. */
static const char *run(fx_t *fx, const char *tool, const char *caller, sch_lang_t lang,
                       int64_t deadline_in_ms, ...)
{
    act_tool_job_t *job = eng_xcalloc(1, sizeof(*job));
    job->pg = fx->pg;
    job->call_id = eng_xstrdup("call-1");
    job->caller_number = eng_xstrdup(caller);
    job->tenant.id = eng_xstrdup("3f0c9a52-5a3e-4f7e-9b1d-2d6f1c0e8a11");
    job->tenant.timezone = eng_xstrdup("America/Chicago");
    job->language = lang;
    job->call.id = eng_xstrdup("tc-1");
    job->call.name = eng_xstrdup(tool);
    job->call.args = eng_xcalloc(8, sizeof(*job->call.args));
    va_list ap;
    va_start(ap, deadline_in_ms);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        job->call.args[job->call.nargs].key = eng_xstrdup(key);
        job->call.args[job->call.nargs].value = eng_xstrdup(va_arg(ap, const char *));
        job->call.nargs++;
    }
    va_end(ap);
    job->reply_to = fx->inbox_id;
    job->corr = 7;
    job->deadline_ms = eng_loop_now_ms(fx->loop) + deadline_in_ms;
    int before = fx->inbox->n;
    assert_int_equal(act_tool_handler(tool)(fx->loop, job), ENG_OK);
    eng_loop_drain(fx->loop);
    if (fx->inbox->n != before + 1)
        fail_msg("%s: expected one result at once, got %d", tool, fx->inbox->n - before);
    return fx->inbox->text;
}

static void test_every_booking_tool_has_a_handler(void **state)
{
    assert_true(act_tool_handler("check_availability") == act_booking_check_availability);
    assert_true(act_tool_handler("book_appointment") == act_booking_book);
    assert_true(act_tool_handler("reschedule_appointment") == act_booking_reschedule);
    assert_true(act_tool_handler("cancel_appointment") == act_booking_cancel);
    assert_true(act_tool_handler("lookup_customer") == act_booking_lookup_customer);
    assert_null(act_tool_handler("transfer_call"));
    assert_null(act_tool_handler(NULL));
}

static void test_missing_booking_arguments_are_answered_without_a_query(void **state)
{
    fx_t *fx = *state;
    const char *t = run(fx, "book_appointment", "+15125550100", SCH_LANG_EN, 1000, "slot_id",
                        "s_29542500_6f1c2a9e", "customer_name", "Maria", NULL);
    assert_string_equal(t, "I need the service address to book.");
    assert_true(fx->inbox->is_error);
    t = run(fx, "book_appointment", "+15125550100", SCH_LANG_EN, 1000, "slot_id",
            "s_29542500_6f1c2a9e", "address", "12 Oak St", NULL);
    assert_string_equal(t, "I need the caller's full name to book.");
    t = run(fx, "book_appointment", "+15125550100", SCH_LANG_ES, 1000, "customer_name", "María",
            "address", "Calle Roble 12", NULL);
    assert_string_equal(t, "Necesito la hora: un identificador de check_availability (o una hora "
                           "de inicio) para reservar.");
    t = run(fx, "reschedule_appointment", "+15125550100", SCH_LANG_EN, 1000, "appointment_id", "x",
            NULL);
    assert_true(strstr(t, "I need the time") != NULL);
}

static void test_calls_without_a_caller_number_cannot_touch_appointments(void **state)
{
    fx_t *fx = *state;
    const char *tools[] = {"book_appointment", "reschedule_appointment", "cancel_appointment",
                           "lookup_customer"};
    for (size_t i = 0; i < 4; i++) {
        const char *t = run(fx, tools[i], NULL, SCH_LANG_EN, 1000, "customer_name", "A", "address",
                            "B", "slot_id", "s_1_6f1c2a9e", NULL);
        assert_true(strstr(t, "This call has no caller phone number") != NULL);
    }
    /* an unparseable caller number is no number */
    const char *t = run(fx, "cancel_appointment", "anonymous", SCH_LANG_EN, 1000, NULL);
    assert_true(strstr(t, "no caller phone number") != NULL);
}

static void test_lookup_of_another_number_is_refused(void **state)
{
    fx_t *fx = *state;
    const char *t = run(fx, "lookup_customer", "+15125550100", SCH_LANG_EN, 1000, "phone",
                        "512-555-0199", NULL);
    assert_string_equal(t, "For privacy I can only look up the number the caller is calling from.");
    t = run(fx, "lookup_customer", NULL, SCH_LANG_EN, 1000, "phone", "not a number", NULL);
    assert_true(strstr(t, "That phone number is not valid") != NULL);
}

static void test_a_job_past_its_deadline_gets_the_fallback_at_once(void **state)
{
    fx_t *fx = *state;
    const char *t =
        run(fx, "check_availability", "+15125550100", SCH_LANG_EN, 0, "service", "AC", NULL);
    assert_true(strstr(t, "I can't reach the schedule right now.") != NULL);
    assert_true(fx->inbox->is_error);
    t = run(fx, "check_availability", "+15125550100", SCH_LANG_ES, -5, NULL);
    assert_true(strstr(t, "No puedo consultar la agenda") != NULL);
}

static void test_postgres_text_arrays_parse_with_quotes_and_escapes(void **state)
{
    char **v = NULL;
    size_t n = 0;
    assert_true(act_booking_parse_text_array(
        "{\"Monday to Friday: 8 AM to 5 PM\",Sunday:closed,\"say \\\"hi\\\", \\\\ ok\",NULL}", &v,
        &n));
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "Monday to Friday: 8 AM to 5 PM");
    assert_string_equal(v[1], "Sunday:closed");
    assert_string_equal(v[2], "say \"hi\", \\ ok");
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    assert_true(act_booking_parse_text_array("{}", &v, &n));
    assert_int_equal(n, 0);
    free(v);
    assert_false(act_booking_parse_text_array("", &v, &n));
    assert_false(act_booking_parse_text_array("{\"unterminated}", &v, &n));
    assert_false(act_booking_parse_text_array("{a,b}x", &v, &n));
    assert_false(act_booking_parse_text_array(NULL, &v, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_booking_tool_has_a_handler),
        cmocka_unit_test_setup_teardown(test_missing_booking_arguments_are_answered_without_a_query,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_calls_without_a_caller_number_cannot_touch_appointments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_of_another_number_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_job_past_its_deadline_gets_the_fallback_at_once,
                                        setup, teardown),
        cmocka_unit_test(test_postgres_text_arrays_parse_with_quotes_and_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
