/* The enablement cache (see enable_cache.h): open addressing on "server\x1fplugin" keys.
 * Bounded: when it fills up it starts over, which costs a few store queries, never memory. */
#include "core/enable_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8192    /* power of two */
#define MAX_USED 5734 /* 70 % load */

struct slot {
    char *key; /* NULL: empty */
    bool enabled;
};

struct kith_enable_cache {
    struct slot slots[SLOTS];
    size_t used;
};

struct kith_enable_cache *kith_enable_cache_new(void)
{
    return calloc(1, sizeof(struct kith_enable_cache));
}

void kith_enable_cache_clear(struct kith_enable_cache *cache)
{
    for (size_t i = 0; i < SLOTS; i++) {
        free(cache->slots[i].key);
        cache->slots[i].key = NULL;
    }
    cache->used = 0;
}

void kith_enable_cache_free(struct kith_enable_cache *cache)
{
    if (cache == NULL)
        return;
    kith_enable_cache_clear(cache);
    free(cache);
}

/* FNV-1a over both parts with a separator, without building the key. */
static uint32_t hash(const char *server_id, const char *plugin)
{
    uint32_t h = 2166136261u;
    for (const char *c = server_id; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    h = (h ^ 0x1f) * 16777619u;
    for (const char *c = plugin; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return h;
}

static bool key_equals(const char *key, const char *server_id, const char *plugin)
{
    size_t n = strlen(server_id);
    return strncmp(key, server_id, n) == 0 && key[n] == '\x1f' && strcmp(key + n + 1, plugin) == 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static struct slot *find(const struct kith_enable_cache *cache, const char *server_id,
                         const char *plugin)
{
    size_t i = hash(server_id, plugin) & (SLOTS - 1);
    while (cache->slots[i].key != NULL && !key_equals(cache->slots[i].key, server_id, plugin))
        i = (i + 1) & (SLOTS - 1);
    return (struct slot *)&cache->slots[i];
}

bool kith_enable_cache_get(const struct kith_enable_cache *cache, const char *server_id,
                           const char *plugin, bool *enabled_out)
{
    if (cache == NULL)
        return false;
    const struct slot *slot = find(cache, server_id, plugin);
    if (slot->key == NULL)
        return false;
    *enabled_out = slot->enabled;
    return true;
}

void kith_enable_cache_put(struct kith_enable_cache *cache, const char *server_id,
                           const char *plugin, bool enabled)
{
    if (cache == NULL)
        return;
    struct slot *slot = find(cache, server_id, plugin);
    if (slot->key == NULL) {
        if (cache->used >= MAX_USED) {
            kith_enable_cache_clear(cache);
            slot = find(cache, server_id, plugin);
        }
        size_t n = strlen(server_id), m = strlen(plugin);
        char *key = malloc(n + m + 2);
        if (key == NULL)
            return;
        memcpy(key, server_id, n);
        key[n] = '\x1f';
        memcpy(key + n + 1, plugin, m + 1);
        slot->key = key;
        cache->used++;
    }
    slot->enabled = enabled;
}
