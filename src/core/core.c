/* The core's lifecycle: building the store, scheduler and plugin registry, starting the
 * platforms, reloading on SIGHUP and stopping gracefully within a bound. */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core_commands.h"
#include "core/enable_cache.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "core/plugin_host.h"
#include "net/http.h"
#include "net/ws.h"
#include "store/core_tables.h"

static int64_t system_clock_ms(void *ud)
{
    (void)ud;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t kith_core_now_ms(const struct kith_core *core)
{
    return core->clock(core->clock_ud);
}

/* A due job goes to its owner's on_job; jobs of plugins not loaded now wait for them. */
static bool fire_job(const struct kith_due_job *due, void *ud)
{
    struct kith_core *core = ud;
    struct kith_plugin_ctx *ctx = kith_plugin_find(core, due->owner);
    if (ctx == NULL || !ctx->initialized)
        return false;
    if (!ctx->builtin && due->job.server_id != NULL) {
        /* A job of a server where the plugin is disabled now waits (stored) until an admin
         * enables it again, which rescans; the plugin never hears of a server it left. */
        bool enabled = false;
        kith_err err = kith_core_plugin_enabled(core, due->job.server_id, due->owner, &enabled);
        if (err != KITH_OK || !enabled) {
            kith_log(KITH_LOG_DEBUG, "scheduler", "job %lld of %s held: %s on %s",
                     (long long)due->job.id, due->owner,
                     err != KITH_OK ? "enablement unknown" : "disabled", due->job.server_id);
            return false;
        }
    }
    if (ctx->desc->on_job == NULL) {
        kith_log(KITH_LOG_WARN, "scheduler",
                 "plugin %s has a due job \"%s\" but no on_job callback; job dropped", due->owner,
                 due->job.kind);
        return true;
    }
    kith_host_call_begin(ctx);
    ctx->desc->on_job(ctx, &due->job);
    kith_host_call_end(ctx);
    return true;
}

kith_err kith_core_new(const struct kith_core_options *opts, struct kith_core **out,
                       char **error_out)
{
    *out = NULL;
    struct kith_core *core = calloc(1, sizeof *core);
    struct kith_plugin_registry *registry = calloc(1, sizeof *registry);
    if (core == NULL || registry == NULL) {
        free(core);
        free(registry);
        return KITH_ERR_NOMEM;
    }
    core->loop = opts->loop;
    core->config = opts->config;
    core->clock = opts->clock ? opts->clock : system_clock_ms;
    core->clock_ud = opts->clock_ud;
    core->plugins = registry;
    core->enabled = kith_enable_cache_new();
    if (core->enabled == NULL) {
        kith_core_free(core);
        return KITH_ERR_NOMEM;
    }

    const struct kith_store_config *sc = &opts->config->store;
    struct kith_store_options store_opts = {
        .busy_timeout_ms = sc->busy_timeout_ms,
        .batch_max_rows = (size_t)(sc->batch_max_rows > 0 ? sc->batch_max_rows : 500),
    };
    kith_err err = kith_store_open(sc->path, &store_opts, &core->store, error_out);
    if (err != KITH_OK) {
        kith_core_free(core);
        return err;
    }

    struct kith_scheduler_options sched_opts = {
        .loop = opts->loop,
        .store = core->store,
        .clock = core->clock,
        .clock_ud = core->clock_ud,
        .fire = fire_job,
        .fire_ud = core,
    };
    err = kith_scheduler_new(&sched_opts, &core->scheduler);
    if (err == KITH_OK)
        err = kith_plugin_load_builtin(core, &kith_core_commands_plugin, error_out);
    if (err != KITH_OK) {
        kith_core_free(core);
        return err;
    }
    *out = core;
    return KITH_OK;
}

kith_err kith_core_add_platform(struct kith_core *core, struct kith_platform *p)
{
    if (core->platform_count == KITH_MAX_PLATFORMS)
        return KITH_ERR_LIMIT;
    if (kith_core_platform(core, p->ops->name) != NULL)
        return KITH_ERR_EXISTS;
    p->core = core;
    core->platforms[core->platform_count++] = p;
    return KITH_OK;
}

struct kith_platform *kith_core_platform(struct kith_core *core, const char *name)
{
    for (size_t i = 0; i < core->platform_count; i++)
        if (strcmp(core->platforms[i]->ops->name, name) == 0)
            return core->platforms[i];
    return NULL;
}

struct kith_http *kith_core_http(struct kith_core *core)
{
    if (core->http == NULL) {
        char agent[64];
        snprintf(agent, sizeof agent, "kith/%s", KITH_VERSION);
        kith_err err = kith_http_new(core->loop, agent, &core->http);
        if (err != KITH_OK)
            kith_log(KITH_LOG_ERROR, "core", "cannot create the HTTP client: %s",
                     kith_strerror(err));
    }
    return core->http;
}

struct kith_ws_context *kith_core_ws(struct kith_core *core)
{
    if (core->ws == NULL) {
        kith_err err = kith_ws_context_new(core->loop, &core->ws);
        if (err != KITH_OK)
            kith_log(KITH_LOG_ERROR, "core", "cannot create the websocket context: %s",
                     kith_strerror(err));
    }
    return core->ws;
}

static int platform_index(const struct kith_core *core, const char *name)
{
    for (size_t i = 0; i < core->platform_count; i++)
        if (strcmp(core->platforms[i]->ops->name, name) == 0)
            return (int)i;
    return -1;
}

kith_err kith_core_set_bot_username(struct kith_core *core, const char *platform,
                                    const char *username)
{
    int i = platform_index(core, platform);
    if (i < 0)
        return KITH_ERR_NOT_FOUND;
    char *copy = username ? strdup(username) : NULL;
    if (username != NULL && copy == NULL)
        return KITH_ERR_NOMEM;
    free(core->bot_usernames[i]);
    core->bot_usernames[i] = copy;
    return KITH_OK;
}

const char *kith_core_bot_username(const struct kith_core *core, const char *platform)
{
    int i = platform_index(core, platform);
    return i < 0 ? NULL : core->bot_usernames[i];
}

kith_err kith_core_load_plugin(struct kith_core *core, const char *path, char **error_out)
{
    kith_err err = kith_plugin_load_file(core, path, error_out);
    if (err == KITH_OK && core->started)
        kith_scheduler_rescan(core->scheduler);
    return err;
}

static kith_err load_listed_plugins(struct kith_core *core, const struct kith_config *cfg,
                                    char **error_out)
{
    for (size_t i = 0; i < cfg->plugins.load_count; i++) {
        const char *name = cfg->plugins.load[i];
        if (kith_plugin_find(core, name) != NULL)
            continue;
        size_t n = strlen(cfg->plugins.dir) + strlen(name) + 5;
        char *path = malloc(n);
        if (path == NULL)
            return KITH_ERR_NOMEM;
        snprintf(path, n, "%s/%s.so", cfg->plugins.dir, name);
        kith_err err = kith_core_load_plugin(core, path, error_out);
        free(path);
        if (err != KITH_OK)
            return err;
        kith_log(KITH_LOG_INFO, "core", "plugin %s loaded", name);
    }
    return KITH_OK;
}

kith_err kith_core_load_configured_plugins(struct kith_core *core, char **error_out)
{
    return load_listed_plugins(core, core->config, error_out);
}

static void flush_tick(uv_timer_t *timer)
{
    struct kith_core *core = timer->data;
    kith_err err = kith_store_flush(core->store);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "store", "flushing buffered writes failed: %s",
                 kith_strerror(err));
}

static void free_handle(uv_handle_t *handle)
{
    free(handle);
}

static void close_timer(uv_timer_t **slot)
{
    if (*slot == NULL)
        return;
    uv_timer_stop(*slot);
    uv_close((uv_handle_t *)*slot, free_handle);
    *slot = NULL;
}

kith_err kith_core_start(struct kith_core *core)
{
    kith_err err = kith_scheduler_start(core->scheduler);
    if (err != KITH_OK)
        return err;
    core->flush_timer = malloc(sizeof *core->flush_timer);
    if (core->flush_timer == NULL)
        return KITH_ERR_NOMEM;
    uv_timer_init(core->loop, core->flush_timer);
    core->flush_timer->data = core;
    uint64_t interval =
        (uint64_t)(core->config->store.batch_interval_ms > 0 ? core->config->store.batch_interval_ms
                                                             : 1000);
    uv_timer_start(core->flush_timer, flush_tick, interval, interval);
    uv_unref((uv_handle_t *)core->flush_timer);

    for (size_t i = 0; i < core->platform_count; i++) {
        struct kith_platform *p = core->platforms[i];
        err = p->ops->start(p);
        if (err != KITH_OK) {
            kith_log(KITH_LOG_ERROR, "core", "platform %s failed to start: %s", p->ops->name,
                     kith_strerror(err));
            return err;
        }
        core->platforms_running++;
    }
    core->started = true;
    return KITH_OK;
}

/* The servers where a plugin that came or went is enabled get their command lists again
 * (Discord's slash commands, Telegram's menu). */
static void plugin_commands_changed(struct kith_core *core, const char *plugin)
{
    char **servers = NULL;
    size_t count = 0;
    kith_err err = kith_db_plugin_enabled_servers(core->store, plugin, &servers, &count);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "core", "cannot list the servers of plugin %s: %s", plugin,
                 kith_strerror(err));
        return;
    }
    for (size_t i = 0; i < count; i++)
        kith_core_commands_changed(core, servers[i]);
    kith_db_free_ids(servers, count);
}

static bool listed(const struct kith_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->plugins.load_count; i++)
        if (strcmp(cfg->plugins.load[i], name) == 0)
            return true;
    return false;
}

/* Plugins taken out of plugins.load are unloaded (their timers and pending calls cancelled
 * first); their stored jobs, settings and tables stay for when they come back. */
static void unload_unlisted_plugins(struct kith_core *core, const struct kith_config *cfg)
{
    for (size_t i = core->plugins->count; i-- > 0;) {
        struct kith_plugin_ctx *ctx = core->plugins->plugins[i];
        if (ctx->builtin || listed(cfg, ctx->desc->name))
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s", ctx->desc->name);
        kith_plugin_unload(core, ctx);
        kith_log(KITH_LOG_INFO, "core", "plugin %s unloaded: no longer in plugins.load", name);
        plugin_commands_changed(core, name);
    }
}

static void load_new_plugins(struct kith_core *core, const struct kith_config *cfg)
{
    for (size_t i = 0; i < cfg->plugins.load_count; i++) {
        const char *name = cfg->plugins.load[i];
        if (kith_plugin_find(core, name) != NULL)
            continue;
        struct kith_config one = *cfg;
        one.plugins.load = &cfg->plugins.load[i];
        one.plugins.load_count = 1;
        char *error = NULL;
        kith_err err = load_listed_plugins(core, &one, &error);
        if (err != KITH_OK) {
            kith_log(KITH_LOG_ERROR, "core", "reload: %s", error ? error : kith_strerror(err));
            free(error);
            continue;
        }
        plugin_commands_changed(core, name);
    }
}

kith_err kith_core_reload(struct kith_core *core, const struct kith_config *new_cfg)
{
    core->config = new_cfg;
    kith_log_set_level(new_cfg->log.level);
    unload_unlisted_plugins(core, new_cfg);
    load_new_plugins(core, new_cfg);
    for (size_t i = 0; i < core->plugins->count; i++) {
        struct kith_plugin_ctx *ctx = core->plugins->plugins[i];
        if (ctx->initialized && ctx->desc->on_settings != NULL) {
            kith_host_call_begin(ctx);
            ctx->desc->on_settings(ctx, NULL);
            kith_host_call_end(ctx);
        }
    }
    kith_log(KITH_LOG_INFO, "core", "configuration reloaded from %s",
             new_cfg->path ? new_cfg->path : "(memory)");
    return KITH_OK;
}

/* The last step of a stop: everything the plugins own is cancelled before they unload. */
static void finish_stop(struct kith_core *core)
{
    close_timer(&core->shutdown_timer);
    kith_plugin_unload_all(core);
    kith_err err = kith_store_flush(core->store);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "store", "final flush failed: %s", kith_strerror(err));
    kith_core_stopped_fn stopped = core->on_stopped;
    core->on_stopped = NULL;
    if (stopped != NULL)
        stopped(core, core->on_stopped_ud);
}

static void shutdown_timeout(uv_timer_t *timer)
{
    struct kith_core *core = timer->data;
    kith_log(KITH_LOG_WARN, "core", "%zu platform(s) did not stop in time; stopping anyway",
             core->platforms_running);
    core->platforms_running = 0;
    finish_stop(core);
}

static void finish_tick(uv_timer_t *timer)
{
    finish_stop(timer->data);
}

/* The stop finishes on a fresh loop turn, never inside the adapter (or kith_core_stop) that
 * reported the last platform stopped: the stopped callback may free the core, as kithd's does. */
static void finish_soon(struct kith_core *core)
{
    uv_timer_start(core->shutdown_timer, finish_tick, 0, 0);
}

void kith_core_platform_stopped(struct kith_core *core, struct kith_platform *p)
{
    kith_log(KITH_LOG_INFO, "core", "platform %s stopped", p->ops->name);
    if (!core->stopping || core->platforms_running == 0 || core->shutdown_timer == NULL)
        return;
    if (--core->platforms_running == 0)
        finish_soon(core);
}

void kith_core_stop(struct kith_core *core, uint64_t timeout_ms, kith_core_stopped_fn stopped,
                    void *ud)
{
    if (core->stopping)
        return;
    core->stopping = true;
    core->on_stopped = stopped;
    core->on_stopped_ud = ud;
    kith_log(KITH_LOG_INFO, "core", "stopping: intake closed");
    core->shutdown_timer = malloc(sizeof *core->shutdown_timer);
    if (core->shutdown_timer == NULL) {
        kith_log(KITH_LOG_ERROR, "core", "out of memory: stopping without waiting for platforms");
        core->platforms_running = 0;
        finish_stop(core);
        return;
    }
    uv_timer_init(core->loop, core->shutdown_timer);
    core->shutdown_timer->data = core;
    if (core->platforms_running == 0) {
        finish_soon(core);
        return;
    }
    uv_timer_start(core->shutdown_timer, shutdown_timeout, timeout_ms, 0);
    for (size_t i = 0; i < core->platform_count; i++)
        core->platforms[i]->ops->stop(core->platforms[i]);
}

void kith_core_free(struct kith_core *core)
{
    if (core == NULL)
        return;
    core->stopping = true; /* plugins still called below (completions, shutdown) start nothing */
    close_timer(&core->flush_timer);
    close_timer(&core->shutdown_timer);
    for (size_t i = 0; i < core->platform_count; i++) {
        core->platforms[i]->ops->destroy(core->platforms[i]);
        free(core->bot_usernames[i]);
    }
    core->platform_count = 0; /* gone: a plugin's shutdown must not find them */
    /* After the adapters: their pending requests are cancelled here at the latest. */
    kith_http_free(core->http);
    kith_ws_context_free(core->ws);
    if (core->plugins != NULL) {
        kith_plugin_unload_all(core);
        free(core->plugins->plugins);
        free(core->plugins);
    }
    kith_scheduler_free(core->scheduler);
    kith_store_close(core->store);
    kith_enable_cache_free(core->enabled);
    free(core);
}

kith_err kith_core_server_commands(struct kith_core *core, const char *server_id,
                                   const struct kith_command_decl ***commands_out,
                                   size_t *count_out)
{
    *commands_out = NULL;
    *count_out = 0;
    size_t total = 0;
    for (size_t i = 0; i < core->plugins->count; i++)
        total += core->plugins->plugins[i]->desc->command_count;
    const struct kith_command_decl **list = calloc(total ? total : 1, sizeof *list);
    if (list == NULL)
        return KITH_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < core->plugins->count; i++) {
        struct kith_plugin_ctx *ctx = core->plugins->plugins[i];
        bool enabled = ctx->builtin;
        if (!enabled && server_id != NULL) {
            kith_err err = kith_core_plugin_enabled(core, server_id, ctx->desc->name, &enabled);
            if (err != KITH_OK) {
                free(list);
                return err;
            }
        }
        for (size_t c = 0; enabled && c < ctx->desc->command_count; c++)
            list[n++] = &ctx->desc->commands[c];
    }
    *commands_out = list;
    *count_out = n;
    return KITH_OK;
}

kith_err kith_core_plugin_enabled(struct kith_core *core, const char *server_id, const char *plugin,
                                  bool *enabled_out)
{
    if (kith_enable_cache_get(core->enabled, server_id, plugin, enabled_out))
        return KITH_OK;
    kith_err err = kith_db_plugin_enabled(core->store, server_id, plugin, enabled_out);
    if (err == KITH_OK)
        kith_enable_cache_put(core->enabled, server_id, plugin, *enabled_out);
    return err;
}

void kith_core_enablement_changed(struct kith_core *core)
{
    kith_enable_cache_clear(core->enabled);
}

void kith_core_commands_changed(struct kith_core *core, const char *server_id)
{
    char platform[32];
    if (!kith_id_platform(server_id, platform, sizeof platform))
        return;
    struct kith_platform *p = kith_core_platform(core, platform);
    if (p == NULL || p->ops->register_commands == NULL)
        return;
    const struct kith_command_decl **commands;
    size_t count;
    if (kith_core_server_commands(core, server_id, &commands, &count) != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "core", "cannot list commands of %s", server_id);
        return;
    }
    kith_err err = p->ops->register_commands(p, server_id, commands, count);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "core", "registering commands on %s failed: %s", server_id,
                 kith_strerror(err));
    free(commands);
}

/* The length of id's platform prefix ("discord" in "discord:123"), 0 when it has none. Only
 * a name can be a prefix: Matrix's own ids ("!room:example.org", "@bob:example.org") hold a
 * colon too, and unprefixed they must stay whole. */
static size_t prefix_length(const char *id)
{
    if (id == NULL || id[0] < 'a' || id[0] > 'z')
        return 0;
    size_t n = 1;
    while ((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= '0' && id[n] <= '9') || id[n] == '_')
        n++;
    return id[n] == ':' ? n : 0;
}

bool kith_id_platform(const char *id, char *buf, size_t size)
{
    size_t n = prefix_length(id);
    if (n == 0 || n >= size)
        return false;
    memcpy(buf, id, n);
    buf[n] = '\0';
    return true;
}

const char *kith_id_local(const char *id)
{
    size_t n = prefix_length(id);
    return n > 0 ? id + n + 1 : id;
}

void kith_core_server_moved(struct kith_core *core, const char *from_id, const char *to_id)
{
    kith_core_enablement_changed(core); /* the store changed beneath the cache */
    for (size_t i = 0; i < core->plugins->count; i++) {
        struct kith_plugin_ctx *ctx = core->plugins->plugins[i];
        if (!ctx->initialized || !KITH_PLUGIN_HAS(ctx->desc, on_server_moved))
            continue;
        kith_host_call_begin(ctx);
        ctx->desc->on_server_moved(ctx, from_id, to_id);
        kith_host_call_end(ctx);
    }
    kith_core_commands_changed(core, to_id);
}
