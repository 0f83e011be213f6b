/* Story: a manager creates a poll, three members vote (one changes the vote), the message
 * shows live bars, a member who may not create polls is refused until an admin opens creation
 * to members, and the poll closes on time across a kithd restart with the right results. */
#include "polls_story.h"

#define MINUTE (60 * 1000LL)

TEST(test_manager_creates_a_poll_with_a_button_per_option)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);

    const struct test_action *poll = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(poll != NULL && poll->msg != NULL);
    CHECK_CONTAINS(poll->text, "Poll #1: Best pizza?");
    CHECK(!poll->ephemeral);
    REQUIRE(poll->msg->button_count == 3);
    CHECK_STR(poll->msg->buttons[0].label, "Margherita");
    CHECK_STR(poll->msg->buttons[1].label, "Quattro formaggi");
    CHECK_STR(poll->msg->buttons[1].custom_id, "polls:p:1:1");
    CHECK_CONTAINS(poll->text, "Total: 0 votes");
    CHECK_CONTAINS(poll->text, "Open until closed with /poll close.");
    test_env_finish(&env);
}

TEST(test_three_members_vote_and_one_changes_the_vote)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    const char *message_id = polls_message_id(&env, 1);
    REQUIRE(message_id[0] != '\0');

    polls_press(&env, ALICE, 1, 0);
    CHECK_STR(polls_reply_to(&env, ALICE), "You voted for Margherita.");
    CHECK(test_platform_last_of(env.tp, TEST_ACTION_REPLY)->ephemeral);
    polls_press(&env, BOB, 1, 1);
    CHECK_STR(polls_reply_to(&env, BOB), "You voted for Quattro formaggi.");
    polls_press(&env, CAROL, 1, 1);
    polls_press(&env, CAROL, 1, 0);
    CHECK_STR(polls_reply_to(&env, CAROL), "You changed your vote to Margherita.");

    test_env_run(&env, 2200); /* the coalesced edit is due */
    const struct test_action *edit = polls_last_edit(&env, message_id);
    REQUIRE(edit != NULL);
    CHECK_CONTAINS(edit->text, "Margherita  ███████░░░  2 (67%)\n");
    CHECK_CONTAINS(edit->text, "Quattro formaggi  ███░░░░░░░  1 (33%)\n");
    CHECK_CONTAINS(edit->text, "Diavola  ░░░░░░░░░░  0 (0%)\n");
    CHECK_CONTAINS(edit->text, "Total: 3 votes");
    CHECK_INT(edit->msg->button_count, 3);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_votes", NULL), 3);
    test_env_finish(&env);
}

TEST(test_pressing_the_same_option_again_takes_the_vote_back)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    polls_press(&env, ALICE, 1, 2);
    polls_press(&env, ALICE, 1, 2);
    CHECK_STR(polls_reply_to(&env, ALICE), "Vote removed from poll #1.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_votes", NULL), 0);
    test_env_finish(&env);
}

TEST(test_multi_choice_poll_toggles_each_option)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create \"Which evenings?\" Mon Tue Wed --multi");
    polls_press(&env, ALICE, 1, 0);
    polls_press(&env, ALICE, 1, 2);
    CHECK_STR(polls_reply_to(&env, ALICE), "Your votes in poll #1: Mon, Wed.");
    polls_press(&env, ALICE, 1, 0);
    CHECK_STR(polls_reply_to(&env, ALICE), "Your votes in poll #1: Wed.");
    polls_press(&env, BOB, 1, 2);
    polls_press(&env, BOB, 1, 1);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll results 1");
    CHECK_CONTAINS(test_last_reply(&env), "Wed  ██████████  2 (100%)\n");
    CHECK_CONTAINS(test_last_reply(&env), "Mon  ░░░░░░░░░░  0 (0%)\n");
    CHECK_CONTAINS(test_last_reply(&env), "Total: 2 voters, 3 votes");
    test_env_finish(&env);
}

TEST(test_member_is_refused_until_an_admin_lets_members_create_polls)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, PIZZA_POLL);
    CHECK_CONTAINS(test_last_reply(&env), "Only managers can create polls here");
    CHECK_CONTAINS(test_last_reply(&env), "/kith config polls creators members");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_polls", NULL), 0);

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config polls creators members");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, PIZZA_POLL);
    CHECK_CONTAINS(test_last_reply(&env), "Poll #1: Best pizza?");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM polls_polls", NULL), 1);
    test_env_finish(&env);
}

TEST(test_poll_closes_on_time_across_a_restart_with_the_right_results)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 10m");
    CHECK_CONTAINS(test_last_reply(&env), "Closes 2026-01-01 00:10 UTC.");
    char message_id[64];
    snprintf(message_id, sizeof message_id, "%s", polls_message_id(&env, 1));
    polls_press(&env, ALICE, 1, 0);
    polls_press(&env, BOB, 1, 2);
    polls_press(&env, CAROL, 1, 2);
    polls_press(&env, CAROL, 1, 0);

    test_env_stop(&env);
    env.now_ms += 25 * MINUTE; /* kithd is down when the poll comes due */
    REQUIRE(test_env_start(&env, polls_plugin()));
    test_env_run(&env, 20);

    const struct test_action *results = story_find(&env, TEST_ACTION_SEND, "Final results");
    REQUIRE(results != NULL);
    CHECK_CONTAINS(results->text, "Final results of poll #1: Best pizza?");
    CHECK_CONTAINS(results->text, "Margherita  ███████░░░  2 (67%)\n");
    CHECK_CONTAINS(results->text, "Quattro formaggi  ░░░░░░░░░░  0 (0%)\n");
    CHECK_CONTAINS(results->text, "Diavola  ███░░░░░░░  1 (33%)\n");
    CHECK_CONTAINS(results->text, "Total: 3 votes");
    CHECK_STR(results->channel_id, TEST_CHANNEL);
    const struct test_action *final = polls_last_edit(&env, message_id);
    REQUIRE(final != NULL);
    CHECK_CONTAINS(final->text, "Poll #1 (closed)");
    CHECK_CONTAINS(final->text, "This poll is closed.");
    CHECK_INT(final->msg->button_count, 0);

    polls_press(&env, BOB, 1, 1);
    CHECK_CONTAINS(polls_reply_to(&env, BOB), "Poll #1 is closed; votes are no longer counted.");
    REQUIRE(test_env_restart(&env, polls_plugin()));
    test_env_advance(&env, 60 * MINUTE);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Final results"), 0);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_finish(&env);
}

TEST(test_poll_closes_when_its_time_comes)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 30s");
    polls_press(&env, ALICE, 1, 1);
    test_env_advance(&env, 20 * 1000);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Final results"), 0);
    test_env_advance(&env, 10 * 1000);
    const struct test_action *results = story_find(&env, TEST_ACTION_SEND, "Final results");
    REQUIRE(results != NULL);
    CHECK_CONTAINS(results->text, "Quattro formaggi  ██████████  1 (100%)\n");
    CHECK_CONTAINS(results->text, "Total: 1 vote");
    test_env_finish(&env);
}

TEST(test_only_the_creator_or_a_manager_closes_a_poll)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config polls creators members");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, PIZZA_POLL);
    test_say(&env, BOB, KITH_ROLE_MEMBER, "/poll close 1");
    CHECK_STR(test_last_reply(&env),
              "Only the member who created poll #1 or a manager can close it.");
    test_say(&env, BOB, KITH_ROLE_MEMBER, "/poll close 9");
    CHECK_CONTAINS(test_last_reply(&env), "There is no poll #9 on this server");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll close 1");
    CHECK_STR(polls_reply_to(&env, ALICE), "Poll #1 is closed.");
    CHECK(story_find(&env, TEST_ACTION_SEND, "Final results of poll #1") != NULL);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll close 1");
    CHECK_CONTAINS(test_last_reply(&env), "Poll #1 is already closed");
    test_env_finish(&env);
}

TEST(test_list_shows_the_open_polls_of_this_server)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll list");
    CHECK_CONTAINS(test_last_reply(&env), "No polls are open here.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 2h");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create \"Tea or coffee?\" Tea Coffee");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create Closed? Yes No");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll close 3");
    polls_press(&env, ALICE, 2, 0);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll list");
    const char *list = test_last_reply(&env);
    CHECK_CONTAINS(list, "#1 Best pizza? — 0 votes — closes 2026-01-01 02:00 UTC");
    CHECK_CONTAINS(list, "#2 Tea or coffee? — 1 vote — open until closed");
    CHECK(strstr(list, "#3") == NULL);
    test_env_finish(&env);
}

TEST(test_votes_not_yet_shown_when_kithd_stops_are_shown_after_the_start)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    char message_id[64];
    snprintf(message_id, sizeof message_id, "%s", polls_message_id(&env, 1));
    polls_press(&env, ALICE, 1, 0); /* shown at once */
    polls_press(&env, BOB, 1, 1);   /* waits for the next allowed edit */
    CHECK_CONTAINS(polls_last_edit(&env, message_id)->text, "Total: 1 vote\n");

    REQUIRE(test_env_restart(&env, polls_plugin()));
    test_env_run(&env, 20);
    const struct test_action *edit = polls_last_edit(&env, message_id);
    REQUIRE(edit != NULL);
    CHECK_CONTAINS(edit->text, "Total: 2 votes");
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1); /* once, and only the stale one */
    REQUIRE(test_env_restart(&env, polls_plugin()));
    test_env_run(&env, 20);
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 0);
    test_env_finish(&env);
}
