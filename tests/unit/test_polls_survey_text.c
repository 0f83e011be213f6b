/* Survey questions, choices and free-text answers against their limits, as a manager or a
 * member would type them, and the custom ids the survey puts on its buttons and forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "logic/survey_id.h"
#include "logic/survey_text.h"

static char why[512];

static bool question_ok(const char *question, const char *const *choices, size_t n)
{
    why[0] = '\0';
    return survey_question_check(question, choices, n, why, sizeof why);
}

TEST(test_manager_adds_a_choice_question)
{
    const char *choices[] = {"Great", "OK", "Poor"};
    CHECK(question_ok("How was the venue?", choices, 3));
    CHECK(question_ok("What should we change?", NULL, 0)); /* free text */
}

TEST(test_a_single_choice_is_refused_with_an_example)
{
    const char *choices[] = {"Yes"};
    CHECK(!question_ok("Coming?", choices, 1));
    CHECK_CONTAINS(why, "at least two choices");
    CHECK_CONTAINS(why, "/survey add 1");
}

TEST(test_twenty_six_choices_are_too_many_for_a_select_menu)
{
    char labels[26][8];
    const char *choices[26];
    for (int i = 0; i < 26; i++) {
        snprintf(labels[i], sizeof labels[i], "c%d", i);
        choices[i] = labels[i];
    }
    CHECK(question_ok("Pick one", choices, 25));
    CHECK(!question_ok("Pick one", choices, 26));
    CHECK_CONTAINS(why, "26 choices given; a question can have at most 25");
}

TEST(test_repeated_or_empty_choices_are_refused)
{
    const char *repeated[] = {"Tea", "Coffee", "Tea"};
    CHECK(!question_ok("Drink?", repeated, 3));
    CHECK_CONTAINS(why, "Choice 3 repeats choice 1");
    const char *blank[] = {"Tea", "  "};
    CHECK(!question_ok("Drink?", blank, 2));
    CHECK_CONTAINS(why, "Choice 2 is empty");
}

TEST(test_a_choice_must_fit_on_a_button)
{
    char long_choice[82];
    memset(long_choice, 'x', 81);
    long_choice[81] = '\0';
    const char *choices[] = {"short", long_choice};
    CHECK(!question_ok("Which?", choices, 2));
    CHECK_STR(why, "Choice 2 is 81 characters long; a choice must fit on a button, at most 80.");
    long_choice[80] = '\0'; /* exactly 80 fit */
    CHECK(question_ok("Which?", choices, 2));
}

TEST(test_choice_length_counts_characters_not_bytes)
{
    /* 80 Cyrillic letters are 160 bytes and still fit on a button; 81 do not. */
    char cyrillic[2 * 81 + 1] = "";
    for (int i = 0; i < 80; i++)
        strcat(cyrillic, "\xD0\xB4");
    const char *choices[] = {"short", cyrillic};
    CHECK(question_ok("Which?", choices, 2));
    strcat(cyrillic, "\xD0\xB4");
    CHECK(!question_ok("Which?", choices, 2));
    CHECK_CONTAINS(why, "Choice 2 is 81 characters long");
}

TEST(test_question_length_counts_characters_not_bytes)
{
    /* 200 Cyrillic letters are 400 bytes and still one question. */
    char question[2 * 201 + 1] = "";
    for (int i = 0; i < 200; i++)
        strcat(question, "\xD0\xB4"); /* д */
    CHECK(question_ok(question, NULL, 0));
    strcat(question, "\xD0\xB4");
    CHECK(!question_ok(question, NULL, 0));
    CHECK_CONTAINS(why, "201 characters long; at most 200");
}

TEST(test_broken_utf8_and_control_characters_are_refused)
{
    CHECK(!question_ok("caf\xC3", NULL, 0));
    CHECK_CONTAINS(why, "cannot be shown");
    CHECK(!question_ok("bell\x07", NULL, 0));
    CHECK(!question_ok("   ", NULL, 0));
    CHECK_CONTAINS(why, "The question is empty");
}

TEST(test_free_text_answers_are_checked)
{
    CHECK(survey_answer_check("More coffee,\nplease", why, sizeof why)); /* line breaks fine */
    CHECK(!survey_answer_check(" \n ", why, sizeof why));
    CHECK_CONTAINS(why, "empty");
    CHECK(!survey_answer_check("\xED\xA0\x80", why, sizeof why)); /* a lone surrogate */
    CHECK(!survey_answer_check("\xC0\xAF", why, sizeof why));     /* an overlong slash */
    char long_answer[1002];
    memset(long_answer, 'a', 1001);
    long_answer[1001] = '\0';
    CHECK(!survey_answer_check(long_answer, why, sizeof why));
    CHECK_CONTAINS(why, "1001 characters long; at most 1000");
    long_answer[1000] = '\0';
    CHECK(survey_answer_check(long_answer, why, sizeof why));
}

TEST(test_answers_are_trimmed)
{
    char *t = survey_answer_trim_dup("  Better chairs \r\n");
    REQUIRE(t != NULL);
    CHECK_STR(t, "Better chairs");
    free(t);
}

TEST(test_titles_are_checked)
{
    CHECK(survey_title_check("Team offsite 2026", why, sizeof why));
    CHECK(!survey_title_check("", why, sizeof why));
    CHECK_CONTAINS(why, "/survey create");
}

TEST(test_shares_are_shown_as_bars_with_percentages)
{
    char line[64];
    survey_share_format(1, 2, line, sizeof line);
    CHECK_STR(line, "\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x93\xE2\x96\x91"
                    "\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91 1 (50%)");
    survey_share_format(0, 0, line, sizeof line);
    CHECK_CONTAINS(line, " 0 (0%)");
    survey_share_format(2, 3, line, sizeof line);
    CHECK_CONTAINS(line, " 2 (67%)");
}

TEST(test_custom_ids_round_trip)
{
    struct survey_custom_id id;
    REQUIRE(survey_custom_id_parse("s:12:start", &id));
    CHECK_INT(id.survey_id, 12);
    CHECK_INT(id.action, SURVEY_ACTION_START);
    REQUIRE(survey_custom_id_parse("s:3:q17", &id));
    CHECK_INT(id.action, SURVEY_ACTION_ANSWER);
    CHECK_INT(id.question, 17);
    REQUIRE(survey_custom_id_parse("s:3:next", &id));
    CHECK_INT(id.action, SURVEY_ACTION_NEXT);
    char buf[32];
    struct survey_custom_id q = {.survey_id = 9, .action = SURVEY_ACTION_ANSWER, .question = 2};
    REQUIRE(survey_custom_id_format(buf, sizeof buf, &q));
    CHECK_STR(buf, "s:9:q2");
}

TEST(test_foreign_or_malformed_custom_ids_are_not_surveys)
{
    struct survey_custom_id id;
    CHECK(!survey_custom_id_parse("p:1:vote:2", &id));
    CHECK(!survey_custom_id_parse("s:0:start", &id));
    CHECK(!survey_custom_id_parse("s:-1:start", &id));
    CHECK(!survey_custom_id_parse("s:1:q0", &id));
    CHECK(!survey_custom_id_parse("s:1:q2x", &id));
    CHECK(!survey_custom_id_parse("s:1:startx", &id));
    CHECK(!survey_custom_id_parse("s:99999999999999999999:start", &id));
}
