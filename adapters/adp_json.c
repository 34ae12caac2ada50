/*
 * adp_json: validate once, then read fields in place; and a JSON string
 * writer. Any thread.
 *
 * The reader trusts spans it handed out: every lookup and iteration runs on
 * text adp_json_parse() already validated, so the skipping code can be simple
 * and fast (memchr for string ends, a byte table for brackets) without
 * re-checking the grammar. Callers must never build an adp_json_t by hand.
 */
#include "adp_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_alloc.h"

/* ---------------------------------------------------------------- UTF-8 */

size_t adp_json_utf8_seq(const unsigned char *p, size_t n)
{
    size_t need;
    unsigned min, cp;
    if (n == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0) {
        need = 2, min = 0x80, cp = p[0] & 0x1Fu;
    } else if ((p[0] & 0xF0) == 0xE0) {
        need = 3, min = 0x800, cp = p[0] & 0x0Fu;
    } else if ((p[0] & 0xF8) == 0xF0) {
        need = 4, min = 0x10000, cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

/* ---------------------------------------------------------------- validation */

typedef struct parser {
    const char *start;
    const char *p;
    const char *end;
    const char *err; /* static message */
} parser_t;

static bool fail(parser_t *ps, const char *msg)
{
    if (!ps->err)
        ps->err = msg;
    return false;
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

static bool parse_string(parser_t *ps)
{
    const char *p = ps->p + 1, *end = ps->end;
    for (;;) {
        /* fast path: plain ASCII text */
        while (p < end) {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            p++;
        }
        if (p >= end) {
            ps->p = p;
            return fail(ps, "unterminated string");
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            ps->p = p + 1;
            return true;
        }
        if (c < 0x20) {
            ps->p = p;
            return fail(ps, "control character in string");
        }
        if (c >= 0x80) {
            size_t k = adp_json_utf8_seq((const unsigned char *)p, (size_t)(end - p));
            if (!k) {
                ps->p = p;
                return fail(ps, "invalid UTF-8 in string");
            }
            p += k;
            continue;
        }
        /* backslash */
        if (end - p < 2) {
            ps->p = p;
            return fail(ps, "unterminated string");
        }
        char e = p[1];
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
            e == 't') {
            p += 2;
            continue;
        }
        unsigned cp;
        if (e != 'u' || !read_hex4(p + 2, end, &cp)) {
            ps->p = p;
            return fail(ps, "invalid escape in string");
        }
        p += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            ps->p = p - 6;
            return fail(ps, "invalid Unicode escape (lone low surrogate)");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !read_hex4(p + 2, end, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF) {
                ps->p = p - 6;
                return fail(ps, "invalid Unicode escape (unpaired surrogate)");
            }
            p += 6;
        }
    }
}

static bool parse_number(parser_t *ps)
{
    const char *p = ps->p, *end = ps->end;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return fail(ps, "invalid number");
    if (*p == '0') {
        p++;
    } else {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return fail(ps, "invalid number");
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return fail(ps, "invalid number");
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    ps->p = p;
    return true;
}

static bool parse_literal(parser_t *ps, const char *lit, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
        return fail(ps, "invalid literal");
    ps->p += n;
    return true;
}

static bool parse_value(parser_t *ps, int depth);

static bool parse_container(parser_t *ps, int depth, bool object)
{
    char close = object ? '}' : ']';
    if (depth >= ADP_JSON_MAX_DEPTH)
        return fail(ps, "nesting too deep");
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a string key");
            if (!parse_string(ps))
                return false;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':'");
            ps->p++;
            skip_ws(ps);
        }
        if (!parse_value(ps, depth + 1))
            return false;
        skip_ws(ps);
        if (ps->p >= ps->end)
            return fail(ps, object ? "unterminated object" : "unterminated array");
        if (*ps->p == close) {
            ps->p++;
            return true;
        }
        if (*ps->p != ',')
            return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
        ps->p++;
        skip_ws(ps);
    }
}

static bool parse_value(parser_t *ps, int depth)
{
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    switch (*ps->p) {
    case '{':
        return parse_container(ps, depth, true);
    case '[':
        return parse_container(ps, depth, false);
    case '"':
        return parse_string(ps);
    case 't':
        return parse_literal(ps, "true", 4);
    case 'f':
        return parse_literal(ps, "false", 5);
    case 'n':
        return parse_literal(ps, "null", 4);
    default:
        return parse_number(ps);
    }
}

static adp_json_kind_t kind_of(char c)
{
    switch (c) {
    case '{':
        return ADP_JSON_OBJECT;
    case '[':
        return ADP_JSON_ARRAY;
    case '"':
        return ADP_JSON_STRING;
    case 't':
        return ADP_JSON_TRUE;
    case 'f':
        return ADP_JSON_FALSE;
    case 'n':
        return ADP_JSON_NULL;
    default:
        return ADP_JSON_NUMBER;
    }
}

bool adp_json_parse(const char *buf, size_t len, adp_json_t *root, char *why, size_t whysz)
{
    parser_t ps = {.start = buf, .p = buf, .end = buf + len, .err = NULL};
    if (why && whysz)
        why[0] = '\0';
    skip_ws(&ps);
    const char *vstart = ps.p;
    if (ps.p >= ps.end) {
        fail(&ps, "empty input");
    } else if (parse_value(&ps, 0)) {
        const char *vend = ps.p;
        skip_ws(&ps);
        if (ps.p == ps.end) {
            root->p = vstart;
            root->len = (size_t)(vend - vstart);
            root->kind = kind_of(*vstart);
            return true;
        }
        fail(&ps, "trailing characters after the value");
    }
    if (why && whysz)
        snprintf(why, whysz, "%s at byte %zu", ps.err ? ps.err : "invalid JSON",
                 (size_t)(ps.p - ps.start));
    return false;
}

/* ---------------------------------------------------------------- walking validated text */

/* p at the opening quote of a validated string; returns just past its closing quote. */
static const char *skip_string(const char *p, const char *end)
{
    const char *s = p + 1;
    for (;;) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        if (!q)
            return end; /* cannot happen on validated text */
        size_t backslashes = 0;
        for (const char *r = q - 1; r > p && *r == '\\'; r--)
            backslashes++;
        if (backslashes % 2 == 0)
            return q + 1;
        s = q + 1;
    }
}

/* Bytes that matter when skipping a container: quotes and brackets. */
static const unsigned char structural[256] = {
    ['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
};

/* p at the first byte of a validated value; returns just past it. */
static const char *skip_value(const char *p, const char *end)
{
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            unsigned char s = structural[(unsigned char)*p];
            if (!s) {
                p++;
            } else if (s == 1) {
                p = skip_string(p, end);
            } else if (s == 2) {
                depth++;
                p++;
            } else {
                p++;
                if (--depth == 0)
                    return p;
            }
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\r' && *p != '\t')
        p++;
    return p;
}

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

adp_json_iter_t adp_json_iter(adp_json_t v)
{
    adp_json_iter_t it = {NULL, NULL};
    if ((v.kind == ADP_JSON_OBJECT || v.kind == ADP_JSON_ARRAY) && v.len >= 2) {
        it.p = v.p + 1;
        it.end = v.p + v.len - 1; /* the closing bracket */
    }
    return it;
}

static bool next_value(adp_json_iter_t *it, adp_json_t *out)
{
    const char *p = it->p;
    out->p = p;
    out->kind = kind_of(*p);
    p = skip_value(p, it->end);
    out->len = (size_t)(p - out->p);
    it->p = p;
    return true;
}

bool adp_json_array_next(adp_json_iter_t *it, adp_json_t *elem)
{
    if (!it->p)
        return false;
    const char *p = ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = ws(p + 1, it->end);
    if (p >= it->end)
        return false;
    it->p = p;
    return next_value(it, elem);
}

bool adp_json_object_next(adp_json_iter_t *it, adp_json_t *key, adp_json_t *val)
{
    if (!it->p)
        return false;
    const char *p = ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = ws(p + 1, it->end);
    if (p >= it->end)
        return false;
    key->p = p;
    key->kind = ADP_JSON_STRING;
    p = skip_string(p, it->end);
    key->len = (size_t)(p - key->p);
    p = ws(p, it->end);
    p = ws(p + 1, it->end); /* the ':' */
    it->p = p;
    return next_value(it, val);
}

size_t adp_json_array_size(adp_json_t arr)
{
    if (arr.kind != ADP_JSON_ARRAY)
        return 0;
    adp_json_iter_t it = adp_json_iter(arr);
    adp_json_t elem;
    size_t n = 0;
    while (adp_json_array_next(&it, &elem))
        n++;
    return n;
}

/* ---------------------------------------------------------------- strings */

static void put_utf8(char **o, unsigned cp)
{
    char *q = *o;
    if (cp < 0x80) {
        *q++ = (char)cp;
    } else if (cp < 0x800) {
        *q++ = (char)(0xC0 | cp >> 6);
        *q++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *q++ = (char)(0xE0 | cp >> 12);
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *q++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *q++ = (char)(0xF0 | cp >> 18);
        *q++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *q++ = (char)(0x80 | (cp & 0x3F));
    }
    *o = q;
}

/* Decodes a validated string span into out (at least v.len - 1 bytes); returns the length.
 * Decoded text is never longer than the escaped text. \u0000 becomes a space: C strings
 * cannot carry it. */
static size_t decode_string(adp_json_t v, char *out)
{
    const char *p = v.p + 1, *end = v.p + v.len - 1;
    char *o = out;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t plain = (size_t)((bs ? bs : end) - p);
        memcpy(o, p, plain);
        o += plain;
        p += plain;
        if (!bs)
            break;
        char e = p[1];
        p += 2;
        switch (e) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            unsigned cp = 0, lo = 0;
            (void)read_hex4(p, end, &cp);
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                (void)read_hex4(p + 2, end, &lo);
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&o, cp ? cp : ' ');
            break;
        }
        default: /* " \ / */
            *o++ = e;
            break;
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

static bool has_escape(adp_json_t v)
{
    return memchr(v.p + 1, '\\', v.len - 2) != NULL;
}

bool adp_json_str_eq(adp_json_t v, const char *lit)
{
    if (v.kind != ADP_JSON_STRING)
        return false;
    size_t n = strlen(lit);
    if (!has_escape(v))
        return v.len - 2 == n && memcmp(v.p + 1, lit, n) == 0;
    if (v.len - 1 > 256) {
        char *tmp = eng_xmalloc(v.len - 1);
        size_t dn = decode_string(v, tmp);
        bool eq = dn == n && memcmp(tmp, lit, n) == 0;
        free(tmp);
        return eq;
    }
    char tmp[256];
    size_t dn = decode_string(v, tmp);
    return dn == n && memcmp(tmp, lit, n) == 0;
}

char *adp_json_strdup(adp_json_t v, bool empty_as_null)
{
    if (v.kind != ADP_JSON_STRING || (empty_as_null && v.len == 2))
        return NULL;
    char *out = eng_xmalloc(v.len - 1);
    size_t n = decode_string(v, out);
    if (empty_as_null && n == 0) {
        free(out);
        return NULL;
    }
    return out;
}

bool adp_json_str_copy(adp_json_t v, char *out, size_t outsz)
{
    if (v.kind != ADP_JSON_STRING || outsz == 0)
        return false;
    if (v.len - 1 <= outsz) {
        decode_string(v, out);
        return true;
    }
    char *tmp = eng_xmalloc(v.len - 1);
    size_t n = decode_string(v, tmp);
    bool fits = n < outsz;
    if (fits)
        memcpy(out, tmp, n + 1);
    free(tmp);
    return fits;
}

/* ---------------------------------------------------------------- lookups */

adp_json_t adp_json_get(adp_json_t obj, const char *key)
{
    adp_json_t none = {NULL, 0, ADP_JSON_NONE};
    if (obj.kind != ADP_JSON_OBJECT)
        return none;
    adp_json_iter_t it = adp_json_iter(obj);
    adp_json_t k, v;
    while (adp_json_object_next(&it, &k, &v))
        if (adp_json_str_eq(k, key))
            return v;
    return none;
}

adp_json_t adp_json_path(adp_json_t obj, const char *path)
{
    char key[64];
    const char *p = path;
    while (obj.kind != ADP_JSON_NONE && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(key)) {
            obj.kind = ADP_JSON_NONE;
            break;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        obj = adp_json_get(obj, key);
        p += n + (dot ? 1 : 0);
    }
    return obj;
}

/* ---------------------------------------------------------------- numbers */

static bool number_text(adp_json_t v, char *buf, size_t bufsz)
{
    if (v.kind != ADP_JSON_NUMBER || v.len >= bufsz)
        return false;
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    return true;
}

bool adp_json_double(adp_json_t v, double *out)
{
    char buf[64];
    if (!number_text(v, buf, sizeof(buf)))
        return false;
    *out = strtod(buf, NULL);
    return true;
}

bool adp_json_int64(adp_json_t v, int64_t *out)
{
    char buf[64];
    if (!number_text(v, buf, sizeof(buf)))
        return false;
    if (!strpbrk(buf, ".eE")) {
        errno = 0;
        long long ll = strtoll(buf, NULL, 10);
        if (errno == ERANGE)
            return false;
        *out = (int64_t)ll;
        return true;
    }
    double d = strtod(buf, NULL);
    if (!(d >= -9.2e18 && d <= 9.2e18))
        return false;
    *out = (int64_t)d;
    return true;
}

char *adp_json_compact_dup(adp_json_t v)
{
    char *out = eng_xmalloc(v.len + 1);
    const char *p = v.p, *end = v.p + v.len;
    char *o = out;
    while (p < end) {
        if (*p == '"') {
            const char *q = skip_string(p, end);
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            p = q;
        } else if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* ---------------------------------------------------------------- writing */

void adp_json_put_strn(eng_buf_t *b, const char *s, size_t n, bool one_line)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[512];
    size_t t = 0;
    bool pending_space = false, any = false;
    tmp[t++] = '"';
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        unsigned char c = p[0];
        size_t k = c < 0x80 ? 1 : adp_json_utf8_seq(p, n - i);
        bool line_sep = k == 3 && c == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9);
        if (one_line && ((k == 1 && (c <= 0x20 || c == 0x7F)) || line_sep)) {
            pending_space = any;
            i += k;
            continue;
        }
        if (t > sizeof(tmp) - 16) {
            eng_buf_append(b, tmp, t);
            t = 0;
        }
        if (pending_space) {
            tmp[t++] = ' ';
            pending_space = false;
        }
        any = true;
        if (k == 0) {
            tmp[t++] = '?';
            i++;
            continue;
        }
        if (k == 1) {
            if (c == '"' || c == '\\') {
                tmp[t++] = '\\';
                tmp[t++] = (char)c;
            } else if (c == '\n') {
                tmp[t++] = '\\';
                tmp[t++] = 'n';
            } else if (c == '\r') {
                tmp[t++] = '\\';
                tmp[t++] = 'r';
            } else if (c == '\t') {
                tmp[t++] = '\\';
                tmp[t++] = 't';
            } else if (c < 0x20 || c == 0x7F) {
                memcpy(tmp + t, "\\u00", 4);
                t += 4;
                tmp[t++] = hex[c >> 4];
                tmp[t++] = hex[c & 0xF];
            } else {
                tmp[t++] = (char)c;
            }
        } else if (line_sep) {
            /* valid JSON raw, but not valid inside JavaScript string literals */
            memcpy(tmp + t, p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            t += 6;
        } else {
            memcpy(tmp + t, p, k);
            t += k;
        }
        i += k;
    }
    tmp[t++] = '"';
    eng_buf_append(b, tmp, t);
}

void adp_json_put_str(eng_buf_t *b, const char *s, bool one_line)
{
    if (!s)
        s = "";
    adp_json_put_strn(b, s, strlen(s), one_line);
}
