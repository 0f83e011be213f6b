/* What kith's messages look like on Matrix and how members answer them: buttons as numbered
 * choices answered by a keycap reaction or "!vote N" (then the message is edited with
 * m.replace), native polls as m.poll.start with the unstable MSC3381 block and votes read in
 * both forms, and direct messages in a private room kith creates. */
#include "matrix_story.h"

#define QUESTION "Is this example plugin useful?"

/* alice asks the example plugin's question; its event id goes to id. */
static bool ask_question(struct scenario *s, int *cursor, char *id, size_t size)
{
    return story_say(s, ALICE, "!note ask", NULL, 0) && story_wait_post(s, QUESTION, cursor) &&
           story_find_post(s, QUESTION, id, size);
}

TEST(test_buttons_become_numbered_choices_answered_by_reaction)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    int asked_at = cursor;
    char question[128];
    REQUIRE(ask_question(&s, &cursor, question, sizeof question));
    cJSON *post =
        scenario_wait_request(&s, "PUT", "/send/m.room.message/", QUESTION, 100, &asked_at);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(post, "body");
    const char *json = cJSON_IsString(body) ? body->valuestring : "";
    CHECK_CONTAINS(json, "1\xEF\xB8\x8F\xE2\x83\xA3 Yes");
    CHECK_CONTAINS(json, "2\xEF\xB8\x8F\xE2\x83\xA3 No");
    CHECK_CONTAINS(json, "5\xEF\xB8\x8F\xE2\x83\xA3 blue");
    CHECK_CONTAINS(json, "!vote N");
    CHECK_CONTAINS(json, "<ol><li>Yes</li>");
    CHECK_CONTAINS(json, "org.matrix.custom.html");
    cJSON_Delete(post);

    CHECK(story_react(&s, ALICE, question, "2\xEF\xB8\x8F\xE2\x83\xA3"));
    CHECK(story_wait_post(&s, "Thanks, you answered no.", &cursor));
    cJSON *edit =
        scenario_wait_request(&s, "PUT", "/send/m.room.message/", "m.replace", 8000, &asked_at);
    const cJSON *edit_body = cJSON_GetObjectItemCaseSensitive(edit, "body");
    CHECK(cJSON_IsString(edit_body) && strstr(edit_body->valuestring, question) != NULL);
    CHECK(cJSON_IsString(edit_body) && strstr(edit_body->valuestring, "m.new_content") != NULL);
    CHECK(cJSON_IsString(edit_body) &&
          strstr(edit_body->valuestring, "alice answered: no.") != NULL);
    cJSON_Delete(edit);

    /* The edit took the buttons away: a late reaction is only a reaction. */
    CHECK(story_react(&s, ALICE, question, "1\xEF\xB8\x8F\xE2\x83\xA3"));
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK_INT(story_count_posts(&s, "question is closed"), 0);
    CHECK_INT(story_count_posts(&s, "Thanks, you answered"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_member_answers_choices_with_vote_command)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char question[128];
    REQUIRE(ask_question(&s, &cursor, question, sizeof question));
    /* 1 Yes, 2 No, then the select's options: 3 red, 4 green, 5 blue. */
    CHECK(story_say(&s, ALICE, "!vote 4", NULL, 0));
    CHECK(story_wait_post(&s, "Thanks, you answered green.", &cursor));
    CHECK(story_say(&s, ALICE, "!vote 9", NULL, 0)); /* not a choice: nothing happens */
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK_INT(story_count_posts(&s, "Thanks, you answered"), 1);
    scenario_finish(&s);
}

TEST(test_native_poll_is_sent_as_m_poll_start_and_votes_read_in_both_forms)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    CHECK(story_say(&s, ALICE, "!note poll Lunch? pizza pasta", NULL, 0));
    cJSON *poll = scenario_wait_request(&s, "PUT", "/send/m.poll.start/", NULL, 8000, &cursor);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(poll, "json");
    const cJSON *stable = cJSON_GetObjectItemCaseSensitive(body, "m.poll");
    const cJSON *unstable = cJSON_GetObjectItemCaseSensitive(body, "org.matrix.msc3381.poll.start");
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(stable, "answers");
    CHECK_INT(cJSON_GetArraySize(answers), 2);
    const cJSON *first = cJSON_GetArrayItem(answers, 0);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "m.id")), "1");
    CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(stable, "max_selections")), 1);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(stable, "kind")),
              "m.disclosed");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(unstable, "answers")), 2);
    CHECK_STR(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(unstable, "question"), "org.matrix.msc1767.text")),
        "Lunch?");
    cJSON_Delete(poll);

    /* Votes in both forms reach kith as votes on that poll (answers are zero-based there). */
    cJSON *events = scenario_control(&s, "POST", "events",
                                     "{\"room_id\":\"" LOBBY "\",\"type\":\"m.poll.start\"}");
    const cJSON *start = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(events, "events"), 0);
    char poll_id[128] = "";
    snprintf(poll_id, sizeof poll_id, "%s",
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(start, "event_id")));
    cJSON_Delete(events);
    char vote[512], seen[256];
    snprintf(vote, sizeof vote,
             "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ALICE "\",\"type\":\"m.poll.response\","
             "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.reference\",\"event_id\":\"%s\"},"
             "\"m.selections\":[\"2\"]}}",
             poll_id);
    CHECK(scenario_control_ok(&s, "send", vote));
    snprintf(seen, sizeof seen, "by " ALICE " on matrix:%s: 1", poll_id);
    CHECK(scenario_wait_log(&s, seen, 5000));
    snprintf(vote, sizeof vote,
             "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ADMIN "\","
             "\"type\":\"org.matrix.msc3381.poll.response\",\"content\":{\"m.relates_to\":"
             "{\"rel_type\":\"m.reference\",\"event_id\":\"%s\"},"
             "\"org.matrix.msc3381.poll.response\":{\"answers\":[\"1\"]}}}",
             poll_id);
    CHECK(scenario_control_ok(&s, "send", vote));
    snprintf(seen, sizeof seen, "by " ADMIN " on matrix:%s: 0", poll_id);
    CHECK(scenario_wait_log(&s, seen, 5000));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_direct_message_opens_a_private_room_once)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    CHECK(story_say(&s, ADMIN, "!note dm " ALICE " welcome aboard", NULL, 0));
    cJSON *created = scenario_wait_request(&s, "POST", "/createRoom", ALICE, 8000, &cursor);
    CHECK(created != NULL);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(created, "json");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json, "is_direct")));
    cJSON_Delete(created);
    cJSON *sent =
        scenario_wait_request(&s, "PUT", "/send/m.room.message/", "welcome aboard", 8000, &cursor);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(sent, "path");
    CHECK(cJSON_IsString(path) && strstr(path->valuestring, LOBBY) == NULL);
    cJSON_Delete(sent);
    CHECK(story_say(&s, ADMIN, "!note dm " ALICE " second note", NULL, 0));
    cJSON *again =
        scenario_wait_request(&s, "PUT", "/send/m.room.message/", "second note", 8000, &cursor);
    CHECK(again != NULL);
    cJSON_Delete(again);
    CHECK_INT(scenario_count_requests(&s, "POST", "/createRoom", NULL), 1);
    scenario_finish(&s);
}
