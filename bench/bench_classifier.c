/*
 * bench_classifier: micro-benchmark of the emergency classifier
 * (actors/act_emergency.h act_emg_classify), which the call actor runs on
 * every final user transcript. Target (issue #4): >= 100,000 utterances per
 * second on one core.
 *
 * Texts are the labelled utterances of the shared dev set and the project's
 * own held-out set (or the JSON Lines files given), English and Spanish,
 * repeated in order. Two measures, one thread:
 *   - throughput: back-to-back classification with no timer reads, for
 *     --seconds; utterances/s and MB/s;
 *   - latency: each call timed alone (CLOCK_MONOTONIC around it), p50, p99,
 *     p99.9 and max in ns.
 *
 * Output: JSON on stdout (or --out), a summary line on stderr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_emergency.h"
#include "bench_stats.h"

typedef struct {
    char *text; /* owned */
    size_t len;
    act_emg_industry_t industry;
    act_emg_lang_t lang;
} bc_utterance_t;

typedef struct {
    bc_utterance_t *u; /* owned */
    size_t n, cap;
    size_t bytes;
} bc_corpus_t;

static void bc_load(bc_corpus_t *c, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "bench_classifier: cannot open %s\n", path);
        exit(2);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, fp)) > 0) {
        json_t *j = json_loadb(line, (size_t)n, 0, NULL);
        json_t *text = json_object_get(j, "text");
        if (json_is_string(text)) {
            if (c->n == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 256;
                c->u = realloc(c->u, c->cap * sizeof *c->u);
                if (!c->u)
                    abort();
            }
            bc_utterance_t *u = &c->u[c->n++];
            u->len = json_string_length(text);
            u->text = malloc(u->len + 1);
            if (!u->text)
                abort();
            memcpy(u->text, json_string_value(text), u->len + 1);
            u->industry = ACT_EMG_IND_UNKNOWN;
            u->lang = ACT_EMG_LANG_AUTO;
            (void)act_emg_industry_parse(json_string_value(json_object_get(j, "industry")),
                                         &u->industry);
            (void)act_emg_lang_parse(json_string_value(json_object_get(j, "lang")), &u->lang);
            c->bytes += u->len;
        }
        json_decref(j);
    }
    free(line);
    fclose(fp);
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    double seconds = 2.0;
    bc_corpus_t c = {NULL, 0, 0, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-')
            bc_load(&c, argv[i]);
        else {
            fprintf(stderr, "usage: bench_classifier [--seconds S] [--out FILE] [FILE.jsonl ...]\n"
                            "  default files: the dev set and the own held-out set\n");
            return 2;
        }
    }
    if (c.n == 0) {
        bc_load(&c, BENCH_EMG_DEV_SET);
        bc_load(&c, BENCH_EMG_OWN_SET);
    }
    if (c.n == 0) {
        fprintf(stderr, "bench_classifier: no utterances\n");
        return 2;
    }

    /* Warm up, and count emergencies so the work cannot be optimised away. */
    act_emg_result_t r;
    size_t flagged = 0;
    for (size_t i = 0; i < c.n; i++) {
        act_emg_classify(c.u[i].text, c.u[i].len, c.u[i].industry, c.u[i].lang, &r);
        flagged += r.emergency;
    }

    /* Throughput: whole passes over the corpus, no timer reads inside a pass. */
    uint64_t done = 0;
    int64_t t0 = bench_now_ns(), deadline = t0 + (int64_t)(seconds * 1e9), t1;
    do {
        for (size_t i = 0; i < c.n; i++) {
            act_emg_classify(c.u[i].text, c.u[i].len, c.u[i].industry, c.u[i].lang, &r);
            flagged += r.emergency;
        }
        done += c.n;
        t1 = bench_now_ns();
    } while (t1 < deadline);
    double elapsed = (double)(t1 - t0) / 1e9;
    double per_s = (double)done / elapsed;

    /* Latency: each call timed alone. */
    bench_samples_t ns;
    bench_samples_init(&ns);
    size_t rounds = c.n < 200000 ? 200000 / c.n + 1 : 1;
    for (size_t k = 0; k < rounds; k++) {
        for (size_t i = 0; i < c.n; i++) {
            int64_t a = bench_now_ns();
            act_emg_classify(c.u[i].text, c.u[i].len, c.u[i].industry, c.u[i].lang, &r);
            int64_t b = bench_now_ns();
            flagged += r.emergency;
            bench_samples_add(&ns, (uint64_t)(b - a));
        }
    }

    json_t *j = json_object();
    json_object_set_new(j, "name", json_string("classifier"));
    json_object_set_new(j, "unit", json_string("utterance"));
    json_object_set_new(j, "corpus_utterances", json_integer((json_int_t)c.n));
    json_object_set_new(j, "mean_bytes", json_real((double)c.bytes / (double)c.n));
    json_object_set_new(j, "ops", json_integer((json_int_t)done));
    json_object_set_new(j, "seconds", json_real(elapsed));
    json_object_set_new(j, "ops_per_s", json_real(per_s));
    json_object_set_new(j, "mb_per_s", json_real(per_s * (double)c.bytes / (double)c.n / 1e6));
    json_object_set_new(j, "target_ops_per_s", json_integer(100000));
    json_object_set_new(j, "p50_ns", json_integer(bench_samples_pct(&ns, 50)));
    json_object_set_new(j, "p99_ns", json_integer(bench_samples_pct(&ns, 99)));
    json_object_set_new(j, "p999_ns", json_integer(bench_samples_pct(&ns, 99.9)));
    json_object_set_new(j, "max_ns", json_integer(bench_samples_pct(&ns, 100)));
    json_object_set_new(j, "flagged_checksum", json_integer((json_int_t)flagged));
    fprintf(stderr,
            "classifier: %zu utterances (%.0f B avg), %.0f utterances/s on one thread, "
            "p50 %u ns, p99 %u ns, p99.9 %u ns\n",
            c.n, (double)c.bytes / (double)c.n, per_s, bench_samples_pct(&ns, 50),
            bench_samples_pct(&ns, 99), bench_samples_pct(&ns, 99.9));
    bench_samples_deinit(&ns);
    int rc = 0;
    if (out)
        rc = json_dump_file(j, out, JSON_INDENT(2)) == 0 ? 0 : 1;
    else {
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(j);
    for (size_t i = 0; i < c.n; i++)
        free(c.u[i].text);
    free(c.u);
    return rc;
}
