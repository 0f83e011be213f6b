/* Admin changes — enabling plugins, changing settings, naming managers — validated, stored,
 * written to the audit log and announced to the plugins, whichever way they were asked for
 * (a command, a plugin, later the dashboard). */
#ifndef KITH_CORE_ADMIN_H
#define KITH_CORE_ADMIN_H

#include <stdbool.h>

#include <kith/plugin.h>

#include "store/core_tables.h"

struct kith_core;

/* Every *error_out below is a user-facing sentence (malloc'd; free it), set on failure. */

/* KITH_ERR_NOT_FOUND: no such plugin; KITH_ERR_INVALID: a built-in that cannot be toggled;
 * KITH_ERR_EXISTS: already in that state (nothing written). */
kith_err kith_admin_set_enabled(struct kith_core *core, const char *server_id, const char *plugin,
                                bool enabled, const char *actor_id, char **error_out);

struct kith_setting_change {
    const char *server_id;
    const char *plugin;
    const char *key;
    const char *value;    /* NULL: back to the default */
    const char *actor_id; /* NULL when the plugin itself changed it */
};

/* Validates against the plugin's schema, stores the normalised value, audits, and calls the
 * plugin's on_settings. */
kith_err kith_admin_change_setting(struct kith_core *core, const struct kith_setting_change *c,
                                   char **error_out);

kith_err kith_admin_set_manager(struct kith_core *core, const char *server_id,
                                kith_manager_kind kind, const char *subject_id, bool add,
                                const char *actor_id, char **error_out);

#endif
