/* Moving a server's core rows to a new id (see migrate_server.h), with bound parameters. */
#include "store/migrate_server.h"

#include "store/core_tables.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The server row first: members reference it. ?1 from, ?2 to, ?3 now. */
static const char copy_server[] =
    "INSERT INTO kith_servers (id, platform, name, first_seen, last_seen)"
    " SELECT ?2, platform, name, first_seen, ?3 FROM kith_servers WHERE id = ?1"
    " ON CONFLICT (id) DO NOTHING";

/* OR IGNORE: a row the new id already has wins over the old one, deleted below. */
static const char *const moves[] = {
    "UPDATE OR IGNORE kith_members SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE OR IGNORE kith_plugin_enablement SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE OR IGNORE kith_plugin_settings SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE OR IGNORE kith_managers SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE kith_jobs SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE kith_audit_log SET server_id = ?2 WHERE server_id = ?1",
    /* A channel setting naming the chat itself (its one channel) follows it. */
    "UPDATE kith_plugin_settings SET value = ?2 WHERE server_id = ?2 AND value = ?1",
};

static const char *const leftovers[] = {
    "DELETE FROM kith_plugin_enablement WHERE server_id = ?1",
    "DELETE FROM kith_plugin_settings WHERE server_id = ?1",
    "DELETE FROM kith_managers WHERE server_id = ?1",
    "DELETE FROM kith_servers WHERE id = ?1", /* members left behind go with it (cascade) */
};

static kith_err run_all(struct kith_store *store, const char *from_id, const char *to_id,
                        int64_t now_ms, int64_t *moved)
{
    const struct kith_db_value server_params[] = {KITH_DB_TEXT(from_id), KITH_DB_TEXT(to_id),
                                                  KITH_DB_I64(now_ms)};
    kith_err err = kith_store_run(store, copy_server, server_params, COUNT(server_params), NULL);
    const struct kith_db_value params[] = {KITH_DB_TEXT(from_id), KITH_DB_TEXT(to_id)};
    for (size_t i = 0; err == KITH_OK && i < COUNT(moves); i++) {
        int64_t changes = 0;
        err = kith_store_run(store, moves[i], params, COUNT(params), &changes);
        *moved += changes;
    }
    for (size_t i = 0; err == KITH_OK && i < COUNT(leftovers); i++)
        err = kith_store_run(store, leftovers[i], params, 1, NULL);
    return err;
}

kith_err kith_store_migrate_server(struct kith_store *store, const char *from_id, const char *to_id,
                                   int64_t now_ms, int64_t *moved_out)
{
    if (store == NULL || from_id == NULL || to_id == NULL)
        return KITH_ERR_INVALID;
    int64_t moved = 0;
    kith_err err = kith_store_begin(store);
    if (err != KITH_OK)
        return err;
    err = run_all(store, from_id, to_id, now_ms, &moved);
    if (err == KITH_OK)
        err = kith_store_commit(store);
    if (err != KITH_OK) {
        kith_store_rollback(store);
        return err;
    }
    if (moved_out != NULL)
        *moved_out = moved;
    return KITH_OK;
}
