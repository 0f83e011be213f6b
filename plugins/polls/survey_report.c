/* What a survey collected, as /survey results shows it: counts and shares per choice, the latest
 * free-text answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/survey_text.h"
#include "logic/utf8.h"
#include "survey_internal.h"

#define LATEST_SHOWN 3       /* free-text answers quoted in the results */
#define LATEST_SHOWN_MAX 200 /* bytes of each */

static kith_err choice_lines(const struct survey_call *call, const struct survey *s, int position,
                             FILE *out)
{
    const struct kith_host *h = call->host;
    const struct survey_question *q = &s->questions[position - 1];
    int64_t counts[SURVEY_CHOICES_MAX + 1] = {0}, total = 0;
    kith_stmt *stmt = NULL;
    kith_err err = survey_db_query(call,
                                   "SELECT choice, COUNT(*) FROM polls_survey_answers"
                                   " WHERE survey_id = ?1 AND position = ?2 GROUP BY choice",
                                   &stmt, "ii", s->id, (int64_t)position);
    bool row = false;
    while (err == KITH_OK && (err = h->db_step(stmt, &row)) == KITH_OK && row) {
        int64_t choice = h->db_column_int64(stmt, 0);
        if (choice >= 1 && (size_t)choice <= q->choice_count) {
            counts[choice] = h->db_column_int64(stmt, 1);
            total += counts[choice];
        }
    }
    if (stmt != NULL)
        h->db_finalize(stmt);
    fprintf(out, "%lld answer%s\n", (long long)total, total == 1 ? "" : "s");
    for (size_t c = 1; err == KITH_OK && c <= q->choice_count; c++) {
        char share[96];
        survey_share_format(counts[c], total, share, sizeof share);
        fprintf(out, "%s %s\n", share, q->choices[c - 1]);
    }
    return err;
}

static kith_err free_text_lines(const struct survey_call *call, const struct survey *s,
                                int position, FILE *out)
{
    const struct kith_host *h = call->host;
    kith_stmt *stmt = NULL;
    int64_t total = 0;
    kith_err err = survey_db_query(call,
                                   "SELECT COUNT(*) FROM polls_survey_answers"
                                   " WHERE survey_id = ?1 AND position = ?2",
                                   &stmt, "ii", s->id, (int64_t)position);
    bool row = false;
    if (err == KITH_OK && (err = h->db_step(stmt, &row)) == KITH_OK && row)
        total = h->db_column_int64(stmt, 0);
    if (stmt != NULL)
        h->db_finalize(stmt);
    stmt = NULL;
    fprintf(out, "%lld answer%s%s\n", (long long)total, total == 1 ? "" : "s",
            total > 0 ? ", the latest:" : "");
    if (err == KITH_OK)
        err = survey_db_query(call,
                              "SELECT a.text, r.member_name FROM polls_survey_answers a"
                              " JOIN polls_survey_responses r"
                              " ON r.survey_id = a.survey_id AND r.member_id = a.member_id"
                              " WHERE a.survey_id = ?1 AND a.position = ?2"
                              " ORDER BY a.answered_at DESC, a.rowid DESC LIMIT ?3",
                              &stmt, "iii", s->id, (int64_t)position, (int64_t)LATEST_SHOWN);
    while (err == KITH_OK && (err = h->db_step(stmt, &row)) == KITH_OK && row) {
        char shown[LATEST_SHOWN_MAX + 1];
        const char *text = h->db_column_text(stmt, 0);
        polls_utf8_shorten(text ? text : "", shown, sizeof shown);
        fprintf(out, "\xE2\x80\x9C%s\xE2\x80\x9D (%s)\n", shown, h->db_column_text(stmt, 1));
    }
    if (stmt != NULL)
        h->db_finalize(stmt);
    return err;
}

static const char *state_words(enum survey_state state)
{
    return state == SURVEY_OPEN ? "open" : state == SURVEY_CLOSED ? "closed" : "not open yet";
}

/* The results as text into *text_out (free it). */
static kith_err results_text(const struct survey_call *call, const struct survey *s,
                             char **text_out)
{
    int64_t respondents = 0;
    kith_err err = survey_respondent_count(call, s->id, &respondents);
    size_t len = 0;
    *text_out = NULL;
    FILE *out = open_memstream(text_out, &len);
    if (out == NULL)
        return KITH_ERR_NOMEM;
    fprintf(out, "Survey #%lld (%s): %lld member%s answered.\n", (long long)s->id,
            state_words(s->state), (long long)respondents, respondents == 1 ? "" : "s");
    for (size_t i = 0; err == KITH_OK && i < s->question_count; i++) {
        int position = (int)i + 1;
        fprintf(out, "\n%d. %s\n", position, s->questions[i].text);
        err = s->questions[i].choice_count > 0 ? choice_lines(call, s, position, out)
                                               : free_text_lines(call, s, position, out);
    }
    if (fclose(out) != 0 && err == KITH_OK)
        err = KITH_ERR_NOMEM;
    if (err != KITH_OK) {
        free(*text_out);
        *text_out = NULL;
    }
    return err;
}

void survey_cmd_results(const struct survey_call *call)
{
    const struct kith_host *h = call->host;
    struct survey *s = survey_from_command(call);
    if (s == NULL)
        return;
    char *text = NULL;
    kith_err err = results_text(call, s, &text);
    kith_message *msg = err == KITH_OK ? h->message_new(call->ctx) : NULL;
    if (err == KITH_OK && msg == NULL)
        err = KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        char shown[KITH_MESSAGE_TEXT_MAX + 1];
        polls_utf8_shorten(text, shown, sizeof shown);
        char title[KITH_MESSAGE_TITLE_MAX + 1];
        polls_utf8_shorten(s->title, title, sizeof title);
        err = h->message_set_title(msg, title);
        if (err == KITH_OK)
            err = h->message_set_text(msg, shown);
    }
    err = survey_reply_private_take(call, msg, err);
    if (err != KITH_OK)
        survey_say(call, "The results of survey #%lld cannot be shown just now (%s).",
                   (long long)s->id, h->strerror(err));
    free(text);
    survey_free(s);
}
