/* Story: a thousand members vote at once; the poll's message is edited once for all of them
 * (edits are coalesced), and later votes wait for the next allowed edit (at most one per two
 * seconds per poll) instead of making one edit each. */
#include "polls_story.h"

/* A member's press, dispatched without running the loop: votes arriving together. */
static void press_now(struct test_env *env, const char *user, int option, const char *message_id)
{
    char custom_id[32];
    snprintf(custom_id, sizeof custom_id, "polls:p:1:%d", option);
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_COMPONENT,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user},
        .component = {.custom_id = custom_id, .message_id = message_id},
    };
    kith_core_dispatch(env->core, &ev);
}

TEST(test_a_thousand_votes_at_once_make_one_edit)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    char message_id[64];
    snprintf(message_id, sizeof message_id, "%s", polls_message_id(&env, 1));
    REQUIRE(message_id[0] != '\0');
    for (int i = 0; i < 1000; i++) {
        char user[32];
        snprintf(user, sizeof user, "test:member%d", i);
        press_now(&env, user, i % 4 == 0 ? 1 : 0, message_id);
    }
    test_env_run(&env, 2500);
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1);
    const struct test_action *last = polls_last_edit(&env, message_id);
    REQUIRE(last != NULL);
    CHECK_CONTAINS(last->text, "Margherita  ████████░░  750 (75%)\n");
    CHECK_CONTAINS(last->text, "Quattro formaggi  ███░░░░░░░  250 (25%)\n");
    CHECK_CONTAINS(last->text, "Total: 1000 votes");
    CHECK_INT(story_count(&env, TEST_ACTION_REPLY, "You voted for"), 1000);
    test_env_finish(&env);
}

TEST(test_votes_after_an_edit_wait_for_the_next_allowed_one)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL);
    char message_id[64];
    snprintf(message_id, sizeof message_id, "%s", polls_message_id(&env, 1));
    polls_press(&env, ALICE, 1, 0); /* the first edit goes out at once */
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1);
    for (int i = 0; i < 10; i++) {
        char user[32];
        snprintf(user, sizeof user, "test:late%d", i);
        polls_press(&env, user, 1, 2);
    }
    /* Ten presses, each followed by a turn of the loop: still one edit until the interval. */
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 1);
    test_env_run(&env, 2500);
    CHECK_INT(story_count(&env, TEST_ACTION_EDIT, ""), 2);
    CHECK_CONTAINS(polls_last_edit(&env, message_id)->text, "Total: 11 votes");
    test_env_finish(&env);
}
