/* Typed access to the core's tables; every query is a cached statement with bound parameters. */
#include "store/core_tables.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Query helpers over the store's statement cache. ---- */

/* Copies the first column of the first row into *value_out (malloc'd);
 * KITH_ERR_NOT_FOUND without a row. */
static kith_err query_text(struct kith_store *store, const char *sql,
                           const struct kith_db_value *params, size_t count, char **value_out)
{
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    err = kith_store_bind(stmt, params, count);
    if (err == KITH_OK) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const unsigned char *text = sqlite3_column_text(stmt, 0);
            *value_out = strdup(text != NULL ? (const char *)text : "");
            err = *value_out != NULL ? KITH_OK : KITH_ERR_NOMEM;
        } else {
            err = rc == SQLITE_DONE ? KITH_ERR_NOT_FOUND : kith_store_err(rc);
        }
    }
    kith_store_release(store, stmt);
    return err;
}

/* *found_out is true when the query yields a row; *value_out (may be NULL) gets its first
 * column as an integer. */
static kith_err query_int(struct kith_store *store, const char *sql,
                          const struct kith_db_value *params, size_t count, bool *found_out,
                          int64_t *value_out)
{
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    err = kith_store_bind(stmt, params, count);
    if (err == KITH_OK) {
        int rc = sqlite3_step(stmt);
        *found_out = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW && value_out != NULL)
            *value_out = sqlite3_column_int64(stmt, 0);
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            err = kith_store_err(rc);
    }
    kith_store_release(store, stmt);
    return err;
}

/* ---- Servers and members. ---- */

kith_err kith_db_server_upsert(struct kith_store *store, const char *server_id,
                               const char *platform, const char *name, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO kith_servers (id, platform, name, first_seen, last_seen)"
                              " VALUES (?1, ?2, ?3, ?4, ?4)"
                              " ON CONFLICT (id) DO UPDATE SET platform = excluded.platform,"
                              " name = COALESCE(excluded.name, kith_servers.name),"
                              " last_seen = MAX(kith_servers.last_seen, excluded.last_seen)";
    if (store == NULL || server_id == NULL || platform == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(platform),
                                      KITH_DB_TEXT(name), KITH_DB_I64(now_ms)};
    return kith_store_run(store, sql, p, COUNT(p), NULL);
}

kith_err kith_db_member_seen(struct kith_store *store, const char *server_id, const char *user_id,
                             const char *display_name, int64_t now_ms)
{
    /* A member can arrive before its server's metadata; the platform is the id's prefix
     * ("discord:123" -> "discord") until kith_db_server_upsert fills in the rest. */
    static const char server_sql[] =
        "INSERT INTO kith_servers (id, platform, name, first_seen, last_seen)"
        " VALUES (?1, CASE WHEN instr(?1, ':') > 0 THEN substr(?1, 1, instr(?1, ':') - 1)"
        " ELSE '' END, NULL, ?2, ?2)"
        " ON CONFLICT (id) DO NOTHING";
    static const char member_sql[] =
        "INSERT INTO kith_members (server_id, user_id, display_name, first_seen, last_seen)"
        " VALUES (?1, ?2, ?3, ?4, ?4)"
        " ON CONFLICT (server_id, user_id) DO UPDATE SET"
        " display_name = COALESCE(excluded.display_name, kith_members.display_name),"
        " last_seen = MAX(kith_members.last_seen, excluded.last_seen)";
    if (store == NULL || server_id == NULL || user_id == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value sp[] = {KITH_DB_TEXT(server_id), KITH_DB_I64(now_ms)};
    kith_err err = kith_store_run(store, server_sql, sp, COUNT(sp), NULL);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value mp[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(user_id),
                                       KITH_DB_TEXT(display_name), KITH_DB_I64(now_ms)};
    return kith_store_run(store, member_sql, mp, COUNT(mp), NULL);
}

/* ---- Plugin enablement and settings. ---- */

kith_err kith_db_plugin_enabled(struct kith_store *store, const char *server_id, const char *plugin,
                                bool *enabled_out)
{
    static const char sql[] =
        "SELECT enabled FROM kith_plugin_enablement WHERE server_id = ?1 AND plugin = ?2";
    if (store == NULL || server_id == NULL || plugin == NULL || enabled_out == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(plugin)};
    bool found = false;
    int64_t enabled = 0;
    kith_err err = query_int(store, sql, p, COUNT(p), &found, &enabled);
    if (err == KITH_OK)
        *enabled_out = found && enabled != 0;
    return err;
}

kith_err kith_db_plugin_set_enabled(struct kith_store *store, const char *server_id,
                                    const char *plugin, bool enabled, int64_t now_ms)
{
    static const char sql[] =
        "INSERT INTO kith_plugin_enablement (server_id, plugin, enabled, changed_at)"
        " VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (server_id, plugin) DO UPDATE SET enabled = excluded.enabled,"
        " changed_at = excluded.changed_at";
    if (store == NULL || server_id == NULL || plugin == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(plugin),
                                      KITH_DB_I64(enabled ? 1 : 0), KITH_DB_I64(now_ms)};
    return kith_store_run(store, sql, p, COUNT(p), NULL);
}

void kith_db_free_ids(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

static kith_err append_id(char ***ids, size_t *count, const unsigned char *id)
{
    char **grown = realloc(*ids, (*count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    *ids = grown;
    grown[*count] = strdup(id != NULL ? (const char *)id : "");
    if (grown[*count] == NULL)
        return KITH_ERR_NOMEM;
    (*count)++;
    return KITH_OK;
}

kith_err kith_db_plugin_enabled_servers(struct kith_store *store, const char *plugin,
                                        char ***ids_out, size_t *count_out)
{
    static const char sql[] = "SELECT server_id FROM kith_plugin_enablement"
                              " WHERE plugin = ?1 AND enabled = 1 ORDER BY server_id";
    *ids_out = NULL;
    *count_out = 0;
    if (store == NULL || plugin == NULL)
        return KITH_ERR_INVALID;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value p[] = {KITH_DB_TEXT(plugin)};
    err = kith_store_bind(stmt, p, COUNT(p));
    char **ids = NULL;
    size_t count = 0;
    int rc = SQLITE_DONE;
    while (err == KITH_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        err = append_id(&ids, &count, sqlite3_column_text(stmt, 0));
    if (err == KITH_OK && rc != SQLITE_DONE)
        err = kith_store_err(rc);
    kith_store_release(store, stmt);
    if (err != KITH_OK) {
        kith_db_free_ids(ids, count);
        return err;
    }
    *ids_out = ids;
    *count_out = count;
    return KITH_OK;
}

kith_err kith_db_setting_get(struct kith_store *store, const char *server_id, const char *plugin,
                             const char *key, char **value_out)
{
    static const char sql[] = "SELECT value FROM kith_plugin_settings"
                              " WHERE server_id = ?1 AND plugin = ?2 AND key = ?3";
    if (store == NULL || server_id == NULL || plugin == NULL || key == NULL || value_out == NULL)
        return KITH_ERR_INVALID;
    *value_out = NULL;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(plugin),
                                      KITH_DB_TEXT(key)};
    return query_text(store, sql, p, COUNT(p), value_out);
}

kith_err kith_db_setting_set(struct kith_store *store, const char *server_id, const char *plugin,
                             const char *key, const char *value, int64_t now_ms)
{
    static const char set_sql[] =
        "INSERT INTO kith_plugin_settings (server_id, plugin, key, value, changed_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (server_id, plugin, key) DO UPDATE SET value = excluded.value,"
        " changed_at = excluded.changed_at";
    static const char unset_sql[] = "DELETE FROM kith_plugin_settings"
                                    " WHERE server_id = ?1 AND plugin = ?2 AND key = ?3";
    if (store == NULL || server_id == NULL || plugin == NULL || key == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_TEXT(plugin),
                                      KITH_DB_TEXT(key), KITH_DB_TEXT(value), KITH_DB_I64(now_ms)};
    if (value == NULL)
        return kith_store_run(store, unset_sql, p, 3, NULL);
    return kith_store_run(store, set_sql, p, COUNT(p), NULL);
}

/* ---- Managers. ---- */

static bool kind_valid(kith_manager_kind kind)
{
    return kind == KITH_MANAGER_USER || kind == KITH_MANAGER_ROLE;
}

kith_err kith_db_manager_add(struct kith_store *store, const char *server_id,
                             kith_manager_kind kind, const char *subject_id, int64_t now_ms)
{
    static const char sql[] = "INSERT INTO kith_managers (server_id, kind, subject_id, added_at)"
                              " VALUES (?1, ?2, ?3, ?4)";
    if (store == NULL || server_id == NULL || subject_id == NULL || !kind_valid(kind))
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_I64(kind),
                                      KITH_DB_TEXT(subject_id), KITH_DB_I64(now_ms)};
    /* The primary key turns a second add into SQLITE_CONSTRAINT_PRIMARYKEY: KITH_ERR_EXISTS. */
    return kith_store_run(store, sql, p, COUNT(p), NULL);
}

kith_err kith_db_manager_remove(struct kith_store *store, const char *server_id,
                                kith_manager_kind kind, const char *subject_id)
{
    static const char sql[] =
        "DELETE FROM kith_managers WHERE server_id = ?1 AND kind = ?2 AND subject_id = ?3";
    if (store == NULL || server_id == NULL || subject_id == NULL || !kind_valid(kind))
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_I64(kind),
                                      KITH_DB_TEXT(subject_id)};
    int64_t changes = 0;
    kith_err err = kith_store_run(store, sql, p, COUNT(p), &changes);
    if (err == KITH_OK && changes == 0)
        return KITH_ERR_NOT_FOUND;
    return err;
}

kith_err kith_db_is_manager(struct kith_store *store, const char *server_id, const char *user_id,
                            const char *const *role_ids, size_t role_count, bool *out)
{
    static const char sql[] = "SELECT 1 FROM kith_managers"
                              " WHERE server_id = ?1 AND kind = ?2 AND subject_id = ?3";
    if (store == NULL || server_id == NULL || out == NULL || (role_ids == NULL && role_count > 0))
        return KITH_ERR_INVALID;
    *out = false;
    kith_err err = KITH_OK;
    if (user_id != NULL) {
        const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_I64(KITH_MANAGER_USER),
                                          KITH_DB_TEXT(user_id)};
        err = query_int(store, sql, p, COUNT(p), out, NULL);
    }
    for (size_t i = 0; err == KITH_OK && !*out && i < role_count; i++) {
        if (role_ids[i] == NULL)
            continue;
        const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_I64(KITH_MANAGER_ROLE),
                                          KITH_DB_TEXT(role_ids[i])};
        err = query_int(store, sql, p, COUNT(p), out, NULL);
    }
    return err;
}

kith_err kith_db_managers_list(struct kith_store *store, const char *server_id, kith_manager_fn fn,
                               void *ud)
{
    static const char sql[] = "SELECT kind, subject_id FROM kith_managers WHERE server_id = ?1"
                              " ORDER BY added_at, rowid";
    if (store == NULL || server_id == NULL || fn == NULL)
        return KITH_ERR_INVALID;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id)};
    err = kith_store_bind(stmt, p, COUNT(p));
    int rc = SQLITE_DONE;
    while (err == KITH_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const unsigned char *subject = sqlite3_column_text(stmt, 1);
        fn((kith_manager_kind)sqlite3_column_int(stmt, 0),
           subject != NULL ? (const char *)subject : "", ud);
    }
    if (err == KITH_OK && rc != SQLITE_DONE)
        err = kith_store_err(rc);
    kith_store_release(store, stmt);
    return err;
}

/* ---- The audit log. ---- */

kith_err kith_db_audit_append(struct kith_store *store, const struct kith_audit_entry *e)
{
    static const char sql[] =
        "INSERT INTO kith_audit_log (server_id, actor_id, action, target, \"before\", \"after\","
        " at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (store == NULL || e == NULL || e->server_id == NULL || e->actor_id == NULL ||
        e->action == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(e->server_id), KITH_DB_TEXT(e->actor_id),
                                      KITH_DB_TEXT(e->action),    KITH_DB_TEXT(e->target),
                                      KITH_DB_TEXT(e->before),    KITH_DB_TEXT(e->after),
                                      KITH_DB_I64(e->at_ms)};
    return kith_store_run(store, sql, p, COUNT(p), NULL);
}

static const char *column_text_or_null(sqlite3_stmt *stmt, int column)
{
    return (const char *)sqlite3_column_text(stmt, column);
}

kith_err kith_db_audit_list(struct kith_store *store, const char *server_id, size_t limit,
                            kith_audit_fn fn, void *ud)
{
    static const char sql[] =
        "SELECT actor_id, action, target, \"before\", \"after\", at FROM kith_audit_log"
        " WHERE server_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2";
    if (store == NULL || server_id == NULL || fn == NULL)
        return KITH_ERR_INVALID;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    int64_t max = limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
    const struct kith_db_value p[] = {KITH_DB_TEXT(server_id), KITH_DB_I64(max)};
    err = kith_store_bind(stmt, p, COUNT(p));
    int rc = SQLITE_DONE;
    while (err == KITH_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct kith_audit_entry entry = {
            .server_id = server_id,
            .actor_id = column_text_or_null(stmt, 0),
            .action = column_text_or_null(stmt, 1),
            .target = column_text_or_null(stmt, 2),
            .before = column_text_or_null(stmt, 3),
            .after = column_text_or_null(stmt, 4),
            .at_ms = sqlite3_column_int64(stmt, 5),
        };
        fn(&entry, ud);
    }
    if (err == KITH_OK && rc != SQLITE_DONE)
        err = kith_store_err(rc);
    kith_store_release(store, stmt);
    return err;
}

/* ---- Platform state. ---- */

kith_err kith_db_state_get(struct kith_store *store, const char *scope, const char *key,
                           char **value_out)
{
    static const char sql[] = "SELECT value FROM kith_platform_state WHERE scope = ?1 AND key = ?2";
    if (store == NULL || scope == NULL || key == NULL || value_out == NULL)
        return KITH_ERR_INVALID;
    *value_out = NULL;
    const struct kith_db_value p[] = {KITH_DB_TEXT(scope), KITH_DB_TEXT(key)};
    return query_text(store, sql, p, COUNT(p), value_out);
}

kith_err kith_db_state_set(struct kith_store *store, const char *scope, const char *key,
                           const char *value)
{
    static const char sql[] =
        "INSERT INTO kith_platform_state (scope, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at";
    if (store == NULL || scope == NULL || key == NULL || value == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(scope), KITH_DB_TEXT(key), KITH_DB_TEXT(value),
                                      KITH_DB_I64(kith_store_wall_ms())};
    return kith_store_run(store, sql, p, COUNT(p), NULL);
}

kith_err kith_db_state_delete(struct kith_store *store, const char *scope, const char *key)
{
    static const char sql[] = "DELETE FROM kith_platform_state WHERE scope = ?1 AND key = ?2";
    if (store == NULL || scope == NULL || key == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_TEXT(scope), KITH_DB_TEXT(key)};
    return kith_store_run(store, sql, p, COUNT(p), NULL);
}

kith_err kith_db_state_list(struct kith_store *store, const char *scope, const char *prefix,
                            kith_state_fn fn, void *ud)
{
    static const char sql[] = "SELECT key, value FROM kith_platform_state WHERE scope = ?1"
                              " AND substr(key, 1, length(?2)) = ?2 ORDER BY key";
    if (store == NULL || scope == NULL || prefix == NULL || fn == NULL)
        return KITH_ERR_INVALID;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(store, sql, &stmt);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value p[] = {KITH_DB_TEXT(scope), KITH_DB_TEXT(prefix)};
    err = kith_store_bind(stmt, p, COUNT(p));
    int rc = SQLITE_DONE;
    while (err == KITH_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const unsigned char *key = sqlite3_column_text(stmt, 0);
        const unsigned char *value = sqlite3_column_text(stmt, 1);
        fn(key ? (const char *)key : "", value ? (const char *)value : "", ud);
    }
    if (err == KITH_OK && rc != SQLITE_DONE)
        err = kith_store_err(rc);
    kith_store_release(store, stmt);
    return err;
}
