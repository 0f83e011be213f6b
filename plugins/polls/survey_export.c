/* /survey export: one CSV row per member, one column per question, attached as a file; where
 * no file can be attached, the CSV goes out as message text, cut after a whole row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logic/csv.h"
#include "logic/utf8.h"
#include "survey_internal.h"

#define HEADING_MAX 300 /* bytes of the text fallback's first line, the platform's reason in it */

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

static void row_write(struct text_buf *csv, const struct export_row *row, size_t questions)
{
    char when[32];
    iso_time(row->updated_at, when, sizeof when);
    csv_field(csv, row->member_id, true);
    csv_field(csv, row->member_name, false);
    csv_field(csv, when, false);
    csv_field(csv, row->answered == questions ? "yes" : "no", false);
    for (size_t i = 0; i < questions; i++)
        csv_field(csv, row->cells[i], false);
    csv_end_row(csv);
}

static void header_write(struct text_buf *csv, const struct survey *s)
{
    csv_field(csv, "member_id", true);
    csv_field(csv, "member_name", false);
    csv_field(csv, "last_answer_utc", false);
    csv_field(csv, "complete", false);
    for (size_t i = 0; i < s->question_count; i++) {
        char heading[1100];
        snprintf(heading, sizeof heading, "%zu. %s", i + 1, s->questions[i].text);
        csv_field(csv, heading, false);
    }
    csv_end_row(csv);
}

/* Takes one answer row of the query into the member's row, starting a new row (and writing
 * the previous) when the member changes. */
static kith_err row_take(const struct survey_call *call, const struct survey *s, kith_stmt *stmt,
                         struct export_row *row, struct text_buf *csv, size_t *rows)
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
                           struct text_buf *csv, size_t *rows_out)
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

/* The CSV as message text where no file could be attached; cut after a whole row to fit one
 * message. NULL when out of memory. */
static kith_message *csv_text_message_new(const struct kith_host *h, struct kith_plugin_ctx *ctx,
                                          int64_t survey_id, const char *csv, const char *reason)
{
    char heading[HEADING_MAX];
    int n = snprintf(heading, sizeof heading,
                     "Survey #%lld as CSV (no file could be attached: %s):", (long long)survey_id,
                     reason);
    if (n < 0)
        return NULL;
    if ((size_t)n >= sizeof heading) /* a long reason from the platform */
        polls_utf8_mark_cut(heading, sizeof heading);
    struct text_buf text = {0};
    csv_as_text(&text, heading, csv, strlen(csv), KITH_MESSAGE_TEXT_MAX);
    kith_message *msg = text.failed ? NULL : h->message_new(ctx);
    if (msg != NULL && h->message_set_text(msg, text_buf_text(&text)) != KITH_OK) {
        h->message_free(msg);
        msg = NULL;
    }
    text_buf_free(&text);
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

/* The file went out, or the platform cannot take files (then the CSV goes as text), or the
 * send failed: then only a notice, since the text would show every response in the channel
 * where the file would have gone only to the manager. */
static void on_export_sent(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    struct export_fallback *f = ud;
    if (result->err == KITH_OK || result->err == KITH_ERR_CANCELLED)
        return;
    const struct kith_host *h = f->host;
    const char *reason = result->detail ? result->detail : h->strerror(result->err);
    if (result->err != KITH_ERR_UNSUPPORTED && result->err != KITH_ERR_LIMIT) {
        h->log(ctx, KITH_LOG_WARN, "survey %lld: export not sent: %s", (long long)f->survey_id,
               reason);
        char notice[400];
        snprintf(notice, sizeof notice,
                 "The export of survey #%lld could not be sent (%s). Try /survey export %lld "
                 "again.",
                 (long long)f->survey_id, reason, (long long)f->survey_id);
        kith_message *msg = h->message_new(ctx);
        struct kith_target to = {f->server_id, f->channel_id};
        if (msg == NULL || h->message_set_text(msg, notice) != KITH_OK ||
            h->send(ctx, &to, msg, NULL) != KITH_OK)
            h->log(ctx, KITH_LOG_WARN, "survey %lld: the failure notice could not be sent",
                   (long long)f->survey_id);
        h->message_free(msg);
        return;
    }
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
                            const struct text_buf *csv, size_t rows)
{
    const struct kith_host *h = call->host;
    char text[128], filename[64];
    snprintf(text, sizeof text, "Survey #%lld: %zu response%s, attached as CSV.", (long long)s->id,
             rows, rows == 1 ? "" : "s");
    snprintf(filename, sizeof filename, "survey-%lld.csv", (long long)s->id);
    kith_message *msg = h->message_new(call->ctx);
    struct export_fallback *f = fallback_new(call, s->id, text_buf_text(csv));
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
        msg = csv_text_message_new(h, call->ctx, s->id, text_buf_text(csv), h->strerror(err));
        err = msg ? h->reply(call->ctx, call->ev, msg, NULL) : KITH_ERR_NOMEM;
        h->message_free(msg);
    }
    if (f != NULL)
        fallback_free(f);
    return err;
}

void survey_cmd_export(const struct survey_call *call)
{
    struct survey *s = survey_from_command(call);
    if (s == NULL)
        return;
    struct text_buf csv = {0};
    size_t rows = 0;
    kith_err err = export_csv(call, s, &csv, &rows);
    if (err == KITH_OK)
        err = send_export(call, s, &csv, rows);
    if (err != KITH_OK)
        survey_say(call, "Survey #%lld could not be exported (%s); please try again.",
                   (long long)s->id, call->host->strerror(err));
    text_buf_free(&csv);
    survey_free(s);
}
