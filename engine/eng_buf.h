/*
 * eng_buf: a growable byte buffer that is always NUL-terminated, for building
 * replies, metrics text and log lines. Storage is owned by the eng_buf_t,
 * which the caller owns (init/deinit). Any thread, not shared.
 */
#ifndef ENG_BUF_H
#define ENG_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct eng_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
} eng_buf_t;

void eng_buf_init(eng_buf_t *b);
void eng_buf_deinit(eng_buf_t *b);
void eng_buf_reset(eng_buf_t *b); /* len = 0, keeps capacity */
void eng_buf_reserve(eng_buf_t *b, size_t extra);
void eng_buf_append(eng_buf_t *b, const void *p, size_t len);
void eng_buf_puts(eng_buf_t *b, const char *s);
void eng_buf_putc(eng_buf_t *b, char c);
void eng_buf_printf(eng_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eng_buf_vprintf(eng_buf_t *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Transfers the storage to the caller (free() it); the buffer is left empty. Never NULL. */
char *eng_buf_steal(eng_buf_t *b, size_t *len);
/* "" when empty: always a valid C string, borrowed until the next change. */
const char *eng_buf_cstr(const eng_buf_t *b);

#endif
