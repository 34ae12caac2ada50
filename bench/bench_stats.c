/*
 * bench_stats: exact percentiles over kept samples (see bench_stats.h).
 * Bench tools read the monotonic clock directly: they measure the engine from
 * outside, so the engine's loop clock is not theirs to use.
 */
#include "bench_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bench_samples_init(bench_samples_t *s)
{
    memset(s, 0, sizeof *s);
}

void bench_samples_deinit(bench_samples_t *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

void bench_samples_add(bench_samples_t *s, uint64_t us)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            abort();
    }
    s->v[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    s->sorted = 0;
}

void bench_samples_merge(bench_samples_t *dst, const bench_samples_t *src)
{
    for (size_t i = 0; i < src->n; i++)
        bench_samples_add(dst, src->v[i]);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

uint32_t bench_samples_pct(bench_samples_t *s, double p)
{
    if (!s->n)
        return 0;
    if (!s->sorted) {
        qsort(s->v, s->n, sizeof *s->v, cmp_u32);
        s->sorted = 1;
    }
    if (p <= 0)
        return s->v[0];
    /* Nearest rank: ceil(p/100 * n), 1-based. The epsilon keeps 99.9% of 1000
     * at rank 999 despite binary floating point. */
    double rank = ceil(p / 100.0 * (double)s->n - 1e-9);
    size_t idx = rank < 1 ? 0 : (size_t)rank - 1;
    if (idx >= s->n)
        idx = s->n - 1;
    return s->v[idx];
}

double bench_samples_mean(const bench_samples_t *s)
{
    if (!s->n)
        return 0;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    return sum / (double)s->n;
}

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_now_us(void)
{
    return bench_now_ns() / 1000;
}
