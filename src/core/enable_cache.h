/* An in-memory cache of which plugins are enabled on which server, so that dispatching a
 * message costs a hash lookup per plugin rather than a store query. The store stays the
 * truth: every change goes through kith_admin_set_enabled, which updates the cache. */
#ifndef KITH_CORE_ENABLE_CACHE_H
#define KITH_CORE_ENABLE_CACHE_H

#include <stdbool.h>

struct kith_enable_cache;

struct kith_enable_cache *kith_enable_cache_new(void); /* NULL on ENOMEM; free below */
void kith_enable_cache_free(struct kith_enable_cache *cache);

/* True (and *enabled_out set) when the answer is cached. */
bool kith_enable_cache_get(const struct kith_enable_cache *cache, const char *server_id,
                           const char *plugin, bool *enabled_out);
/* Remembers an answer; when memory is short the answer is simply not kept. */
void kith_enable_cache_put(struct kith_enable_cache *cache, const char *server_id,
                           const char *plugin, bool enabled);
/* Forgets everything (after a bulk change such as a Telegram group becoming a supergroup). */
void kith_enable_cache_clear(struct kith_enable_cache *cache);

#endif
