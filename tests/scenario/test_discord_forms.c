/* Discord scenarios about forms (with the pollform test plugin): a form opens as a modal in
 * answer to a slash command or a button, the member's submit reaches the plugin in field
 * order and is answered, and a form the interaction can no longer open is refused so the
 * plugin can ask another way. */
#include "discord_story.h"

static bool start(struct scenario *s, int *cursor)
{
    return story_discord(s, NULL) && story_kithd_with(s, NULL, "\"pollform\"", 1) &&
           story_enable(s, "pollform", cursor);
}

/* The text input of row i of a modal callback body. */
static const cJSON *modal_input(const cJSON *callback, int i)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(callback, "json"), "data");
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(data, "components"), i);
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(row, "components"), 0);
}

static const char *str(const cJSON *o, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int num(const cJSON *o, const char *name)
{
    return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

TEST(test_command_opens_a_modal_and_the_submit_reaches_the_plugin)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start(&s, &cursor));
    char id[24], submit[24];
    REQUIRE(story_command(&s, MEMBER, "pf", "form", NULL, id));
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    cJSON *modal = scenario_wait_request(&s, "POST", path, "\"type\":9", 8000, &cursor);
    REQUIRE(modal != NULL);
    const cJSON *data =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(modal, "json"), "data");
    CHECK_STR(str(data, "custom_id"), "pollform:about");
    CHECK_STR(str(data, "title"), "About you");
    const cJSON *name = modal_input(modal, 0), *more = modal_input(modal, 1);
    CHECK_STR(str(name, "custom_id"), "f0");
    CHECK_STR(str(name, "label"), "Your name");
    CHECK_INT(num(name, "style"), 1);
    CHECK_INT(num(name, "max_length"), 40);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(name, "required")));
    CHECK_STR(str(name, "placeholder"), "as you like to be called");
    CHECK_STR(str(more, "custom_id"), "f1");
    CHECK_INT(num(more, "style"), 2);
    CHECK_STR(str(more, "value"), "nothing");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(more, "required")));
    cJSON_Delete(modal);
    CHECK(scenario_wait_log(&s, "form (command): success", 8000));
    /* The modal was the answer: kith does not also defer the command. */
    CHECK_INT(scenario_count_requests(&s, "POST", path, "\"type\":5"), 0);
    /* The member fills it in; the plugin gets the answers in field order and its reply is the
     * submit's answer. */
    REQUIRE(story_submit_modal(&s, MEMBER, id, "[\"Ann\",\"loves polls\"]", submit));
    CHECK(scenario_wait_log(&s, "submit about by discord:" MEMBER ": Ann|loves polls", 8000));
    CHECK(story_wait_callback(&s, submit, "Thanks, noted.", &cursor));
    CHECK_INT(story_state_int(&s, "double_acks"), 0);
    CHECK_INT(story_state_int(&s, "late_callbacks"), 0);
    scenario_finish(&s);
}

TEST(test_button_opens_a_modal_and_an_empty_optional_answer_arrives_empty)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start(&s, &cursor));
    char id[24], press[24], submit[24];
    REQUIRE(story_command(&s, MEMBER, "pf", "ask", NULL, id));
    cJSON *answer =
        scenario_wait_request(&s, "POST", "/interactions/", "Open the form", 8000, &cursor);
    REQUIRE(answer != NULL);
    cJSON_Delete(answer);
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    char message[24] = "";
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(state, "interactions"))
    {
        if (strcmp(str(x, "id"), id) == 0)
            snprintf(message, sizeof message, "%s", str(x, "original_id"));
    }
    cJSON_Delete(state);
    REQUIRE(message[0] != '\0');
    REQUIRE(story_press(&s, OTHER_MEMBER, message, "pollform:open", press));
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", press);
    cJSON *modal = scenario_wait_request(&s, "POST", path, "\"type\":9", 8000, &cursor);
    CHECK(modal != NULL);
    cJSON_Delete(modal);
    REQUIRE(story_submit_modal(&s, OTHER_MEMBER, press, "[\"Bo\",\"\"]", submit));
    CHECK(scenario_wait_log(&s, "submit about by discord:" OTHER_MEMBER ": Bo|", 8000));
    CHECK(story_wait_callback(&s, submit, "Thanks, noted.", &cursor));
    scenario_finish(&s);
}

TEST(test_a_form_after_the_first_answer_is_refused_so_the_plugin_asks_otherwise)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "pf", "twice", NULL, id));
    CHECK(story_wait_callback(&s, id, "Answered first.", &cursor));
    CHECK(scenario_wait_log(&s, "form (after a reply): not supported by this platform", 8000));
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", id);
    CHECK_INT(scenario_count_requests(&s, "POST", path, "\"type\":9"), 0);
    CHECK_INT(story_state_int(&s, "double_acks"), 0);
    scenario_finish(&s);
}

TEST(test_a_typed_command_cannot_open_a_form)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start(&s, &cursor));
    REQUIRE(story_say(&s, GENERAL, MEMBER, "/pf form", NULL));
    CHECK(scenario_wait_log(&s, "form (command): not supported by this platform", 8000));
    CHECK_INT(scenario_count_requests(&s, "POST", "/interactions/", "\"type\":9"), 0);
    scenario_finish(&s);
}

TEST(test_a_required_answer_cannot_be_left_empty)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "pf", "form", NULL, id));
    REQUIRE(scenario_wait_log(&s, "form (command): success", 8000));
    /* Discord's client does not send a modal whose required field is empty. */
    CHECK(!story_submit_modal(&s, MEMBER, id, "[\"\",\"x\"]", NULL));
    CHECK_INT(scenario_log_count(&s, "submit about"), 0);
    scenario_finish(&s);
}
