/* Story: the store gets into trouble while admins work — the audit log cannot be written, the
 * file turns read-only. Every change is either stored together with its audit entry or not at
 * all, and the admin is told which. */
#include "core_story.h"

#include "core/plugin_host.h"

/* From now on every write to the audit log fails (as a full disk might make it). */
static bool break_the_audit_log(struct test_env *env)
{
    return sqlite3_exec(kith_store_db(env->core->store),
                        "CREATE TRIGGER audit_unavailable BEFORE INSERT ON kith_audit_log"
                        " BEGIN SELECT RAISE(FAIL, 'audit log unavailable'); END",
                        NULL, NULL, NULL) == SQLITE_OK;
}

static long long settings_stored(struct test_env *env)
{
    return story_query(env, "SELECT COUNT(*) FROM kith_plugin_settings", NULL);
}

static long long managers_stored(struct test_env *env)
{
    return story_query(env, "SELECT COUNT(*) FROM kith_managers", NULL);
}

TEST(test_no_admin_change_is_stored_without_its_audit_entry)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(break_the_audit_log(&env));

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
    CHECK_CONTAINS(test_last_reply(&env), "nothing was changed");
    CHECK(!story_enabled(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note count");
    CHECK_CONTAINS(test_last_reply(&env), "not enabled here");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_notes 5");
    CHECK_CONTAINS(test_last_reply(&env), "nothing was changed");
    CHECK_INT(settings_stored(&env), 0);

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add role:123");
    CHECK_CONTAINS(test_last_reply(&env), "nothing was changed");
    CHECK_INT(managers_stored(&env), 0);

    /* Once the audit log works again, so do the changes, each with its entry. */
    REQUIRE(sqlite3_exec(kith_store_db(env.core->store), "DROP TRIGGER audit_unavailable", NULL,
                         NULL, NULL) == SQLITE_OK);
    REQUIRE(story_enable(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add role:123");
    CHECK_CONTAINS(test_last_reply(&env), "is now a manager");
    CHECK_INT(story_audit(&env).count, 2);
    test_env_finish(&env);
}

TEST(test_read_only_store_refuses_changes_and_says_so)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(sqlite3_exec(kith_store_db(env.core->store), "PRAGMA query_only = 1", NULL, NULL,
                         NULL) == SQLITE_OK);
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
    CHECK_CONTAINS(test_last_reply(&env), "Saving the change failed");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_notes 5");
    CHECK_CONTAINS(test_last_reply(&env), "Saving the change failed");
    REQUIRE(sqlite3_exec(kith_store_db(env.core->store), "PRAGMA query_only = 0", NULL, NULL,
                         NULL) == SQLITE_OK);
    CHECK(!story_enabled(&env));
    CHECK_INT(settings_stored(&env), 0);
    CHECK_INT(story_audit(&env).count, 0);
    test_env_finish(&env);
}

/* ---- A plugin that forgets to end its transaction. ---- */

static const struct kith_host *leaky_host;

static const struct kith_migration leaky_migrations[] = {
    {1, "CREATE TABLE leaky_rows (note TEXT NOT NULL)"},
};

/* Begins a transaction, writes, and returns without commit or rollback (an early return on
 * an error path, say). */
static void leaky_write(struct kith_plugin_ctx *ctx)
{
    kith_stmt *stmt = NULL;
    if (leaky_host->db_begin(ctx) != KITH_OK)
        return;
    if (leaky_host->db_prepare(ctx, "INSERT INTO leaky_rows (note) VALUES ('half done')", &stmt) ==
        KITH_OK)
        leaky_host->db_step(stmt, NULL);
    leaky_host->db_finalize(stmt);
}

static void leaky_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (ev->kind == KITH_EVENT_COMMAND)
        leaky_write(ctx);
}

static kith_err leaky_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    (void)ctx;
    leaky_host = host;
    return KITH_OK;
}

static const struct kith_command_decl leaky_commands[] = {
    {"leak", "writes without ending its transaction", KITH_ROLE_MEMBER, NULL, 0, NULL, 0},
};

static const struct kith_plugin leaky = {
    KITH_PLUGIN_HEADER,         .name = "leaky",    .version = "1.0.0",
    .commands = leaky_commands, .command_count = 1, .migrations = leaky_migrations,
    .migration_count = 1,       .init = leaky_init, .on_event = leaky_on_event,
};

TEST(test_transaction_a_plugin_leaves_open_does_not_swallow_the_admins_changes)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    char *error = NULL;
    REQUIRE(kith_plugin_load_builtin(env.core, &leaky, &error) == KITH_OK);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/leak");
    /* What the plugin left half done is undone... */
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM leaky_rows", NULL), 0);
    /* ...and what the admin and members do next is stored for good, buffered writes too. */
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "hello");
    test_env_run(&env, 120); /* past the batched-write interval */
    CHECK_INT(kith_store_pending_writes(env.core->store), 0);
    REQUIRE(test_env_restart(&env, story_example()));
    CHECK(story_enabled(&env));
    CHECK_INT(
        story_query(&env, "SELECT messages FROM example_counts WHERE server_id = ?1", TEST_SERVER),
        1);
    test_env_finish(&env);
}

static kith_err leaky_failing_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    leaky_host = host;
    leaky_write(ctx);
    return KITH_ERR_STORE; /* gives up half way */
}

TEST(test_plugin_failing_init_inside_a_transaction_leaves_the_store_usable)
{
    struct test_env env;
    REQUIRE(test_env_init(&env));
    REQUIRE(test_env_start(&env, NULL));
    struct kith_plugin failing = leaky;
    failing.init = leaky_failing_init;
    char *error = NULL;
    CHECK(kith_plugin_load_builtin(env.core, &failing, &error) != KITH_OK);
    free(error);
    error = NULL;
    /* The next plugin's migrations run as usual. */
    CHECK_INT(kith_core_load_plugin(env.core, test_plugin_path("example"), &error), KITH_OK);
    if (error != NULL)
        fprintf(stderr, "  %s\n", error);
    free(error);
    REQUIRE(story_enable(&env));
    test_env_finish(&env);
}
