/* Telegram's flood limits: a 429 with retry_after in one group holds back that group's
 * messages for as long as Telegram asked, while other chats' messages keep flowing, and the
 * flooded group is not asked again before its time. */
#include "telegram_story.h"

/* The fake's receive time (ms) of the first recorded sendMessage to chat at or after *cursor
 * whose body holds part, with its HTTP answer status; -1 when none came in time. */
static double sent_at(struct scenario *s, const char *chat, const char *part, int *cursor)
{
    for (;;) {
        cJSON *hit = story_wait_call(s, "sendMessage", part, 10000, cursor);
        if (hit == NULL)
            return -1;
        char got[32];
        story_chat_of(hit, got, sizeof got);
        double at = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(hit, "at_ms"));
        cJSON_Delete(hit);
        if (strcmp(got, chat) == 0)
            return at;
    }
}

TEST(test_flood_in_one_group_slows_only_that_group)
{
    struct scenario s;
    REQUIRE(story_telegram(&s));
    REQUIRE(story_group(&s, OTHER_GROUP));
    REQUIRE(story_kithd(&s, NULL, 1));
    /* Both groups are known to kith (admins looked up) before the flood starts. */
    int cursor = 0;
    REQUIRE(story_say(&s, GROUP, MEMBER, "/help", NULL));
    REQUIRE(story_wait_reply(&s, GROUP, "explains one command", &cursor));
    REQUIRE(story_say(&s, OTHER_GROUP, MEMBER, "/help", NULL));
    REQUIRE(story_wait_reply(&s, OTHER_GROUP, "explains one command", &cursor));
    int before = scenario_count_requests(&s, "POST", "/sendMessage", GROUP);

    REQUIRE(scenario_control_ok(&s, "flood", "{\"chat_id\":" GROUP ",\"seconds\":3}"));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/help kith", NULL));
    double refused = sent_at(&s, GROUP, "/kith plugins", &cursor);
    REQUIRE(story_say(&s, OTHER_GROUP, MEMBER, "/help kith", NULL));
    double other = sent_at(&s, OTHER_GROUP, "/kith plugins", &cursor);
    REQUIRE(story_say(&s, OTHER_GROUP, MEMBER, "/help help", NULL));
    double other_again = sent_at(&s, OTHER_GROUP, "a command to explain", &cursor);
    double delivered = sent_at(&s, GROUP, "/kith plugins", &cursor);
    REQUIRE(refused > 0 && other > 0 && other_again > 0 && delivered > 0);
    /* The group waited out retry_after; the other group did not wait for it. */
    CHECK(delivered - refused >= 2900);
    CHECK(other < delivered && other_again < delivered);
    CHECK(other - refused < 2000);
    /* One refused attempt and one that went through: the group was not hammered. */
    CHECK_INT(scenario_count_requests(&s, "POST", "/sendMessage", GROUP) - before, 2);
    CHECK_INT(story_count_sent(&s, GROUP, "/kith plugins"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* Within one chat, kith sends at most about one message a second. */
TEST(test_messages_in_one_chat_are_paced)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_say(&s, GROUP, MEMBER, "/help", NULL));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/help kith", NULL));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/help help", NULL));
    double first = sent_at(&s, GROUP, "explains one command", &cursor);
    double second = sent_at(&s, GROUP, "/kith plugins", &cursor);
    double third = sent_at(&s, GROUP, "a command to explain", &cursor);
    REQUIRE(first > 0 && second > 0 && third > 0);
    CHECK(second - first >= 950);
    CHECK(third - second >= 950);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
