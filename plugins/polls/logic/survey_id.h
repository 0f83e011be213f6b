/* The custom ids surveys put on buttons, select menus and forms, and their parsing:
 * "s:<survey>:start", "s:<survey>:next" and "s:<survey>:q<question>". No host calls. */
#ifndef KITH_POLLS_SURVEY_ID_H
#define KITH_POLLS_SURVEY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum survey_action {
    SURVEY_ACTION_START = 1, /* the Answer button under the survey */
    SURVEY_ACTION_NEXT = 2,  /* Continue: ask the member's current question again */
    SURVEY_ACTION_ANSWER = 3 /* a choice or a form for question `question` */
};

struct survey_custom_id {
    int64_t survey_id;
    enum survey_action action;
    int question; /* 1-based; SURVEY_ACTION_ANSWER only */
};

/* True when id is one of the forms above, with positive numbers and nothing after them. */
bool survey_custom_id_parse(const char *id, struct survey_custom_id *out);

/* Writes the id into buf; false when it does not fit. */
bool survey_custom_id_format(char *buf, size_t size, const struct survey_custom_id *id);

#endif
