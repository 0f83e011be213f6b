/* Story: the less common steps of answering: six free-text questions in a row (a form holds
 * five, so a Continue button leads to the sixth), an answer the survey cannot keep, a choice
 * that is not on the list, and a survey that is not open yet. */
#include "test_polls_survey_story.h"

/* Mara opens survey #1 with six free-text questions. */
static bool open_six_free_text_questions(struct test_env *env)
{
    test_say(env, MARA, KITH_ROLE_MANAGER, "/survey create Retro");
    for (int i = 1; i <= 6; i++) {
        char add[64];
        snprintf(add, sizeof add, "/survey add 1 \"Thought %d?\"", i);
        test_say(env, MARA, KITH_ROLE_MANAGER, add);
    }
    test_say(env, MARA, KITH_ROLE_MANAGER, "/survey open 1");
    return strstr(test_last_reply(env), "Survey #1 is open") != NULL;
}

TEST(test_six_free_text_questions_take_two_forms_with_continue_between)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(open_six_free_text_questions(&env));

    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    const struct test_action *form = test_platform_last_of(env.tp, TEST_ACTION_FORM);
    REQUIRE(form != NULL);
    CHECK_STR(form->form_id, "polls:s:1:q1");
    CHECK_STR(form->text, "Retro\n1. Thought 1?\n2. Thought 2?\n3. Thought 3?\n4. Thought 4?\n"
                          "5. Thought 5?");

    const char *five[] = {"one", "two", "three", "four", "five"};
    test_submit_form(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q1", five, 5);
    const struct test_action *next = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(next != NULL && next->msg != NULL && next->msg->button_count == 1);
    CHECK_STR(next->text, "Saved. Question 6 of 6 is next: press Continue.\n[1] Continue");
    CHECK_STR(next->msg->buttons[0].custom_id, "polls:s:1:next");

    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:next", next->message_id);
    form = test_platform_last_of(env.tp, TEST_ACTION_FORM);
    REQUIRE(form != NULL);
    CHECK_STR(form->form_id, "polls:s:1:q6");
    CHECK_STR(form->text, "Retro\n6. Thought 6?");
    const char *sixth[] = {"six"};
    test_submit_form(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q6", sixth, 1);
    CHECK_CONTAINS(test_last_reply(&env), "Thanks, your answers are saved");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    CHECK_CONTAINS(test_last_reply(&env), "5. Thought 5?\n1 answer, the latest:\n"
                                          "\xE2\x80\x9C"
                                          "five");
    CHECK_CONTAINS(test_last_reply(&env), "6. Thought 6?\n1 answer, the latest:\n"
                                          "\xE2\x80\x9C"
                                          "six");
    test_env_finish(&env);
}

TEST(test_an_answer_that_cannot_be_kept_is_refused_and_nothing_is_saved)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(open_six_free_text_questions(&env));
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    static char too_long[1100];
    memset(too_long, 'x', 1001);
    const char *five[] = {"fine", too_long, "fine", "fine", "fine"};
    test_submit_form(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q1", five, 5);
    CHECK_CONTAINS(test_last_reply(&env), "Question 2: The answer is 1001 characters long; at "
                                          "most 1000 are kept.");
    CHECK_CONTAINS(test_last_reply(&env), "Nothing was saved");

    const char *broken[] = {"caf\xC3"};
    env.tp->no_forms = true;
    test_press(&env, BOB, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    char asked[64];
    survey_reply_id(&env, "test:bob, reply to this message", asked, sizeof asked);
    REQUIRE(asked[0] != '\0');
    survey_reply_to(&env, BOB, asked, broken[0]);
    CHECK_CONTAINS(test_last_reply(&env), "cannot be stored; please use plain text. Reply to the "
                                          "question again");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    CHECK_CONTAINS(test_last_reply(&env), "0 members answered");
    test_env_finish(&env);
}

TEST(test_a_choice_that_is_not_on_the_list_is_refused)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, ALICE, "polls:s:1:q1", "4");
    CHECK_STR(test_last_reply(&env), "That is not one of the choices of question 1; please pick "
                                     "one from the list.");
    survey_choose(&env, ALICE, "polls:s:1:q2", "1"); /* question 2 takes text, not a choice */
    CHECK_CONTAINS(test_last_reply(&env), "does not match survey #1 any more");
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:9:start", "test:msg1");
    CHECK_STR(test_last_reply(&env), "There is no survey #9 on this server; /survey list shows "
                                     "them.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    CHECK_CONTAINS(test_last_reply(&env), "0 members answered");
    test_env_finish(&env);
}

TEST(test_a_draft_survey_takes_no_answers_yet)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey create Draft");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"Ready?\" Yes No");
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    CHECK_STR(test_last_reply(&env), "Survey #1 is not open yet.");
    test_env_finish(&env);
}

TEST(test_the_longest_cyrillic_title_and_question_are_asked_whole)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    char title[2 * 100 + 1] = "", question[2 * 200 + 1] = "", line[700];
    for (int i = 0; i < 100; i++)
        strcat(title, "\xD0\xB4"); /* д */
    for (int i = 0; i < 200; i++)
        strcat(question, "\xD0\xB6"); /* ж */
    snprintf(line, sizeof line, "/survey create %s", title);
    test_say(&env, MARA, KITH_ROLE_MANAGER, line);
    snprintf(line, sizeof line, "/survey add 1 \"%s\"", question);
    test_say(&env, MARA, KITH_ROLE_MANAGER, line);
    CHECK_CONTAINS(test_last_reply(&env), "Question 1 added");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey open 1");

    /* A form label holds 45 characters: it is cut on a letter, with an ellipsis. */
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    const struct test_action *form = test_platform_last_of(env.tp, TEST_ACTION_FORM);
    REQUIRE(form != NULL);
    CHECK_CONTAINS(form->text, "\n1. \xD0\xB6\xD0\xB6");
    CHECK_CONTAINS(form->text, "\xD0\xB6\xE2\x80\xA6");
    const char *label = strstr(form->text, "\n1. ");
    REQUIRE(label != NULL);
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(label + 1, "\n="), label + 1);
    size_t chars = 0;
    for (const char *p = first; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    CHECK_INT(chars, KITH_FORM_LABEL_MAX);

    /* Asked as a message, the whole title and question are there. */
    env.tp->no_forms = true;
    test_press(&env, BOB, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    const struct test_action *asked = survey_find_reply(&env, "reply to this message");
    REQUIRE(asked != NULL);
    CHECK_CONTAINS(asked->text, title);
    CHECK_CONTAINS(asked->text, question);
    test_env_finish(&env);
}
