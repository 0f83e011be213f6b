/* The built-in "kith" plugin: /kith plugins|enable|disable|config|managers and /help. It is
 * declared like any plugin, so the core registers, parses, permission-checks and documents
 * it the same way; only its handlers reach into the core directly. */
#include "core/core_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin.h"
#include "core/cmdparse.h"
#include "core/core.h"
#include "core/plugin_host.h"
#include "core/settings.h"
#include "core/strbuf.h"
#include "store/core_tables.h"

static const struct kith_option_decl plugin_arg[] = {
    {"plugin", "the plugin's name, as /kith plugins shows it", KITH_OPT_STRING, KITH_OPTF_REQUIRED,
     0, 0},
};

static const struct kith_option_decl config_args[] = {
    {"plugin", "the plugin's name", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 0, 0},
    {"key", "the setting to show or change", KITH_OPT_STRING, 0, 0, 0},
    {"reset", "put the setting back to its default", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"value", "the new value", KITH_OPT_STRING, KITH_OPTF_REST, 0, 0},
};

static const struct kith_option_decl managers_args[] = {
    {"action", "add, remove or list", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 0, 0},
    {"who", "a role or user (mention, or role:<id> / user:<id>)", KITH_OPT_STRING, 0, 0, 0},
};

static const struct kith_subcommand_decl kith_subcommands[] = {
    {"plugins", "which plugins exist and which are enabled here", KITH_ROLE_MEMBER, NULL, 0},
    {"enable", "turn a plugin on in this server", KITH_ROLE_ADMIN, plugin_arg, 1},
    {"disable", "turn a plugin off in this server", KITH_ROLE_ADMIN, plugin_arg, 1},
    {"config", "show or change a plugin's settings", KITH_ROLE_ADMIN, config_args, 4},
    {"managers", "add, remove or list who counts as manager here", KITH_ROLE_ADMIN, managers_args,
     2},
};

static const struct kith_option_decl help_args[] = {
    {"command", "a command to explain", KITH_OPT_STRING, 0, 0, 0},
};

static const struct kith_command_decl core_commands[] = {
    {"kith", "manage kith in this server", KITH_ROLE_MEMBER, NULL, 0, kith_subcommands,
     sizeof kith_subcommands / sizeof kith_subcommands[0]},
    {"help", "how to use the commands available here", KITH_ROLE_MEMBER, help_args, 1, NULL, 0},
};

static const struct kith_host *host;

static kith_err core_init(struct kith_plugin_ctx *ctx, const struct kith_host *h)
{
    (void)ctx;
    host = h;
    return KITH_OK;
}

/* Keeps a long reply (many plugins, commands or settings) within what a message may hold:
 * the lines that fit, then a note counting the rest and saying how to see it. The cut falls
 * at a line end, or inside one huge line at a code point boundary. */
static void fit_reply(char *text, const char *hint)
{
    size_t len = strlen(text);
    if (len <= KITH_MESSAGE_TEXT_MAX)
        return;
    size_t room = KITH_MESSAGE_TEXT_MAX - strlen(hint) - 64; /* the note's words and count */
    size_t cut = room;
    while (cut > 0 && text[cut] != '\n')
        cut--;
    if (cut == 0)
        for (cut = room; cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80;)
            cut--;
    size_t hidden = text[cut] == '\n' ? 0 : 1;
    for (size_t i = cut; i + 1 < len; i++)
        hidden += text[i] == '\n';
    snprintf(text + cut, len + 1 - cut, "\n… and %zu more line%s not shown. %s", hidden,
             hidden == 1 ? "" : "s", hint);
}

/* Sends what sb holds as the reply (or a short failure note when it could not be built);
 * hint tells how to see what did not fit when it is too long for one message. */
static void reply_buffer(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                         struct kith_strbuf *sb, bool ephemeral, const char *hint)
{
    char *text = kith_strbuf_take(sb);
    if (text != NULL)
        fit_reply(text, hint);
    kith_err err = host->reply_text(ctx, ev, text ? text : "kith ran out of memory.", ephemeral);
    if (err != KITH_OK)
        host->log(ctx, KITH_LOG_WARN, "reply to %s not sent: %s",
                  ev->author.id ? ev->author.id : "?", host->strerror(err));
    free(text);
}

static void reply_error(struct kith_plugin_ctx *ctx, const struct kith_event *ev, char *error)
{
    host->reply_text(ctx, ev, error ? error : "That did not work (out of memory).", true);
    free(error);
}

static const char *option_text(const struct kith_event *ev, const char *name)
{
    const struct kith_option_value *v = kith_event_option(ev, name);
    return v ? v->text : NULL;
}

static void list_plugins(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct kith_core *core = ctx->core;
    struct kith_strbuf sb = {0};
    size_t shown = 0;
    for (size_t i = 0; i < core->plugins->count; i++) {
        struct kith_plugin_ctx *p = core->plugins->plugins[i];
        if (p->builtin)
            continue;
        bool enabled = false;
        if (ev->server_id != NULL)
            kith_core_plugin_enabled(core, ev->server_id, p->desc->name, &enabled);
        kith_strbuf_appendf(&sb, "%s %s %s — %s\n", enabled ? "●" : "○", p->desc->name,
                            p->desc->version ? p->desc->version : "",
                            p->desc->description ? p->desc->description : "");
        shown++;
    }
    if (shown == 0)
        kith_strbuf_append(&sb, "No plugins are loaded. Add them to plugins.load in kithd's "
                                "configuration.");
    else
        kith_strbuf_append(&sb, "● enabled here, ○ disabled. Admins: /kith enable <plugin>.");
    reply_buffer(ctx, ev, &sb, false, "/kith enable <plugin> works for every loaded plugin.");
}

static void set_enabled(struct kith_plugin_ctx *ctx, const struct kith_event *ev, bool enabled)
{
    const char *plugin = option_text(ev, "plugin");
    char *error = NULL;
    if (kith_admin_set_enabled(ctx->core, ev->server_id, plugin, enabled, ev->author.id, &error) !=
        KITH_OK) {
        reply_error(ctx, ev, error);
        return;
    }
    char text[160];
    snprintf(text, sizeof text, "%s is now %s here.", plugin, enabled ? "enabled" : "disabled");
    host->reply_text(ctx, ev, text, false);
}

/* "key = value (default d) — description" for one setting. */
static void describe_setting(struct kith_core *core, const struct kith_event *ev,
                             const char *plugin, const struct kith_setting_decl *decl,
                             struct kith_strbuf *sb)
{
    char *stored = NULL;
    char *shown = NULL;
    if (kith_db_setting_get(core->store, ev->server_id, plugin, decl->key, &stored) == KITH_OK)
        shown = kith_setting_display(decl, stored);
    char accepts[256];
    kith_setting_describe_type(decl, accepts, sizeof accepts);
    kith_strbuf_appendf(sb, "%s = %s%s — %s (%s%s%s)\n", decl->key,
                        shown ? shown : (decl->default_value ? decl->default_value : "(unset)"),
                        shown ? "" : " (default)", decl->description ? decl->description : "",
                        accepts, decl->default_value ? "; default " : "",
                        decl->default_value ? decl->default_value : "");
    free(stored);
    free(shown);
}

static void show_config(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                        struct kith_plugin_ctx *target, const char *key)
{
    struct kith_strbuf sb = {0};
    for (size_t i = 0; i < target->desc->setting_count; i++) {
        const struct kith_setting_decl *decl = &target->desc->settings[i];
        if (key == NULL || strcmp(decl->key, key) == 0)
            describe_setting(ctx->core, ev, target->desc->name, decl, &sb);
    }
    if (sb.len == 0 && key == NULL)
        kith_strbuf_appendf(&sb, "%s has no settings.", target->desc->name);
    reply_buffer(ctx, ev, &sb, true, "/kith config <plugin> <key> shows one setting.");
}

static void config_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *plugin = option_text(ev, "plugin");
    const char *key = option_text(ev, "key");
    const char *value = option_text(ev, "value");
    const struct kith_option_value *reset = kith_event_option(ev, "reset");
    struct kith_plugin_ctx *target = kith_plugin_find(ctx->core, plugin);
    char *error = NULL;
    if (target == NULL || target->builtin) {
        if (asprintf(&error, "There is no plugin called \"%s\". /kith plugins lists them.",
                     plugin) < 0)
            error = NULL;
        reply_error(ctx, ev, error);
        return;
    }
    if (key != NULL && kith_plugin_find_setting(target, key) == NULL) {
        struct kith_setting_change probe = {ev->server_id, plugin, key, NULL, NULL};
        kith_admin_change_setting(ctx->core, &probe, &error); /* fails: names the keys */
        reply_error(ctx, ev, error);
        return;
    }
    bool resetting = reset != NULL && reset->integer != 0;
    if (key == NULL || (value == NULL && !resetting)) {
        show_config(ctx, ev, target, key);
        return;
    }
    if (resetting && value != NULL) {
        host->reply_text(ctx, ev, "Give either a value or --reset, not both.", true);
        return;
    }
    struct kith_setting_change change = {ev->server_id, plugin, key, resetting ? NULL : value,
                                         ev->author.id};
    if (kith_admin_change_setting(ctx->core, &change, &error) != KITH_OK) {
        reply_error(ctx, ev, error);
        return;
    }
    struct kith_strbuf sb = {0};
    kith_strbuf_append(&sb, "Saved. ");
    describe_setting(ctx->core, ev, plugin, kith_plugin_find_setting(target, key), &sb);
    reply_buffer(ctx, ev, &sb, false, "/kith config <plugin> <key> shows the setting.");
}

/* Reads "<@&id>" / "role:id" as a role and "<@id>", "<@!id>", "@user:server", "user:id" or a
 * bare id as a user. Writes the platform-prefixed id into buf. */
static bool parse_subject(const char *platform, const char *who, kith_manager_kind *kind, char *buf,
                          size_t size)
{
    size_t len = strlen(who);
    const char *id = who;
    *kind = KITH_MANAGER_USER;
    if (strncmp(who, "<@&", 3) == 0 && len > 4 && who[len - 1] == '>') {
        *kind = KITH_MANAGER_ROLE;
        id = who + 3;
        len -= 4;
    } else if (strncmp(who, "<@!", 3) == 0 && len > 4 && who[len - 1] == '>') {
        id = who + 3;
        len -= 4;
    } else if (strncmp(who, "<@", 2) == 0 && len > 3 && who[len - 1] == '>') {
        id = who + 2;
        len -= 3;
    } else if (strncmp(who, "role:", 5) == 0) {
        *kind = KITH_MANAGER_ROLE;
        id = who + 5;
        len -= 5;
    } else if (strncmp(who, "user:", 5) == 0) {
        id = who + 5;
        len -= 5;
    }
    if (len == 0 || memchr(id, ' ', len) != NULL)
        return false;
    int n = snprintf(buf, size, "%s:%.*s", platform, (int)len, id);
    return n > 0 && (size_t)n < size;
}

static void list_managers_cb(kith_manager_kind kind, const char *subject_id, void *ud)
{
    kith_strbuf_appendf(ud, "• %s %s\n", kind == KITH_MANAGER_ROLE ? "role" : "user", subject_id);
}

static void managers_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *action = option_text(ev, "action");
    const char *who = option_text(ev, "who");
    if (strcmp(action, "list") == 0) {
        struct kith_strbuf sb = {0};
        kith_strbuf_append(&sb, "Managers here (admins always count as managers):\n");
        size_t before = sb.len;
        kith_db_managers_list(ctx->core->store, ev->server_id, list_managers_cb, &sb);
        if (sb.len == before)
            kith_strbuf_append(&sb, "none named yet. /kith managers add <role or user>");
        else if (sb.data[sb.len - 1] == '\n')
            sb.data[--sb.len] = '\0';
        reply_buffer(ctx, ev, &sb, true, "Remove some with /kith managers remove <who>.");
        return;
    }
    bool add = strcmp(action, "add") == 0;
    if (!add && strcmp(action, "remove") != 0) {
        host->reply_text(ctx, ev,
                         "Use /kith managers add|remove <role or user> or "
                         "/kith managers list.",
                         true);
        return;
    }
    kith_manager_kind kind;
    char subject[200];
    if (who == NULL || !parse_subject(ev->platform, who, &kind, subject, sizeof subject)) {
        host->reply_text(ctx, ev, "Name a role or user: /kith managers add @Moderators", true);
        return;
    }
    char *error = NULL;
    if (kith_admin_set_manager(ctx->core, ev->server_id, kind, subject, add, ev->author.id,
                               &error) != KITH_OK) {
        reply_error(ctx, ev, error);
        return;
    }
    char text[300];
    snprintf(text, sizeof text, "%s %s %s.", who,
             add ? "is now a manager" : "is no longer a manager", "here");
    host->reply_text(ctx, ev, text, false);
}

static const char *role_label(kith_role role)
{
    return role == KITH_ROLE_ADMIN ? " (admin)" : role == KITH_ROLE_MANAGER ? " (manager)" : "";
}

/* Every command and subcommand, with usage and who may run it. */
static void help_for_command(const struct kith_command_decl *decl, struct kith_strbuf *sb)
{
    kith_strbuf_appendf(sb, "/%s — %s\n", decl->name, decl->description);
    if (decl->subcommand_count == 0) {
        char *usage = kith_command_usage(decl, NULL);
        kith_strbuf_appendf(sb, "  %s%s\n", usage ? usage : "", role_label(decl->required_role));
        free(usage);
        for (size_t o = 0; o < decl->option_count; o++)
            kith_strbuf_appendf(sb, "    %s: %s\n", decl->options[o].name,
                                decl->options[o].description ? decl->options[o].description : "");
        return;
    }
    for (size_t s = 0; s < decl->subcommand_count; s++) {
        const struct kith_subcommand_decl *sub = &decl->subcommands[s];
        char *usage = kith_command_usage(decl, sub->name);
        kith_strbuf_appendf(sb, "  %s — %s%s\n", usage ? usage : sub->name, sub->description,
                            role_label(sub->required_role));
        free(usage);
    }
}

static void help_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *wanted = option_text(ev, "command");
    if (wanted != NULL && (wanted[0] == '/' || wanted[0] == '!'))
        wanted++;
    const struct kith_command_decl **commands = NULL;
    size_t count = 0;
    if (kith_core_server_commands(ctx->core, ev->server_id, &commands, &count) != KITH_OK) {
        host->reply_text(ctx, ev, "kith could not list the commands just now.", true);
        return;
    }
    struct kith_strbuf sb = {0};
    for (size_t i = 0; i < count; i++) {
        if (wanted == NULL)
            kith_strbuf_appendf(&sb, "/%s — %s\n", commands[i]->name, commands[i]->description);
        else if (strcmp(commands[i]->name, wanted) == 0)
            help_for_command(commands[i], &sb);
    }
    free(commands);
    if (wanted != NULL && sb.len == 0)
        kith_strbuf_appendf(&sb, "There is no command /%s here. /help lists the commands.", wanted);
    else if (wanted == NULL)
        kith_strbuf_append(&sb, "/help <command> explains one command.");
    reply_buffer(ctx, ev, &sb, true, "/help <command> explains one command.");
}

static void core_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (ev->kind != KITH_EVENT_COMMAND)
        return;
    const char *sub = ev->command.subcommand;
    if (strcmp(ev->command.name, "help") == 0)
        help_command(ctx, ev);
    else if (ev->server_id == NULL)
        host->reply_text(ctx, ev, "/kith works in a server, not in direct messages.", true);
    else if (strcmp(sub, "plugins") == 0)
        list_plugins(ctx, ev);
    else if (strcmp(sub, "enable") == 0 || strcmp(sub, "disable") == 0)
        set_enabled(ctx, ev, strcmp(sub, "enable") == 0);
    else if (strcmp(sub, "config") == 0)
        config_command(ctx, ev);
    else if (strcmp(sub, "managers") == 0)
        managers_command(ctx, ev);
}

const struct kith_plugin kith_core_commands_plugin = {
    KITH_PLUGIN_HEADER,
    .name = KITH_CORE_PLUGIN_NAME,
    .version = KITH_VERSION,
    .description = "kith's own commands",
    .license = "MIT",
    .commands = core_commands,
    .command_count = sizeof core_commands / sizeof core_commands[0],
    .init = core_init,
    .on_event = core_on_event,
};
