/* The spam plugin's tables and every statement on them. All values are bound; the ordinary
 * message path never reaches this file. */
#include "spam_store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spam.h"

const struct kith_migration spam_migrations[SPAM_MIGRATION_COUNT] = {
    {1, "CREATE TABLE spam_actions ("
        " id INTEGER PRIMARY KEY,"
        " server_id TEXT NOT NULL,"
        " user_id TEXT NOT NULL,"
        " channel_id TEXT,"
        " message_id TEXT,"
        " rule TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " reason TEXT NOT NULL,"
        " evidence TEXT,"
        " dry_run INTEGER NOT NULL,"
        " created_at INTEGER NOT NULL);"
        "CREATE INDEX spam_actions_server ON spam_actions (server_id, created_at);"
        "CREATE TABLE spam_strikes ("
        " id INTEGER PRIMARY KEY,"
        " server_id TEXT NOT NULL,"
        " user_id TEXT NOT NULL,"
        " rule TEXT NOT NULL,"
        " reason TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL,"
        " pardoned_at INTEGER);" /* NULL: still counts until it expires */
        "CREATE INDEX spam_strikes_member ON spam_strikes (server_id, user_id, created_at);"
        "CREATE TABLE spam_reports ("
        " id INTEGER PRIMARY KEY,"
        " server_id TEXT NOT NULL,"
        " reporter_id TEXT NOT NULL,"
        " target_user_id TEXT NOT NULL,"
        " target_message_id TEXT NOT NULL,"
        " target_channel_id TEXT NOT NULL,"
        " reason TEXT NOT NULL,"
        " evidence TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " first_action_at INTEGER," /* NULL until a moderator acted: insights reads it */
        " first_action TEXT,"
        " moderator_id TEXT);"
        "CREATE INDEX spam_reports_server ON spam_reports (server_id, created_at);"
        "CREATE TABLE spam_members ("
        " server_id TEXT NOT NULL,"
        " user_id TEXT NOT NULL,"
        " first_seen_at INTEGER NOT NULL,"
        " joined_at INTEGER," /* NULL: the platform never told */
        " PRIMARY KEY (server_id, user_id));"},
    /* Counting a member's recent reports (the /report rate limit). */
    {2, "CREATE INDEX spam_reports_reporter ON spam_reports (server_id, reporter_id, created_at);"},
};

/* Prepares sql and binds the given values; the caller steps and finalizes. */
static kith_err prepare_bound(struct kith_plugin_ctx *ctx, const char *sql,
                              const struct kith_db_value *params, size_t n, kith_stmt **out)
{
    const struct kith_host *host = spam_host;
    kith_err err = host->db_prepare(ctx, sql, out);
    for (size_t i = 0; err == KITH_OK && i < n; i++) {
        int index = (int)i + 1;
        switch (params[i].type) {
        case KITH_DB_INT64: err = host->db_bind_int64(*out, index, params[i].i64); break;
        case KITH_DB_DOUBLE: err = host->db_bind_double(*out, index, params[i].f64); break;
        case KITH_DB_TEXT:
            err = params[i].text ? host->db_bind_text(*out, index, params[i].text)
                                 : host->db_bind_null(*out, index);
            break;
        case KITH_DB_NULL: err = host->db_bind_null(*out, index); break;
        }
    }
    if (err != KITH_OK && *out != NULL) {
        host->db_finalize(*out);
        *out = NULL;
    }
    return err;
}

/* Prepares sql with params and steps to the first row; *row_out says whether one came. The
 * statement in *stmt_out is the caller's to finalize (NULL when preparing failed). */
static kith_err query(struct kith_plugin_ctx *ctx, const char *sql,
                      const struct kith_db_value *params, size_t n, kith_stmt **stmt_out,
                      bool *row_out)
{
    *stmt_out = NULL;
    *row_out = false;
    kith_err err = prepare_bound(ctx, sql, params, n, stmt_out);
    if (err == KITH_OK)
        err = spam_host->db_step(*stmt_out, row_out);
    return err;
}

/* Runs a statement that returns no rows. */
static kith_err run(struct kith_plugin_ctx *ctx, const char *sql,
                    const struct kith_db_value *params, size_t n)
{
    kith_stmt *stmt = NULL;
    bool row = false;
    kith_err err = query(ctx, sql, params, n, &stmt, &row);
    spam_host->db_finalize(stmt);
    return err;
}

/* The first column of the first row as an integer; *found_out is false (and *value_out 0)
 * when there is no row. */
static kith_err query_int64(struct kith_plugin_ctx *ctx, const char *sql,
                            const struct kith_db_value *params, size_t n, int64_t *value_out,
                            bool *found_out)
{
    kith_stmt *stmt = NULL;
    kith_err err = query(ctx, sql, params, n, &stmt, found_out);
    *found_out = err == KITH_OK && *found_out;
    *value_out = *found_out ? spam_host->db_column_int64(stmt, 0) : 0;
    spam_host->db_finalize(stmt);
    return err;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

kith_err spam_store_log_action(struct kith_plugin_ctx *ctx, const struct spam_action_row *row)
{
    const struct kith_db_value params[] = {
        KITH_DB_TEXT(row->server_id),  KITH_DB_TEXT(row->user_id),  KITH_DB_TEXT(row->channel_id),
        KITH_DB_TEXT(row->message_id), KITH_DB_TEXT(row->rule),     KITH_DB_TEXT(row->action),
        KITH_DB_TEXT(row->reason),     KITH_DB_TEXT(row->evidence), KITH_DB_I64(row->dry_run),
        KITH_DB_I64(row->at_ms),
    };
    return spam_host->db_write_buffered(
        ctx,
        "INSERT INTO spam_actions (server_id, user_id, channel_id, message_id, rule, action,"
        " reason, evidence, dry_run, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params, N(params));
}

kith_err spam_store_add_strike(struct kith_plugin_ctx *ctx, const char *server_id,
                               const char *user_id, const char *rule, const char *reason,
                               int64_t now_ms, int64_t expires_at_ms)
{
    /* Written at once, not buffered: the escalation ladder counts it right after. */
    const struct kith_db_value params[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(user_id),
                                           KITH_DB_TEXT(rule),      KITH_DB_TEXT(reason),
                                           KITH_DB_I64(now_ms),     KITH_DB_I64(expires_at_ms)};
    return run(ctx,
               "INSERT INTO spam_strikes (server_id, user_id, rule, reason, created_at,"
               " expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
               params, N(params));
}

/* The member's active strikes (not pardoned, not expired), newest first, at most max: columns
 * created_at, expires_at, rule, reason. Steps to the first row like query(). */
static kith_err query_active_strikes(struct kith_plugin_ctx *ctx, const char *server_id,
                                     const char *user_id, int64_t now_ms, size_t max,
                                     kith_stmt **stmt_out, bool *row_out)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(user_id),
                                           KITH_DB_I64(now_ms), KITH_DB_I64((int64_t)max)};
    return query(ctx,
                 "SELECT created_at, expires_at, rule, reason FROM spam_strikes"
                 " WHERE server_id = ?1 AND user_id = ?2 AND pardoned_at IS NULL"
                 " AND expires_at > ?3 ORDER BY created_at DESC, id DESC LIMIT ?4",
                 params, N(params), stmt_out, row_out);
}

kith_err spam_store_strike_times(struct kith_plugin_ctx *ctx, const char *server_id,
                                 const char *user_id, int64_t now_ms, int64_t *times_out,
                                 size_t max, size_t *count_out)
{
    kith_stmt *stmt = NULL;
    bool row = false;
    *count_out = 0;
    kith_err err = query_active_strikes(ctx, server_id, user_id, now_ms, max, &stmt, &row);
    for (; err == KITH_OK && row && *count_out < max; err = spam_host->db_step(stmt, &row))
        times_out[(*count_out)++] = spam_host->db_column_int64(stmt, 0);
    spam_host->db_finalize(stmt);
    return err;
}

/* "2026-01-01 12:00" in UTC. */
static void format_date(int64_t ms, char *out, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&seconds, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, size, "%lld", (long long)ms);
}

kith_err spam_store_list_strikes(struct kith_plugin_ctx *ctx, const char *server_id,
                                 const char *user_id, int64_t now_ms, size_t max, char *out,
                                 size_t size, int *shown_out)
{
    kith_stmt *stmt = NULL;
    bool row = false;
    *shown_out = 0;
    kith_err err = query_active_strikes(ctx, server_id, user_id, now_ms, max, &stmt, &row);
    size_t used = strlen(out);
    for (; err == KITH_OK && row; err = spam_host->db_step(stmt, &row)) {
        char given[32], expires[32];
        format_date(spam_host->db_column_int64(stmt, 0), given, sizeof given);
        format_date(spam_host->db_column_int64(stmt, 1), expires, sizeof expires);
        const char *rule = spam_host->db_column_text(stmt, 2);
        const char *reason = spam_host->db_column_text(stmt, 3);
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, "\n- %s (%s): %s; expires %s", given,
                                     rule ? rule : "?", reason ? reason : "", expires);
        (*shown_out)++;
    }
    spam_host->db_finalize(stmt);
    return err;
}

kith_err spam_store_pardon(struct kith_plugin_ctx *ctx, const char *server_id, const char *user_id,
                           int64_t now_ms, int *cleared_out)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(user_id),
                                           KITH_DB_I64(now_ms)};
    kith_err err = run(ctx,
                       "UPDATE spam_strikes SET pardoned_at = ?3 WHERE server_id = ?1 AND"
                       " user_id = ?2 AND pardoned_at IS NULL AND expires_at > ?3",
                       params, N(params));
    *cleared_out = err == KITH_OK ? (int)spam_host->db_changes(ctx) : 0;
    return err;
}

kith_err spam_store_member_joined_at(struct kith_plugin_ctx *ctx, const char *server_id,
                                     const char *user_id, int64_t *joined_at_out, bool *known_out)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(user_id)};
    return query_int64(ctx,
                       "SELECT coalesce(joined_at, 0) FROM spam_members"
                       " WHERE server_id = ?1 AND user_id = ?2",
                       params, N(params), joined_at_out, known_out);
}

kith_err spam_store_member_seen(struct kith_plugin_ctx *ctx, const char *server_id,
                                const char *user_id, int64_t first_seen_ms, int64_t joined_at_ms)
{
    const struct kith_db_value params[] = {
        KITH_DB_TEXT(server_id), KITH_DB_TEXT(user_id), KITH_DB_I64(first_seen_ms),
        joined_at_ms > 0 ? KITH_DB_I64(joined_at_ms) : KITH_DB_NULLV};
    /* A later join (a member who left and came back) replaces the earlier one. */
    return spam_host->db_write_buffered(
        ctx,
        "INSERT INTO spam_members (server_id, user_id, first_seen_at, joined_at)"
        " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (server_id, user_id) DO UPDATE SET"
        " joined_at = coalesce(excluded.joined_at, joined_at)",
        params, N(params));
}

kith_err spam_store_report_add(struct kith_plugin_ctx *ctx, const struct spam_report *report,
                               int64_t now_ms, int64_t *id_out)
{
    const struct kith_db_value params[] = {
        KITH_DB_TEXT(report->server_id),         KITH_DB_TEXT(report->reporter_id),
        KITH_DB_TEXT(report->target_user_id),    KITH_DB_TEXT(report->target_message_id),
        KITH_DB_TEXT(report->target_channel_id), KITH_DB_TEXT(report->reason),
        KITH_DB_TEXT(report->evidence),          KITH_DB_I64(now_ms)};
    kith_err err = run(ctx,
                       "INSERT INTO spam_reports (server_id, reporter_id, target_user_id,"
                       " target_message_id, target_channel_id, reason, evidence, created_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       params, N(params));
    *id_out = err == KITH_OK ? spam_host->db_last_insert_id(ctx) : 0;
    return err;
}

kith_err spam_store_reports_since(struct kith_plugin_ctx *ctx, const char *server_id,
                                  const char *reporter_id, int64_t since_ms, int *count_out)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(reporter_id),
                                           KITH_DB_I64(since_ms)};
    int64_t count = 0;
    bool found = false;
    kith_err err = query_int64(ctx,
                               "SELECT count(*) FROM spam_reports WHERE server_id = ?1 AND"
                               " reporter_id = ?2 AND created_at >= ?3",
                               params, N(params), &count, &found);
    *count_out = (int)count;
    return err;
}

static void copy_column(kith_stmt *stmt, int column, char *out, size_t size)
{
    const char *text = spam_host->db_column_text(stmt, column);
    snprintf(out, size, "%s", text ? text : "");
}

kith_err spam_store_report_get(struct kith_plugin_ctx *ctx, int64_t id, struct spam_report *out)
{
    const struct kith_db_value params[] = {KITH_DB_I64(id)};
    kith_stmt *stmt = NULL;
    bool row = false;
    kith_err err = query(ctx,
                         "SELECT server_id, reporter_id, target_user_id, target_message_id,"
                         " target_channel_id, reason, evidence, first_action_at"
                         " FROM spam_reports WHERE id = ?1",
                         params, N(params), &stmt, &row);
    if (err == KITH_OK && !row)
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_OK) {
        *out = (struct spam_report){.id = id};
        copy_column(stmt, 0, out->server_id, sizeof out->server_id);
        copy_column(stmt, 1, out->reporter_id, sizeof out->reporter_id);
        copy_column(stmt, 2, out->target_user_id, sizeof out->target_user_id);
        copy_column(stmt, 3, out->target_message_id, sizeof out->target_message_id);
        copy_column(stmt, 4, out->target_channel_id, sizeof out->target_channel_id);
        copy_column(stmt, 5, out->reason, sizeof out->reason);
        copy_column(stmt, 6, out->evidence, sizeof out->evidence);
        out->first_action_at =
            spam_host->db_column_is_null(stmt, 7) ? 0 : spam_host->db_column_int64(stmt, 7);
    }
    spam_host->db_finalize(stmt);
    return err;
}

kith_err spam_store_report_acted(struct kith_plugin_ctx *ctx, int64_t id, const char *moderator_id,
                                 const char *action, int64_t now_ms)
{
    const struct kith_db_value params[] = {KITH_DB_I64(id), KITH_DB_TEXT(moderator_id),
                                           KITH_DB_TEXT(action), KITH_DB_I64(now_ms)};
    return run(ctx,
               "UPDATE spam_reports SET first_action_at = ?4, first_action = ?3,"
               " moderator_id = ?2 WHERE id = ?1 AND first_action_at IS NULL",
               params, N(params));
}
