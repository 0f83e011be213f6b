/* The polls plugin on Discord (kithd, the real plugin and the fake Discord): a manager's button
 * poll that members vote on and that closes on time across a restart of kithd, a member who may
 * not create polls, a native Discord poll whose votes Discord reports and that kith expires at
 * the close, and a survey whose free-text question is a modal, answered by two members and
 * exported. */
#include <signal.h>

#include "discord_story.h"

#define MANAGER "600000000000000010" /* named a manager with /kith managers add */
#define THIRD_MEMBER "600000000000000011"

/* The fake and kithd with the real polls plugin, enabled, and MANAGER named a manager. */
static bool start_polls(struct scenario *s, int *cursor)
{
    char id[24];
    return story_discord(s, NULL) && story_kithd_with(s, KITH_PLUGIN_DIR, "\"polls\"", 1) &&
           story_enable(s, "polls", cursor) &&
           story_command(s, ADMIN, "kith", "managers",
                         "{\"action\":\"add\",\"who\":\"user:" MANAGER "\"}", id) &&
           story_wait_callback(s, id, "\"type\":4", cursor);
}

/* The message an interaction's answer became (24 bytes), from the fake's state. */
static bool answer_message(struct scenario *s, const char *interaction, char *id_out)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *x;
    id_out[0] = '\0';
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(state, "interactions"))
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "id"));
        const char *original =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "original_id"));
        if (id != NULL && original != NULL && strcmp(id, interaction) == 0)
            snprintf(id_out, 24, "%s", original);
    }
    cJSON_Delete(state);
    return id_out[0] != '\0';
}

/* A member presses option `option` of poll #1 on its message; the plugin answers privately. */
static bool press_and_hear(struct scenario *s, const char *user, const char *message, int option,
                           const char *answer, int *cursor)
{
    char custom_id[32], id[24];
    snprintf(custom_id, sizeof custom_id, "polls:p:1:%d", option);
    return story_press(s, user, message, custom_id, id) &&
           story_wait_callback(s, id, answer, cursor);
}

/* Asks /poll results 1 until its answer contains `part` (votes come in through the gateway,
 * after the fake reported them). */
static bool results_show(struct scenario *s, const char *part, int *cursor)
{
    for (int tries = 0; tries < 20; tries++) {
        char id[24], path[96];
        if (!story_command(s, MEMBER, "poll", "results", "{\"id\":1}", id))
            return false;
        snprintf(path, sizeof path, "/interactions/%s/", id);
        cJSON *answer = scenario_wait_request(s, "POST", path, NULL, 8000, cursor);
        char *text = cJSON_PrintUnformatted(answer);
        bool found = text != NULL && strstr(text, part) != NULL;
        if (!found && tries == 19)
            fprintf(stderr, "  the last results were: %s\n", text ? text : "(none)");
        free(text);
        cJSON_Delete(answer);
        if (found)
            return true;
        story_sleep_ms(200);
    }
    return false;
}

/* The first request (a channel message, an interaction callback or a webhook edit) whose body
 * contains part (caller deletes), or NULL after 8 seconds. */
static cJSON *wait_anywhere(struct scenario *s, const char *part)
{
    for (int waited = 0; waited < 8000; waited += 100) {
        static const char *const methods[] = {"POST", "PATCH"};
        for (size_t i = 0; i < 2; i++) {
            int from = 0;
            cJSON *hit = scenario_count_requests(s, methods[i], NULL, part) > 0
                             ? scenario_wait_request(s, methods[i], NULL, part, 0, &from)
                             : NULL;
            if (hit != NULL)
                return hit;
        }
        story_sleep_ms(100);
    }
    return NULL;
}

/* A message the fake holds, as JSON text (caller frees). */
static char *message_text_dup(struct scenario *s, const char *id)
{
    cJSON *m = story_message(s, id);
    char *text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return text;
}

TEST(test_button_poll_story_closes_on_time_across_a_restart)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    char id[24], poll[24];
    static const char pizza[] = "{\"question\":\"Best pizza?\",\"options\":\"Margherita "
                                "\\\"Quattro formaggi\\\" Diavola\",\"duration\":\"30s\"}";
    /* A member may not create polls while `creators` is managers. */
    REQUIRE(story_command(&s, MEMBER, "poll", "create", pizza, id));
    CHECK(story_wait_callback(&s, id, "Only managers can create polls here", &cursor));
    /* The manager's poll goes out as the answer to the command, with a button per option. */
    REQUIRE(story_command(&s, MANAGER, "poll", "create", pizza, id));
    REQUIRE(story_wait_callback(&s, id, "Poll #1", &cursor));
    REQUIRE(answer_message(&s, id, poll));
    char *text = message_text_dup(&s, poll);
    CHECK_CONTAINS(text, "polls:p:1:2");
    free(text);
    /* Three members vote; the second one changes the vote. */
    CHECK(press_and_hear(&s, MEMBER, poll, 0, "You voted for Margherita.", &cursor));
    CHECK(press_and_hear(&s, OTHER_MEMBER, poll, 0, "You voted for Margherita.", &cursor));
    CHECK(press_and_hear(&s, THIRD_MEMBER, poll, 0, "You voted for Margherita.", &cursor));
    CHECK(press_and_hear(&s, OTHER_MEMBER, poll, 2, "You changed your vote to Diavola.", &cursor));
    /* kithd stops before the poll's 30 seconds are up and starts again after. */
    CHECK_INT(scenario_count_requests(&s, "POST", "/channels/" GENERAL "/messages",
                                      "Final results of poll #1"),
              0);
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    story_sleep_ms(31000);
    REQUIRE(scenario_start_kithd(&s));
    /* The close ran once after the start: the final results are posted in the channel ... */
    cJSON *final = scenario_wait_request(&s, "POST", "/channels/" GENERAL "/messages",
                                         "Final results of poll #1", 15000, &cursor);
    REQUIRE(final != NULL);
    char *body = cJSON_PrintUnformatted(final);
    CHECK_CONTAINS(body, "Margherita");
    CHECK_CONTAINS(body, " 2 (67%)");
    CHECK_CONTAINS(body, " 0 (0%)");
    CHECK_CONTAINS(body, " 1 (33%)");
    CHECK_CONTAINS(body, "Total: 3 votes");
    free(body);
    cJSON_Delete(final);
    /* ... and the poll's message shows them without buttons. */
    char path[96];
    snprintf(path, sizeof path, "/channels/" GENERAL "/messages/%s", poll);
    cJSON *edit = scenario_wait_request(&s, "PATCH", path, " 2 (67%)", 15000, &cursor);
    CHECK(edit != NULL);
    cJSON_Delete(edit);
    text = message_text_dup(&s, poll);
    CHECK(strstr(text, "polls:p:1:") == NULL);
    free(text);
    CHECK_INT(scenario_count_requests(&s, "POST", "/channels/" GENERAL "/messages",
                                      "Final results of poll #1"),
              1);
    /* The close ran before the gateway was back: let it connect before the final stop. */
    CHECK(scenario_wait_log_count(&s, "ready (1 guilds)", 2, 10000));
    scenario_finish(&s);
}

TEST(test_native_poll_counts_what_discord_reports_and_is_expired_at_the_close)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    char id[24], poll[24];
    REQUIRE(story_command(
        &s, MANAGER, "poll", "create",
        "{\"question\":\"Tea or coffee?\",\"options\":\"Tea Coffee\",\"native\":true}", id));
    REQUIRE(story_wait_callback(&s, id, "\"poll\"", &cursor));
    REQUIRE(story_last_poll(&s, poll));
    /* Discord reports each answer; a member who changes first takes the vote back. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[1]"));
    REQUIRE(story_vote(&s, OTHER_MEMBER, poll, "[1]"));
    REQUIRE(story_vote(&s, THIRD_MEMBER, poll, "[1]"));
    REQUIRE(story_vote(&s, THIRD_MEMBER, poll, "[]"));
    REQUIRE(story_vote(&s, THIRD_MEMBER, poll, "[2]"));
    /* Votes reach the plugin through the gateway: close once /poll results counts them all. */
    REQUIRE(results_show(&s, "Total: 3 votes", &cursor));
    REQUIRE(story_command(&s, MANAGER, "poll", "close", "{\"id\":1}", id));
    char path[96];
    snprintf(path, sizeof path, "/channels/" GENERAL "/polls/%s/expire", poll);
    cJSON *expire = scenario_wait_request(&s, "POST", path, NULL, 8000, &cursor);
    CHECK(expire != NULL);
    cJSON_Delete(expire);
    /* The final results answer the /poll close (a message to the channel where that command
     * is still unanswered becomes its answer). */
    cJSON *final = wait_anywhere(&s, "Final results of poll #1");
    REQUIRE(final != NULL);
    char *body = cJSON_PrintUnformatted(final);
    CHECK_CONTAINS(body, " 2 (67%)");
    CHECK_CONTAINS(body, " 1 (33%)");
    CHECK_CONTAINS(body, "Total: 3 votes");
    free(body);
    cJSON_Delete(final);
    /* Discord takes no vote after the expiry. */
    CHECK(!story_vote(&s, OTHER_MEMBER, poll, "[2]"));
    scenario_finish(&s);
}

/* The newest message the fake holds whose JSON contains needle: its id into id_out (24 bytes). */
static bool message_with(struct scenario *s, const char *needle, char *id_out)
{
    for (int waited = 0; waited < 8000; waited += 100) {
        cJSON *list = scenario_control(s, "GET", "messages", NULL);
        bool found = false;
        const cJSON *m; /* newest first */
        cJSON_ArrayForEach(m, list)
        {
            char *text = found ? NULL : cJSON_PrintUnformatted(m);
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
            if (text != NULL && id != NULL && strstr(text, needle) != NULL) {
                snprintf(id_out, 24, "%s", id);
                found = true;
            }
            free(text);
        }
        cJSON_Delete(list);
        if (found)
            return true;
        story_sleep_ms(100);
    }
    return false;
}

/* A member chooses `value` in the select menu `custom_id` of a message; the interaction id into
 * id_out (24 bytes). */
static bool choose(struct scenario *s, const char *user, const char *message, const char *custom_id,
                   const char *value, char *id_out)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"user_id\":\"%s\",\"message_id\":\"%s\",\"custom_id\":\"%s\",\"values\":[\"%s\"]}",
             user, message, custom_id, value);
    cJSON *out = story_control(s, "press", body);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "id"));
    if (id != NULL)
        snprintf(id_out, 24, "%s", id);
    bool ok = id != NULL;
    cJSON_Delete(out);
    return ok;
}

/* A member answers survey #1 (its message `survey`): presses Answer, picks `choice` for the
 * venue, and writes `text` in the modal that asks what to change. */
static bool answer_survey(struct scenario *s, const char *user, const char *survey,
                          const char *choice, const char *text, int *cursor)
{
    char press[24], chose[24], submit[24], question[24], path[96], values[256];
    if (!story_press(s, user, survey, "polls:s:1:start", press) ||
        !story_wait_callback(s, press, "polls:s:1:q1", cursor) ||
        !answer_message(s, press, question) ||
        !choose(s, user, question, "polls:s:1:q1", choice, chose))
        return false;
    /* The free-text question comes as a modal, the answer to the choice. */
    snprintf(path, sizeof path, "/interactions/%s/", chose);
    cJSON *modal = scenario_wait_request(s, "POST", path, "\"type\":9", 8000, cursor);
    char *printed = cJSON_PrintUnformatted(modal);
    bool asks = printed != NULL && strstr(printed, "What should we change?") != NULL &&
                strstr(printed, "\"custom_id\":\"polls:s:1:q2\"") != NULL;
    free(printed);
    cJSON_Delete(modal);
    snprintf(values, sizeof values, "[\"%s\"]", text);
    return asks && story_submit_modal(s, user, chose, values, submit) &&
           story_wait_callback(s, submit, "Thanks, your answers are saved", cursor);
}

TEST(test_survey_free_text_question_is_a_modal_and_the_answers_are_exported)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    char id[24], survey[24];
    REQUIRE(story_command(&s, MANAGER, "survey", "create", "{\"title\":\"Team offsite\"}", id));
    REQUIRE(story_wait_callback(&s, id, "Survey #1 created", &cursor));
    REQUIRE(story_command(&s, MANAGER, "survey", "add",
                          "{\"id\":1,\"question\":\"How was the venue?\",\"choices\":\"Great OK "
                          "Poor\"}",
                          id));
    REQUIRE(story_wait_callback(&s, id, "Question 1 added", &cursor));
    REQUIRE(story_command(&s, MANAGER, "survey", "add",
                          "{\"id\":1,\"question\":\"What should we change?\"}", id));
    REQUIRE(story_wait_callback(&s, id, "Question 2 added to survey #1 (free text)", &cursor));
    REQUIRE(story_command(&s, MANAGER, "survey", "open", "{\"id\":1}", id));
    REQUIRE(message_with(&s, "polls:s:1:start", survey));
    /* Two members answer: a choice from a select menu, then a modal for the free text. */
    CHECK(answer_survey(&s, MEMBER, survey, "1", "More coffee, please", &cursor));
    CHECK(answer_survey(&s, OTHER_MEMBER, survey, "3", "Quieter rooms", &cursor));
    /* The export holds both responses. */
    REQUIRE(story_command(&s, MANAGER, "survey", "export", "{\"id\":1}", id));
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    cJSON *export = scenario_wait_request(&s, "POST", path, "survey-1.csv", 8000, &cursor);
    if (export == NULL) /* a slow export is deferred and then edits the answer */
        export =
            scenario_wait_request(&s, "PATCH", "/webhooks/" APP "/", "survey-1.csv", 8000, &cursor);
    REQUIRE(export != NULL);
    char *body = cJSON_PrintUnformatted(export);
    CHECK_CONTAINS(body, "More coffee, please");
    CHECK_CONTAINS(body, "Quieter rooms");
    CHECK_CONTAINS(body, MEMBER);
    CHECK_CONTAINS(body, OTHER_MEMBER);
    free(body);
    cJSON_Delete(export);
    scenario_finish(&s);
}
