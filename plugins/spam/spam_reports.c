/* Member reports: /report <message or member> [reason] (or a reply with /report) lands in the
 * report channel with Dismiss / Delete message / Timeout / Ban buttons that only managers may
 * press; the first press's time is stored for the insights plugin. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/message_link.h"
#include "spam.h"
#include "spam_store.h"

/* A member may file this many reports per window; more is usually abuse of the queue. */
#define REPORTS_PER_WINDOW 5
#define REPORT_WINDOW_MS (10 * 60 * 1000)

#define REPORT_USAGE                                                                               \
    "Reply to the message with /report <reason>, or give a message link or a member: "             \
    "/report @member spamming invites"

/* "discord:42" from "42" on Discord; ids that carry a prefix stay. */
static void prefixed(const char *platform, const char *id, size_t len, char *out, size_t size)
{
    if (memchr(id, ':', len) != NULL && id[0] != '@')
        snprintf(out, size, "%.*s", (int)len, id);
    else
        snprintf(out, size, "%s:%.*s", platform, (int)len, id);
}

/* Takes the message a link names into r; false (with a reply) when it is on another server. */
static bool take_link(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                      const struct spam_message_link *link, struct spam_report *r)
{
    if (link->server_id[0] != '\0' && strcmp(link->server_id, ev->server_id) != 0) {
        spam_say(ctx, ev, "That link points to a message on another server; report it there.");
        return false;
    }
    /* A Matrix link by room alias names no room id: the message is taken to be in this room. */
    const char *channel = link->channel_id[0] ? link->channel_id : ev->channel_id;
    snprintf(r->target_channel_id, sizeof r->target_channel_id, "%s", channel ? channel : "");
    snprintf(r->target_message_id, sizeof r->target_message_id, "%s", link->message_id);
    return true;
}

/* Works out what the member reported; false (with a reply) when it cannot be told. */
static bool parse_target(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                         struct spam_report *r, const char **reason_out)
{
    const struct kith_option_value *target = kith_event_option(ev, "target");
    const struct kith_option_value *reason = kith_event_option(ev, "reason");
    *reason_out = reason ? reason->text : "";
    if (ev->message.reply_to_id != NULL) { /* Telegram and Matrix: /report as a reply */
        snprintf(r->target_message_id, sizeof r->target_message_id, "%s", ev->message.reply_to_id);
        snprintf(r->target_channel_id, sizeof r->target_channel_id, "%s",
                 ev->channel_id ? ev->channel_id : "");
        *reason_out = ev->command.raw_args ? ev->command.raw_args : "";
        return true;
    }
    if (target == NULL) {
        spam_say(ctx, ev, "What are you reporting? %s", REPORT_USAGE);
        return false;
    }
    const char *t = target->text;
    size_t len = strlen(t);
    struct spam_message_link link;
    if (spam_message_link_parse(t, &link))
        return take_link(ctx, ev, &link, r);
    if (strncmp(t, "<@", 2) == 0 && len > 3 && t[len - 1] == '>') {
        const char *id = t + 2 + (t[2] == '!');
        prefixed(ev->platform, id, (size_t)(t + len - 1 - id), r->target_user_id,
                 sizeof r->target_user_id);
        return true;
    }
    if (strncmp(t, "http", 4) == 0) {
        spam_say(ctx, ev, "\"%s\" is not a message link kith can read. %s", t, REPORT_USAGE);
        return false;
    }
    char id[SPAM_ID_MAX];
    prefixed(ev->platform, t, len, id, sizeof id);
    const char *author = NULL;
    if (spam_tracker_find_message(spam_state(ctx)->tracker, ev->server_id, id, &author) != NULL)
        snprintf(r->target_message_id, sizeof r->target_message_id, "%s", id);
    else /* not a message kith saw lately: a member id or @name */
        snprintf(r->target_user_id, sizeof r->target_user_id, "%s", id);
    return true;
}

/* The queue message of a report, with a status line under it once someone acted. */
static kith_message *queue_message_new(struct kith_plugin_ctx *ctx, const struct spam_report *r,
                                       const char *status)
{
    char text[2000], who[160] = "unknown", reporter[160];
    if (r->target_user_id[0])
        spam_mention(r->target_user_id, NULL, who, sizeof who);
    spam_mention(r->reporter_id, NULL, reporter, sizeof reporter);
    int n = snprintf(text, sizeof text, "Reported member: %s\nBy: %s\nReason: %s", who, reporter,
                     r->reason[0] ? r->reason : "(none given)");
    if (r->target_message_id[0] && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "\nMessage: %s in %s\nEvidence: %s",
                      r->target_message_id, r->target_channel_id,
                      r->evidence[0] ? r->evidence : "(not seen by kith lately)");
    if (status != NULL && n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, "\n%s", status);
    char title[64], id[64];
    snprintf(title, sizeof title, "Report #%" PRId64, r->id);
    kith_message *msg = spam_host->message_new(ctx);
    if (msg == NULL)
        return NULL;
    kith_err err = spam_host->message_set_title(msg, title);
    if (err == KITH_OK)
        err = spam_host->message_set_text(msg, text);
    static const struct {
        const char *action, *label;
        kith_button_style style;
        bool needs_member, needs_message;
    } buttons[] = {
        {"dismiss", "Dismiss", KITH_BUTTON_SECONDARY, false, false},
        {"delete", "Delete message", KITH_BUTTON_PRIMARY, false, true},
        {"timeout", "Timeout", KITH_BUTTON_DANGER, true, false},
        {"ban", "Ban", KITH_BUTTON_DANGER, true, false},
    };
    for (size_t i = 0; err == KITH_OK && i < sizeof buttons / sizeof buttons[0]; i++) {
        if ((buttons[i].needs_member && !r->target_user_id[0]) ||
            (buttons[i].needs_message && !r->target_message_id[0]))
            continue;
        snprintf(id, sizeof id, "r:%" PRId64 ":%s", r->id, buttons[i].action);
        err = spam_host->message_add_button(msg, id, buttons[i].label, buttons[i].style);
    }
    if (err != KITH_OK) {
        spam_host->message_free(msg);
        return NULL;
    }
    return msg;
}

static const char *report_channel(const struct spam_server *s)
{
    return s->report_channel[0] ? s->report_channel : s->log_channel;
}

/* True (with a reply) when the member filed REPORTS_PER_WINDOW reports lately. */
static bool too_many_reports(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    int recent = 0;
    int64_t since = spam_host->now_ms(ctx) - REPORT_WINDOW_MS;
    kith_err err = spam_store_reports_since(ctx, ev->server_id, ev->author.id, since, &recent);
    if (err != KITH_OK || recent < REPORTS_PER_WINDOW)
        return false; /* an unreadable count never keeps a report from the moderators */
    spam_say(ctx, ev,
             "You sent %d reports in the last 10 minutes; the moderators have them. Please wait "
             "a few minutes before the next one.",
             recent);
    return true;
}

/* When kith saw the reported message lately: its text as evidence, its author as the reported
 * member, and the channel it is in. */
static void add_evidence(struct kith_plugin_ctx *ctx, const char *server_id, struct spam_report *r)
{
    const char *author = NULL;
    const struct spam_recent *seen =
        r->target_message_id[0] ? spam_tracker_find_message(spam_state(ctx)->tracker, server_id,
                                                            r->target_message_id, &author)
                                : NULL;
    if (seen == NULL)
        return;
    snprintf(r->evidence, sizeof r->evidence, "%s", seen->text);
    snprintf(r->target_user_id, sizeof r->target_user_id, "%s", author);
    snprintf(r->target_channel_id, sizeof r->target_channel_id, "%s", seen->channel_id);
}

static void post_report(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                        const struct spam_server *server, const struct spam_report *report);

void spam_command_report(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct spam_report r = {0};
    const char *reason = "";
    struct spam_server *server = spam_server_get(ctx, ev->server_id);
    if (server == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    if (!parse_target(ctx, ev, &r, &reason) || too_many_reports(ctx, ev))
        return;
    snprintf(r.server_id, sizeof r.server_id, "%s", ev->server_id);
    snprintf(r.reporter_id, sizeof r.reporter_id, "%s", ev->author.id);
    snprintf(r.reason, sizeof r.reason, "%s", reason);
    add_evidence(ctx, ev->server_id, &r);
    kith_err err = spam_store_report_add(ctx, &r, spam_host->now_ms(ctx), &r.id);
    if (err != KITH_OK) {
        spam_say(ctx, ev, "Your report could not be saved (%s); please try again.",
                 spam_host->strerror(err));
        return;
    }
    post_report(ctx, ev, server, &r);
}

/* Posts a saved report to the moderators' queue and tells the reporter how it went. */
static void post_report(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                        const struct spam_server *server, const struct spam_report *report)
{
    const char *channel = report_channel(server);
    if (channel[0] == '\0') {
        spam_host->log(ctx, KITH_LOG_WARN,
                       "%s: report #%" PRId64 " kept, but no report_channel"
                       " or log_channel is set",
                       ev->server_id, report->id);
        spam_say(ctx, ev,
                 "Thanks, report #%" PRId64 " is saved. This server has no report channel yet; "
                 "an admin can set one with /spam set report channel #moderators.",
                 report->id);
        return;
    }
    kith_message *msg = queue_message_new(ctx, report, NULL);
    struct kith_target where = {ev->server_id, channel};
    kith_err err = msg ? spam_host->send(ctx, &where, msg, NULL) : KITH_ERR_NOMEM;
    spam_host->message_free(msg);
    if (err != KITH_OK) {
        spam_host->log(ctx, KITH_LOG_WARN, "report #%" PRId64 " not posted: %s", report->id,
                       spam_host->strerror(err));
        spam_say(ctx, ev,
                 "Report #%" PRId64 " is saved but could not be posted to the moderators"
                 " just now (%s).",
                 report->id, spam_host->strerror(err));
        return;
    }
    spam_say(ctx, ev, "Thanks, report #%" PRId64 " reached the moderators.", report->id);
}

/* Carries out one button of a report; returns the status line for the queue message. */
static void act(struct kith_plugin_ctx *ctx, struct spam_server *server,
                const struct kith_event *ev, const struct spam_report *r, const char *action,
                char *status, size_t size)
{
    char reason[700], by[160];
    spam_mention(ev->author.id, ev->author.display_name, by, sizeof by);
    snprintf(reason, sizeof reason, "report #%" PRId64 "%s%s", r->id, r->reason[0] ? ": " : "",
             r->reason);
    struct spam_recent message = {.message_id = (char *)r->target_message_id,
                                  .channel_id = (char *)r->target_channel_id};
    const struct spam_recent *messages[] = {&message};
    struct spam_case c = {
        .server_id = r->server_id,
        .channel_id = r->target_channel_id[0] ? r->target_channel_id : NULL,
        .member_id = r->target_user_id,
        .rule = "report",
        .reason = reason,
        .evidence = r->evidence,
        .actor_id = ev->author.id,
    };
    struct spam_action a = {.kind = SPAM_ACTION_NONE};
    if (strcmp(action, "delete") == 0) {
        a.kind = SPAM_ACTION_DELETE;
        c.messages = messages;
        c.message_count = 1;
    } else if (strcmp(action, "timeout") == 0) {
        a = (struct spam_action){SPAM_ACTION_TIMEOUT, server->report_timeout_s};
    } else if (strcmp(action, "ban") == 0) {
        a.kind = SPAM_ACTION_BAN;
    }
    if ((a.kind == SPAM_ACTION_TIMEOUT || a.kind == SPAM_ACTION_BAN) && !r->target_user_id[0]) {
        snprintf(status, size, "Report #%" PRId64 " names no member to %s; nothing was done.",
                 r->id, action);
        return;
    }
    if (a.kind == SPAM_ACTION_DELETE && !r->target_user_id[0]) {
        /* A message kith never saw: delete it, but there is nobody to give a strike to. */
        struct kith_target where = {r->server_id, c.channel_id};
        kith_err err = spam_host->delete_message(ctx, &where, r->target_message_id, reason, NULL);
        if (err != KITH_OK)
            spam_host->log(ctx, KITH_LOG_WARN, "report #%" PRId64 ": delete not sent: %s", r->id,
                           spam_host->strerror(err));
    } else if (a.kind != SPAM_ACTION_NONE) {
        spam_enforce(ctx, server, &c, &a);
    }
    char done[48];
    spam_action_format(&a, done, sizeof done);
    snprintf(status, size, "Handled by %s: %s", by,
             a.kind == SPAM_ACTION_NONE ? "dismissed" : done);
}

void spam_report_pressed(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    int64_t id = 0;
    char action[16];
    if (sscanf(ev->component.custom_id, "r:%" SCNd64 ":%15s", &id, action) != 2 ||
        (strcmp(action, "dismiss") != 0 && strcmp(action, "delete") != 0 &&
         strcmp(action, "timeout") != 0 && strcmp(action, "ban") != 0)) {
        spam_say(ctx, ev, "This button is not one kith knows; nothing was done.");
        return;
    }
    if (ev->author.role < KITH_ROLE_MANAGER) {
        spam_host->reply_text(
            ctx, ev, "Only managers can act on reports; your press changed nothing.", true);
        return;
    }
    struct spam_report r;
    kith_err err = spam_store_report_get(ctx, id, &r);
    if (err != KITH_OK || ev->server_id == NULL || strcmp(r.server_id, ev->server_id) != 0) {
        spam_say(ctx, ev, "Report #%" PRId64 " cannot be found here.", id);
        return;
    }
    struct spam_server *server = spam_server_get(ctx, ev->server_id);
    if (server == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    err = spam_store_report_acted(ctx, id, ev->author.id, action, spam_host->now_ms(ctx));
    if (err != KITH_OK)
        spam_host->log(ctx, KITH_LOG_WARN, "report #%" PRId64 ": action time not stored: %s", id,
                       spam_host->strerror(err));
    char status[300];
    act(ctx, server, ev, &r, action, status, sizeof status);
    kith_message *msg = queue_message_new(ctx, &r, status);
    struct kith_target where = {ev->server_id, ev->channel_id};
    if (msg != NULL && ev->component.message_id != NULL)
        err = spam_host->edit(ctx, &where, ev->component.message_id, msg, NULL);
    spam_host->message_free(msg);
    spam_say(ctx, ev, "Report #%" PRId64 ": %s", id, status);
}
