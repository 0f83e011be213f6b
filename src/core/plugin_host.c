/* Loading plugins: dlopen, the descriptor checks that run before any plugin code, duplicate
 * and clash refusal, migrations and init; and unloading in the safe order (shutdown, cancel
 * timers and completions, free state, then dlclose). */
#include "core/plugin_host.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "core/settings.h"
#include "store/plugin_db.h"

/* Formats a malloc'd error message for *error_out (NULL error_out: just logs nothing). */
static void set_error(char **error_out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(char **error_out, const char *fmt, ...)
{
    if (error_out == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(error_out, fmt, ap) < 0)
        *error_out = NULL;
    va_end(ap);
}

static bool valid_name(const char *name, size_t max, bool allow_dash)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > max)
        return false;
    for (const char *c = name; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
                  (allow_dash && *c == '-');
        if (!ok)
            return false;
    }
    return true;
}

/* A count with no table behind it would make the host read from address 0. */
static bool table_present(const char *where, const void *table, size_t count, const char *what,
                          char *err, size_t size)
{
    if (count == 0 || table != NULL)
        return true;
    snprintf(err, size, "%s: %zu %s(s) but no table of them", where, count, what);
    return false;
}

static bool check_options(const char *where, const struct kith_option_decl *options, size_t n,
                          char *err, size_t size)
{
    if (!table_present(where, options, n, "option", err, size))
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct kith_option_decl *o = &options[i];
        if (!valid_name(o->name, 32, true)) {
            snprintf(err, size, "%s: option %zu has an invalid name", where, i + 1);
            return false;
        }
        if (o->type < KITH_OPT_STRING || o->type > KITH_OPT_DURATION) {
            snprintf(err, size, "%s: option \"%s\" has an unknown type %d", where, o->name,
                     (int)o->type);
            return false;
        }
        if ((o->flags & (KITH_OPTF_VARIADIC | KITH_OPTF_REST)) && i + 1 != n) {
            snprintf(err, size, "%s: option \"%s\" takes the rest of the line, so it must be last",
                     where, o->name);
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(options[j].name, o->name) == 0) {
                snprintf(err, size, "%s: option \"%s\" is declared twice", where, o->name);
                return false;
            }
        }
    }
    return true;
}

static bool check_command(const struct kith_command_decl *c, char *err, size_t size)
{
    if (!valid_name(c->name, 32, false)) {
        snprintf(err, size, "command \"%s\" has an invalid name (want [a-z0-9_]{1,32})",
                 c->name ? c->name : "(null)");
        return false;
    }
    if (c->description == NULL || c->description[0] == '\0') {
        snprintf(err, size, "command /%s has no description", c->name);
        return false;
    }
    char where[64];
    snprintf(where, sizeof where, "command /%s", c->name);
    if (!check_options(where, c->options, c->option_count, err, size) ||
        !table_present(where, c->subcommands, c->subcommand_count, "subcommand", err, size))
        return false;
    for (size_t s = 0; s < c->subcommand_count; s++) {
        const struct kith_subcommand_decl *sub = &c->subcommands[s];
        if (!valid_name(sub->name, 32, true) || sub->description == NULL) {
            snprintf(err, size, "command /%s: subcommand %zu needs a valid name and description",
                     c->name, s + 1);
            return false;
        }
        for (size_t t = 0; t < s; t++) {
            if (strcmp(c->subcommands[t].name, sub->name) == 0) {
                snprintf(err, size, "command /%s: subcommand \"%s\" is declared twice", c->name,
                         sub->name);
                return false;
            }
        }
        snprintf(where, sizeof where, "command /%s %s", c->name, sub->name);
        if (!check_options(where, sub->options, sub->option_count, err, size))
            return false;
    }
    return true;
}

static bool check_settings(const struct kith_plugin *desc, char *err, size_t size)
{
    for (size_t i = 0; i < desc->setting_count; i++) {
        const struct kith_setting_decl *s = &desc->settings[i];
        if (!valid_name(s->key, 32, false)) {
            snprintf(err, size, "setting %zu has an invalid key (want [a-z0-9_]{1,32})", i + 1);
            return false;
        }
        if (s->type < KITH_SETTING_STRING || s->type > KITH_SETTING_ROLE ||
            (s->type == KITH_SETTING_ENUM && (s->choices == NULL || s->choices[0] == NULL))) {
            snprintf(err, size, "setting \"%s\" has an invalid type or no choices", s->key);
            return false;
        }
        if (s->default_value != NULL) {
            char reason[256];
            char *normalized = NULL;
            if (kith_setting_validate(s, NULL, s->default_value, &normalized, reason,
                                      sizeof reason) != KITH_OK) {
                snprintf(err, size, "setting \"%s\": default \"%s\" is invalid: %s", s->key,
                         s->default_value, reason);
                return false;
            }
            free(normalized);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(desc->settings[j].key, s->key) == 0) {
                snprintf(err, size, "setting \"%s\" is declared twice", s->key);
                return false;
            }
        }
    }
    return true;
}

kith_err kith_plugin_check_descriptor(const struct kith_plugin *desc, char *err, size_t size)
{
    if (desc->abi_major != KITH_ABI_MAJOR) {
        snprintf(err, size,
                 "built for plugin ABI %u.%u, but this kithd provides ABI %d.%d; rebuild the "
                 "plugin against this kithd's include/kith",
                 desc->abi_major, desc->abi_minor, KITH_ABI_MAJOR, KITH_ABI_MINOR);
        return KITH_ERR_VERSION;
    }
    if (desc->size < KITH_PLUGIN_SIZE_1_0) {
        snprintf(err, size, "descriptor size %u is smaller than ABI %d.0's %zu", desc->size,
                 KITH_ABI_MAJOR, (size_t)KITH_PLUGIN_SIZE_1_0);
        return KITH_ERR_VERSION;
    }
    if (!valid_name(desc->name, 32, false) || desc->name[0] < 'a' || desc->name[0] > 'z') {
        snprintf(err, size, "plugin name \"%s\" is invalid (want [a-z][a-z0-9_]{0,31})",
                 desc->name ? desc->name : "(null)");
        return KITH_ERR_INVALID;
    }
    if (desc->init == NULL && desc->on_event == NULL) {
        snprintf(err, size, "plugin \"%s\" has neither init nor on_event", desc->name);
        return KITH_ERR_INVALID;
    }
    char where[48];
    snprintf(where, sizeof where, "plugin \"%s\"", desc->name);
    if (!table_present(where, desc->commands, desc->command_count, "command", err, size) ||
        !table_present(where, desc->settings, desc->setting_count, "setting", err, size) ||
        !table_present(where, desc->migrations, desc->migration_count, "migration", err, size))
        return KITH_ERR_INVALID;
    for (size_t i = 0; i < desc->command_count; i++)
        if (!check_command(&desc->commands[i], err, size))
            return KITH_ERR_INVALID;
    if (!check_settings(desc, err, size))
        return KITH_ERR_INVALID;
    for (size_t i = 0; i < desc->migration_count; i++) {
        if (desc->migrations[i].version != (int)i + 1 || desc->migrations[i].sql == NULL) {
            snprintf(err, size, "migration %zu is numbered %d; migrations must be 1, 2, 3...",
                     i + 1, desc->migrations[i].version);
            return KITH_ERR_INVALID;
        }
    }
    return KITH_OK;
}

struct kith_plugin_ctx *kith_plugin_find(struct kith_core *core, const char *name)
{
    for (size_t i = 0; i < core->plugins->count; i++)
        if (strcmp(core->plugins->plugins[i]->desc->name, name) == 0)
            return core->plugins->plugins[i];
    return NULL;
}

bool kith_plugin_find_command(struct kith_core *core, const char *name,
                              struct kith_plugin_ctx **ctx_out,
                              const struct kith_command_decl **decl_out)
{
    for (size_t i = 0; i < core->plugins->count; i++) {
        struct kith_plugin_ctx *ctx = core->plugins->plugins[i];
        for (size_t c = 0; c < ctx->desc->command_count; c++) {
            if (strcmp(ctx->desc->commands[c].name, name) == 0) {
                *ctx_out = ctx;
                *decl_out = &ctx->desc->commands[c];
                return true;
            }
        }
    }
    return false;
}

const struct kith_setting_decl *kith_plugin_find_setting(const struct kith_plugin_ctx *ctx,
                                                         const char *key)
{
    for (size_t i = 0; i < ctx->desc->setting_count; i++)
        if (strcmp(ctx->desc->settings[i].key, key) == 0)
            return &ctx->desc->settings[i];
    return NULL;
}

/* Refuses a second plugin of the same name or one declaring an existing command. */
static kith_err check_conflicts(struct kith_core *core, const struct kith_plugin *desc,
                                char **error_out)
{
    if (kith_plugin_find(core, desc->name) != NULL) {
        set_error(error_out, "a plugin named \"%s\" is already loaded", desc->name);
        return KITH_ERR_EXISTS;
    }
    /* Tables are owned by name prefix: "polls" and "polls_extra" would share "polls_*". */
    for (size_t i = 0; i < core->plugins->count; i++) {
        const char *other = core->plugins->plugins[i]->desc->name;
        const char *shorter = strlen(other) < strlen(desc->name) ? other : desc->name;
        const char *longer = shorter == other ? desc->name : other;
        size_t n = strlen(shorter);
        if (strncmp(longer, shorter, n) == 0 && longer[n] == '_') {
            set_error(error_out,
                      "plugin \"%s\" cannot be loaded beside \"%s\": their table prefixes "
                      "%s_* and %s_* overlap",
                      desc->name, other, desc->name, other);
            return KITH_ERR_EXISTS;
        }
    }
    for (size_t i = 0; i < desc->command_count; i++) {
        struct kith_plugin_ctx *owner;
        const struct kith_command_decl *decl;
        if (kith_plugin_find_command(core, desc->commands[i].name, &owner, &decl)) {
            set_error(error_out, "command /%s of plugin \"%s\" clashes with plugin \"%s\"",
                      desc->commands[i].name, desc->name, owner->desc->name);
            return KITH_ERR_EXISTS;
        }
    }
    return KITH_OK;
}

static kith_err register_ctx(struct kith_core *core, struct kith_plugin_ctx *ctx)
{
    struct kith_plugin_registry *reg = core->plugins;
    struct kith_plugin_ctx **grown = realloc(reg->plugins, (reg->count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    reg->plugins = grown;
    reg->plugins[reg->count++] = ctx;
    return KITH_OK;
}

static void unregister_ctx(struct kith_core *core, struct kith_plugin_ctx *ctx)
{
    struct kith_plugin_registry *reg = core->plugins;
    for (size_t i = 0; i < reg->count; i++) {
        if (reg->plugins[i] == ctx) {
            memmove(&reg->plugins[i], &reg->plugins[i + 1],
                    (reg->count - i - 1) * sizeof *reg->plugins);
            reg->count--;
            return;
        }
    }
}

/* Migrations, registration and init of a checked descriptor. */
static kith_err start_plugin(struct kith_core *core, struct kith_plugin_ctx *ctx, char **error_out)
{
    const struct kith_plugin *desc = ctx->desc;
    char *migrate_error = NULL;
    kith_err err = kith_host_migrate(ctx, &migrate_error);
    if (err != KITH_OK) {
        set_error(error_out, "plugin \"%s\": %s", desc->name,
                  migrate_error ? migrate_error : kith_strerror(err));
        free(migrate_error);
        return err;
    }
    err = register_ctx(core, ctx);
    if (err != KITH_OK)
        return err;
    if (desc->init != NULL) {
        kith_host_call_begin(ctx);
        err = desc->init(ctx, kith_host_table());
        kith_host_call_end(ctx);
        if (err != KITH_OK) {
            set_error(error_out, "plugin \"%s\" refused to start: init returned %s", desc->name,
                      kith_strerror(err));
            unregister_ctx(core, ctx);
            kith_host_release(ctx);
            return err;
        }
    }
    ctx->initialized = true;
    return KITH_OK;
}

kith_err kith_plugin_load_builtin(struct kith_core *core, const struct kith_plugin *desc,
                                  char **error_out)
{
    char reason[512];
    kith_err err = kith_plugin_check_descriptor(desc, reason, sizeof reason);
    if (err != KITH_OK) {
        set_error(error_out, "built-in plugin: %s", reason);
        return err;
    }
    err = check_conflicts(core, desc, error_out);
    if (err != KITH_OK)
        return err;
    struct kith_plugin_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return KITH_ERR_NOMEM;
    ctx->core = core;
    ctx->desc = desc;
    ctx->builtin = true;
    err = start_plugin(core, ctx, error_out);
    if (err != KITH_OK)
        free(ctx);
    return err;
}

kith_err kith_plugin_load_file(struct kith_core *core, const char *path, char **error_out)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        set_error(error_out, "cannot load plugin %s: %s", path, dlerror());
        return KITH_ERR_IO;
    }
    const struct kith_plugin *desc = dlsym(dl, KITH_PLUGIN_SYMBOL);
    if (desc == NULL) {
        set_error(error_out, "%s is not a kith plugin: it exports no %s", path, KITH_PLUGIN_SYMBOL);
        dlclose(dl);
        return KITH_ERR_INVALID;
    }
    char reason[512];
    kith_err err = kith_plugin_check_descriptor(desc, reason, sizeof reason);
    if (err != KITH_OK) {
        set_error(error_out, "plugin %s refused: %s", path, reason);
        dlclose(dl);
        return err;
    }
    if (!kith_plugin_db_name_valid(desc->name)) {
        set_error(error_out, "plugin %s refused: the name \"%s\" is reserved", path, desc->name);
        dlclose(dl);
        return KITH_ERR_INVALID;
    }
    char *conflict = NULL;
    err = check_conflicts(core, desc, &conflict);
    if (err != KITH_OK) {
        set_error(error_out, "plugin %s refused: %s", path, conflict ? conflict : "conflict");
        free(conflict);
    }
    struct kith_plugin_ctx *ctx = err == KITH_OK ? calloc(1, sizeof *ctx) : NULL;
    char *path_copy = ctx ? strdup(path) : NULL;
    if (err == KITH_OK && (ctx == NULL || path_copy == NULL))
        err = KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        ctx->core = core;
        ctx->desc = desc;
        ctx->dl = dl;
        ctx->path = path_copy;
        err = start_plugin(core, ctx, error_out);
    }
    if (err != KITH_OK) {
        free(path_copy);
        free(ctx);
        dlclose(dl);
    }
    return err;
}

void kith_plugin_unload(struct kith_core *core, struct kith_plugin_ctx *ctx)
{
    if (ctx->initialized && ctx->desc->shutdown != NULL) {
        kith_host_call_begin(ctx);
        ctx->desc->shutdown(ctx);
        kith_host_call_end(ctx);
    }
    ctx->initialized = false;
    unregister_ctx(core, ctx);
    kith_host_release(ctx); /* timers, completions and state: all plugin code, before dlclose */
    if (ctx->dl != NULL && dlclose(ctx->dl) != 0)
        kith_log(KITH_LOG_WARN, "core", "dlclose of plugin %s failed: %s", ctx->path, dlerror());
    free(ctx->path);
    free(ctx);
}

void kith_plugin_unload_all(struct kith_core *core)
{
    /* In reverse load order, so the built-in core commands go last. */
    while (core->plugins->count > 0)
        kith_plugin_unload(core, core->plugins->plugins[core->plugins->count - 1]);
}
