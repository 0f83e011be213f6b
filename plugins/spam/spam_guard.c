/* The per-message path: every message (and edit) of every server where spam is enabled is
 * evaluated in memory against the server's cached rules; only a verdict reaches the store or
 * the platform. Joins feed the new-member rule and raid detection. */
#include <stdio.h>
#include <string.h>

#include "spam.h"

#define VERDICTS_MAX 4
#define EXPIRE_EVERY_MS 60000

/* Now and then, forget members whose windows are all older than any server's rules look
 * back (the windows are shared by every server, so the longest span counts). */
static void expire_windows(struct spam_state *state, int64_t now)
{
    if (now - state->last_expire_ms < EXPIRE_EVERY_MS)
        return;
    state->last_expire_ms = now;
    int64_t span = EXPIRE_EVERY_MS;
    for (size_t i = 0; i < SPAM_SERVER_BUCKETS; i++)
        for (const struct spam_server *s = state->servers[i]; s; s = s->next)
            if (spam_config_max_span_ms(&s->cfg) > span)
                span = spam_config_max_span_ms(&s->cfg);
    spam_windows_expire(state->windows, now, span);
}

/* Managers and admins are exempt when the server says so; asked only once a rule fired, so
 * an ordinary message costs no permission lookup. */
static bool is_manager(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    kith_role role = (kith_role)ev->author.role;
    if (role >= KITH_ROLE_MANAGER)
        return true;
    if (spam_host->member_role(ctx, ev, &role) != KITH_OK)
        return false;
    return role >= KITH_ROLE_MANAGER;
}

/* "6 messages in 10s (limit 5); also caps" */
static void join_reasons(const struct spam_verdict *v, size_t n, char *out, size_t size)
{
    int used = snprintf(out, size, "%s", v[0].reason);
    for (size_t i = 1; i < n && used > 0 && (size_t)used < size; i++)
        used += snprintf(out + used, size - (size_t)used, "%s%s", i == 1 ? "; also " : ", ",
                         spam_rule_name(v[i].rule));
}

/* Drops the messages written in exempt channels from a burst: the member's messages are
 * remembered everywhere (for reports), but an exempt channel's are never touched. Returns how
 * many are left. */
static size_t burst_outside_exempt(const struct spam_config *cfg, const struct spam_recent **burst,
                                   size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        const struct spam_message_facts where = {.channel_id = burst[i]->channel_id};
        if (!spam_is_exempt(cfg, &where))
            burst[kept++] = burst[i];
    }
    return kept;
}

static void act_on_message(struct kith_plugin_ctx *ctx, struct spam_server *server,
                           const struct kith_event *ev, const struct spam_verdict *v, size_t n,
                           int64_t now)
{
    struct spam_state *state = spam_state(ctx);
    const struct spam_recent *burst[SPAM_RECENT_KEPT];
    size_t count = 0;
    const struct spam_rule *rule = &server->cfg.rules[v[0].rule];
    if (ev->kind == KITH_EVENT_MESSAGE &&
        (v[0].rule == SPAM_RULE_FLOOD || v[0].rule == SPAM_RULE_DUPLICATES))
        /* The whole burst goes, not only the message that crossed the limit. */
        count = burst_outside_exempt(&server->cfg, burst,
                                     spam_tracker_recent(state->tracker, ev->server_id,
                                                         ev->author.id, now - rule->window_ms,
                                                         burst, SPAM_RECENT_KEPT));
    struct spam_recent single = {.message_id = (char *)ev->message.id,
                                 .channel_id = (char *)(ev->channel_id ? ev->channel_id : ""),
                                 .text = (char *)ev->message.text,
                                 .at_ms = now};
    if (count == 0 && ev->message.id != NULL) {
        burst[0] = &single;
        count = 1;
    }
    char reason[400], evidence[600];
    join_reasons(v, n, reason, sizeof reason);
    if (v[0].evidence[0])
        snprintf(evidence, sizeof evidence, "%s (matched: %s)", ev->message.text, v[0].evidence);
    else
        snprintf(evidence, sizeof evidence, "%s", ev->message.text);
    const struct spam_case c = {
        .server_id = ev->server_id,
        .channel_id = ev->channel_id,
        .member_id = ev->author.id,
        .member_name = ev->author.display_name,
        .rule = spam_rule_name(v[0].rule),
        .reason = reason,
        .evidence = evidence,
        .messages = burst,
        .message_count = count,
    };
    spam_enforce(ctx, server, &c, &v[0].action);
    /* One burst is punished once: its windows and remembered messages start over. */
    spam_windows_forget_member(state->windows, ev->server_id, ev->author.id);
    if (!server->cfg.dry_run)
        spam_tracker_clear_messages(state->tracker, ev->server_id, ev->author.id);
}

/* The server whose rules judge a member's event; NULL when none do (no server, no member, a
 * bot, or the server's settings cannot be read). Borrowed from the server cache. */
static struct spam_server *judging_server(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (ev->server_id == NULL || ev->author.id == NULL || ev->author.is_bot)
        return NULL;
    return spam_server_get(ctx, ev->server_id);
}

void spam_guard_message(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct spam_server *server = ev->message.text != NULL ? judging_server(ctx, ev) : NULL;
    if (server == NULL)
        return;
    struct spam_state *state = spam_state(ctx);
    int64_t now = spam_host->now_ms(ctx);
    bool edit = ev->kind == KITH_EVENT_MESSAGE_EDIT;
    if (!edit)
        spam_tracker_remember(state->tracker, ev->server_id, ev->author.id, ev->channel_id,
                              ev->message.id, ev->message.text, now);
    const struct spam_message_facts facts = {
        .server_id = ev->server_id,
        .channel_id = ev->channel_id,
        .member_id = ev->author.id,
        .role_ids = ev->author.role_ids,
        .role_count = ev->author.role_count,
        .joined_at_ms = spam_tracker_joined_at(ctx, state->tracker, ev->server_id, ev->author.id,
                                               ev->author.joined_at_ms, now),
        .now_ms = now,
        .text = ev->message.text,
        .mention_count = (uint32_t)ev->message.mention_count,
        .mentions_everyone = ev->message.mentions_everyone,
    };
    struct spam_verdict verdicts[VERDICTS_MAX];
    /* An edit is judged on its content alone: the scratch windows never see a second message,
     * so editing is not counted as flooding. */
    spam_windows *windows = edit ? state->edit_windows : state->windows;
    size_t n = spam_evaluate_message(&server->cfg, windows, &facts, verdicts, VERDICTS_MAX);
    if (edit)
        spam_windows_forget_member(windows, ev->server_id, ev->author.id);
    expire_windows(state, now);
    if (n == 0 || (server->exempt_managers && is_manager(ctx, ev)))
        return;
    act_on_message(ctx, server, ev, verdicts, n > VERDICTS_MAX ? VERDICTS_MAX : n, now);
}

static void raid_alert(struct kith_plugin_ctx *ctx, struct spam_server *server,
                       const struct spam_verdict *v)
{
    char text[600], action[48];
    spam_action_format(&v->action, action, sizeof action);
    snprintf(text, sizeof text,
             "%s\nWhile it lasts, each new joiner gets: %s.\nChange it with /spam set raid "
             "action kick (or timeout:1h, ban, alert); /spam set raid off turns detection off.",
             v->reason, v->action.kind == SPAM_ACTION_ALERT ? "nothing (alert only)" : action);
    spam_modlog(ctx, server, "Raid: many members are joining", text);
    spam_host->log(ctx, KITH_LOG_WARN, "%s: raid detected: %s", server->server_id, v->reason);
}

void spam_guard_join(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct spam_server *server = judging_server(ctx, ev);
    if (server == NULL)
        return;
    struct spam_state *state = spam_state(ctx);
    int64_t now = spam_host->now_ms(ctx);
    int64_t joined = ev->author.joined_at_ms > 0 ? ev->author.joined_at_ms : now;
    spam_tracker_set_joined(ctx, state->tracker, ev->server_id, ev->author.id, joined);
    struct spam_verdict v;
    if (!spam_evaluate_join(&server->cfg, state->windows, ev->server_id, now, &v))
        return;
    if (now >= server->raid_until_ms)
        raid_alert(ctx, server, &v); /* once per raid, not once per joiner */
    server->raid_until_ms = now + server->cfg.rules[SPAM_RULE_RAID].window_ms;
    if (v.action.kind != SPAM_ACTION_TIMEOUT && v.action.kind != SPAM_ACTION_KICK &&
        v.action.kind != SPAM_ACTION_BAN)
        return;
    const struct spam_case c = {
        .server_id = ev->server_id,
        .member_id = ev->author.id,
        .member_name = ev->author.display_name,
        .rule = "raid",
        .reason = v.reason,
    };
    spam_enforce(ctx, server, &c, &v.action);
}
