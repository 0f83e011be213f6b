/* The Discord adapter: gateway v10 in, REST v10 out, interactions answered within 3 seconds. */
#ifndef KITH_PLATFORM_DISCORD_H
#define KITH_PLATFORM_DISCORD_H

#include <stdbool.h>

#include <kith/plugin.h>

#include "core/config.h"
#include "core/platform.h"

struct kith_core;

bool kith_discord_enabled(const struct kith_config *cfg);

/* Builds the adapter (started by kith_core_start). cfg is borrowed for the core's lifetime.
 * On error *error_out gets a message to free(). */
kith_err kith_discord_create(struct kith_core *core, const struct kith_config *cfg,
                             struct kith_platform **out, char **error_out);

#endif
