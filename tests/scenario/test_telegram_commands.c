/* Telegram members use kith's commands in a group: /help and /cmd@bot answered as a reply,
 * commands for other bots left alone, admins (from getChatAdministrators) enable plugins and
 * the group's command list follows, members are refused. */
#include "telegram_story.h"

TEST(test_member_runs_help_in_group)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    int64_t asked = 0;
    CHECK(story_say(&s, GROUP, MEMBER, "/help", &asked));
    cJSON *sent =
        story_wait_call(&s, "sendMessage", "/help <command> explains one command", 8000, &cursor);
    REQUIRE(sent != NULL);
    char chat[32];
    story_chat_of(sent, chat, sizeof chat);
    CHECK_STR(chat, GROUP);
    /* An answer to the member's message, and the token only in the path. */
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(sent, "json");
    const cJSON *reply = cJSON_GetObjectItemCaseSensitive(json, "reply_parameters");
    CHECK_INT(
        (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(reply, "message_id")),
        (long long)asked);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(json, "text");
    CHECK(cJSON_IsString(text) && strstr(text->valuestring, "/kith") != NULL);
    cJSON_Delete(sent);
    /* The member's role was looked up in the group's admin list. */
    CHECK_INT(scenario_count_requests(&s, "POST", "/getChatAdministrators", GROUP), 1);
    CHECK_INT(story_count_sent(&s, GROUP, "explains one command"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_command_addressed_to_bot_by_name)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    CHECK(story_say(&s, GROUP, MEMBER, "/help@otherbot", NULL));
    CHECK(story_say(&s, GROUP, MEMBER, "/help@" TG_BOT_NAME " kith", NULL));
    CHECK(story_wait_reply(&s, GROUP, "/kith plugins", &cursor));
    /* The command for the other bot got no answer: only one reply was sent. */
    CHECK_INT(scenario_count_requests(&s, "POST", "/sendMessage", NULL), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_admin_enables_plugin_and_command_list_follows)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    /* At start: kith's own commands for every chat. */
    cJSON *defaults = story_wait_call(&s, "setMyCommands", "\"help\"", 8000, &cursor);
    CHECK(defaults != NULL);
    char *text = defaults ? cJSON_PrintUnformatted(defaults) : NULL;
    CHECK(text != NULL && strstr(text, "\\\"note\\\"") == NULL);
    free(text);
    cJSON_Delete(defaults);
    cursor = 0;
    CHECK(story_enable_example(&s, &cursor));
    int commands_cursor = 0; /* registered before the confirmation was sent */
    cJSON *set = story_wait_call(&s, "setMyCommands", "\"note\"", 8000, &commands_cursor);
    REQUIRE(set != NULL);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(set, "json");
    const cJSON *scope = cJSON_GetObjectItemCaseSensitive(json, "scope");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(scope, "type")), "chat");
    CHECK_INT((long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(scope, "chat_id")),
              atoll(GROUP));
    cJSON_Delete(set);
    /* Telegram now shows /note in the group. */
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(state, "commands"), "chat:" GROUP);
    char *listed = commands ? cJSON_PrintUnformatted(commands) : NULL;
    CHECK_CONTAINS(listed, "\"command\":\"note\"");
    CHECK_CONTAINS(listed, "\"command\":\"help\"");
    free(listed);
    cJSON_Delete(state);
    CHECK(story_say(&s, GROUP, MEMBER, "/note add hello from telegram", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Noted #1", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_member_is_refused_enabling_plugin)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    CHECK(story_say(&s, GROUP, MEMBER, "/kith enable example", NULL));
    CHECK(story_wait_reply(&s, GROUP, "needs the admin role", &cursor));
    CHECK(story_say(&s, GROUP, MEMBER, "/note add too early", NULL));
    CHECK(story_wait_reply(&s, GROUP, "not enabled here", &cursor));
    CHECK_INT(scenario_count_requests(&s, "POST", "/setMyCommands", "\"note\""), 0);
    CHECK_INT(story_count_sent(&s, GROUP, "is now enabled"), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
