/* Loading, checking and unloading plugins, and the per-plugin context the host table's calls
 * receive: its state, timers and pending completions, all cancelled before dlclose. */
#ifndef KITH_CORE_PLUGIN_HOST_H
#define KITH_CORE_PLUGIN_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include <kith/plugin.h>

struct kith_core;
struct plugin_timer;
struct pending_action;

struct kith_plugin_ctx {
    struct kith_core *core;
    const struct kith_plugin *desc; /* borrowed from the shared object (or built in) */
    void *dl;                       /* dlopen handle; NULL for built-in plugins */
    char *path;                     /* NULL for built-in plugins */
    bool builtin;                   /* always enabled; cannot be disabled */
    bool initialized;
    void *state;
    kith_free_fn free_state;
    struct plugin_timer *timers;    /* live in-memory timers */
    struct pending_action *pending; /* completions not yet delivered */
    uint64_t next_timer_id;
    unsigned calls; /* callbacks of this plugin running now (they nest) */
    bool txn_open;  /* the plugin began a store transaction and has not ended it */
    bool releasing; /* being unloaded: it may not start timers or platform calls */
};

struct kith_plugin_registry {
    struct kith_plugin_ctx **plugins;
    size_t count;
};

/* Checks a descriptor before any of its code runs: ABI major (the message names both
 * versions), size, name syntax, command and setting declarations, migration numbering.
 * On failure writes a one-line reason into err. */
kith_err kith_plugin_check_descriptor(const struct kith_plugin *desc, char *err, size_t size);

/* dlopen(RTLD_NOW|RTLD_LOCAL), descriptor check, duplicate-name and command-clash checks,
 * migrations, init. On failure nothing stays loaded and *error_out explains (free it). */
kith_err kith_plugin_load_file(struct kith_core *core, const char *path, char **error_out);

/* Registers a plugin compiled into kithd (the core commands). */
kith_err kith_plugin_load_builtin(struct kith_core *core, const struct kith_plugin *desc,
                                  char **error_out);

/* shutdown, cancel timers and completions, free state, dlclose. */
void kith_plugin_unload(struct kith_core *core, struct kith_plugin_ctx *ctx);
void kith_plugin_unload_all(struct kith_core *core);

struct kith_plugin_ctx *kith_plugin_find(struct kith_core *core, const char *name);

/* The plugin that declares command `name`, and the declaration; false when none. */
bool kith_plugin_find_command(struct kith_core *core, const char *name,
                              struct kith_plugin_ctx **ctx_out,
                              const struct kith_command_decl **decl_out);

const struct kith_setting_decl *kith_plugin_find_setting(const struct kith_plugin_ctx *ctx,
                                                         const char *key);

#endif
