/* The store, its core tables, plugin statements, buffered writes and the scheduler when
 * memory runs out: each allocation fails in turn (curl's torture mode), and every run must
 * end without a crash and with nothing left allocated. Its own executable, because it
 * replaces malloc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tmp_db.h"
#include "core/scheduler.h"
#include "store/core_tables.h"
#include "store/plugin_db.h"
#include "store/store.h"

#include "torture_alloc.h"

static struct tmp_db db;

static void remove_db_files(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[128];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", db.path, suffixes[i]);
        unlink(path);
    }
}

static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return 10000;
}

static bool fire_any(const struct kith_due_job *due, void *ud)
{
    (void)due;
    (void)ud;
    return true;
}

/* What an admin change, a plugin's statement and a buffered write do to a fresh store. */
static kith_err use_tables(struct kith_store *store)
{
    kith_err err = kith_store_change_begin(store);
    if (err != KITH_OK)
        return err;
    err = kith_db_setting_set(store, "test:1", "polls", "max", "5", 1);
    if (err == KITH_OK)
        err = kith_db_audit_append(store,
                                   &(struct kith_audit_entry){"test:1", "test:admin", "setting.set",
                                                              "polls.max", NULL, "5", 1});
    if (err != KITH_OK) {
        kith_store_change_undo(store);
        return err;
    }
    err = kith_store_change_end(store);
    char *value = NULL;
    if (err == KITH_OK)
        err = kith_db_setting_get(store, "test:1", "polls", "max", &value);
    free(value);
    return err;
}

static kith_err use_plugin_statement(struct kith_store *store)
{
    static const struct kith_migration migrations[] = {{1, "CREATE TABLE polls_votes (n)"}};
    char *error = NULL;
    kith_err err = kith_store_migrate_plugin(store, "polls", migrations, 1, &error);
    free(error);
    if (err != KITH_OK)
        return err;
    kith_stmt *stmt = NULL;
    err = kith_plugin_db_prepare(store, "polls", "INSERT INTO polls_votes VALUES (?1)", &stmt,
                                 &error);
    free(error);
    if (err == KITH_OK)
        err = kith_plugin_db_bind_text(stmt, 1, "yes");
    if (err == KITH_OK)
        err = kith_plugin_db_step(stmt, NULL);
    kith_plugin_db_finalize(stmt);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value row[] = {KITH_DB_TEXT("buffered")};
    err = kith_store_buffer_write_plugin(store, "polls", "INSERT INTO polls_votes VALUES (?1)", row,
                                         1, &error);
    free(error);
    return err == KITH_OK ? kith_store_flush(store) : err;
}

static kith_err use_scheduler(struct kith_store *store)
{
    struct kith_scheduler_options opts = {.store = store, .clock = fixed_clock, .fire = fire_any};
    struct kith_scheduler *s = NULL;
    kith_err err = kith_scheduler_new(&opts, &s);
    if (err != KITH_OK)
        return err;
    err = kith_scheduler_start(s);
    if (err == KITH_OK)
        err = kith_scheduler_add(s, "polls", "test:1", "close", "{}", 5000, NULL);
    if (err == KITH_OK)
        kith_scheduler_run_due(s, 20000);
    kith_scheduler_free(s);
    return err;
}

static kith_err scenario_store(void)
{
    remove_db_files();
    struct kith_store *store = NULL;
    char *error = NULL;
    kith_err err = kith_store_open(db.path, NULL, &store, &error);
    free(error);
    if (err != KITH_OK)
        return err;
    err = use_tables(store);
    if (err == KITH_OK)
        err = use_plugin_statement(store);
    if (err == KITH_OK)
        err = use_scheduler(store);
    kith_store_close(store);
    return err;
}

TEST(test_store_survives_every_allocation_failure_and_leaks_nothing)
{
    REQUIRE(tmp_db_make(&db));
    /* A clean run first: SQLite sets up its process-wide state once. */
    CHECK_INT(scenario_store(), KITH_OK);
    for (long n = 0; n < 100000; n++) {
        long before = live_blocks;
        fail_countdown = n;
        kith_err rc = scenario_store();
        bool failed_one = fail_countdown < 0;
        fail_countdown = -1;
        if (live_blocks != before)
            fprintf(stderr, "  allocation %ld failing leaked %ld blocks (rc %d)\n", n,
                    live_blocks - before, rc);
        CHECK_INT(live_blocks, before);
        if (!failed_one) { /* nothing left to fail: a clean run */
            CHECK_INT(rc, KITH_OK);
            CHECK(!TORTURE || n > 100);
            break;
        }
    }
    remove_db_files();
    tmp_db_remove(&db);
}
