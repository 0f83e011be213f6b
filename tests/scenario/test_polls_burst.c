/* Story: a thousand members vote within seconds; the poll's message is edited only a handful
 * of times (coalesced, at most one edit per two seconds), and the last edit counts every vote. */
#include "polls_story.h"

TEST(test_a_thousand_votes_make_only_a_few_edits)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    const char *message_id = polls_message_id(&env, 1);
    REQUIRE(message_id[0] != '\0');
    for (int i = 0; i < 1000; i++) {
        char user[32], custom_id[32];
        snprintf(user, sizeof user, "test:member%d", i);
        snprintf(custom_id, sizeof custom_id, "polls:p:1:%d", i % 4 == 0 ? 1 : 0);
        struct kith_event ev = {
            .size = sizeof ev,
            .kind = KITH_EVENT_COMPONENT,
            .platform = "test",
            .server_id = TEST_SERVER,
            .channel_id = TEST_CHANNEL,
            .timestamp_ms = env.now_ms,
            .author = {.id = user, .display_name = user},
            .component = {.custom_id = custom_id, .message_id = message_id},
        };
        kith_core_dispatch(env.core, &ev);
        if (i % 100 == 99)
            test_env_run(&env, 500); /* the burst takes about five seconds */
    }
    test_env_run(&env, 2500); /* the last coalesced edit */
    size_t edits = story_count(&env, TEST_ACTION_EDIT, "");
    CHECK(edits >= 1);
    CHECK(edits <= 6);
    const struct test_action *last = polls_last_edit(&env, message_id);
    REQUIRE(last != NULL);
    CHECK_CONTAINS(last->text, "Margherita  ████████░░  750 (75%)\n");
    CHECK_CONTAINS(last->text, "Quattro formaggi  ███░░░░░░░  250 (25%)\n");
    CHECK_CONTAINS(last->text, "Total: 1000 votes");
    CHECK_INT(story_count(&env, TEST_ACTION_REPLY, "You voted for"), 1000);
    test_env_finish(&env);
}
