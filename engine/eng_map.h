/*
 * eng_map: a small chained hash map with either integer or string keys, for
 * the engine's registries (actors by id and by name, timers, pending HTTP
 * requests). Values are borrowed pointers; string keys are copied.
 * Not thread-safe; loop thread.
 */
#ifndef ENG_MAP_H
#define ENG_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eng_map_entry eng_map_entry_t;

typedef struct eng_map {
    eng_map_entry_t **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
} eng_map_t;

void eng_map_init(eng_map_t *m);
/* Frees the map's own storage; values are not touched. */
void eng_map_deinit(eng_map_t *m);

/* Integer keys. put replaces an existing value. */
void eng_map_put_u64(eng_map_t *m, uint64_t key, void *val);
void *eng_map_get_u64(const eng_map_t *m, uint64_t key);
/* Returns the removed value or NULL. */
void *eng_map_del_u64(eng_map_t *m, uint64_t key);

/* String keys (copied). */
void eng_map_put_str(eng_map_t *m, const char *key, void *val);
void *eng_map_get_str(const eng_map_t *m, const char *key);
void *eng_map_del_str(eng_map_t *m, const char *key);

/* Visits every entry; the callback must not change the map. */
void eng_map_each(const eng_map_t *m,
                  void (*fn)(const char *skey, uint64_t ikey, void *val, void *arg), void *arg);
size_t eng_map_count(const eng_map_t *m);

/* 64-bit FNV-1a, also useful for sharding keys. */
uint64_t eng_hash_bytes(const void *p, size_t len);

#endif
