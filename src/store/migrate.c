/* Numbered schema migrations: each pending one runs in its own transaction together with the
 * bump of its owner's row in kith_schema_version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/plugin_db.h"
#include "store/store.h"
#include "store/store_internal.h"

static const char SQL_VERSION_GET[] = "SELECT version FROM kith_schema_version WHERE owner = ?1";
static const char SQL_VERSION_SET[] =
    "INSERT INTO kith_schema_version (owner, version, applied_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (owner) DO UPDATE SET version = excluded.version,"
    " applied_at = excluded.applied_at";

kith_err kith_store_schema_version(struct kith_store *store, const char *owner, int *version_out)
{
    if (store == NULL || owner == NULL || version_out == NULL)
        return KITH_ERR_INVALID;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, SQL_VERSION_GET, &stmt);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value params[] = {KITH_DB_TEXT(owner)};
    err = kith_store_bind(stmt, params, 1);
    if (err == KITH_OK) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
            *version_out = sqlite3_column_int(stmt, 0);
        else if (rc == SQLITE_DONE)
            *version_out = 0;
        else
            err = kith_store_err(rc);
    }
    kith_store_release(store, stmt);
    return err;
}

static kith_err check_numbering(const char *owner, const struct kith_migration *migrations,
                                size_t count, char **error_out)
{
    if (migrations == NULL && count > 0) {
        kith_store_error_set(error_out, "migrations of \"%s\" are missing", owner);
        return KITH_ERR_INVALID;
    }
    for (size_t i = 0; i < count; i++) {
        if (migrations[i].version != (int)i + 1) {
            kith_store_error_set(error_out,
                                 "migrations of \"%s\" must be numbered 1..%zu in order; "
                                 "entry %zu has version %d",
                                 owner, count, i + 1, migrations[i].version);
            return KITH_ERR_INVALID;
        }
        if (migrations[i].sql == NULL) {
            kith_store_error_set(error_out, "migration %d of \"%s\" has no SQL",
                                 migrations[i].version, owner);
            return KITH_ERR_INVALID;
        }
    }
    return KITH_OK;
}

static void newer_error(char **error_out, const char *owner, int recorded, size_t known)
{
    if (strcmp(owner, "core") == 0)
        kith_store_error_set(error_out,
                             "store records core schema version %d, this kithd knows up to %zu: "
                             "the database was written by a newer kith",
                             recorded, known);
    else
        kith_store_error_set(error_out,
                             "store records schema version %d of \"%s\", this build knows up to "
                             "%zu: the database was written by a newer \"%s\"",
                             recorded, owner, known, owner);
}

/* Runs every statement of a migration script; *message_out gets SQLite's (or the
 * authorizer's) reason on failure. */
static kith_err run_script(struct kith_store *store, const char *plugin, const char *sql,
                           char **message_out)
{
    const char *next = sql;
    while (next != NULL && *next != '\0') {
        sqlite3_stmt *stmt = NULL;
        kith_err err = kith_store_prepare_guarded(store, plugin, next, &stmt, &next, message_out);
        if (err != KITH_OK)
            return err;
        if (stmt == NULL)
            break; /* only whitespace or comments left */
        int rc;
        while ((rc = kith_store_step_guarded(store, plugin, stmt)) == SQLITE_ROW)
            ;
        if (rc != SQLITE_DONE) {
            const char *refusal = kith_store_guard_refusal(store);
            kith_store_error_set(message_out, "%s",
                                 refusal[0] != '\0' ? refusal : sqlite3_errmsg(store->db));
            sqlite3_finalize(stmt);
            return kith_store_err(rc) == KITH_OK ? KITH_ERR_STORE : kith_store_err(rc);
        }
        sqlite3_finalize(stmt);
    }
    return KITH_OK;
}

static kith_err record_version(struct kith_store *store, const char *owner, int version)
{
    const struct kith_db_value params[] = {KITH_DB_TEXT(owner), KITH_DB_I64(version),
                                           KITH_DB_I64(kith_store_wall_ms())};
    return kith_store_run(store, SQL_VERSION_SET, params, 3, NULL);
}

/* Applies one migration in its own transaction unless another process got there first. */
static kith_err apply_one(struct kith_store *store, const char *owner, const char *plugin,
                          const struct kith_migration *m, char **error_out)
{
    int rc = sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        kith_store_error_set(error_out, "cannot start migration %d of \"%s\": %s", m->version,
                             owner, sqlite3_errmsg(store->db));
        return kith_store_err(rc);
    }
    int current = 0;
    kith_err err = kith_store_schema_version(store, owner, &current);
    if (err == KITH_OK && current >= m->version) {
        rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL);
        return kith_store_err(rc);
    }
    char *message = NULL;
    if (err == KITH_OK)
        err = run_script(store, plugin, m->sql, &message);
    if (err == KITH_OK)
        err = record_version(store, owner, m->version);
    if (err == KITH_OK && (rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        err = kith_store_err(rc) != KITH_OK ? kith_store_err(rc) : KITH_ERR_STORE;
    if (err != KITH_OK) {
        const char *why = message != NULL ? message : sqlite3_errmsg(store->db);
        kith_store_error_set(error_out, "migration %d of \"%s\" failed: %s", m->version, owner,
                             why);
        if (!sqlite3_get_autocommit(store->db))
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    }
    free(message);
    return err;
}

kith_err kith_store_migrate_as(struct kith_store *store, const char *owner, const char *plugin,
                               const struct kith_migration *migrations, size_t count,
                               char **error_out)
{
    if (error_out != NULL)
        *error_out = NULL;
    if (store == NULL || owner == NULL || owner[0] == '\0') {
        kith_store_error_set(error_out, "migrate: no store or owner given");
        return KITH_ERR_INVALID;
    }
    if (store->in_txn) {
        kith_store_error_set(error_out, "cannot migrate \"%s\" inside an open transaction", owner);
        return KITH_ERR_INVALID;
    }
    kith_err err = check_numbering(owner, migrations, count, error_out);
    if (err != KITH_OK)
        return err;
    int current = 0;
    err = kith_store_schema_version(store, owner, &current);
    if (err != KITH_OK) {
        kith_store_error_set(error_out, "cannot read the schema version of \"%s\": %s", owner,
                             sqlite3_errmsg(store->db));
        return err;
    }
    if (current > (int)count) {
        newer_error(error_out, owner, current, count);
        return KITH_ERR_VERSION;
    }
    for (size_t i = (size_t)current; i < count; i++) {
        err = apply_one(store, owner, plugin, &migrations[i], error_out);
        if (err != KITH_OK)
            return err;
        kith_log(KITH_LOG_INFO, "store", "applied migration %d of \"%s\"", migrations[i].version,
                 owner);
    }
    return KITH_OK;
}

kith_err kith_store_migrate(struct kith_store *store, const char *owner,
                            const struct kith_migration *migrations, size_t count, char **error_out)
{
    return kith_store_migrate_as(store, owner, NULL, migrations, count, error_out);
}

kith_err kith_store_migrate_plugin(struct kith_store *store, const char *plugin_name,
                                   const struct kith_migration *migrations, size_t count,
                                   char **error_out)
{
    if (error_out != NULL)
        *error_out = NULL;
    if (!kith_plugin_db_name_valid(plugin_name)) {
        kith_store_error_set(error_out,
                             "\"%s\" cannot own tables: plugin names are "
                             "[a-z][a-z0-9_]{0,31} and not core, kith or sqlite",
                             plugin_name != NULL ? plugin_name : "(null)");
        return KITH_ERR_INVALID;
    }
    return kith_store_migrate_as(store, plugin_name, plugin_name, migrations, count, error_out);
}
