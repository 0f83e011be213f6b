/* The read-only poll commands: /poll results (hidden polls only for managers until they close)
 * and /poll list (the open polls of the server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poll.h"

void poll_results_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct poll_record *p = poll_from_command(ctx, ev);
    if (p == NULL)
        return;
    bool secret = p->hidden && p->closed_at_ms == 0;
    struct poll_tally tally;
    kith_err err = KITH_OK;
    if (secret && ev->author.role < KITH_ROLE_MANAGER) {
        poll_say(ctx, ev, true,
                 "The results of poll #%lld are hidden until it closes; only "
                 "managers can see them before then.",
                 (long long)p->id);
    } else if ((err = poll_store_tally(ctx, p, &tally)) != KITH_OK) {
        poll_say(ctx, ev, true, "The results of poll #%lld could not be read (%s).",
                 (long long)p->id, poll_host->strerror(err));
    } else {
        char closes_at[64];
        struct poll_view view = poll_view_of(p, &tally, closes_at, sizeof closes_at);
        struct text_buf text = {0};
        poll_render_results(&text, &view);
        if (secret)
            text_buf_puts(&text, "\n(Hidden from members until the poll closes.)");
        if (text.failed)
            poll_say(ctx, ev, true, "The results could not be shown (out of memory).");
        else if (poll_host->reply_text(ctx, ev, text_buf_text(&text), secret) != KITH_OK)
            poll_host->log(ctx, KITH_LOG_WARN, "poll #%lld: results not sent", (long long)p->id);
        text_buf_free(&text);
    }
    poll_record_free(p);
}

#define POLL_LIST_MAX 25

static void list_line(struct kith_plugin_ctx *ctx, struct text_buf *out,
                      const struct poll_record *p)
{
    struct poll_tally tally;
    poll_tally_init(&tally, p->option_count);
    if (poll_store_tally(ctx, p, &tally) != KITH_OK)
        tally.voters = 0;
    text_buf_printf(out, "#%lld ", (long long)p->id);
    text_buf_puts(out, p->question);
    text_buf_printf(out, " \xe2\x80\x94 %llu vote%s", (unsigned long long)tally.voters,
                    tally.voters == 1 ? "" : "s");
    if (p->closes_at_ms > 0) {
        char when[64];
        poll_format_time(p->closes_at_ms, when, sizeof when);
        text_buf_printf(out, " \xe2\x80\x94 closes %s", when);
    } else {
        text_buf_puts(out, " \xe2\x80\x94 open until closed");
    }
    text_buf_puts(out, "\n");
}

void poll_list_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct poll_record **list = NULL;
    size_t count = 0;
    kith_err err = poll_store_list_open(ctx, ev->server_id, POLL_LIST_MAX + 1, &list, &count);
    if (err != KITH_OK) {
        poll_say(ctx, ev, true, "The polls could not be listed (%s).", poll_host->strerror(err));
        return;
    }
    struct text_buf text = {0};
    if (count == 0)
        text_buf_puts(&text, "No polls are open here. Create one with /poll create \"Best "
                             "pizza?\" Margherita \"Quattro formaggi\" Diavola");
    else
        text_buf_puts(&text, "Open polls:\n");
    for (size_t i = 0; i < count && i < POLL_LIST_MAX; i++)
        list_line(ctx, &text, list[i]);
    if (count > POLL_LIST_MAX)
        text_buf_printf(&text, "(only the oldest %d are listed)", POLL_LIST_MAX);
    if (text.failed || text.len > KITH_MESSAGE_TEXT_MAX)
        poll_say(ctx, ev, true, "The list of open polls is too long to show.");
    else if (poll_host->reply_text(ctx, ev, text_buf_text(&text), false) != KITH_OK)
        poll_host->log(ctx, KITH_LOG_WARN, "the list of polls was not sent");
    text_buf_free(&text);
    poll_records_free(list, count);
}
