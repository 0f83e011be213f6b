/* Event dispatch: text commands are recognised and parsed, commands go to the plugin that
 * declared them after the enablement and role checks, button presses go back to the plugin
 * that built the message, and everything else to each plugin enabled on the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdparse.h"
#include "core/core.h"
#include "core/core_commands.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "core/permissions.h"
#include "core/plugin_host.h"
#include "store/core_tables.h"

/* Answers the member on behalf of kith itself (errors, refusals), privately where possible. */
static void reply_as_core(struct kith_core *core, const struct kith_event *ev, const char *text)
{
    struct kith_plugin_ctx *core_ctx = kith_plugin_find(core, KITH_CORE_PLUGIN_NAME);
    if (core_ctx == NULL)
        return;
    kith_err err = kith_host_table()->reply_text(core_ctx, ev, text, true);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, "dispatch", "could not answer %s on %s: %s",
                 ev->author.id ? ev->author.id : "?", ev->platform, kith_strerror(err));
}

static void call_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    kith_host_call_begin(ctx);
    ctx->desc->on_event(ctx, ev);
    kith_host_call_end(ctx);
}

static bool plugin_enabled(struct kith_core *core, struct kith_plugin_ctx *ctx,
                           const char *server_id)
{
    if (ctx->builtin || server_id == NULL)
        return true;
    bool enabled = false;
    kith_err err = kith_core_plugin_enabled(core, server_id, ctx->desc->name, &enabled);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "dispatch", "enablement lookup for %s on %s failed: %s",
                 ctx->desc->name, server_id, kith_strerror(err));
    return err == KITH_OK && enabled;
}

/* Non-command events: every plugin enabled on the server (direct messages: every plugin). */
static void deliver_to_enabled(struct kith_core *core, const struct kith_event *ev)
{
    /* Index loop over a registry that a callback cannot change (loading happens elsewhere). */
    for (size_t i = 0; i < core->plugins->count; i++) {
        struct kith_plugin_ctx *ctx = core->plugins->plugins[i];
        if (ctx->builtin || !ctx->initialized || ctx->desc->on_event == NULL)
            continue;
        if (plugin_enabled(core, ctx, ev->server_id))
            call_on_event(ctx, ev);
    }
}

/* A press on a component: "<plugin>:<id>" goes to that plugin with its own id. */
static void deliver_component(struct kith_core *core, const struct kith_event *ev)
{
    const char *custom_id = ev->component.custom_id;
    const char *colon = custom_id ? strchr(custom_id, ':') : NULL;
    char owner[40];
    if (colon == NULL || (size_t)(colon - custom_id) >= sizeof owner) {
        kith_log(KITH_LOG_DEBUG, "dispatch", "component press with foreign id ignored");
        return;
    }
    memcpy(owner, custom_id, (size_t)(colon - custom_id));
    owner[colon - custom_id] = '\0';
    struct kith_plugin_ctx *ctx = kith_plugin_find(core, owner);
    if (ctx == NULL || !ctx->initialized || ctx->desc->on_event == NULL) {
        reply_as_core(core, ev, "This button belongs to a plugin that is no longer loaded.");
        return;
    }
    if (!plugin_enabled(core, ctx, ev->server_id)) {
        reply_as_core(core, ev, "This button belongs to a plugin that is disabled here.");
        return;
    }
    struct kith_event routed = *ev;
    kith_role role;
    if (kith_permissions_resolve(core, ev, &role) == KITH_OK)
        routed.author.role = (int)role;
    routed.component.custom_id = colon + 1;
    call_on_event(ctx, &routed);
}

/* USER, CHANNEL and ROLE options arrive as the member typed them; plugins get prefixed ids. */
static kith_err prefix_ids(const char *platform, struct kith_option_value *options, size_t n,
                           char ***owned_out)
{
    char **owned = calloc(n ? n : 1, sizeof *owned);
    if (owned == NULL)
        return KITH_ERR_NOMEM;
    size_t plen = strlen(platform);
    for (size_t i = 0; i < n; i++) {
        int type = options[i].type;
        if (type != KITH_OPT_USER && type != KITH_OPT_CHANNEL && type != KITH_OPT_ROLE)
            continue;
        const char *text = options[i].text;
        if (strncmp(text, platform, plen) == 0 && text[plen] == ':')
            continue;
        if (asprintf(&owned[i], "%s:%s", platform, text) < 0) {
            owned[i] = NULL;
            *owned_out = owned;
            return KITH_ERR_NOMEM;
        }
        options[i].text = owned[i];
    }
    *owned_out = owned;
    return KITH_OK;
}

static const struct kith_subcommand_decl *find_subcommand(const struct kith_command_decl *decl,
                                                          const char *name)
{
    for (size_t i = 0; name != NULL && i < decl->subcommand_count; i++)
        if (strcmp(decl->subcommands[i].name, name) == 0)
            return &decl->subcommands[i];
    return NULL;
}

/* The role a parsed invocation needs: the subcommand's when it has one. */
static kith_role required_role(const struct kith_command_decl *decl, const char *subcommand)
{
    const struct kith_subcommand_decl *sub = find_subcommand(decl, subcommand);
    return sub ? sub->required_role : decl->required_role;
}

static void refuse_role(struct kith_core *core, const struct kith_event *ev,
                        const struct kith_parsed_command *cmd, kith_role needed, kith_role have)
{
    char text[256];
    snprintf(text, sizeof text, "/%s%s%s needs the %s role; you are %s %s here.", cmd->name,
             cmd->subcommand ? " " : "", cmd->subcommand ? cmd->subcommand : "",
             kith_role_name(needed), have == KITH_ROLE_ADMIN ? "an" : "a", kith_role_name(have));
    reply_as_core(core, ev, text);
}

/* Checks and hands a parsed command to its plugin. */
static void run_command(struct kith_core *core, const struct kith_event *ev,
                        struct kith_plugin_ctx *ctx, const struct kith_command_decl *decl,
                        struct kith_parsed_command *cmd)
{
    kith_role role;
    kith_err err = kith_permissions_resolve(core, ev, &role);
    if (err != KITH_OK) {
        reply_as_core(core, ev, "kith could not check your permissions just now; try again.");
        return;
    }
    kith_role needed = required_role(decl, cmd->subcommand);
    if (role < needed) {
        refuse_role(core, ev, cmd, needed, role);
        return;
    }
    char **owned = NULL;
    err = prefix_ids(ev->platform, cmd->options, cmd->option_count, &owned);
    if (err == KITH_OK) {
        struct kith_event routed = *ev;
        routed.kind = KITH_EVENT_COMMAND;
        routed.author.role = (int)role;
        routed.command = (struct kith_command_invocation){.name = cmd->name,
                                                          .subcommand = cmd->subcommand,
                                                          .options = cmd->options,
                                                          .option_count = cmd->option_count,
                                                          .raw_args = cmd->raw_args};
        call_on_event(ctx, &routed);
    } else {
        reply_as_core(core, ev, "kith ran out of memory handling that command.");
    }
    for (size_t i = 0; owned != NULL && i < cmd->option_count; i++)
        free(owned[i]);
    free(owned);
}

/* Finds the command's plugin and checks it may run here; replies and returns false if not. */
static bool command_available(struct kith_core *core, const struct kith_event *ev, const char *name,
                              bool typed_as_text, struct kith_plugin_ctx **ctx_out,
                              const struct kith_command_decl **decl_out)
{
    char text[256];
    if (!kith_plugin_find_command(core, name, ctx_out, decl_out)) {
        /* A text starting with "/" may be meant for another bot: stay quiet then. */
        if (!typed_as_text) {
            snprintf(text, sizeof text, "Unknown command /%s. /help lists the commands.", name);
            reply_as_core(core, ev, text);
        }
        return false;
    }
    struct kith_plugin_ctx *ctx = *ctx_out;
    if (!ctx->initialized || ctx->desc->on_event == NULL)
        return false;
    if (!ctx->builtin && ev->server_id == NULL) {
        snprintf(text, sizeof text, "/%s works in a server, not in direct messages.", name);
        reply_as_core(core, ev, text);
        return false;
    }
    if (!plugin_enabled(core, ctx, ev->server_id)) {
        snprintf(text, sizeof text,
                 "The %s plugin is not enabled here. An admin can turn it on with "
                 "/kith enable %s.",
                 ctx->desc->name, ctx->desc->name);
        reply_as_core(core, ev, text);
        return false;
    }
    return true;
}

static void handle_text_command(struct kith_core *core, const struct kith_event *ev,
                                const char *name, const char *args)
{
    struct kith_plugin_ctx *ctx;
    const struct kith_command_decl *decl;
    if (!command_available(core, ev, name, true, &ctx, &decl))
        return;
    struct kith_parsed_command cmd;
    struct kith_parse_error perr;
    kith_err err = kith_command_parse(decl, args, &cmd, &perr);
    if (err != KITH_OK) {
        reply_as_core(core, ev, err == KITH_ERR_NOMEM ? "kith ran out of memory." : perr.message);
        return;
    }
    run_command(core, ev, ctx, decl, &cmd);
    kith_parsed_command_free(&cmd);
}

/* A command the platform delivered already split (Discord slash commands): options come as
 * text values and are typed against the declaration like typed ones. */
static void handle_structured_command(struct kith_core *core, const struct kith_event *ev)
{
    const struct kith_command_invocation *in = &ev->command;
    struct kith_plugin_ctx *ctx;
    const struct kith_command_decl *decl;
    if (in->name == NULL || !command_available(core, ev, in->name, false, &ctx, &decl))
        return;
    struct kith_raw_option *raw = calloc(in->option_count ? in->option_count : 1, sizeof *raw);
    if (raw == NULL)
        return;
    for (size_t i = 0; i < in->option_count; i++)
        raw[i] = (struct kith_raw_option){in->options[i].name, in->options[i].text};
    struct kith_parsed_command cmd;
    struct kith_parse_error perr;
    kith_err err =
        kith_command_parse_structured(decl, in->subcommand, raw, in->option_count, &cmd, &perr);
    free(raw);
    if (err != KITH_OK) {
        reply_as_core(core, ev, err == KITH_ERR_NOMEM ? "kith ran out of memory." : perr.message);
        return;
    }
    run_command(core, ev, ctx, decl, &cmd);
    kith_parsed_command_free(&cmd);
}

static void handle_message(struct kith_core *core, const struct kith_event *ev)
{
    char *name = NULL;
    const char *args = NULL;
    const char *text = ev->message.text;
    if (text != NULL && !ev->author.is_bot &&
        kith_command_detect(text, kith_core_bot_username(core, ev->platform), &name, &args) ==
            KITH_OK) {
        handle_text_command(core, ev, name, args);
        free(name);
        return;
    }
    deliver_to_enabled(core, ev);
}

void kith_core_dispatch(struct kith_core *core, const struct kith_event *ev)
{
    if (core->stopping) {
        kith_log(KITH_LOG_DEBUG, "dispatch", "event dropped: shutting down");
        return;
    }
    if (ev == NULL || ev->platform == NULL) {
        kith_log(KITH_LOG_WARN, "dispatch", "event without platform ignored");
        return;
    }
    switch (ev->kind) {
    case KITH_EVENT_MESSAGE: handle_message(core, ev); return;
    case KITH_EVENT_COMMAND: handle_structured_command(core, ev); return;
    case KITH_EVENT_COMPONENT:
    case KITH_EVENT_MODAL_SUBMIT: deliver_component(core, ev); return;
    default: deliver_to_enabled(core, ev); return;
    }
}
