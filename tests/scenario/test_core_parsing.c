/* Story: members type commands the way people do (quotes, umlauts, Cyrillic, emoji, typos,
 * missing words) and what they meant reaches the plugin and the store intact, or they are
 * told exactly which argument was wrong and how the command goes. */
#include "core_story.h"

static const struct kith_message_poll *last_poll(const struct test_env *env)
{
    const struct test_action *a = test_platform_last_of(env->tp, TEST_ACTION_REPLY);
    return a && a->msg ? a->msg->poll : NULL;
}

TEST(test_german_russian_and_emoji_survive_into_the_store_and_back)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    const char *text = "Grüße aus Köln — Привет, как дела? 👋🏽 \"zitiert\"";
    char command[256];
    snprintf(command, sizeof command, "/note add %s", text);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, command);
    CHECK_STR(test_last_reply(&env), "Noted #1.");

    char buf[256];
    CHECK_STR(story_query_text(&env, "SELECT text FROM example_notes WHERE id = 1", NULL, buf,
                               sizeof buf),
              text);
    CHECK_STR(story_query_text(&env, "SELECT author_id FROM example_notes WHERE id = 1", NULL, buf,
                               sizeof buf),
              ALICE);

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note list");
    const struct test_action *list = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(list != NULL && list->msg != NULL);
    CHECK_STR(list->msg->title, "Notes");
    REQUIRE(list->msg->field_count == 1);
    CHECK_STR(list->msg->fields[0].name, "#1 · test:alice");
    CHECK_STR(list->msg->fields[0].value, text);
    CHECK(list->ephemeral); /* list_visibility defaults to private */
    test_env_finish(&env);
}

TEST(test_quoted_words_stay_together)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER,
             "/note poll \"Wo essen wir?\" \"Bäckerei Müller\" Пельменная 🍕 --multi");
    const struct kith_message_poll *poll = last_poll(&env);
    REQUIRE(poll != NULL);
    CHECK_STR(poll->question, "Wo essen wir?");
    REQUIRE(poll->answer_count == 3);
    CHECK_STR(poll->answers[0], "Bäckerei Müller");
    CHECK_STR(poll->answers[1], "Пельменная");
    CHECK_STR(poll->answers[2], "🍕");
    CHECK(poll->allow_multiple);

    /* Phones type curly quotes. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note poll “Tee oder Kaffee?” Tee Kaffee");
    poll = last_poll(&env);
    REQUIRE(poll != NULL);
    CHECK_STR(poll->question, "Tee oder Kaffee?");
    CHECK_INT(poll->answer_count, 2);
    CHECK(!poll->allow_multiple);
    test_env_finish(&env);
}

TEST(test_a_bad_duration_names_the_exact_argument)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind soonish feed the cat");
    CHECK_STR(test_last_reply(&env),
              "\"soonish\" is not a duration for <delay>; try 90s, 15m, 2h, 7d or 1h30m\n"
              "Usage: /note remind <delay> <text...>");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 30s feed the cat");
    CHECK_STR(test_last_reply(&env), "<delay> must be between 1m and 30d, not 30s\n"
                                     "Usage: /note remind <delay> <text...>");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_finish(&env);
}

TEST(test_a_missing_argument_shows_the_usage)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 10m");
    CHECK_STR(test_last_reply(&env), "missing <text...>\nUsage: /note remind <delay> <text...>");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/note mute");
    CHECK_STR(test_last_reply(&env),
              "missing <member>\nUsage: /note mute <member> <duration> [reason...]");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note");
    CHECK_CONTAINS(test_last_reply(&env), "/note needs a subcommand. Subcommands: add, list,");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    test_env_finish(&env);
}

TEST(test_numbers_out_of_range_and_typos_are_explained)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note tick 99");
    CHECK_STR(test_last_reply(&env),
              "<count> must be between 1 and 10, not 99\nUsage: /note tick <count>");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note tick many");
    CHECK_CONTAINS(test_last_reply(&env), "\"many\" is not a whole number for <count>");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ad milk");
    CHECK_CONTAINS(test_last_reply(&env),
                   "unknown subcommand \"ad\" for /note; did you mean \"add\"?");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note list --lmit 3");
    CHECK_CONTAINS(test_last_reply(&env), "unknown option \"--lmit\"; did you mean \"--limit\"?");
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick"), 0);
    test_env_finish(&env);
}

TEST(test_named_options_filter_the_list)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add from Alice");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "/note add from Bob");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add Alice again");

    test_say(&env, BOB, KITH_ROLE_MEMBER, "/note list --mine");
    const struct test_action *list = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(list != NULL && list->msg != NULL);
    REQUIRE(list->msg->field_count == 1);
    CHECK_STR(list->msg->fields[0].value, "from Bob");

    test_say(&env, BOB, KITH_ROLE_MEMBER, "/note list --limit 2");
    list = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(list != NULL && list->msg != NULL);
    REQUIRE(list->msg->field_count == 2);
    CHECK_STR(list->msg->fields[0].value, "Alice again"); /* newest first */
    CHECK_STR(list->msg->fields[1].value, "from Bob");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example list_visibility public");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "/note list");
    list = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(list != NULL && list->msg != NULL);
    CHECK_INT(list->msg->field_count, 3);
    CHECK(!list->ephemeral);
    test_env_finish(&env);
}
