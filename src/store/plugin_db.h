/* Statement access for plugins (behind the db_* members of struct kith_host): prepared
 * statements confined by an authorizer so a plugin writes only tables named `<plugin>_*`. */
#ifndef KITH_STORE_PLUGIN_DB_H
#define KITH_STORE_PLUGIN_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/plugin.h>
#include <kith/store.h>

#include "store/store.h"

/* Prepares one SQL statement for `plugin_name`. Reads of any table are allowed; CREATE, DROP,
 * ALTER, INSERT, UPDATE and DELETE only on the plugin's own `<plugin>_*` objects; ATTACH,
 * DETACH, ANALYZE, transaction statements (use kith_store_begin/commit/rollback) and PRAGMAs
 * other than read-only introspection are refused. A refusal returns KITH_ERR_PERMISSION and
 * a message such as `plugin "polls" may only write tables named polls_*; "kith_members"
 * refused`; an SQL error returns KITH_ERR_INVALID (or the mapped SQLite error) with SQLite's
 * message. *error_out (if non-NULL) receives a message to free() on error.
 * The statement belongs to the caller: release it with kith_plugin_db_finalize. */
kith_err kith_plugin_db_prepare(struct kith_store *store, const char *plugin_name, const char *sql,
                                kith_stmt **stmt_out, char **error_out);

/* Bind indexes are 1-based, like SQLite's; an index outside 1..parameter count gives
 * KITH_ERR_INVALID. Text is copied; bind_text with NULL binds NULL. */
kith_err kith_plugin_db_bind_text(kith_stmt *stmt, int index, const char *value);
kith_err kith_plugin_db_bind_int64(kith_stmt *stmt, int index, int64_t value);
kith_err kith_plugin_db_bind_double(kith_stmt *stmt, int index, double value);
kith_err kith_plugin_db_bind_null(kith_stmt *stmt, int index);

/* Runs the statement one step: *has_row_out is true while a result row is available. Errors
 * are logged with SQLite's message under "plugin <name>". */
kith_err kith_plugin_db_step(kith_stmt *stmt, bool *has_row_out);

/* Columns are 0-based. Outside a row, or out of range: NULL / 0 / 0.0 / true.
 * The text is borrowed, valid until the next step, reset or finalize. */
const char *kith_plugin_db_column_text(kith_stmt *stmt, int column);
int64_t kith_plugin_db_column_int64(kith_stmt *stmt, int column);
double kith_plugin_db_column_double(kith_stmt *stmt, int column);
bool kith_plugin_db_column_is_null(kith_stmt *stmt, int column);

/* Rewinds the statement and clears its bindings so it can run again. */
kith_err kith_plugin_db_reset(kith_stmt *stmt);
/* Safe with NULL. */
void kith_plugin_db_finalize(kith_stmt *stmt);

/* Rowid of the last insert and rows changed by the last statement, on the shared connection. */
int64_t kith_plugin_db_last_insert_id(struct kith_store *store);
int64_t kith_plugin_db_changes(struct kith_store *store);

/* Finalizes every statement `plugin_name` still holds (logged as a leak), e.g. at unload.
 * Its kith_stmt pointers are invalid afterwards. Returns how many were released. */
size_t kith_plugin_db_release_all(struct kith_store *store, const char *plugin_name);

/* True when `name` can own tables: [a-z][a-z0-9_]{0,31} and not reserved ("core", "kith",
 * "sqlite"). */
bool kith_plugin_db_name_valid(const char *name);

#endif
