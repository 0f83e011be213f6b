/* Inside the windows tracker: a fixed-capacity hash table of 64-bit keys to fixed-size slots,
 * with least-recently-used eviction. Not for the plugin glue. */
#ifndef SPAM_LRU_TABLE_H
#define SPAM_LRU_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LRU_NONE UINT32_MAX

struct lru_table {
    size_t slot_size;
    size_t max;       /* slots never exceed this */
    size_t allocated; /* slots allocated so far (grows by doubling up to max) */
    size_t used;      /* slots in use */
    uint64_t *keys;
    uint32_t *prev, *next; /* LRU list, head = most recent */
    uint32_t *chain;       /* next slot in the same bucket */
    uint32_t *buckets;     /* bucket_count heads */
    size_t bucket_count;
    unsigned char *slots;
    uint32_t head, tail;
    uint32_t free_list; /* chained through `next` */
};

/* Prepares a table of at most max slots of slot_size bytes; false when out of memory. */
bool lru_init(struct lru_table *t, size_t max, size_t slot_size);
void lru_release(struct lru_table *t);

/* The slot for key, made most recent; NULL when absent. */
void *lru_find(struct lru_table *t, uint64_t key);

/* The slot for key, made most recent; created zeroed (evicting the least recent when full)
 * when absent. *created tells which. NULL only when out of memory. */
void *lru_get(struct lru_table *t, uint64_t key, bool *created);

/* The least recently used slot, or NULL when empty. */
void *lru_oldest(struct lru_table *t);

/* Removes key's slot if present. */
void lru_remove(struct lru_table *t, uint64_t key);

/* Removes the least recently used slot. */
void lru_remove_oldest(struct lru_table *t);

size_t lru_memory(const struct lru_table *t);

#endif
