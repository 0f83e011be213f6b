/* The platform adapters this build has: kithd creates the ones the configuration enables. */
#ifndef KITH_PLATFORM_PLATFORMS_H
#define KITH_PLATFORM_PLATFORMS_H

#include <stdbool.h>
#include <stddef.h>

#include <kith/plugin.h>

#include "core/config.h"
#include "core/platform.h"

struct kith_core;

struct kith_platform_factory {
    const char *name; /* "discord", "telegram", "matrix" */
    bool (*enabled)(const struct kith_config *cfg);
    /* Builds the adapter (not started; kith_core_start starts it). cfg is borrowed and lives
     * as long as the core's configuration. On error *error_out gets a message to free(). */
    kith_err (*create)(struct kith_core *core, const struct kith_config *cfg,
                       struct kith_platform **out, char **error_out);
};

extern const struct kith_platform_factory kith_platform_factories[];
extern const size_t kith_platform_factory_count;

#endif
