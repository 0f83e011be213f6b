/* Story: members and managers type /poll commands wrong; each mistake is answered with what
 * was wrong and an example of the right use, and nothing is stored. Quoted questions and
 * options, typographic quotes included, are read as one argument each. */
#include "polls_story.h"

static long long polls_count(struct test_env *env)
{
    return story_query(env, "SELECT COUNT(*) FROM polls_polls", NULL);
}

TEST(test_quoted_question_and_options_are_one_argument_each)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER,
             "/poll create „Wann treffen wir uns?“ \"Montag früh\" Dienstag «Mittwoch abend»");
    const struct test_action *poll = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(poll != NULL && poll->msg != NULL && poll->msg->button_count == 3);
    CHECK_CONTAINS(poll->text, "Poll #1: Wann treffen wir uns?");
    CHECK_STR(poll->msg->buttons[0].label, "Montag früh");
    CHECK_STR(poll->msg->buttons[2].label, "Mittwoch abend");
    test_env_finish(&env);
}

TEST(test_too_few_options_are_refused_with_an_example)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create \"Pizza tonight?\" Yes");
    CHECK_STR(test_last_reply(&env),
              "A poll needs at least 2 options; you gave 1. Example: /poll create \"Best pizza?\" "
              "Margherita \"Quattro formaggi\" Diavola");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create \"Pizza tonight?\"");
    CHECK_CONTAINS(test_last_reply(&env), "missing <options...>");
    CHECK_INT(polls_count(&env), 0);
    test_env_finish(&env);
}

TEST(test_the_platforms_option_limit_is_told)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create Number? 1 2 3 4 5 6 7 8 9 10 11");
    CHECK_CONTAINS(test_last_reply(&env),
                   "Polls on the test platform can have at most 10 options; you gave 11.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create Number? 1 2 3 4 5 6 7 8 9 10");
    CHECK_CONTAINS(test_last_reply(&env), "Poll #1: Number?");
    test_env_finish(&env);
}

TEST(test_duplicate_and_empty_options_are_refused)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create Drink? Tea Coffee tea");
    CHECK_CONTAINS(test_last_reply(&env),
                   "The option \"tea\" is given twice; each option must be different.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll create Drink? Tea \"\"");
    CHECK_CONTAINS(test_last_reply(&env), "Option 2 is empty");
    CHECK_INT(polls_count(&env), 0);
    test_env_finish(&env);
}

TEST(test_long_options_and_questions_and_bad_durations_are_refused)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    char text[1024];
    char option[100];
    memset(option, 'x', 81);
    option[81] = '\0';
    snprintf(text, sizeof text, "/poll create Long? Short %s", option);
    test_say(&env, MARA, KITH_ROLE_MANAGER, text);
    CHECK_CONTAINS(test_last_reply(&env),
                   "Option 2 is 81 characters long; options on the test platform can be at most "
                   "80.");
    char question[400];
    memset(question, 'q', 301);
    question[301] = '\0';
    snprintf(text, sizeof text, "/poll create %s Yes No", question);
    test_say(&env, MARA, KITH_ROLE_MANAGER, text);
    CHECK_CONTAINS(test_last_reply(&env), "between 1 and 300 characters long, not 301");
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 5s");
    CHECK_CONTAINS(test_last_reply(&env), "--duration must be between 10s and 30d, not 5s");
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 31d");
    CHECK_CONTAINS(test_last_reply(&env), "--duration must be between 10s and 30d, not 31d");
    CHECK_INT(polls_count(&env), 0);
    test_env_finish(&env);
}

TEST(test_poll_numbers_must_name_a_poll_of_this_server)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll results 3");
    CHECK_STR(test_last_reply(&env),
              "There is no poll #3 on this server; /poll list shows the open ones.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll results three");
    CHECK_CONTAINS(test_last_reply(&env), "\"three\" is not a whole number for <id>");
    test_env_finish(&env);
}

TEST(test_a_poll_the_platform_refuses_is_closed_and_the_channel_told)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    env.tp->fail_next = 1;
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --duration 1h");
    test_env_run(&env, 20);
    const struct test_action *told = story_find(&env, TEST_ACTION_SEND, "could not be posted");
    REQUIRE(told != NULL);
    CHECK_CONTAINS(told->text, "Poll #1 could not be posted");
    CHECK_INT(
        story_query(&env, "SELECT COUNT(*) FROM polls_polls WHERE closed_at_ms IS NULL", NULL), 0);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_finish(&env);
}

TEST(test_hidden_results_are_for_managers_until_the_close)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, PIZZA_POLL " --hidden");
    const char *message_id = polls_message_id(&env, 1);
    polls_press(&env, ALICE, 1, 0);
    polls_press(&env, BOB, 1, 0);
    test_env_run(&env, 2200);
    const struct test_action *edit = polls_last_edit(&env, message_id);
    REQUIRE(edit != NULL);
    CHECK_CONTAINS(edit->text, "• Margherita\n");
    CHECK_CONTAINS(edit->text, "Total: 2 votes (results are hidden until the poll closes)");
    CHECK(strstr(edit->text, "%") == NULL);

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll results 1");
    CHECK_STR(test_last_reply(&env), "The results of poll #1 are hidden until it closes; only "
                                     "managers can see them before then.");
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll results 1");
    const struct test_action *shown = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    CHECK(shown->ephemeral);
    CHECK_CONTAINS(shown->text, "Margherita  ██████████  2 (100%)");

    test_say(&env, MARA, KITH_ROLE_MANAGER, "/poll close 1");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/poll results 1");
    CHECK_CONTAINS(test_last_reply(&env), "Final results of poll #1");
    CHECK_CONTAINS(test_last_reply(&env), "Margherita  ██████████  2 (100%)");
    test_env_finish(&env);
}

TEST(test_long_options_in_other_scripts_fit_their_buttons_whole)
{
    struct test_env env;
    REQUIRE(polls_start(&env));
    char option[400] = "";
    for (int i = 0; i < 80; i++)
        strcat(option, "ж"); /* 80 characters (the limit), 160 bytes */
    static char text[1600];
    snprintf(text, sizeof text, "/poll create Выбор? Да %s", option);
    test_say(&env, MARA, KITH_ROLE_MANAGER, text);
    const struct test_action *poll = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(poll != NULL && poll->msg != NULL && poll->msg->button_count == 2);
    CHECK_STR(poll->msg->buttons[1].label, option);
    CHECK_CONTAINS(poll->text, option);

    static char question[1000];
    question[0] = '\0';
    for (int i = 0; i < 300; i++)
        strcat(question, "ж"); /* 300 characters (the limit), 600 bytes */
    snprintf(text, sizeof text, "/poll create \"%s\" Да Нет --native", question);
    test_say(&env, MARA, KITH_ROLE_MANAGER, text);
    CHECK_INT(polls_count(&env), 2);
    const struct test_action *native = test_platform_last_of(env.tp, TEST_ACTION_REPLY);
    REQUIRE(native != NULL && native->msg != NULL && native->msg->poll != NULL);
    CHECK_STR(native->msg->poll->question, question);
    test_env_finish(&env);
}
