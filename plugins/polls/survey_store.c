/* The survey tables: binding helpers, loading a survey with its questions, and a member's
 * answers and progress. Every value is bound, never pasted into SQL. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "survey_internal.h"

static kith_err bind_params(const struct survey_call *call, kith_stmt *stmt, const char *types,
                            va_list ap)
{
    const struct kith_host *h = call->host;
    kith_err err = KITH_OK;
    for (int i = 0; err == KITH_OK && types[i] != '\0'; i++) {
        if (types[i] == 't') {
            const char *text = va_arg(ap, const char *);
            err = text ? h->db_bind_text(stmt, i + 1, text) : h->db_bind_null(stmt, i + 1);
        } else if (types[i] == 'i' || types[i] == 'z') {
            int64_t value = va_arg(ap, int64_t);
            err = types[i] == 'z' && value == 0 ? h->db_bind_null(stmt, i + 1)
                                                : h->db_bind_int64(stmt, i + 1, value);
        } else {
            err = KITH_ERR_INVALID;
        }
    }
    return err;
}

/* Prepares sql with the values bound; *stmt_out is the caller's to finalize, NULL on error. */
static kith_err prepare_bound(const struct survey_call *call, const char *sql, kith_stmt **stmt_out,
                              const char *types, va_list ap)
{
    kith_stmt *stmt = NULL;
    kith_err err = call->host->db_prepare(call->ctx, sql, &stmt);
    if (err == KITH_OK)
        err = bind_params(call, stmt, types, ap);
    if (err != KITH_OK) {
        if (stmt != NULL)
            call->host->db_finalize(stmt);
        stmt = NULL;
    }
    *stmt_out = stmt;
    return err;
}

kith_err survey_db_query(const struct survey_call *call, const char *sql, kith_stmt **stmt_out,
                         const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    kith_err err = prepare_bound(call, sql, stmt_out, types, ap);
    va_end(ap);
    return err;
}

kith_err survey_db_exec(const struct survey_call *call, const char *sql, const char *types, ...)
{
    kith_stmt *stmt = NULL;
    va_list ap;
    va_start(ap, types);
    kith_err err = prepare_bound(call, sql, &stmt, types, ap);
    va_end(ap);
    bool row = false;
    if (err == KITH_OK)
        err = call->host->db_step(stmt, &row);
    if (stmt != NULL)
        call->host->db_finalize(stmt);
    return err;
}

/* The first column of the query's first row into *value_out (left alone when there is no row);
 * finalizes stmt, which may be NULL after a failed query. */
static kith_err first_int64(const struct survey_call *call, kith_err err, kith_stmt *stmt,
                            int64_t *value_out)
{
    bool row = false;
    if (err == KITH_OK)
        err = call->host->db_step(stmt, &row);
    if (err == KITH_OK && row)
        *value_out = call->host->db_column_int64(stmt, 0);
    if (stmt != NULL)
        call->host->db_finalize(stmt);
    return err;
}

/* strdup of a column that may be NULL; *ok turns false when memory ran out. */
static char *column_dup(const struct survey_call *call, kith_stmt *stmt, int column, bool *ok)
{
    if (call->host->db_column_is_null(stmt, column))
        return NULL;
    const char *text = call->host->db_column_text(stmt, column);
    char *copy = strdup(text ? text : "");
    if (copy == NULL)
        *ok = false;
    return copy;
}

void survey_free(struct survey *survey)
{
    if (survey == NULL)
        return;
    for (size_t i = 0; i < survey->question_count; i++) {
        struct survey_question *q = &survey->questions[i];
        for (size_t c = 0; c < q->choice_count; c++)
            free(q->choices[c]);
        free(q->choices);
        free(q->text);
    }
    free(survey->questions);
    free(survey->server_id);
    free(survey->channel_id);
    free(survey->message_id);
    free(survey->title);
    free(survey);
}

static kith_err load_row(const struct survey_call *call, struct survey *s)
{
    const struct kith_host *h = call->host;
    kith_stmt *stmt = NULL;
    kith_err err = survey_db_query(call,
                                   "SELECT server_id, channel_id, message_id, title, state"
                                   " FROM polls_surveys WHERE id = ?1",
                                   &stmt, "i", s->id);
    bool row = false;
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    if (err == KITH_OK && !row)
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_OK) {
        bool ok = true;
        s->server_id = column_dup(call, stmt, 0, &ok);
        s->channel_id = column_dup(call, stmt, 1, &ok);
        s->message_id = column_dup(call, stmt, 2, &ok);
        s->title = column_dup(call, stmt, 3, &ok);
        s->state = (enum survey_state)h->db_column_int64(stmt, 4);
        if (!ok || s->server_id == NULL || s->title == NULL)
            err = KITH_ERR_NOMEM;
    }
    h->db_finalize(stmt);
    return err;
}

/* Reads one row of a query into ud. */
typedef kith_err (*row_fn)(const struct survey_call *call, kith_stmt *stmt, void *ud);

/* Steps through the rows of stmt, the result of a survey_db_query that returned err, handing
 * each to take until one fails; finalizes stmt (NULL after a failed query). */
static kith_err each_row(const struct survey_call *call, kith_err err, kith_stmt *stmt, row_fn take,
                         void *ud)
{
    bool row = false;
    while (err == KITH_OK && (err = call->host->db_step(stmt, &row)) == KITH_OK && row)
        err = take(call, stmt, ud);
    if (stmt != NULL)
        call->host->db_finalize(stmt);
    return err;
}

/* The question a row's position column names (1..count), or 0 when there is no such question. */
static size_t row_position(const struct survey_call *call, kith_stmt *stmt, size_t count)
{
    int64_t position = call->host->db_column_int64(stmt, 0);
    return position >= 1 && (size_t)position <= count ? (size_t)position : 0;
}

static kith_err take_question(const struct survey_call *call, kith_stmt *stmt, void *ud)
{
    struct survey *s = ud;
    struct survey_question *grown = realloc(s->questions, (s->question_count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    s->questions = grown;
    bool ok = true;
    grown[s->question_count] = (struct survey_question){.text = column_dup(call, stmt, 0, &ok)};
    s->question_count++;
    return ok ? KITH_OK : KITH_ERR_NOMEM;
}

/* Questions are numbered 1..n without gaps: they are only ever appended. */
static kith_err load_questions(const struct survey_call *call, struct survey *s)
{
    kith_stmt *stmt = NULL;
    kith_err err = survey_db_query(call,
                                   "SELECT text FROM polls_survey_questions WHERE survey_id = ?1"
                                   " ORDER BY position",
                                   &stmt, "i", s->id);
    return each_row(call, err, stmt, take_question, s);
}

static kith_err take_choice(const struct survey_call *call, kith_stmt *stmt, void *ud)
{
    struct survey *s = ud;
    size_t position = row_position(call, stmt, s->question_count);
    if (position == 0)
        return KITH_OK; /* a choice of a question that is not there cannot be asked */
    struct survey_question *q = &s->questions[position - 1];
    char **grown = realloc(q->choices, (q->choice_count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    q->choices = grown;
    bool ok = true;
    grown[q->choice_count] = column_dup(call, stmt, 1, &ok);
    if (!ok)
        return KITH_ERR_NOMEM;
    q->choice_count++;
    return KITH_OK;
}

static kith_err load_choices(const struct survey_call *call, struct survey *s)
{
    kith_stmt *stmt = NULL;
    kith_err err = survey_db_query(call,
                                   "SELECT position, label FROM polls_survey_choices"
                                   " WHERE survey_id = ?1 ORDER BY position, number",
                                   &stmt, "i", s->id);
    return each_row(call, err, stmt, take_choice, s);
}

kith_err survey_load(const struct survey_call *call, int64_t id, struct survey **out)
{
    *out = NULL;
    struct survey *s = calloc(1, sizeof *s);
    if (s == NULL)
        return KITH_ERR_NOMEM;
    s->id = id;
    kith_err err = load_row(call, s);
    if (err == KITH_OK)
        err = load_questions(call, s);
    if (err == KITH_OK)
        err = load_choices(call, s);
    if (err != KITH_OK) {
        survey_free(s);
        return err;
    }
    *out = s;
    return KITH_OK;
}

struct survey *survey_find_here(const struct survey_call *call, int64_t id)
{
    struct survey *s = NULL;
    kith_err err = survey_load(call, id, &s);
    const char *here = call->ev->server_id;
    if (err == KITH_OK && (here == NULL || strcmp(s->server_id, here) != 0)) {
        survey_free(s);
        s = NULL;
        err = KITH_ERR_NOT_FOUND;
    }
    if (err == KITH_ERR_NOT_FOUND)
        survey_say(call, "There is no survey #%lld on this server; /survey list shows them.",
                   (long long)id);
    else if (err != KITH_OK)
        survey_say(call, "Survey #%lld cannot be read just now (%s); please try again.",
                   (long long)id, call->host->strerror(err));
    return s;
}

struct survey *survey_from_command(const struct survey_call *call)
{
    const struct kith_option_value *option = kith_event_option(call->ev, "id");
    return survey_find_here(call, option != NULL ? option->integer : 0);
}

void survey_answers_free(struct survey_answer *answers, size_t count)
{
    if (answers == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(answers[i].text);
    free(answers);
}

struct answers_read {
    struct survey_answer *answers; /* one per question; borrowed from survey_answers_load */
    size_t count;
};

static kith_err take_answer(const struct survey_call *call, kith_stmt *stmt, void *ud)
{
    struct answers_read *read = ud;
    size_t position = row_position(call, stmt, read->count);
    if (position == 0)
        return KITH_OK;
    struct survey_answer *a = &read->answers[position - 1];
    bool ok = true;
    a->given = true;
    a->choice = (int)call->host->db_column_int64(stmt, 1);
    a->text = column_dup(call, stmt, 2, &ok);
    return ok ? KITH_OK : KITH_ERR_NOMEM;
}

kith_err survey_answers_load(const struct survey_call *call, const struct survey *survey,
                             const char *member_id, struct survey_answer **answers_out)
{
    *answers_out = NULL;
    struct answers_read read = {calloc(survey->question_count + 1, sizeof *read.answers),
                                survey->question_count};
    if (read.answers == NULL)
        return KITH_ERR_NOMEM;
    kith_stmt *stmt = NULL;
    kith_err err = survey_db_query(call,
                                   "SELECT position, choice, text FROM polls_survey_answers"
                                   " WHERE survey_id = ?1 AND member_id = ?2",
                                   &stmt, "it", survey->id, member_id);
    err = each_row(call, err, stmt, take_answer, &read);
    if (err != KITH_OK) {
        survey_answers_free(read.answers, survey->question_count);
        return err;
    }
    *answers_out = read.answers;
    return KITH_OK;
}

static const char *author_name(const struct kith_event *ev)
{
    const char *name = ev->author.display_name;
    return name != NULL && name[0] != '\0' ? name : ev->author.id;
}

/* The member's response row, created on the first answer or press; the name is refreshed. */
static kith_err response_touch(const struct survey_call *call, const struct survey *survey)
{
    int64_t now = call->host->now_ms(call->ctx);
    return survey_db_exec(call,
                          "INSERT INTO polls_survey_responses"
                          " (survey_id, member_id, member_name, step, started_at, updated_at)"
                          " VALUES (?1, ?2, ?3, 1, ?4, ?4)"
                          " ON CONFLICT (survey_id, member_id) DO UPDATE"
                          " SET member_name = excluded.member_name",
                          "itti", survey->id, call->ev->author.id, author_name(call->ev), now);
}

kith_err survey_answer_store(const struct survey_call *call, const struct survey *survey,
                             int position, int choice, const char *text)
{
    int64_t now = call->host->now_ms(call->ctx);
    kith_err err = response_touch(call, survey);
    if (err == KITH_OK)
        err = survey_db_exec(call,
                             "INSERT INTO polls_survey_answers"
                             " (survey_id, member_id, position, choice, text, answered_at)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                             " ON CONFLICT (survey_id, member_id, position) DO UPDATE"
                             " SET choice = excluded.choice, text = excluded.text,"
                             " answered_at = excluded.answered_at",
                             "itizti", survey->id, call->ev->author.id, (int64_t)position,
                             (int64_t)choice, choice == 0 ? text : NULL, now);
    if (err == KITH_OK)
        err = survey_db_exec(call,
                             "UPDATE polls_survey_responses SET updated_at = ?3"
                             " WHERE survey_id = ?1 AND member_id = ?2",
                             "iti", survey->id, call->ev->author.id, now);
    return err;
}

kith_err survey_step_store(const struct survey_call *call, const struct survey *survey, int step)
{
    int64_t now = call->host->now_ms(call->ctx);
    kith_err err = response_touch(call, survey);
    if (err == KITH_OK)
        err = survey_db_exec(call,
                             "UPDATE polls_survey_responses SET step = ?3,"
                             " completed_at = CASE WHEN ?3 = 0 THEN ?4 ELSE completed_at END"
                             " WHERE survey_id = ?1 AND member_id = ?2",
                             "itii", survey->id, call->ev->author.id, (int64_t)step, now);
    return err;
}

kith_err survey_step_load(const struct survey_call *call, const struct survey *survey,
                          int *step_out)
{
    kith_stmt *stmt = NULL;
    *step_out = 0;
    kith_err err = survey_db_query(call,
                                   "SELECT step FROM polls_survey_responses"
                                   " WHERE survey_id = ?1 AND member_id = ?2",
                                   &stmt, "it", survey->id, call->ev->author.id);
    int64_t step = 0;
    err = first_int64(call, err, stmt, &step);
    *step_out = (int)step;
    return err;
}

kith_err survey_respondent_count(const struct survey_call *call, int64_t survey_id,
                                 int64_t *count_out)
{
    kith_stmt *stmt = NULL;
    *count_out = 0;
    kith_err err = survey_db_query(call,
                                   "SELECT COUNT(DISTINCT member_id) FROM polls_survey_answers"
                                   " WHERE survey_id = ?1",
                                   &stmt, "i", survey_id);
    return first_int64(call, err, stmt, count_out);
}
