/* Story: members report a message or a member; the report reaches the moderators' queue with
 * buttons; a member pressing one is refused, a manager's press acts, and the time of the first
 * moderator action is stored for the insights plugin. */
#include "test_spam_story.h"

#define MODS "test:88" /* the report channel */

static bool set_report_channel(struct test_env *env)
{
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/spam set report channel 88");
    return strstr(test_last_reply(env), "report_channel is now") != NULL;
}

TEST(test_member_report_reaches_the_queue_and_a_moderator_deletes_the_message)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    REQUIRE(set_report_channel(&env));
    spam_post(&env, BOB, "test:m100", "cheap followers, write to me");
    test_env_advance(&env, 60000);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report test:m100 selling followers");
    const struct test_action *ack = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(ack != NULL);
    CHECK_STR(ack->text, "Thanks, report #1 reached the moderators.");
    CHECK(ack->ephemeral);

    const struct test_action *queued = spam_last_post_in(&env, MODS);
    REQUIRE(queued != NULL);
    CHECK_CONTAINS(queued->text, "Report #1");
    CHECK_CONTAINS(queued->text, "Reported member: <@42>");
    CHECK_CONTAINS(queued->text, "Reason: selling followers");
    CHECK_CONTAINS(queued->text, "Evidence: cheap followers, write to me");
    CHECK_CONTAINS(queued->text, "[1] Dismiss");
    CHECK_CONTAINS(queued->text, "[2] Delete message");
    CHECK_CONTAINS(queued->text, "[3] Timeout");
    CHECK_CONTAINS(queued->text, "[4] Ban");
    char queue_id[64];
    snprintf(queue_id, sizeof queue_id, "%s", queued->message_id);

    /* A member pressing Delete is refused and nothing happens. */
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "spam:r:1:delete", queue_id);
    CHECK_STR(test_last_reply(&env),
              "Only managers can act on reports; your press changed nothing.");
    CHECK(!spam_deleted(&env, "test:m100"));
    CHECK_INT(
        story_query(&env, "SELECT count(*) FROM spam_reports WHERE first_action_at IS NULL", NULL),
        1);

    /* Two minutes after the report, the manager deletes the message. */
    test_env_advance(&env, 120000);
    test_press(&env, MARA, KITH_ROLE_MANAGER, "spam:r:1:delete", queue_id);
    CHECK(spam_deleted(&env, "test:m100"));
    CHECK_CONTAINS(test_last_reply(&env), "Report #1: Handled by");
    CHECK_INT(story_query(&env, "SELECT first_action_at - created_at FROM spam_reports", NULL),
              120000);
    const struct test_action *edited = test_platform_last_of(env.tp, TEST_ACTION_EDIT);
    REQUIRE(edited != NULL);
    CHECK_STR(edited->message_id, queue_id);
    CHECK_CONTAINS(edited->text, "Handled by");
    CHECK_INT(story_query(&env, "SELECT count(*) FROM spam_strikes WHERE user_id = ?1", BOB), 1);

    /* A later Timeout acts too, but the first action's time stays. */
    test_env_advance(&env, 60000);
    test_press(&env, MARA, KITH_ROLE_MANAGER, "spam:r:1:timeout", queue_id);
    const struct test_action *timeout = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(timeout != NULL);
    CHECK_INT(timeout->mod_kind, KITH_MOD_TIMEOUT);
    CHECK_STR(timeout->user_id, BOB);
    CHECK_INT(timeout->duration_s, 3600);
    CHECK_INT(story_query(&env, "SELECT first_action_at - created_at FROM spam_reports", NULL),
              120000);
    test_env_finish(&env);
}

TEST(test_member_reports_by_replying_to_the_message)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    REQUIRE(set_report_channel(&env));
    spam_post(&env, BOB, "test:m200", "join my casino");
    spam_dispatch(&env, (struct kith_event){.author = {.id = ALICE},
                                            .message = {.id = "test:m201",
                                                        .reply_to_id = "test:m200",
                                                        .text = "/report casino spam"}});
    CHECK_STR(test_last_reply(&env), "Thanks, report #1 reached the moderators.");
    const struct test_action *queued = spam_last_post_in(&env, MODS);
    REQUIRE(queued != NULL);
    CHECK_CONTAINS(queued->text, "Reason: casino spam");
    CHECK_CONTAINS(queued->text, "Message: test:m200");
    CHECK_CONTAINS(queued->text, "Evidence: join my casino");
    test_press(&env, MARA, KITH_ROLE_MANAGER, "spam:r:1:ban", queued->message_id);
    const struct test_action *ban = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(ban != NULL);
    CHECK_INT(ban->mod_kind, KITH_MOD_BAN);
    CHECK_STR(ban->user_id, BOB);
    test_env_finish(&env);
}

TEST(test_member_reports_a_member_and_a_moderator_dismisses_it)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    /* No report channel: reports go to the moderation log channel. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report <@42> keeps sending me invites");
    CHECK_STR(test_last_reply(&env), "Thanks, report #1 reached the moderators.");
    const struct test_action *queued = spam_last_log(&env);
    REQUIRE(queued != NULL);
    CHECK_CONTAINS(queued->text, "Reported member: <@42>");
    CHECK_CONTAINS(queued->text, "Reason: keeps sending me invites");
    CHECK(strstr(queued->text, "Delete message") == NULL); /* no message to delete */
    test_press(&env, MARA, KITH_ROLE_MANAGER, "spam:r:1:dismiss", queued->message_id);
    CHECK_CONTAINS(test_last_reply(&env), "dismissed");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    CHECK_INT(
        story_query(&env, "SELECT count(*) FROM spam_reports WHERE first_action = 'dismiss'", NULL),
        1);
    test_env_finish(&env);
}

TEST(test_report_without_a_readable_target_is_answered_with_how_to)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report");
    CHECK_CONTAINS(test_last_reply(&env), "What are you reporting? Reply to the message");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report https://discord.com/channels/999/1/2 spam");
    CHECK_STR(test_last_reply(&env),
              "That link points to a message on another server; report it there.");
    /* Telegram and Matrix message links are read too, and refused the same way elsewhere. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report https://t.me/c/1234567890/42 spam");
    CHECK_STR(test_last_reply(&env),
              "That link points to a message on another server; report it there.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER,
             "/report https://matrix.to/#/!abc:example.org/$ev1?via=example.org spam");
    CHECK_STR(test_last_reply(&env),
              "That link points to a message on another server; report it there.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report https://t.me/somegroup/42 spam");
    CHECK_CONTAINS(test_last_reply(&env), "is not a message link kith can read");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report https://example.com/post/1 spam");
    CHECK_CONTAINS(test_last_reply(&env), "is not a message link kith can read");
    CHECK_INT(story_query(&env, "SELECT count(*) FROM spam_reports", NULL), 0);
    test_env_finish(&env);
}

TEST(test_member_cannot_flood_the_report_queue)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    for (int i = 0; i < 5; i++)
        test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report <@42> annoying");
    CHECK_STR(test_last_reply(&env), "Thanks, report #5 reached the moderators.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report <@42> still annoying");
    CHECK_CONTAINS(test_last_reply(&env), "You sent 5 reports in the last 10 minutes");
    CHECK_INT(story_query(&env, "SELECT count(*) FROM spam_reports", NULL), 5);
    test_env_advance(&env, 11 * 60 * 1000);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/report <@42> still annoying");
    CHECK_STR(test_last_reply(&env), "Thanks, report #6 reached the moderators.");
    test_env_finish(&env);
}
