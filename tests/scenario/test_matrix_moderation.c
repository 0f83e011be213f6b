/* Moderation on Matrix: a redaction refused with M_FORBIDDEN while kith's power level is too
 * low is reported in plain words; once promoted, kith redacts; members cannot ask for it; and
 * what Matrix rooms cannot do (a timed mute) is refused at once. */
#include "matrix_story.h"

/* The content of one lobby event, as the homeserver now has it (caller deletes). */
static cJSON *event_content(struct scenario *s, const char *event_id)
{
    cJSON *out = scenario_control(s, "POST", "events", "{\"room_id\":\"" LOBBY "\"}");
    cJSON *found = NULL;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(out, "events"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "event_id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, event_id) == 0)
            found = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ev, "content"), true);
    }
    cJSON_Delete(out);
    return found;
}

TEST(test_redaction_refused_by_power_levels_is_reported_then_works_once_promoted)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char spam[128], command[256];
    REQUIRE(story_say(&s, ALICE, "cheap watches here", spam, sizeof spam));
    snprintf(command, sizeof command, "!note purge %s", spam);

    /* kith is at power level 0: the homeserver refuses, and the admin is told why. */
    CHECK(story_say(&s, ADMIN, command, NULL, 0));
    CHECK(story_wait_post(&s, "M_FORBIDDEN", &cursor));
    CHECK_INT(story_count_posts(&s, "power level in the room is too low"), 1);
    cJSON *kept = event_content(&s, spam);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(kept, "body")),
              "cheap watches here");
    cJSON_Delete(kept);

    REQUIRE(scenario_control_ok(
        &s, "send",
        "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ADMIN "\",\"type\":\"m.room.power_levels\","
        "\"state_key\":\"\",\"content\":{\"users\":{\"" ADMIN "\":100,\"" KITH_USER "\":50},"
        "\"users_default\":0,\"state_default\":50,\"ban\":50,\"kick\":50,\"redact\":50}}"));
    CHECK(story_say(&s, ADMIN, command, NULL, 0));
    char redact_path[160];
    snprintf(redact_path, sizeof redact_path, "/redact/%s/", spam);
    cJSON *redact = scenario_wait_request(&s, "PUT", redact_path, NULL, 8000, &cursor);
    CHECK(redact != NULL);
    cJSON_Delete(redact);
    cJSON *gone = event_content(&s, spam);
    CHECK(gone != NULL && cJSON_GetObjectItemCaseSensitive(gone, "body") == NULL);
    cJSON_Delete(gone);

    CHECK(story_say(&s, ALICE, command, NULL, 0));
    CHECK(story_wait_post(&s, "needs the admin role", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_timed_mute_is_refused_on_matrix)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    CHECK(story_say(&s, ADMIN, "!note mute " ALICE " 10m flooding", NULL, 0));
    CHECK(story_wait_post(&s, "Could not mute", &cursor));
    CHECK_INT(scenario_count_requests(&s, "POST", "/kick", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/ban", NULL), 0);
    scenario_finish(&s);
}
