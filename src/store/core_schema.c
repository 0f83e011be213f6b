/* The core's schema as numbered migrations (owner "core"). Append new migrations; never edit
 * one that has shipped, since databases in the field have already applied it. */
#include "store/core_tables.h"

/* Enablement, settings and managers carry no foreign key to kith_servers: an admin may
 * configure a server (in the config file or the dashboard) before kithd has seen it. Members
 * do reference their server; kith_db_member_seen creates a missing server row. */
static const char CORE_V1[] =
    "CREATE TABLE kith_servers ("
    " id TEXT PRIMARY KEY,"
    " platform TEXT NOT NULL,"
    " name TEXT,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL);"

    "CREATE TABLE kith_members ("
    " server_id TEXT NOT NULL REFERENCES kith_servers (id) ON DELETE CASCADE,"
    " user_id TEXT NOT NULL,"
    " display_name TEXT,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, user_id));"

    /* One identity links a person's accounts across platforms. */
    "CREATE TABLE kith_identities ("
    " id INTEGER PRIMARY KEY,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE kith_identity_accounts ("
    " user_id TEXT PRIMARY KEY,"
    " identity_id INTEGER NOT NULL REFERENCES kith_identities (id) ON DELETE CASCADE,"
    " linked_at INTEGER NOT NULL);"
    "CREATE INDEX kith_identity_accounts_identity ON kith_identity_accounts (identity_id);"

    "CREATE TABLE kith_plugin_enablement ("
    " server_id TEXT NOT NULL,"
    " plugin TEXT NOT NULL,"
    " enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),"
    " changed_at INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, plugin));"

    "CREATE TABLE kith_plugin_settings ("
    " server_id TEXT NOT NULL,"
    " plugin TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " changed_at INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, plugin, key));"

    "CREATE TABLE kith_managers ("
    " server_id TEXT NOT NULL,"
    " kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    " subject_id TEXT NOT NULL,"
    " added_at INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, kind, subject_id));"

    /* AUTOINCREMENT: a cancelled job's id is never reused, so a stale id cannot cancel a
     * newer job. */
    "CREATE TABLE kith_jobs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " owner TEXT NOT NULL,"
    " server_id TEXT,"
    " kind TEXT NOT NULL,"
    " payload TEXT NOT NULL DEFAULT '',"
    " due_at INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX kith_jobs_due ON kith_jobs (due_at);"

    "CREATE TABLE kith_audit_log ("
    " id INTEGER PRIMARY KEY,"
    " server_id TEXT NOT NULL,"
    " actor_id TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " target TEXT,"
    " \"before\" TEXT,"
    " \"after\" TEXT,"
    " at INTEGER NOT NULL);"
    "CREATE INDEX kith_audit_log_server_at ON kith_audit_log (server_id, at);"

    "CREATE TABLE kith_platform_state ("
    " scope TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " PRIMARY KEY (scope, key));";

const struct kith_migration kith_core_migrations[] = {
    {1, CORE_V1},
};

const size_t kith_core_migration_count =
    sizeof kith_core_migrations / sizeof kith_core_migrations[0];
