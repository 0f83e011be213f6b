/* Story: members chat. The example plugin counts messages only on servers where it is
 * enabled, and once kith begins to stop, nothing new gets in. */
#include "core_story.h"

/* A plain message on another server, where the plugin stays disabled. */
static void say_elsewhere(struct test_env *env, const char *user, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = "test:guild2",
        .channel_id = "test:lobby",
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user},
        .message = {.id = "test:elsewhere", .text = text},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

static long long counted(struct test_env *env, const char *server_id)
{
    return story_query(env, "SELECT messages FROM example_counts WHERE server_id = ?1", server_id);
}

TEST(test_messages_are_counted_only_where_the_plugin_is_enabled)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "guten Morgen");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "доброе утро");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "☕");
    test_env_run(&env, 120); /* past the batched-write interval */
    CHECK_INT(counted(&env, TEST_SERVER), -1);

    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note count");
    CHECK_STR(test_last_reply(&env), "0 messages counted here so far.");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "now it counts");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "this too");
    say_elsewhere(&env, BOB, "but not this");
    test_env_run(&env, 120);
    CHECK_INT(counted(&env, TEST_SERVER), 2);
    CHECK_INT(counted(&env, "test:guild2"), -1);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note count");
    CHECK_STR(test_last_reply(&env), "2 messages counted here (2.0 a day).");

    /* Disabled again: counting stops at once. */
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith disable example");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "unseen");
    test_env_run(&env, 120);
    CHECK_INT(counted(&env, TEST_SERVER), 2);
    test_env_finish(&env);
}

TEST(test_commands_and_bot_messages_are_not_counted)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add a command, not chat");
    struct kith_event bot = {
        .size = sizeof bot,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env.now_ms,
        .author = {.id = "test:somebot", .display_name = "somebot", .is_bot = true},
        .message = {.id = "test:bot1", .text = "beep"},
    };
    kith_core_dispatch(env.core, &bot);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "hello");
    test_env_run(&env, 120);
    CHECK_INT(counted(&env, TEST_SERVER), 1);
    test_env_finish(&env);
}

static void mark_stopped(struct kith_core *core, void *ud)
{
    (void)core;
    *(bool *)ud = true;
}

TEST(test_nothing_new_gets_in_while_kith_stops)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    env.tp->stop_slowly = true; /* the platform takes its time: the stop stays in progress */
    bool stopped = false;
    kith_core_stop(env.core, 300, mark_stopped, &stopped);
    REQUIRE(!stopped);

    size_t before = env.tp->count;
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add during shutdown");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "a plain message");
    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:yes", "test:msg1");
    CHECK_INT(env.tp->count, before);

    for (int i = 0; i < 100 && !stopped; i++)
        test_env_run(&env, 10);
    CHECK(stopped); /* the bound ended the wait */
    kith_core_free(env.core);
    env.core = NULL;
    env.tp = NULL;

    REQUIRE(test_env_start(&env, story_example()));
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM example_notes", NULL), 0);
    CHECK_INT(counted(&env, TEST_SERVER), -1);
    test_env_finish(&env);
}
