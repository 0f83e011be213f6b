/* Managing surveys: /survey create, add (questions while a draft), open (post it with its
 * Answer button), close, and list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/survey_text.h"
#include "logic/utf8.h"
#include "polls_shared.h"
#include "survey_internal.h"

static const char *state_name(enum survey_state state)
{
    switch (state) {
    case SURVEY_DRAFT: return "draft";
    case SURVEY_OPEN: return "open";
    case SURVEY_CLOSED: return "closed";
    }
    return "unknown";
}

void survey_cmd_create(const struct survey_call *call)
{
    const struct kith_option_value *title = kith_event_option(call->ev, "title");
    char why[512];
    if (!survey_title_check(title ? title->text : NULL, why, sizeof why)) {
        survey_say(call, "%s", why);
        return;
    }
    kith_err err = survey_db_exec(call,
                                  "INSERT INTO polls_surveys (server_id, creator_id, title,"
                                  " state, created_at) VALUES (?1, ?2, ?3, 0, ?4)",
                                  "ttti", call->ev->server_id, call->ev->author.id, title->text,
                                  call->host->now_ms(call->ctx));
    if (err != KITH_OK) {
        survey_say(call, "The survey could not be saved (%s); please try again.",
                   call->host->strerror(err));
        return;
    }
    long long id = (long long)call->host->db_last_insert_id(call->ctx);
    survey_say(call,
               "Survey #%lld created: %s\nAdd questions: /survey add %lld \"How was the venue?\" "
               "Great OK Poor (without choices the question takes free text). Then /survey open "
               "%lld posts it here.",
               id, title->text, id, id);
}

static kith_err insert_question(const struct survey_call *call, const struct survey *s,
                                int position, const char *text, const char *const *choices,
                                size_t choice_count)
{
    const struct kith_host *h = call->host;
    kith_err err = h->db_begin(call->ctx);
    if (err != KITH_OK)
        return err;
    err = survey_db_exec(call,
                         "INSERT INTO polls_survey_questions (survey_id, position, text)"
                         " VALUES (?1, ?2, ?3)",
                         "iit", s->id, (int64_t)position, text);
    for (size_t i = 0; err == KITH_OK && i < choice_count; i++)
        err = survey_db_exec(call,
                             "INSERT INTO polls_survey_choices (survey_id, position, number, label)"
                             " VALUES (?1, ?2, ?3, ?4)",
                             "iiit", s->id, (int64_t)position, (int64_t)(i + 1), choices[i]);
    return polls_db_end(h, call->ctx, err);
}

/* "Great, OK, Poor" for the confirmation, cut to fit. */
static void choices_summary(const char *const *choices, size_t n, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && at + 1 < size; i++) {
        int w = snprintf(out + at, size - at, "%s%s", i ? ", " : "", choices[i]);
        if (w < 0 || (size_t)w >= size - at) { /* the last choice was cut: mark it */
            polls_utf8_mark_cut(out, size);
            break;
        }
        at += (size_t)w;
    }
}

void survey_cmd_add(const struct survey_call *call)
{
    struct survey *s = survey_from_command(call);
    if (s == NULL)
        return;
    const struct kith_option_value *question = kith_event_option(call->ev, "question");
    const struct kith_option_value *choices = kith_event_option(call->ev, "choices");
    const char *const *labels = choices ? choices->values : NULL;
    size_t label_count = choices ? choices->value_count : 0;
    char why[512];
    if (s->state != SURVEY_DRAFT) {
        survey_say(call,
                   "Survey #%lld is %s: its questions cannot change once members can answer. "
                   "Create a new one with /survey create.",
                   (long long)s->id, state_name(s->state));
    } else if (s->question_count >= SURVEY_QUESTIONS_MAX) {
        survey_say(call, "Survey #%lld already has %d questions, the most a survey can have.",
                   (long long)s->id, SURVEY_QUESTIONS_MAX);
    } else if (!survey_question_check(question ? question->text : NULL, labels, label_count, why,
                                      sizeof why)) {
        survey_say(call, "%s", why);
    } else {
        int position = (int)s->question_count + 1;
        kith_err err = insert_question(call, s, position, question->text, labels, label_count);
        char summary[600];
        choices_summary(labels, label_count, summary, sizeof summary);
        if (err != KITH_OK)
            survey_say(call, "The question could not be saved (%s); please try again.",
                       call->host->strerror(err));
        else if (label_count == 0)
            survey_say(call, "Question %d added to survey #%lld (free text): %s", position,
                       (long long)s->id, question->text);
        else
            survey_say(call, "Question %d added to survey #%lld (choice of %zu: %s): %s", position,
                       (long long)s->id, label_count, summary, question->text);
    }
    survey_free(s);
}

/* The posted survey: its title, what to do, and the Answer button while open. */
static kith_message *survey_post_new(const struct survey_call *call, const struct survey *s,
                                     int64_t respondents)
{
    const struct kith_host *h = call->host;
    kith_message *msg = h->message_new(call->ctx);
    if (msg == NULL)
        return NULL;
    char text[256], id[64];
    struct survey_custom_id start = {.survey_id = s->id, .action = SURVEY_ACTION_START};
    if (s->state == SURVEY_OPEN)
        snprintf(text, sizeof text,
                 "Survey #%lld: %zu question%s. Press Answer to take part; you can change your "
                 "answers until the survey closes.",
                 (long long)s->id, s->question_count, s->question_count == 1 ? "" : "s");
    else
        snprintf(text, sizeof text, "Survey #%lld is closed: %lld member%s answered. Thank you!",
                 (long long)s->id, (long long)respondents, respondents == 1 ? "" : "s");
    kith_err err = h->message_set_title(msg, s->title);
    if (err == KITH_OK)
        err = h->message_set_text(msg, text);
    if (err == KITH_OK && s->state == SURVEY_OPEN)
        err = survey_custom_id_format(id, sizeof id, &start)
                  ? h->message_add_button(msg, id, "Answer", KITH_BUTTON_PRIMARY)
                  : KITH_ERR_LIMIT;
    if (err != KITH_OK) {
        h->message_free(msg);
        return NULL;
    }
    return msg;
}

/* Remembers where the survey was posted, so closing can edit it. */
struct posted {
    const struct kith_host *host;
    int64_t survey_id;
};

/* A survey nobody can see is back to a draft, so /survey open can post it again. */
static kith_err back_to_draft(const struct survey_call *call, int64_t survey_id)
{
    return survey_db_exec(call,
                          "UPDATE polls_surveys SET state = 0, channel_id = NULL, opened_at = NULL"
                          " WHERE id = ?1 AND state = 1 AND message_id IS NULL",
                          "i", survey_id);
}

static void on_posted(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    struct posted *p = ud;
    const struct survey_call call = {ctx, p->host, NULL};
    if (result->err != KITH_OK || result->message_id == NULL) {
        if (result->err == KITH_ERR_CANCELLED)
            return; /* kithd is stopping: it may have been posted; the survey stays open */
        p->host->log(ctx, KITH_LOG_WARN,
                     "survey %lld could not be posted (%s); it is a draft "
                     "again",
                     (long long)p->survey_id,
                     result->detail ? result->detail : p->host->strerror(result->err));
        back_to_draft(&call, p->survey_id);
        return;
    }
    kith_err err = survey_db_exec(&call, "UPDATE polls_surveys SET message_id = ?2 WHERE id = ?1",
                                  "it", p->survey_id, result->message_id);
    if (err != KITH_OK)
        p->host->log(ctx, KITH_LOG_WARN, "survey %lld: its message id was not saved: %s",
                     (long long)p->survey_id, p->host->strerror(err));
}

void survey_cmd_open(const struct survey_call *call)
{
    struct survey *s = survey_from_command(call);
    if (s == NULL)
        return;
    if (s->state != SURVEY_DRAFT) {
        survey_say(call, "Survey #%lld is already %s.", (long long)s->id, state_name(s->state));
        survey_free(s);
        return;
    }
    if (s->question_count == 0) {
        survey_say(call,
                   "Survey #%lld has no questions yet. Add one first: /survey add %lld \"How was "
                   "the venue?\" Great OK Poor",
                   (long long)s->id, (long long)s->id);
        survey_free(s);
        return;
    }
    const struct kith_host *h = call->host;
    s->state = SURVEY_OPEN;
    kith_message *msg = survey_post_new(call, s, 0);
    struct posted *ud = malloc(sizeof *ud);
    kith_err err = msg != NULL && ud != NULL ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = survey_db_exec(call,
                             "UPDATE polls_surveys SET state = 1, channel_id = ?2, opened_at = ?3"
                             " WHERE id = ?1 AND state = 0",
                             "iti", s->id, call->ev->channel_id, h->now_ms(call->ctx));
    if (err == KITH_OK) {
        *ud = (struct posted){h, s->id};
        struct kith_target to = {call->ev->server_id, call->ev->channel_id};
        struct kith_completion done = {on_posted, ud, free};
        err = h->send(call->ctx, &to, msg, &done);
        if (err == KITH_OK)
            ud = NULL; /* the completion frees it */
        else
            back_to_draft(call, s->id);
    }
    if (err == KITH_OK)
        survey_say(call, "Survey #%lld is open. /survey close %lld ends it.", (long long)s->id,
                   (long long)s->id);
    else
        survey_say(call, "Survey #%lld could not be posted (%s); please try again.",
                   (long long)s->id, h->strerror(err));
    free(ud);
    h->message_free(msg);
    survey_free(s);
}

void survey_cmd_close(const struct survey_call *call)
{
    struct survey *s = survey_from_command(call);
    if (s == NULL)
        return;
    const struct kith_host *h = call->host;
    int64_t respondents = 0;
    kith_err err = KITH_OK;
    if (s->state != SURVEY_OPEN) {
        survey_say(call, "Survey #%lld is %s, not open.", (long long)s->id, state_name(s->state));
        survey_free(s);
        return;
    }
    err = survey_db_exec(call, "UPDATE polls_surveys SET state = 2, closed_at = ?2 WHERE id = ?1",
                         "ii", s->id, h->now_ms(call->ctx));
    if (err == KITH_OK)
        err = survey_respondent_count(call, s->id, &respondents);
    if (err != KITH_OK) {
        survey_say(call, "Survey #%lld could not be closed (%s); please try again.",
                   (long long)s->id, h->strerror(err));
        survey_free(s);
        return;
    }
    s->state = SURVEY_CLOSED;
    if (s->message_id != NULL && s->channel_id != NULL) {
        kith_message *msg = survey_post_new(call, s, respondents);
        struct kith_target to = {s->server_id, s->channel_id};
        kith_err edit = msg ? h->edit(call->ctx, &to, s->message_id, msg, NULL) : KITH_ERR_NOMEM;
        if (edit != KITH_OK)
            h->log(call->ctx, KITH_LOG_WARN, "survey %lld: the post was not updated: %s",
                   (long long)s->id, h->strerror(edit));
        h->message_free(msg);
    }
    survey_say(call,
               "Survey #%lld is closed: %lld member%s answered. /survey results %lld shows "
               "what they said.",
               (long long)s->id, (long long)respondents, respondents == 1 ? "" : "s",
               (long long)s->id);
    survey_free(s);
}

void survey_cmd_list(const struct survey_call *call)
{
    const struct kith_host *h = call->host;
    kith_stmt *stmt = NULL;
    kith_err err = survey_db_query(
        call,
        "SELECT s.id, s.title, s.state,"
        " (SELECT COUNT(*) FROM polls_survey_questions q WHERE q.survey_id = s.id),"
        " (SELECT COUNT(DISTINCT member_id) FROM polls_survey_answers a WHERE a.survey_id = s.id)"
        " FROM polls_surveys s WHERE s.server_id = ?1 ORDER BY s.id DESC LIMIT 20",
        &stmt, "t", call->ev->server_id);
    char text[KITH_MESSAGE_TEXT_MAX];
    size_t at = 0;
    bool row = false;
    text[0] = '\0';
    while (err == KITH_OK && (err = h->db_step(stmt, &row)) == KITH_OK && row) {
        char title[160];
        polls_utf8_shorten(h->db_column_text(stmt, 1), title, sizeof title);
        int w = snprintf(text + at, sizeof text - at,
                         "#%lld %s: %s, %lld questions, %lld "
                         "answered\n",
                         (long long)h->db_column_int64(stmt, 0), title,
                         state_name((enum survey_state)h->db_column_int64(stmt, 2)),
                         (long long)h->db_column_int64(stmt, 3),
                         (long long)h->db_column_int64(stmt, 4));
        if (w < 0 || (size_t)w >= sizeof text - at) {
            text[at] = '\0';
            break;
        }
        at += (size_t)w;
    }
    if (stmt != NULL)
        h->db_finalize(stmt);
    if (err != KITH_OK)
        survey_say(call, "The surveys cannot be read just now (%s).", h->strerror(err));
    else if (at == 0)
        survey_say(call, "No surveys here yet. Start one: /survey create Team offsite 2026");
    else
        survey_say(call, "Surveys here (newest first):\n%s", text);
}
