/* Story: managers warn members; strikes accumulate, expire after strike_expiry, and the
 * escalation ladder times a member out when enough strikes fall within its window; /strikes
 * shows them (to the member or a manager) and /pardon clears them. */
#include "test_spam_story.h"

TEST(test_strikes_expire_and_the_ladder_escalates)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set strikes expiry 2h");
    CHECK_CONTAINS(test_last_reply(&env), "strike_expiry is now");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@41> posting ads");
    CHECK_CONTAINS(test_last_reply(&env), "<@41> was warned and got a strike.");
    const struct test_action *warning = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(warning != NULL);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@41> posting ads again");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "please stop: posting ads"), 2);

    /* Three hours on, both strikes have expired: a third warning does not escalate. */
    test_env_advance(&env, 3LL * 3600 * 1000);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@41> third time");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/strikes");
    CHECK_CONTAINS(test_last_reply(&env), "You: 1 active strike (newest first)");
    CHECK_CONTAINS(test_last_reply(&env), "third time");

    /* Two more within 24h make three active strikes: the ladder's 3/24h = timeout 1h. */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@41> fourth");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@41> fifth");
    const struct test_action *timeout = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(timeout != NULL);
    CHECK_INT(timeout->mod_kind, KITH_MOD_TIMEOUT);
    CHECK_STR(timeout->user_id, ALICE);
    CHECK_INT(timeout->duration_s, 3600);
    CHECK_CONTAINS(timeout->reason, "escalation");
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "timeout:1h: escalation");
    test_env_finish(&env);
}

TEST(test_member_sees_only_their_own_strikes)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@42> rude");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/strikes <@42>");
    CHECK_CONTAINS(test_last_reply(&env), "Only managers can see another member's strikes");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/strikes <@42>");
    CHECK_CONTAINS(test_last_reply(&env), "<@42>: 1 active strike");
    CHECK_CONTAINS(test_last_reply(&env), "(warn): rude (warned by a manager)");
    test_env_finish(&env);
}

TEST(test_manager_pardons_a_member)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@42> rude");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@42> rude again");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/pardon <@42>");
    CHECK_CONTAINS(test_last_reply(&env), "<@42> is pardoned: 2 strikes cleared.");
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "pardon");
    CHECK_CONTAINS(log->text, "Cleared: 2 active strikes");
    /* A third warning is the first active strike again: no escalation. */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/warn <@42> once more");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/pardon <@42>");
    CHECK_CONTAINS(test_last_reply(&env), "needs the manager role");
    test_env_finish(&env);
}

TEST(test_third_flood_in_a_day_escalates_to_the_ladders_longer_timeout)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    static const char *const words[] = {"apples", "bananas",      "cherries",
                                        "dates",  "elderberries", "figs"};
    char id[32];
    for (int flood = 0; flood < 3; flood++) {
        for (int i = 0; i < 6; i++) {
            snprintf(id, sizeof id, "test:%d-%d", flood, i);
            spam_post(&env, ALICE, id, words[i]);
        }
        test_env_advance(&env, 3600 * 1000); /* an hour between floods */
    }
    /* Two flood timeouts of 10m; the third strike gets only the ladder's 1h timeout. */
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 3);
    const struct test_action *last = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(last != NULL);
    CHECK_INT(last->duration_s, 3600);
    CHECK_CONTAINS(last->reason, "escalation: 3 active strikes");
    test_env_finish(&env);
}
