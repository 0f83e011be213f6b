/* Carrying out an action: delete, warn, timeout, kick or ban; a strike and the escalation
 * ladder; and the moderation log (channel, kithd log, spam_actions). In dry run only the logs
 * are written. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"
#include "spam_store.h"

#define STRIKES_READ 64 /* more active strikes than this change no ladder step */
#define EVIDENCE_SHOWN 300

/* A platform call's outcome, logged when it failed: what was tried travels as the ud. */
static void report_failure(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    if (result->err != KITH_OK && result->err != KITH_ERR_CANCELLED)
        spam_host->log(ctx, KITH_LOG_WARN, "%s failed: %s", (const char *)ud,
                       result->detail ? result->detail : spam_host->strerror(result->err));
}

static struct kith_completion *watch(struct kith_completion *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct kith_completion *watch(struct kith_completion *c, const char *fmt, ...)
{
    char *what = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&what, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL; /* out of memory: the call goes out unwatched */
    *c = (struct kith_completion){report_failure, what, free};
    return c;
}

/* Platform calls that returned an error took nothing: free the completion's text then. */
static void check_queued(struct kith_plugin_ctx *ctx, kith_err err, struct kith_completion *c,
                         const char *what)
{
    if (err == KITH_OK)
        return;
    spam_host->log(ctx, KITH_LOG_WARN, "%s not sent: %s", what, spam_host->strerror(err));
    if (c != NULL)
        free(c->ud);
}

static void delete_messages(struct kith_plugin_ctx *ctx, const struct spam_case *c)
{
    for (size_t i = 0; i < c->message_count; i++) {
        const struct spam_recent *m = c->messages[i];
        struct kith_target where = {c->server_id, m->channel_id[0] ? m->channel_id : NULL};
        struct kith_completion done, *d = watch(&done, "deleting %s", m->message_id);
        kith_err err = spam_host->delete_message(ctx, &where, m->message_id, c->reason, d);
        check_queued(ctx, err, d, "delete");
    }
}

/* A moderation's outcome: a refusal that comes back later is posted to the moderation log
 * too, so moderators never read that a member was timed out when the platform said no. */
struct mod_note {
    char *what;        /* "timeout of discord:42" */
    char *server_id;   /* where to post */
    char *log_channel; /* "" = none */
};

static void mod_note_free(void *ud)
{
    struct mod_note *n = ud;
    free(n->what);
    free(n->server_id);
    free(n->log_channel);
    free(n);
}

/* Caller frees with mod_note_free; NULL when out of memory. */
static struct mod_note *mod_note_new(const struct spam_server *s, const struct spam_case *c,
                                     const struct spam_action *a)
{
    struct mod_note *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    size_t size = strlen(c->member_id) + 32;
    n->what = malloc(size);
    n->server_id = strdup(c->server_id);
    n->log_channel = strdup(s->log_channel);
    if (n->what == NULL || n->server_id == NULL || n->log_channel == NULL) {
        mod_note_free(n);
        return NULL;
    }
    snprintf(n->what, size, "%s of %s", spam_action_name(a->kind), c->member_id);
    return n;
}

static void post_log(struct kith_plugin_ctx *ctx, const char *server_id, const char *channel,
                     const char *title, const char *text);

static void mod_done(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    struct mod_note *n = ud;
    if (result->err == KITH_OK || result->err == KITH_ERR_CANCELLED)
        return;
    const char *why = result->detail ? result->detail : spam_host->strerror(result->err);
    spam_host->log(ctx, KITH_LOG_WARN, "%s failed: %s", n->what, why);
    char text[400];
    snprintf(text, sizeof text, "The platform refused the %s: %s", n->what, why);
    post_log(ctx, n->server_id, n->log_channel, "Not applied", text);
}

/* Timeout, kick or ban (other kinds do nothing here). Returns what went wrong at once, or
 * NULL: a refusal that comes later is posted by mod_done. */
static const char *sanction(struct kith_plugin_ctx *ctx, const struct spam_server *s,
                            const struct spam_case *c, const struct spam_action *a, const char *why)
{
    struct kith_moderation m = {.server_id = c->server_id, .user_id = c->member_id, .reason = why};
    switch (a->kind) {
    case SPAM_ACTION_TIMEOUT:
        m.kind = KITH_MOD_TIMEOUT;
        m.duration_s = a->duration_s > 0 ? a->duration_s : 600;
        break;
    case SPAM_ACTION_KICK: m.kind = KITH_MOD_KICK; break;
    case SPAM_ACTION_BAN:
        m.kind = KITH_MOD_BAN;
        m.duration_s = a->duration_s;
        break;
    default: return NULL;
    }
    struct mod_note *n = mod_note_new(s, c, a); /* NULL (out of memory): sent unwatched */
    struct kith_completion done = {mod_done, n, mod_note_free};
    kith_err err = spam_host->moderate(ctx, &m, n ? &done : NULL);
    if (err == KITH_OK)
        return NULL;
    spam_host->log(ctx, KITH_LOG_WARN, "moderation not sent: %s", spam_host->strerror(err));
    if (n != NULL)
        mod_note_free(n); /* a refused call took nothing */
    return spam_host->strerror(err);
}

static void warn(struct kith_plugin_ctx *ctx, const struct spam_case *c, int strikes)
{
    char who[160], text[600];
    spam_mention(c->member_id, c->member_name, who, sizeof who);
    snprintf(text, sizeof text, "%s, please stop: %s. That is a strike (%d active).", who,
             c->reason, strikes);
    kith_message *msg = spam_host->message_new(ctx);
    if (msg == NULL)
        return;
    struct kith_target where = {c->server_id, c->channel_id};
    struct kith_completion done, *d = watch(&done, "warning %s", c->member_id);
    kith_err err = spam_host->message_set_text(msg, text);
    if (err == KITH_OK)
        err = spam_host->send(ctx, &where, msg, d);
    check_queued(ctx, err, d, "warning");
    spam_host->message_free(msg);
}

/* Adds the strike, then the ladder step the member's active strikes reach (NULL: none). */
static const struct spam_ladder_step *strike(struct kith_plugin_ctx *ctx,
                                             const struct spam_server *s, const struct spam_case *c,
                                             int64_t now, int *active_out)
{
    int64_t times[STRIKES_READ];
    size_t n = 0;
    *active_out = 0;
    kith_err err = spam_store_add_strike(ctx, c->server_id, c->member_id, c->rule, c->reason, now,
                                         now + s->cfg.strike_expiry_s * 1000);
    if (err == KITH_OK)
        err =
            spam_store_strike_times(ctx, c->server_id, c->member_id, now, times, STRIKES_READ, &n);
    if (err != KITH_OK) {
        spam_host->log(ctx, KITH_LOG_WARN, "strike of %s not counted: %s", c->member_id,
                       spam_host->strerror(err));
        return NULL;
    }
    *active_out = (int)n;
    return spam_ladder_apply(&s->cfg.ladder, times, n, now);
}

static const char *undo_hint(const struct spam_action *a, const char *who, char *out, size_t size)
{
    switch (a->kind) {
    case SPAM_ACTION_TIMEOUT:
        snprintf(out, size,
                 "/pardon %s clears the strikes; the timeout ends by itself, or remove it in the "
                 "member's menu (Discord: Remove Timeout; Telegram: restore permissions)",
                 who);
        break;
    case SPAM_ACTION_KICK:
        snprintf(out, size, "/pardon %s clears the strikes; they may rejoin with an invite", who);
        break;
    case SPAM_ACTION_BAN:
        snprintf(out, size,
                 "/pardon %s clears the strikes; lift the ban in the server's ban list "
                 "(Discord: Server Settings > Bans; Telegram: unban in the group's "
                 "Removed users; Matrix: /unban)",
                 who);
        break;
    case SPAM_ACTION_ALERT: snprintf(out, size, "nothing was done"); break;
    default: snprintf(out, size, "/pardon %s clears the strike", who); break;
    }
    return out;
}

static void post_log(struct kith_plugin_ctx *ctx, const char *server_id, const char *channel,
                     const char *title, const char *text)
{
    if (channel == NULL || channel[0] == '\0')
        return;
    kith_message *msg = spam_host->message_new(ctx);
    if (msg == NULL)
        return;
    struct kith_target where = {server_id, channel};
    struct kith_completion done, *d = watch(&done, "moderation log post in %s", channel);
    kith_err err = spam_host->message_set_title(msg, title);
    if (err == KITH_OK)
        err = spam_host->message_set_text(msg, text);
    if (err == KITH_OK)
        err = spam_host->send(ctx, &where, msg, d);
    check_queued(ctx, err, d, "moderation log post");
    spam_host->message_free(msg);
}

void spam_modlog(struct kith_plugin_ctx *ctx, const struct spam_server *server, const char *title,
                 const char *text)
{
    post_log(ctx, server->server_id, server->log_channel, title, text);
}

/* The evidence cut to EVIDENCE_SHOWN bytes on a character boundary. */
static void cut(const char *text, char *out, size_t size)
{
    size_t len = strlen(text);
    if (len > EVIDENCE_SHOWN) {
        len = EVIDENCE_SHOWN;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    snprintf(out, size, "%.*s%s", (int)len, text, len < strlen(text) ? "…" : "");
}

static void log_case(struct kith_plugin_ctx *ctx, const struct spam_server *s,
                     const struct spam_case *c, const char *action, const struct spam_action *a,
                     bool dry, int strikes, const char *failure, int64_t now)
{
    char who[160], evidence[EVIDENCE_SHOWN + 8] = "", hint[400], title[200], text[1500];
    spam_mention(c->member_id, c->member_name, who, sizeof who);
    if (c->evidence != NULL && c->evidence[0] != '\0')
        cut(c->evidence, evidence, sizeof evidence);
    snprintf(title, sizeof title, "%s%s: %s", dry ? "[dry run] would " : "", action, c->rule);
    int n = snprintf(text, sizeof text, "Member: %s (%s)\nRule: %s\nReason: %s", who, c->member_id,
                     c->rule, c->reason);
    if (c->channel_id != NULL && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "\nChannel: %s", c->channel_id);
    if (c->actor_id != NULL && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "\nBy: %s", c->actor_id);
    if (evidence[0] && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "\nEvidence: %s", evidence);
    if (!dry && a->kind != SPAM_ACTION_ALERT && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "\nActive strikes: %d", strikes);
    if (failure != NULL && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "\nNot applied: the platform said %s",
                      failure);
    if (n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, "\nUndo: %s",
                 dry ? "nothing was done (dry run)" : undo_hint(a, who, hint, sizeof hint));
    spam_modlog(ctx, s, title, text);
    spam_host->log(ctx, KITH_LOG_INFO, "%s: %s%s %s (%s: %s)", c->server_id,
                   dry ? "dry run, would " : "", action, c->member_id, c->rule, c->reason);
    const struct spam_action_row row = {
        .server_id = c->server_id,
        .user_id = c->member_id,
        .channel_id = c->channel_id,
        .message_id = c->message_count > 0 ? c->messages[c->message_count - 1]->message_id : NULL,
        .rule = c->rule,
        .action = action,
        .reason = c->reason,
        .evidence = evidence,
        .dry_run = dry,
        .at_ms = now,
    };
    kith_err err = spam_store_log_action(ctx, &row);
    if (err != KITH_OK)
        spam_host->log(ctx, KITH_LOG_WARN, "action not recorded: %s", spam_host->strerror(err));
}

void spam_enforce(struct kith_plugin_ctx *ctx, struct spam_server *server,
                  const struct spam_case *c, const struct spam_action *action)
{
    int64_t now = spam_host->now_ms(ctx);
    bool dry = server->cfg.dry_run && c->actor_id == NULL; /* managers' own actions still act */
    char action_text[48], why[400];
    spam_action_format(action, action_text, sizeof action_text);
    if (dry || action->kind == SPAM_ACTION_NONE || action->kind == SPAM_ACTION_ALERT) {
        log_case(ctx, server, c, action_text, action, dry, 0, NULL, now);
        return;
    }
    snprintf(why, sizeof why, "%s: %s", c->rule, c->reason);
    delete_messages(ctx, c);
    int strikes = 0;
    const struct spam_ladder_step *step = strike(ctx, server, c, now, &strikes);
    if (action->kind == SPAM_ACTION_WARN)
        warn(ctx, c, strikes);
    bool escalate =
        step != NULL && spam_action_severity(&step->action) > spam_action_severity(action);
    if (escalate) {
        /* The ladder asks for more than the rule did: the member gets only the harsher one
         * (a 10-minute timeout sent before the ladder's hour would just be replaced). */
        size_t used = strlen(action_text);
        snprintf(action_text + used, sizeof action_text - used, " (escalated)");
    }
    const char *failure = escalate ? NULL : sanction(ctx, server, c, action, why);
    log_case(ctx, server, c, action_text, action, false, strikes, failure, now);
    if (!escalate)
        return;
    char step_text[48], reason[300], window[32];
    spam_action_format(&step->action, step_text, sizeof step_text);
    snprintf(reason, sizeof reason, "%d active strikes; the ladder gives %s from %u strikes in %s",
             strikes, step_text, step->strikes,
             spam_duration_format(step->window_s, window, sizeof window));
    struct spam_case escalation = *c;
    escalation.rule = "escalation";
    escalation.reason = reason;
    escalation.message_count = 0;
    snprintf(why, sizeof why, "escalation: %s", reason);
    failure = sanction(ctx, server, &escalation, &step->action, why);
    log_case(ctx, server, &escalation, step_text, &step->action, false, strikes, failure, now);
}
