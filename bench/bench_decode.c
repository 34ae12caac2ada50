/*
 * bench_decode: micro-benchmark of the Vapi webhook decoder
 * (adapters/adp_vapi.h adp_vapi_decode): JSON text to a schema message and
 * back to free, per body, timed one decode at a time.
 *
 * Bodies are the load generator's (bench_bodies.h, built from the Vapi
 * fixtures): the headline is the body closest to 6 KB; every step of the
 * simulated call is reported too, so the cost per KB shows.
 *
 * One thread. Output: JSON on stdout (or --out), a table on stderr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adp_vapi.h"
#include "bench_bodies.h"
#include "bench_stats.h"

typedef struct bd_result {
    char name[96];
    size_t bytes;
    uint64_t ops;
    double seconds;
    bench_samples_t ns;
} bd_result_t;

static void bd_run(bd_result_t *r, const char *body, size_t len, double min_seconds)
{
    char why[256];
    int64_t t0 = bench_now_ns(), deadline = t0 + (int64_t)(min_seconds * 1e9);
    uint64_t n = 0;
    for (;;) {
        eng_msg_t *msg = NULL;
        adp_vapi_type_t type;
        int64_t a = bench_now_ns();
        eng_err_t err = adp_vapi_decode(body, len, &msg, &type, why, sizeof why);
        eng_msg_free(msg);
        int64_t b = bench_now_ns();
        if (err != ENG_OK) {
            fprintf(stderr, "bench_decode: %s does not decode: %s\n", r->name, why);
            exit(1);
        }
        bench_samples_add(&r->ns, (uint64_t)(b - a));
        n++;
        if (b >= deadline && n >= 1000)
            break;
    }
    r->ops = n;
    r->seconds = (double)(bench_now_ns() - t0) / 1e9;
}

static json_t *bd_json(bd_result_t *r)
{
    json_t *j = json_object();
    double ops_s = 0;
    double mean = bench_samples_mean(&r->ns);
    if (mean > 0)
        ops_s = 1e9 / mean; /* decode time only, without the timer reads between decodes */
    json_object_set_new(j, "name", json_string(r->name));
    json_object_set_new(j, "unit", json_string("decode"));
    json_object_set_new(j, "bytes", json_integer((json_int_t)r->bytes));
    json_object_set_new(j, "ops", json_integer((json_int_t)r->ops));
    json_object_set_new(j, "ops_per_s", json_real(ops_s));
    json_object_set_new(j, "mb_per_s", json_real(ops_s * (double)r->bytes / 1e6));
    json_object_set_new(j, "p50_ns", json_integer(bench_samples_pct(&r->ns, 50)));
    json_object_set_new(j, "p99_ns", json_integer(bench_samples_pct(&r->ns, 99)));
    json_object_set_new(j, "max_ns", json_integer(bench_samples_pct(&r->ns, 100)));
    fprintf(stderr, "%-44s %6zu B %10.0f ops/s  p50 %7.1f us  p99 %7.1f us\n", r->name, r->bytes,
            ops_s, bench_samples_pct(&r->ns, 50) / 1000.0, bench_samples_pct(&r->ns, 99) / 1000.0);
    return j;
}

int main(int argc, char **argv)
{
    const char *fixtures = "tests/fixtures/vapi", *out = NULL;
    double seconds = 0.5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fixtures") == 0 && i + 1 < argc)
            fixtures = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else {
            fprintf(stderr, "usage: bench_decode [--fixtures DIR] [--seconds S per body] "
                            "[--out FILE]\n");
            return 2;
        }
    }
    bench_script_t script;
    char err[512];
    if (!bench_script_load(&script, fixtures, 3000, 8000, err, sizeof err)) {
        fprintf(stderr, "bench_decode: fixtures: %s\n", err);
        return 2;
    }
    const char *var[BENCH_VAR__COUNT] = {
        "3f9d2c1b-7a6e-4f5d-8c3b-2a1e0f9d8c71",
        "+15125550187",
        "+15125550100",
        "8c6f2d1e-5a4b-4c3d-9e8f-7a6b5c4d3e21",
        "call_Kq3vX9mB2nL7pR4t",
        "2026-01-15",
        "2026-01-15T09:00:00-06:00",
        "s_29451660_0a1b2c3d",
    };
    size_t var_len[BENCH_VAR__COUNT];
    for (int i = 0; i < BENCH_VAR__COUNT; i++)
        var_len[i] = strlen(var[i]);

    /* The headline body: the step whose size is closest to 6 KB. */
    size_t best = 0, best_d = (size_t)-1;
    char *bodies[BENCH_STEPS];
    size_t lens[BENCH_STEPS];
    for (size_t i = 0; i < script.nsteps; i++) {
        lens[i] = bench_step_len(&script.steps[i], var_len);
        bodies[i] = malloc(lens[i] + 1);
        if (!bodies[i])
            abort();
        bench_step_render(&script.steps[i], var, var_len, bodies[i], lens[i]);
        bodies[i][lens[i]] = '\0';
        size_t d = lens[i] > 6144 ? lens[i] - 6144 : 6144 - lens[i];
        if (d < best_d)
            best_d = d, best = i;
    }

    json_t *arr = json_array();
    bd_result_t head = {.bytes = lens[best]};
    snprintf(head.name, sizeof head.name, "decode.6kb (%s)", bench_msg_key(script.steps[best].msg));
    bench_samples_init(&head.ns);
    bd_run(&head, bodies[best], lens[best], seconds * 4);
    json_array_append_new(arr, bd_json(&head));
    bench_samples_deinit(&head.ns);
    for (size_t i = 0; i < script.nsteps; i++) {
        bd_result_t r = {.bytes = lens[i]};
        snprintf(r.name, sizeof r.name, "decode.step%zu.%s", i, bench_msg_key(script.steps[i].msg));
        bench_samples_init(&r.ns);
        bd_run(&r, bodies[i], lens[i], seconds);
        json_array_append_new(arr, bd_json(&r));
        bench_samples_deinit(&r.ns);
        free(bodies[i]);
    }
    bench_script_deinit(&script);
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
