/* Shared by the survey files: a survey as loaded from the store, the store helpers
 * (survey_store.c), and the handlers of survey_manage.c, survey_answer.c, survey_report.c and
 * survey_export.c. */
#ifndef KITH_POLLS_SURVEY_INTERNAL_H
#define KITH_POLLS_SURVEY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/plugin.h>

#include "logic/survey_id.h"
#include "survey.h"

enum survey_state {
    SURVEY_DRAFT = 0, /* questions may still be added */
    SURVEY_OPEN = 1,  /* posted; members answer */
    SURVEY_CLOSED = 2,
};

struct survey_question {
    char *text;
    char **choices; /* none: a free-text question */
    size_t choice_count;
};

/* A survey as survey_load returns it: every string and array is owned by it (survey_free). */
struct survey {
    int64_t id;
    char *server_id;
    char *channel_id; /* NULL until opened */
    char *message_id; /* the posted survey; NULL until the platform confirmed it */
    char *title;
    enum survey_state state;
    struct survey_question *questions; /* in answering order: questions[0] is question 1 */
    size_t question_count;
};

/* One member's earlier answer to one question; text is owned (survey_answers_free). */
struct survey_answer {
    bool given;
    int choice; /* 1-based choice number; 0 for free text */
    char *text; /* free text, else NULL */
};

/* What one event's handling needs: the plugin, the host table and the event (all borrowed). */
struct survey_call {
    struct kith_plugin_ctx *ctx;
    const struct kith_host *host;
    const struct kith_event *ev;
};

/* A text reply to the event, private where the platform allows. */
void survey_say(const struct survey_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Replies msg to the event, private where the platform allows, when err (how building msg went)
 * is KITH_OK. Takes msg (may be NULL) and frees it; returns err or the reply's error. */
kith_err survey_reply_private_take(const struct survey_call *call, kith_message *msg, kith_err err);

/* ---- survey_store.c ---- */

/* Prepares sql and binds its parameters in order from `types`: 't' a text (const char *; NULL
 * binds NULL), 'i' an int64_t, 'z' an int64_t bound as NULL when 0. Finalize the statement. */
kith_err survey_db_query(const struct survey_call *call, const char *sql, kith_stmt **stmt_out,
                         const char *types, ...);
/* The same for a statement that returns no rows: prepared, run and finalized. */
kith_err survey_db_exec(const struct survey_call *call, const char *sql, const char *types, ...);

/* Loads survey `id` with its questions into *out (free with survey_free); KITH_ERR_NOT_FOUND
 * when there is none. */
kith_err survey_load(const struct survey_call *call, int64_t id, struct survey **out);
void survey_free(struct survey *survey);

/* The survey of that number on the event's server, or NULL after telling the member why (no
 * such survey here, or the store failed). Free with survey_free. */
struct survey *survey_find_here(const struct survey_call *call, int64_t id);
/* survey_find_here for the number the command's id option gives. */
struct survey *survey_from_command(const struct survey_call *call);

/* The member's earlier answers, one per question (free with survey_answers_free). */
kith_err survey_answers_load(const struct survey_call *call, const struct survey *survey,
                             const char *member_id, struct survey_answer **answers_out);
void survey_answers_free(struct survey_answer *answers, size_t count);

/* Stores the event author's answer to question `position` (choice number, or text when choice
 * is 0), replacing an earlier one, and creates the member's response when it is the first. */
kith_err survey_answer_store(const struct survey_call *call, const struct survey *survey,
                             int position, int choice, const char *text);

/* Sets the question the event author is on (0: all answered) and creates the response row
 * when needed. */
kith_err survey_step_store(const struct survey_call *call, const struct survey *survey, int step);
/* The question the event author is on; 0 when they answered all or never started. */
kith_err survey_step_load(const struct survey_call *call, const struct survey *survey,
                          int *step_out);

/* How many members answered at least one question. */
kith_err survey_respondent_count(const struct survey_call *call, int64_t survey_id,
                                 int64_t *count_out);

/* ---- survey_manage.c: /survey create, add, open, close, list ---- */
void survey_cmd_create(const struct survey_call *call);
void survey_cmd_add(const struct survey_call *call);
void survey_cmd_open(const struct survey_call *call);
void survey_cmd_close(const struct survey_call *call);
void survey_cmd_list(const struct survey_call *call);

/* ---- survey_report.c and survey_export.c ---- */
void survey_cmd_results(const struct survey_call *call);
void survey_cmd_export(const struct survey_call *call);

/* ---- survey_answer.c: answering step by step ---- */
/* A press or form of a survey (custom id already parsed). */
void survey_on_component(const struct survey_call *call, const struct survey_custom_id *id);
/* A message that replies to another: true when it answered a survey question asked as a
 * message (and was handled), false when it is not a survey's. */
bool survey_on_reply(const struct survey_call *call);

#endif
