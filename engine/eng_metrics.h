/*
 * eng_metrics: counters, gauges and latency histograms, rendered in the
 * Prometheus text exposition format for GET /metrics. Handles are owned by
 * the registry (which the loop owns) and stay valid until it is freed; get
 * the handle once and keep it. Loop thread.
 */
#ifndef ENG_METRICS_H
#define ENG_METRICS_H

#include <stdint.h>

#include "eng_buf.h"

typedef struct eng_metrics eng_metrics_t;
typedef struct eng_counter eng_counter_t;
typedef struct eng_gauge eng_gauge_t;
typedef struct eng_histogram eng_histogram_t;

eng_metrics_t *eng_metrics_new(void);
void eng_metrics_free(eng_metrics_t *m);

/*
 * Finds or creates a series. name is a Prometheus metric name
 * ("serviceai_http_requests_total"); labels is the inside of the braces
 * ("route=\"/vapi/webhook\",status=\"200\"") or NULL; help is used once per name.
 * All strings are copied.
 */
eng_counter_t *eng_metrics_counter(eng_metrics_t *m, const char *name, const char *labels,
                                   const char *help);
eng_gauge_t *eng_metrics_gauge(eng_metrics_t *m, const char *name, const char *labels,
                               const char *help);
/* Latency histogram in seconds with fixed buckets from 50 us to 10 s. */
eng_histogram_t *eng_metrics_histogram(eng_metrics_t *m, const char *name, const char *labels,
                                       const char *help);

void eng_counter_add(eng_counter_t *c, uint64_t n);
uint64_t eng_counter_value(const eng_counter_t *c);
void eng_gauge_set(eng_gauge_t *g, double v);
void eng_histogram_observe_us(eng_histogram_t *h, int64_t us);
uint64_t eng_histogram_count(const eng_histogram_t *h);

/* Appends the whole registry in Prometheus text format. */
void eng_metrics_render(const eng_metrics_t *m, eng_buf_t *out);

#endif
