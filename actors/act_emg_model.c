/*
 * act_emg_model: the learned scorer of the emergency classifier (see the
 * header). Any thread; pure.
 *
 * Features, exactly as tools/emg-model/train.py computes them: the text's code
 * points, ASCII letters lower-cased and digits kept, the accented Latin
 * letters of latin_map[] folded to their base letter, everything else a
 * separator; the first EMG_MAX_WORDS words, each cut to EMG_MAX_WORD_LEN
 * characters; one feature per distinct "u <word>" and "b <word> <next>",
 * hashed with 32-bit FNV-1a. The score of class k is its bias plus the
 * weights of the features present; a softmax makes them probabilities.
 */
#include "act_emg_model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_emg_model_weights.inc"

#define EMG_MAX_WORDS 400
#define EMG_MAX_WORD_LEN 40
#define EMG_MAX_FEATS (2 * EMG_MAX_WORDS)

/* Accented letters and their base letter, by code point (train.py's ACCENTS). */
static const struct {
    uint16_t cp;
    char base;
} latin_map[] = {
    {0x0c0, 'a'}, {0x0c1, 'a'}, {0x0c2, 'a'}, {0x0c3, 'a'}, {0x0c4, 'a'}, {0x0c5, 'a'},
    {0x0c7, 'c'}, {0x0c8, 'e'}, {0x0c9, 'e'}, {0x0ca, 'e'}, {0x0cb, 'e'}, {0x0cc, 'i'},
    {0x0cd, 'i'}, {0x0ce, 'i'}, {0x0cf, 'i'}, {0x0d1, 'n'}, {0x0d2, 'o'}, {0x0d3, 'o'},
    {0x0d4, 'o'}, {0x0d5, 'o'}, {0x0d6, 'o'}, {0x0d8, 'o'}, {0x0d9, 'u'}, {0x0da, 'u'},
    {0x0db, 'u'}, {0x0dc, 'u'}, {0x0dd, 'y'}, {0x0e0, 'a'}, {0x0e1, 'a'}, {0x0e2, 'a'},
    {0x0e3, 'a'}, {0x0e4, 'a'}, {0x0e5, 'a'}, {0x0e7, 'c'}, {0x0e8, 'e'}, {0x0e9, 'e'},
    {0x0ea, 'e'}, {0x0eb, 'e'}, {0x0ec, 'i'}, {0x0ed, 'i'}, {0x0ee, 'i'}, {0x0ef, 'i'},
    {0x0f1, 'n'}, {0x0f2, 'o'}, {0x0f3, 'o'}, {0x0f4, 'o'}, {0x0f5, 'o'}, {0x0f6, 'o'},
    {0x0f8, 'o'}, {0x0f9, 'u'}, {0x0fa, 'u'}, {0x0fb, 'u'}, {0x0fc, 'u'}, {0x0fd, 'y'},
    {0x0ff, 'y'}, {0x100, 'a'}, {0x101, 'a'}, {0x102, 'a'}, {0x103, 'a'}, {0x104, 'a'},
    {0x105, 'a'}, {0x106, 'c'}, {0x107, 'c'}, {0x10c, 'c'}, {0x10d, 'c'}, {0x10e, 'd'},
    {0x10f, 'd'}, {0x112, 'e'}, {0x113, 'e'}, {0x116, 'e'}, {0x117, 'e'}, {0x118, 'e'},
    {0x119, 'e'}, {0x11a, 'e'}, {0x11b, 'e'}, {0x11e, 'g'}, {0x11f, 'g'}, {0x12a, 'i'},
    {0x12b, 'i'}, {0x12e, 'i'}, {0x12f, 'i'}, {0x141, 'l'}, {0x142, 'l'}, {0x143, 'n'},
    {0x144, 'n'}, {0x147, 'n'}, {0x148, 'n'}, {0x14c, 'o'}, {0x14d, 'o'}, {0x158, 'r'},
    {0x159, 'r'}, {0x15a, 's'}, {0x15b, 's'}, {0x15e, 's'}, {0x15f, 's'}, {0x160, 's'},
    {0x161, 's'}, {0x164, 't'}, {0x165, 't'}, {0x16a, 'u'}, {0x16b, 'u'}, {0x16e, 'u'},
    {0x16f, 'u'}, {0x170, 'u'}, {0x171, 'u'}, {0x178, 'y'}, {0x179, 'z'}, {0x17a, 'z'},
    {0x17b, 'z'}, {0x17c, 'z'}, {0x17d, 'z'}, {0x17e, 'z'},
};

static char latin_base(uint32_t cp)
{
    size_t lo = 0, hi = sizeof(latin_map) / sizeof(latin_map[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (latin_map[mid].cp == cp)
            return latin_map[mid].base;
        if (latin_map[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

typedef struct {
    char w[EMG_MAX_WORDS][EMG_MAX_WORD_LEN + 1];
    uint8_t len[EMG_MAX_WORDS];
    bool brk[EMG_MAX_WORDS]; /* one of .,;:!? stands between this word and the one before */
    int n;
} words_t;

/* Returns false when the text had more words than are read. */
static bool words_split(const char *text, size_t len, words_t *ws)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    int cur = 0; /* characters of the word being read (all of them, also past the cut) */
    bool brk = false;
    ws->n = 0;
    while (i < len && ws->n < EMG_MAX_WORDS) {
        uint32_t cp;
        i += act_emg_utf8_next(s + i, len - i, &cp);
        char c = 0;
        if (cp < 0x80) {
            if (cp >= 'A' && cp <= 'Z')
                c = (char)(cp - 'A' + 'a');
            else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
                c = (char)cp;
        } else {
            c = latin_base(cp);
        }
        if (c) {
            if (cur == 0) {
                ws->brk[ws->n] = brk;
                brk = false;
            }
            if (cur < EMG_MAX_WORD_LEN)
                ws->w[ws->n][cur] = c;
            cur++;
        } else {
            if (cur) {
                ws->len[ws->n] = (uint8_t)(cur < EMG_MAX_WORD_LEN ? cur : EMG_MAX_WORD_LEN);
                ws->n++;
                cur = 0;
            }
            if (cp == '.' || cp == ',' || cp == ';' || cp == ':' || cp == '!' || cp == '?')
                brk = true;
        }
    }
    if (cur && ws->n < EMG_MAX_WORDS) {
        ws->len[ws->n] = (uint8_t)(cur < EMG_MAX_WORD_LEN ? cur : EMG_MAX_WORD_LEN);
        ws->n++;
        cur = 0;
    }
    if (ws->n < EMG_MAX_WORDS)
        return true;
    /* Full: complete only if nothing but separators follows. */
    if (cur)
        return false;
    while (i < len) {
        uint32_t cp;
        i += act_emg_utf8_next(s + i, len - i, &cp);
        if ((cp < 0x80 && ((cp | 0x20) - 'a' < 26 || cp - '0' < 10)) ||
            (cp >= 0x80 && latin_base(cp)))
            return false;
    }
    return true;
}

typedef struct {
    const char *w;
    uint8_t n;
} word_t;
#define WORD(s)                                                                                    \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

static bool word_in(const char *w, size_t n, const word_t *list, size_t nlist)
{
    for (size_t i = 0; i < nlist; i++)
        if (list[i].n == n && memcmp(list[i].w, w, n) == 0)
            return true;
    return false;
}

/* Negation: the next EMG_NEG_SCOPE words after a negator are features of their
 * own ("n humo", not "u humo"), unless a break or a scope end comes first.
 * "t" is English n't (the apostrophe is a separator). */
#define EMG_NEG_SCOPE 3
static const word_t negators[] = {
    WORD("no"),  WORD("not"),     WORD("never"),  WORD("nothing"), WORD("nobody"),  WORD("none"),
    WORD("nor"), WORD("without"), WORD("t"),      WORD("ni"),      WORD("nada"),    WORD("nunca"),
    WORD("sin"), WORD("tampoco"), WORD("ningun"), WORD("ninguna"), WORD("ninguno"), WORD("nadie"),
};
static const word_t scope_ends[] = {WORD("but"),  WORD("though"), WORD("although"),
                                    WORD("pero"), WORD("aunque"), WORD("sino")};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool negator(const char *w, size_t n)
{
    /* every negator starts with n, s or w, or is "t" */
    return (w[0] == 'n' || w[0] == 's' || w[0] == 'w' || w[0] == 't') && n <= 7 &&
           word_in(w, n, negators, COUNT(negators));
}

static bool scope_end(const char *w, size_t n)
{
    return (w[0] == 'b' || w[0] == 't' || w[0] == 'a' || w[0] == 'p' || w[0] == 's') && n <= 8 &&
           word_in(w, n, scope_ends, COUNT(scope_ends));
}

static uint32_t fnv_bytes(uint32_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static long weight_row(uint32_t h)
{
    uint32_t b = h >> (32 - EMG_MODEL_BUCKET_BITS);
    for (uint32_t i = emg_model_bucket[b]; i < emg_model_bucket[b + 1]; i++)
        if (emg_model_hash[i] == h)
            return (long)i;
    return -1;
}

/* Short and function words say little to a reader of the cue. */
static const word_t stop_words[] = {
    WORD("and"),  WORD("are"), WORD("but"),  WORD("con"),   WORD("del"),  WORD("esta"),
    WORD("este"), WORD("for"), WORD("from"), WORD("have"),  WORD("just"), WORD("las"),
    WORD("like"), WORD("los"), WORD("nos"),  WORD("para"),  WORD("pero"), WORD("por"),
    WORD("que"),  WORD("the"), WORD("that"), WORD("there"), WORD("this"), WORD("una"),
    WORD("uno"),  WORD("was"), WORD("what"), WORD("with"),  WORD("you"),  WORD("your"),
    WORD("its"),
};

static bool content_word(const char *w, size_t n)
{
    return n >= 3 && !word_in(w, n, stop_words, COUNT(stop_words));
}

/* A feature found in the table: its row and where it came from (for the evidence). */
typedef struct {
    uint32_t row;
    int16_t word; /* first word of the feature */
    int8_t pair;  /* 1: the word and the next */
} hit_t;

/* Open-addressing set of the features seen in one text (each counts once). */
#define SEEN_SLOTS 2048 /* > 2 * EMG_MAX_FEATS, a power of two */

typedef struct {
    uint32_t slot[SEEN_SLOTS];
    uint32_t mask; /* slots in use - 1: sized to the text, a power of two */
    bool zero;     /* hash 0 (the empty-slot marker) was seen */
} seen_t;

static bool seen_add(seen_t *s, uint32_t h)
{
    if (h == 0) {
        bool was = s->zero;
        s->zero = true;
        return !was;
    }
    for (uint32_t i = h & s->mask;; i = (i + 1) & s->mask) {
        if (s->slot[i] == h)
            return false;
        if (s->slot[i] == 0) {
            s->slot[i] = h;
            return true;
        }
    }
}

static void feature_add(uint32_t h, int word, int pair, seen_t *seen, int32_t acc[ACT_EMG__COUNT],
                        hit_t *hits, int *nhits)
{
    if (!seen_add(seen, h))
        return;
    long r = weight_row(h);
    if (r < 0)
        return;
    for (int k = 0; k < ACT_EMG__COUNT; k++)
        acc[k] += emg_model_w[r][k];
    hits[(*nhits)++] = (hit_t){(uint32_t)r, (int16_t)word, (int8_t)pair};
}

void act_emg_model_score(const char *text, size_t len, act_emg_model_out_t *out)
{
    memset(out, 0, sizeof(*out));
    words_t ws;
    out->complete = words_split(text ? text : "", text ? len : 0, &ws);
    seen_t seen;
    uint32_t slots = 64;
    while (slots < 4u * (uint32_t)ws.n) /* at least twice the 2n features: short probes */
        slots *= 2;
    seen.mask = slots - 1;
    seen.zero = false;
    memset(seen.slot, 0, slots * sizeof(seen.slot[0]));
    int32_t acc[ACT_EMG__COUNT] = {0};
    hit_t hits[EMG_MAX_FEATS];
    int nhits = 0;
    int scope = 0;
    const uint32_t basis = 2166136261u;
    const uint32_t u_basis = fnv_bytes(basis, "u ", 2), n_basis = fnv_bytes(basis, "n ", 2),
                   b_basis = fnv_bytes(basis, "b ", 2);
    for (int i = 0; i < ws.n; i++) {
        const char *w = ws.w[i];
        size_t n = ws.len[i];
        if (ws.brk[i] || scope_end(w, n))
            scope = 0;
        uint32_t h = fnv_bytes(scope ? n_basis : u_basis, w, n);
        if (scope)
            scope--;
        if (negator(w, n))
            scope = EMG_NEG_SCOPE;
        feature_add(h, i, 0, &seen, acc, hits, &nhits);
        if (i + 1 < ws.n) {
            h = fnv_bytes(fnv_bytes(b_basis, w, n), " ", 1);
            h = fnv_bytes(h, ws.w[i + 1], ws.len[i + 1]);
            feature_add(h, i, 1, &seen, acc, hits, &nhits);
        }
    }

    double z[ACT_EMG__COUNT];
    double m = -1e300;
    for (int k = 0; k < ACT_EMG__COUNT; k++) {
        z[k] = emg_model_bias[k] + acc[k] / EMG_MODEL_QUANT;
        m = z[k] > m ? z[k] : m;
    }
    double sum = 0;
    for (int k = 0; k < ACT_EMG__COUNT; k++) {
        z[k] = exp(z[k] - m);
        sum += z[k];
    }
    out->best = ACT_EMG_GAS_LEAK;
    for (int k = 0; k < ACT_EMG__COUNT; k++) {
        out->p[k] = (float)(z[k] / sum);
        if (k != ACT_EMG_NONE && out->p[k] > out->p[out->best])
            out->best = (act_emg_category_t)k;
    }

    /* Evidence: the feature that pushed hardest toward best against "none", made of
     * words a reader can follow ("gas", "chorro"; not "y"). */
    const hit_t *top = NULL;
    int top_w = 0;
    for (int i = 0; i < nhits; i++) {
        const hit_t *x = &hits[i];
        int wi = x->word;
        if (!content_word(ws.w[wi], ws.len[wi]) &&
            !(x->pair && content_word(ws.w[wi + 1], ws.len[wi + 1])))
            continue;
        int w = emg_model_w[x->row][out->best] - emg_model_w[x->row][ACT_EMG_NONE];
        if (w > top_w) {
            top_w = w;
            top = x;
        }
    }
    if (top) {
        int wi = top->word;
        if (top->pair)
            snprintf(out->evidence, sizeof(out->evidence), "%.*s %.*s", ws.len[wi], ws.w[wi],
                     ws.len[wi + 1], ws.w[wi + 1]);
        else
            snprintf(out->evidence, sizeof(out->evidence), "%.*s", ws.len[wi], ws.w[wi]);
    }
}

bool act_emg_model_selfcheck(void)
{
    for (uint32_t b = 0; b < (1u << EMG_MODEL_BUCKET_BITS); b++)
        for (uint32_t i = emg_model_bucket[b]; i < emg_model_bucket[b + 1]; i++)
            if (emg_model_hash[i] >> (32 - EMG_MODEL_BUCKET_BITS) != b)
                return false;
    if (emg_model_bucket[1u << EMG_MODEL_BUCKET_BITS] != EMG_MODEL_NFEAT)
        return false;
    for (size_t i = 1; i < EMG_MODEL_NFEAT; i++)
        if (emg_model_hash[i - 1] >= emg_model_hash[i])
            return false;
    return true;
}
