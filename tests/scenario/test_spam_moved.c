/* Story: a Telegram group becomes a supergroup (a new chat id); a member's strikes and the
 * server's rules follow it, so moving does not wipe anyone's record. */
#include "test_spam_story.h"

#define SUPERGROUP "test:supergroup"

TEST(test_strikes_and_rules_follow_the_group_to_its_new_id)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set flood 3/10s delete");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@41> posting ads");
    CHECK_CONTAINS(test_last_reply(&env), "was warned");

    test_server_moved(&env, TEST_SERVER, SUPERGROUP);
    test_say_in(&env, SUPERGROUP, TEST_CHANNEL, MARA, KITH_ROLE_MANAGER, "/strikes <@41>");
    CHECK_CONTAINS(test_last_reply(&env), "1 active strike");
    CHECK_CONTAINS(test_last_reply(&env), "posting ads");
    test_say_in(&env, SUPERGROUP, TEST_CHANNEL, MARA, KITH_ROLE_MANAGER, "/spam rules");
    CHECK_CONTAINS(test_last_reply(&env), "flood: on, 3/10s, delete");
    CHECK(story_query(&env, "SELECT COUNT(*) FROM spam_strikes WHERE server_id = 'test:guild1'",
                      NULL) == 0);
    test_env_finish(&env);
}
