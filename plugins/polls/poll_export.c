/* /poll export: the votes as CSV, attached as a file; where the platform cannot take files,
 * the CSV goes out as message text, cut at a row with a note when too long. Anonymous polls
 * export only the count per option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logic/csv.h"
#include "poll.h"

struct csv_rows {
    const struct poll_record *poll;
    struct text_buf *csv;
};

static void vote_row(void *ud, const char *voter, const char *voter_name, size_t option,
                     int64_t voted_at_ms)
{
    struct csv_rows *rows = ud;
    const struct poll_record *p = rows->poll;
    char id[24], at[32];
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    time_t seconds = (time_t)(voted_at_ms / 1000);
    struct tm tm;
    if (gmtime_r(&seconds, &tm) == NULL || strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(at, sizeof at, "%lld", (long long)voted_at_ms);
    csv_field(rows->csv, id, true);
    csv_field(rows->csv, option < p->option_count ? p->options[option] : "", false);
    csv_field(rows->csv, voter, false);
    csv_field(rows->csv, voter_name, false);
    csv_field(rows->csv, at, false);
    csv_end_row(rows->csv);
}

/* The CSV of the poll: one row per vote, or per option for anonymous polls. */
static kith_err build_csv(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                          struct text_buf *csv)
{
    kith_err err = KITH_OK;
    if (!p->anonymous) {
        static const char *const header[] = {"poll", "option", "voter_id", "voter_name",
                                             "voted_at"};
        for (size_t i = 0; i < 5; i++)
            csv_field(csv, header[i], i == 0);
        csv_end_row(csv);
        struct csv_rows rows = {p, csv};
        err = poll_store_each_vote(ctx, p->id, vote_row, &rows);
    } else {
        struct poll_tally tally;
        err = poll_store_tally(ctx, p, &tally);
        csv_field(csv, "poll", true);
        csv_field(csv, "option", false);
        csv_field(csv, "votes", false);
        csv_end_row(csv);
        for (size_t i = 0; err == KITH_OK && i < p->option_count; i++) {
            char id[24], votes[24];
            snprintf(id, sizeof id, "%lld", (long long)p->id);
            snprintf(votes, sizeof votes, "%llu", (unsigned long long)tally.counts[i]);
            csv_field(csv, id, true);
            csv_field(csv, p->options[i], false);
            csv_field(csv, votes, false);
            csv_end_row(csv);
        }
    }
    if (err == KITH_OK && csv->failed)
        err = KITH_ERR_NOMEM;
    return err;
}

struct export_job {
    int64_t id;
    char *server_id, *channel_id;
    char *csv;
    size_t len;
};

static void export_job_free(void *ud)
{
    struct export_job *job = ud;
    free(job->server_id);
    free(job->channel_id);
    free(job->csv);
    free(job);
}

static void post_as_text(struct kith_plugin_ctx *ctx, const struct export_job *job)
{
    char heading[96];
    snprintf(heading, sizeof heading,
             "Poll #%lld as CSV (this platform cannot take files here):", (long long)job->id);
    struct text_buf text = {0};
    csv_as_text(&text, heading, job->csv, job->len, KITH_MESSAGE_TEXT_MAX);
    if (text.failed)
        poll_host->log(ctx, KITH_LOG_ERROR, "poll #%lld: no memory for the CSV text",
                       (long long)job->id);
    else
        poll_post_text(ctx, job->server_id, job->channel_id, text_buf_text(&text));
    text_buf_free(&text);
}

/* The file went out, or the platform refused files: then the CSV goes as text. Any other
 * failure gets a notice without the votes (the file was for the manager only). */
static void export_sent(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    const struct export_job *job = ud;
    if (result->err == KITH_ERR_UNSUPPORTED || result->err == KITH_ERR_LIMIT) {
        post_as_text(ctx, job);
        return;
    }
    if (result->err == KITH_OK || result->err == KITH_ERR_CANCELLED)
        return;
    const char *reason = result->detail ? result->detail : poll_host->strerror(result->err);
    poll_host->log(ctx, KITH_LOG_WARN, "poll #%lld: export not sent: %s", (long long)job->id,
                   reason);
    char notice[400];
    snprintf(notice, sizeof notice,
             "The export of poll #%lld could not be sent (%s). Try /poll export %lld again.",
             (long long)job->id, reason, (long long)job->id);
    poll_post_text(ctx, job->server_id, job->channel_id, notice);
}

static struct export_job *export_job_new(const struct kith_event *ev, int64_t id,
                                         struct text_buf *csv)
{
    struct export_job *job = calloc(1, sizeof *job);
    if (job == NULL)
        return NULL;
    job->id = id;
    job->server_id = strdup(ev->server_id);
    job->channel_id = strdup(ev->channel_id ? ev->channel_id : "");
    job->csv = csv->data; /* taken from the buffer */
    job->len = csv->len;
    *csv = (struct text_buf){0};
    if (job->server_id == NULL || job->channel_id == NULL) {
        export_job_free(job);
        return NULL;
    }
    return job;
}

static kith_err send_export(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                            struct export_job *job, size_t rows)
{
    const struct kith_host *h = poll_host;
    char filename[48], text[160];
    snprintf(filename, sizeof filename, "poll-%lld.csv", (long long)job->id);
    snprintf(text, sizeof text, "Export of poll #%lld: %zu row%s.", (long long)job->id, rows,
             rows == 1 ? "" : "s");
    kith_message *msg = h->message_new(ctx);
    kith_err err = msg ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    /* Who voted what is for the manager who asked, where the platform can keep it so. */
    if (err == KITH_OK)
        err = h->message_set_ephemeral(msg, true);
    if (err == KITH_OK)
        err = h->message_attach_file(msg, filename, "text/csv", job->csv, job->len);
    if (err == KITH_OK) {
        const struct kith_completion done = {export_sent, job, export_job_free};
        err = h->reply(ctx, ev, msg, &done);
    }
    h->message_free(msg);
    return err;
}

void poll_export_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct poll_record *p = poll_from_command(ctx, ev);
    if (p == NULL)
        return;
    struct text_buf csv = {0};
    kith_err err = build_csv(ctx, p, &csv);
    size_t rows = err == KITH_OK ? csv_rows(csv.data, csv.len) - 1 : 0;
    struct export_job *job = err == KITH_OK ? export_job_new(ev, p->id, &csv) : NULL;
    if (err == KITH_OK && job == NULL)
        err = KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        err = send_export(ctx, ev, job, rows);
        if (err != KITH_OK) { /* the host did not take the job */
            if (err == KITH_ERR_UNSUPPORTED || err == KITH_ERR_LIMIT) {
                post_as_text(ctx, job); /* no files here, or too big for one */
                err = KITH_OK;
            }
            export_job_free(job);
        }
    }
    if (err != KITH_OK)
        poll_say(ctx, ev, true, "Poll #%lld could not be exported (%s); try again in a moment.",
                 (long long)p->id, poll_host->strerror(err));
    text_buf_free(&csv);
    poll_record_free(p);
}
