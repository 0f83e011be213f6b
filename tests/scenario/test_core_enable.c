/* Story: members find out what kith can do here, and an admin turns the example plugin on (and
 * off again). Members and managers cannot; the change is registered, audited, and survives a
 * restart. */
#include "core_story.h"

TEST(test_member_reads_help_before_anything_is_enabled)
{
    struct test_env env;
    REQUIRE(story_start(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help");
    const char *help = test_last_reply(&env);
    CHECK_CONTAINS(help, "/kith — manage kith in this server");
    CHECK_CONTAINS(help, "/help — how to use the commands available here");
    CHECK(strstr(help, "/note") == NULL);

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help note");
    CHECK_CONTAINS(test_last_reply(&env), "There is no command /note here.");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help kith");
    const char *kith = test_last_reply(&env);
    CHECK_CONTAINS(kith, "/kith plugins — which plugins exist and which are enabled here\n");
    CHECK_CONTAINS(kith, "/kith enable <plugin> — turn a plugin on in this server (admin)");
    CHECK_CONTAINS(kith, "/kith disable <plugin> — turn a plugin off in this server (admin)");
    CHECK_CONTAINS(kith, "/kith managers <action>");
    test_env_finish(&env);
}

TEST(test_member_sees_example_disabled_in_the_plugin_list)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/kith plugins");
    CHECK_CONTAINS(test_last_reply(&env),
                   "○ example 1.0.0 — notes and reminders; the reference plugin for authors");
    CHECK(!story_enabled(&env));
    test_env_finish(&env);
}

TEST(test_admin_enables_example_and_it_is_registered_and_audited)
{
    struct test_env env;
    REQUIRE(story_start(&env));

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
    CHECK_STR(test_last_reply(&env), "example is now enabled here.");
    CHECK(story_enabled(&env));

    const struct test_action *reg = test_platform_last_of(env.tp, TEST_ACTION_REGISTER);
    REQUIRE(reg != NULL);
    CHECK_STR(reg->server_id, TEST_SERVER);
    CHECK_STR(reg->commands, "kith help note");

    /* The plugin's on_enable greets the server's default channel. */
    const struct test_action *welcome = story_find(&env, TEST_ACTION_SEND, "plugin is on here");
    REQUIRE(welcome != NULL);
    CHECK_STR(welcome->server_id, TEST_SERVER);
    CHECK(welcome->channel_id == NULL);

    struct story_audit log = story_audit(&env);
    REQUIRE(log.count == 1);
    CHECK_STR(log.entries[0].actor, ADMIN);
    CHECK_STR(log.entries[0].action, "plugin.enable");
    CHECK_STR(log.entries[0].target, "example");
    CHECK_STR(log.entries[0].before, "disabled");
    CHECK_STR(log.entries[0].after, "enabled");
    CHECK_INT(log.entries[0].at_ms, env.now_ms);

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/kith plugins");
    CHECK_CONTAINS(test_last_reply(&env), "● example 1.0.0");

    /* Again: nothing changes, nothing is written, and the admin is told why. */
    size_t registrations = story_count(&env, TEST_ACTION_REGISTER, "");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
    CHECK_STR(test_last_reply(&env), "example is already enabled here.");
    CHECK_INT(story_audit(&env).count, 1);
    CHECK_INT(story_count(&env, TEST_ACTION_REGISTER, ""), registrations);
    test_env_finish(&env);
}

TEST(test_member_and_manager_cannot_enable_a_plugin)
{
    struct test_env env;
    REQUIRE(story_start(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/kith enable example");
    CHECK_STR(test_last_reply(&env), "/kith enable needs the admin role; you are a member here.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/kith enable example");
    CHECK_STR(test_last_reply(&env), "/kith enable needs the admin role; you are a manager here.");

    CHECK(!story_enabled(&env));
    CHECK_INT(story_audit(&env).count, 0);
    CHECK_INT(story_count(&env, TEST_ACTION_REGISTER, ""), 0);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, ""), 0);
    test_env_finish(&env);
}

TEST(test_member_is_told_how_to_get_a_disabled_plugin_enabled)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add buy milk");
    CHECK_STR(test_last_reply(&env), "The example plugin is not enabled here. An admin can "
                                     "turn it on with /kith enable example.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM example_notes", NULL), 0);
    test_env_finish(&env);
}

TEST(test_help_after_enabling_shows_every_subcommand_with_usage)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help");
    CHECK_CONTAINS(test_last_reply(&env),
                   "/note — notes, reminders and a tour of what a kith plugin can do");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help note");
    const char *help = test_last_reply(&env);
    static const char *const usages[] = {
        "/note add <text...> — write a note\n",
        "/note list [--limit <number>] [--mine] — show the newest notes\n",
        "/note forget <id> —",
        "/note remind <delay> <text...> — post a note here after a delay\n",
        "/note count —",
        "/note export —",
        "/note ask —",
        "/note poll <question> <answers...> [--multi] — a native poll\n",
        "/note dm <member> <text...> —",
        "/note tick <count> —",
        "/note greet —",
        "/note greeting <text...> — change this server's greeting (manager)\n",
        "/note mute <member> <duration> [reason...] — time a member out (manager)\n",
        "/note purge <message> [reason...] — delete a message (admin)\n",
    };
    for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
        CHECK_CONTAINS(help, usages[i]);
    test_env_finish(&env);
}

TEST(test_enablement_survives_a_restart_and_disabling_is_immediate)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    REQUIRE(test_env_restart(&env, story_example()));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add still here after the restart");
    CHECK_STR(test_last_reply(&env), "Noted #1.");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith disable example");
    CHECK_STR(test_last_reply(&env), "example is now disabled here.");
    const struct test_action *reg = test_platform_last_of(env.tp, TEST_ACTION_REGISTER);
    REQUIRE(reg != NULL);
    CHECK_STR(reg->commands, "kith help");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add too late");
    CHECK_CONTAINS(test_last_reply(&env), "The example plugin is not enabled here.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM example_notes", NULL), 1);

    struct story_audit log = story_audit(&env);
    REQUIRE(log.count == 2);
    CHECK_STR(log.entries[0].action, "plugin.disable");
    CHECK_STR(log.entries[0].before, "enabled");
    CHECK_STR(log.entries[0].after, "disabled");

    REQUIRE(test_env_restart(&env, story_example()));
    CHECK(!story_enabled(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note list");
    CHECK_CONTAINS(test_last_reply(&env), "The example plugin is not enabled here.");
    test_env_finish(&env);
}
