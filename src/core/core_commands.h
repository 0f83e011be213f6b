/* The commands kithd always has: /kith plugins|enable|disable|config|managers and /help.
 * They are a built-in plugin, declared and dispatched like any other. */
#ifndef KITH_CORE_CORE_COMMANDS_H
#define KITH_CORE_CORE_COMMANDS_H

#include <kith/plugin.h>

#define KITH_CORE_PLUGIN_NAME "kith"

extern const struct kith_plugin kith_core_commands_plugin;

#endif
