/* The store half of the host table: plugins' prepared statements, transactions, buffered
 * writes and migrations, each confined to the plugin's own tables. */
#ifndef KITH_CORE_HOST_DB_H
#define KITH_CORE_HOST_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <kith/plugin.h>

kith_err kith_host_db_prepare(struct kith_plugin_ctx *ctx, const char *sql, kith_stmt **stmt_out);
kith_err kith_host_db_bind_text(kith_stmt *stmt, int index, const char *value);
kith_err kith_host_db_bind_int64(kith_stmt *stmt, int index, int64_t value);
kith_err kith_host_db_bind_double(kith_stmt *stmt, int index, double value);
kith_err kith_host_db_bind_null(kith_stmt *stmt, int index);
kith_err kith_host_db_step(kith_stmt *stmt, bool *has_row_out);
const char *kith_host_db_column_text(kith_stmt *stmt, int column);
int64_t kith_host_db_column_int64(kith_stmt *stmt, int column);
double kith_host_db_column_double(kith_stmt *stmt, int column);
bool kith_host_db_column_is_null(kith_stmt *stmt, int column);
kith_err kith_host_db_reset(kith_stmt *stmt);
void kith_host_db_finalize(kith_stmt *stmt);
int64_t kith_host_db_last_insert_id(struct kith_plugin_ctx *ctx);
int64_t kith_host_db_changes(struct kith_plugin_ctx *ctx);
kith_err kith_host_db_begin(struct kith_plugin_ctx *ctx);
kith_err kith_host_db_commit(struct kith_plugin_ctx *ctx);
kith_err kith_host_db_rollback(struct kith_plugin_ctx *ctx);
kith_err kith_host_db_write_buffered(struct kith_plugin_ctx *ctx, const char *sql,
                                     const struct kith_db_value *params, size_t param_count);

#endif
