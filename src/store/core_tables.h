/* Typed access to the core's own tables: servers, members, plugin enablement, settings,
 * managers, the audit log and platform state. Every query uses bound parameters. */
#ifndef KITH_STORE_CORE_TABLES_H
#define KITH_STORE_CORE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The core schema, applied by kith_store_open under the owner "core". */
extern const struct kith_migration kith_core_migrations[];
extern const size_t kith_core_migration_count;

kith_err kith_db_server_upsert(struct kith_store *store, const char *server_id,
                               const char *platform, const char *name, int64_t now_ms);

/* Records that a member was seen on a server (creates the member row on first sight). */
kith_err kith_db_member_seen(struct kith_store *store, const char *server_id, const char *user_id,
                             const char *display_name, int64_t now_ms);

kith_err kith_db_plugin_enabled(struct kith_store *store, const char *server_id, const char *plugin,
                                bool *enabled_out);
kith_err kith_db_plugin_set_enabled(struct kith_store *store, const char *server_id,
                                    const char *plugin, bool enabled, int64_t now_ms);

/* Stored value, or KITH_ERR_NOT_FOUND when unset. *value_out is malloc'd: caller frees. */
/* The servers where `plugin` is enabled, as a new array of new strings (free each, then the
 * array); *count_out may be 0 (then *ids_out is NULL). */
kith_err kith_db_plugin_enabled_servers(struct kith_store *store, const char *plugin,
                                        char ***ids_out, size_t *count_out);
void kith_db_free_ids(char **ids, size_t count);

kith_err kith_db_setting_get(struct kith_store *store, const char *server_id, const char *plugin,
                             const char *key, char **value_out);
/* value NULL removes the stored value (back to the default). */
kith_err kith_db_setting_set(struct kith_store *store, const char *server_id, const char *plugin,
                             const char *key, const char *value, int64_t now_ms);

typedef enum kith_manager_kind { KITH_MANAGER_USER = 1, KITH_MANAGER_ROLE = 2 } kith_manager_kind;

/* KITH_ERR_EXISTS when already a manager; remove gives KITH_ERR_NOT_FOUND when absent. */
kith_err kith_db_manager_add(struct kith_store *store, const char *server_id,
                             kith_manager_kind kind, const char *subject_id, int64_t now_ms);
kith_err kith_db_manager_remove(struct kith_store *store, const char *server_id,
                                kith_manager_kind kind, const char *subject_id);
/* True when the user, or one of the given roles, is a named manager of the server. */
kith_err kith_db_is_manager(struct kith_store *store, const char *server_id, const char *user_id,
                            const char *const *role_ids, size_t role_count, bool *out);
/* Calls fn for each manager of the server, in the order they were added. */
typedef void (*kith_manager_fn)(kith_manager_kind kind, const char *subject_id, void *ud);
kith_err kith_db_managers_list(struct kith_store *store, const char *server_id, kith_manager_fn fn,
                               void *ud);

struct kith_audit_entry {
    const char *server_id;
    const char *actor_id; /* who */
    const char *action;   /* what, e.g. "plugin.enable", "setting.set", "manager.add" */
    const char *target;   /* e.g. "polls" or "polls.creators" */
    const char *before;   /* may be NULL */
    const char *after;    /* may be NULL */
    int64_t at_ms;        /* when */
};
kith_err kith_db_audit_append(struct kith_store *store, const struct kith_audit_entry *entry);
/* Calls fn for the newest `limit` entries of the server, newest first. */
typedef void (*kith_audit_fn)(const struct kith_audit_entry *entry, void *ud);
kith_err kith_db_audit_list(struct kith_store *store, const char *server_id, size_t limit,
                            kith_audit_fn fn, void *ud);

/* Small persistent key/value state for adapters (Telegram offset, Matrix next_batch). */
kith_err kith_db_state_get(struct kith_store *store, const char *scope, const char *key,
                           char **value_out /* malloc'd; KITH_ERR_NOT_FOUND when absent */);
kith_err kith_db_state_set(struct kith_store *store, const char *scope, const char *key,
                           const char *value);
/* Removes a key; an absent one is fine. */
kith_err kith_db_state_delete(struct kith_store *store, const char *scope, const char *key);
/* Calls fn for every key of the scope that starts with prefix, in key order. The strings are
 * borrowed for the call; fn must not use the store. */
typedef void (*kith_state_fn)(const char *key, const char *value, void *ud);
kith_err kith_db_state_list(struct kith_store *store, const char *scope, const char *prefix,
                            kith_state_fn fn, void *ud);

#endif
