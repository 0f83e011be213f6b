/* Matrix members use kith with text commands: "!help", "/help" typed as text, and who may run
 * admin commands (power level 100 against 0; room creators in version 12 rooms); kith's texts
 * name the room's commands with "!", as members type them. */
#include "matrix_story.h"

TEST(test_member_asks_for_help)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    char asked[128];
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!help", asked, sizeof asked));
    cJSON *put = scenario_wait_request(&s, "PUT", "/rooms/" LOBBY "/send/m.room.message/", "!help",
                                       8000, &cursor);
    CHECK(put != NULL);
    /* An answer to alice's message, sent with kith's token, as the spec's rich reply. */
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(put, "body");
    CHECK(cJSON_IsString(body) && strstr(body->valuestring, asked) != NULL);
    CHECK(cJSON_IsString(body) && strstr(body->valuestring, "m.in_reply_to") != NULL);
    char *entry = put ? cJSON_PrintUnformatted(put) : NULL;
    CHECK_CONTAINS(entry, "Bearer " KITH_TOKEN);
    free(entry);
    cJSON_Delete(put);
    /* Commands are named as Matrix members type them: "!", which every client sends. */
    CHECK_INT(story_count_posts(&s, "!help"), 1);
    CHECK_INT(story_count_posts(&s, "!kith"), 1);
    CHECK_INT(story_count_posts(&s, "/help"), 0);
    CHECK_INT(scenario_count_requests(&s, "PUT", "/send/", NULL), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_member_types_slash_command_as_text)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "/help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    /* Talk is talk: nothing answers an ordinary message. */
    CHECK(story_say(&s, ALICE, "hello everyone", NULL, 0));
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK_INT(scenario_count_requests(&s, "PUT", "/send/", NULL), 2);
    scenario_finish(&s);
}

TEST(test_admin_enables_plugin_and_member_is_refused)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!kith enable example", NULL, 0));
    CHECK(story_wait_post(&s, "needs the admin role", &cursor));
    CHECK(story_say(&s, ALICE, "!note add before it is on", NULL, 0));
    CHECK(story_wait_post(&s, "not enabled here", &cursor));
    CHECK(story_enable_example(&s, &cursor));
    CHECK(story_say(&s, ALICE, "!note add hello from matrix", NULL, 0));
    CHECK(story_wait_post(&s, "Noted #1", &cursor));
    CHECK_INT(story_count_posts(&s, "example is now enabled here"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* In room version 12 the creator outranks everyone without a power level of their own. */
TEST(test_room_creator_is_admin_in_v12_room)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(scenario_control_ok(&s, "user", "{\"user_id\":\"@founder:fake.test\"}"));
    REQUIRE(
        scenario_control_ok(&s, "room",
                            "{\"room_id\":\"!v12:fake.test\",\"creator\":\"@founder:fake.test\","
                            "\"version\":\"12\",\"members\":[\"" KITH_USER "\",\"" ALICE "\"]}"));
    REQUIRE(story_kithd(&s, NULL));
    int cursor = 0;
    REQUIRE(scenario_control_ok(&s, "say",
                                "{\"room_id\":\"!v12:fake.test\",\"sender\":\"@founder:fake.test\","
                                "\"body\":\"!kith enable example\"}"));
    CHECK(story_wait_post(&s, "example is now enabled here", &cursor));
    REQUIRE(scenario_control_ok(&s, "say",
                                "{\"room_id\":\"!v12:fake.test\",\"sender\":\"" ALICE "\","
                                "\"body\":\"!kith disable example\"}"));
    CHECK(story_wait_post(&s, "needs the admin role", &cursor));
    scenario_finish(&s);
}

/* A member promoted to 100 mid-conversation is an admin from the next message on. */
TEST(test_member_promoted_by_power_levels_becomes_admin)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    CHECK(scenario_control_ok(
        &s, "send",
        "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ADMIN "\",\"type\":\"m.room.power_levels\","
        "\"state_key\":\"\",\"content\":{\"users\":{\"" ADMIN "\":100,\"" ALICE "\":100},"
        "\"users_default\":0,\"state_default\":50,\"ban\":50,\"kick\":50,\"redact\":50}}"));
    CHECK(story_say(&s, ALICE, "!kith enable example", NULL, 0));
    CHECK(story_wait_post(&s, "example is now enabled here", &cursor));
    scenario_finish(&s);
}

TEST(test_kiths_texts_name_room_commands_with_a_bang_and_leave_other_slashes)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    CHECK(story_say(&s, ALICE, "!note list", NULL, 0));
    CHECK(story_wait_post(&s, "No notes here yet. Write one with !note add <text>.", &cursor));
    CHECK(story_say(&s, ALICE,
                    "!note add see https://example.org/note/help, then /note list or /notes", NULL,
                    0));
    CHECK(story_wait_post(&s, "Noted #1.", &cursor));
    CHECK(story_say(&s, ALICE, "!note list", NULL, 0));
    /* A link's path and a word that is no command here keep their slash. */
    CHECK(story_wait_post(&s, "see https://example.org/note/help, then !note list or /notes",
                          &cursor));
    CHECK_INT(story_count_posts(&s, "/note add"), 0);
    scenario_finish(&s);
}
