/*
 * Unit tests for engine/eng_loop.c: mailboxes, the latency-first scheduler,
 * timers on a frozen clock, expired LIVE requests and dead letters.
 * No services; the loop is driven with eng_loop_drain/run_once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_loop.h"
#include "eng_metrics.h"

#define MAX_SEEN 256

/* A recorder actor: logs (type, tag) of every message it handles. */
typedef struct recorder {
    int seen_tag[MAX_SEEN];
    uint32_t seen_type[MAX_SEEN];
    uint64_t seen_corr[MAX_SEEN];
    size_t nseen;
    int stopped;
    int *stop_flag;
} recorder_t;

typedef struct tagged_msg {
    eng_msg_t hdr;
    int tag;
    int *freed; /* counts frees, to prove ownership is honoured */
} tagged_msg_t;

static void tagged_free(eng_msg_t *m)
{
    tagged_msg_t *t = (tagged_msg_t *)m;
    if (t->freed)
        (*t->freed)++;
}

static tagged_msg_t *tagged(int tag, eng_class_t cls, int64_t deadline_ms)
{
    tagged_msg_t *t = eng_msg_new(sizeof(*t), ENG_MSG_USER + 1, cls, tagged_free);
    t->tag = tag;
    t->hdr.deadline_ms = deadline_ms;
    return t;
}

static void recorder_handle(eng_actor_t *self, eng_msg_t *msg)
{
    recorder_t *r = eng_actor_state(self);
    if (r->nseen >= MAX_SEEN)
        return;
    r->seen_type[r->nseen] = msg->type;
    r->seen_corr[r->nseen] = msg->corr;
    r->seen_tag[r->nseen] = msg->type == ENG_MSG_USER + 1 ? ((tagged_msg_t *)msg)->tag : -1;
    r->nseen++;
}

static void recorder_stop(eng_actor_t *self)
{
    recorder_t *r = eng_actor_state(self);
    if (r->stop_flag)
        (*r->stop_flag)++;
    free(r);
}

static const eng_actor_ops_t recorder_ops = {
    .kind = "recorder", .handle = recorder_handle, .stop = recorder_stop};

static eng_loop_t *frozen_loop(unsigned batch, unsigned bg_slice)
{
    eng_loop_opts_t o = {.batch_per_turn = batch,
                         .background_slice = bg_slice,
                         .log_level = ENG_LOG_ERROR,
                         .frozen_clock = true};
    return eng_loop_new(&o);
}

static eng_actor_id_t spawn_recorder(eng_loop_t *loop, const char *name, recorder_t **out)
{
    recorder_t *r = calloc(1, sizeof(*r));
    *out = r;
    return eng_actor_spawn(loop, name, &recorder_ops, r);
}

static void test_mailbox_keeps_send_order_within_a_class(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *r;
    eng_actor_id_t id = spawn_recorder(loop, "rec", &r);
    for (int i = 0; i < 50; i++)
        assert_int_equal(eng_send(loop, id, &tagged(i, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 50);
    for (int i = 0; i < 50; i++)
        assert_int_equal(r->seen_tag[i], i);
    eng_loop_free(loop);
}

static void test_live_message_is_handled_before_an_earlier_background_one(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *r;
    eng_actor_id_t id = spawn_recorder(loop, "rec", &r);
    assert_int_equal(eng_send(loop, id, &tagged(1, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, id, &tagged(2, ENG_CLASS_TIMER, 0)->hdr), ENG_OK);
    int64_t dl = eng_loop_now_ms(loop) + 1000;
    assert_int_equal(eng_send(loop, id, &tagged(3, ENG_CLASS_LIVE, dl)->hdr), ENG_OK);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 3);
    assert_int_equal(r->seen_tag[0], 3); /* LIVE */
    assert_int_equal(r->seen_tag[1], 2); /* TIMER */
    assert_int_equal(r->seen_tag[2], 1); /* BACKGROUND */
    eng_loop_free(loop);
}

static void test_live_work_of_another_actor_runs_before_background_work(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *bg, *live;
    eng_actor_id_t bg_id = spawn_recorder(loop, "bg", &bg);
    eng_actor_id_t live_id = spawn_recorder(loop, "live", &live);
    for (int i = 0; i < 10; i++)
        assert_int_equal(eng_send(loop, bg_id, &tagged(i, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    int64_t dl = eng_loop_now_ms(loop) + 1000;
    assert_int_equal(eng_send(loop, live_id, &tagged(99, ENG_CLASS_LIVE, dl)->hdr), ENG_OK);
    /* One handled message at a time, to observe the order across actors. */
    eng_loop_run_once(loop);
    assert_int_equal(live->nseen, 1);
    eng_loop_free(loop);
}

static void test_earliest_deadline_first_within_a_class_across_actors(void **state)
{
    eng_loop_t *loop = frozen_loop(1, 0);
    recorder_t *a, *b;
    eng_actor_id_t ida = spawn_recorder(loop, "a", &a);
    eng_actor_id_t idb = spawn_recorder(loop, "b", &b);
    int64_t now = eng_loop_now_ms(loop);
    /* Within one mailbox: later deadline sent first still runs second. */
    assert_int_equal(eng_send(loop, ida, &tagged(30, ENG_CLASS_LIVE, now + 300)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, ida, &tagged(10, ENG_CLASS_LIVE, now + 100)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, idb, &tagged(20, ENG_CLASS_LIVE, now + 200)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, ida, &tagged(40, ENG_CLASS_LIVE, 0)->hdr), ENG_OK);
    eng_loop_drain(loop);
    assert_int_equal(a->nseen, 3);
    assert_int_equal(b->nseen, 1);
    assert_int_equal(a->seen_tag[0], 10);
    assert_int_equal(a->seen_tag[1], 30);
    assert_int_equal(a->seen_tag[2], 40); /* no deadline sorts last */
    eng_loop_free(loop);
}

/* Global order check across actors needs a shared log. */
typedef struct order_log {
    int tags[16];
    size_t n;
} order_log_t;

static void logger_handle(eng_actor_t *self, eng_msg_t *msg)
{
    order_log_t *log = eng_actor_state(self);
    log->tags[log->n++] = ((tagged_msg_t *)msg)->tag;
}

static const eng_actor_ops_t logger_ops = {.kind = "logger", .handle = logger_handle};

static void test_edf_order_holds_across_two_actors_sharing_a_log(void **state)
{
    eng_loop_t *loop = frozen_loop(1, 0);
    order_log_t log = {0};
    eng_actor_id_t a = eng_actor_spawn(loop, "a", &logger_ops, &log);
    eng_actor_id_t b = eng_actor_spawn(loop, "b", &logger_ops, &log);
    int64_t now = eng_loop_now_ms(loop);
    assert_int_equal(eng_send(loop, a, &tagged(3, ENG_CLASS_TIMER, now + 300)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, b, &tagged(1, ENG_CLASS_TIMER, now + 100)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, a, &tagged(2, ENG_CLASS_TIMER, now + 200)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, b, &tagged(4, ENG_CLASS_TIMER, now + 400)->hdr), ENG_OK);
    eng_loop_drain(loop);
    assert_int_equal(log.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(log.tags[i], i + 1);
    eng_loop_free(loop);
}

static void test_an_actor_turn_handles_at_most_the_batch_bound(void **state)
{
    eng_loop_t *loop = frozen_loop(4, 0);
    order_log_t log = {0};
    eng_actor_id_t a = eng_actor_spawn(loop, "a", &logger_ops, &log);
    eng_actor_id_t b = eng_actor_spawn(loop, "b", &logger_ops, &log);
    int64_t now = eng_loop_now_ms(loop);
    /* a's most urgent message starts its turn; the turn then keeps going
     * through a's mailbox (cache-friendly) but only for 4 messages, after
     * which b's more urgent message must run before the rest of a's. */
    int64_t a_deadlines[] = {10, 30, 31, 32, 33, 34};
    for (int i = 0; i < 6; i++)
        assert_int_equal(
            eng_send(loop, a, &tagged(100 + i, ENG_CLASS_TIMER, now + a_deadlines[i])->hdr),
            ENG_OK);
    assert_int_equal(eng_send(loop, b, &tagged(7, ENG_CLASS_TIMER, now + 20)->hdr), ENG_OK);
    eng_loop_drain(loop);
    assert_int_equal(log.n, 7);
    assert_int_equal(log.tags[0], 100);
    assert_int_equal(log.tags[3], 103);
    assert_int_equal(log.tags[4], 7);
    assert_int_equal(log.tags[5], 104);
    eng_loop_free(loop);
}

static void test_background_work_gets_a_bounded_slice_per_pass(void **state)
{
    eng_loop_t *loop = frozen_loop(16, 5);
    recorder_t *r;
    eng_actor_id_t id = spawn_recorder(loop, "rec", &r);
    for (int i = 0; i < 12; i++)
        assert_int_equal(eng_send(loop, id, &tagged(i, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    assert_int_equal(eng_loop_run_once(loop), 5);
    assert_int_equal(r->nseen, 5);
    /* A LIVE request arriving now is served first in the next pass. */
    int64_t dl = eng_loop_now_ms(loop) + 500;
    assert_int_equal(eng_send(loop, id, &tagged(77, ENG_CLASS_LIVE, dl)->hdr), ENG_OK);
    eng_loop_run_once(loop);
    assert_int_equal(r->seen_tag[5], 77);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 13);
    eng_loop_free(loop);
}

static void test_timers_fire_only_when_the_frozen_clock_reaches_them(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *r;
    eng_actor_id_t id = spawn_recorder(loop, "rec", &r);
    eng_timer_after(loop, id, 5000, &tagged(2, ENG_CLASS_TIMER, 0)->hdr);
    eng_timer_after(loop, id, 1000, &tagged(1, ENG_CLASS_TIMER, 0)->hdr);
    eng_timer_id_t cancelled = eng_timer_after(loop, id, 3000, &tagged(9, ENG_CLASS_TIMER, 0)->hdr);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 0);
    eng_loop_advance(loop, 999);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 0);
    eng_loop_advance(loop, 1);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 1);
    assert_int_equal(r->seen_tag[0], 1);
    assert_true(eng_timer_cancel(loop, cancelled));
    assert_false(eng_timer_cancel(loop, cancelled));
    eng_loop_advance(loop, 10000);
    eng_loop_drain(loop);
    assert_int_equal(r->nseen, 2);
    assert_int_equal(r->seen_tag[1], 2);
    assert_int_equal(eng_timer_pending(loop), 0);
    eng_loop_free(loop);
}

static void test_expired_live_request_is_answered_with_a_timeout_instead_of_running(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *worker, *requester;
    eng_actor_id_t w = spawn_recorder(loop, "worker", &worker);
    eng_actor_id_t q = spawn_recorder(loop, "requester", &requester);
    int freed = 0;
    tagged_msg_t *req = tagged(5, ENG_CLASS_LIVE, eng_loop_now_ms(loop) + 100);
    req->freed = &freed;
    req->hdr.reply_to = q;
    req->hdr.corr = 4242;
    assert_int_equal(eng_send(loop, w, &req->hdr), ENG_OK);
    eng_loop_advance(loop, 101); /* the deadline passes while it is queued */
    eng_loop_drain(loop);
    assert_int_equal(worker->nseen, 0);
    assert_int_equal(requester->nseen, 1);
    assert_int_equal(requester->seen_type[0], ENG_MSG_TIMEOUT);
    assert_int_equal(requester->seen_corr[0], 4242);
    assert_int_equal(freed, 1);
    eng_loop_free(loop);
}

static void test_send_to_a_dead_actor_frees_the_message_and_counts_a_dead_letter(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *r;
    int stopped = 0;
    eng_actor_id_t id = spawn_recorder(loop, "gone", &r);
    r->stop_flag = &stopped;
    eng_actor_stop(loop, id);
    assert_int_equal(stopped, 1);
    assert_false(eng_actor_alive(loop, id));
    assert_int_equal(eng_actor_lookup(loop, "gone"), 0);
    int freed = 0;
    tagged_msg_t *m = tagged(1, ENG_CLASS_LIVE, 0);
    m->freed = &freed;
    assert_int_equal(eng_send(loop, id, &m->hdr), ENG_ERR_DEAD_ACTOR);
    assert_int_equal(freed, 1);
    assert_int_equal(eng_loop_dead_letters(loop), 1);
    assert_int_equal(eng_send(loop, 987654, &tagged(2, ENG_CLASS_LIVE, 0)->hdr),
                     ENG_ERR_DEAD_ACTOR);
    assert_int_equal(eng_loop_dead_letters(loop), 2);
    eng_loop_free(loop);
}

static void test_request_to_a_dead_actor_bounces_a_dead_letter_to_the_requester(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *q;
    eng_actor_id_t qid = spawn_recorder(loop, "requester", &q);
    tagged_msg_t *m = tagged(1, ENG_CLASS_LIVE, 0);
    m->hdr.reply_to = qid;
    m->hdr.corr = 7;
    assert_int_equal(eng_send(loop, 55555, &m->hdr), ENG_ERR_DEAD_ACTOR);
    eng_loop_drain(loop);
    assert_int_equal(q->nseen, 1);
    assert_int_equal(q->seen_type[0], ENG_MSG_DEAD_LETTER);
    assert_int_equal(q->seen_corr[0], 7);
    eng_loop_free(loop);
}

/* An actor that stops itself inside its handler must survive until it returns. */
typedef struct self_stopper {
    int handled;
    int *stopped;
} self_stopper_t;

static void self_stop_handle(eng_actor_t *self, eng_msg_t *msg)
{
    self_stopper_t *s = eng_actor_state(self);
    s->handled++;
    eng_actor_stop(eng_actor_loop(self), eng_actor_id(self));
    s->handled += 10; /* still safe to touch state here */
}

static void self_stop_stop(eng_actor_t *self)
{
    self_stopper_t *s = eng_actor_state(self);
    (*s->stopped)++;
    free(s);
}

static const eng_actor_ops_t self_stopper_ops = {
    .kind = "self", .handle = self_stop_handle, .stop = self_stop_stop};

static void test_actor_stopping_itself_is_freed_after_its_handler_returns(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    int stopped = 0, freed = 0;
    self_stopper_t *s = calloc(1, sizeof(*s));
    s->stopped = &stopped;
    eng_actor_id_t id = eng_actor_spawn(loop, "self", &self_stopper_ops, s);
    tagged_msg_t *m1 = tagged(1, ENG_CLASS_BACKGROUND, 0);
    tagged_msg_t *m2 = tagged(2, ENG_CLASS_BACKGROUND, 0);
    m1->freed = &freed;
    m2->freed = &freed;
    assert_int_equal(eng_send(loop, id, &m1->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, id, &m2->hdr), ENG_OK);
    eng_loop_drain(loop);
    assert_int_equal(stopped, 1);
    assert_int_equal(freed, 2); /* the second message was dropped as a dead letter */
    assert_int_equal(eng_loop_dead_letters(loop), 1);
    eng_loop_free(loop);
}

static void test_duplicate_actor_name_is_refused_and_its_state_released(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *r1, *r2;
    int stopped = 0;
    assert_int_not_equal(spawn_recorder(loop, "call:abc", &r1), 0);
    r2 = calloc(1, sizeof(*r2));
    r2->stop_flag = &stopped;
    assert_int_equal(eng_actor_spawn(loop, "call:abc", &recorder_ops, r2), 0);
    assert_int_equal(stopped, 1);
    eng_loop_free(loop);
}

static void test_full_mailbox_refuses_frees_the_message_and_tells_the_requester(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    static const eng_actor_ops_t small_ops = {
        .kind = "small", .handle = recorder_handle, .stop = recorder_stop, .mailbox_cap = 2};
    recorder_t *r = calloc(1, sizeof(*r));
    eng_actor_id_t id = eng_actor_spawn(loop, "small", &small_ops, r);
    recorder_t *q;
    eng_actor_id_t qid = spawn_recorder(loop, "requester", &q);
    int freed = 0;
    assert_int_equal(eng_send(loop, id, &tagged(1, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    assert_int_equal(eng_send(loop, id, &tagged(2, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    tagged_msg_t *m = tagged(3, ENG_CLASS_LIVE, 0);
    m->freed = &freed;
    m->hdr.reply_to = qid;
    m->hdr.corr = 99;
    assert_int_equal(eng_send(loop, id, &m->hdr), ENG_ERR_MAILBOX_FULL);
    assert_int_equal(freed, 1);
    /* the requester is told at once instead of waiting for its deadline */
    eng_loop_drain(loop);
    assert_int_equal(q->nseen, 1);
    assert_int_equal(q->seen_type[0], ENG_MSG_DEAD_LETTER);
    assert_int_equal(q->seen_corr[0], 99);
    eng_loop_free(loop);
}

static void test_metrics_render_counts_handled_messages_by_class(void **state)
{
    eng_loop_t *loop = frozen_loop(0, 0);
    recorder_t *r;
    eng_actor_id_t id = spawn_recorder(loop, "rec", &r);
    assert_int_equal(eng_send(loop, id, &tagged(1, ENG_CLASS_BACKGROUND, 0)->hdr), ENG_OK);
    eng_loop_drain(loop);
    eng_buf_t out;
    eng_buf_init(&out);
    eng_metrics_render(eng_loop_metrics(loop), &out);
    assert_non_null(
        strstr(eng_buf_cstr(&out), "serviceai_messages_handled_total{class=\"background\"} 1\n"));
    assert_non_null(strstr(eng_buf_cstr(&out), "# TYPE serviceai_mailbox_wait_seconds histogram"));
    eng_buf_deinit(&out);
    eng_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mailbox_keeps_send_order_within_a_class),
        cmocka_unit_test(test_live_message_is_handled_before_an_earlier_background_one),
        cmocka_unit_test(test_live_work_of_another_actor_runs_before_background_work),
        cmocka_unit_test(test_earliest_deadline_first_within_a_class_across_actors),
        cmocka_unit_test(test_edf_order_holds_across_two_actors_sharing_a_log),
        cmocka_unit_test(test_an_actor_turn_handles_at_most_the_batch_bound),
        cmocka_unit_test(test_background_work_gets_a_bounded_slice_per_pass),
        cmocka_unit_test(test_timers_fire_only_when_the_frozen_clock_reaches_them),
        cmocka_unit_test(test_expired_live_request_is_answered_with_a_timeout_instead_of_running),
        cmocka_unit_test(test_send_to_a_dead_actor_frees_the_message_and_counts_a_dead_letter),
        cmocka_unit_test(test_request_to_a_dead_actor_bounces_a_dead_letter_to_the_requester),
        cmocka_unit_test(test_actor_stopping_itself_is_freed_after_its_handler_returns),
        cmocka_unit_test(test_duplicate_actor_name_is_refused_and_its_state_released),
        cmocka_unit_test(test_full_mailbox_refuses_frees_the_message_and_tells_the_requester),
        cmocka_unit_test(test_metrics_render_counts_handled_messages_by_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
