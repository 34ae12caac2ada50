/*
 * eng_alloc: allocation that aborts on out-of-memory (as Redis and h2o do):
 * running out of memory is not an error path callers handle. Any thread.
 */
#ifndef ENG_ALLOC_H
#define ENG_ALLOC_H

#include <stddef.h>

void *eng_xmalloc(size_t size);
void *eng_xcalloc(size_t nmemb, size_t size);
void *eng_xrealloc(void *ptr, size_t size);
/* Returns NULL only for a NULL input. */
char *eng_xstrdup(const char *s);
char *eng_xstrndup(const char *s, size_t n);
/* A heap copy of len bytes with a NUL appended (len + 1 allocated). */
char *eng_xmemdup(const void *p, size_t len);

#endif
