/* The table of platform adapters in this build. An adapter adds its factory here. */
#include "platform/platforms.h"

const struct kith_platform_factory kith_platform_factories[] = {
    {NULL, NULL, NULL}, /* keeps the array non-empty in C17; never used (count excludes it) */
};

const size_t kith_platform_factory_count = 0;
