/* Managers' commands on members: /warn gives a strike and a warning, /strikes lists the active
 * ones (to a manager or the member themself), /pardon clears them. */
#include <stdio.h>
#include <string.h>

#include "spam.h"
#include "spam_store.h"

#define STRIKES_LISTED 15

static const char *opt(const struct kith_event *ev, const char *name)
{
    const struct kith_option_value *v = kith_event_option(ev, name);
    return v != NULL ? v->text : "";
}

void spam_command_warn(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *member = opt(ev, "member");
    const char *reason = opt(ev, "reason");
    struct spam_server *server = spam_server_get(ctx, ev->server_id);
    if (server == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    if (strcmp(member, ev->author.id) == 0) {
        spam_say(ctx, ev, "You cannot warn yourself. Example: /warn @member spamming links");
        return;
    }
    char why[300];
    snprintf(why, sizeof why, "%s (warned by a manager)", reason);
    const struct spam_case c = {
        .server_id = ev->server_id,
        .channel_id = ev->channel_id,
        .member_id = member,
        .rule = "warn",
        .reason = why,
        .actor_id = ev->author.id,
    };
    const struct spam_action warn = {.kind = SPAM_ACTION_WARN};
    spam_enforce(ctx, server, &c, &warn);
    char who[160];
    spam_mention(member, NULL, who, sizeof who);
    spam_say(ctx, ev, "%s was warned and got a strike. /strikes %s shows them all.", who, who);
}

void spam_command_strikes(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *member = kith_event_option(ev, "member") ? opt(ev, "member") : ev->author.id;
    bool self = strcmp(member, ev->author.id) == 0;
    if (!self && ev->author.role < KITH_ROLE_MANAGER) {
        spam_say(ctx, ev,
                 "Only managers can see another member's strikes; /strikes with your own "
                 "name shows yours.");
        return;
    }
    struct spam_server *server = spam_server_get(ctx, ev->server_id);
    if (server == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    char who[160], lines[3000] = "";
    int shown = 0;
    spam_mention(member, NULL, who, sizeof who);
    kith_err err = spam_store_list_strikes(ctx, ev->server_id, member, spam_host->now_ms(ctx),
                                           STRIKES_LISTED, lines, sizeof lines, &shown);
    if (err != KITH_OK) {
        spam_say(ctx, ev, "The strikes cannot be read just now (%s); try again.",
                 spam_host->strerror(err));
        return;
    }
    if (shown == 0) {
        spam_say(ctx, ev, "%s has no active strikes.", self ? "You have" : who);
        return;
    }
    char ladder[300];
    spam_ladder_format(&server->cfg.ladder, ladder, sizeof ladder);
    spam_say(ctx, ev, "%s: %d active strike%s (newest first):%s\nEscalation here: %s",
             self ? "You" : who, shown, shown == 1 ? "" : "s", lines, ladder[0] ? ladder : "off");
}

void spam_command_pardon(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *member = opt(ev, "member");
    struct spam_server *server = spam_server_get(ctx, ev->server_id);
    if (server == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    int cleared = 0;
    kith_err err = spam_store_pardon(ctx, ev->server_id, member, spam_host->now_ms(ctx), &cleared);
    char who[160];
    spam_mention(member, NULL, who, sizeof who);
    if (err != KITH_OK) {
        spam_say(ctx, ev, "The strikes of %s were not cleared (%s); try again.", who,
                 spam_host->strerror(err));
        return;
    }
    spam_windows_forget_member(spam_state(ctx)->windows, ev->server_id, member);
    if (cleared == 0) {
        spam_say(ctx, ev, "%s has no active strikes; nothing to pardon.", who);
        return;
    }
    char text[400];
    snprintf(text, sizeof text, "Member: %s (%s)\nCleared: %d active strike%s\nBy: %s", who, member,
             cleared, cleared == 1 ? "" : "s", ev->author.id);
    spam_modlog(ctx, server, "pardon", text);
    spam_host->log(ctx, KITH_LOG_INFO, "%s: %s pardoned %s (%d strikes)", ev->server_id,
                   ev->author.id, member, cleared);
    spam_say(ctx, ev,
             "%s is pardoned: %d strike%s cleared. A timeout or ban still in place is lifted "
             "in the platform's member menu.",
             who, cleared, cleared == 1 ? "" : "s");
}
