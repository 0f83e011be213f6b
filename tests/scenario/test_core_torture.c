/* Story: kith runs short of memory at the worst moments — while starting, loading a plugin,
 * answering a command, storing an admin's change, stopping. Each allocation fails in turn
 * (curl's torture mode); every run must end without a crash and with nothing left
 * allocated. Its own executable, because it replaces malloc. */
#include <dlfcn.h>
#include <unistd.h>

#include "core_story.h"
#include "core/log.h"

#include "torture_alloc.h"

static char dir[64], db_path[128];

static void remove_store(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[160];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
}

/* What a member or admin types, as an adapter hands it over (no platform is connected, so
 * kith's answers are refused: the work before them is what is under test). */
static void say(struct kith_core *core, const char *user, int role, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .author = {.id = user, .display_name = user, .role = role},
        .message = {.id = "test:in1", .text = text},
    };
    kith_core_dispatch(core, &ev);
}

/* One number from the store the last run left behind; -1 when it cannot be read. */
static long long stored_count(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static void stopped(struct kith_core *core, void *ud)
{
    (void)core;
    *(bool *)ud = true;
}

/* A day in kith's life, short: start with the example plugin, an admin enables and
 * configures it, members use it, kith stops. */
static void scenario(uv_loop_t *loop)
{
    remove_store();
    struct kith_config config = {0};
    config.store.path = db_path;
    config.store.batch_max_rows = 500;
    config.store.batch_interval_ms = 1000;
    struct kith_core_options opts = {.loop = loop, .config = &config};
    struct kith_core *core = NULL;
    char *error = NULL;
    if (kith_core_new(&opts, &core, &error) == KITH_OK &&
        kith_core_load_plugin(core, test_plugin_path("example"), &error) == KITH_OK &&
        kith_core_start(core) == KITH_OK) {
        say(core, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
        say(core, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_notes 5");
        say(core, ADMIN, KITH_ROLE_ADMIN, "/kith managers add role:7");
        say(core, ALICE, KITH_ROLE_MEMBER, "/note add buy milk");
        say(core, ALICE, KITH_ROLE_MEMBER, "/note remind 1 10m");
        say(core, ALICE, KITH_ROLE_MEMBER, "/help");
        say(core, ALICE, KITH_ROLE_MEMBER, "hello");
    }
    free(error);
    if (core != NULL) {
        bool done = false;
        kith_core_stop(core, 1000, stopped, &done);
        while (!done && uv_run(loop, UV_RUN_ONCE) != 0)
            ;
        kith_core_free(core);
    }
    uv_run(loop, UV_RUN_DEFAULT); /* closed handles go on the next turns, as in kithd */
}

TEST(test_kith_survives_every_allocation_failure_and_leaks_nothing)
{
    snprintf(dir, sizeof dir, "/tmp/kith-torture-XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(db_path, sizeof db_path, "%s/kith.db", dir);
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    /* Held open, so kith's dlopen only counts a reference: the C library's own lazily made
     * loader tables are not kith's to free. */
    void *plugin = dlopen(test_plugin_path("example"), RTLD_NOW | RTLD_LOCAL);
    REQUIRE(plugin != NULL);
    kith_log_open((kith_log_level)(KITH_LOG_ERROR + 1), NULL); /* quiet: thousands of runs */
    scenario(&loop); /* a clean run first: libraries set up their process-wide state once */
    long n = 0;
    for (; n < 1000000; n++) {
        long before = live_blocks;
        fail_countdown = n;
        scenario(&loop);
        bool failed_one = fail_countdown < 0;
        fail_countdown = -1;
        if (live_blocks != before)
            fprintf(stderr, "  allocation %ld failing leaked %ld blocks\n", n,
                    live_blocks - before);
        CHECK_INT(live_blocks, before);
        if (!failed_one) /* nothing left to fail: that was a clean run */
            break;
    }
    CHECK(!TORTURE || n > 1000);
    /* The last, clean run did the whole day's work. */
    CHECK_INT(stored_count("SELECT COUNT(*) FROM kith_plugin_enablement WHERE enabled = 1"), 1);
    CHECK_INT(stored_count("SELECT COUNT(*) FROM kith_plugin_settings"), 1);
    CHECK_INT(stored_count("SELECT COUNT(*) FROM kith_managers"), 1);
    CHECK_INT(stored_count("SELECT COUNT(*) FROM example_notes"), 1);
    CHECK_INT(stored_count("SELECT COUNT(*) FROM kith_audit_log"), 3);
    kith_log_open(KITH_LOG_WARN, NULL);
    CHECK_INT(uv_loop_close(&loop), 0);
    dlclose(plugin);
    remove_store();
    rmdir(dir);
}
