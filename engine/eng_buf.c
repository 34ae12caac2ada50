/* eng_buf: growable NUL-terminated byte buffer. Any thread, not shared. */
#include "eng_buf.h"
#include "eng_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eng_buf_init(eng_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void eng_buf_deinit(eng_buf_t *b)
{
    free(b->data);
    eng_buf_init(b);
}

void eng_buf_reset(eng_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void eng_buf_reserve(eng_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = eng_xrealloc(b->data, cap);
    b->cap = cap;
}

void eng_buf_append(eng_buf_t *b, const void *p, size_t len)
{
    eng_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void eng_buf_puts(eng_buf_t *b, const char *s)
{
    eng_buf_append(b, s, strlen(s));
}

void eng_buf_putc(eng_buf_t *b, char c)
{
    eng_buf_append(b, &c, 1);
}

void eng_buf_vprintf(eng_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    eng_buf_reserve(b, 64);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        eng_buf_reserve(b, (size_t)n);
        n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
}

void eng_buf_printf(eng_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eng_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *eng_buf_steal(eng_buf_t *b, size_t *len)
{
    char *p = b->data ? b->data : eng_xstrdup("");
    if (len)
        *len = b->len;
    eng_buf_init(b);
    return p;
}

const char *eng_buf_cstr(const eng_buf_t *b)
{
    return b->data ? b->data : "";
}
