/* Admin changes (see admin.h): one path for each, so commands, plugins and the dashboard
 * validate and audit alike. */
#include "core/admin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/enable_cache.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "core/plugin_host.h"
#include "core/settings.h"

static kith_err fail(char **error_out, kith_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static kith_err fail(char **error_out, kith_err err, const char *fmt, ...)
{
    if (error_out != NULL) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(error_out, fmt, ap) < 0)
            *error_out = NULL;
        va_end(ap);
    }
    return err;
}

static kith_err store_failed(char **error_out, kith_err err)
{
    kith_log(KITH_LOG_ERROR, "admin", "store error: %s", kith_strerror(err));
    return fail(error_out, err, "Saving the change failed (%s); nothing was changed.",
                kith_strerror(err));
}

static kith_err audit(struct kith_core *core, const struct kith_audit_entry *entry)
{
    kith_err err = kith_db_audit_append(core->store, entry);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "admin", "audit log write failed for %s on %s: %s", entry->action,
                 entry->server_id, kith_strerror(err));
    return err;
}

/* Ends a change begun with kith_store_change_begin: a change and its audit entry are stored
 * together (err OK and the commit works) or not at all. */
static kith_err change_finish(struct kith_core *core, kith_err err)
{
    if (err != KITH_OK) {
        kith_store_change_undo(core->store);
        return err;
    }
    return kith_store_change_end(core->store);
}

kith_err kith_admin_set_enabled(struct kith_core *core, const char *server_id, const char *plugin,
                                bool enabled, const char *actor_id, char **error_out)
{
    struct kith_plugin_ctx *ctx = kith_plugin_find(core, plugin);
    if (ctx == NULL)
        return fail(error_out, KITH_ERR_NOT_FOUND,
                    "There is no plugin called \"%s\". /kith plugins lists them.", plugin);
    if (ctx->builtin)
        return fail(error_out, KITH_ERR_INVALID, "\"%s\" is part of kith and always on.", plugin);
    bool current = false;
    kith_err err = kith_core_plugin_enabled(core, server_id, plugin, &current);
    if (err != KITH_OK)
        return store_failed(error_out, err);
    if (current == enabled)
        return fail(error_out, KITH_ERR_EXISTS, "%s is already %s here.", plugin,
                    enabled ? "enabled" : "disabled");
    err = kith_store_change_begin(core->store);
    if (err == KITH_OK) {
        int64_t now = kith_core_now_ms(core);
        err = kith_db_plugin_set_enabled(core->store, server_id, plugin, enabled, now);
        if (err == KITH_OK)
            err = audit(core, &(struct kith_audit_entry){.server_id = server_id,
                                                         .actor_id = actor_id ? actor_id : plugin,
                                                         .action = enabled ? "plugin.enable"
                                                                           : "plugin.disable",
                                                         .target = plugin,
                                                         .before = current ? "enabled" : "disabled",
                                                         .after = enabled ? "enabled" : "disabled",
                                                         .at_ms = now});
        err = change_finish(core, err);
    }
    if (err != KITH_OK) {
        kith_core_enablement_changed(core); /* the store's answer is uncertain now */
        return store_failed(error_out, err);
    }
    kith_enable_cache_put(core->enabled, server_id, plugin, enabled);
    kith_log(KITH_LOG_INFO, "admin", "%s %s plugin %s on %s", actor_id ? actor_id : "-",
             enabled ? "enabled" : "disabled", plugin, server_id);
    if (ctx->initialized && ctx->desc->on_enable != NULL) {
        kith_host_call_begin(ctx);
        ctx->desc->on_enable(ctx, server_id, enabled);
        kith_host_call_end(ctx);
    }
    kith_core_commands_changed(core, server_id);
    if (enabled && core->started)
        kith_scheduler_rescan(core->scheduler); /* jobs held while it was disabled */
    return KITH_OK;
}

/* "Unknown setting" with the keys the plugin has, so the admin sees the right spelling. */
static kith_err unknown_key(const struct kith_plugin_ctx *ctx, const char *key, char **error_out)
{
    char keys[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < ctx->desc->setting_count && used < sizeof keys; i++)
        used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", i ? ", " : "",
                                 ctx->desc->settings[i].key);
    if (ctx->desc->setting_count == 0)
        return fail(error_out, KITH_ERR_NOT_FOUND, "%s has no settings.", ctx->desc->name);
    return fail(error_out, KITH_ERR_NOT_FOUND, "%s has no setting \"%s\". Its settings: %s.",
                ctx->desc->name, key, keys);
}

/* The current value of a setting in display form (stored or default); NULL when unset. */
static char *current_display(struct kith_core *core, const struct kith_setting_decl *decl,
                             const char *server_id, const char *plugin)
{
    char *stored = NULL;
    if (kith_db_setting_get(core->store, server_id, plugin, decl->key, &stored) != KITH_OK)
        return decl->default_value ? strdup(decl->default_value) : NULL;
    char *shown = kith_setting_display(decl, stored);
    free(stored);
    return shown;
}

/* The plugin's own check of a value (ABI 1.1 validate_setting), when it has one. */
static bool plugin_accepts(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                           const char *value, char *why, size_t why_size)
{
    if (!ctx->initialized || !KITH_PLUGIN_HAS(ctx->desc, validate_setting))
        return true;
    snprintf(why, why_size, "The %s plugin refused that value for %s.", ctx->desc->name, key);
    char reason[512] = "";
    kith_host_call_begin(ctx);
    bool ok = ctx->desc->validate_setting(ctx, server_id, key, value, reason, sizeof reason);
    kith_host_call_end(ctx);
    if (!ok && reason[0] != '\0')
        snprintf(why, why_size, "%s", reason);
    return ok;
}

kith_err kith_admin_change_setting(struct kith_core *core, const struct kith_setting_change *c,
                                   char **error_out)
{
    struct kith_plugin_ctx *ctx = kith_plugin_find(core, c->plugin);
    if (ctx == NULL)
        return fail(error_out, KITH_ERR_NOT_FOUND,
                    "There is no plugin called \"%s\". /kith plugins lists them.", c->plugin);
    const struct kith_setting_decl *decl = kith_plugin_find_setting(ctx, c->key);
    if (decl == NULL)
        return unknown_key(ctx, c->key, error_out);
    if (c->server_id == NULL)
        return fail(error_out, KITH_ERR_INVALID, "Settings belong to a server.");

    char *normalized = NULL;
    if (c->value != NULL) {
        char platform[32], reason[512];
        bool prefixed = kith_id_platform(c->server_id, platform, sizeof platform);
        kith_err err = kith_setting_validate(decl, prefixed ? platform : NULL, c->value,
                                             &normalized, reason, sizeof reason);
        if (err != KITH_OK)
            return fail(error_out, err, "%s", err == KITH_ERR_NOMEM ? "Out of memory." : reason);
        if (!plugin_accepts(ctx, c->server_id, decl->key, normalized, reason, sizeof reason)) {
            free(normalized);
            return fail(error_out, KITH_ERR_INVALID, "%s", reason);
        }
    }
    char *before = current_display(core, decl, c->server_id, c->plugin);
    char *after = NULL;
    kith_err err = kith_store_change_begin(core->store);
    if (err == KITH_OK) {
        int64_t now = kith_core_now_ms(core);
        err = kith_db_setting_set(core->store, c->server_id, c->plugin, c->key, normalized, now);
        after = err == KITH_OK ? current_display(core, decl, c->server_id, c->plugin) : NULL;
        char target[80];
        snprintf(target, sizeof target, "%s.%s", c->plugin, c->key);
        if (err == KITH_OK)
            err = audit(core, &(struct kith_audit_entry){
                                  .server_id = c->server_id,
                                  .actor_id = c->actor_id ? c->actor_id : c->plugin,
                                  .action = c->value ? "setting.set" : "setting.reset",
                                  .target = target,
                                  .before = before,
                                  .after = after,
                                  .at_ms = now});
        err = change_finish(core, err);
    }
    free(before);
    free(after);
    free(normalized);
    if (err != KITH_OK)
        return store_failed(error_out, err);
    if (ctx->initialized && ctx->desc->on_settings != NULL) {
        kith_host_call_begin(ctx);
        ctx->desc->on_settings(ctx, c->server_id);
        kith_host_call_end(ctx);
    }
    return KITH_OK;
}

kith_err kith_admin_set_manager(struct kith_core *core, const char *server_id,
                                kith_manager_kind kind, const char *subject_id, bool add,
                                const char *actor_id, char **error_out)
{
    const char *what = kind == KITH_MANAGER_ROLE ? "role" : "user";
    kith_err err = kith_store_change_begin(core->store);
    if (err == KITH_OK) {
        int64_t now = kith_core_now_ms(core);
        err = add ? kith_db_manager_add(core->store, server_id, kind, subject_id, now)
                  : kith_db_manager_remove(core->store, server_id, kind, subject_id);
        if (err == KITH_OK)
            err = audit(core,
                        &(struct kith_audit_entry){.server_id = server_id,
                                                   .actor_id = actor_id ? actor_id : "kith",
                                                   .action = add ? "manager.add" : "manager.remove",
                                                   .target = subject_id,
                                                   .before = add ? NULL : what,
                                                   .after = add ? what : NULL,
                                                   .at_ms = now});
        err = change_finish(core, err);
    }
    if (err == KITH_ERR_EXISTS)
        return fail(error_out, err, "That %s is already a manager here.", what);
    if (err == KITH_ERR_NOT_FOUND)
        return fail(error_out, err, "That %s is not a manager here.", what);
    if (err != KITH_OK)
        return store_failed(error_out, err);
    return KITH_OK;
}
