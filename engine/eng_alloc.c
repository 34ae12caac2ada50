/* eng_alloc: abort-on-OOM allocation wrappers. Any thread. */
#include "eng_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t size)
{
    fprintf(stderr, "level=fatal event=oom size=%zu\n", size);
    abort();
}

void *eng_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *eng_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *eng_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

char *eng_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    return eng_xmemdup(s, strlen(s));
}

char *eng_xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    return eng_xmemdup(s, len);
}

char *eng_xmemdup(const void *p, size_t len)
{
    char *d = eng_xmalloc(len + 1);
    if (len)
        memcpy(d, p, len);
    d[len] = '\0';
    return d;
}
