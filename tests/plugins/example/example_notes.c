/* The example plugin's notes: prepared statements with bound parameters, a transaction, a
 * statement cached across calls, a CSV export, and reminders kept as persistent jobs. */
#include "example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_DAY 86400000.0

static const char SQL_INSERT_NOTE[] =
    "INSERT INTO example_notes (server_id, channel_id, author_id, text, created_at, remind_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

kith_err example_notes_prepare(struct kith_plugin_ctx *ctx, struct example_state *state)
{
    /* Prepared once in init (migrations have run by then) and reused for every note. */
    return example_host->db_prepare(ctx, SQL_INSERT_NOTE, &state->insert_note);
}

struct new_note {
    const char *server_id, *channel_id, *author_id, *text;
    int64_t remind_at; /* 0: no reminder */
};

static kith_err insert_note(struct kith_plugin_ctx *ctx, const struct new_note *n, int64_t *id_out)
{
    const struct kith_host *h = example_host;
    kith_stmt *stmt = example_state(ctx)->insert_note;
    if (stmt == NULL)
        return KITH_ERR_INVALID;
    kith_err err = h->db_bind_text(stmt, 1, n->server_id);
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 2, n->channel_id);
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 3, n->author_id);
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 4, n->text);
    if (err == KITH_OK)
        err = h->db_bind_int64(stmt, 5, h->now_ms(ctx));
    if (err == KITH_OK)
        err = n->remind_at ? h->db_bind_int64(stmt, 6, n->remind_at) : h->db_bind_null(stmt, 6);
    bool row = false;
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    if (err == KITH_OK)
        *id_out = h->db_last_insert_id(ctx);
    h->db_reset(stmt); /* ready (and unbound) for the next note */
    return err;
}

/* Runs a statement that returns one integer (COUNT(*) and the like). */
static kith_err query_int(struct kith_plugin_ctx *ctx, const char *sql, const char *text_param,
                          int64_t *value_out)
{
    kith_stmt *stmt = NULL;
    kith_err err = example_host->db_prepare(ctx, sql, &stmt);
    if (err != KITH_OK)
        return err;
    bool row = false;
    err = example_host->db_bind_text(stmt, 1, text_param);
    if (err == KITH_OK)
        err = example_host->db_step(stmt, &row);
    *value_out = row ? example_host->db_column_int64(stmt, 0) : 0;
    example_host->db_finalize(stmt);
    return err;
}

void example_note_add(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    int64_t max_notes = 0, count = 0, id = 0;
    if (h->setting_get_int(ctx, ev->server_id, "max_notes", &max_notes) != KITH_OK) {
        example_say(ctx, ev, "The notes settings cannot be read just now; try again.");
        return;
    }
    /* Count and insert in one transaction, so two members cannot both take the last place. */
    kith_err err = h->db_begin(ctx);
    if (err != KITH_OK) {
        example_say(ctx, ev, "The notes are busy just now (%s); try again.", h->strerror(err));
        return;
    }
    err = query_int(ctx, "SELECT COUNT(*) FROM example_notes WHERE server_id = ?1", ev->server_id,
                    &count);
    if (err == KITH_OK && count >= max_notes) {
        h->db_rollback(ctx);
        example_say(ctx, ev, "This server keeps at most %lld notes. /note forget <id> makes room.",
                    (long long)max_notes);
        return;
    }
    const struct new_note note = {ev->server_id, ev->channel_id, ev->author.id,
                                  example_option_text(ev, "text", ""), 0};
    if (err == KITH_OK)
        err = insert_note(ctx, &note, &id);
    if (err == KITH_OK)
        err = h->db_commit(ctx);
    if (err != KITH_OK) {
        h->db_rollback(ctx);
        example_say(ctx, ev, "The note was not saved (%s).", h->strerror(err));
        return;
    }
    example_say(ctx, ev, "Noted #%lld.", (long long)id);
}

/* One field per note: "#3 · test:alice · reminder pending" above the text. */
static kith_err add_note_field(kith_message *msg, kith_stmt *stmt)
{
    const struct kith_host *h = example_host;
    char name[200];
    bool pending = !h->db_column_is_null(stmt, 3); /* remind_at */
    snprintf(name, sizeof name, "#%lld · %s%s", (long long)h->db_column_int64(stmt, 0),
             h->db_column_text(stmt, 1), pending ? " · reminder pending" : "");
    return h->message_add_field(msg, name, h->db_column_text(stmt, 2), false);
}

static bool list_is_public(struct kith_plugin_ctx *ctx, const char *server_id)
{
    char *visibility = NULL;
    bool public =
        example_host->setting_get(ctx, server_id, "list_visibility", &visibility) == KITH_OK &&
        strcmp(visibility, "public") == 0;
    example_host->free(visibility);
    return public;
}

void example_note_list(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    const struct kith_option_value *limit = kith_event_option(ev, "limit");
    const struct kith_option_value *mine = kith_event_option(ev, "mine");
    kith_stmt *stmt = NULL;
    kith_err err = h->db_prepare(ctx,
                                 "SELECT id, author_id, text, remind_at FROM example_notes"
                                 " WHERE server_id = ?1 AND (?2 IS NULL OR author_id = ?2)"
                                 " ORDER BY id DESC LIMIT ?3",
                                 &stmt);
    if (err != KITH_OK) {
        example_say(ctx, ev, "The notes cannot be read just now (%s).", h->strerror(err));
        return;
    }
    kith_message *msg = h->message_new(ctx);
    err = msg ? h->db_bind_text(stmt, 1, ev->server_id) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = mine && mine->integer ? h->db_bind_text(stmt, 2, ev->author.id)
                                    : h->db_bind_null(stmt, 2);
    if (err == KITH_OK)
        err = h->db_bind_int64(stmt, 3, limit ? limit->integer : 10);
    size_t shown = 0;
    bool row = false;
    while (err == KITH_OK && (err = h->db_step(stmt, &row)) == KITH_OK && row) {
        err = add_note_field(msg, stmt);
        shown++;
    }
    h->db_finalize(stmt);
    if (err == KITH_OK && shown == 0)
        example_say(ctx, ev, "No notes here yet. Write one with /note add <text>.");
    else if (err == KITH_OK) {
        err = h->message_set_title(msg, "Notes");
        if (err == KITH_OK)
            err = h->message_set_ephemeral(msg, !list_is_public(ctx, ev->server_id));
        if (err == KITH_OK)
            err = h->reply(ctx, ev, msg, NULL);
    }
    if (err != KITH_OK)
        example_say(ctx, ev, "The notes cannot be shown (%s).", h->strerror(err));
    h->message_free(msg);
}

/* Who wrote the note and which job reminds of it. KITH_ERR_NOT_FOUND: no such note here. */
static kith_err note_owner(struct kith_plugin_ctx *ctx, const char *server_id, int64_t id,
                           char **author_out, int64_t *job_id_out)
{
    const struct kith_host *h = example_host;
    kith_stmt *stmt = NULL;
    kith_err err = h->db_prepare(
        ctx, "SELECT author_id, job_id FROM example_notes WHERE id = ?1 AND server_id = ?2", &stmt);
    if (err != KITH_OK)
        return err;
    bool row = false;
    err = h->db_bind_int64(stmt, 1, id);
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 2, server_id);
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    if (err == KITH_OK && !row)
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_OK) {
        *author_out = strdup(h->db_column_text(stmt, 0));
        *job_id_out = h->db_column_is_null(stmt, 1) ? 0 : h->db_column_int64(stmt, 1);
        if (*author_out == NULL)
            err = KITH_ERR_NOMEM;
    }
    h->db_finalize(stmt);
    return err;
}

static kith_err delete_note(struct kith_plugin_ctx *ctx, int64_t id)
{
    kith_stmt *stmt = NULL;
    kith_err err = example_host->db_prepare(ctx, "DELETE FROM example_notes WHERE id = ?1", &stmt);
    bool row = false;
    if (err == KITH_OK)
        err = example_host->db_bind_int64(stmt, 1, id);
    if (err == KITH_OK)
        err = example_host->db_step(stmt, &row);
    if (err == KITH_OK && example_host->db_changes(ctx) != 1)
        err = KITH_ERR_NOT_FOUND;
    example_host->db_finalize(stmt);
    return err;
}

void example_note_forget(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    const struct kith_option_value *idopt = kith_event_option(ev, "id");
    int64_t id = idopt ? idopt->integer : 0, job_id = 0;
    char *author = NULL;
    kith_err err = note_owner(ctx, ev->server_id, id, &author, &job_id);
    if (err == KITH_ERR_NOT_FOUND) {
        example_say(ctx, ev, "There is no note #%lld here. /note list shows them.", (long long)id);
        return;
    }
    kith_role role = KITH_ROLE_MEMBER;
    if (err == KITH_OK)
        err = h->member_role(ctx, ev, &role);
    if (err == KITH_OK && strcmp(author, ev->author.id) != 0 && role < KITH_ROLE_MANAGER) {
        example_say(ctx, ev,
                    "Note #%lld is not yours; only its author or a manager can forget "
                    "it.",
                    (long long)id);
        free(author);
        return;
    }
    free(author);
    if (err == KITH_OK)
        err = delete_note(ctx, id);
    if (err != KITH_OK) {
        example_say(ctx, ev, "Note #%lld was not forgotten (%s).", (long long)id, h->strerror(err));
        return;
    }
    /* The reminder may have fired already; then there is no job left to cancel. */
    bool cancelled = job_id != 0 && h->job_cancel(ctx, job_id) == KITH_OK;
    example_say(ctx, ev, "Forgot note #%lld%s.", (long long)id,
                cancelled ? " and its reminder" : "");
}

/* ---- Reminders: a note plus a persistent job whose payload is the note's id. ---- */

static void format_seconds(int64_t s, char *buf, size_t size)
{
    if (s % 86400 == 0)
        snprintf(buf, size, "%lldd", (long long)(s / 86400));
    else if (s % 3600 == 0)
        snprintf(buf, size, "%lldh", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(buf, size, "%lldm", (long long)(s / 60));
    else
        snprintf(buf, size, "%llds", (long long)s);
}

/* Whether reminders are allowed here and this delay is within max_delay; replies if not. */
static bool remind_allowed(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                           int64_t delay_s)
{
    int64_t on = 0, max_delay = 0;
    if (example_host->setting_get_int(ctx, ev->server_id, "reminders", &on) != KITH_OK ||
        example_host->setting_get_int(ctx, ev->server_id, "max_delay", &max_delay) != KITH_OK) {
        example_say(ctx, ev, "The reminder settings cannot be read just now; try again.");
        return false;
    }
    if (!on) {
        example_say(ctx, ev,
                    "Reminders are turned off here. An admin can turn them on with "
                    "/kith config example reminders true.");
        return false;
    }
    if (delay_s > max_delay) {
        char max[32];
        format_seconds(max_delay, max, sizeof max);
        example_say(ctx, ev, "Reminders here can be at most %s ahead.", max);
        return false;
    }
    return true;
}

static kith_err set_note_job(struct kith_plugin_ctx *ctx, int64_t note_id, int64_t job_id)
{
    kith_stmt *stmt = NULL;
    kith_err err =
        example_host->db_prepare(ctx, "UPDATE example_notes SET job_id = ?1 WHERE id = ?2", &stmt);
    bool row = false;
    if (err == KITH_OK)
        err = example_host->db_bind_int64(stmt, 1, job_id);
    if (err == KITH_OK)
        err = example_host->db_bind_int64(stmt, 2, note_id);
    if (err == KITH_OK)
        err = example_host->db_step(stmt, &row);
    example_host->db_finalize(stmt);
    return err;
}

/* The note and its job in one transaction: both exist or neither does. */
static kith_err schedule_reminder(struct kith_plugin_ctx *ctx, const struct new_note *note,
                                  int64_t *id_out)
{
    const struct kith_host *h = example_host;
    int64_t job_id = 0;
    char payload[32];
    kith_err err = h->db_begin(ctx);
    if (err != KITH_OK)
        return err;
    err = insert_note(ctx, note, id_out);
    snprintf(payload, sizeof payload, "%lld", (long long)*id_out);
    if (err == KITH_OK)
        err = h->job_schedule(ctx, note->server_id, "reminder", payload, note->remind_at, &job_id);
    if (err == KITH_OK)
        err = set_note_job(ctx, *id_out, job_id);
    if (err == KITH_OK)
        err = h->db_commit(ctx);
    if (err != KITH_OK)
        h->db_rollback(ctx);
    return err;
}

void example_note_remind(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    const struct kith_option_value *delay = kith_event_option(ev, "delay");
    if (delay == NULL || !remind_allowed(ctx, ev, delay->integer))
        return;
    char *channel = NULL; /* the reminder_channel setting, when an admin set one */
    kith_err err = h->setting_get(ctx, ev->server_id, "reminder_channel", &channel);
    if (err != KITH_OK && err != KITH_ERR_NOT_FOUND) {
        example_say(ctx, ev, "The reminder settings cannot be read just now; try again.");
        return;
    }
    const struct new_note note = {ev->server_id, channel ? channel : ev->channel_id, ev->author.id,
                                  example_option_text(ev, "text", ""),
                                  h->now_ms(ctx) + delay->integer * 1000};
    int64_t id = 0;
    err = schedule_reminder(ctx, &note, &id);
    if (err == KITH_OK)
        example_say(ctx, ev, "I will post note #%lld in %s in %s.", (long long)id,
                    channel ? channel : "this channel", delay->text);
    else
        example_say(ctx, ev, "The reminder was not saved (%s).", h->strerror(err));
    h->free(channel);
}

/* Sends the reminder of note `id`; false when the note is gone (forgotten meanwhile). */
static bool post_reminder(struct kith_plugin_ctx *ctx, const struct kith_job *job, int64_t id)
{
    const struct kith_host *h = example_host;
    kith_stmt *stmt = NULL;
    bool row = false;
    kith_err err =
        h->db_prepare(ctx, "SELECT channel_id, text FROM example_notes WHERE id = ?1", &stmt);
    if (err == KITH_OK)
        err = h->db_bind_int64(stmt, 1, id);
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    if (err == KITH_OK && row) {
        char text[1100];
        snprintf(text, sizeof text, "Reminder: %s%s", h->db_column_text(stmt, 1),
                 job->late ? " (late)" : "");
        kith_message *msg = h->message_new(ctx);
        const struct kith_target to = {job->server_id, h->db_column_text(stmt, 0)};
        err = msg ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
        if (err == KITH_OK)
            err = h->send(ctx, &to, msg, NULL);
        h->message_free(msg);
    }
    h->db_finalize(stmt);
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "reminder of note #%lld not sent: %s", (long long)id,
               h->strerror(err));
    return row;
}

void example_on_job(struct kith_plugin_ctx *ctx, const struct kith_job *job)
{
    const struct kith_host *h = example_host;
    if (strcmp(job->kind, "reminder") != 0) {
        h->log(ctx, KITH_LOG_WARN, "unknown job kind \"%s\" dropped", job->kind);
        return;
    }
    int64_t id = strtoll(job->payload, NULL, 10);
    if (!post_reminder(ctx, job, id)) {
        h->log(ctx, KITH_LOG_INFO, "note #%lld was forgotten before its reminder", (long long)id);
        return;
    }
    kith_stmt *stmt = NULL;
    bool row = false;
    kith_err err = h->db_prepare(
        ctx, "UPDATE example_notes SET remind_at = NULL, job_id = NULL WHERE id = ?1", &stmt);
    if (err == KITH_OK)
        err = h->db_bind_int64(stmt, 1, id);
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    h->db_finalize(stmt);
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "note #%lld still marked as pending: %s", (long long)id,
               h->strerror(err));
}

/* ---- Statistics and export. ---- */

void example_note_count(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    kith_stmt *stmt = NULL;
    /* ?2 is bound as a double so SQLite divides in floating point. */
    kith_err err = h->db_prepare(ctx,
                                 "SELECT messages, messages * ?2 / MAX(?3 - first_at, ?2)"
                                 " FROM example_counts WHERE server_id = ?1",
                                 &stmt);
    bool row = false;
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 1, ev->server_id);
    if (err == KITH_OK)
        err = h->db_bind_double(stmt, 2, MS_PER_DAY);
    if (err == KITH_OK)
        err = h->db_bind_int64(stmt, 3, h->now_ms(ctx));
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    if (err != KITH_OK)
        example_say(ctx, ev, "The count cannot be read just now (%s).", h->strerror(err));
    else if (!row)
        example_say(ctx, ev, "0 messages counted here so far.");
    else
        example_say(ctx, ev, "%lld messages counted here (%.1f a day).",
                    (long long)h->db_column_int64(stmt, 0), h->db_column_double(stmt, 1));
    h->db_finalize(stmt);
}

/* Appends one CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
static bool csv_field(FILE *out, const char *text, bool last)
{
    bool quote = strpbrk(text, ",\"\r\n") != NULL;
    if (quote && fputc('"', out) == EOF)
        return false;
    for (const char *c = text; *c; c++) {
        if ((*c == '"' && quote && fputc('"', out) == EOF) || fputc(*c, out) == EOF)
            return false;
    }
    if (quote && fputc('"', out) == EOF)
        return false;
    return fputs(last ? "\r\n" : ",", out) != EOF;
}

/* The server's notes as CSV text into *csv_out (free it); *rows_out how many notes. */
static kith_err notes_csv(struct kith_plugin_ctx *ctx, const char *server_id, char **csv_out,
                          size_t *len_out, size_t *rows_out)
{
    const struct kith_host *h = example_host;
    kith_stmt *stmt = NULL;
    kith_err err = h->db_prepare(ctx,
                                 "SELECT id, author_id, created_at, text FROM example_notes"
                                 " WHERE server_id = ?1 ORDER BY id",
                                 &stmt);
    if (err != KITH_OK)
        return err;
    FILE *out = open_memstream(csv_out, len_out);
    bool ok = out != NULL && fputs("id,author,created_at_ms,text\r\n", out) != EOF;
    bool row = false;
    err = ok ? h->db_bind_text(stmt, 1, server_id) : KITH_ERR_NOMEM;
    *rows_out = 0;
    while (err == KITH_OK && (err = h->db_step(stmt, &row)) == KITH_OK && row) {
        char id[24], at[24];
        snprintf(id, sizeof id, "%lld", (long long)h->db_column_int64(stmt, 0));
        snprintf(at, sizeof at, "%lld", (long long)h->db_column_int64(stmt, 2));
        if (!csv_field(out, id, false) || !csv_field(out, h->db_column_text(stmt, 1), false) ||
            !csv_field(out, at, false) || !csv_field(out, h->db_column_text(stmt, 3), true))
            err = KITH_ERR_NOMEM;
        (*rows_out)++;
    }
    h->db_finalize(stmt);
    if (out != NULL && fclose(out) != 0 && err == KITH_OK)
        err = KITH_ERR_NOMEM;
    if (out == NULL)
        *csv_out = NULL;
    return err;
}

void example_note_export(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    char *csv = NULL;
    size_t len = 0, rows = 0;
    kith_err err = notes_csv(ctx, ev->server_id, &csv, &len, &rows);
    kith_message *msg = err == KITH_OK ? h->message_new(ctx) : NULL;
    char text[64];
    snprintf(text, sizeof text, "%zu note%s attached.", rows, rows == 1 ? "" : "s");
    if (err == KITH_OK)
        err = msg ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    if (err == KITH_OK) /* the host copies the bytes; csv stays ours to free */
        err = h->message_attach_file(msg, "notes.csv", "text/csv", csv, len);
    if (err == KITH_OK)
        err = h->reply(ctx, ev, msg, NULL);
    if (err != KITH_OK)
        example_say(ctx, ev, "The export failed (%s).", h->strerror(err));
    h->message_free(msg);
    free(csv);
}
