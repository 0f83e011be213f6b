/* The scheduler: jobs fire when due and in order, survive restarts (firing late, once), wait
 * for an unloaded owner, and are driven by a real libuv timer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tmp_db.h"
#include "core/scheduler.h"
#include "store/store.h"

static struct kith_store *open_store(const struct tmp_db *t)
{
    struct kith_store *store = NULL;
    if (kith_store_open(t->path, NULL, &store, NULL) != KITH_OK)
        return NULL;
    return store;
}

/* What the fire callback saw, and what it answers. */
struct recorder {
    int64_t clock_ms;
    char fired[512];
    int count;
    int late_count;
    const char *unloaded_owner; /* jobs of this owner are refused (not loaded) */
    int refused;
    struct kith_scheduler *sched; /* for callbacks that schedule follow-ups */
    uv_timer_t *guard;            /* real-loop tests: stopped once a job fires */
    uint64_t fired_at_loop_ms;
};

static int64_t fake_clock(void *ud)
{
    return ((struct recorder *)ud)->clock_ms;
}

static bool record_fire(const struct kith_due_job *due, void *ud)
{
    struct recorder *r = ud;
    if (r->unloaded_owner != NULL && strcmp(due->owner, r->unloaded_owner) == 0) {
        r->refused++;
        return false;
    }
    size_t used = strlen(r->fired);
    snprintf(r->fired + used, sizeof r->fired - used, "%s%s/%s/%s%s", used > 0 ? "," : "",
             due->owner, due->job.kind, due->job.payload, due->job.late ? "/late" : "");
    r->count++;
    r->late_count += due->job.late;
    return true;
}

static struct kith_scheduler *new_scheduler(struct kith_store *store, struct recorder *r,
                                            uv_loop_t *loop)
{
    struct kith_scheduler_options opts = {.loop = loop,
                                          .store = store,
                                          .clock = loop == NULL ? fake_clock : NULL,
                                          .clock_ud = r,
                                          .fire = record_fire,
                                          .fire_ud = r};
    struct kith_scheduler *s = NULL;
    if (kith_scheduler_new(&opts, &s) != KITH_OK)
        return NULL;
    return s;
}

static int64_t job_rows(struct kith_store *store)
{
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kith_store_db(store), "SELECT count(*) FROM kith_jobs", -1, &stmt,
                           NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

TEST(test_poll_closes_when_due_and_not_before)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 1000};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    int64_t id = 0;
    CHECK_INT(kith_scheduler_add(s, "polls", "discord:1", "poll_close", "{\"poll\":3}", 5000, &id),
              KITH_OK);
    CHECK(id > 0);
    CHECK_INT(kith_scheduler_run_due(s, 4999), 0);
    CHECK_INT(r.count, 0);
    CHECK_INT(kith_scheduler_run_due(s, 5000), 1);
    CHECK_STR(r.fired, "polls/poll_close/{\"poll\":3}");
    CHECK_INT(r.late_count, 0);
    CHECK_INT(job_rows(store), 0);
    CHECK_INT(kith_scheduler_run_due(s, 9000), 0); /* delivered once */
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_jobs_fire_in_due_order_with_ties_by_creation)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 0};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "contests", NULL, "end", "c", 300, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "a", 100, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "faq", NULL, "sweep", "b1", 200, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "faq", NULL, "sweep", "b2", 200, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "core", NULL, "report", "later", 10000, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_run_due(s, 500), 4);
    CHECK_STR(r.fired, "polls/close/a,faq/sweep/b1,faq/sweep/b2,contests/end/c");
    CHECK_INT(job_rows(store), 1);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_cancelled_job_never_fires_and_only_its_owner_may_cancel)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 0};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    int64_t id = 0;
    CHECK_INT(kith_scheduler_add(s, "polls", "discord:1", "poll_close", "", 100, &id), KITH_OK);
    CHECK_INT(kith_scheduler_cancel(s, "contests", id), KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_scheduler_cancel(s, "polls", id), KITH_OK);
    CHECK_INT(kith_scheduler_cancel(s, "polls", id), KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_scheduler_cancel(s, "polls", 424242), KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_scheduler_run_due(s, 1000), 0);
    CHECK_INT(r.count, 0);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_job_due_while_stopped_fires_late_once_after_restart)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 1000};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "contests", "discord:1", "contest_end", "7", 2000, NULL),
              KITH_OK);
    kith_scheduler_free(s);
    kith_store_close(store);

    /* kithd was down from 1500 to 5000. */
    store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder after = {.clock_ms = 5000};
    s = new_scheduler(store, &after, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK); /* without a loop, start fires what is due */
    CHECK_INT(after.count, 1);
    CHECK_INT(after.late_count, 1);
    CHECK_STR(after.fired, "contests/contest_end/7/late");
    CHECK_INT(kith_scheduler_run_due(s, 6000), 0);
    kith_scheduler_free(s);
    kith_store_close(store);

    store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder again = {.clock_ms = 9000};
    s = new_scheduler(store, &again, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_run_due(s, 10000), 0);
    CHECK_INT(again.count, 0);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_job_due_while_running_is_not_late)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 1000};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "x", 1500, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_run_due(s, 60000), 1); /* a slow tick is still not "late" */
    CHECK_INT(r.late_count, 0);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_job_of_unloaded_plugin_waits_until_rescan)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 0, .unloaded_owner = "contests"};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "contests", NULL, "end", "1", 100, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "2", 200, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_run_due(s, 1000), 1);
    CHECK_INT(r.refused, 1);
    CHECK_STR(r.fired, "polls/close/2");
    CHECK_INT(job_rows(store), 1); /* kept */
    CHECK_INT(kith_scheduler_run_due(s, 2000), 0);
    CHECK_INT(r.refused, 1); /* skipped, not offered again */
    r.unloaded_owner = NULL; /* the plugin was loaded */
    kith_scheduler_rescan(s);
    CHECK_INT(kith_scheduler_run_due(s, 3000), 1);
    CHECK_STR(r.fired, "polls/close/2,contests/end/1");
    CHECK_INT(job_rows(store), 0);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

static bool fire_and_reschedule(const struct kith_due_job *due, void *ud)
{
    struct recorder *r = ud;
    record_fire(due, ud);
    if (r->count < 3)
        kith_scheduler_add(r->sched, due->owner, NULL, due->job.kind, "", due->job.due_at_ms + 100,
                           NULL);
    return true;
}

TEST(test_weekly_report_reschedules_itself_from_its_fire)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 0};
    struct kith_scheduler_options opts = {.store = store,
                                          .clock = fake_clock,
                                          .clock_ud = &r,
                                          .fire = fire_and_reschedule,
                                          .fire_ud = &r};
    struct kith_scheduler *s = NULL;
    REQUIRE(kith_scheduler_new(&opts, &s) == KITH_OK);
    r.sched = s;
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "insights", NULL, "report", "", 100, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_run_due(s, 150), 1);
    CHECK_INT(job_rows(store), 1);
    CHECK_INT(kith_scheduler_run_due(s, 250), 1);
    CHECK_INT(kith_scheduler_run_due(s, 350), 1);
    CHECK_INT(job_rows(store), 0);
    CHECK_INT(r.count, 3);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_scheduler_rejects_missing_arguments)
{
    struct kith_scheduler *s = NULL;
    struct kith_scheduler_options opts = {0};
    CHECK_INT(kith_scheduler_new(&opts, &s), KITH_ERR_INVALID);
    CHECK(s == NULL);
    CHECK_INT(kith_scheduler_new(NULL, &s), KITH_ERR_INVALID);
    kith_scheduler_free(NULL);
}

/* ---- With a real libuv loop. ---- */

static void on_guard(uv_timer_t *timer)
{
    uv_stop(timer->loop); /* the test failed to fire in time; do not hang */
}

static bool fire_on_loop(const struct kith_due_job *due, void *ud)
{
    struct recorder *r = ud;
    record_fire(due, ud);
    r->fired_at_loop_ms = uv_now(r->guard->loop);
    uv_timer_stop(r->guard);
    return true;
}

static struct kith_scheduler *loop_scheduler(uv_loop_t *loop, struct kith_store *store,
                                             struct recorder *r)
{
    struct kith_scheduler_options opts = {
        .loop = loop, .store = store, .fire = fire_on_loop, .fire_ud = r};
    struct kith_scheduler *s = NULL;
    if (kith_scheduler_new(&opts, &s) != KITH_OK)
        return NULL;
    return s;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Closes the scheduler's and the guard's handles and checks nothing is left open. */
static void finish_loop(uv_loop_t *loop, struct kith_scheduler *s, uv_timer_t *guard)
{
    kith_scheduler_free(s);
    uv_close((uv_handle_t *)guard, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(loop), 0);
}

TEST(test_job_due_in_50ms_fires_from_the_loop_timer)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, 5000, 0);
    struct recorder r = {.guard = &guard};
    struct kith_scheduler *s = loop_scheduler(&loop, store, &r);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    uv_update_time(&loop);
    uint64_t began = uv_now(&loop);
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "soon", wall_ms() + 50, NULL), KITH_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.fired, "polls/close/soon");
    CHECK(r.fired_at_loop_ms - began >= 40);
    CHECK(r.fired_at_loop_ms - began < 4000);
    CHECK_INT(job_rows(store), 0);
    finish_loop(&loop, s, &guard);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_job_added_in_the_past_fires_on_the_next_iteration_not_inside_add)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, 5000, 0);
    struct recorder r = {.guard = &guard};
    struct kith_scheduler *s = loop_scheduler(&loop, store, &r);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "past", wall_ms() - 60000, NULL),
              KITH_OK);
    CHECK_INT(r.count, 0);
    uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(r.count, 1);
    CHECK_INT(r.late_count, 1); /* due before the scheduler started: late by definition */
    finish_loop(&loop, s, &guard);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_start_on_a_loop_fires_overdue_jobs_on_the_first_iteration)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, 5000, 0);
    struct recorder r = {.guard = &guard};
    struct kith_scheduler *s = loop_scheduler(&loop, store, &r);
    REQUIRE(s != NULL);
    /* Added before start, as if stored by the previous run of kithd. */
    CHECK_INT(kith_scheduler_add(s, "contests", NULL, "end", "old", wall_ms() - 1000, NULL),
              KITH_OK);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(r.count, 0);
    uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(r.count, 1);
    CHECK_INT(r.late_count, 1);
    finish_loop(&loop, s, &guard);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_job_due_at_the_far_past_fires_at_once_without_overflow)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, 5000, 0);
    struct recorder r = {.guard = &guard};
    struct kith_scheduler *s = loop_scheduler(&loop, store, &r);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    /* A plugin computed its due time from a negative number. */
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "min", INT64_MIN, NULL), KITH_OK);
    uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.fired, "polls/close/min/late");
    finish_loop(&loop, s, &guard);
    kith_store_close(store);
    tmp_db_remove(&t);
}

/* The owner goes away from inside a job (kithd freed while a plugin's on_job ran). */
static struct kith_store *doomed_store;
static bool fire_and_go_away(const struct kith_due_job *due, void *ud)
{
    struct recorder *r = ud;
    record_fire(due, ud);
    kith_scheduler_free(r->sched);
    kith_store_close(doomed_store);
    doomed_store = NULL;
    return true;
}

TEST(test_scheduler_freed_inside_a_job_stops_and_the_job_fires_again_next_start)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    doomed_store = open_store(&t);
    REQUIRE(doomed_store != NULL);
    struct recorder r = {.clock_ms = 0};
    struct kith_scheduler_options opts = {.store = doomed_store,
                                          .clock = fake_clock,
                                          .clock_ud = &r,
                                          .fire = fire_and_go_away,
                                          .fire_ud = &r};
    struct kith_scheduler *s = NULL;
    REQUIRE(kith_scheduler_new(&opts, &s) == KITH_OK);
    r.sched = s;
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "contests", NULL, "end", "a", 100, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "contests", NULL, "end", "b", 200, NULL), KITH_OK);
    CHECK_INT(kith_scheduler_run_due(s, 500), 1);
    CHECK_STR(r.fired, "contests/end/a");
    CHECK(doomed_store == NULL);

    /* The next start: the interrupted job was not lost. */
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder again = {.clock_ms = 1000};
    s = new_scheduler(store, &again, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_STR(again.fired, "contests/end/a/late,contests/end/b/late");
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_job_that_fired_but_could_not_be_deleted_fires_again_only_after_restart)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder r = {.clock_ms = 0};
    struct kith_scheduler *s = new_scheduler(store, &r, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_INT(kith_scheduler_add(s, "polls", NULL, "close", "once", 100, NULL), KITH_OK);
    /* The store refuses to delete (a full disk, say). */
    REQUIRE(sqlite3_exec(kith_store_db(store),
                         "CREATE TRIGGER jobs_stuck BEFORE DELETE ON kith_jobs"
                         " BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
                         NULL, NULL, NULL) == SQLITE_OK);
    CHECK_INT(kith_scheduler_run_due(s, 1000), 1);
    CHECK_INT(job_rows(store), 1);
    /* An operator loads another plugin: the poll must not close twice in this run. */
    kith_scheduler_rescan(s);
    CHECK_INT(kith_scheduler_run_due(s, 2000), 0);
    CHECK_STR(r.fired, "polls/close/once");
    kith_scheduler_free(s);
    REQUIRE(sqlite3_exec(kith_store_db(store), "DROP TRIGGER jobs_stuck", NULL, NULL, NULL) ==
            SQLITE_OK);
    kith_store_close(store);

    /* After a restart it fires again (late): at least once, never lost. */
    store = open_store(&t);
    REQUIRE(store != NULL);
    struct recorder after = {.clock_ms = 5000};
    s = new_scheduler(store, &after, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(kith_scheduler_start(s), KITH_OK);
    CHECK_STR(after.fired, "polls/close/once/late");
    CHECK_INT(job_rows(store), 0);
    kith_scheduler_free(s);
    kith_store_close(store);
    tmp_db_remove(&t);
}
