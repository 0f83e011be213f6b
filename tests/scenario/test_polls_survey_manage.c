/* Story: who may build surveys and what kith tells a manager who goes past a limit; the
 * results and the CSV export of a survey two members answered, one by form and one by
 * replying; the export as text when the file cannot be attached. */
#include "test_polls_survey_story.h"

#include "core/message.h"

TEST(test_member_may_not_create_or_change_a_survey)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/survey create My own survey");
    CHECK_STR(test_last_reply(&env), "/survey create needs the manager role; you are a member "
                                     "here.");
    REQUIRE(survey_story_open_two_questions(&env)); /* the manager's is survey #1: none before */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/survey close 1");
    CHECK_CONTAINS(test_last_reply(&env), "needs the manager role");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/survey export 1");
    CHECK_CONTAINS(test_last_reply(&env), "needs the manager role");
    test_env_finish(&env);
}

TEST(test_manager_is_told_the_limits_of_questions_and_choices)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey create Limits");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"Coming?\" Yes");
    CHECK_CONTAINS(test_last_reply(&env), "A choice question needs at least two choices");

    char line[512] = "/survey add 1 \"Pick a letter\"";
    for (char c = 'a'; c <= 'z'; c++) {
        size_t at = strlen(line);
        snprintf(line + at, sizeof line - at, " %c", c);
    }
    test_say(&env, MARA, KITH_ROLE_MANAGER, line);
    CHECK_CONTAINS(test_last_reply(&env), "26 choices given; a question can have at most 25");

    char question[300] = "/survey add 1 \"";
    for (int i = 0; i < 201; i++)
        strcat(question, "q");
    strcat(question, "\"");
    test_say(&env, MARA, KITH_ROLE_MANAGER, question);
    CHECK_CONTAINS(test_last_reply(&env),
                   "<question> must be between 1 and 200 characters long, not 201");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey open 1");
    CHECK_CONTAINS(test_last_reply(&env), "Survey #1 has no questions yet");
    CHECK(test_platform_last_of(env.tp, TEST_ACTION_SEND) == NULL);

    for (int i = 1; i <= 20; i++) {
        char add[64];
        snprintf(add, sizeof add, "/survey add 1 \"Question %d\"", i);
        test_say(&env, MARA, KITH_ROLE_MANAGER, add);
    }
    CHECK_CONTAINS(test_last_reply(&env), "Question 20 added");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"One too many\"");
    CHECK_CONTAINS(test_last_reply(&env), "already has 20 questions, the most a survey can have");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey open 1");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"Late question\"");
    CHECK_CONTAINS(test_last_reply(&env), "Survey #1 is open: its questions cannot change");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey open 7");
    CHECK_CONTAINS(test_last_reply(&env), "There is no survey #7 on this server");
    test_env_finish(&env);
}

/* Alice answers by form, Bob (without forms) by replying; Carl only pressed Answer. */
static bool two_members_answer(struct test_env *env)
{
    test_press(env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(env, ALICE, "polls:s:1:q1", "1");
    const char *alice[] = {"More coffee, \"strong\" please"};
    test_submit_form(env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q2", alice, 1);

    env->tp->no_forms = true;
    test_press(env, BOB, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(env, BOB, "polls:s:1:q1", "3");
    char asked[64];
    survey_reply_id(env, "test:bob, reply to this message", asked, sizeof asked);
    survey_reply_to(env, BOB, asked, "Quieter rooms,\nand windows");
    env->tp->no_forms = false;

    test_press(env, CARL, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    return strstr(test_last_reply(env), "question 1 of 2") != NULL;
}

TEST(test_results_show_counts_and_percentages_per_choice)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    REQUIRE(two_members_answer(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    const struct test_action *r = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(r != NULL && r->msg != NULL);
    CHECK_STR(r->msg->title, "Team offsite");
    CHECK(r->ephemeral);
    CHECK_STR(r->msg->text,
              "Survey #1 (open): 2 members answered.\n"
              "\n1. How was the venue?\n"
              "2 answers\n"
              "\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93"
              "\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91 1 (50%) Great\n"
              "\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91"
              "\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91 0 (0%) OK\n"
              "\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93"
              "\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91 1 (50%) Poor\n"
              "\n2. What should we change?\n"
              "2 answers, the latest:\n"
              "\xE2\x80\x9CQuieter rooms,\nand windows\xE2\x80\x9D (test:bob)\n"
              "\xE2\x80\x9CMore coffee, \"strong\" please\xE2\x80\x9D (test:alice)\n");
    test_env_finish(&env);
}

TEST(test_export_is_a_csv_file_with_one_row_per_member)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    REQUIRE(two_members_answer(&env));
    test_env_advance(&env, 60 * 1000);
    test_press(&env, CARL, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, CARL, "polls:s:1:q1", "2"); /* Carl stops after the first question */

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey export 1");
    const struct test_action *r = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(r != NULL && r->msg != NULL && r->msg->attachment != NULL);
    CHECK_STR(r->msg->text, "Survey #1: 3 responses, attached as CSV.");
    CHECK_STR(r->msg->attachment->filename, "survey-1.csv");
    CHECK_STR(r->msg->attachment->content_type, "text/csv");
    char csv[1024];
    REQUIRE(r->msg->attachment->len < sizeof csv);
    memcpy(csv, r->msg->attachment->data, r->msg->attachment->len);
    csv[r->msg->attachment->len] = '\0';
    CHECK_STR(csv, "member_id,member_name,last_answer_utc,complete,1. How was the venue?,"
                   "2. What should we change?\r\n"
                   "test:alice,test:alice,2026-01-01T00:00:00Z,yes,Great,"
                   "\"More coffee, \"\"strong\"\" please\"\r\n"
                   "test:bob,test:bob,2026-01-01T00:00:00Z,yes,Poor,"
                   "\"Quieter rooms,\nand windows\"\r\n"
                   "test:carl,test:carl,2026-01-01T00:01:00Z,no,OK,\r\n");
    test_env_finish(&env);
}

TEST(test_export_falls_back_to_text_when_the_file_cannot_be_sent)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, ALICE, "polls:s:1:q1", "2");

    env.tp->fail_next = 1; /* the platform cannot take the file */
    env.tp->fail_err = KITH_ERR_UNSUPPORTED;
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey export 1");
    test_env_run(&env, 20);
    const struct test_action *sent = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(sent != NULL && sent->msg != NULL);
    CHECK(sent->msg->attachment == NULL);
    CHECK_STR(sent->channel_id, TEST_CHANNEL);
    CHECK_CONTAINS(sent->text, "Survey #1 as CSV (no file could be attached: ");
    CHECK_CONTAINS(sent->text, "):\n```\nmember_id,member_name,last_answer_utc,complete,");
    CHECK_CONTAINS(sent->text, "\r\ntest:alice,test:alice,2026-01-01T00:00:00Z,no,OK,\r\n");
    test_env_finish(&env);
}

TEST(test_export_that_fails_on_the_way_shows_no_response_in_the_channel)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, ALICE, "polls:s:1:q1", "2");

    env.tp->fail_next = 1; /* a network or platform error, not a platform without files */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey export 1");
    test_env_run(&env, 20);
    const struct test_action *sent = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(sent != NULL);
    CHECK_CONTAINS(sent->text, "The export of survey #1 could not be sent");
    CHECK_CONTAINS(sent->text, "Try /survey export 1 again.");
    CHECK(strstr(sent->text, "test:alice") == NULL);
    test_env_finish(&env);
}

TEST(test_manager_lists_the_surveys_of_the_server)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey list");
    CHECK_CONTAINS(test_last_reply(&env), "No surveys here yet");
    REQUIRE(survey_story_open_two_questions(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey create Lunch options");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey list");
    CHECK_STR(test_last_reply(&env), "Surveys here (newest first):\n"
                                     "#2 Lunch options: draft, 0 questions, 0 answered\n"
                                     "#1 Team offsite: open, 2 questions, 0 answered\n");
    test_env_finish(&env);
}

/* Someone writes `text` on another server than the test server. */
static void say_on(struct test_env *env, const char *server, const char *user, int role,
                   const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = server,
        .channel_id = "test:elsewhere",
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user, .role = role},
        .message = {.id = "test:other1", .text = text},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

TEST(test_a_survey_is_invisible_from_another_server)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    say_on(&env, "test:guild2", ADMIN, KITH_ROLE_ADMIN, "/kith enable polls");
    say_on(&env, "test:guild2", MARA, KITH_ROLE_MANAGER, "/survey close 1");
    CHECK_STR(test_last_reply(&env), "There is no survey #1 on this server; /survey list shows "
                                     "them.");
    say_on(&env, "test:guild2", MARA, KITH_ROLE_MANAGER, "/survey export 1");
    CHECK_STR(test_last_reply(&env), "There is no survey #1 on this server; /survey list shows "
                                     "them.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey list");
    CHECK_CONTAINS(test_last_reply(&env), "#1 Team offsite: open"); /* still open at home */
    test_env_finish(&env);
}

TEST(test_a_survey_the_platform_refused_to_post_can_be_opened_again)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey create Retry");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"Ready?\" Yes No");
    env.tp->fail_next = 1; /* the post fails */
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey open 1");
    test_env_run(&env, 20);
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey list");
    CHECK_CONTAINS(test_last_reply(&env), "#1 Retry: draft");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey open 1");
    CHECK_CONTAINS(test_last_reply(&env), "Survey #1 is open");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey list");
    CHECK_CONTAINS(test_last_reply(&env), "#1 Retry: open");
    test_env_finish(&env);
}
