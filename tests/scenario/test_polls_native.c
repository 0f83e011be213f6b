/* Story: a manager posts the platform's own poll; members vote in it (the platform reports each
 * member's whole choice, changes and retractions included); closing ends the poll on the
 * platform and posts results counted from those votes. */
#include "polls_story.h"

TEST(test_native_poll_is_sent_as_the_platforms_poll)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --native --multi --duration 1h");
    const struct test_action *posted = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(posted != NULL && posted->msg != NULL && posted->msg->poll != NULL);
    const struct kith_message_poll *poll = posted->msg->poll;
    CHECK_STR(poll->question, "Best pizza?");
    REQUIRE(poll->answer_count == 3);
    CHECK_STR(poll->answers[1], "Quattro formaggi");
    CHECK(poll->allow_multiple);
    CHECK(!poll->anonymous);
    CHECK_INT(poll->duration_s, 3600);
    CHECK_INT(posted->msg->button_count, 0);
    CHECK_CONTAINS(posted->text, "Poll #1");
    test_env_finish(&env);
}

TEST(test_native_poll_counts_the_votes_the_platform_reports)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --native");
    char poll_id[64];
    snprintf(poll_id, sizeof poll_id, "%s", polls_message_id(&env, 1));
    REQUIRE(poll_id[0] != '\0');

    const int margherita[] = {0}, quattro[] = {1}, diavola[] = {2};
    test_vote(&env, ALICE, poll_id, margherita, 1);
    test_vote(&env, BOB, poll_id, quattro, 1);
    test_vote(&env, CAROL, poll_id, quattro, 1);
    test_vote(&env, CAROL, poll_id, diavola, 1); /* changes her vote */
    test_vote(&env, "test:dave", poll_id, margherita, 1);
    test_vote(&env, "test:dave", poll_id, NULL, 0); /* takes it back */
    const int both[] = {0, 1};
    test_vote(&env, "test:erin", poll_id, both, 2); /* two answers on a one-answer poll */
    test_vote(&env, "test:frank", poll_id, margherita, 1);
    test_vote(&env, ALICE, "test:msg999", quattro, 1); /* another poll: not ours */
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_votes", NULL), 4);

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll close 1");
    const struct test_action *closed = test_platform_last_of(env.tp, TEST_ACTION_POLL_CLOSE);
    REQUIRE(closed != NULL);
    CHECK_STR(closed->message_id, poll_id);
    const struct test_action *results = story_find(&env, TEST_ACTION_SEND, "Final results");
    REQUIRE(results != NULL);
    CHECK_CONTAINS(results->text, "Margherita  █████░░░░░  2 (50%)\n");
    CHECK_CONTAINS(results->text, "Quattro formaggi  ███░░░░░░░  1 (25%)\n");
    CHECK_CONTAINS(results->text, "Diavola  ███░░░░░░░  1 (25%)\n");
    CHECK_CONTAINS(results->text, "Total: 4 votes");
    CHECK(polls_last_edit(&env, poll_id) == NULL); /* the platform shows its own poll */

    test_vote(&env, BOB, poll_id, margherita, 1); /* after the close: not counted */
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_votes", NULL), 4);
    test_env_finish(&env);
}

TEST(test_native_poll_refuses_anonymous_and_hidden)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --native --anonymous");
    CHECK_CONTAINS(test_last_reply(&env), "--anonymous cannot go with --native");
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --native --hidden");
    CHECK_CONTAINS(test_last_reply(&env), "--hidden cannot go with --native");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_polls", NULL), 0);
    test_env_finish(&env);
}

TEST(test_native_poll_closes_on_time_on_the_platform)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --native --duration 10s");
    char poll_id[64];
    snprintf(poll_id, sizeof poll_id, "%s", polls_message_id(&env, 1));
    const int diavola[] = {2};
    test_vote(&env, ALICE, poll_id, diavola, 1);
    test_env_advance(&env, 10 * 1000);
    const struct test_action *closed = test_platform_last_of(env.tp, TEST_ACTION_POLL_CLOSE);
    REQUIRE(closed != NULL);
    CHECK_STR(closed->message_id, poll_id);
    const struct test_action *results = story_find(&env, TEST_ACTION_SEND, "Final results");
    REQUIRE(results != NULL);
    CHECK_CONTAINS(results->text, "Diavola  ██████████  1 (100%)\n");
    test_env_finish(&env);
}
