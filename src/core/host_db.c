/* The store half of the host table (see host_db.h): thin calls into store/plugin_db.c that
 * add the plugin's name, so the authorizer confines every statement to its own tables. */
#include "core/host_db.h"

#include <stdlib.h>

#include "core/core.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "store/plugin_db.h"

kith_err kith_host_db_prepare(struct kith_plugin_ctx *ctx, const char *sql, kith_stmt **stmt_out)
{
    char *error = NULL;
    kith_err err = kith_plugin_db_prepare(ctx->core->store, ctx->desc->name, sql, stmt_out, &error);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "store", "plugin %s: %s", ctx->desc->name,
                 error ? error : kith_strerror(err));
        free(error);
    }
    return err;
}

kith_err kith_host_db_bind_text(kith_stmt *stmt, int index, const char *value)
{
    return kith_plugin_db_bind_text(stmt, index, value);
}

kith_err kith_host_db_bind_int64(kith_stmt *stmt, int index, int64_t value)
{
    return kith_plugin_db_bind_int64(stmt, index, value);
}

kith_err kith_host_db_bind_double(kith_stmt *stmt, int index, double value)
{
    return kith_plugin_db_bind_double(stmt, index, value);
}

kith_err kith_host_db_bind_null(kith_stmt *stmt, int index)
{
    return kith_plugin_db_bind_null(stmt, index);
}

kith_err kith_host_db_step(kith_stmt *stmt, bool *has_row_out)
{
    return kith_plugin_db_step(stmt, has_row_out);
}

const char *kith_host_db_column_text(kith_stmt *stmt, int column)
{
    return kith_plugin_db_column_text(stmt, column);
}

int64_t kith_host_db_column_int64(kith_stmt *stmt, int column)
{
    return kith_plugin_db_column_int64(stmt, column);
}

double kith_host_db_column_double(kith_stmt *stmt, int column)
{
    return kith_plugin_db_column_double(stmt, column);
}

bool kith_host_db_column_is_null(kith_stmt *stmt, int column)
{
    return kith_plugin_db_column_is_null(stmt, column);
}

kith_err kith_host_db_reset(kith_stmt *stmt)
{
    return kith_plugin_db_reset(stmt);
}

void kith_host_db_finalize(kith_stmt *stmt)
{
    kith_plugin_db_finalize(stmt);
}

int64_t kith_host_db_last_insert_id(struct kith_plugin_ctx *ctx)
{
    return kith_plugin_db_last_insert_id(ctx->core->store);
}

int64_t kith_host_db_changes(struct kith_plugin_ctx *ctx)
{
    return kith_plugin_db_changes(ctx->core->store);
}

/* A transaction belongs to the plugin that began it: only it may end it. */
kith_err kith_host_db_begin(struct kith_plugin_ctx *ctx)
{
    kith_err err = kith_store_begin(ctx->core->store);
    if (err == KITH_OK)
        ctx->txn_open = true;
    return err;
}

kith_err kith_host_db_commit(struct kith_plugin_ctx *ctx)
{
    if (!ctx->txn_open)
        return KITH_ERR_INVALID;
    kith_err err = kith_store_commit(ctx->core->store);
    ctx->txn_open = kith_store_in_transaction(ctx->core->store); /* a failed commit stays open */
    return err;
}

kith_err kith_host_db_rollback(struct kith_plugin_ctx *ctx)
{
    if (!ctx->txn_open)
        return KITH_ERR_INVALID;
    ctx->txn_open = false;
    return kith_store_rollback(ctx->core->store);
}

void kith_host_db_abandon(struct kith_plugin_ctx *ctx)
{
    if (!ctx->txn_open)
        return;
    kith_log(KITH_LOG_WARN, "store",
             "plugin %s returned with its transaction still open; rolled it back", ctx->desc->name);
    kith_host_db_rollback(ctx);
}

void kith_host_call_begin(struct kith_plugin_ctx *ctx)
{
    ctx->calls++;
}

void kith_host_call_end(struct kith_plugin_ctx *ctx)
{
    if (ctx->calls > 0)
        ctx->calls--;
    if (ctx->calls == 0)
        kith_host_db_abandon(ctx);
}

kith_err kith_host_db_write_buffered(struct kith_plugin_ctx *ctx, const char *sql,
                                     const struct kith_db_value *params, size_t param_count)
{
    char *error = NULL;
    kith_err err = kith_store_buffer_write_plugin(ctx->core->store, ctx->desc->name, sql, params,
                                                  param_count, &error);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "store", "plugin %s: buffered write refused: %s", ctx->desc->name,
                 error ? error : kith_strerror(err));
        free(error);
    }
    return err;
}

kith_err kith_host_migrate(struct kith_plugin_ctx *ctx, char **error_out)
{
    if (ctx->desc->migration_count == 0)
        return KITH_OK;
    return kith_store_migrate_plugin(ctx->core->store, ctx->desc->name, ctx->desc->migrations,
                                     ctx->desc->migration_count, error_out);
}
