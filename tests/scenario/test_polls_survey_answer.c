/* Story: a manager builds a two-question survey and opens it; members answer step by step,
 * with a select menu and a form where the platform has forms, by replying to the question
 * where it has none; a member changes an answer; a closed survey takes no more. */
#include "test_polls_survey_story.h"

TEST(test_manager_opens_a_survey_with_an_answer_button)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    const struct test_action *post = test_platform_last_of(env.tp, TEST_ACTION_SEND);
    REQUIRE(post != NULL && post->msg != NULL);
    CHECK_STR(post->channel_id, TEST_CHANNEL);
    CHECK_STR(post->msg->title, "Team offsite");
    CHECK_CONTAINS(post->text, "2 questions. Press Answer to take part");
    REQUIRE(post->msg->button_count == 1);
    CHECK_STR(post->msg->buttons[0].custom_id, "polls:s:1:start");
    CHECK_STR(post->msg->buttons[0].label, "Answer");
    test_env_finish(&env);
}

TEST(test_member_answers_with_a_select_menu_then_a_form)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));

    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    const struct test_action *q1 = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(q1 != NULL && q1->msg != NULL && q1->msg->select != NULL);
    CHECK_CONTAINS(q1->text, "Team offsite \xC2\xB7 question 1 of 2\nHow was the venue?");
    CHECK(q1->ephemeral);
    CHECK_STR(q1->msg->select->custom_id, "polls:s:1:q1");
    REQUIRE(q1->msg->select->option_count == 3);
    CHECK_STR(q1->msg->select->options[0].value, "1");
    CHECK_STR(q1->msg->select->options[2].label, "Poor");

    survey_choose(&env, ALICE, "polls:s:1:q1", "1");
    const struct test_action *form = test_platform_last_of(env.tp, TEST_ACTION_FORM);
    REQUIRE(form != NULL);
    CHECK_STR(form->form_id, "polls:s:1:q2");
    CHECK_STR(form->user_id, ALICE);
    CHECK_STR(form->text, "Team offsite\n2. What should we change?");

    const char *answer[] = {"  More coffee, please \n"};
    test_submit_form(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q2", answer, 1);
    CHECK_CONTAINS(test_last_reply(&env), "Thanks, your answers are saved. You can change them "
                                          "until the survey closes");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    const char *results = test_last_reply(&env);
    CHECK_CONTAINS(results, "Survey #1 (open): 1 member answered.");
    CHECK_CONTAINS(results, "1 (100%) Great");
    CHECK_CONTAINS(results, "\xE2\x80\x9CMore coffee, please\xE2\x80\x9D (test:alice)");
    test_env_finish(&env);
}

TEST(test_member_without_forms_answers_by_replying_to_the_question)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    env.tp->no_forms = true; /* as Telegram and Matrix */

    test_press(&env, BOB, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, BOB, "polls:s:1:q1", "3");
    CHECK(test_platform_last_of(env.tp, TEST_ACTION_FORM) == NULL);
    char asked[64];
    survey_reply_id(&env, "reply to this message with your answer", asked, sizeof asked);
    REQUIRE(asked[0] != '\0');
    const struct test_action *prompt = survey_find_reply(&env, "reply to this message");
    CHECK_CONTAINS(prompt->text, "question 2 of 2\nWhat should we change?\n\ntest:bob, reply");
    CHECK(!prompt->ephemeral); /* it must be a message one can reply to */

    /* Someone else's reply is not Bob's answer. */
    survey_reply_to(&env, CARL, asked, "Nothing!");
    CHECK_CONTAINS(test_last_reply(&env), "That question was asked to another member");

    survey_reply_to(&env, BOB, asked, "Quieter rooms");
    CHECK_CONTAINS(test_last_reply(&env), "Thanks, your answers are saved");

    /* An ordinary reply to some other message is none of the survey's business. */
    size_t before = env.tp->count;
    survey_reply_to(&env, BOB, "test:msg1", "nice survey");
    CHECK_INT(env.tp->count, before);

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    CHECK_CONTAINS(test_last_reply(&env), "1 (100%) Poor");
    CHECK_CONTAINS(test_last_reply(&env), "\xE2\x80\x9CQuieter rooms\xE2\x80\x9D (test:bob)");
    test_env_finish(&env);
}

TEST(test_member_changes_an_answer_and_sees_the_earlier_one)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, ALICE, "polls:s:1:q1", "2");
    const char *first[] = {"Better chairs"};
    test_submit_form(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q2", first, 1);

    /* Answering again walks through the questions with the earlier answers shown. */
    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    CHECK_CONTAINS(test_last_reply(&env), "Your answer so far: OK");
    survey_choose(&env, ALICE, "polls:s:1:q1", "1");
    const struct test_action *form = test_platform_last_of(env.tp, TEST_ACTION_FORM);
    REQUIRE(form != NULL);
    CHECK_STR(form->text, "Team offsite\n2. What should we change?=Better chairs");
    const char *second[] = {"Better chairs and lunch"};
    test_submit_form(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:q2", second, 1);

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    const char *results = test_last_reply(&env);
    CHECK_CONTAINS(results, "1 member answered"); /* still one response */
    CHECK_CONTAINS(results, "1 (100%) Great");
    CHECK_CONTAINS(results, "0 (0%) OK");
    CHECK_CONTAINS(results, "1 answer, the latest:\n\xE2\x80\x9C"
                            "Better chairs and lunch");
    test_env_finish(&env);
}

TEST(test_a_closed_survey_refuses_answers)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    env.tp->no_forms = true;
    test_press(&env, BOB, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, BOB, "polls:s:1:q1", "1");
    char asked[64];
    survey_reply_id(&env, "reply to this message", asked, sizeof asked);
    REQUIRE(asked[0] != '\0');

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey close 1");
    CHECK_CONTAINS(test_last_reply(&env), "Survey #1 is closed: 1 member answered.");
    const struct test_action *edit = test_platform_last_of(env.tp, TEST_ACTION_EDIT);
    REQUIRE(edit != NULL && edit->msg != NULL);
    CHECK_CONTAINS(edit->text, "Survey #1 is closed");
    CHECK_INT(edit->msg->button_count, 0); /* no more Answer button */

    test_press(&env, ALICE, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    CHECK_STR(test_last_reply(&env), "Survey #1 is closed: answers are no longer taken. Thank "
                                     "you!");
    survey_choose(&env, BOB, "polls:s:1:q1", "2");
    CHECK_CONTAINS(test_last_reply(&env), "Survey #1 is closed");
    survey_reply_to(&env, BOB, asked, "Too late?");
    CHECK_CONTAINS(test_last_reply(&env), "Survey #1 is closed");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    CHECK_CONTAINS(test_last_reply(&env), "1 (100%) Great"); /* Bob's late change not taken */
    CHECK_CONTAINS(test_last_reply(&env), "0 answers");
    test_env_finish(&env);
}

TEST(test_a_half_answered_survey_goes_on_after_a_restart)
{
    struct test_env env;
    REQUIRE(survey_story_start(&env));
    REQUIRE(survey_story_open_two_questions(&env));
    env.tp->no_forms = true;
    test_press(&env, BOB, KITH_ROLE_MEMBER, "polls:s:1:start", "test:msg1");
    survey_choose(&env, BOB, "polls:s:1:q1", "2");
    char asked[64];
    survey_reply_id(&env, "reply to this message", asked, sizeof asked);
    REQUIRE(asked[0] != '\0');

    REQUIRE(survey_story_restart(&env));
    env.tp->no_forms = true;
    survey_reply_to(&env, BOB, asked, "A bigger room");
    CHECK_CONTAINS(test_last_reply(&env), "Thanks, your answers are saved");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/survey results 1");
    CHECK_CONTAINS(test_last_reply(&env), "1 (100%) OK");
    CHECK_CONTAINS(test_last_reply(&env), "\xE2\x80\x9C"
                                          "A bigger room");
    test_env_finish(&env);
}
