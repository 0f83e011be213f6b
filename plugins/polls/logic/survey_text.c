/* Survey text checks and helpers (see survey_text.h). */
#include "logic/survey_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/utf8.h"

static bool is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* Control characters other than line breaks and tabs would garble messages and the CSV. */
static bool has_control(const char *s, bool allow_breaks)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool brk = *p == '\n' || *p == '\r' || *p == '\t';
        if ((*p < 0x20 && !(allow_breaks && brk)) || *p == 0x7F)
            return true;
    }
    return false;
}

bool survey_title_check(const char *title, char *why, size_t why_size)
{
    if (title == NULL || is_blank(title)) {
        snprintf(why, why_size, "The survey needs a title, like: /survey create Team offsite 2026");
        return false;
    }
    if (!polls_utf8_valid(title, strlen(title)) || has_control(title, false)) {
        snprintf(why, why_size,
                 "The title holds characters that cannot be shown; use plain text, like: "
                 "/survey create Team offsite 2026");
        return false;
    }
    size_t chars = polls_utf8_chars(title);
    if (chars > SURVEY_TITLE_MAX_CHARS) {
        snprintf(why, why_size,
                 "The title is %zu characters long; at most %d fit, like: /survey create Team "
                 "offsite 2026",
                 chars, SURVEY_TITLE_MAX_CHARS);
        return false;
    }
    return true;
}

static bool choice_check(const char *const *choices, size_t i, char *why, size_t why_size)
{
    const char *c = choices[i];
    if (c == NULL || is_blank(c)) {
        snprintf(why, why_size, "Choice %zu is empty; each choice needs some text.", i + 1);
        return false;
    }
    if (!polls_utf8_valid(c, strlen(c)) || has_control(c, false)) {
        snprintf(why, why_size, "Choice %zu holds characters that cannot be shown; use plain text.",
                 i + 1);
        return false;
    }
    size_t chars = polls_utf8_chars(c);
    if (chars > SURVEY_CHOICE_MAX_CHARS) {
        snprintf(why, why_size,
                 "Choice %zu is %zu characters long; a choice must fit on a button, at most %d.",
                 i + 1, chars, SURVEY_CHOICE_MAX_CHARS);
        return false;
    }
    for (size_t k = 0; k < i; k++) {
        if (strcmp(choices[k], c) == 0) {
            snprintf(why, why_size,
                     "Choice %zu repeats choice %zu (\"%.40s\"); each choice must differ.", i + 1,
                     k + 1, c);
            return false;
        }
    }
    return true;
}

bool survey_question_check(const char *question, const char *const *choices, size_t choice_count,
                           char *why, size_t why_size)
{
    if (question == NULL || is_blank(question)) {
        snprintf(why, why_size,
                 "The question is empty. Example: /survey add 1 \"How was the venue?\" Great OK "
                 "Poor");
        return false;
    }
    if (!polls_utf8_valid(question, strlen(question)) || has_control(question, false)) {
        snprintf(why, why_size,
                 "The question holds characters that cannot be shown; use plain "
                 "text.");
        return false;
    }
    size_t chars = polls_utf8_chars(question);
    if (chars > SURVEY_QUESTION_MAX_CHARS) {
        snprintf(why, why_size, "The question is %zu characters long; at most %d fit.", chars,
                 SURVEY_QUESTION_MAX_CHARS);
        return false;
    }
    if (choice_count == 1) {
        snprintf(why, why_size,
                 "A choice question needs at least two choices (none makes a free-text "
                 "question). Example: /survey add 1 \"How was the venue?\" Great OK Poor");
        return false;
    }
    if (choice_count > SURVEY_CHOICES_MAX) {
        snprintf(why, why_size,
                 "%zu choices given; a question can have at most %d (the most a Discord select "
                 "menu shows).",
                 choice_count, SURVEY_CHOICES_MAX);
        return false;
    }
    for (size_t i = 0; i < choice_count; i++)
        if (!choice_check(choices, i, why, why_size))
            return false;
    return true;
}

bool survey_answer_check(const char *answer, char *why, size_t why_size)
{
    if (answer == NULL || is_blank(answer)) {
        snprintf(why, why_size, "The answer is empty; please write a few words.");
        return false;
    }
    if (!polls_utf8_valid(answer, strlen(answer)) || has_control(answer, true)) {
        snprintf(why, why_size,
                 "The answer holds characters that cannot be stored; please use plain text.");
        return false;
    }
    size_t chars = polls_utf8_chars(answer);
    if (chars > SURVEY_ANSWER_MAX_CHARS) {
        snprintf(why, why_size,
                 "The answer is %zu characters long; at most %d are kept. Please "
                 "shorten it.",
                 chars, SURVEY_ANSWER_MAX_CHARS);
        return false;
    }
    return true;
}

char *survey_answer_trim_dup(const char *answer)
{
    const char *start = answer;
    while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
        start++;
    size_t len = strlen(start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t' || start[len - 1] == '\n' ||
                       start[len - 1] == '\r'))
        len--;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, start, len);
    copy[len] = '\0';
    return copy;
}

void survey_share_format(int64_t count, int64_t total, char *out, size_t size)
{
    static const char full[] = "\xE2\x96\x93";  /* ▓ */
    static const char empty[] = "\xE2\x96\x91"; /* ░ */
    int64_t percent = total > 0 ? (count * 100 + total / 2) / total : 0;
    int64_t steps = total > 0 ? (count * 10 + total / 2) / total : 0;
    char bar[10 * 3 + 1];
    size_t at = 0;
    for (int64_t i = 0; i < 10; i++) {
        memcpy(bar + at, i < steps ? full : empty, 3);
        at += 3;
    }
    bar[at] = '\0';
    snprintf(out, size, "%s %lld (%lld%%)", bar, (long long)count, (long long)percent);
}
