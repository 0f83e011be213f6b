/* Story: many accounts join at once; the moderators get one alert for the raid, the raid
 * action falls on each joiner while it lasts, and joins after it are left alone. */
#include "test_spam_story.h"

TEST(test_raid_is_alerted_once_and_joiners_are_kicked_while_it_lasts)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set raid 3/60s kick");
    CHECK_CONTAINS(test_last_reply(&env), "raid is now: raid: on, 3/1m, kick");
    test_join(&env, "test:501");
    test_join(&env, "test:502");
    test_join(&env, "test:503");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0); /* three in a minute is the limit */
    test_join(&env, "test:504");
    test_join(&env, "test:505");
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Raid: many members are joining"), 1);
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 2);
    const struct test_action *kick = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(kick != NULL);
    CHECK_INT(kick->mod_kind, KITH_MOD_KICK);
    CHECK_STR(kick->user_id, "test:505");
    /* Five minutes later the raid is over: a newcomer is welcome. */
    test_env_advance(&env, 5 * 60 * 1000);
    test_join(&env, "test:506");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 2);
    test_env_finish(&env);
}

TEST(test_raid_alert_only_by_default)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    char id[32];
    for (int i = 0; i < 12; i++) { /* the default limit is 10 joins in 60s */
        snprintf(id, sizeof id, "test:%d", 600 + i);
        test_join(&env, id);
    }
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Raid: many members are joining"), 1);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "nothing (alert only)"), 1);
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    test_env_finish(&env);
}
