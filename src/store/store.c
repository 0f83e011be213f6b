/* The SQLite store: opening with kith's pragmas, closing, transactions, the statement cache
 * and the mapping of SQLite result codes to kith_err. */
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "store/core_tables.h"
#include "store/store_internal.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define DEFAULT_BATCH_MAX_ROWS 500

/* kith_schema_version is created here rather than by a migration: migrations record into it. */
static const char SCHEMA_VERSION_TABLE[] = "CREATE TABLE IF NOT EXISTS kith_schema_version ("
                                           " owner TEXT PRIMARY KEY,"
                                           " version INTEGER NOT NULL,"
                                           " applied_at INTEGER NOT NULL)";

void kith_store_error_set(char **error_out, const char *fmt, ...)
{
    if (error_out == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    *error_out = msg;
}

int64_t kith_store_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

kith_err kith_store_err(int sqlite_rc)
{
    switch (sqlite_rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE: return KITH_ERR_EXISTS;
    default: break;
    }
    switch (sqlite_rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return KITH_OK;
    case SQLITE_NOMEM: return KITH_ERR_NOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return KITH_ERR_BUSY;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_ERROR: return KITH_ERR_INVALID;
    case SQLITE_AUTH: return KITH_ERR_PERMISSION;
    default: return KITH_ERR_STORE;
    }
}

int kith_store_exec(struct kith_store *store, const char *sql)
{
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        kith_log(KITH_LOG_ERROR, "store", "%s failed: %s", sql, sqlite3_errmsg(store->db));
    return rc;
}

/* Runs a one-row PRAGMA and copies its text result into buf. */
static int pragma_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        snprintf(buf, size, "%s", text != NULL ? (const char *)text : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        buf[0] = '\0';
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Refuses a store where WAL did not take (a filesystem without shared memory, say): the
 * batched-write and concurrent-reader design depends on it. ":memory:" cannot be WAL. */
static kith_err set_journal_mode(struct kith_store *store, char **error_out)
{
    char mode[32];
    int rc = pragma_text(store->db, "PRAGMA journal_mode=WAL", mode, sizeof mode);
    if (rc != SQLITE_OK) {
        kith_store_error_set(error_out, "cannot open store \"%s\": %s", store->path,
                             sqlite3_errmsg(store->db));
        return kith_store_err(rc);
    }
    bool in_memory = strcmp(store->path, ":memory:") == 0;
    if (strcasecmp(mode, "wal") != 0 && !(in_memory && strcasecmp(mode, "memory") == 0)) {
        kith_store_error_set(error_out,
                             "cannot open store \"%s\": journal_mode is \"%s\", WAL is required",
                             store->path, mode);
        return KITH_ERR_STORE;
    }
    return KITH_OK;
}

static kith_err configure(struct kith_store *store, int busy_timeout_ms, char **error_out)
{
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, busy_timeout_ms);
    kith_err err = set_journal_mode(store, error_out);
    if (err != KITH_OK)
        return err;
    int rc = sqlite3_exec(store->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL,
                          NULL, NULL);
    char fk[8] = "";
    if (rc == SQLITE_OK)
        rc = pragma_text(store->db, "PRAGMA foreign_keys", fk, sizeof fk);
    if (rc == SQLITE_OK && strcmp(fk, "1") != 0) {
        kith_store_error_set(error_out, "cannot open store \"%s\": foreign keys are unavailable",
                             store->path);
        return KITH_ERR_STORE;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(store->db, SCHEMA_VERSION_TABLE, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        kith_store_error_set(error_out, "cannot open store \"%s\": %s", store->path,
                             sqlite3_errmsg(store->db));
        return kith_store_err(rc);
    }
    kith_store_guard_install(store);
    return KITH_OK;
}

/* Finalizes everything and closes the connection, without flushing. */
static void destroy(struct kith_store *store)
{
    kith_store_batch_free(store);
    kith_store_plugin_stmts_close(store);
    for (size_t i = 0; i < store->cache_count; i++) {
        if (store->cache[i].in_use)
            kith_log(KITH_LOG_WARN, "store", "cached statement still in use at close");
        sqlite3_finalize(store->cache[i].stmt);
        free(store->cache[i].sql);
    }
    if (store->db != NULL && sqlite3_close(store->db) != SQLITE_OK) {
        /* Someone kept a statement from kith_store_db; let SQLite close when it is finalized. */
        kith_log(KITH_LOG_WARN, "store", "closing \"%s\" with unfinalized statements", store->path);
        sqlite3_close_v2(store->db);
    }
    free(store->path);
    free(store);
}

/* Prefixes a migration error with the store's path, keeping the original on NOMEM. */
static void prefix_error(char **error_out, const char *path)
{
    if (error_out == NULL || *error_out == NULL)
        return;
    char *msg = NULL;
    if (asprintf(&msg, "cannot open store \"%s\": %s", path, *error_out) < 0)
        return;
    free(*error_out);
    *error_out = msg;
}

static kith_err open_connection(struct kith_store *store, char **error_out)
{
    int rc =
        sqlite3_open_v2(store->path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        return KITH_OK;
    kith_store_error_set(error_out, "cannot open store \"%s\": %s", store->path,
                         store->db != NULL ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
    return rc == SQLITE_NOMEM ? KITH_ERR_NOMEM : KITH_ERR_STORE;
}

kith_err kith_store_open(const char *path, const struct kith_store_options *opts,
                         struct kith_store **out, char **error_out)
{
    if (error_out != NULL)
        *error_out = NULL;
    if (out == NULL || path == NULL || path[0] == '\0') {
        kith_store_error_set(error_out, "cannot open store: no path given");
        return KITH_ERR_INVALID;
    }
    *out = NULL;
    struct kith_store *store = calloc(1, sizeof *store);
    if (store == NULL || (store->path = strdup(path)) == NULL) {
        free(store);
        kith_store_error_set(error_out, "cannot open store \"%s\": out of memory", path);
        return KITH_ERR_NOMEM;
    }
    int busy_ms =
        opts != NULL && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
    store->batch_max_rows =
        opts != NULL && opts->batch_max_rows > 0 ? opts->batch_max_rows : DEFAULT_BATCH_MAX_ROWS;
    kith_err err = open_connection(store, error_out);
    if (err == KITH_OK)
        err = configure(store, busy_ms, error_out);
    if (err == KITH_OK) {
        err = kith_store_migrate(store, "core", kith_core_migrations, kith_core_migration_count,
                                 error_out);
        if (err != KITH_OK)
            prefix_error(error_out, path);
    }
    if (err != KITH_OK) {
        destroy(store);
        return err;
    }
    *out = store;
    return KITH_OK;
}

void kith_store_close(struct kith_store *store)
{
    if (store == NULL)
        return;
    if (store->in_txn) {
        kith_log(KITH_LOG_WARN, "store", "closing with an open transaction; rolling it back");
        kith_store_rollback(store);
    }
    if (store->batch.row_count > 0 && kith_store_flush(store) != KITH_OK)
        kith_log(KITH_LOG_ERROR, "store", "%zu buffered writes lost at close",
                 store->batch.row_count);
    destroy(store);
}

sqlite3 *kith_store_db(struct kith_store *store)
{
    return store != NULL ? store->db : NULL;
}

/* ---- Transactions. ---- */

/* The automatic flush waits while a transaction is open; run it once the transaction ends. */
static void flush_if_due(struct kith_store *store)
{
    if (store->batch.row_count >= store->batch_max_rows)
        kith_store_flush(store);
}

kith_err kith_store_begin(struct kith_store *store)
{
    if (store == NULL || store->in_txn)
        return KITH_ERR_INVALID;
    /* IMMEDIATE takes the write lock now, so a later write cannot fail with BUSY mid-way. */
    int rc = kith_store_exec(store, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return kith_store_err(rc);
    store->in_txn = true;
    return KITH_OK;
}

kith_err kith_store_commit(struct kith_store *store)
{
    if (store == NULL || !store->in_txn)
        return KITH_ERR_INVALID;
    if (sqlite3_get_autocommit(store->db)) {
        /* An error inside the transaction made SQLite roll it back already. */
        store->in_txn = false;
        kith_log(KITH_LOG_ERROR, "store", "commit failed: the transaction was rolled back");
        flush_if_due(store);
        return KITH_ERR_STORE;
    }
    int rc = kith_store_exec(store, "COMMIT");
    if (rc != SQLITE_OK) {
        store->in_txn = !sqlite3_get_autocommit(store->db); /* still open: caller rolls back */
        return kith_store_err(rc);
    }
    store->in_txn = false;
    flush_if_due(store);
    return KITH_OK;
}

kith_err kith_store_rollback(struct kith_store *store)
{
    if (store == NULL || !store->in_txn)
        return KITH_ERR_INVALID;
    int rc = SQLITE_OK;
    if (!sqlite3_get_autocommit(store->db))
        rc = kith_store_exec(store, "ROLLBACK");
    store->in_txn = false;
    flush_if_due(store);
    return kith_store_err(rc);
}

bool kith_store_in_transaction(const struct kith_store *store)
{
    return store != NULL && store->in_txn;
}

/* ---- Changes that land together. ---- */

kith_err kith_store_change_begin(struct kith_store *store)
{
    if (store == NULL)
        return KITH_ERR_INVALID;
    return kith_store_err(kith_store_exec(store, "SAVEPOINT kith_change"));
}

kith_err kith_store_change_end(struct kith_store *store)
{
    if (store == NULL)
        return KITH_ERR_INVALID;
    int rc = kith_store_exec(store, "RELEASE kith_change");
    if (rc != SQLITE_OK)
        kith_store_change_undo(store); /* the commit failed (a full disk): nothing stays */
    return kith_store_err(rc);
}

void kith_store_change_undo(struct kith_store *store)
{
    /* An error may already have rolled the whole transaction back; then nothing is left. */
    if (store == NULL || sqlite3_get_autocommit(store->db))
        return;
    kith_store_exec(store, "ROLLBACK TO kith_change");
    kith_store_exec(store, "RELEASE kith_change");
    if (!store->in_txn && !sqlite3_get_autocommit(store->db))
        kith_store_exec(store, "ROLLBACK"); /* the savepoint was the transaction: end it */
}

/* ---- The statement cache and small helpers over it. ---- */

kith_err kith_store_prepare(struct kith_store *store, const char *sql, sqlite3_stmt **stmt_out)
{
    if (store == NULL || sql == NULL || stmt_out == NULL)
        return KITH_ERR_INVALID;
    *stmt_out = NULL;
    bool cacheable = store->cache_count < STORE_CACHE_SLOTS;
    for (size_t i = 0; i < store->cache_count; i++) {
        struct store_cached *c = &store->cache[i];
        if (strcmp(c->sql, sql) != 0)
            continue;
        if (!c->in_use) {
            c->in_use = true;
            *stmt_out = c->stmt;
            return KITH_OK;
        }
        cacheable = false;
        break;
    }
    sqlite3_stmt *stmt = NULL;
    store->guard.refusal[0] = '\0';
    int rc = sqlite3_prepare_v3(store->db, sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0,
                                &stmt, NULL);
    if (rc != SQLITE_OK || stmt == NULL) {
        const char *refusal = store->guard.refusal;
        kith_log(KITH_LOG_ERROR, "store", "cannot prepare a statement: %s",
                 refusal[0] != '\0' ? refusal : sqlite3_errmsg(store->db));
        return rc != SQLITE_OK ? kith_store_err(rc) : KITH_ERR_INVALID;
    }
    char *copy = cacheable ? strdup(sql) : NULL;
    if (copy != NULL) {
        store->cache[store->cache_count++] = (struct store_cached){copy, stmt, true};
    }
    *stmt_out = stmt;
    return KITH_OK;
}

void kith_store_release(struct kith_store *store, sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return;
    for (size_t i = 0; store != NULL && i < store->cache_count; i++) {
        if (store->cache[i].stmt == stmt) {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
            store->cache[i].in_use = false;
            return;
        }
    }
    sqlite3_finalize(stmt);
}

static int bind_one(sqlite3_stmt *stmt, int index, const struct kith_db_value *v)
{
    switch (v->type) {
    case KITH_DB_NULL: return sqlite3_bind_null(stmt, index);
    case KITH_DB_INT64: return sqlite3_bind_int64(stmt, index, v->i64);
    case KITH_DB_DOUBLE: return sqlite3_bind_double(stmt, index, v->f64);
    case KITH_DB_TEXT:
        if (v->text == NULL)
            return sqlite3_bind_null(stmt, index);
        return sqlite3_bind_text(stmt, index, v->text, -1, SQLITE_TRANSIENT);
    }
    return SQLITE_MISMATCH;
}

kith_err kith_store_bind(sqlite3_stmt *stmt, const struct kith_db_value *params, size_t count)
{
    if (stmt == NULL || (params == NULL && count > 0))
        return KITH_ERR_INVALID;
    if (count > (size_t)sqlite3_bind_parameter_count(stmt))
        return KITH_ERR_INVALID;
    for (size_t i = 0; i < count; i++) {
        int rc = bind_one(stmt, (int)i + 1, &params[i]);
        if (rc == SQLITE_MISMATCH)
            return KITH_ERR_INVALID;
        if (rc != SQLITE_OK)
            return kith_store_err(rc);
    }
    return KITH_OK;
}

kith_err kith_store_run(struct kith_store *store, const char *sql,
                        const struct kith_db_value *params, size_t count, int64_t *changes_out)
{
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    err = kith_store_bind(stmt, params, count);
    int rc = SQLITE_ROW;
    while (err == KITH_OK && rc == SQLITE_ROW)
        rc = sqlite3_step(stmt);
    if (err == KITH_OK && rc != SQLITE_DONE) {
        err = kith_store_err(rc);
        if ((rc & 0xff) != SQLITE_CONSTRAINT)
            kith_log(KITH_LOG_ERROR, "store", "write failed: %s", sqlite3_errmsg(store->db));
    }
    if (err == KITH_OK && changes_out != NULL)
        *changes_out = sqlite3_changes64(store->db);
    kith_store_release(store, stmt);
    return err;
}
