/*
 * bench_sched: micro-benchmark of the actor scheduler (engine/eng_loop.h):
 * messages per second through mailboxes, and the cost per message.
 *
 * Scenarios (each a fresh loop, no I/O, no event loop: eng_loop_drain):
 *   fanout   - the benchmark sends batches round-robin to N actors from
 *              outside, then drains: eng_msg_new + eng_send + scheduling +
 *              handler + free, the path of a webhook turned into a message.
 *   ring     - T tokens travel a ring of N actors; each handler allocates a
 *              new message and sends it on: sends from inside handlers.
 *   classes  - fanout with LIVE, TIMER and BACKGROUND messages mixed and LIVE
 *              deadlines set: earliest-deadline-first ordering and the
 *              background slice at work.
 * Per-op figures: each batch of --batch messages is timed and divided by its
 * size (single messages are too short to time on their own); p50/p99 are
 * over batches.
 *
 * One thread: the loop's. Output: JSON on stdout (or --out), a table on stderr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"
#include "eng_loop.h"

#define BS_MSG_WORK (ENG_MSG_USER + 900)

typedef struct bs_state {
    uint64_t handled;
    eng_actor_id_t next; /* ring: where tokens go next */
    uint64_t *ring_hops; /* ring: hops left, shared by the ring (borrowed) */
} bs_state_t;

typedef struct bs_token {
    eng_msg_t hdr;
    uint64_t n;
} bs_token_t;

static void bs_handle(eng_actor_t *self, eng_msg_t *msg)
{
    bs_state_t *st = eng_actor_state(self);
    st->handled++;
    if (st->next && st->ring_hops && *st->ring_hops > 0) {
        (*st->ring_hops)--;
        bs_token_t *t = eng_msg_new(sizeof *t, BS_MSG_WORK, ENG_CLASS_LIVE, NULL);
        t->n = ((bs_token_t *)msg)->n + 1;
        eng_err_t err = eng_send(eng_actor_loop(self), st->next, &t->hdr);
        if (err != ENG_OK)
            abort();
    }
}

static void bs_stop(eng_actor_t *self)
{
    free(eng_actor_state(self));
}

static const eng_actor_ops_t bs_ops = {
    .kind = "bench",
    .handle = bs_handle,
    .stop = bs_stop,
};

typedef struct bs_result {
    const char *name;
    uint64_t ops;
    double seconds;
    bench_samples_t per_op_ns;
} bs_result_t;

static eng_loop_t *bs_loop(void)
{
    eng_loop_opts_t opts = {.log_level = ENG_LOG_WARN};
    return eng_loop_new(&opts);
}

static eng_actor_id_t *bs_spawn(eng_loop_t *loop, size_t n)
{
    eng_actor_id_t *ids = calloc(n, sizeof *ids);
    if (!ids)
        abort();
    for (size_t i = 0; i < n; i++) {
        bs_state_t *st = calloc(1, sizeof *st);
        if (!st)
            abort();
        ids[i] = eng_actor_spawn(loop, NULL, &bs_ops, st);
        if (!ids[i])
            abort();
    }
    return ids;
}

/* fanout and classes: batches sent from outside, then drained. */
static void bs_fanout(bs_result_t *r, size_t actors, size_t batch, uint64_t total, bool mixed)
{
    eng_loop_t *loop = bs_loop();
    eng_actor_id_t *ids = bs_spawn(loop, actors);
    uint64_t done = 0, seq = 0;
    int64_t t0 = bench_now_ns();
    while (done < total) {
        int64_t b0 = bench_now_ns();
        for (size_t i = 0; i < batch; i++, seq++) {
            eng_class_t cls = ENG_CLASS_LIVE;
            if (mixed)
                cls = (eng_class_t)(seq % ENG_CLASS__COUNT);
            bs_token_t *t = eng_msg_new(sizeof *t, BS_MSG_WORK, cls, NULL);
            if (mixed && cls == ENG_CLASS_LIVE)
                t->hdr.deadline_ms = eng_loop_now_ms(loop) + 5000 + (int64_t)(seq % 97);
            if (eng_send(loop, ids[seq % actors], &t->hdr) != ENG_OK)
                abort();
        }
        size_t handled = eng_loop_drain(loop);
        int64_t b1 = bench_now_ns();
        if (handled != batch)
            abort();
        bench_samples_add(&r->per_op_ns, (uint64_t)((b1 - b0) / (int64_t)batch));
        done += batch;
    }
    r->seconds = (double)(bench_now_ns() - t0) / 1e9;
    r->ops = done;
    eng_loop_free(loop);
    free(ids);
}

/* ring: tokens hop from actor to actor; every hop is a send from a handler. */
static void bs_ring(bs_result_t *r, size_t actors, size_t tokens, size_t batch, uint64_t total)
{
    /* The benchmark keeps a pointer to each actor's state to wire the ring after the
     * spawns (ids are known only then); the states are still owned by the actors. */
    uint64_t hops = 0;
    eng_loop_t *loop = bs_loop();
    eng_actor_id_t *ids = calloc(actors, sizeof *ids);
    bs_state_t **states = calloc(actors, sizeof *states);
    if (!ids || !states)
        abort();
    for (size_t i = 0; i < actors; i++) {
        states[i] = calloc(1, sizeof *states[i]);
        if (!states[i])
            abort();
        states[i]->ring_hops = &hops;
        ids[i] = eng_actor_spawn(loop, NULL, &bs_ops, states[i]);
    }
    for (size_t i = 0; i < actors; i++)
        states[i]->next = ids[(i + 1) % actors];
    uint64_t done = 0;
    int64_t t0 = bench_now_ns();
    while (done < total) {
        int64_t b0 = bench_now_ns();
        hops = batch - tokens; /* the tokens themselves are the rest of the batch */
        for (size_t i = 0; i < tokens; i++) {
            bs_token_t *t = eng_msg_new(sizeof *t, BS_MSG_WORK, ENG_CLASS_LIVE, NULL);
            if (eng_send(loop, ids[(i * actors) / tokens], &t->hdr) != ENG_OK)
                abort();
        }
        size_t handled = eng_loop_drain(loop);
        int64_t b1 = bench_now_ns();
        if (handled != batch)
            abort();
        bench_samples_add(&r->per_op_ns, (uint64_t)((b1 - b0) / (int64_t)batch));
        done += batch;
    }
    r->seconds = (double)(bench_now_ns() - t0) / 1e9;
    r->ops = done;
    eng_loop_free(loop); /* frees the states through bs_stop */
    free(ids);
    free(states);
}

static json_t *bs_json(bs_result_t *r, const char *unit)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(r->name));
    json_object_set_new(j, "unit", json_string(unit));
    json_object_set_new(j, "ops", json_integer((json_int_t)r->ops));
    json_object_set_new(j, "seconds", json_real(r->seconds));
    json_object_set_new(j, "ops_per_s",
                        json_real(r->seconds > 0 ? (double)r->ops / r->seconds : 0));
    json_object_set_new(j, "p50_ns", json_integer(bench_samples_pct(&r->per_op_ns, 50)));
    json_object_set_new(j, "p99_ns", json_integer(bench_samples_pct(&r->per_op_ns, 99)));
    json_object_set_new(j, "max_ns", json_integer(bench_samples_pct(&r->per_op_ns, 100)));
    fprintf(stderr, "%-22s %12.0f msg/s   p50 %5u ns   p99 %5u ns  (%llu messages)\n", r->name,
            r->seconds > 0 ? (double)r->ops / r->seconds : 0, bench_samples_pct(&r->per_op_ns, 50),
            bench_samples_pct(&r->per_op_ns, 99), (unsigned long long)r->ops);
    return j;
}

int main(int argc, char **argv)
{
    uint64_t total = 2000000;
    size_t actors = 1000, batch = 1000;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc)
            total = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--actors") == 0 && i + 1 < argc)
            actors = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else {
            fprintf(stderr, "usage: bench_sched [--messages N] [--actors N] [--batch N] "
                            "[--out FILE]\n");
            return 2;
        }
    }
    if (!actors || batch < 100 || !total)
        return 2;

    bs_result_t res[3] = {
        {.name = "sched.fanout"},
        {.name = "sched.ring"},
        {.name = "sched.classes"},
    };
    for (int i = 0; i < 3; i++)
        bench_samples_init(&res[i].per_op_ns);
    bs_fanout(&res[0], actors, batch, total, false);
    bs_ring(&res[1], actors, batch / 10, batch, total);
    bs_fanout(&res[2], actors, batch, total, true);

    json_t *arr = json_array();
    for (int i = 0; i < 3; i++) {
        json_t *j = bs_json(&res[i], "message");
        json_object_set_new(j, "actors", json_integer((json_int_t)actors));
        json_object_set_new(j, "batch", json_integer((json_int_t)batch));
        json_array_append_new(arr, j);
        bench_samples_deinit(&res[i].per_op_ns);
    }
    int rc = 0;
    if (out)
        rc = json_dump_file(arr, out, JSON_INDENT(2)) == 0 ? 0 : 1;
    else {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(arr);
    return rc;
}
