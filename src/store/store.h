/* The SQLite store: opening with kith's pragmas, numbered migrations, batched writes. */
#ifndef KITH_STORE_STORE_H
#define KITH_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <kith/plugin.h>

struct kith_store;

struct kith_store_options {
    int busy_timeout_ms;   /* sqlite3_busy_timeout */
    size_t batch_max_rows; /* buffered writes flush once this many are pending */
};

/* Opens (creating if needed) the database at `path`, sets WAL, synchronous=NORMAL,
 * foreign_keys=ON and the busy timeout, and applies the core schema migrations.
 * On error returns non-OK and, if error_out is non-NULL, a message to free() with free(). */
kith_err kith_store_open(const char *path, const struct kith_store_options *opts,
                         struct kith_store **out, char **error_out);

/* Flushes buffered writes and closes. Safe with NULL. */
void kith_store_close(struct kith_store *store);

/* Borrowed handle for modules that run their own statements. */
sqlite3 *kith_store_db(struct kith_store *store);

/* Applies the migrations of `owner` ("core" or a plugin name) whose version is above the
 * recorded one, each in its own transaction, recording the version in kith_schema_version.
 * Refuses (KITH_ERR_VERSION) when the database records a version newer than the highest
 * given: the database was written by newer code. Migrations must be numbered 1..n in order. */
kith_err kith_store_migrate(struct kith_store *store, const char *owner,
                            const struct kith_migration *migrations, size_t count,
                            char **error_out);

/* Current recorded schema version of `owner` (0 when none). */
kith_err kith_store_schema_version(struct kith_store *store, const char *owner, int *version_out);

/* Queues a write (the SQL and parameters are copied). Flushed by kith_store_flush, or at once
 * when batch_max_rows are pending. The SQL is validated (prepared) now, so errors surface
 * to the caller rather than at flush. */
kith_err kith_store_buffer_write(struct kith_store *store, const char *sql,
                                 const struct kith_db_value *params, size_t param_count);

/* Applies all buffered writes in one transaction. A failing row is logged and skipped (so
 * one bad row cannot block the rest); the others commit. A failure of the storage itself
 * (disk full, I/O error, read-only, locked) writes nothing and keeps every row. While a
 * kith_store_begin transaction is open it returns KITH_ERR_BUSY and keeps the rows (the
 * automatic flush then waits for the commit or rollback). */
kith_err kith_store_flush(struct kith_store *store);
size_t kith_store_pending_writes(const struct kith_store *store);

/* Transactions on the shared connection (nested begin is an error). */
kith_err kith_store_begin(struct kith_store *store);
kith_err kith_store_commit(struct kith_store *store);
kith_err kith_store_rollback(struct kith_store *store);
/* Whether a kith_store_begin transaction is open (a failed commit may leave it open). */
bool kith_store_in_transaction(const struct kith_store *store);

/* A change of several statements that must land together (an admin change and its audit
 * entry): an SQL savepoint, so it nests inside an open kith_store_begin transaction too.
 * Every kith_store_change_begin is ended by exactly one of end (keep it) or undo. */
kith_err kith_store_change_begin(struct kith_store *store);
kith_err kith_store_change_end(struct kith_store *store);
void kith_store_change_undo(struct kith_store *store);

/* Maps an SQLite result code to kith_err: NOMEM -> NOMEM; BUSY, LOCKED -> BUSY; a PRIMARY KEY
 * or UNIQUE violation -> EXISTS; other constraint violations (NOT NULL, CHECK, FOREIGN KEY)
 * and MISUSE, RANGE, ERROR (bad SQL) -> INVALID; AUTH -> PERMISSION; OK, ROW, DONE -> OK;
 * anything else -> STORE. The connection reports extended result codes. */
kith_err kith_store_err(int sqlite_rc);

/* ---- Additions beyond the first interface. ---- */

/* kith_store_migrate for a plugin: the same, but every statement runs under the plugin
 * authorizer (see store/plugin_db.h), so a migration can create and change only
 * `<plugin>_*` objects. A refusal fails the migration (rolled back) with the reason. */
kith_err kith_store_migrate_plugin(struct kith_store *store, const char *plugin_name,
                                   const struct kith_migration *migrations, size_t count,
                                   char **error_out);

/* kith_store_buffer_write for a plugin: the SQL is prepared under the plugin authorizer now
 * and runs under it at flush. On error *error_out (if non-NULL) gets a message to free(). */
kith_err kith_store_buffer_write_plugin(struct kith_store *store, const char *plugin_name,
                                        const char *sql, const struct kith_db_value *params,
                                        size_t param_count, char **error_out);

/* A statement from the store's cache, prepared on first use (for the core's fixed SQL).
 * Give it back with kith_store_release, which resets it and clears its bindings; never
 * finalize it. When the cached one is already in use (a nested call), a private statement
 * is prepared instead and release finalizes it. Prepare failures are logged. */
kith_err kith_store_prepare(struct kith_store *store, const char *sql, sqlite3_stmt **stmt_out);
void kith_store_release(struct kith_store *store, sqlite3_stmt *stmt);

/* Binds params to ?1..?count (KITH_DB_TEXT with a NULL text binds NULL). */
kith_err kith_store_bind(sqlite3_stmt *stmt, const struct kith_db_value *params, size_t count);

/* Runs one cached write statement to completion; *changes_out (if non-NULL) gets the number
 * of rows it changed. Failures other than constraint violations are logged. */
kith_err kith_store_run(struct kith_store *store, const char *sql,
                        const struct kith_db_value *params, size_t count, int64_t *changes_out);

#endif
