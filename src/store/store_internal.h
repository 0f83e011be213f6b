/* Private to src/store/: the layout of struct kith_store and the helpers its files share
 * (the statement guard that confines plugins, buffered-write queue, error messages). */
#ifndef KITH_STORE_STORE_INTERNAL_H
#define KITH_STORE_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <kith/plugin.h>

#include "store/store.h"

#define STORE_CACHE_SLOTS 64
#define STORE_REFUSAL_MAX 320

struct store_cached {
    char *sql;
    sqlite3_stmt *stmt;
    bool in_use;
};

/* What the authorizer enforces while a plugin's statement is compiled (or recompiled). */
struct store_guard {
    const char *plugin;              /* NULL: unrestricted (the core) */
    bool own_ddl;                    /* the statement drops or alters one of the plugin's tables */
    bool renames;                    /* the statement is ALTER TABLE ... RENAME TO */
    char refusal[STORE_REFUSAL_MAX]; /* first refusal of this statement, "" when none */
};

/* One distinct buffered statement, prepared once; `owner` is NULL for the core. */
struct batch_stmt {
    char *owner;
    char *sql;
    sqlite3_stmt *stmt;
};

/* One queued row; `values` and the texts they point to live in one allocation. */
struct batch_row {
    size_t stmt_index;
    struct kith_db_value *values;
    size_t count;
    bool failed;
};

struct store_batch {
    struct batch_stmt *stmts;
    size_t stmt_count, stmt_cap;
    struct batch_row *rows;
    size_t row_count, row_cap;
};

struct kith_store {
    sqlite3 *db;
    char *path;
    size_t batch_max_rows;
    bool in_txn;
    struct store_cached cache[STORE_CACHE_SLOTS];
    size_t cache_count;
    struct store_guard guard;
    struct store_batch batch;
    struct kith_stmt *plugin_stmts; /* live statements handed to plugins */
};

/* Sets *error_out (when error_out is non-NULL) to a malloc'd message; NULL if out of memory. */
void kith_store_error_set(char **error_out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs fixed SQL of the store itself (BEGIN, COMMIT, ...) and returns SQLite's result code;
 * failures are logged. */
int kith_store_exec(struct kith_store *store, const char *sql);

int64_t kith_store_wall_ms(void);

/* Installs the authorizer on the connection (once, at open). */
void kith_store_guard_install(struct kith_store *store);

/* Prepares the first statement of `sql` with the authorizer confining `plugin` (NULL: no
 * confinement). *tail_out (may be NULL) gets the rest of the SQL. *stmt_out is NULL when the
 * SQL holds no statement. On error *error_out (may be NULL) gets a message to free(). */
kith_err kith_store_prepare_guarded(struct kith_store *store, const char *plugin, const char *sql,
                                    sqlite3_stmt **stmt_out, const char **tail_out,
                                    char **error_out);

/* sqlite3_step (returning its result code) under the authorizer of `plugin`, so a
 * recompilation of the statement is checked too. */
int kith_store_step_guarded(struct kith_store *store, const char *plugin, sqlite3_stmt *stmt);

/* The refusal message of the last guarded prepare or step, "" when none. */
const char *kith_store_guard_refusal(const struct kith_store *store);

/* True when `tail` holds only whitespace, semicolons and comments. */
bool kith_store_sql_tail_empty(const char *tail);

/* Queues a buffered write for `plugin` (NULL: the core). */
kith_err kith_store_batch_enqueue(struct kith_store *store, const char *plugin, const char *sql,
                                  const struct kith_db_value *params, size_t count,
                                  char **error_out);
/* Drops every queued row and finalizes the batch statements. */
void kith_store_batch_free(struct kith_store *store);

/* Finalizes and frees the statements plugins still hold (at close). */
void kith_store_plugin_stmts_close(struct kith_store *store);

/* Applies migrations of `owner`, confined to `plugin`'s tables when plugin is non-NULL. */
kith_err kith_store_migrate_as(struct kith_store *store, const char *owner, const char *plugin,
                               const struct kith_migration *migrations, size_t count,
                               char **error_out);

#endif
