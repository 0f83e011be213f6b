/* What a plugin leaves running: in-memory timers and completions of platform calls. Both are
 * tracked per plugin so that unloading cancels them before the plugin's code goes away. */
#include <stdlib.h>

#include "core/core.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "store/plugin_db.h"

struct pending_action {
    struct kith_plugin_ctx *ctx; /* NULL once cancelled: the adapter still owes a callback */
    struct kith_completion done;
    struct pending_action *prev, *next;
};

struct plugin_timer {
    uv_timer_t handle;
    struct kith_plugin_ctx *ctx;
    uint64_t id;
    kith_timer_fn fn;
    void *ud;
    kith_free_fn free_ud;
    bool repeating;
    bool firing;  /* its callback is running */
    bool stopped; /* stopped from inside its own callback: destroyed when it returns */
    struct plugin_timer *next;
};

struct pending_action *kith_pending_new(struct kith_plugin_ctx *ctx,
                                        const struct kith_completion *done)
{
    struct pending_action *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->ctx = ctx;
    if (done != NULL)
        p->done = *done;
    p->next = ctx->pending;
    if (ctx->pending != NULL)
        ctx->pending->prev = p;
    ctx->pending = p;
    return p;
}

static void unlink_pending(struct pending_action *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else if (p->ctx != NULL)
        p->ctx->pending = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    p->prev = p->next = NULL;
}

static void complete(struct pending_action *p, const struct kith_result *result)
{
    struct kith_plugin_ctx *ctx = p->ctx;
    kith_host_call_begin(ctx);
    if (p->done.fn != NULL)
        p->done.fn(ctx, result, p->done.ud);
    if (p->done.free_ud != NULL)
        p->done.free_ud(p->done.ud);
    p->done = (struct kith_completion){0};
    kith_host_call_end(ctx);
}

void kith_pending_deliver(const struct kith_result *result, void *pending)
{
    struct pending_action *p = pending;
    if (p->ctx != NULL) {
        unlink_pending(p);
        complete(p, result);
    }
    free(p);
}

void kith_pending_discard(struct pending_action *pending)
{
    if (pending == NULL)
        return;
    /* ud stays the plugin's: a refused call takes nothing, as on every other error path. */
    unlink_pending(pending);
    free(pending);
}

static void cancel_pending(struct kith_plugin_ctx *ctx)
{
    static const struct kith_result cancelled = {.err = KITH_ERR_CANCELLED,
                                                 .detail = "the plugin is being unloaded"};
    while (ctx->pending != NULL) {
        struct pending_action *p = ctx->pending;
        unlink_pending(p);
        complete(p, &cancelled);
        p->ctx = NULL; /* freed when the adapter delivers */
    }
}

static void free_timer_handle(uv_handle_t *handle)
{
    free(handle->data);
}

/* Removes the timer from its plugin's list, releases its user data and closes the handle. */
static void destroy_timer(struct plugin_timer *t)
{
    struct plugin_timer **link = &t->ctx->timers;
    while (*link != NULL && *link != t)
        link = &(*link)->next;
    if (*link == t)
        *link = t->next;
    if (t->free_ud != NULL)
        t->free_ud(t->ud);
    uv_timer_stop(&t->handle);
    uv_close((uv_handle_t *)&t->handle, free_timer_handle);
}

static void timer_fired(uv_timer_t *handle)
{
    struct plugin_timer *t = handle->data;
    t->firing = true;
    kith_host_call_begin(t->ctx);
    t->fn(t->ctx, t->ud);
    kith_host_call_end(t->ctx);
    t->firing = false;
    if (t->stopped || !t->repeating)
        destroy_timer(t);
}

kith_err kith_host_timer_start(struct kith_plugin_ctx *ctx, uint64_t delay_ms, uint64_t repeat_ms,
                               kith_timer_fn fn, void *ud, kith_free_fn free_ud,
                               uint64_t *timer_id_out)
{
    /* Values past INT64_MAX can only be negative numbers converted: a delay worked out as
     * "due - now" for a moment already past means now, and a negative period means nothing. */
    if (fn == NULL || repeat_ms > INT64_MAX)
        return KITH_ERR_INVALID;
    if (delay_ms > INT64_MAX)
        delay_ms = 0;
    if (ctx->core->stopping || ctx->releasing)
        return KITH_ERR_BUSY;
    struct plugin_timer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return KITH_ERR_NOMEM;
    t->ctx = ctx;
    t->id = ++ctx->next_timer_id;
    t->fn = fn;
    t->ud = ud;
    t->free_ud = free_ud;
    t->repeating = repeat_ms > 0;
    uv_timer_init(ctx->core->loop, &t->handle);
    t->handle.data = t;
    uv_timer_start(&t->handle, timer_fired, delay_ms, repeat_ms);
    t->next = ctx->timers;
    ctx->timers = t;
    if (timer_id_out != NULL)
        *timer_id_out = t->id;
    return KITH_OK;
}

kith_err kith_host_timer_stop(struct kith_plugin_ctx *ctx, uint64_t timer_id)
{
    for (struct plugin_timer *t = ctx->timers; t != NULL; t = t->next) {
        if (t->id != timer_id || t->stopped)
            continue;
        if (t->firing) {
            uv_timer_stop(&t->handle);
            t->stopped = true;
        } else {
            destroy_timer(t);
        }
        return KITH_OK;
    }
    return KITH_ERR_NOT_FOUND;
}

void kith_host_release(struct kith_plugin_ctx *ctx)
{
    /* Cancelled completions and freed user data run plugin code, which may try again: that
     * must not queue new work (or, retried on every cancellation, never end). */
    ctx->releasing = true;
    cancel_pending(ctx);
    while (ctx->timers != NULL)
        destroy_timer(ctx->timers);
    /* The state first: releasing it may finalize statements it holds (an init that failed
     * had no shutdown to do it in); only what is still open after that is a leak. */
    if (ctx->free_state != NULL && ctx->state != NULL)
        ctx->free_state(ctx->state);
    ctx->state = NULL;
    ctx->free_state = NULL;
    kith_host_db_abandon(ctx);
    size_t leaked = kith_plugin_db_release_all(ctx->core->store, ctx->desc->name);
    if (leaked > 0)
        kith_log(KITH_LOG_WARN, "core", "plugin %s left %zu statement(s) unfinalized",
                 ctx->desc->name, leaked);
}
