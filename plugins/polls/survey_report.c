/* What a survey collected: /survey results (counts and shares per choice, the latest free-text
 * answers) and /survey export (one CSV row per member, one column per question). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logic/survey_csv.h"
#include "logic/survey_text.h"
#include "logic/utf8.h"
#include "survey_internal.h"

#define LATEST_SHOWN 3       /* free-text answers quoted in the results */
#define LATEST_SHOWN_MAX 200 /* bytes of each */

static int64_t option_id(const struct survey_call *call)
{
    const struct kith_option_value *v = kith_event_option(call->ev, "id");
    return v != NULL ? v->integer : 0;
}

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
    struct survey *s = survey_find_here(call, option_id(call));
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
    if (err == KITH_OK)
        err = h->message_set_ephemeral(msg, true);
    if (err == KITH_OK)
        err = h->reply(call->ctx, call->ev, msg, NULL);
    if (err != KITH_OK)
        survey_say(call, "The results of survey #%lld cannot be shown just now (%s).",
                   (long long)s->id, h->strerror(err));
    h->message_free(msg);
    free(text);
    survey_free(s);
}

/* ---- Export ---- */

static void iso_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, size, "%lld", (long long)ms);
}

/* One member's row, filled while their answers are read. */
struct export_row {
    char *member_id, *member_name;
    int64_t updated_at;
    const char **cells; /* per question: borrowed from the survey or from texts */
    char **texts;       /* owned free-text answers */
    size_t answered;
};

static void row_clear(struct export_row *row, size_t questions)
{
    free(row->member_id);
    free(row->member_name);
    for (size_t i = 0; i < questions; i++) {
        free(row->texts[i]);
        row->texts[i] = NULL;
        row->cells[i] = NULL;
    }
    row->member_id = row->member_name = NULL;
    row->answered = 0;
}

static void row_write(struct survey_csv *csv, const struct export_row *row, size_t questions)
{
    char when[32];
    iso_time(row->updated_at, when, sizeof when);
    survey_csv_field(csv, row->member_id);
    survey_csv_field(csv, row->member_name);
    survey_csv_field(csv, when);
    survey_csv_field(csv, row->answered == questions ? "yes" : "no");
    for (size_t i = 0; i < questions; i++)
        survey_csv_field(csv, row->cells[i]);
    survey_csv_end_row(csv);
}

static void header_write(struct survey_csv *csv, const struct survey *s)
{
    survey_csv_field(csv, "member_id");
    survey_csv_field(csv, "member_name");
    survey_csv_field(csv, "last_answer_utc");
    survey_csv_field(csv, "complete");
    for (size_t i = 0; i < s->question_count; i++) {
        char heading[1100];
        snprintf(heading, sizeof heading, "%zu. %s", i + 1, s->questions[i].text);
        survey_csv_field(csv, heading);
    }
    survey_csv_end_row(csv);
}

/* Takes one answer row of the query into the member's row, starting a new row (and writing
 * the previous) when the member changes. */
static kith_err row_take(const struct survey_call *call, const struct survey *s, kith_stmt *stmt,
                         struct export_row *row, struct survey_csv *csv, size_t *rows)
{
    const struct kith_host *h = call->host;
    const char *member = h->db_column_text(stmt, 0);
    if (row->member_id == NULL || strcmp(row->member_id, member) != 0) {
        if (row->member_id != NULL) {
            row_write(csv, row, s->question_count);
            (*rows)++;
        }
        row_clear(row, s->question_count);
        row->member_id = strdup(member);
        row->member_name = strdup(h->db_column_text(stmt, 1));
        row->updated_at = h->db_column_int64(stmt, 2);
        if (row->member_id == NULL || row->member_name == NULL)
            return KITH_ERR_NOMEM;
    }
    int64_t position = h->db_column_int64(stmt, 3);
    if (position < 1 || (size_t)position > s->question_count)
        return KITH_OK;
    const struct survey_question *q = &s->questions[position - 1];
    int64_t choice = h->db_column_int64(stmt, 4);
    if (q->choice_count > 0 && choice >= 1 && (size_t)choice <= q->choice_count) {
        row->cells[position - 1] = q->choices[choice - 1];
    } else if (q->choice_count == 0 && !h->db_column_is_null(stmt, 5)) {
        free(row->texts[position - 1]);
        row->texts[position - 1] = strdup(h->db_column_text(stmt, 5));
        if (row->texts[position - 1] == NULL)
            return KITH_ERR_NOMEM;
        row->cells[position - 1] = row->texts[position - 1];
    } else {
        return KITH_OK;
    }
    row->answered++;
    return KITH_OK;
}

/* The whole survey as CSV into csv; *rows_out how many members. */
static kith_err export_csv(const struct survey_call *call, const struct survey *s,
                           struct survey_csv *csv, size_t *rows_out)
{
    const struct kith_host *h = call->host;
    size_t n = s->question_count;
    struct export_row row = {.cells = calloc(n + 1, sizeof *row.cells),
                             .texts = calloc(n + 1, sizeof *row.texts)};
    *rows_out = 0;
    kith_stmt *stmt = NULL;
    kith_err err = row.cells && row.texts ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = survey_db_query(call,
                              "SELECT r.member_id, r.member_name, r.updated_at, a.position,"
                              " a.choice, a.text FROM polls_survey_responses r"
                              " JOIN polls_survey_answers a"
                              " ON a.survey_id = r.survey_id AND a.member_id = r.member_id"
                              " WHERE r.survey_id = ?1"
                              " ORDER BY r.started_at, r.member_id, a.position",
                              &stmt, "i", s->id);
    header_write(csv, s);
    bool has_row = false;
    while (err == KITH_OK && (err = h->db_step(stmt, &has_row)) == KITH_OK && has_row)
        err = row_take(call, s, stmt, &row, csv, rows_out);
    if (err == KITH_OK && row.member_id != NULL) {
        row_write(csv, &row, n);
        (*rows_out)++;
    }
    if (stmt != NULL)
        h->db_finalize(stmt);
    if (row.cells && row.texts)
        row_clear(&row, n);
    free(row.cells);
    free(row.texts);
    if (err == KITH_OK && csv->failed)
        err = KITH_ERR_NOMEM;
    return err;
}

/* The CSV as message text where no file could be attached; cut to fit one message. */
static kith_message *csv_text_message_new(const struct kith_host *h, struct kith_plugin_ctx *ctx,
                                          int64_t survey_id, const char *csv, const char *reason)
{
    char text[KITH_MESSAGE_TEXT_MAX + 1];
    int n = snprintf(text, sizeof text, "Survey #%lld as CSV (no file could be attached: %s):\n",
                     (long long)survey_id, reason);
    if (n < 0 || (size_t)n >= sizeof text)
        return NULL;
    polls_utf8_shorten(csv, text + n, sizeof text - (size_t)n);
    kith_message *msg = h->message_new(ctx);
    if (msg != NULL && h->message_set_text(msg, text) != KITH_OK) {
        h->message_free(msg);
        msg = NULL;
    }
    return msg;
}

/* Kept for the attached reply's outcome: where to post the CSV as text if the file failed. */
struct export_fallback {
    const struct kith_host *host;
    int64_t survey_id;
    char *server_id, *channel_id, *csv;
};

static void fallback_free(void *ud)
{
    struct export_fallback *f = ud;
    free(f->server_id);
    free(f->channel_id);
    free(f->csv);
    free(f);
}

static void on_export_sent(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    struct export_fallback *f = ud;
    if (result->err == KITH_OK || result->err == KITH_ERR_CANCELLED)
        return;
    const struct kith_host *h = f->host;
    const char *reason = result->detail ? result->detail : h->strerror(result->err);
    kith_message *msg = csv_text_message_new(h, ctx, f->survey_id, f->csv, reason);
    struct kith_target to = {f->server_id, f->channel_id};
    kith_err err = msg ? h->send(ctx, &to, msg, NULL) : KITH_ERR_NOMEM;
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "survey %lld: the export could not be sent: %s",
               (long long)f->survey_id, h->strerror(err));
    h->message_free(msg);
}

static struct export_fallback *fallback_new(const struct survey_call *call, int64_t survey_id,
                                            const char *csv)
{
    struct export_fallback *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    *f = (struct export_fallback){call->host, survey_id, strdup(call->ev->server_id),
                                  strdup(call->ev->channel_id), strdup(csv)};
    if (f->server_id == NULL || f->channel_id == NULL || f->csv == NULL) {
        fallback_free(f);
        return NULL;
    }
    return f;
}

static kith_err send_export(const struct survey_call *call, const struct survey *s,
                            const struct survey_csv *csv, size_t rows)
{
    const struct kith_host *h = call->host;
    char text[128], filename[64];
    snprintf(text, sizeof text, "Survey #%lld: %zu response%s, attached as CSV.", (long long)s->id,
             rows, rows == 1 ? "" : "s");
    snprintf(filename, sizeof filename, "survey-%lld.csv", (long long)s->id);
    kith_message *msg = h->message_new(call->ctx);
    struct export_fallback *f = fallback_new(call, s->id, csv->data);
    kith_err err = msg && f ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = h->message_attach_file(msg, filename, "text/csv", csv->data, csv->len);
    if (err == KITH_OK)
        err = h->message_set_ephemeral(msg, true);
    if (err == KITH_OK) {
        struct kith_completion done = {on_export_sent, f, fallback_free};
        err = h->reply(call->ctx, call->ev, msg, &done);
        if (err == KITH_OK)
            f = NULL; /* the completion frees it */
    }
    h->message_free(msg);
    if (err == KITH_ERR_UNSUPPORTED || err == KITH_ERR_LIMIT) { /* no file here: as text */
        msg = csv_text_message_new(h, call->ctx, s->id, csv->data, h->strerror(err));
        err = msg ? h->reply(call->ctx, call->ev, msg, NULL) : KITH_ERR_NOMEM;
        h->message_free(msg);
    }
    if (f != NULL)
        fallback_free(f);
    return err;
}

void survey_cmd_export(const struct survey_call *call)
{
    struct survey *s = survey_find_here(call, option_id(call));
    if (s == NULL)
        return;
    struct survey_csv csv;
    survey_csv_init(&csv);
    size_t rows = 0;
    kith_err err = export_csv(call, s, &csv, &rows);
    if (err == KITH_OK)
        err = send_export(call, s, &csv, rows);
    if (err != KITH_OK)
        survey_say(call, "Survey #%lld could not be exported (%s); please try again.",
                   (long long)s->id, call->host->strerror(err));
    survey_csv_free(&csv);
    survey_free(s);
}
