/* Story: an admin tunes the spam rules with /spam set; every bad value is refused with what
 * was wrong and an example, good ones are stored (and audited by the core), and /spam rules
 * reads them back. */
#include "test_spam_story.h"

TEST(test_admin_changes_a_rule_and_reads_it_back)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set flood 8/20s kick");
    CHECK_CONTAINS(test_last_reply(&env), "flood is now: flood: on, 8/20s, kick");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set caps on");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set links deny bad.example, worse.example");
    CHECK_CONTAINS(test_last_reply(&env), "links_deny is now: bad.example, worse.example");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set strikes ladder 2/1h=timeout:30m, 4/1d=kick");
    CHECK_CONTAINS(test_last_reply(&env), "strike_ladder is now");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam rules");
    const char *rules = test_last_reply(&env);
    CHECK_CONTAINS(rules, "flood: on, 8/20s, kick");
    CHECK_CONTAINS(rules, "caps: on");
    CHECK_CONTAINS(rules, "Links denied: bad.example, worse.example");
    CHECK_CONTAINS(rules, "escalation: 2/1h=timeout:30m");
    CHECK_CONTAINS(rules, "Moderation log: test:77");
    /* The core audited the change like any /kith config. */
    CHECK(story_query(&env, "SELECT count(*) FROM kith_audit_log WHERE \"after\" LIKE '%8/20s%'",
                      NULL) >= 1);
    test_env_finish(&env);
}

TEST(test_bad_spam_set_input_is_answered_specifically)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set flood banana");
    CHECK_CONTAINS(test_last_reply(&env), "flood was not changed:");
    CHECK_CONTAINS(test_last_reply(&env), "example: /spam set flood");
    CHECK_CONTAINS(test_last_reply(&env), "It stays: on 5/10s timeout:10m");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set words add re:(free");
    CHECK_CONTAINS(test_last_reply(&env), "words_list was not changed:");
    CHECK_CONTAINS(test_last_reply(&env), "position");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set raid action lockdown");
    CHECK_CONTAINS(test_last_reply(&env), "lockdown is not available");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set raid action delete");
    CHECK_CONTAINS(test_last_reply(&env), "a raid has no message to delete");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set strikes ladder 3 strikes then ban");
    CHECK_CONTAINS(test_last_reply(&env), "strike_ladder was not changed:");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set log channel general chat");
    CHECK_CONTAINS(test_last_reply(&env), "log_channel was not changed:");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set colours blue");
    CHECK_CONTAINS(test_last_reply(&env), "\"colours blue\" is not something /spam set knows");
    CHECK_CONTAINS(test_last_reply(&env), "Examples: /spam set flood 5/10s timeout:10m");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam set flood off");
    CHECK_CONTAINS(test_last_reply(&env), "needs the admin role");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set exempt roles 7, Helpers");
    CHECK_CONTAINS(test_last_reply(&env), "exempt_roles was not changed: \"Helpers\" is not");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set report timeout");
    CHECK_CONTAINS(test_last_reply(&env), "needs a value, like: /spam set report timeout 2h");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set words remove free nitro");
    CHECK_CONTAINS(test_last_reply(&env), "\"free nitro\" is not among the banned words");

    /* Nothing of that changed the rules. */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam rules");
    CHECK_CONTAINS(test_last_reply(&env), "flood: on, 5/10s, timeout:10m");
    CHECK_CONTAINS(test_last_reply(&env), "Banned words and patterns: none");
    CHECK_CONTAINS(test_last_reply(&env), "Exempt roles: none");
    test_env_finish(&env);
}

TEST(test_kith_config_refuses_rule_texts_the_spam_plugin_cannot_read)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    /* /kith config knows these are text; the plugin's own check refuses what it cannot use. */
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config spam exempt_roles 7, Helpers");
    CHECK_CONTAINS(test_last_reply(&env), "exempt_roles: ");
    CHECK_CONTAINS(test_last_reply(&env), "\"Helpers\" is not an id or mention");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config spam flood sometimes");
    CHECK_CONTAINS(test_last_reply(&env), "flood: ");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config spam strike_ladder 3 strikes then ban");
    CHECK_CONTAINS(test_last_reply(&env), "strike_ladder: ");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam rules");
    const char *rules = test_last_reply(&env);
    CHECK_CONTAINS(rules, "Exempt roles: none");
    CHECK_CONTAINS(rules, "flood: on, 5/10s, timeout:10m"); /* nothing was stored */
    CHECK(strstr(rules, "Ignored") == NULL);

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config spam flood on 4/10s delete");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. flood = on 4/10s delete");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam rules");
    CHECK_CONTAINS(test_last_reply(&env), "flood: on, 4/10s, delete");
    test_env_finish(&env);
}
