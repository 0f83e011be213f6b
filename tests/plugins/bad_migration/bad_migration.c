/* A test plugin whose first migration creates its own table and then writes the core's
 * kith_members. The authorizer refuses the write, so the whole migration must roll back:
 * no bad_migration_items table, no schema version, no member row. */
#include <kith/plugin.h>

static kith_err bad_migration_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    host->log(ctx, KITH_LOG_ERROR, "bad_migration init ran although its migration failed");
    return KITH_OK;
}

static const struct kith_migration bad_migrations[] = {
    {1, "CREATE TABLE bad_migration_items (id INTEGER PRIMARY KEY, text TEXT);"
        "INSERT INTO kith_members (server_id, user_id, first_seen, last_seen)"
        " VALUES ('test:guild1', 'test:intruder', 0, 0);"},
};

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER,   .name = "bad_migration",
    .version = "1.0.0",   .description = "a migration that writes outside its own tables",
    .license = "MIT",     .migrations = bad_migrations,
    .migration_count = 1, .init = bad_migration_init,
};
