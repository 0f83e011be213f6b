/* Discord scenarios about REST limits and failures: a 429 on one bucket leaves the others
 * alone, a global 429 pauses everything but interaction callbacks for retry_after, the bucket
 * headers are followed, server errors are retried, and a missing permission is named. */
#include "discord_story.h"

static double at_ms(const cJSON *entry)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(entry, "at_ms"));
}

/* The next POST to a channel's messages holding `part` (caller deletes), or NULL. */
static cJSON *wait_post(struct scenario *s, const char *channel, const char *part, int *cursor)
{
    char path[96];
    snprintf(path, sizeof path, "/channels/%s/messages", channel);
    return scenario_wait_request(s, "POST", path, part, 8000, cursor);
}

TEST(test_rate_limit_on_one_channel_does_not_stall_another)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"POST\",\"path\":\"/channels/" GENERAL "/messages\","
                                "\"status\":429,\"retry_after\":2.0}"));
    int general = scenario_count_requests(&s, NULL, NULL, NULL), random = general;
    REQUIRE(story_say(&s, GENERAL, MEMBER, "/help", NULL));
    cJSON *limited = wait_post(&s, GENERAL, "explains one command", &general);
    REQUIRE(limited != NULL);
    REQUIRE(story_say(&s, RANDOM, MEMBER, "/help", NULL));
    cJSON *other = wait_post(&s, RANDOM, "explains one command", &random);
    cJSON *retried = wait_post(&s, GENERAL, "explains one command", &general);
    REQUIRE(other != NULL);
    REQUIRE(retried != NULL);
    /* RANDOM's answer went out while GENERAL waited; GENERAL's waited its 2 seconds. */
    CHECK(at_ms(other) < at_ms(retried));
    CHECK(at_ms(other) - at_ms(limited) < 1500);
    CHECK(at_ms(retried) - at_ms(limited) >= 1950);
    CHECK_INT(story_state_int(&s, "bucket_violations"), 0);
    cJSON_Delete(limited);
    cJSON_Delete(other);
    cJSON_Delete(retried);
    scenario_finish(&s);
}

TEST(test_global_rate_limit_pauses_everything_for_retry_after)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"POST\",\"path\":\"/channels/\",\"status\":429,"
                                "\"global\":true,\"retry_after\":1.5}"));
    int cursor = scenario_count_requests(&s, NULL, NULL, NULL), random = cursor;
    REQUIRE(story_say(&s, GENERAL, MEMBER, "/help", NULL));
    cJSON *limited = wait_post(&s, GENERAL, "explains one command", &cursor);
    REQUIRE(limited != NULL);
    REQUIRE(story_say(&s, RANDOM, MEMBER, "/help", NULL));
    /* Interaction callbacks are exempt from the global limit: a slash command still gets its
     * answer within Discord's 3 seconds. */
    char id[24];
    int callbacks = cursor;
    REQUIRE(story_command(&s, OTHER_MEMBER, "help", NULL, NULL, id));
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    cJSON *answer = scenario_wait_request(&s, "POST", path, "explains", 8000, &callbacks);
    cJSON *other = wait_post(&s, RANDOM, "explains one command", &random);
    cJSON *retried = wait_post(&s, GENERAL, "explains one command", &cursor);
    REQUIRE(answer != NULL);
    REQUIRE(other != NULL);
    REQUIRE(retried != NULL);
    CHECK(at_ms(answer) - at_ms(limited) < 1400);
    CHECK(at_ms(other) - at_ms(limited) >= 1450);
    CHECK(at_ms(retried) - at_ms(limited) >= 1450);
    CHECK_INT(story_state_int(&s, "global_violations"), 0);
    CHECK_INT(story_state_int(&s, "late_callbacks"), 0);
    CHECK(scenario_wait_log_count(&s, "global rate limit hit", 1, 100));
    cJSON_Delete(limited);
    cJSON_Delete(answer);
    cJSON_Delete(other);
    cJSON_Delete(retried);
    scenario_finish(&s);
}

TEST(test_bucket_headers_space_out_a_burst)
{
    static const char *const tight[] = {"--bucket-limit", "2", "--bucket-window-ms", "1000", NULL};
    struct scenario s;
    REQUIRE(story_start(&s, tight));
    for (int i = 0; i < 5; i++)
        REQUIRE(story_say(&s, GENERAL, MEMBER, "/help", NULL));
    int cursor = 0;
    for (int i = 0; i < 5; i++) {
        cJSON *hit = wait_post(&s, GENERAL, "explains one command", &cursor);
        CHECK(hit != NULL);
        cJSON_Delete(hit);
    }
    /* Two per second, as the headers said, and never a 429 for it. */
    CHECK_INT(story_state_int(&s, "bucket_violations"), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/channels/" GENERAL "/messages", NULL), 5);
    scenario_finish(&s);
}

TEST(test_server_errors_are_retried)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"POST\",\"path\":\"/channels/" GENERAL "/messages\","
                                "\"status\":502,\"count\":2}"));
    REQUIRE(story_say(&s, GENERAL, MEMBER, "/help", NULL));
    CHECK(scenario_wait_log_count(&s, "trying again", 2, 8000));
    for (long long end = story_now_ms() + 8000; story_now_ms() < end; story_sleep_ms(50))
        if (scenario_count_requests(&s, "POST", "/channels/" GENERAL "/messages", NULL) >= 3)
            break;
    CHECK_INT(scenario_count_requests(&s, "POST", "/channels/" GENERAL "/messages", NULL), 3);
    scenario_finish(&s);
}

TEST(test_missing_permission_names_the_permission_and_channel)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    /* The bot may see the channel but not write in it. */
    REQUIRE(scenario_control_ok(&s, "settings", "{\"bot_permissions\":1024}"));
    REQUIRE(story_say(&s, GENERAL, MEMBER, "/help", NULL));
    CHECK(scenario_wait_log_count(&s,
                                  "missing permissions (50013): the bot needs SEND_MESSAGES in "
                                  "channel " GENERAL,
                                  1, 8000));
    scenario_finish(&s);
}
