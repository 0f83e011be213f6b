/* Discord scenarios: members and admins use slash commands and typed commands, kith answers
 * through the interaction callback or in the channel, and the guild's commands follow what is
 * enabled. */
#include "discord_story.h"

TEST(test_member_runs_help_and_gets_the_reply)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "help", NULL, NULL, id));
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    cJSON *callback =
        scenario_wait_request(&s, "POST", path, "explains one command", 8000, &cursor);
    REQUIRE(callback != NULL);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(callback, "json");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(json, "data");
    CHECK_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "type")), 4);
    /* The list is for the member alone (ephemeral), and never pings anyone. */
    CHECK_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(data, "flags")), 64);
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, "content")),
                   "/kith");
    CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(data, "allowed_mentions"), "parse")));
    /* Interaction callbacks carry no bot token; everything else carries it. */
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(callback, "headers");
    CHECK(cJSON_GetObjectItemCaseSensitive(headers, "authorization") == NULL);
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(headers, "user-agent")),
                   "DiscordBot (");
    cJSON_Delete(callback);
    CHECK_INT(story_state_int(&s, "late_callbacks"), 0);
    CHECK_INT(story_state_int(&s, "double_acks"), 0);
    scenario_finish(&s);
}

TEST(test_admin_enables_plugin_and_guild_commands_are_registered_again)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    /* At start: kith's own commands only, in one bulk overwrite. */
    cJSON *first = scenario_wait_request(
        &s, "PUT", "/applications/" APP "/guilds/" GUILD "/commands", "\"help\"", 8000, &cursor);
    REQUIRE(first != NULL);
    CHECK(strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "body")),
                 "\"note\"") == NULL);
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetObjectItemCaseSensitive(first, "headers"), "authorization")),
                   "Bot " DC_TOKEN);
    cJSON_Delete(first);
    int answers = 0;
    REQUIRE(story_enable_example(&s, &answers));
    cJSON *again =
        scenario_wait_request(&s, "PUT", "/guilds/" GUILD "/commands", "\"note\"", 8000, &cursor);
    REQUIRE(again != NULL);
    /* /note arrives with its subcommands and typed options, as Discord wants them. */
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(again, "body")),
                   "\"name\":\"remind\"");
    cJSON_Delete(again);
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    char *commands = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(state, "commands"));
    CHECK_CONTAINS(commands, "\"name\":\"note\""); /* the fake accepted the overwrite */
    free(commands);
    cJSON_Delete(state);
    scenario_finish(&s);
}

TEST(test_member_cannot_enable_plugins)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "kith", "enable", "{\"plugin\":\"example\"}", id));
    CHECK(story_wait_callback(&s, id, "needs the admin role", &cursor));
    CHECK_INT(scenario_count_requests(&s, "PUT", "/commands", "\"note\""), 0);
    scenario_finish(&s);
}

TEST(test_admin_types_a_command_and_kith_answers_in_the_channel)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    char said[24];
    /* ADMIN is an admin through a role: kith knows it from the guild's roles. */
    REQUIRE(story_say(&s, GENERAL, ADMIN, "/kith enable example", said));
    cJSON *reply = scenario_wait_request(&s, "POST", "/channels/" GENERAL "/messages",
                                         "example is now enabled here", 8000, &cursor);
    REQUIRE(reply != NULL);
    /* The answer points at the admin's message. */
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply, "body")), said);
    cJSON_Delete(reply);
    scenario_finish(&s);
}

TEST(test_member_presses_a_button_and_the_question_closes)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "note", "ask", NULL, id));
    REQUIRE(story_wait_callback(&s, id, "\"custom_id\":\"example:ask:", &cursor));
    /* The question is a message of the bot's with two buttons and a select menu. */
    cJSON *messages = scenario_control(&s, "GET", "messages", NULL);
    const char *question = NULL;
    const cJSON *m;
    cJSON_ArrayForEach(m, messages)
    {
        const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "content"));
        if (content != NULL && strstr(content, "Is this example plugin useful?") != NULL)
            question = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
    }
    REQUIRE(question != NULL);
    char body[256];
    snprintf(body, sizeof body,
             "{\"user_id\":\"" OTHER_MEMBER "\",\"message_id\":\"%s\","
             "\"custom_id\":\"example:ask:1:yes\"}",
             question);
    int edits = cursor; /* the answer and the edit may be sent in either order */
    cJSON *press = story_control(&s, "press", body);
    REQUIRE(press != NULL);
    const char *press_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(press, "id"));
    CHECK(story_wait_callback(&s, press_id, "you answered yes", &cursor));
    cJSON_Delete(press);
    /* ... and the question is edited to show the answer, its buttons gone. */
    char path[96];
    snprintf(path, sizeof path, "/channels/" GENERAL "/messages/%s", question);
    cJSON *edit = scenario_wait_request(&s, "PATCH", path, "answered: yes", 8000, &edits);
    CHECK(edit != NULL);
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(edit, "body")),
                   "\"components\":[]");
    cJSON_Delete(edit);
    cJSON_Delete(messages);
    scenario_finish(&s);
}
