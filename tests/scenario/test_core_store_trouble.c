/* Story: the store gets into trouble while admins work — the audit log cannot be written, the
 * file turns read-only. Every change is either stored together with its audit entry or not at
 * all, and the admin is told which. */
#include "core_story.h"

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
