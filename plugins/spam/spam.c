/* The spam plugin's descriptor (commands, settings, migrations) and lifecycle: it routes
 * messages and joins to the guard, commands to their handlers, and drops cached rules when
 * settings or enablement change. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"
#include "spam_store.h"

const struct kith_host *spam_host;

/* Bounds of the in-memory state: members tracked across all servers (windows and recent
 * messages, a few kilobytes each at most), and servers. */
#define TRACKED_MEMBERS 10000
#define TRACKED_SERVERS 4096

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct kith_option_decl report_options[] = {
    {"target", "a message link or id, or a member (or reply to the message)", KITH_OPT_STRING, 0, 1,
     300},
    {"reason", "what is wrong", KITH_OPT_STRING, KITH_OPTF_REST, 0, 400},
};
static const struct kith_option_decl warn_options[] = {
    {"member", "who to warn", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
    {"reason", "why; they see it", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1, 300},
};
static const struct kith_option_decl member_options[] = {
    {"member", "the member", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
};
static const struct kith_option_decl strikes_options[] = {
    {"member", "the member (yourself when left out)", KITH_OPT_USER, 0, 0, 0},
};
static const struct kith_option_decl set_options[] = {
    {"rule",
     "flood, duplicates, mentions, links, invites, words, caps, new_member_links, raid, "
     "exempt, log, report, strikes",
     KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 40},
    {"key", "what to change (action, limit, on, off, deny, allow, add, remove, ...)",
     KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 200},
    {"value", "the new value", KITH_OPT_STRING, KITH_OPTF_REST, 0, 4000},
};
static const struct kith_option_decl dry_run_options[] = {
    {"state", "on: only log what would happen; off: act", KITH_OPT_BOOLEAN, KITH_OPTF_REQUIRED, 0,
     0},
};

static const struct kith_subcommand_decl spam_subcommands[] = {
    {"rules", "this server's spam rules and actions", KITH_ROLE_MANAGER, NULL, 0},
    {"set", "change a rule: /spam set flood 5/10s timeout:10m", KITH_ROLE_ADMIN, set_options,
     COUNT(set_options)},
    {"dry-run", "on: log what the rules would do, do nothing", KITH_ROLE_ADMIN, dry_run_options,
     COUNT(dry_run_options)},
};

static const struct kith_command_decl commands[] = {
    {"report", "report a message or member to the moderators", KITH_ROLE_MEMBER, report_options,
     COUNT(report_options), NULL, 0},
    {"warn", "warn a member (a strike)", KITH_ROLE_MANAGER, warn_options, COUNT(warn_options), NULL,
     0},
    {"strikes", "a member's active strikes (your own, or anyone's for managers)", KITH_ROLE_MEMBER,
     strikes_options, COUNT(strikes_options), NULL, 0},
    {"pardon", "clear a member's active strikes", KITH_ROLE_MANAGER, member_options,
     COUNT(member_options), NULL, 0},
    {"spam", "spam moderation rules", KITH_ROLE_MANAGER, NULL, 0, spam_subcommands,
     COUNT(spam_subcommands)},
};

/* ---- Small helpers shared by the handlers. ---- */

void spam_say(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *fmt, ...)
{
    char text[KITH_MESSAGE_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    kith_err err = spam_host->reply_text(ctx, ev, text, true);
    if (err != KITH_OK)
        spam_host->log(ctx, KITH_LOG_WARN, "could not reply: %s", spam_host->strerror(err));
}

void spam_mention(const char *member_id, const char *name, char *out, size_t size)
{
    const char *colon = strchr(member_id, ':');
    const char *bare = colon ? colon + 1 : member_id;
    if (strncmp(member_id, "discord:", 8) == 0 || strncmp(member_id, "test:", 5) == 0)
        snprintf(out, size, "<@%s>", bare);
    else if (strncmp(member_id, "matrix:", 7) == 0) /* clients turn a user id into a pill */
        snprintf(out, size, "%s", bare);
    else if (name != NULL && name[0] != '\0')
        snprintf(out, size, "%s (%s)", name, member_id);
    else
        snprintf(out, size, "%s", member_id);
}

/* ---- Lifecycle. ---- */

static void state_free(void *ud)
{
    struct spam_state *state = ud;
    spam_servers_forget(state, NULL);
    spam_windows_free(state->windows);
    spam_windows_free(state->edit_windows);
    spam_tracker_free(state->tracker);
    free(state);
}

static kith_err spam_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    if (host->abi_major != KITH_ABI_MAJOR || !KITH_HAS_API(host, now_ms))
        return KITH_ERR_VERSION;
    spam_host = host;
    struct spam_state *state = calloc(1, sizeof *state);
    if (state == NULL)
        return KITH_ERR_NOMEM;
    state->windows = spam_windows_new(TRACKED_MEMBERS, TRACKED_SERVERS);
    state->edit_windows = spam_windows_new(64, 64);
    state->tracker = spam_tracker_new(TRACKED_MEMBERS);
    if (state->windows == NULL || state->edit_windows == NULL || state->tracker == NULL) {
        state_free(state);
        return KITH_ERR_NOMEM;
    }
    host->set_state(ctx, state, state_free);
    return KITH_OK;
}

static void on_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    static const struct {
        const char *name, *subcommand;
        void (*fn)(struct kith_plugin_ctx *, const struct kith_event *);
    } handlers[] = {
        {"report", NULL, spam_command_report},     {"warn", NULL, spam_command_warn},
        {"strikes", NULL, spam_command_strikes},   {"pardon", NULL, spam_command_pardon},
        {"spam", "rules", spam_command_rules},     {"spam", "set", spam_command_set},
        {"spam", "dry-run", spam_command_dry_run},
    };
    const char *sub = ev->command.subcommand;
    for (size_t i = 0; i < COUNT(handlers); i++)
        if (strcmp(ev->command.name, handlers[i].name) == 0 &&
            (handlers[i].subcommand == NULL ||
             (sub != NULL && strcmp(sub, handlers[i].subcommand) == 0))) {
            handlers[i].fn(ctx, ev);
            return;
        }
}

static void spam_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (ev->server_id == NULL)
        return; /* direct messages have no rules */
    switch (ev->kind) {
    case KITH_EVENT_MESSAGE:
    case KITH_EVENT_MESSAGE_EDIT: spam_guard_message(ctx, ev); return;
    case KITH_EVENT_MEMBER_JOIN: spam_guard_join(ctx, ev); return;
    case KITH_EVENT_COMMAND: on_command(ctx, ev); return;
    case KITH_EVENT_COMPONENT:
        if (ev->component.custom_id != NULL && strncmp(ev->component.custom_id, "r:", 2) == 0)
            spam_report_pressed(ctx, ev);
        return;
    default: return;
    }
}

static void spam_on_enable(struct kith_plugin_ctx *ctx, const char *server_id, bool enabled)
{
    (void)enabled;
    spam_servers_forget(spam_state(ctx), server_id);
}

static void spam_on_settings(struct kith_plugin_ctx *ctx, const char *server_id)
{
    spam_servers_forget(spam_state(ctx), server_id);
}

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER,
    .name = "spam",
    .version = "1.0.0",
    .description = "spam moderation: rules, actions, strikes, member reports",
    .license = "MIT",
    .commands = commands,
    .command_count = COUNT(commands),
    .settings = spam_settings,
    .setting_count = SPAM_SETTING_COUNT,
    .migrations = spam_migrations,
    .migration_count = SPAM_MIGRATION_COUNT,
    .init = spam_init,
    .on_event = spam_on_event,
    .on_enable = spam_on_enable,
    .on_settings = spam_on_settings,
    .validate_setting = spam_validate_setting,
    .on_server_moved = spam_on_server_moved,
};
