/* Moderation on Matrix: a redaction refused with M_FORBIDDEN while kith's power level is too
 * low is reported in plain words; once promoted, kith redacts; members cannot ask for it; what
 * Matrix rooms cannot do (a timed mute) is refused at once; and the spam plugin's kick and ban
 * reach the room as membership changes, refused until kith's power level allows them. */
#include "matrix_story.h"

#define BOB "@bob:fake.test" /* a member, power level 0 */

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

/* kith promoted to power level 50 (kick, ban and redact), the admin keeping 100. */
static bool promote_kith(struct scenario *s)
{
    return scenario_control_ok(
        s, "send",
        "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ADMIN "\",\"type\":\"m.room.power_levels\","
        "\"state_key\":\"\",\"content\":{\"users\":{\"" ADMIN "\":100,\"" KITH_USER "\":50},"
        "\"users_default\":0,\"state_default\":50,\"ban\":50,\"kick\":50,\"redact\":50}}");
}

/* A member's membership in the lobby as the homeserver has it now, into buf ("" if none). */
static void membership_of(struct scenario *s, const char *user, char *buf, size_t size)
{
    cJSON *out = scenario_control(s, "POST", "events",
                                  "{\"room_id\":\"" LOBBY "\",\"type\":\"m.room.member\"}");
    snprintf(buf, size, "%s", "");
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(out, "events"))
    {
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "state_key"));
        const char *now = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(ev, "content"), "membership"));
        if (key != NULL && now != NULL && strcmp(key, user) == 0)
            snprintf(buf, size, "%s", now);
    }
    cJSON_Delete(out);
}

/* The admin sets a spam rule and kith confirms it. */
static bool spam_set(struct scenario *s, const char *command, const char *confirmation, int *cursor)
{
    return story_say(s, ADMIN, command, NULL, 0) && story_wait_post(s, confirmation, cursor);
}

TEST(test_spam_plugin_kicks_and_bans_once_kiths_power_level_allows)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(scenario_control_ok(&s, "user", "{\"user_id\":\"" BOB "\"}"));
    REQUIRE(scenario_control_ok(&s, "join", "{\"room_id\":\"" LOBBY "\",\"user_id\":\"" BOB "\"}"));
    REQUIRE(story_kithd_with(&s, NULL, KITH_PLUGIN_DIR, "\"spam\""));
    int cursor = 0;
    REQUIRE(spam_set(&s, "!kith enable spam", "spam is now enabled here", &cursor));
    REQUIRE(spam_set(&s, "!spam set words add cheap watches", "cheap watches", &cursor));
    REQUIRE(spam_set(&s, "!spam set words action kick", "is now", &cursor));

    /* At power level 0 the homeserver refuses the kick; the log says why in plain words. */
    CHECK(story_say(&s, ALICE, "cheap watches here", NULL, 0));
    CHECK(scenario_wait_log(&s, "kick of " ALICE " in " LOBBY " refused: M_FORBIDDEN", 8000));
    CHECK(scenario_wait_log(&s, "(kith's power level in the room is too low)", 100));
    char now[32];
    membership_of(&s, ALICE, now, sizeof now);
    CHECK_STR(now, "join");
    cJSON *refused = scenario_wait_request(&s, "POST", "/kick", ALICE, 100, &cursor);
    CHECK(refused != NULL);
    cJSON_Delete(refused);

    REQUIRE(promote_kith(&s));
    CHECK(story_say(&s, ALICE, "cheap watches, last chance", NULL, 0));
    cJSON *kick = scenario_wait_request(&s, "POST", "/kick", ALICE, 8000, &cursor);
    CHECK(kick != NULL);
    cJSON_Delete(kick);
    membership_of(&s, ALICE, now, sizeof now);
    CHECK_STR(now, "leave");

    REQUIRE(spam_set(&s, "!spam set words action ban", "is now", &cursor));
    CHECK(story_say(&s, BOB, "cheap watches for all", NULL, 0));
    cJSON *ban = scenario_wait_request(&s, "POST", "/ban", BOB, 8000, &cursor);
    CHECK(ban != NULL);
    cJSON_Delete(ban);
    membership_of(&s, BOB, now, sizeof now);
    CHECK_STR(now, "ban");
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
