/* A bounded hash table with LRU eviction: the memory cap of the spam windows lives here. Slots
 * are allocated lazily (doubling) up to the cap, so a quiet kithd stays small. */
#include <stdlib.h>
#include <string.h>

#include "logic/lru_table.h"

static size_t bucket_of(const struct lru_table *t, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (t->bucket_count - 1);
}

bool lru_init(struct lru_table *t, size_t max, size_t slot_size)
{
    memset(t, 0, sizeof *t);
    if (max == 0 || max >= LRU_NONE)
        return false;
    t->slot_size = slot_size;
    t->max = max;
    t->bucket_count = 16;
    while (t->bucket_count < max)
        t->bucket_count *= 2;
    t->buckets = malloc(t->bucket_count * sizeof *t->buckets);
    if (!t->buckets)
        return false;
    for (size_t i = 0; i < t->bucket_count; i++)
        t->buckets[i] = LRU_NONE;
    t->head = t->tail = t->free_list = LRU_NONE;
    return true;
}

void lru_release(struct lru_table *t)
{
    free(t->keys);
    free(t->prev);
    free(t->next);
    free(t->chain);
    free(t->buckets);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static bool grow_array(void **a, size_t count, size_t size)
{
    void *grown = realloc(*a, count * size);
    if (!grown)
        return false;
    *a = grown;
    return true;
}

/* Doubles the slot arrays (up to max) and chains the new slots into the free list. */
static bool grow(struct lru_table *t)
{
    size_t n = t->allocated ? t->allocated * 2 : 64;
    if (n > t->max)
        n = t->max;
    if (!grow_array((void **)&t->keys, n, sizeof *t->keys) ||
        !grow_array((void **)&t->prev, n, sizeof *t->prev) ||
        !grow_array((void **)&t->next, n, sizeof *t->next) ||
        !grow_array((void **)&t->chain, n, sizeof *t->chain) ||
        !grow_array((void **)&t->slots, n, t->slot_size))
        return false;
    for (size_t i = n; i-- > t->allocated;) {
        t->next[i] = t->free_list;
        t->free_list = (uint32_t)i;
    }
    t->allocated = n;
    return true;
}

static void unlink_lru(struct lru_table *t, uint32_t i)
{
    if (t->prev[i] != LRU_NONE)
        t->next[t->prev[i]] = t->next[i];
    else
        t->head = t->next[i];
    if (t->next[i] != LRU_NONE)
        t->prev[t->next[i]] = t->prev[i];
    else
        t->tail = t->prev[i];
}

static void push_front(struct lru_table *t, uint32_t i)
{
    t->prev[i] = LRU_NONE;
    t->next[i] = t->head;
    if (t->head != LRU_NONE)
        t->prev[t->head] = i;
    t->head = i;
    if (t->tail == LRU_NONE)
        t->tail = i;
}

static uint32_t lookup(const struct lru_table *t, uint64_t key)
{
    uint32_t i = t->buckets[bucket_of(t, key)];
    while (i != LRU_NONE && t->keys[i] != key)
        i = t->chain[i];
    return i;
}

static void *slot(const struct lru_table *t, uint32_t i)
{
    return t->slots + (size_t)i * t->slot_size;
}

void *lru_find(struct lru_table *t, uint64_t key)
{
    uint32_t i = lookup(t, key);
    if (i == LRU_NONE)
        return NULL;
    unlink_lru(t, i);
    push_front(t, i);
    return slot(t, i);
}

static void remove_index(struct lru_table *t, uint32_t i)
{
    uint32_t *link = &t->buckets[bucket_of(t, t->keys[i])];
    while (*link != i)
        link = &t->chain[*link];
    *link = t->chain[i];
    unlink_lru(t, i);
    t->next[i] = t->free_list;
    t->free_list = i;
    t->used--;
}

void *lru_get(struct lru_table *t, uint64_t key, bool *created)
{
    void *found = lru_find(t, key);
    *created = found == NULL;
    if (found)
        return found;
    if (t->free_list == LRU_NONE && t->allocated < t->max && !grow(t))
        return NULL;
    if (t->free_list == LRU_NONE)
        remove_index(t, t->tail);
    uint32_t i = t->free_list;
    t->free_list = t->next[i];
    t->keys[i] = key;
    size_t b = bucket_of(t, key);
    t->chain[i] = t->buckets[b];
    t->buckets[b] = i;
    push_front(t, i);
    t->used++;
    memset(slot(t, i), 0, t->slot_size);
    return slot(t, i);
}

void *lru_oldest(struct lru_table *t)
{
    return t->tail == LRU_NONE ? NULL : slot(t, t->tail);
}

void lru_remove(struct lru_table *t, uint64_t key)
{
    uint32_t i = lookup(t, key);
    if (i != LRU_NONE)
        remove_index(t, i);
}

void lru_remove_oldest(struct lru_table *t)
{
    if (t->tail != LRU_NONE)
        remove_index(t, t->tail);
}

size_t lru_memory(const struct lru_table *t)
{
    size_t per_slot =
        sizeof *t->keys + sizeof *t->prev + sizeof *t->next + sizeof *t->chain + t->slot_size;
    return t->allocated * per_slot + t->bucket_count * sizeof *t->buckets;
}
