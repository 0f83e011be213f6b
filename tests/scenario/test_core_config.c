/* Story: an admin configures the example plugin with /kith config. Good values are stored,
 * audited and seen by the plugin at once; bad ones are refused with what is allowed; a reset
 * brings the default back; everything survives a restart. */
#include "core_story.h"

#include "core/cmdparse.h"

/* The stored value of one example setting, or "" when unset (the default applies). */
static const char *stored(struct test_env *env, const char *key, char *buf, size_t size)
{
    static const char sql[] = "SELECT value FROM kith_plugin_settings"
                              " WHERE server_id = 'test:guild1' AND plugin = 'example'"
                              " AND key = ?1";
    return story_query_text(env, sql, key, buf, size);
}

TEST(test_admin_lists_the_settings_with_their_defaults)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example");
    const char *list = test_last_reply(&env);
    CHECK_CONTAINS(list, "greeting = Welcome, {user}! Try /note add. (default)");
    CHECK_CONTAINS(list, "max_notes = 100 (default) — how many notes a server may keep "
                         "(a whole number from 1 to 10000; default 100)");
    CHECK_CONTAINS(list, "reminders = true (default)");
    CHECK_CONTAINS(list, "max_delay = 7d (default)");
    CHECK_CONTAINS(list, "list_visibility = private (default) — who sees /note list "
                         "(one of: private, public; default private)");
    CHECK_CONTAINS(list, "reminder_channel = (unset)");
    CHECK_CONTAINS(list, "rules_url = https://example.org/rules (default)");

    /* Settings are an admin's business. */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/kith config example");
    CHECK_STR(test_last_reply(&env), "/kith config needs the admin role; you are a manager here.");
    test_env_finish(&env);
}

TEST(test_admin_changes_the_greeting_and_the_plugin_uses_it_at_once)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    /* The plugin caches the greeting; on_settings must drop the cache. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note greet");
    CHECK_STR(test_last_reply(&env), "Welcome, test:alice! Try /note add.\n"
                                     "Read the rules: https://example.org/rules");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN,
             "/kith config example greeting Hallo {user}, schön dass du da bist!");
    CHECK_CONTAINS(test_last_reply(&env),
                   "Saved. greeting = Hallo {user}, schön dass du da bist! —");
    char buf[256];
    CHECK_STR(stored(&env, "greeting", buf, sizeof buf), "Hallo {user}, schön dass du da bist!");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note greet");
    CHECK_CONTAINS(test_last_reply(&env), "Hallo test:alice, schön dass du da bist!");

    struct story_audit log = story_audit(&env);
    REQUIRE(log.count == 2); /* the enable, then this */
    CHECK_STR(log.entries[0].actor, ADMIN);
    CHECK_STR(log.entries[0].action, "setting.set");
    CHECK_STR(log.entries[0].target, "example.greeting");
    CHECK_STR(log.entries[0].before, "Welcome, {user}! Try /note add.");
    CHECK_STR(log.entries[0].after, "Hallo {user}, schön dass du da bist!");
    test_env_finish(&env);
}

TEST(test_plugin_refuses_a_setting_value_its_type_allows_but_it_cannot_use)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example rules_url ftp://example.org/r");
    CHECK_CONTAINS(test_last_reply(&env), "rules_url must be a web address starting with https://");
    char buf[256];
    CHECK_STR(stored(&env, "rules_url", buf, sizeof buf), "");
    CHECK_INT(story_audit(&env).count, 1); /* only the enable: nothing changed */

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example rules_url https://kith.example/r");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. rules_url = https://kith.example/r");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note greet");
    CHECK_CONTAINS(test_last_reply(&env), "Read the rules: https://kith.example/r");
    test_env_finish(&env);
}

TEST(test_admin_limits_the_notes_and_the_plugin_keeps_to_it)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_notes 2");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. max_notes = 2 —");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add one");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add two");
    CHECK_STR(test_last_reply(&env), "Noted #2.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add three");
    CHECK_STR(test_last_reply(&env),
              "This server keeps at most 2 notes. /note forget <id> makes room.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM example_notes", NULL), 2);
    test_env_finish(&env);
}

TEST(test_bad_values_are_refused_naming_the_value_and_what_is_allowed)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    static const struct {
        const char *command, *expected;
    } cases[] = {
        {"/kith config example max_notes lots",
         "\"lots\" is not valid for max_notes: expected a whole number from 1 to 10000"},
        {"/kith config example max_notes 0",
         "\"0\" is not valid for max_notes: expected a whole number from 1 to 10000"},
        {"/kith config example max_notes 10001",
         "\"10001\" is not valid for max_notes: expected a whole number from 1 to 10000"},
        {"/kith config example list_visibility secret",
         "\"secret\" is not valid for list_visibility: expected one of: private, public"},
        {"/kith config example max_delay soon",
         "\"soon\" is not valid for max_delay: expected a duration from 1m to 30d"},
        {"/kith config example max_delay 90d",
         "\"90d\" is not valid for max_delay: expected a duration from 1m to 30d"},
        {"/kith config example reminders maybe",
         "\"maybe\" is not valid for reminders: expected true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_say(&env, ADMIN, KITH_ROLE_ADMIN, cases[i].command);
        CHECK_CONTAINS(test_last_reply(&env), cases[i].expected);
    }
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_plugin_settings", NULL), 0);
    CHECK_INT(story_audit(&env).count, 0);
    test_env_finish(&env);
}

TEST(test_unknown_key_lists_the_keys_and_unknown_plugin_says_so)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example colour red");
    CHECK_STR(test_last_reply(&env),
              "example has no setting \"colour\". Its settings: greeting, rules_url, max_notes, "
              "reminders, max_delay, list_visibility, reminder_channel.");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config exampel greeting hi");
    CHECK_STR(test_last_reply(&env),
              "There is no plugin called \"exampel\". /kith plugins lists them.");
    CHECK_INT(story_audit(&env).count, 0);
    test_env_finish(&env);
}

TEST(test_reset_brings_back_the_default_and_is_audited)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_delay 2h");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. max_delay = 2h —");
    char buf[64];
    CHECK_STR(stored(&env, "max_delay", buf, sizeof buf), "7200");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_delay --reset");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. max_delay = 7d (default)");
    CHECK_STR(stored(&env, "max_delay", buf, sizeof buf), "");

    struct story_audit log = story_audit(&env);
    REQUIRE(log.count == 2);
    CHECK_STR(log.entries[0].action, "setting.reset");
    CHECK_STR(log.entries[0].target, "example.max_delay");
    CHECK_STR(log.entries[0].before, "2h");
    CHECK_STR(log.entries[0].after, "7d");
    CHECK_STR(log.entries[1].action, "setting.set");
    CHECK_STR(log.entries[1].before, "7d");
    CHECK_STR(log.entries[1].after, "2h");
    test_env_finish(&env);
}

TEST(test_settings_survive_a_restart)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example reminders off");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. reminders = false —");

    REQUIRE(test_env_restart(&env, story_example()));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 10m water the plants");
    CHECK_STR(test_last_reply(&env), "Reminders are turned off here. An admin can turn them "
                                     "on with /kith config example reminders true.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_finish(&env);
}

TEST(test_manager_changes_the_greeting_through_the_plugin)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note greeting Hi");
    CHECK_STR(test_last_reply(&env),
              "/note greeting needs the manager role; you are a member here.");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/note greeting Moin {user} 👋");
    CHECK_STR(test_last_reply(&env), "The greeting is now: Moin {user} 👋");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note greet");
    CHECK_CONTAINS(test_last_reply(&env), "Moin test:alice 👋");

    /* setting_set goes through the same validation and audit as /kith config. */
    struct story_audit log = story_audit(&env);
    REQUIRE(log.count == 2);
    CHECK_STR(log.entries[0].actor, "example");
    CHECK_STR(log.entries[0].action, "setting.set");
    CHECK_STR(log.entries[0].after, "Moin {user} 👋");
    test_env_finish(&env);
}

TEST(test_an_overlong_pasted_value_is_refused_with_the_rule_in_valid_utf8)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    /* 300 emoji: the greeting allows 200 characters. */
    char command[1400] = "/kith config example greeting ";
    for (int i = 0; i < 300; i++)
        strcat(command, "\xF0\x9F\x99\x82");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, command);
    const char *reply = test_last_reply(&env);
    CHECK_CONTAINS(reply, "is not valid for greeting: expected text of 1 to 200 characters");
    CHECK(kith_utf8_valid(reply, strlen(reply)));
    CHECK(strlen(reply) < 400); /* an excerpt of the value, not all of it */
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_plugin_settings", NULL), 0);
    test_env_finish(&env);
}
