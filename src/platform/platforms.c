/* The table of platform adapters in this build. An adapter adds its factory here. */
#include "platform/platforms.h"

#include "platform/discord/discord.h"
#include "platform/matrix/matrix.h"
#include "platform/telegram/telegram.h"

const struct kith_platform_factory kith_platform_factories[] = {
    {"discord", kith_discord_enabled, kith_discord_create},
    {"matrix", kith_matrix_enabled, kith_matrix_create},
    {"telegram", kith_telegram_enabled, kith_telegram_create},
    {NULL, NULL, NULL}, /* keeps the array non-empty in C17; never used (count excludes it) */
};

const size_t kith_platform_factory_count = 3;
