/* Story: a Telegram group with an open poll becomes a supergroup (a new chat id); the poll, its
 * votes and its closing follow it, and the plugin stays enabled there. */
#include "polls_story.h"

#define SUPERGROUP "test:supergroup"

TEST(test_open_poll_follows_its_group_to_the_new_id)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 1h");
    polls_press(&env, ALICE, 1, 0);

    test_server_moved(&env, TEST_SERVER, SUPERGROUP);
    test_say_in(&env, SUPERGROUP, TEST_CHANNEL, MARA, KITH_ROLE_MANAGER, "/poll list");
    CHECK_CONTAINS(test_last_reply(&env), "#1");
    CHECK_CONTAINS(test_last_reply(&env), "Best pizza?");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll list"); /* the old id has nothing left */
    CHECK(strstr(test_last_reply(&env), "Best pizza?") == NULL);

    /* It still closes on time, with the vote cast before the move. */
    test_env_advance(&env, 3600 * 1000);
    const struct test_action *results = story_find(&env, TEST_ACTION_SEND, "Final results");
    REQUIRE(results != NULL);
    CHECK_STR(results->server_id, SUPERGROUP);
    CHECK_CONTAINS(results->text, "1 (100%)");
    test_env_finish(&env);
}
