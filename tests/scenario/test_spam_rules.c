/* Story: the spam rules at work on a server — a flooder is timed out and the whole burst
 * deleted, a member exactly at the limit is left alone, a newcomer's link is removed but an old
 * member's stays, an exempt role is never touched, dry run only logs, and banned words are
 * caught through lookalikes and zero-width characters. */
#include "test_spam_story.h"

static const char *const FRUIT[] = {"apples", "bananas",      "cherries",
                                    "dates",  "elderberries", "figs"};

/* A burst of `count` (at most 6) messages from one member: ids test:<prefix>0, 1, ...; texts
 * FRUIT in order, or from the last fruit backwards. */
struct burst {
    const char *user;
    const char *prefix;
    int count;
    bool backwards;
    const char *channel_id; /* NULL: the test channel */
    const char *const *role_ids;
    size_t role_count;
};

static void burst_id(const struct burst *b, int i, char *id, size_t size)
{
    snprintf(id, size, "test:%s%d", b->prefix, i);
}

static void post_burst(struct test_env *env, struct burst b)
{
    char id[32];
    for (int i = 0; i < b.count; i++) {
        burst_id(&b, i, id, sizeof id);
        spam_dispatch(
            env, (struct kith_event){
                     .channel_id = b.channel_id,
                     .author = {.id = b.user, .role_ids = b.role_ids, .role_count = b.role_count},
                     .message = {.id = id, .text = FRUIT[b.backwards ? 5 - i : i]},
                 });
    }
}

/* How many messages of the burst the platform was asked to delete. */
static int burst_deleted(const struct test_env *env, struct burst b)
{
    char id[32];
    int deleted = 0;
    for (int i = 0; i < b.count; i++) {
        burst_id(&b, i, id, sizeof id);
        deleted += spam_deleted(env, id);
    }
    return deleted;
}

/* Nothing was deleted and nobody was moderated. */
static void check_untouched(const struct test_env *env)
{
    CHECK_INT(story_count(env, TEST_ACTION_DELETE, ""), 0);
    CHECK_INT(story_count(env, TEST_ACTION_MODERATE, ""), 0);
}

TEST(test_flooder_is_timed_out_and_the_flood_deleted)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    const struct burst flood = {.user = ALICE, .prefix = "f", .count = 6}; /* the limit is 5/10s */
    post_burst(&env, flood);
    const struct test_action *timeout = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(timeout != NULL);
    CHECK_INT(timeout->mod_kind, KITH_MOD_TIMEOUT);
    CHECK_STR(timeout->user_id, ALICE);
    CHECK_INT(timeout->duration_s, 600);
    CHECK_CONTAINS(timeout->reason, "flood");
    CHECK_INT(burst_deleted(&env, flood), 6); /* every message of the burst, not only the last */
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "timeout:10m: flood");
    CHECK_CONTAINS(log->text, "Member: <@41> (test:41)");
    CHECK_CONTAINS(log->text, "Evidence: figs");
    CHECK_CONTAINS(log->text, "Undo: /pardon <@41>");
    /* The strike is stored, and the action log has its row once the buffer is flushed. */
    CHECK_INT(story_query(&env, "SELECT count(*) FROM spam_strikes WHERE user_id = ?1", ALICE), 1);
    test_env_run(&env, 1200);
    CHECK_INT(story_query(&env, "SELECT count(*) FROM spam_actions WHERE rule = 'flood'", NULL), 1);
    test_env_finish(&env);
}

TEST(test_member_exactly_at_the_flood_limit_is_left_alone)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "e", .count = 5});
    check_untouched(&env);
    /* Ten seconds later the window has moved on: five more are fine too. */
    test_env_advance(&env, 11000);
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "g", .count = 5, .backwards = true});
    check_untouched(&env);
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
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
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
    post_burst(
        &env,
        (struct burst){
            .user = ALICE, .prefix = "x", .count = 6, .role_ids = helper_roles, .role_count = 1});
    check_untouched(&env);
    /* Bob, without the role, floods the same way and is timed out. */
    post_burst(&env, (struct burst){.user = BOB, .prefix = "y", .count = 6});
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 1);
    test_env_finish(&env);
}

TEST(test_dry_run_only_logs_what_would_happen)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam dry-run on");
    CHECK_CONTAINS(test_last_reply(&env), "dry_run is now: on");
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "d", .count = 6});
    check_untouched(&env);
    const struct test_action *log = spam_last_log(&env);
    REQUIRE(log != NULL);
    CHECK_CONTAINS(log->text, "[dry run] would timeout:10m: flood");
    CHECK_CONTAINS(log->text, "nothing was done (dry run)");
    CHECK_INT(story_query(&env, "SELECT count(*) FROM spam_strikes", NULL), 0);
    /* Off again, the same flood acts. */
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/spam dry-run off");
    test_env_advance(&env, 11000);
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "o", .count = 6});
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 1);
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
    check_untouched(&env);
    spam_edit(&env, ALICE, "test:c1", "best CASINO bonus");
    CHECK(spam_deleted(&env, "test:c1"));
    test_env_finish(&env);
}

/* A message from Alice mentioning `count` members. */
static void post_mentions(struct test_env *env, const char *message_id, size_t count)
{
    static const char *const people[] = {"test:1", "test:2", "test:3", "test:4", "test:5",
                                         "test:6", "test:7", "test:8", "test:9"};
    spam_dispatch(env, (struct kith_event){.author = {.id = ALICE, .display_name = "Alice"},
                                           .message = {.id = message_id,
                                                       .text = "hey all",
                                                       .mention_ids = people,
                                                       .mention_count = count}});
}

TEST(test_mention_flood_is_timed_out)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    post_mentions(&env, "test:p1", 8); /* the default limit is 8 mentions in 30s */
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
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
    spam_post(&env, ALICE, "test:warm", "warming the rules cache");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config spam flood off");
    test_env_advance(&env, 11000);
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "k", .count = 6});
    check_untouched(&env);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/spam rules");
    CHECK_CONTAINS(test_last_reply(&env), "flood: off");
    test_env_finish(&env);
}

TEST(test_moderation_log_says_when_the_platform_refused_the_timeout)
{
    struct test_env env;
    REQUIRE(spam_story_start(&env));
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "r", .count = 5});
    env.tp->fail_next = 7; /* the six deletions and the timeout of the sixth message fail */
    spam_post(&env, ALICE, "test:r5", FRUIT[5]);
    test_env_run(&env, 20);
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 1);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "The platform refused the timeout of test:41"),
              1);
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
    const struct burst game = {.user = ALICE, .prefix = "q", .count = 6, .channel_id = "test:99"};
    post_burst(&env, game); /* a game channel where bursts are normal */
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);
    post_burst(&env, (struct burst){.user = ALICE, .prefix = "z", .count = 6, .backwards = true});
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 1);
    CHECK(spam_deleted(&env, "test:z5"));
    CHECK_INT(burst_deleted(&env, game), 0);
    test_env_finish(&env);
}
