/* Discord scenarios about answering interactions within Discord's 3 seconds: a slow plugin's
 * command is deferred and then followed up, a plugin that answers soon after its command is
 * still answered directly, and nothing is acknowledged twice. */
#include "discord_story.h"

/* The callback kith sent for an interaction (caller deletes), or NULL. */
static cJSON *wait_callback(struct scenario *s, const char *id, const char *part, int *cursor)
{
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    return scenario_wait_request(s, "POST", path, part, 8000, cursor);
}

/* ack_after_ms of an interaction in the fake's state; -1 when not acknowledged. */
static int ack_after_ms(struct scenario *s, const char *id)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    int ms = -2;
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(state, "interactions"))
    {
        const char *xid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "id"));
        if (xid != NULL && strcmp(xid, id) == 0)
            ms = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "ack_after_ms"));
    }
    cJSON_Delete(state);
    return ms;
}

TEST(test_slow_plugin_is_deferred_and_then_followed_up)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char id[24];
    long long asked = story_now_ms();
    REQUIRE(story_command(&s, MEMBER, "note", "slow", "{\"seconds\":3}", id));
    /* No answer during dispatch: kith defers on its own, well inside the 3 seconds. */
    cJSON *deferred = wait_callback(&s, id, "\"type\":5", &cursor);
    REQUIRE(deferred != NULL);
    cJSON_Delete(deferred);
    int acked = ack_after_ms(&s, id);
    CHECK(acked >= 0 && acked < 3000);
    /* The plugin's answer, three seconds later, replaces "thinking…" through the webhook. */
    cJSON *followup =
        scenario_wait_request(&s, "PATCH", "/webhooks/" APP "/", "the answer is 42", 8000, &cursor);
    REQUIRE(followup != NULL);
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(followup, "path")),
                   "/messages/@original");
    cJSON_Delete(followup);
    CHECK(story_now_ms() - asked >= 2900);
    /* ... and not also as a message of its own in the channel. */
    CHECK_INT(
        scenario_count_requests(&s, "POST", "/channels/" GENERAL "/messages", "the answer is 42"),
        0);
    CHECK_INT(story_state_int(&s, "late_callbacks"), 0);
    CHECK_INT(story_state_int(&s, "double_acks"), 0);
    scenario_finish(&s);
}

TEST(test_answer_soon_after_the_command_is_sent_directly)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "note", "slow", "{\"seconds\":1}", id));
    /* One second is inside kith's own deferral point: the answer is the callback itself. */
    cJSON *answer = wait_callback(&s, id, "the answer is 42", &cursor);
    REQUIRE(answer != NULL);
    CHECK_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(answer, "json"), "type")),
              4);
    cJSON_Delete(answer);
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    CHECK_INT(scenario_count_requests(&s, "POST", path, "\"type\":5"), 0);
    CHECK_INT(story_state_int(&s, "double_acks"), 0);
    scenario_finish(&s);
}

TEST(test_native_poll_is_sent_as_a_discord_poll)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "note", "poll",
                          "{\"question\":\"Lunch?\",\"answers\":\"pizza \\\"sushi bar\\\"\"}", id));
    cJSON *answer = wait_callback(&s, id, "\"poll\"", &cursor);
    REQUIRE(answer != NULL);
    const cJSON *poll = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(answer, "json"), "data"),
        "poll");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(poll, "question"), "text")),
              "Lunch?");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(poll, "answers")), 2);
    char *printed = cJSON_PrintUnformatted(poll);
    CHECK_CONTAINS(printed, "{\"poll_media\":{\"text\":\"sushi bar\"}}");
    free(printed);
    cJSON_Delete(answer);
    scenario_finish(&s);
}
