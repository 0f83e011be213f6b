/* Story: the spam rules at work on a server — a flooder is timed out and the whole burst
 * deleted, a member exactly at the limit is left alone, a newcomer's link is removed but an old
 * member's stays, an exempt role is never touched, dry run only logs, and banned words are
 * caught through lookalikes and zero-width characters. */
#include "test_spam_story.h"

static const char *const FRUIT[] = {"apples", "bananas",      "cherries",
                                    "dates",  "elderberries", "figs"};

TEST(test_flooder_is_timed_out_and_the_flood_deleted)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    char id[32];
    for (int i = 0; i < 6; i++) { /* the default limit is 5 messages in 10s */
        snprintf(id, sizeof id, "test:f%d", i);
        spam_post(&env, ALICE, id, FRUIT[i]);
    }
    const struct test_action *timeout = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(timeout != NULL);
    CHECK_INT(timeout->mod_kind, KITH_MOD_TIMEOUT);
    CHECK_STR(timeout->user_id, ALICE);
    CHECK_INT(timeout->duration_s, 600);
    CHECK_CONTAINS(timeout->reason, "flood");
    for (int i = 0; i < 6; i++) { /* every message of the burst, not only the last */
        snprintf(id, sizeof id, "test:f%d", i);
        CHECK(spam_deleted(&env, id));
    }
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "timeout:10m: flood");
    CHECK_CONTAINS(log->text, "Member: <@41> (test:41)");
    CHECK_CONTAINS(log->text, "Evidence: figs");
    CHECK_CONTAINS(log->text, "Undo: /pardon <@41>");
    /* The strike is stored, and the action log has its row once the buffer is flushed. */
    CHECK_INT(spam_query(&env, "SELECT count(*) FROM spam_strikes WHERE user_id = ?1", ALICE), 1);
    test_env_run(&env, 1200);
    CHECK_INT(spam_query(&env, "SELECT count(*) FROM spam_actions WHERE rule = 'flood'", NULL), 1);
    test_env_finish(&env);
}

TEST(test_member_exactly_at_the_flood_limit_is_left_alone)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    char id[32];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "test:e%d", i);
        spam_post(&env, ALICE, id, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_DELETE, ""), 0);
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    /* Ten seconds later the window has moved on: five more are fine too. */
    test_env_advance(&env, 11000);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "test:g%d", i);
        spam_post(&env, ALICE, id, FRUIT[5 - i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_DELETE, ""), 0);
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    test_env_finish(&env);
}

TEST(test_newcomers_link_is_deleted_but_an_old_members_is_not)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_join(&env, BOB); /* Bob joined three days ago */
    test_env_advance(&env, 3LL * 86400 * 1000);
    test_join(&env, ALICE); /* Alice joined today */
    spam_post(&env, ALICE, "test:l1", "look at https://shop.example.com/deal");
    spam_post(&env, BOB, "test:l2", "look at https://shop.example.com/deal");
    CHECK(spam_deleted(&env, "test:l1"));
    CHECK(!spam_deleted(&env, "test:l2"));
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "new_member_links");
    CHECK_CONTAINS(log->text, "shop.example.com");
    test_env_finish(&env);
}

TEST(test_exempt_role_is_never_touched)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set exempt roles <@&7>, 8");
    CHECK_CONTAINS(test_last_reply(&env), "exempt_roles is now");
    static const char *const helper_roles[] = {"test:7"};
    char id[32];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:x%d", i);
        spam_post_full(&env, ALICE, KITH_ROLE_MEMBER, helper_roles, 1, id, NULL, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_DELETE, ""), 0);
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    /* Bob, without the role, floods the same way and is timed out. */
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:y%d", i);
        spam_post(&env, BOB, id, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 1);
    test_env_finish(&env);
}

TEST(test_dry_run_only_logs_what_would_happen)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam dry-run on");
    CHECK_CONTAINS(test_last_reply(&env), "dry_run is now: on");
    char id[32];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:d%d", i);
        spam_post(&env, ALICE, id, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_DELETE, ""), 0);
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "[dry run] would timeout:10m: flood");
    CHECK_CONTAINS(log->text, "nothing was done (dry run)");
    CHECK_INT(spam_query(&env, "SELECT count(*) FROM spam_strikes", NULL), 0);
    /* Off again, the same flood acts. */
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam dry-run off");
    test_env_advance(&env, 11000);
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:o%d", i);
        spam_post(&env, ALICE, id, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 1);
    test_env_finish(&env);
}

TEST(test_banned_words_are_caught_through_lookalikes_and_invisible_characters)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set words add free nitro");
    CHECK_CONTAINS(test_last_reply(&env), "words_list is now: free nitro");
    /* A zero-width space inside "free" and a leet "1" in "nitro". */
    spam_post(&env, ALICE, "test:w1", "get fr\u200Bee n1tro here");
    /* Cyrillic е and о that look like Latin e and o. */
    spam_post(&env, BOB, "test:w2", "FR\u0415\u0415 NITR\u041E for everyone");
    spam_post(&env, BOB, "test:w3", "the nitrogen cycle is free to read about");
    CHECK(spam_deleted(&env, "test:w1"));
    CHECK(spam_deleted(&env, "test:w2"));
    CHECK(!spam_deleted(&env, "test:w3"));
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "delete: words");
    test_env_finish(&env);
}

TEST(test_message_edited_into_spam_is_deleted_and_edits_are_not_a_flood)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set words add casino");
    spam_post(&env, ALICE, "test:c1", "hello everyone");
    for (int i = 0; i < 6; i++) /* six edits of one message are not six messages */
        spam_edit(&env, ALICE, "test:c1", FRUIT[i]);
    CHECK_INT(spam_count(&env, TEST_ACTION_DELETE, ""), 0);
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    spam_edit(&env, ALICE, "test:c1", "best CASINO bonus");
    CHECK(spam_deleted(&env, "test:c1"));
    test_env_finish(&env);
}

/* A message from Alice mentioning `count` members. */
static void post_mentions(struct test_env *env, const char *message_id, size_t count)
{
    static const char *const people[] = {"test:1", "test:2", "test:3", "test:4", "test:5",
                                         "test:6", "test:7", "test:8", "test:9"};
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = ALICE, .display_name = "Alice"},
        .message = {.id = message_id,
                    .text = "hey all",
                    .mention_ids = people,
                    .mention_count = count},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

TEST(test_mention_flood_is_timed_out)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    post_mentions(&env, "test:p1", 8); /* the default limit is 8 mentions in 30s */
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    test_env_advance(&env, 31000);
    post_mentions(&env, "test:p2", 9);
    const struct test_action *timeout = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(timeout != NULL);
    CHECK_INT(timeout->mod_kind, KITH_MOD_TIMEOUT);
    CHECK(spam_deleted(&env, "test:p2"));
    CHECK(!spam_deleted(&env, "test:p1"));
    CHECK_CONTAINS(spam_last_log(&env)->text, "9 mentions");
    test_env_finish(&env);
}

TEST(test_rule_turned_off_with_kith_config_stops_acting_at_once)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    spam_post(&env, ALICE, "test:k0", "warming the rules cache");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config spam flood off");
    char id[32];
    test_env_advance(&env, 11000);
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:k%d", i + 1);
        spam_post(&env, ALICE, id, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    CHECK_INT(spam_count(&env, TEST_ACTION_DELETE, ""), 0);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam rules");
    CHECK_CONTAINS(test_last_reply(&env), "flood: off");
    test_env_finish(&env);
}

TEST(test_moderation_log_says_when_the_platform_refused_the_timeout)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    char id[32];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "test:r%d", i);
        spam_post(&env, ALICE, id, FRUIT[i]);
    }
    env.tp->fail_next = 7; /* the six deletions and the timeout of the sixth message fail */
    spam_post(&env, ALICE, "test:r5", FRUIT[5]);
    test_env_run(&env, 20);
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 1);
    CHECK_INT(spam_count(&env, TEST_ACTION_SEND, "The platform refused the timeout of test:41"), 1);
    test_env_finish(&env);
}

/* Join times are kept in the store: after a restart the newcomer is still new. */
TEST(test_newcomer_is_still_new_after_a_restart)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_join(&env, ALICE);
    const char *plugins[] = {test_real_plugin_path("spam"), NULL};
    REQUIRE(test_env_restart(&env, plugins));
    spam_post(&env, ALICE, "test:n1", "great deals at https://deals.example.com/now");
    CHECK(spam_deleted(&env, "test:n1"));
    test_env_finish(&env);
}

TEST(test_exempt_channel_is_never_touched_even_by_a_flood_elsewhere)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam set exempt channels <#99>");
    CHECK_CONTAINS(test_last_reply(&env), "exempt_channels is now");
    char id[32];
    for (int i = 0; i < 6; i++) { /* a game channel where bursts are normal */
        snprintf(id, sizeof id, "test:q%d", i);
        spam_post_in(&env, ALICE, "test:99", id, FRUIT[i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 0);
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:z%d", i);
        spam_post(&env, ALICE, id, FRUIT[5 - i]);
    }
    CHECK_INT(spam_count(&env, TEST_ACTION_MODERATE, ""), 1);
    CHECK(spam_deleted(&env, "test:z5"));
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "test:q%d", i);
        CHECK(!spam_deleted(&env, id));
    }
    test_env_finish(&env);
}
