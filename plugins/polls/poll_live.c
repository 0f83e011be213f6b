/* Live results: a vote asks for an edit of the poll's message; edits are coalesced (one pending
 * per poll) and rate-limited (one per POLL_EDIT_INTERVAL_MS per poll) with in-memory timers,
 * so a burst of a thousand votes makes a handful of edits. */
#include <stdlib.h>

#include "poll.h"

struct live_entry {
    int64_t poll_id;
    int64_t last_edit_ms; /* host clock; 0 = never edited */
    uint64_t timer_id;
    bool pending;
};

struct poll_live {
    struct live_entry *entries;
    size_t count, cap;
};

struct poll_live *poll_live_new(void)
{
    return calloc(1, sizeof(struct poll_live));
}

void poll_live_free(void *live)
{
    struct poll_live *l = live;
    if (l == NULL)
        return;
    free(l->entries);
    free(l);
}

static struct poll_live *live_of(struct kith_plugin_ctx *ctx)
{
    return poll_host->state(ctx);
}

static struct live_entry *find(struct poll_live *l, int64_t poll_id)
{
    for (size_t i = 0; l != NULL && i < l->count; i++) {
        if (l->entries[i].poll_id == poll_id)
            return &l->entries[i];
    }
    return NULL;
}

/* The entry of the poll, added when missing; NULL on ENOMEM. */
static struct live_entry *find_or_add(struct poll_live *l, int64_t poll_id)
{
    struct live_entry *e = find(l, poll_id);
    if (e != NULL || l == NULL)
        return e;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct live_entry *grown = realloc(l->entries, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        l->entries = grown;
        l->cap = cap;
    }
    e = &l->entries[l->count++];
    *e = (struct live_entry){.poll_id = poll_id};
    return e;
}

static void edit_now(struct kith_plugin_ctx *ctx, int64_t poll_id)
{
    const struct kith_host *h = poll_host;
    struct poll_record *p = NULL;
    struct poll_tally tally;
    kith_err err = poll_store_load(ctx, poll_id, &p);
    if (err == KITH_OK && (p->closed_at_ms > 0 || p->message_id == NULL || p->native)) {
        poll_record_free(p); /* closing edits it itself; without a message there is none */
        return;
    }
    if (err == KITH_OK)
        err = poll_store_tally(ctx, p, &tally);
    kith_message *msg = err == KITH_OK ? h->message_new(ctx) : NULL;
    if (err == KITH_OK)
        err = msg ? poll_build_message(msg, p, &tally) : KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        const struct kith_target to = {p->server_id, p->channel_id};
        const struct kith_completion done = poll_log_completion("live edit of a poll");
        err = h->edit(ctx, &to, p->message_id, msg, &done);
    }
    if (err == KITH_OK)
        err = poll_store_set_stale(ctx, poll_id, false);
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "poll #%lld: live results not updated: %s", (long long)poll_id,
               h->strerror(err));
    h->message_free(msg);
    poll_record_free(p);
}

static void edit_due(struct kith_plugin_ctx *ctx, void *ud)
{
    int64_t poll_id = *(const int64_t *)ud;
    struct live_entry *e = find(live_of(ctx), poll_id);
    if (e != NULL) {
        e->pending = false;
        e->last_edit_ms = poll_host->now_ms(ctx);
    }
    edit_now(ctx, poll_id);
}

void poll_live_touch(struct kith_plugin_ctx *ctx, int64_t id)
{
    const struct kith_host *h = poll_host;
    struct live_entry *e = find_or_add(live_of(ctx), id);
    if (e == NULL) {
        h->log(ctx, KITH_LOG_WARN, "poll #%lld: no memory to schedule a live edit", (long long)id);
        return;
    }
    if (e->pending)
        return; /* the pending edit will show this vote too */
    int64_t now = h->now_ms(ctx);
    int64_t wait = e->last_edit_ms == 0 ? 0 : e->last_edit_ms + POLL_EDIT_INTERVAL_MS - now;
    if (wait < 0 || wait > POLL_EDIT_INTERVAL_MS)
        wait = wait < 0 ? 0 : POLL_EDIT_INTERVAL_MS;
    int64_t *ud = malloc(sizeof *ud);
    kith_err err = ud ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        *ud = id;
        err = h->timer_start(ctx, (uint64_t)wait, 0, edit_due, ud, free, &e->timer_id);
    }
    if (err != KITH_OK) {
        free(ud); /* not taken by the host */
        h->log(ctx, KITH_LOG_WARN, "poll #%lld: live edit not scheduled: %s", (long long)id,
               h->strerror(err));
        return;
    }
    e->pending = true;
}

void poll_live_forget(struct kith_plugin_ctx *ctx, int64_t id)
{
    struct poll_live *l = live_of(ctx);
    struct live_entry *e = find(l, id);
    if (e == NULL)
        return;
    if (e->pending)
        poll_host->timer_stop(ctx, e->timer_id);
    *e = l->entries[--l->count];
}

/* Polls caught up per start; more are edited with their next vote or at their close. */
#define CATCH_UP_MAX 100

static void catch_up_due(struct kith_plugin_ctx *ctx, void *ud)
{
    (void)ud;
    int64_t ids[CATCH_UP_MAX];
    size_t count = 0;
    kith_err err = poll_store_stale_ids(ctx, ids, CATCH_UP_MAX, &count);
    if (err != KITH_OK)
        poll_host->log(ctx, KITH_LOG_WARN, "stale poll messages not found: %s",
                       poll_host->strerror(err));
    for (size_t i = 0; i < count; i++)
        poll_live_touch(ctx, ids[i]);
}

kith_err poll_live_catch_up(struct kith_plugin_ctx *ctx)
{
    return poll_host->timer_start(ctx, 0, 0, catch_up_due, NULL, NULL, NULL);
}
