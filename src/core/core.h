/* The core: the store, scheduler, loaded plugins and platform adapters of one kithd, and the
 * lifecycle that ties them together (start, reload, graceful stop). */
#ifndef KITH_CORE_CORE_H
#define KITH_CORE_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include <kith/plugin.h>

#include "core/config.h"
#include "core/platform.h"
#include "core/scheduler.h"
#include "store/store.h"

#define KITH_MAX_PLATFORMS 8

struct kith_plugin_registry; /* core/plugin_host.h */
struct kith_http;            /* net/http.h */
struct kith_ws_context;      /* net/ws.h */
struct kith_enable_cache;    /* core/enable_cache.h */

struct kith_core_options {
    uv_loop_t *loop;
    const struct kith_config *config; /* borrowed; must outlive the core or be replaced */
    kith_clock_fn clock;              /* NULL: the system clock (tests pass a fake one) */
    void *clock_ud;
};

typedef void (*kith_core_stopped_fn)(struct kith_core *core, void *ud);

struct kith_core {
    uv_loop_t *loop;
    const struct kith_config *config;
    struct kith_store *store;
    struct kith_scheduler *scheduler;
    struct kith_plugin_registry *plugins;
    struct kith_enable_cache *enabled; /* which plugin is on where, mirrored from the store */
    struct kith_platform *platforms[KITH_MAX_PLATFORMS];
    char *bot_usernames[KITH_MAX_PLATFORMS]; /* by platform index; NULL when unknown */
    size_t platform_count;
    kith_clock_fn clock;
    void *clock_ud;
    struct kith_http *http;     /* created on first use by an adapter */
    struct kith_ws_context *ws; /* created on first use by an adapter */
    uv_timer_t *flush_timer;    /* batched writes; closed asynchronously */
    uv_timer_t *shutdown_timer; /* bounds a graceful stop */
    bool started;
    bool stopping; /* intake closed: events are dropped */
    size_t platforms_running;
    kith_core_stopped_fn on_stopped;
    void *on_stopped_ud;
};

/* Opens the store (applying the core schema) and loads the built-in core commands. On error
 * *error_out (if non-NULL) receives a message to free(). */
kith_err kith_core_new(const struct kith_core_options *opts, struct kith_core **out,
                       char **error_out);

/* The core takes ownership of p (destroyed by kith_core_free). */
kith_err kith_core_add_platform(struct kith_core *core, struct kith_platform *p);

/* Loads `<plugins.dir>/<name>.so` for every name in the config's plugins.load. Stops at the
 * first refusal with a message naming the plugin and the reason. */
kith_err kith_core_load_configured_plugins(struct kith_core *core, char **error_out);

/* Loads one plugin from a path (tests, and the configured list). */
kith_err kith_core_load_plugin(struct kith_core *core, const char *path, char **error_out);

/* Starts the scheduler (firing jobs that came due while stopped), the batched-write timer and
 * the platforms. */
kith_err kith_core_start(struct kith_core *core);

/* Applies a new configuration (SIGHUP): log level, newly listed plugins loaded, plugins no
 * longer listed unloaded, command menus of their servers registered again, plugin settings
 * re-read. Connections stay up. A plugin that fails to load is logged and skipped. new_cfg is
 * borrowed like the original. */
kith_err kith_core_reload(struct kith_core *core, const struct kith_config *new_cfg);

/* Graceful stop: closes intake, stops the platforms (bounded by timeout_ms), unloads plugins,
 * flushes the store; then calls stopped, always from a loop callback of its own (never from
 * inside this call or an adapter's), so stopped may free the core. */
void kith_core_stop(struct kith_core *core, uint64_t timeout_ms, kith_core_stopped_fn stopped,
                    void *ud);

/* Releases everything; handles close on the next loop iteration(s). Safe with NULL. */
void kith_core_free(struct kith_core *core);

int64_t kith_core_now_ms(const struct kith_core *core);

/* The shared HTTP client and websocket context on the core's loop, created on first use
 * (adapters call these in start); NULL when creation failed (logged). Owned by the core. */
struct kith_http *kith_core_http(struct kith_core *core);
struct kith_ws_context *kith_core_ws(struct kith_core *core);

/* Whether a plugin is enabled on a server (built-in plugins always are). Cached. */
kith_err kith_core_plugin_enabled(struct kith_core *core, const char *server_id, const char *plugin,
                                  bool *enabled_out);
/* Drops cached enablement after changes made to the store directly (server id migration). */
void kith_core_enablement_changed(struct kith_core *core);

/* The adapter for a platform name ("discord"), or NULL. */
struct kith_platform *kith_core_platform(struct kith_core *core, const char *name);

/* The bot's user name on a platform (see kith_core_set_bot_username), or NULL. */
const char *kith_core_bot_username(const struct kith_core *core, const char *platform);

/* The commands enabled on a server (core commands first), for registration and /help. The
 * array is malloc'd (free it); the declarations are borrowed from the plugins. */
kith_err kith_core_server_commands(struct kith_core *core, const char *server_id,
                                   const struct kith_command_decl ***commands_out,
                                   size_t *count_out);

/* Tells every platform the command set of a server changed. */
void kith_core_commands_changed(struct kith_core *core, const char *server_id);

/* After kith_store_migrate_server moved a server's core rows: tells every plugin (ABI 1.1
 * on_server_moved) so it moves its own, and drops what the core cached about the server. */
void kith_core_server_moved(struct kith_core *core, const char *from_id, const char *to_id);

#endif
