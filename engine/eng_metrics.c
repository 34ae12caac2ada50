/*
 * eng_metrics: a registry of counters, gauges and histograms rendered in the
 * Prometheus text format. Series are grouped by name when rendered so that
 * HELP/TYPE appear once per family, as the format requires. Loop thread.
 */
#include "eng_metrics.h"
#include "eng_alloc.h"
#include "eng_map.h"

#include <stdlib.h>
#include <string.h>

/* Bucket upper bounds in microseconds: 50 us .. 10 s. */
static const int64_t bucket_us[] = {50,     100,     250,     500,     1000,    2500,
                                    5000,   10000,   25000,   50000,   100000,  250000,
                                    500000, 1000000, 2500000, 5000000, 10000000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } kind_t;

struct eng_counter {
    uint64_t value;
};
struct eng_gauge {
    double value;
};
struct eng_histogram {
    uint64_t buckets[NBUCKETS]; /* non-cumulative counts */
    uint64_t count;
    int64_t sum_us;
};

typedef struct series {
    struct series *next_in_family;
    char *labels; /* NULL or inside of braces */
    union {
        struct eng_counter counter;
        struct eng_gauge gauge;
        struct eng_histogram hist;
    } u;
} series_t;

typedef struct family {
    struct family *next;
    char *name;
    char *help;
    kind_t kind;
    series_t *series;
    series_t *series_tail;
} family_t;

struct eng_metrics {
    family_t *families; /* in registration order */
    family_t *families_tail;
    eng_map_t by_name;   /* name -> family */
    eng_map_t by_series; /* "name{labels}" -> series */
};

eng_metrics_t *eng_metrics_new(void)
{
    eng_metrics_t *m = eng_xcalloc(1, sizeof(*m));
    eng_map_init(&m->by_name);
    eng_map_init(&m->by_series);
    return m;
}

void eng_metrics_free(eng_metrics_t *m)
{
    if (!m)
        return;
    family_t *f = m->families;
    while (f) {
        family_t *fn = f->next;
        series_t *s = f->series;
        while (s) {
            series_t *sn = s->next_in_family;
            free(s->labels);
            free(s);
            s = sn;
        }
        free(f->name);
        free(f->help);
        free(f);
        f = fn;
    }
    eng_map_deinit(&m->by_name);
    eng_map_deinit(&m->by_series);
    free(m);
}

static series_t *get_series(eng_metrics_t *m, kind_t kind, const char *name, const char *labels,
                            const char *help)
{
    eng_buf_t key;
    eng_buf_init(&key);
    eng_buf_printf(&key, "%s{%s}", name, labels ? labels : "");
    series_t *s = eng_map_get_str(&m->by_series, eng_buf_cstr(&key));
    if (s) {
        eng_buf_deinit(&key);
        return s;
    }
    family_t *f = eng_map_get_str(&m->by_name, name);
    if (!f) {
        f = eng_xcalloc(1, sizeof(*f));
        f->name = eng_xstrdup(name);
        f->help = eng_xstrdup(help ? help : name);
        f->kind = kind;
        if (m->families_tail)
            m->families_tail->next = f;
        else
            m->families = f;
        m->families_tail = f;
        eng_map_put_str(&m->by_name, name, f);
    }
    s = eng_xcalloc(1, sizeof(*s));
    s->labels = labels && *labels ? eng_xstrdup(labels) : NULL;
    if (f->series_tail)
        f->series_tail->next_in_family = s;
    else
        f->series = s;
    f->series_tail = s;
    eng_map_put_str(&m->by_series, eng_buf_cstr(&key), s);
    eng_buf_deinit(&key);
    return s;
}

eng_counter_t *eng_metrics_counter(eng_metrics_t *m, const char *name, const char *labels,
                                   const char *help)
{
    return &get_series(m, KIND_COUNTER, name, labels, help)->u.counter;
}

eng_gauge_t *eng_metrics_gauge(eng_metrics_t *m, const char *name, const char *labels,
                               const char *help)
{
    return &get_series(m, KIND_GAUGE, name, labels, help)->u.gauge;
}

eng_histogram_t *eng_metrics_histogram(eng_metrics_t *m, const char *name, const char *labels,
                                       const char *help)
{
    return &get_series(m, KIND_HISTOGRAM, name, labels, help)->u.hist;
}

void eng_counter_add(eng_counter_t *c, uint64_t n)
{
    c->value += n;
}

uint64_t eng_counter_value(const eng_counter_t *c)
{
    return c->value;
}

void eng_gauge_set(eng_gauge_t *g, double v)
{
    g->value = v;
}

void eng_histogram_observe_us(eng_histogram_t *h, int64_t us)
{
    if (us < 0)
        us = 0;
    h->count++;
    h->sum_us += us;
    for (size_t i = 0; i < NBUCKETS; i++) {
        if (us <= bucket_us[i]) {
            h->buckets[i]++;
            return;
        }
    }
    /* above the last bucket: only +Inf (count) holds it */
}

uint64_t eng_histogram_count(const eng_histogram_t *h)
{
    return h->count;
}

static const char *kind_name(kind_t k)
{
    return k == KIND_COUNTER ? "counter" : k == KIND_GAUGE ? "gauge" : "histogram";
}

static void render_hist(eng_buf_t *out, const char *name, const char *labels,
                        const struct eng_histogram *h)
{
    const char *sep = labels ? "," : "";
    const char *lb = labels ? labels : "";
    uint64_t cum = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        cum += h->buckets[i];
        eng_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, lb, sep,
                       (double)bucket_us[i] / 1e6, (unsigned long long)cum);
    }
    eng_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, lb, sep,
                   (unsigned long long)h->count);
    if (labels) {
        eng_buf_printf(out, "%s_sum{%s} %.6f\n", name, labels, (double)h->sum_us / 1e6);
        eng_buf_printf(out, "%s_count{%s} %llu\n", name, labels, (unsigned long long)h->count);
    } else {
        eng_buf_printf(out, "%s_sum %.6f\n", name, (double)h->sum_us / 1e6);
        eng_buf_printf(out, "%s_count %llu\n", name, (unsigned long long)h->count);
    }
}

void eng_metrics_render(const eng_metrics_t *m, eng_buf_t *out)
{
    for (const family_t *f = m->families; f; f = f->next) {
        eng_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                       kind_name(f->kind));
        for (const series_t *s = f->series; s; s = s->next_in_family) {
            if (f->kind == KIND_HISTOGRAM) {
                render_hist(out, f->name, s->labels, &s->u.hist);
                continue;
            }
            if (s->labels)
                eng_buf_printf(out, "%s{%s} ", f->name, s->labels);
            else
                eng_buf_printf(out, "%s ", f->name);
            if (f->kind == KIND_COUNTER)
                eng_buf_printf(out, "%llu\n", (unsigned long long)s->u.counter.value);
            else
                eng_buf_printf(out, "%g\n", s->u.gauge.value);
        }
    }
}
