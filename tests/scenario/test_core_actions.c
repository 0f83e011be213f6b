/* Story: the example plugin acts on the platform for members and managers — a timeout, a
 * direct message, a deleted message, a native poll, a CSV export — and each lands with the
 * right fields; when the platform fails, the plugin hears of it and tells the member. */
#include "core_story.h"

TEST(test_manager_times_a_member_out)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/note mute <@42> 2h flooding #general");
    CHECK_STR(test_last_reply(&env), "Muting test:42 for 2h.");

    const struct test_action *mute = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(mute != NULL);
    CHECK_INT(mute->mod_kind, KITH_MOD_TIMEOUT);
    CHECK_STR(mute->server_id, TEST_SERVER);
    CHECK_STR(mute->user_id, "test:42");
    CHECK(mute->role_id == NULL);
    CHECK_INT(mute->duration_s, 7200);
    CHECK_STR(mute->reason, "flooding #general (muted by test:mara with /note mute)");

    /* The completion reports the outcome in the channel. */
    const struct test_action *told = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(told != NULL);
    CHECK_STR(told->text, "test:42 is muted for 2h.");
    CHECK_STR(told->channel_id, TEST_CHANNEL);
    test_env_finish(&env);
}

TEST(test_member_sends_a_direct_message)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    size_t sends = story_count(&env, TEST_ACTION_SEND, "");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note dm <@42> Привет! Kommst du morgen?");
    CHECK_STR(test_last_reply(&env), "Sending test:42 your message.");
    const struct test_action *dm = test_platform_last_of(env.tp, TEST_ACTION_DM);
    REQUIRE(dm != NULL);
    CHECK_STR(dm->user_id, "test:42");
    CHECK_STR(dm->text, "test:alice asks me to tell you: Привет! Kommst du morgen?");
    CHECK(dm->server_id == NULL);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, ""), sends); /* success stays quiet */
    test_env_finish(&env);
}

TEST(test_member_posts_a_native_poll)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note poll \"Which day?\" Monday Friday --multi");
    const struct test_action *reply = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(reply != NULL && reply->msg != NULL && reply->msg->poll != NULL);
    const struct kith_message_poll *poll = reply->msg->poll;
    CHECK_STR(poll->question, "Which day?");
    REQUIRE(poll->answer_count == 2);
    CHECK_STR(poll->answers[0], "Monday");
    CHECK_STR(poll->answers[1], "Friday");
    CHECK(poll->allow_multiple);
    CHECK(!poll->anonymous);
    CHECK_INT(poll->duration_s, 0);
    CHECK_STR(reply->user_id, ALICE);

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note poll \"Only one?\" yes");
    CHECK_STR(test_last_reply(&env), "A poll needs at least two answers: "
                                     "/note poll \"Lunch?\" pizza \"sushi bar\"");
    test_env_finish(&env);
}

TEST(test_member_exports_the_notes_as_csv)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add plain");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "/note add she said \"hi\" twice, then left");
    CHECK_STR(test_last_reply(&env), "Noted #2.");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note export");
    const struct test_action *reply = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(reply != NULL && reply->msg != NULL && reply->msg->attachment != NULL);
    CHECK_STR(reply->msg->text, "2 notes attached.");
    const struct kith_message_attachment *file = reply->msg->attachment;
    CHECK_STR(file->filename, "notes.csv");
    CHECK_STR(file->content_type, "text/csv");
    char csv[512];
    snprintf(csv, sizeof csv, "%.*s", (int)file->len, (const char *)file->data);
    char expected[512];
    snprintf(expected, sizeof expected,
             "id,author,created_at_ms,text\r\n"
             "1,test:alice,%lld,plain\r\n"
             "2,test:bob,%lld,\"she said \"\"hi\"\" twice, then left\"\r\n",
             (long long)env.now_ms, (long long)env.now_ms);
    CHECK_STR(csv, expected);
    test_env_finish(&env);
}

TEST(test_platform_failure_reaches_the_plugin_and_the_member_is_told)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    env.tp->fail_next = 1; /* the timeout fails */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/note mute <@42> 10m");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 1);
    const struct test_action *told = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(told != NULL);
    CHECK_STR(told->text,
              "Could not mute test:42: platform error — the test platform was told to fail.");
    CHECK_STR(told->channel_id, TEST_CHANNEL);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "is muted"), 0);

    env.tp->fail_next = 1; /* the direct message fails */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note dm <@42> hello");
    told = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(told != NULL);
    CHECK_STR(told->text, "Could not send test:42 your message: platform error — the test "
                          "platform was told to fail.");

    env.tp->fail_next = 1; /* the deletion fails */
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/note purge test:9001");
    told = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(told != NULL);
    CHECK_CONTAINS(told->text, "Could not delete message test:9001: platform error");
    test_env_finish(&env);
}

TEST(test_a_failed_edit_is_reported_to_the_channel)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note ask");
    char posted[64];
    snprintf(posted, sizeof posted, "%s", story_reply_id(&env, "useful?"));
    env.tp->fail_next = 2; /* the "thanks" reply and the edit */
    test_press(&env, BOB, KITH_ROLE_MEMBER, "example:ask:1:no", posted);
    const struct test_action *told = story_find(&env, TEST_ACTION_SEND, "could not be closed");
    REQUIRE(told != NULL);
    CHECK_CONTAINS(told->text, "The question could not be closed: platform error");
    test_env_finish(&env);
}
