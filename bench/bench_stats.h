/*
 * bench_stats: latency samples and their percentiles for the bench tools.
 * Every sample is kept (microseconds, uint32) and sorted once at the end, so
 * percentiles are exact (nearest rank), not bucketed. A minute at 10,000
 * events/s is 2.4 MB of samples.
 *
 * Single-threaded tool code; no shared state.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_samples {
    uint32_t *v; /* owned */
    size_t n, cap;
    int sorted;
} bench_samples_t;

void bench_samples_init(bench_samples_t *s);
void bench_samples_deinit(bench_samples_t *s);
/* Adds one sample (µs; values above UINT32_MAX are clamped). */
void bench_samples_add(bench_samples_t *s, uint64_t us);
/* Appends every sample of src to dst. */
void bench_samples_merge(bench_samples_t *dst, const bench_samples_t *src);
/*
 * The p-th percentile (0 < p <= 100) by nearest rank: the smallest sample
 * such that at least p% of the samples are <= it. 0 when there is none.
 * Sorts on first use.
 */
uint32_t bench_samples_pct(bench_samples_t *s, double p);
double bench_samples_mean(const bench_samples_t *s);

/* Monotonic time in µs and ns (CLOCK_MONOTONIC). */
int64_t bench_now_us(void);
int64_t bench_now_ns(void);

#endif
