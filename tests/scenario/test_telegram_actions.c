/* What members see of kith's richer messages on Telegram: inline keyboards whose presses are
 * always answered, edits, native polls and their votes, moderation (and a clear word when
 * the bot lacks the rights or the 48-hour delete window has passed). */
#include "telegram_story.h"

TEST(test_member_answers_question_with_buttons)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/note ask", NULL));
    REQUIRE(story_wait_reply(&s, GROUP, "Is this example plugin useful?", &cursor));
    cJSON *question = story_kith_message(&s, GROUP, "Is this example plugin useful?");
    REQUIRE(question != NULL);
    const char *yes = story_button_data(question, "Yes"),
               *green = story_button_data(question, "green");
    /* Short ids travel as they are; a select option's id and value through a stored key. */
    CHECK_STR(yes, "example:ask:1:yes");
    CHECK(green != NULL && strlen(green) <= 64 && green[0] == '~');
    char pressed[64] = "";
    int64_t mid =
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(question, "message_id"));
    REQUIRE(green != NULL && story_press(&s, GROUP, mid, MEMBER, green, pressed, sizeof pressed));
    cJSON_Delete(question);
    /* The press is answered with the plugin's private reply as its notification. */
    cJSON *answer = story_wait_call(&s, "answerCallbackQuery", pressed, 8000, &cursor);
    REQUIRE(answer != NULL);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(answer, "json");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "text")),
              "Thanks, you answered green.");
    cJSON_Delete(answer);
    /* And the question is edited to show the answer, its keyboard gone. */
    int edits = 0;
    cJSON *edit = story_wait_call(&s, "editMessageText", "answered: green", 8000, &edits);
    CHECK(edit != NULL);
    cJSON_Delete(edit);
    cJSON *closed = story_kith_message(&s, GROUP, "answered: green");
    CHECK(closed != NULL && cJSON_GetObjectItemCaseSensitive(closed, "reply_markup") == NULL);
    cJSON_Delete(closed);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_every_press_is_answered)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/note ask", NULL));
    REQUIRE(story_wait_reply(&s, GROUP, "Is this example plugin useful?", &cursor));
    cJSON *question = story_kith_message(&s, GROUP, "Is this example plugin useful?");
    REQUIRE(question != NULL);
    int64_t mid =
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(question, "message_id"));
    cJSON_Delete(question);
    char first[64], second[64], foreign[64], lost[64];
    REQUIRE(story_press(&s, GROUP, mid, MEMBER, "example:ask:1:yes", first, sizeof first));
    REQUIRE(story_press(&s, GROUP, mid, MEMBER, "example:ask:1:no", second, sizeof second));
    REQUIRE(story_press(&s, GROUP, mid, MEMBER, "someone-else", foreign, sizeof foreign));
    REQUIRE(story_press(&s, GROUP, mid, MEMBER, "~00000000deadbeef", lost, sizeof lost));
    const char *ids[] = {first, second, foreign, lost};
    for (size_t i = 0; i < 4; i++) {
        int at = 0;
        cJSON *answer = story_wait_call(&s, "answerCallbackQuery", ids[i], 8000, &at);
        CHECK(answer != NULL);
        cJSON_Delete(answer);
    }
    /* The second press came after the question closed, and was told so. */
    CHECK_INT(scenario_count_requests(&s, "POST", "/answerCallbackQuery", "question is closed"), 1);
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    const cJSON *callbacks = cJSON_GetObjectItemCaseSensitive(state, "callbacks");
    for (size_t i = 0; i < 4; i++)
        CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(callbacks, ids[i]), "answered")));
    cJSON_Delete(state);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_native_poll_and_a_vote)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/note poll Lunch? pizza \"sushi bar\" soup", NULL));
    cJSON *sent = story_wait_call(&s, "sendPoll", "Lunch?", 8000, &cursor);
    REQUIRE(sent != NULL);
    char *body = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(sent, "json"));
    CHECK_CONTAINS(body, "\"options\":[{\"text\":\"pizza\"},{\"text\":\"sushi bar\"},"
                         "{\"text\":\"soup\"}]");
    free(body);
    cJSON_Delete(sent);
    cJSON *poll = story_kith_message(&s, GROUP, "Lunch?");
    const char *telegram_poll_id = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(poll, "poll"), "id"));
    REQUIRE(telegram_poll_id != NULL);
    char poll_id[64];
    snprintf(poll_id, sizeof poll_id, "%s", telegram_poll_id);
    int64_t mid =
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(poll, "message_id"));
    char vote[160], seen[200];
    snprintf(vote, sizeof vote, "{\"poll_id\":\"%s\",\"from_id\":" MEMBER ",\"option_ids\":[1]}",
             poll_id);
    /* The vote names the poll by its message, as the send result named it to the plugin. */
    snprintf(seen, sizeof seen,
             "vote on poll telegram:%" PRId64 " in telegram:" GROUP " by telegram:" MEMBER, mid);
    cJSON_Delete(poll);
    REQUIRE(scenario_control_ok(&s, "poll_answer", vote));
    CHECK(scenario_wait_log(&s, seen, 8000));
    /* An anonymous admin votes as the group itself. */
    snprintf(vote, sizeof vote,
             "{\"poll_id\":\"%s\",\"from_id\":" OWNER ",\"voter_chat_id\":" GROUP
             ",\"option_ids\":[0]}",
             poll_id);
    snprintf(seen, sizeof seen,
             "vote on poll telegram:%" PRId64 " in telegram:" GROUP " by telegram:" GROUP, mid);
    REQUIRE(scenario_control_ok(&s, "poll_answer", vote));
    CHECK(scenario_wait_log(&s, seen, 8000));
    /* A poll kith did not send (an earlier installation's) is no one's business here. */
    REQUIRE(scenario_control_ok(
        &s, "poll_answer", "{\"poll_id\":\"4242\",\"from_id\":" MEMBER ",\"option_ids\":[0]}"));
    CHECK(scenario_wait_log(&s, "vote on poll 4242 ignored: kith did not send it", 8000));
    CHECK_INT(scenario_log_count(&s, "vote on poll 4242 in"), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_admin_mutes_member_and_missing_rights_are_reported)
{
    struct scenario s;
    REQUIRE(story_telegram(&s));
    REQUIRE(scenario_control_ok(&s, "chat",
                                "{\"chat_id\":" OTHER_GROUP
                                ",\"type\":\"supergroup\",\"owner\":" OWNER
                                ",\"bot_admin\":false}"));
    REQUIRE(story_kithd(&s, NULL, 1));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    CHECK(story_say(&s, GROUP, OWNER, "/note mute " MEMBER " 10m flooding", NULL));
    cJSON *restrict_call = story_wait_call(&s, "restrictChatMember", GROUP, 8000, &cursor);
    REQUIRE(restrict_call != NULL);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(restrict_call, "json");
    double until = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "until_date"));
    CHECK(until >= (double)time(NULL) + 590 && until <= (double)time(NULL) + 610);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(json, "permissions"), "can_send_messages")));
    cJSON_Delete(restrict_call);
    CHECK(story_wait_reply(&s, GROUP, "is muted for 10m", &cursor));
    /* Where the bot is no admin, the owner learns what to fix. */
    CHECK(story_say(&s, OTHER_GROUP, OWNER, "/kith enable example", NULL));
    CHECK(story_wait_reply(&s, OTHER_GROUP, "example is now enabled here", &cursor));
    CHECK(story_say(&s, OTHER_GROUP, OWNER, "/note mute " MEMBER " 10m", NULL));
    CHECK(story_wait_reply(&s, OTHER_GROUP, "make the bot an admin of the group", &cursor));
    CHECK_INT(story_count_sent(&s, OTHER_GROUP, "not enough rights"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_purge_respects_the_48_hour_window)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char old_body[200];
    snprintf(old_body, sizeof old_body,
             "{\"chat_id\":" GROUP ",\"from_id\":" MEMBER ",\"text\":\"ancient spam\","
             "\"date\":%lld}",
             (long long)time(NULL) - 49 * 3600);
    cJSON *old = scenario_control(&s, "POST", "message", old_body);
    int64_t old_id =
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(old, "message_id"));
    cJSON_Delete(old);
    int64_t fresh_id = 0;
    REQUIRE(story_say(&s, GROUP, MEMBER, "fresh spam", &fresh_id));
    char command[64];
    snprintf(command, sizeof command, "/note purge %" PRId64, fresh_id);
    CHECK(story_say(&s, GROUP, OWNER, command, NULL));
    CHECK(story_wait_reply(&s, GROUP, "Deleting message", &cursor));
    snprintf(command, sizeof command, "/note purge %" PRId64, old_id);
    CHECK(story_say(&s, GROUP, OWNER, command, NULL));
    CHECK(story_wait_reply(&s, GROUP, "within 48 hours", &cursor));
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    char *text = cJSON_PrintUnformatted(state);
    /* The fresh message is gone, the old one stays. */
    CHECK_INT(scenario_count_requests(&s, "POST", "/deleteMessage", NULL), 2);
    CHECK_CONTAINS(text, "\"deleted\":true");
    free(text);
    cJSON_Delete(state);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_group_upgraded_to_supergroup_keeps_its_plugins)
{
    struct scenario s;
    REQUIRE(story_telegram(&s));
    REQUIRE(scenario_control_ok(&s, "chat",
                                "{\"chat_id\":-4001,\"type\":\"group\",\"owner\":" OWNER
                                ",\"bot_admin\":true,\"bot_can_delete\":true,"
                                "\"bot_can_restrict\":true}"));
    REQUIRE(story_kithd(&s, NULL, 1));
    int cursor = 0;
    CHECK(story_say(&s, "-4001", OWNER, "/kith enable example", NULL));
    CHECK(story_wait_reply(&s, "-4001", "example is now enabled here", &cursor));
    REQUIRE(scenario_control_ok(&s, "migrate", "{\"chat_id\":-4001,\"to_chat_id\":-1005550001}"));
    CHECK(scenario_wait_log(&s, "became supergroup telegram:-1005550001", 8000));
    CHECK(story_say(&s, "-1005550001", MEMBER, "/note add in the supergroup", NULL));
    CHECK(story_wait_reply(&s, "-1005550001", "Noted #1", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
