/* Buffered writes: high-rate rows (activity counters, message stats) queued in memory and
 * applied in one transaction per flush instead of one transaction per event. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/plugin_db.h"
#include "store/store.h"
#include "store/store_internal.h"

/* Distinct buffered statements are source-code constants, so a few hundred is plenty; the
 * cap stops a plugin that builds SQL dynamically from growing the cache without bound. */
#define BATCH_MAX_STMTS 256
/* Past this many pending rows (flushes keep failing, or a transaction stays open), new
 * writes are refused rather than queued without bound. */
#define BATCH_HARD_CAP_FACTOR 16

static bool same_owner(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static kith_err check_statement(sqlite3_stmt *stmt, const char *tail, size_t count,
                                char **error_out)
{
    if (stmt == NULL || !kith_store_sql_tail_empty(tail)) {
        kith_store_error_set(error_out, "a buffered write is exactly one statement");
        return KITH_ERR_INVALID;
    }
    if (sqlite3_stmt_readonly(stmt)) {
        kith_store_error_set(error_out, "a buffered write must change something; this is a query");
        return KITH_ERR_INVALID;
    }
    int expected = sqlite3_bind_parameter_count(stmt);
    if ((size_t)expected != count) {
        kith_store_error_set(error_out, "the buffered write takes %d parameters, %zu given",
                             expected, count);
        return KITH_ERR_INVALID;
    }
    return KITH_OK;
}

/* Finds or prepares the statement for (owner, sql); *index_out is its batch slot. */
static kith_err batch_statement(struct kith_store *store, const char *plugin, const char *sql,
                                size_t count, size_t *index_out, char **error_out)
{
    struct store_batch *b = &store->batch;
    for (size_t i = 0; i < b->stmt_count; i++) {
        if (same_owner(b->stmts[i].owner, plugin) && strcmp(b->stmts[i].sql, sql) == 0) {
            int expected = sqlite3_bind_parameter_count(b->stmts[i].stmt);
            if ((size_t)expected != count)
                return check_statement(b->stmts[i].stmt, "", count, error_out);
            *index_out = i;
            return KITH_OK;
        }
    }
    if (b->stmt_count == BATCH_MAX_STMTS) {
        kith_store_error_set(error_out, "too many distinct buffered statements (%d)",
                             BATCH_MAX_STMTS);
        return KITH_ERR_LIMIT;
    }
    if (b->stmt_count == b->stmt_cap) {
        size_t cap = b->stmt_cap == 0 ? 8 : b->stmt_cap * 2;
        struct batch_stmt *grown = realloc(b->stmts, cap * sizeof *grown);
        if (grown == NULL)
            return KITH_ERR_NOMEM;
        b->stmts = grown;
        b->stmt_cap = cap;
    }
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    kith_err err = kith_store_prepare_guarded(store, plugin, sql, &stmt, &tail, error_out);
    if (err == KITH_OK)
        err = check_statement(stmt, tail, count, error_out);
    struct batch_stmt entry = {NULL, NULL, stmt};
    if (err == KITH_OK && ((entry.sql = strdup(sql)) == NULL ||
                           (plugin != NULL && (entry.owner = strdup(plugin)) == NULL)))
        err = KITH_ERR_NOMEM;
    if (err != KITH_OK) {
        sqlite3_finalize(stmt);
        free(entry.sql);
        free(entry.owner);
        return err;
    }
    b->stmts[b->stmt_count] = entry;
    *index_out = b->stmt_count++;
    return KITH_OK;
}

/* Copies the parameters, and the texts they point to, into one allocation. */
static struct kith_db_value *copy_values(const struct kith_db_value *params, size_t count)
{
    size_t size = count * sizeof(struct kith_db_value);
    for (size_t i = 0; i < count; i++)
        if (params[i].type == KITH_DB_TEXT && params[i].text != NULL)
            size += strlen(params[i].text) + 1;
    struct kith_db_value *values = malloc(size > 0 ? size : 1);
    if (values == NULL)
        return NULL;
    char *text = (char *)(values + count);
    for (size_t i = 0; i < count; i++) {
        values[i] = params[i];
        if (params[i].type == KITH_DB_TEXT && params[i].text != NULL) {
            size_t len = strlen(params[i].text) + 1;
            memcpy(text, params[i].text, len);
            values[i].text = text;
            text += len;
        }
    }
    return values;
}

static kith_err check_params(const struct kith_db_value *params, size_t count, char **error_out)
{
    if (params == NULL && count > 0) {
        kith_store_error_set(error_out, "buffered write: parameters missing");
        return KITH_ERR_INVALID;
    }
    for (size_t i = 0; i < count; i++) {
        kith_db_type t = params[i].type;
        if (t != KITH_DB_NULL && t != KITH_DB_INT64 && t != KITH_DB_DOUBLE && t != KITH_DB_TEXT) {
            kith_store_error_set(error_out, "buffered write: parameter %zu has no valid type",
                                 i + 1);
            return KITH_ERR_INVALID;
        }
    }
    return KITH_OK;
}

static kith_err append_row(struct store_batch *b, size_t stmt_index,
                           const struct kith_db_value *params, size_t count)
{
    if (b->row_count == b->row_cap) {
        size_t cap = b->row_cap == 0 ? 64 : b->row_cap * 2;
        struct batch_row *grown = realloc(b->rows, cap * sizeof *grown);
        if (grown == NULL)
            return KITH_ERR_NOMEM;
        b->rows = grown;
        b->row_cap = cap;
    }
    struct kith_db_value *values = copy_values(params, count);
    if (values == NULL)
        return KITH_ERR_NOMEM;
    b->rows[b->row_count++] = (struct batch_row){stmt_index, values, count, false};
    return KITH_OK;
}

kith_err kith_store_batch_enqueue(struct kith_store *store, const char *plugin, const char *sql,
                                  const struct kith_db_value *params, size_t count,
                                  char **error_out)
{
    if (error_out != NULL)
        *error_out = NULL;
    if (store == NULL || sql == NULL) {
        kith_store_error_set(error_out, "buffered write: no SQL given");
        return KITH_ERR_INVALID;
    }
    kith_err err = check_params(params, count, error_out);
    if (err != KITH_OK)
        return err;
    if (store->batch.row_count >= store->batch_max_rows * BATCH_HARD_CAP_FACTOR) {
        kith_store_error_set(error_out, "%zu buffered writes are already pending",
                             store->batch.row_count);
        return KITH_ERR_LIMIT;
    }
    size_t index = 0;
    err = batch_statement(store, plugin, sql, count, &index, error_out);
    if (err == KITH_OK)
        err = append_row(&store->batch, index, params, count);
    if (err == KITH_ERR_NOMEM && error_out != NULL && *error_out == NULL)
        kith_store_error_set(error_out, "buffered write: out of memory");
    if (err != KITH_OK)
        return err;
    if (store->batch.row_count >= store->batch_max_rows && !store->in_txn)
        kith_store_flush(store); /* failures are logged; the rows stay queued */
    return KITH_OK;
}

kith_err kith_store_buffer_write(struct kith_store *store, const char *sql,
                                 const struct kith_db_value *params, size_t param_count)
{
    char *error = NULL;
    kith_err err = kith_store_batch_enqueue(store, NULL, sql, params, param_count, &error);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "store", "buffered write refused: %s",
                 error != NULL ? error : kith_strerror(err));
    free(error);
    return err;
}

kith_err kith_store_buffer_write_plugin(struct kith_store *store, const char *plugin_name,
                                        const char *sql, const struct kith_db_value *params,
                                        size_t param_count, char **error_out)
{
    if (!kith_plugin_db_name_valid(plugin_name)) {
        if (error_out != NULL)
            *error_out = NULL;
        kith_store_error_set(error_out, "\"%s\" is not a plugin name that may own tables",
                             plugin_name != NULL ? plugin_name : "(null)");
        return KITH_ERR_INVALID;
    }
    return kith_store_batch_enqueue(store, plugin_name, sql, params, param_count, error_out);
}

size_t kith_store_pending_writes(const struct kith_store *store)
{
    return store != NULL ? store->batch.row_count : 0;
}

/* ---- Flushing. ---- */

/* Failures of the storage rather than of one row (a full disk, an I/O or lock error, no
 * memory): skipping the row would lose data that the next flush can write. */
static bool storage_failure(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return true;
    default: return false;
    }
}

/* Runs one queued row and returns SQLite's result (SQLITE_DONE when it was applied). A row
 * that fails by itself is logged and marked so no later attempt repeats it. */
static int apply_row(struct kith_store *store, struct batch_row *row)
{
    struct batch_stmt *bs = &store->batch.stmts[row->stmt_index];
    kith_err err = kith_store_bind(bs->stmt, row->values, row->count);
    int rc = err == KITH_OK ? SQLITE_DONE : err == KITH_ERR_NOMEM ? SQLITE_NOMEM : SQLITE_MISMATCH;
    while (err == KITH_OK &&
           (rc = kith_store_step_guarded(store, bs->owner, bs->stmt)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE && !storage_failure(rc)) {
        const char *refusal = kith_store_guard_refusal(store);
        kith_log(KITH_LOG_WARN, "store", "buffered write of %s skipped: %s",
                 bs->owner != NULL ? bs->owner : "core",
                 refusal[0] != '\0' ? refusal
                 : err != KITH_OK   ? kith_strerror(err)
                                    : sqlite3_errmsg(store->db));
        row->failed = true;
    }
    sqlite3_reset(bs->stmt);
    sqlite3_clear_bindings(bs->stmt);
    return rc;
}

static void drop_rows(struct store_batch *b)
{
    for (size_t i = 0; i < b->row_count; i++)
        free(b->rows[i].values);
    b->row_count = 0;
}

/* Ends a flush that cannot complete: nothing of it stays written, every row stays queued. */
static kith_err abandon(struct kith_store *store, int rc, int *rc_out)
{
    *rc_out = rc;
    if (!sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return kith_store_err(rc) != KITH_OK ? kith_store_err(rc) : KITH_ERR_STORE;
}

/* One attempt at the whole queue. *restart_out is set when a failing row made SQLite roll
 * the transaction back (OR ROLLBACK): the queue is then tried again without it. A storage
 * failure abandons the attempt (*rc_out says why). */
static kith_err flush_once(struct kith_store *store, bool *restart_out, int *rc_out)
{
    *restart_out = false;
    int rc = kith_store_exec(store, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) {
        *rc_out = rc;
        return kith_store_err(rc);
    }
    struct store_batch *b = &store->batch;
    for (size_t i = 0; i < b->row_count; i++) {
        if (b->rows[i].failed)
            continue;
        rc = apply_row(store, &b->rows[i]);
        if (rc != SQLITE_DONE && storage_failure(rc))
            return abandon(store, rc, rc_out);
        if (b->rows[i].failed && sqlite3_get_autocommit(store->db)) {
            *restart_out = true;
            return KITH_OK;
        }
    }
    rc = kith_store_exec(store, "COMMIT");
    if (rc != SQLITE_OK)
        return abandon(store, rc, rc_out);
    return KITH_OK;
}

kith_err kith_store_flush(struct kith_store *store)
{
    if (store == NULL)
        return KITH_ERR_INVALID;
    if (store->batch.row_count == 0)
        return KITH_OK;
    if (store->in_txn)
        return KITH_ERR_BUSY;
    bool restart = true;
    kith_err err = KITH_OK;
    int rc = SQLITE_OK;
    /* Each restart marks one more row failed, so this ends after at most row_count tries. */
    while (err == KITH_OK && restart)
        err = flush_once(store, &restart, &rc);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "store", "flush of %zu buffered writes failed (kept): %s",
                 store->batch.row_count, sqlite3_errstr(rc));
        return err;
    }
    drop_rows(&store->batch);
    return KITH_OK;
}

void kith_store_batch_free(struct kith_store *store)
{
    struct store_batch *b = &store->batch;
    drop_rows(b);
    free(b->rows);
    for (size_t i = 0; i < b->stmt_count; i++) {
        sqlite3_finalize(b->stmts[i].stmt);
        free(b->stmts[i].sql);
        free(b->stmts[i].owner);
    }
    free(b->stmts);
    memset(b, 0, sizeof *b);
}
