/* Story: an operator adds plugins that must not load — built for another ABI, a duplicate
 * name, a command clash, a migration that reaches into kith's tables, an init that fails.
 * Each is refused with a reason that names what is wrong, and kith keeps working. */
#include "core_story.h"

#include "core/plugin_host.h"

/* Tries to load a plugin into the running kith; returns the refusal (free it) or NULL. */
static char *load_refused(struct test_env *env, const char *name)
{
    char *error = NULL;
    if (kith_core_load_plugin(env->core, test_plugin_path(name), &error) == KITH_OK) {
        free(error);
        return NULL;
    }
    return error ? error : strdup("(no reason given)");
}

/* After a refusal kith still answers, and the example plugin still works. */
static void check_still_works(struct test_env *env)
{
    test_say(env, ALICE, KITH_ROLE_MEMBER, "/note add still working");
    CHECK_CONTAINS(test_last_reply(env), "Noted #");
    test_say(env, ALICE, KITH_ROLE_MEMBER, "/kith plugins");
    CHECK_CONTAINS(test_last_reply(env), "● example 1.0.0");
}

TEST(test_plugin_for_another_abi_is_refused_naming_both_versions)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    char *error = load_refused(&env, "wrong_abi");
    REQUIRE(error != NULL);
    char theirs[32], ours[32];
    snprintf(theirs, sizeof theirs, "ABI %d.0", KITH_ABI_MAJOR + 1);
    snprintf(ours, sizeof ours, "ABI %d.%d", KITH_ABI_MAJOR, KITH_ABI_MINOR);
    CHECK_CONTAINS(error, "wrong_abi.so refused");
    CHECK_CONTAINS(error, theirs);
    CHECK_CONTAINS(error, ours);
    free(error);
    CHECK(kith_plugin_find(env.core, "wrong_abi") == NULL);
    check_still_works(&env);
    test_env_finish(&env);
}

TEST(test_kith_refuses_to_start_with_a_plugin_for_another_abi)
{
    struct test_env env;
    REQUIRE(test_env_init(&env));
    const char *paths[] = {test_plugin_path("wrong_abi"), NULL};
    CHECK(!test_env_start(&env, paths));
    char ours[32];
    snprintf(ours, sizeof ours, "ABI %d.%d", KITH_ABI_MAJOR, KITH_ABI_MINOR);
    CHECK_CONTAINS(env.start_error, ours);
    /* Without it, kith starts. */
    test_env_stop(&env);
    CHECK(test_env_start(&env, story_example()));
    test_env_finish(&env);
}

TEST(test_second_plugin_with_the_same_name_is_refused)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    char *error = load_refused(&env, "twin");
    REQUIRE(error != NULL);
    CHECK_CONTAINS(error, "twin.so refused: a plugin named \"example\" is already loaded");
    free(error);
    /* The first one is the one that answers. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/kith plugins");
    CHECK_CONTAINS(test_last_reply(&env), "example 1.0.0");
    CHECK(strstr(test_last_reply(&env), "impostor") == NULL);
    check_still_works(&env);
    test_env_finish(&env);
}

TEST(test_plugin_declaring_an_existing_command_is_refused)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    char *error = load_refused(&env, "clash");
    REQUIRE(error != NULL);
    CHECK_CONTAINS(error, "clash.so refused: command /note of plugin \"clash\" clashes with "
                          "plugin \"example\"");
    free(error);
    CHECK(kith_plugin_find(env.core, "clash") == NULL);
    check_still_works(&env);
    test_env_finish(&env);
}

TEST(test_migration_writing_core_tables_is_refused_and_rolled_back)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    char *error = load_refused(&env, "bad_migration");
    REQUIRE(error != NULL);
    CHECK_CONTAINS(error, "plugin \"bad_migration\"");
    CHECK_CONTAINS(error, "kith_members");
    free(error);

    /* No half-made table, no recorded version, no intruder. */
    CHECK_INT(story_query(&env,
                          "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'bad_migration%'",
                          NULL),
              0);
    int version = -1;
    CHECK_INT(kith_store_schema_version(env.core->store, "bad_migration", &version), KITH_OK);
    CHECK_INT(version, 0);
    CHECK_INT(
        story_query(&env, "SELECT COUNT(*) FROM kith_members WHERE user_id = ?1", "test:intruder"),
        0);
    CHECK(kith_plugin_find(env.core, "bad_migration") == NULL);
    check_still_works(&env);
    test_env_finish(&env);
}

TEST(test_plugin_whose_init_fails_is_refused_and_cleaned_up)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    char *error = load_refused(&env, "failing_init");
    REQUIRE(error != NULL);
    CHECK_STR(error, "plugin \"failing_init\" refused to start: init returned invalid argument");
    free(error);
    CHECK(kith_plugin_find(env.core, "failing_init") == NULL);

    /* Its command never became available; its timer (cancelled by the host) never fires. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help failing");
    CHECK_STR(test_last_reply(&env), "There is no command /failing here. /help lists the "
                                     "commands.");
    test_env_run(&env, 50);
    check_still_works(&env);
    test_env_finish(&env);
}

TEST(test_all_refusals_in_a_row_leave_kith_working)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    static const char *const refused[] = {"wrong_abi", "twin", "clash", "bad_migration",
                                          "failing_init"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *error = load_refused(&env, refused[i]);
        CHECK(error != NULL);
        free(error);
    }
    CHECK_INT(env.core->plugins->count, 2); /* the core commands and example */
    check_still_works(&env);
    REQUIRE(test_env_restart(&env, story_example()));
    check_still_works(&env);
    test_env_finish(&env);
}
