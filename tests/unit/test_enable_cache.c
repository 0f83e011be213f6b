/* The enablement cache answers what it was told, per server and plugin, and stays bounded. */
#include <stdio.h>

#include "check.h"
#include "core/enable_cache.h"

TEST(test_cache_remembers_per_server_and_plugin)
{
    struct kith_enable_cache *cache = kith_enable_cache_new();
    REQUIRE(cache != NULL);
    bool enabled = false;
    CHECK(!kith_enable_cache_get(cache, "test:g1", "polls", &enabled));
    kith_enable_cache_put(cache, "test:g1", "polls", true);
    kith_enable_cache_put(cache, "test:g2", "polls", false);
    CHECK(kith_enable_cache_get(cache, "test:g1", "polls", &enabled) && enabled);
    CHECK(kith_enable_cache_get(cache, "test:g2", "polls", &enabled) && !enabled);
    CHECK(!kith_enable_cache_get(cache, "test:g1", "spam", &enabled));
    /* "g1" + "0polls" must not collide with "g10" + "polls". */
    kith_enable_cache_put(cache, "test:g10", "polls", true);
    CHECK(!kith_enable_cache_get(cache, "test:g1", "0polls", &enabled));
    kith_enable_cache_put(cache, "test:g1", "polls", false);
    CHECK(kith_enable_cache_get(cache, "test:g1", "polls", &enabled) && !enabled);
    kith_enable_cache_clear(cache);
    CHECK(!kith_enable_cache_get(cache, "test:g1", "polls", &enabled));
    kith_enable_cache_free(cache);
}

TEST(test_cache_starts_over_when_full_and_keeps_answering)
{
    struct kith_enable_cache *cache = kith_enable_cache_new();
    REQUIRE(cache != NULL);
    char server[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(server, sizeof server, "test:%d", i);
        kith_enable_cache_put(cache, server, "polls", i % 2 == 0);
    }
    bool enabled = false;
    CHECK(kith_enable_cache_get(cache, "test:19998", "polls", &enabled) && enabled);
    CHECK(kith_enable_cache_get(cache, "test:19999", "polls", &enabled) && !enabled);
    CHECK(!kith_enable_cache_get(cache, "test:0", "polls", &enabled)); /* forgotten, not wrong */
    kith_enable_cache_free(cache);
}
