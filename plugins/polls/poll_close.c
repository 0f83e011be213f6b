/* Closing polls: on time through the scheduler, or by /poll close; the final edit of the poll's
 * message and the results posted in its channel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poll.h"
#include "polls_shared.h"

/* Marks the poll closed (the caller checked it is open) and cancels its scheduled close. */
static kith_err close_in_store(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                               bool from_job)
{
    const struct kith_host *h = poll_host;
    kith_err err = h->db_begin(ctx);
    if (err != KITH_OK)
        return err;
    err = poll_store_close(ctx, p->id, h->now_ms(ctx));
    /* The firing job is deleted by the host once on_job returns. */
    if (err == KITH_OK && !from_job && p->job_id > 0) {
        err = h->job_cancel(ctx, p->job_id);
        if (err == KITH_ERR_NOT_FOUND)
            err = KITH_OK; /* it already fired */
    }
    err = polls_db_end(h, ctx, err);
    if (err != KITH_OK)
        return err;
    poll_live_forget(ctx, p->id);
    return KITH_OK;
}

void poll_discard(struct kith_plugin_ctx *ctx, int64_t id)
{
    struct poll_record *p = NULL;
    if (poll_store_load(ctx, id, &p) == KITH_OK && p->closed_at_ms == 0)
        close_in_store(ctx, p, false);
    poll_record_free(p);
}

/* The poll's own message shows the final results (no buttons), or the native poll ends. */
static void finish_on_platform(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                               const struct poll_tally *t)
{
    const struct kith_host *h = poll_host;
    if (p->message_id == NULL)
        return;
    const struct kith_target to = {p->server_id, p->channel_id};
    kith_err err = KITH_OK;
    if (p->native) {
        const struct kith_completion done = poll_log_completion("closing a native poll");
        err = KITH_HAS_API(h, poll_close) ? h->poll_close(ctx, &to, p->message_id, &done)
                                          : KITH_ERR_UNSUPPORTED;
    } else {
        kith_message *msg = h->message_new(ctx);
        err = msg ? poll_build_message(msg, p, t) : KITH_ERR_NOMEM;
        const struct kith_completion done = poll_log_completion("the final edit of a poll");
        if (err == KITH_OK)
            err = h->edit(ctx, &to, p->message_id, msg, &done);
        h->message_free(msg);
    }
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "poll #%lld: closed, but its message was not updated: %s",
               (long long)p->id, h->strerror(err));
}

static void post_results(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                         const struct poll_tally *t)
{
    char closes_at[64];
    struct poll_view view = poll_view_of(p, t, closes_at, sizeof closes_at);
    struct text_buf text = {0};
    poll_render_results(&text, &view);
    if (text.failed)
        poll_host->log(ctx, KITH_LOG_ERROR, "poll #%lld: no memory for the results",
                       (long long)p->id);
    else
        poll_post_text(ctx, p->server_id, p->channel_id, text_buf_text(&text));
    text_buf_free(&text);
}

kith_err poll_close_now(struct kith_plugin_ctx *ctx, int64_t id, bool from_job)
{
    struct poll_record *p = NULL;
    struct poll_tally tally;
    kith_err err = poll_store_load(ctx, id, &p);
    if (err == KITH_OK && p->closed_at_ms > 0)
        err = KITH_ERR_EXISTS;
    if (err == KITH_OK)
        err = close_in_store(ctx, p, from_job);
    if (err == KITH_OK) {
        p->closed_at_ms = poll_host->now_ms(ctx);
        err = poll_store_tally(ctx, p, &tally);
    }
    if (err == KITH_OK) {
        finish_on_platform(ctx, p, &tally);
        post_results(ctx, p, &tally);
    }
    poll_record_free(p);
    return err;
}

void poll_on_close_job(struct kith_plugin_ctx *ctx, const struct kith_job *job)
{
    char *end = NULL;
    long long id = strtoll(job->payload ? job->payload : "", &end, 10);
    if (end == NULL || *end != '\0' || id <= 0) {
        poll_host->log(ctx, KITH_LOG_WARN, "a poll close job had an unreadable payload");
        return;
    }
    kith_err err = poll_close_now(ctx, id, true);
    if (err != KITH_OK && err != KITH_ERR_EXISTS && err != KITH_ERR_NOT_FOUND)
        poll_host->log(ctx, KITH_LOG_ERROR, "poll #%lld did not close on time: %s", id,
                       poll_host->strerror(err));
}

void poll_close_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct poll_record *p = poll_from_command(ctx, ev);
    if (p == NULL)
        return;
    if (ev->author.role < KITH_ROLE_MANAGER && strcmp(ev->author.id, p->creator_id) != 0)
        poll_say(ctx, ev, true,
                 "Only the member who created poll #%lld or a manager can close "
                 "it.",
                 (long long)p->id);
    else if (p->closed_at_ms > 0)
        poll_say(ctx, ev, true,
                 "Poll #%lld is already closed; /poll results %lld shows how it "
                 "ended.",
                 (long long)p->id, (long long)p->id);
    else {
        kith_err err = poll_close_now(ctx, p->id, false);
        if (err == KITH_OK)
            poll_say(ctx, ev, true, "Poll #%lld is closed.", (long long)p->id);
        else
            poll_say(ctx, ev, true, "Poll #%lld could not be closed (%s); try again in a moment.",
                     (long long)p->id, poll_host->strerror(err));
    }
    poll_record_free(p);
}
