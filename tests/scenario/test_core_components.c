/* Story: a member answers a question the example plugin posted, by button or select menu.
 * The press reaches the plugin with its own id, the plugin edits the message it posted, and a
 * press for a plugin that was disabled meanwhile is refused politely. */
#include "core_story.h"

/* A choice in a select menu (test_press has no values). */
static void choose(struct test_env *env, const char *user, const char *custom_id,
                   const char *message_id, const char *value)
{
    const char *values[] = {value};
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_COMPONENT,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user},
        .component = {.custom_id = custom_id,
                      .values = values,
                      .value_count = 1,
                      .message_id = message_id},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

TEST(test_member_presses_a_button_and_the_question_is_edited)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    const struct test_action *ask = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(ask != NULL && ask->msg != NULL);
    CHECK_STR(ask->text, "Is this example plugin useful?\n[1] Yes\n[2] No\n[3] red\n[4] green\n"
                         "[5] blue");
    /* Ids are routed by the plugin's name; the plugin wrote only "ask:1:yes". */
    REQUIRE(ask->msg->button_count == 2);
    CHECK_STR(ask->msg->buttons[0].custom_id, "example:ask:1:yes");
    CHECK_INT(ask->msg->buttons[0].style, KITH_BUTTON_SUCCESS);
    CHECK_STR(ask->msg->buttons[1].custom_id, "example:ask:1:no");
    REQUIRE(ask->msg->select != NULL);
    CHECK_STR(ask->msg->select->custom_id, "example:ask:1:pick");
    CHECK_INT(ask->msg->select->option_count, 3);
    char posted[64];
    snprintf(posted, sizeof posted, "%s", ask->message_id);

    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:yes", posted);
    CHECK_STR(test_last_reply(&env), "Thanks, you answered yes.");
    const struct test_action *edit = test_platform_last_of(env.tp, TEST_ACTION_EDIT);
    REQUIRE(edit != NULL);
    CHECK_STR(edit->message_id, posted); /* the id the reply's completion reported */
    CHECK_STR(edit->server_id, TEST_SERVER);
    CHECK_STR(edit->channel_id, TEST_CHANNEL);
    CHECK_STR(edit->text, "Is this example plugin useful? test:bob answered: yes.");
    CHECK_INT(edit->msg->button_count, 0); /* closed: the buttons are gone */

    /* A second press on the closed question changes nothing. */
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "example:ask:1:no", posted);
    CHECK_STR(test_last_reply(&env), "This question is closed; /note ask makes a new one.");
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1);
    test_env_finish(&env);
}

TEST(test_member_picks_from_the_select_menu)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    const char *second = story_reply_id(&env, "Is this example plugin useful?");
    char posted[64];
    snprintf(posted, sizeof posted, "%s", second);

    choose(&env, BOB, "example:ask:2:pick", posted, "green");
    CHECK_STR(test_last_reply(&env), "Thanks, you answered green.");
    const struct test_action *edit = test_platform_last_of(env.tp, TEST_ACTION_EDIT);
    REQUIRE(edit != NULL);
    CHECK_STR(edit->message_id, posted);
    CHECK_CONTAINS(edit->text, "test:bob answered: green.");
    test_env_finish(&env);
}

TEST(test_press_for_a_disabled_plugin_is_refused_politely)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    char posted[64];
    snprintf(posted, sizeof posted, "%s", story_reply_id(&env, "useful?"));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith disable example");

    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:yes", posted);
    CHECK_STR(test_last_reply(&env), "This button belongs to a plugin that is disabled here.");
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 0);

    /* Enabled again, the question is still open and the press goes through. */
    REQUIRE(story_enable(&env));
    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:yes", posted);
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1);
    test_env_finish(&env);
}

TEST(test_press_for_a_plugin_that_is_not_loaded_is_answered)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    test_press(&env, BOB, KITH_ROLE_MEMBER, "polls:vote:7:2", "test:msg77");
    CHECK_STR(test_last_reply(&env), "This button belongs to a plugin that is no longer loaded.");
    const struct test_action *reply = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(reply != NULL);
    CHECK(reply->ephemeral);
    CHECK_STR(reply->user_id, BOB);
    test_env_finish(&env);
}

TEST(test_a_question_whose_post_failed_cannot_be_answered)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    env.tp->fail_next = 1;
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    /* The completion carried the error to the plugin, which tells the channel. */
    const struct test_action *told = story_find(&env, TEST_ACTION_SEND, "could not be posted");
    REQUIRE(told != NULL);
    CHECK_STR(told->text, "Question #1 could not be posted: platform error.");
    CHECK_STR(told->channel_id, TEST_CHANNEL);

    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:yes", "test:msg1");
    CHECK_STR(test_last_reply(&env), "This question is closed; /note ask makes a new one.");
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 0);
    test_env_finish(&env);
}

TEST(test_a_press_from_elsewhere_does_not_answer_the_question)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    char posted[64];
    snprintf(posted, sizeof posted, "%s", story_reply_id(&env, "useful?"));

    /* The same custom id, pressed in a direct message (no server). */
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_COMPONENT,
        .platform = "test",
        .channel_id = "test:dm-bob",
        .timestamp_ms = env.now_ms,
        .author = {.id = BOB, .display_name = BOB},
        .component = {.custom_id = "example:ask:1:yes", .message_id = posted},
    };
    kith_core_dispatch(env.core, &ev);
    test_env_run(&env, 5);
    CHECK_STR(test_last_reply(&env), "This question is closed; /note ask makes a new one.");
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 0);

    /* In the server it still works. */
    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:yes", posted);
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1);
    test_env_finish(&env);
}
