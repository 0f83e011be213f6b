/* The poll tables: polls, their options, and votes (one row per member and chosen option;
 * anonymous polls keep a salted hash instead of the member's id and no name). */
#include <stdlib.h>
#include <string.h>

#include "poll.h"

const char poll_schema_sql[] =
    "CREATE TABLE polls_polls ("
    " id INTEGER PRIMARY KEY, server_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
    " platform TEXT NOT NULL, creator_id TEXT NOT NULL, question TEXT NOT NULL,"
    " multi INTEGER NOT NULL, anonymous INTEGER NOT NULL, hidden INTEGER NOT NULL,"
    " native INTEGER NOT NULL, salt TEXT, message_id TEXT, job_id INTEGER,"
    " created_at_ms INTEGER NOT NULL, closes_at_ms INTEGER, closed_at_ms INTEGER,"
    " stale INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX polls_polls_open ON polls_polls (server_id, closed_at_ms);"
    "CREATE INDEX polls_polls_message ON polls_polls (message_id);"
    "CREATE TABLE polls_options ("
    " poll_id INTEGER NOT NULL REFERENCES polls_polls (id) ON DELETE CASCADE,"
    " idx INTEGER NOT NULL, label TEXT NOT NULL, PRIMARY KEY (poll_id, idx));"
    "CREATE TABLE polls_votes ("
    " poll_id INTEGER NOT NULL REFERENCES polls_polls (id) ON DELETE CASCADE,"
    " voter TEXT NOT NULL, voter_name TEXT, option_idx INTEGER NOT NULL,"
    " voted_at_ms INTEGER NOT NULL, PRIMARY KEY (poll_id, voter, option_idx));";

/* Prepares sql with the parameters bound; *stmt_out is the caller's (db_finalize). */
static kith_err prepare_bound(struct kith_plugin_ctx *ctx, const char *sql,
                              const struct kith_db_value *params, size_t n, kith_stmt **stmt_out)
{
    const struct kith_host *h = poll_host;
    kith_stmt *stmt = NULL;
    kith_err err = h->db_prepare(ctx, sql, &stmt);
    for (size_t i = 0; err == KITH_OK && i < n; i++) {
        int index = (int)i + 1;
        switch (params[i].type) {
        case KITH_DB_INT64: err = h->db_bind_int64(stmt, index, params[i].i64); break;
        case KITH_DB_DOUBLE: err = h->db_bind_double(stmt, index, params[i].f64); break;
        case KITH_DB_TEXT:
            err = params[i].text ? h->db_bind_text(stmt, index, params[i].text)
                                 : h->db_bind_null(stmt, index);
            break;
        default: err = h->db_bind_null(stmt, index); break;
        }
    }
    if (err != KITH_OK) {
        if (stmt != NULL)
            h->db_finalize(stmt);
        return err;
    }
    *stmt_out = stmt;
    return KITH_OK;
}

/* Runs one statement that returns no rows. */
static kith_err exec(struct kith_plugin_ctx *ctx, const char *sql,
                     const struct kith_db_value *params, size_t n)
{
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(ctx, sql, params, n, &stmt);
    bool row = false;
    if (err == KITH_OK) {
        err = poll_host->db_step(stmt, &row);
        poll_host->db_finalize(stmt);
    }
    return err;
}

static char *dup_column(kith_stmt *stmt, int column, bool *ok)
{
    if (poll_host->db_column_is_null(stmt, column))
        return NULL;
    const char *text = poll_host->db_column_text(stmt, column);
    char *copy = strdup(text ? text : "");
    if (copy == NULL)
        *ok = false;
    return copy;
}

kith_err poll_store_insert(struct kith_plugin_ctx *ctx, struct poll_record *p)
{
    const struct kith_db_value params[] = {
        KITH_DB_TEXT(p->server_id),  KITH_DB_TEXT(p->channel_id),   KITH_DB_TEXT(p->platform),
        KITH_DB_TEXT(p->creator_id), KITH_DB_TEXT(p->question),     KITH_DB_I64(p->multi),
        KITH_DB_I64(p->anonymous),   KITH_DB_I64(p->hidden),        KITH_DB_I64(p->native),
        KITH_DB_TEXT(p->salt),       KITH_DB_I64(p->created_at_ms), KITH_DB_I64(p->closes_at_ms),
    };
    kith_err err = exec(ctx,
                        "INSERT INTO polls_polls (server_id, channel_id, platform, creator_id,"
                        " question, multi, anonymous, hidden, native, salt, created_at_ms,"
                        " closes_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                        " NULLIF(?12, 0))",
                        params, sizeof params / sizeof params[0]);
    if (err != KITH_OK)
        return err;
    p->id = poll_host->db_last_insert_id(ctx);
    for (size_t i = 0; err == KITH_OK && i < p->option_count; i++) {
        const struct kith_db_value option[] = {KITH_DB_I64(p->id), KITH_DB_I64((int64_t)i),
                                               KITH_DB_TEXT(p->options[i])};
        err = exec(ctx, "INSERT INTO polls_options (poll_id, idx, label) VALUES (?1, ?2, ?3)",
                   option, 3);
    }
    return err;
}

void poll_record_free(struct poll_record *p)
{
    if (p == NULL)
        return;
    free(p->server_id);
    free(p->channel_id);
    free(p->platform);
    free(p->creator_id);
    free(p->question);
    free(p->salt);
    free(p->message_id);
    for (size_t i = 0; i < p->option_count; i++)
        free(p->options[i]);
    free(p->options);
    free(p);
}

void poll_records_free(struct poll_record **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        poll_record_free(list[i]);
    free(list);
}

#define POLL_COLUMNS                                                                               \
    "id, server_id, channel_id, platform, creator_id, question, multi, anonymous, hidden,"         \
    " native, salt, message_id, IFNULL(job_id, 0), created_at_ms, IFNULL(closes_at_ms, 0),"        \
    " IFNULL(closed_at_ms, 0)"

/* The poll in the current row (POLL_COLUMNS), without options; NULL on ENOMEM. */
static struct poll_record *record_from_row(kith_stmt *stmt)
{
    const struct kith_host *h = poll_host;
    struct poll_record *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    bool ok = true;
    p->id = h->db_column_int64(stmt, 0);
    p->server_id = dup_column(stmt, 1, &ok);
    p->channel_id = dup_column(stmt, 2, &ok);
    p->platform = dup_column(stmt, 3, &ok);
    p->creator_id = dup_column(stmt, 4, &ok);
    p->question = dup_column(stmt, 5, &ok);
    p->multi = h->db_column_int64(stmt, 6) != 0;
    p->anonymous = h->db_column_int64(stmt, 7) != 0;
    p->hidden = h->db_column_int64(stmt, 8) != 0;
    p->native = h->db_column_int64(stmt, 9) != 0;
    p->salt = dup_column(stmt, 10, &ok);
    p->message_id = dup_column(stmt, 11, &ok);
    p->job_id = h->db_column_int64(stmt, 12);
    p->created_at_ms = h->db_column_int64(stmt, 13);
    p->closes_at_ms = h->db_column_int64(stmt, 14);
    p->closed_at_ms = h->db_column_int64(stmt, 15);
    if (!ok || !p->server_id || !p->channel_id || !p->platform || !p->creator_id || !p->question) {
        poll_record_free(p);
        return NULL;
    }
    return p;
}

static kith_err load_options(struct kith_plugin_ctx *ctx, struct poll_record *p)
{
    const struct kith_db_value params[] = {KITH_DB_I64(p->id)};
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(
        ctx, "SELECT label FROM polls_options WHERE poll_id = ?1 ORDER BY idx LIMIT 20", params, 1,
        &stmt);
    if (err != KITH_OK)
        return err;
    p->options = calloc(POLL_OPTIONS_MAX, sizeof *p->options);
    bool row = true, ok = p->options != NULL;
    while (ok && err == KITH_OK && (err = poll_host->db_step(stmt, &row)) == KITH_OK && row) {
        p->options[p->option_count] = dup_column(stmt, 0, &ok);
        if (p->options[p->option_count] != NULL)
            p->option_count++;
    }
    poll_host->db_finalize(stmt);
    return ok ? err : KITH_ERR_NOMEM;
}

kith_err poll_store_load(struct kith_plugin_ctx *ctx, int64_t id, struct poll_record **out)
{
    const struct kith_db_value params[] = {KITH_DB_I64(id)};
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(ctx, "SELECT " POLL_COLUMNS " FROM polls_polls WHERE id = ?1",
                                 params, 1, &stmt);
    bool row = false;
    if (err == KITH_OK)
        err = poll_host->db_step(stmt, &row);
    struct poll_record *p = NULL;
    if (err == KITH_OK && !row)
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_OK && (p = record_from_row(stmt)) == NULL)
        err = KITH_ERR_NOMEM;
    if (stmt != NULL)
        poll_host->db_finalize(stmt);
    if (err == KITH_OK)
        err = load_options(ctx, p);
    if (err != KITH_OK) {
        poll_record_free(p);
        return err;
    }
    *out = p;
    return KITH_OK;
}

kith_err poll_store_find_by_message(struct kith_plugin_ctx *ctx, const char *server_id,
                                    const char *message_id, int64_t *id_out)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(message_id), KITH_DB_TEXT(server_id)};
    kith_stmt *stmt = NULL;
    kith_err err =
        prepare_bound(ctx, "SELECT id FROM polls_polls WHERE message_id = ?1 AND server_id = ?2",
                      params, 2, &stmt);
    bool row = false;
    if (err == KITH_OK)
        err = poll_host->db_step(stmt, &row);
    if (err == KITH_OK && !row)
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_OK)
        *id_out = poll_host->db_column_int64(stmt, 0);
    if (stmt != NULL)
        poll_host->db_finalize(stmt);
    return err;
}

kith_err poll_store_set_message(struct kith_plugin_ctx *ctx, int64_t id, const char *message_id)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(message_id), KITH_DB_I64(id)};
    return exec(ctx, "UPDATE polls_polls SET message_id = ?1 WHERE id = ?2", params, 2);
}

kith_err poll_store_set_job(struct kith_plugin_ctx *ctx, int64_t id, int64_t job_id)
{
    const struct kith_db_value params[] = {KITH_DB_I64(job_id), KITH_DB_I64(id)};
    return exec(ctx, "UPDATE polls_polls SET job_id = ?1 WHERE id = ?2", params, 2);
}

kith_err poll_store_choice(struct kith_plugin_ctx *ctx, int64_t id, const char *voter,
                           poll_choice *out)
{
    const struct kith_db_value params[] = {KITH_DB_I64(id), KITH_DB_TEXT(voter)};
    kith_stmt *stmt = NULL;
    kith_err err =
        prepare_bound(ctx, "SELECT option_idx FROM polls_votes WHERE poll_id = ?1 AND voter = ?2",
                      params, 2, &stmt);
    if (err != KITH_OK)
        return err;
    poll_choice choice = 0;
    bool row = true;
    while ((err = poll_host->db_step(stmt, &row)) == KITH_OK && row) {
        int64_t option = poll_host->db_column_int64(stmt, 0);
        if (option >= 0 && option < POLL_OPTIONS_MAX)
            choice |= POLL_CHOICE_BIT(option);
    }
    poll_host->db_finalize(stmt);
    *out = choice;
    return err;
}

kith_err poll_store_replace_choice(struct kith_plugin_ctx *ctx, int64_t id, const char *voter,
                                   const char *voter_name, poll_choice before, poll_choice after,
                                   int64_t now_ms)
{
    kith_err err = KITH_OK;
    /* Options kept keep their row, so an export says when each option was chosen. */
    for (unsigned i = 0; err == KITH_OK && i < POLL_OPTIONS_MAX; i++) {
        poll_choice bit = POLL_CHOICE_BIT(i);
        if ((before & bit) && !(after & bit)) {
            const struct kith_db_value row[] = {KITH_DB_I64(id), KITH_DB_TEXT(voter),
                                                KITH_DB_I64(i)};
            err = exec(ctx,
                       "DELETE FROM polls_votes WHERE poll_id = ?1 AND voter = ?2"
                       " AND option_idx = ?3",
                       row, 3);
        } else if (!(before & bit) && (after & bit)) {
            const struct kith_db_value vote[] = {KITH_DB_I64(id), KITH_DB_TEXT(voter),
                                                 KITH_DB_TEXT(voter_name), KITH_DB_I64(i),
                                                 KITH_DB_I64(now_ms)};
            err = exec(ctx,
                       "INSERT INTO polls_votes (poll_id, voter, voter_name, option_idx,"
                       " voted_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                       vote, 5);
        }
    }
    return err;
}

kith_err poll_store_tally(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                          struct poll_tally *out)
{
    const struct kith_db_value params[] = {KITH_DB_I64(p->id)};
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(
        ctx, "SELECT voter, option_idx FROM polls_votes WHERE poll_id = ?1 ORDER BY voter", params,
        1, &stmt);
    if (err != KITH_OK)
        return err;
    poll_tally_init(out, p->option_count);
    char *voter = NULL;
    poll_choice choice = 0;
    bool row = true;
    while ((err = poll_host->db_step(stmt, &row)) == KITH_OK && row) {
        const char *this_voter = poll_host->db_column_text(stmt, 0);
        int64_t option = poll_host->db_column_int64(stmt, 1);
        if (voter == NULL || this_voter == NULL || strcmp(voter, this_voter) != 0) {
            poll_tally_add(out, choice);
            choice = 0;
            free(voter);
            voter = strdup(this_voter ? this_voter : "");
            if (voter == NULL) {
                err = KITH_ERR_NOMEM;
                break;
            }
        }
        if (option >= 0 && option < POLL_OPTIONS_MAX)
            choice |= POLL_CHOICE_BIT(option);
    }
    poll_tally_add(out, choice);
    free(voter);
    poll_host->db_finalize(stmt);
    return err;
}

kith_err poll_store_close(struct kith_plugin_ctx *ctx, int64_t id, int64_t now_ms)
{
    const struct kith_db_value params[] = {KITH_DB_I64(now_ms), KITH_DB_I64(id)};
    return exec(ctx,
                "UPDATE polls_polls SET closed_at_ms = ?1, salt = NULL"
                " WHERE id = ?2 AND closed_at_ms IS NULL",
                params, 2);
}

kith_err poll_store_list_open(struct kith_plugin_ctx *ctx, const char *server_id, size_t limit,
                              struct poll_record ***out, size_t *count_out)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(server_id), KITH_DB_I64((int64_t)limit)};
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(ctx,
                                 "SELECT " POLL_COLUMNS " FROM polls_polls WHERE server_id = ?1"
                                 " AND closed_at_ms IS NULL ORDER BY id LIMIT ?2",
                                 params, 2, &stmt);
    if (err != KITH_OK)
        return err;
    struct poll_record **list = calloc(limit ? limit : 1, sizeof *list);
    size_t count = 0;
    bool row = true;
    if (list == NULL)
        err = KITH_ERR_NOMEM;
    while (err == KITH_OK && count < limit && (err = poll_host->db_step(stmt, &row)) == KITH_OK &&
           row) {
        list[count] = record_from_row(stmt);
        if (list[count] == NULL)
            err = KITH_ERR_NOMEM;
        else
            count++;
    }
    poll_host->db_finalize(stmt);
    for (size_t i = 0; err == KITH_OK && i < count; i++)
        err = load_options(ctx, list[i]);
    if (err != KITH_OK) {
        poll_records_free(list, count);
        return err;
    }
    *out = list;
    *count_out = count;
    return KITH_OK;
}

kith_err poll_store_each_vote(struct kith_plugin_ctx *ctx, int64_t id, poll_vote_fn fn, void *ud)
{
    const struct kith_db_value params[] = {KITH_DB_I64(id)};
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(ctx,
                                 "SELECT voter, voter_name, option_idx, voted_at_ms"
                                 " FROM polls_votes WHERE poll_id = ?1"
                                 " ORDER BY voted_at_ms, voter, option_idx",
                                 params, 1, &stmt);
    if (err != KITH_OK)
        return err;
    bool row = true;
    while ((err = poll_host->db_step(stmt, &row)) == KITH_OK && row) {
        const struct kith_host *h = poll_host;
        int64_t option = h->db_column_int64(stmt, 2);
        fn(ud, h->db_column_text(stmt, 0),
           h->db_column_is_null(stmt, 1) ? NULL : h->db_column_text(stmt, 1),
           option < 0 ? 0 : (size_t)option, h->db_column_int64(stmt, 3));
    }
    poll_host->db_finalize(stmt);
    return err;
}

kith_err poll_store_set_stale(struct kith_plugin_ctx *ctx, int64_t id, bool stale)
{
    const struct kith_db_value params[] = {KITH_DB_I64(stale), KITH_DB_I64(id)};
    return exec(ctx, "UPDATE polls_polls SET stale = ?1 WHERE id = ?2", params, 2);
}

kith_err poll_store_stale_ids(struct kith_plugin_ctx *ctx, int64_t *ids, size_t max,
                              size_t *count_out)
{
    const struct kith_db_value params[] = {KITH_DB_I64((int64_t)max)};
    kith_stmt *stmt = NULL;
    kith_err err = prepare_bound(ctx,
                                 "SELECT id FROM polls_polls WHERE stale = 1 AND closed_at_ms IS"
                                 " NULL AND message_id IS NOT NULL ORDER BY id LIMIT ?1",
                                 params, 1, &stmt);
    if (err != KITH_OK)
        return err;
    size_t count = 0;
    bool row = true;
    while (count < max && (err = poll_host->db_step(stmt, &row)) == KITH_OK && row)
        ids[count++] = poll_host->db_column_int64(stmt, 0);
    poll_host->db_finalize(stmt);
    *count_out = count;
    return err;
}
