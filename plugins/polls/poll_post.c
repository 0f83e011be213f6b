/* Helpers the poll handlers share: posting and replying with text, times, the poll's view and
 * message, and finding the poll a command names. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logic/poll_spec.h"
#include "poll.h"
#include "polls_shared.h"

void poll_post_text(struct kith_plugin_ctx *ctx, const char *server_id, const char *channel_id,
                    const char *text)
{
    const struct kith_host *h = poll_host;
    const struct kith_target to = {server_id, channel_id};
    kith_message *msg = h->message_new(ctx);
    kith_err err = msg ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = h->send(ctx, &to, msg, NULL);
    h->message_free(msg);
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "could not post to %s: %s", channel_id, h->strerror(err));
}

void poll_say(struct kith_plugin_ctx *ctx, const struct kith_event *ev, bool ephemeral,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    polls_vsay(poll_host, ctx, ev, ephemeral, "poll", fmt, ap);
    va_end(ap);
}

void poll_format_time(int64_t unix_ms, char *buf, size_t size)
{
    time_t seconds = (time_t)(unix_ms / 1000);
    struct tm tm;
    if (gmtime_r(&seconds, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(buf, size, "at unix time %lld", (long long)(unix_ms / 1000));
}

struct poll_view poll_view_of(const struct poll_record *p, const struct poll_tally *t,
                              char *closes_at_buf, size_t buf_size)
{
    const char *closes_at = NULL;
    if (p->closes_at_ms > 0) {
        poll_format_time(p->closes_at_ms, closes_at_buf, buf_size);
        closes_at = closes_at_buf;
    }
    return (struct poll_view){
        .id = p->id,
        .question = p->question,
        .labels = (const char *const *)p->options,
        .tally = t,
        .multi = p->multi,
        .anonymous = p->anonymous,
        .hidden = p->hidden,
        .native = p->native,
        .closed = p->closed_at_ms > 0,
        .closes_at = closes_at,
    };
}

/* The view's text, cutting labels shorter when the whole would not fit one message. */
static kith_err set_view_text(kith_message *msg, struct poll_view *view)
{
    static const size_t label_cuts[] = {0, 40, 16};
    kith_err err = KITH_ERR_LIMIT;
    for (size_t i = 0; err == KITH_ERR_LIMIT && i < sizeof label_cuts / sizeof label_cuts[0]; i++) {
        struct text_buf text = {0};
        view->max_label_chars = label_cuts[i];
        poll_render_message(&text, view);
        err = text.failed ? KITH_ERR_NOMEM
              : text.len > KITH_MESSAGE_TEXT_MAX
                  ? KITH_ERR_LIMIT
                  : poll_host->message_set_text(msg, text_buf_text(&text));
        text_buf_free(&text);
    }
    return err;
}

kith_err poll_build_message(kith_message *msg, const struct poll_record *p,
                            const struct poll_tally *t)
{
    char closes_at[64];
    struct poll_view view = poll_view_of(p, t, closes_at, sizeof closes_at);
    kith_err err = set_view_text(msg, &view);
    if (view.closed || p->native)
        return err;
    for (size_t i = 0; err == KITH_OK && i < p->option_count; i++) {
        char custom_id[48];
        snprintf(custom_id, sizeof custom_id, "p:%lld:%zu", (long long)p->id, i);
        /* Options are at most 80 characters on every platform: a button label, whole. */
        err = poll_host->message_add_button(msg, custom_id, p->options[i], KITH_BUTTON_PRIMARY);
    }
    return err;
}

static void log_failure(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    if (result->err != KITH_OK && result->err != KITH_ERR_CANCELLED)
        poll_host->log(ctx, KITH_LOG_WARN, "%s failed: %s%s%s", (const char *)ud,
                       poll_host->strerror(result->err), result->detail ? ": " : "",
                       result->detail ? result->detail : "");
}

struct kith_completion poll_log_completion(const char *what)
{
    return (struct kith_completion){log_failure, (void *)(uintptr_t)what, NULL};
}

struct poll_record *poll_from_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_option_value *id = kith_event_option(ev, "id");
    const char *sub = ev->command.subcommand ? ev->command.subcommand : "results";
    if (id == NULL) {
        poll_say(ctx, ev, true,
                 "Which poll? Give its number, e.g. /poll %s 7 (/poll list shows "
                 "the open ones).",
                 sub);
        return NULL;
    }
    struct poll_record *p = NULL;
    kith_err err = poll_store_load(ctx, id->integer, &p);
    if (err == KITH_OK && (ev->server_id == NULL || strcmp(p->server_id, ev->server_id) != 0))
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_ERR_NOT_FOUND)
        poll_say(ctx, ev, true,
                 "There is no poll #%lld on this server; /poll list shows the open "
                 "ones.",
                 (long long)id->integer);
    else if (err != KITH_OK)
        poll_say(ctx, ev, true, "Poll #%lld could not be read (%s); try again in a moment.",
                 (long long)id->integer, poll_host->strerror(err));
    if (err != KITH_OK) {
        poll_record_free(p);
        return NULL;
    }
    return p;
}
