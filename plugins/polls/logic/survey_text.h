/* Pure checks and text helpers for surveys: titles, questions, choices and free-text answers
 * against their limits, and the result bars. No host calls. */
#ifndef KITH_POLLS_SURVEY_TEXT_H
#define KITH_POLLS_SURVEY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SURVEY_TITLE_MAX_CHARS 100
#define SURVEY_QUESTION_MAX_CHARS 200
#define SURVEY_CHOICE_MAX_CHARS 80 /* a button label on every platform */
#define SURVEY_CHOICES_MAX 25      /* Discord's select menu */
#define SURVEY_QUESTIONS_MAX 20
#define SURVEY_ANSWER_MAX_CHARS 1000

/* Each check returns true when the text is acceptable; otherwise it writes what was wrong, with
 * an example of right use, into why (why_size bytes). */
bool survey_title_check(const char *title, char *why, size_t why_size);
bool survey_question_check(const char *question, const char *const *choices, size_t choice_count,
                           char *why, size_t why_size);
/* A free-text answer: UTF-8, not blank, at most SURVEY_ANSWER_MAX_CHARS characters. */
bool survey_answer_check(const char *answer, char *why, size_t why_size);

/* The answer without the white space around it, as a new string (free it); NULL on no memory. */
char *survey_answer_trim_dup(const char *answer);

/* "▓▓▓▓▓░░░░░ 3 (50%)": a ten-step bar, the count and the rounded share of total. */
void survey_share_format(int64_t count, int64_t total, char *out, size_t size);

#endif
