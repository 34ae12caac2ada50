/*
 * eng_map: chained hash map with integer or string keys. Loop thread.
 * Buckets double when the load factor passes 1, so lookups stay O(1) as the
 * number of live calls grows.
 */
#include "eng_map.h"
#include "eng_alloc.h"

#include <stdlib.h>
#include <string.h>

struct eng_map_entry {
    eng_map_entry_t *next;
    uint64_t hash;
    uint64_t ikey;
    char *skey; /* NULL for integer keys */
    void *val;
};

uint64_t eng_hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t hash_u64(uint64_t k)
{
    /* splitmix64 finaliser: ids are sequential, so mix them before masking */
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebULL;
    k ^= k >> 31;
    return k;
}

void eng_map_init(eng_map_t *m)
{
    m->nbuckets = 16;
    m->buckets = eng_xcalloc(m->nbuckets, sizeof(*m->buckets));
    m->count = 0;
}

void eng_map_deinit(eng_map_t *m)
{
    if (!m->buckets)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        eng_map_entry_t *e = m->buckets[i];
        while (e) {
            eng_map_entry_t *next = e->next;
            free(e->skey);
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
}

static void grow(eng_map_t *m)
{
    size_t n = m->nbuckets * 2;
    eng_map_entry_t **b = eng_xcalloc(n, sizeof(*b));
    for (size_t i = 0; i < m->nbuckets; i++) {
        eng_map_entry_t *e = m->buckets[i];
        while (e) {
            eng_map_entry_t *next = e->next;
            size_t j = e->hash & (n - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

static eng_map_entry_t **find(const eng_map_t *m, uint64_t hash, uint64_t ikey, const char *skey)
{
    eng_map_entry_t **pp = &m->buckets[hash & (m->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->next) {
        eng_map_entry_t *e = *pp;
        if (e->hash != hash)
            continue;
        if (skey ? (e->skey && strcmp(e->skey, skey) == 0) : (!e->skey && e->ikey == ikey))
            return pp;
    }
    return pp;
}

static void put(eng_map_t *m, uint64_t hash, uint64_t ikey, const char *skey, void *val)
{
    eng_map_entry_t **pp = find(m, hash, ikey, skey);
    if (*pp) {
        (*pp)->val = val;
        return;
    }
    eng_map_entry_t *e = eng_xcalloc(1, sizeof(*e));
    e->hash = hash;
    e->ikey = ikey;
    e->skey = eng_xstrdup(skey);
    e->val = val;
    *pp = e;
    if (++m->count > m->nbuckets)
        grow(m);
}

static void *del(eng_map_t *m, uint64_t hash, uint64_t ikey, const char *skey)
{
    eng_map_entry_t **pp = find(m, hash, ikey, skey);
    eng_map_entry_t *e = *pp;
    if (!e)
        return NULL;
    void *val = e->val;
    *pp = e->next;
    free(e->skey);
    free(e);
    m->count--;
    return val;
}

void eng_map_put_u64(eng_map_t *m, uint64_t key, void *val)
{
    put(m, hash_u64(key), key, NULL, val);
}

void *eng_map_get_u64(const eng_map_t *m, uint64_t key)
{
    eng_map_entry_t **pp = find(m, hash_u64(key), key, NULL);
    return *pp ? (*pp)->val : NULL;
}

void *eng_map_del_u64(eng_map_t *m, uint64_t key)
{
    return del(m, hash_u64(key), key, NULL);
}

void eng_map_put_str(eng_map_t *m, const char *key, void *val)
{
    put(m, eng_hash_bytes(key, strlen(key)), 0, key, val);
}

void *eng_map_get_str(const eng_map_t *m, const char *key)
{
    eng_map_entry_t **pp = find(m, eng_hash_bytes(key, strlen(key)), 0, key);
    return *pp ? (*pp)->val : NULL;
}

void *eng_map_del_str(eng_map_t *m, const char *key)
{
    return del(m, eng_hash_bytes(key, strlen(key)), 0, key);
}

void eng_map_each(const eng_map_t *m, void (*fn)(const char *, uint64_t, void *, void *), void *arg)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (eng_map_entry_t *e = m->buckets[i]; e; e = e->next)
            fn(e->skey, e->ikey, e->val, arg);
}

size_t eng_map_count(const eng_map_t *m)
{
    return m->count;
}
