/* The host side of the plugin boundary that the loader and dispatcher need: the host table,
 * migrations under the plugin's name, tracked completions and timers, and releasing all of a
 * plugin's pending work before it unloads. */
#ifndef KITH_CORE_HOST_INTERNAL_H
#define KITH_CORE_HOST_INTERNAL_H

#include <kith/plugin.h>

#include "core/platform.h"
#include "core/plugin_host.h"

/* The table given to every plugin's init. */
const struct kith_host *kith_host_table(void);

/* Applies the plugin's migrations (its tables only). *error_out: free it. */
kith_err kith_host_migrate(struct kith_plugin_ctx *ctx, char **error_out);

/* Bracket every call into a plugin. When its outermost call returns with a transaction it
 * began still open, the transaction is rolled back (and logged): left open, it would take in
 * the core's own writes and hold the buffered writes back until someone ended it. */
void kith_host_call_begin(struct kith_plugin_ctx *ctx);
void kith_host_call_end(struct kith_plugin_ctx *ctx);
/* Rolls back a transaction the plugin left open (at unload, or when its call ended). */
void kith_host_db_abandon(struct kith_plugin_ctx *ctx);

/* Cancels the plugin's timers and completions (each completion gets KITH_ERR_CANCELLED) and
 * frees its state. Everything that can call plugin code is gone after this. */
void kith_host_release(struct kith_plugin_ctx *ctx);

/* A completion tracked for a platform call. The adapter gets kith_pending_deliver and the
 * returned pointer as its callback; it calls it exactly once. */
struct pending_action *kith_pending_new(struct kith_plugin_ctx *ctx,
                                        const struct kith_completion *done);
void kith_pending_deliver(const struct kith_result *result, void *pending);
/* The adapter refused synchronously: forget the wrapper without calling done or free_ud
 * (the call returns an error, so the plugin still owns ud). */
void kith_pending_discard(struct pending_action *pending);

/* Timers (the host table's timer_start/timer_stop). */
kith_err kith_host_timer_start(struct kith_plugin_ctx *ctx, uint64_t delay_ms, uint64_t repeat_ms,
                               kith_timer_fn fn, void *ud, kith_free_fn free_ud,
                               uint64_t *timer_id_out);
kith_err kith_host_timer_stop(struct kith_plugin_ctx *ctx, uint64_t timer_id);

#endif
