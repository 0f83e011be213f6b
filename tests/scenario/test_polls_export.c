/* Story: a manager exports a poll's votes as CSV (one row per vote with voter id and name,
 * quoted as RFC 4180 says); an anonymous poll's export, results and store reveal no voter. */
#include "polls_story.h"

/* The CSV attached to the newest export reply, copied into buf ("" when none). */
static const char *exported_csv(const struct test_env *env, char *buf, size_t size)
{
    const struct test_action *a = story_find(env, TEST_ACTION_REPLY, "Export of poll");
    buf[0] = '\0';
    if (a == NULL || a->msg == NULL || a->msg->attachment == NULL)
        return buf;
    const struct kith_message_attachment *file = a->msg->attachment;
    snprintf(buf, size, "%.*s", (int)file->len, (const char *)file->data);
    return buf;
}

TEST(test_manager_exports_one_row_per_vote)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER,
             "/poll create \"Lunch?\" \"Pizza, large\" \"Sushi \\\"omakase\\\"\" Käse --multi");
    polls_press(&env, ALICE, 1, 0);
    env.now_ms += 61 * 1000;
    polls_press(&env, "test:o,brien", 1, 1);
    env.now_ms += 1000;
    polls_press(&env, "test:o,brien", 1, 2);

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll export 1");
    const struct test_action *reply = story_find(&env, TEST_ACTION_REPLY, "Export of poll #1");
    REQUIRE(reply != NULL && reply->msg->attachment != NULL);
    CHECK_STR(reply->msg->attachment->filename, "poll-1.csv");
    CHECK_STR(reply->msg->attachment->content_type, "text/csv");
    CHECK_CONTAINS(reply->text, "3 rows");
    CHECK(reply->ephemeral); /* who voted what is for the manager who asked */
    char csv[2048];
    CHECK_STR(
        exported_csv(&env, csv, sizeof csv),
        "poll,option,voter_id,voter_name,voted_at\r\n"
        "1,\"Pizza, large\",test:alice,test:alice,2026-01-01T00:00:00Z\r\n"
        "1,\"Sushi \"\"omakase\"\"\",\"test:o,brien\",\"test:o,brien\",2026-01-01T00:01:01Z\r\n"
        "1,Käse,\"test:o,brien\",\"test:o,brien\",2026-01-01T00:01:02Z\r\n");
    test_env_finish(&env);
}

TEST(test_platform_without_files_gets_the_csv_as_text_and_a_failed_send_gets_a_notice)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    polls_press(&env, ALICE, 1, 0);

    env.tp->fail_next = 1; /* this platform cannot take files */
    env.tp->fail_err = KITH_ERR_UNSUPPORTED;
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll export 1");
    test_env_run(&env, 20);
    const struct test_action *text = story_find(&env, TEST_ACTION_SEND, "Poll #1 as CSV");
    REQUIRE(text != NULL);
    CHECK(text->msg->attachment == NULL);
    CHECK_CONTAINS(text->text, "```\npoll,option,voter_id,voter_name,voted_at\r\n");
    CHECK_CONTAINS(text->text, ",test:alice,test:alice,");

    env.tp->fail_next = 1; /* a failure on the way: the votes stay private */
    env.tp->fail_err = KITH_ERR_PLATFORM;
    test_platform_clear(env.tp);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll export 1");
    test_env_run(&env, 20);
    const struct test_action *notice = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(notice != NULL);
    CHECK_CONTAINS(notice->text, "The export of poll #1 could not be sent");
    CHECK(strstr(notice->text, "test:alice") == NULL);
    test_env_finish(&env);
}

TEST(test_members_cannot_export)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll export 1");
    CHECK(story_find(&env, TEST_ACTION_REPLY, "Export of poll") == NULL);
    CHECK_CONTAINS(test_last_reply(&env), "manager");
    test_env_finish(&env);
}

TEST(test_anonymous_poll_reveals_no_voter_anywhere)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --anonymous");
    CHECK_CONTAINS(test_last_reply(&env), "Anonymous: nobody can see who voted what.");
    polls_press(&env, ALICE, 1, 0);
    polls_press(&env, BOB, 1, 1);
    polls_press(&env, BOB, 1, 0); /* a changed vote still replaces the old one */
    CHECK_STR(polls_reply_to(&env, BOB), "You changed your vote to Margherita.");
    polls_press(&env, CAROL, 1, 2);

    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_votes", NULL), 3);
    CHECK_INT(story_query(&env,
                          "SELECT COUNT(*) FROM polls_votes WHERE voter LIKE '%alice%' OR voter"
                          " LIKE '%bob%' OR voter LIKE '%carol%' OR voter_name IS NOT NULL",
                          NULL),
              0);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_votes WHERE length(voter) = 64", NULL),
              3);

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll export 1");
    char csv[1024];
    CHECK_STR(exported_csv(&env, csv, sizeof csv), "poll,option,votes\r\n"
                                                   "1,Margherita,2\r\n"
                                                   "1,Quattro formaggi,0\r\n"
                                                   "1,Diavola,1\r\n");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll close 1");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_polls WHERE salt IS NOT NULL", NULL),
              0);
    for (size_t i = 0; i < env.tp->count; i++) {
        const char *text = env.tp->actions[i].text;
        const char *user = env.tp->actions[i].user_id;
        bool to_voter = user != NULL && strcmp(user, MARA) != 0 && strcmp(user, ADMIN) != 0;
        if (text != NULL && !to_voter) /* only the voters' own ephemeral answers name them */
            CHECK(strstr(text, "alice") == NULL && strstr(text, "bob") == NULL &&
                  strstr(text, "carol") == NULL);
    }
    test_env_finish(&env);
}
