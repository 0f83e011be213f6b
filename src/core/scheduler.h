/* Persistent scheduled jobs: stored in the kith_jobs table, fired when due by a libuv timer,
 * surviving restarts, and fired late (once) when they came due while kithd was stopped. */
#ifndef KITH_CORE_SCHEDULER_H
#define KITH_CORE_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include <kith/plugin.h>

#include "store/store.h"

struct kith_scheduler;

/* A due job, borrowed for the callback. owner is "core" or a plugin name. */
struct kith_due_job {
    const char *owner;
    struct kith_job job;
};

/* Called for each due job. Returns true when the job was delivered: its row is then deleted
 * (after fire returns, so a crash inside fire leaves it to fire again after restart). Returns
 * false when its owner is not loaded: the job stays stored and is skipped until restart or
 * kith_scheduler_rescan. */
typedef bool (*kith_job_fire_fn)(const struct kith_due_job *due, void *ud);
typedef int64_t (*kith_clock_fn)(void *ud); /* unix ms */

struct kith_scheduler_options {
    uv_loop_t *loop;          /* NULL: no timer; the caller drives kith_scheduler_run_due */
    struct kith_store *store; /* borrowed */
    kith_clock_fn clock;      /* NULL: the system clock */
    void *clock_ud;
    kith_job_fire_fn fire;
    void *fire_ud;
};

kith_err kith_scheduler_new(const struct kith_scheduler_options *opts, struct kith_scheduler **out);

/* Marks the start time (jobs due before it are "late") and arms the timer for the earliest
 * job, firing at once the ones already due. */
kith_err kith_scheduler_start(struct kith_scheduler *s);

kith_err kith_scheduler_add(struct kith_scheduler *s, const char *owner, const char *server_id,
                            const char *kind, const char *payload, int64_t due_at_ms,
                            int64_t *job_id_out);
/* KITH_ERR_NOT_FOUND when the job does not exist or belongs to another owner. */
kith_err kith_scheduler_cancel(struct kith_scheduler *s, const char *owner, int64_t job_id);

/* Fires every job due at `now_ms` (in due order); returns how many were delivered. */
size_t kith_scheduler_run_due(struct kith_scheduler *s, int64_t now_ms);

/* Forgets which undelivered jobs were skipped (a plugin was loaded) and re-arms the timer. */
void kith_scheduler_rescan(struct kith_scheduler *s);

/* Stops the timer; the handle closes on the next loop iteration. Safe with NULL, and inside
 * fire (the owner is going away): the run stops after that job, which is not deleted and so
 * fires again at the next start (at least once), and the store is not touched again. */
void kith_scheduler_free(struct kith_scheduler *s);

#endif
