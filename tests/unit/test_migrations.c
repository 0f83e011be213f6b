/* Migrations: applied once in order, atomic per step, refused when numbered wrongly or when
 * the database comes from newer code, and confined to a plugin's tables for plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tmp_db.h"
#include "store/core_tables.h"
#include "store/store.h"

static struct kith_store *open_store(const struct tmp_db *t)
{
    struct kith_store *store = NULL;
    char *error = NULL;
    if (kith_store_open(t->path, NULL, &store, &error) != KITH_OK)
        fprintf(stderr, "  open failed: %s\n", error != NULL ? error : "?");
    free(error);
    return store;
}

static bool table_exists(struct kith_store *store, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(kith_store_db(store),
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
                           &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(stmt) == SQLITE_ROW;
    }
    sqlite3_finalize(stmt);
    return found;
}

static int64_t applied_at(struct kith_store *store, const char *owner)
{
    sqlite3_stmt *stmt = NULL;
    int64_t at = -1;
    if (sqlite3_prepare_v2(kith_store_db(store),
                           "SELECT applied_at FROM kith_schema_version WHERE owner = ?1", -1, &stmt,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            at = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return at;
}

static int version_of(struct kith_store *store, const char *owner)
{
    int v = -1;
    if (kith_store_schema_version(store, owner, &v) != KITH_OK)
        return -1;
    return v;
}

static bool set_version(struct kith_store *store, const char *owner, int version)
{
    sqlite3_stmt *stmt = NULL;
    bool ok = sqlite3_prepare_v2(kith_store_db(store),
                                 "INSERT OR REPLACE INTO kith_schema_version VALUES (?1, ?2, 0)",
                                 -1, &stmt, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 2, version);
        ok = sqlite3_step(stmt) == SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    return ok;
}

TEST(test_core_schema_is_applied_once_and_reopen_changes_nothing)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    CHECK_INT(version_of(store, "core"), (int)kith_core_migration_count);
    static const char *const tables[] = {"kith_servers",           "kith_members",
                                         "kith_identities",        "kith_identity_accounts",
                                         "kith_plugin_enablement", "kith_plugin_settings",
                                         "kith_managers",          "kith_jobs",
                                         "kith_audit_log",         "kith_platform_state",
                                         "kith_schema_version"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (!table_exists(store, tables[i]))
            fprintf(stderr, "  missing table %s\n", tables[i]);
        CHECK(table_exists(store, tables[i]));
    }
    REQUIRE(set_version(store, "core", (int)kith_core_migration_count));
    int64_t marker = applied_at(store, "core"); /* 0 now: a re-apply would overwrite it */
    CHECK_INT(marker, 0);
    kith_store_close(store);

    store = open_store(&t);
    REQUIRE(store != NULL);
    CHECK_INT(version_of(store, "core"), (int)kith_core_migration_count);
    CHECK_INT(applied_at(store, "core"), 0);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_upgrade_applies_only_the_new_migration)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const struct kith_migration v2[] = {
        {1, "CREATE TABLE demo_a (x INTEGER);"},
        {2, "CREATE TABLE demo_b (y TEXT); INSERT INTO demo_a VALUES (1);"},
    };
    char *error = NULL;
    CHECK_INT(kith_store_migrate(store, "demo", v2, 2, &error), KITH_OK);
    CHECK(error == NULL);
    CHECK_INT(version_of(store, "demo"), 2);
    CHECK(table_exists(store, "demo_a"));
    CHECK(table_exists(store, "demo_b"));
    /* Running the same list again must not re-run migration 2 (it would insert again). */
    CHECK_INT(kith_store_migrate(store, "demo", v2, 2, &error), KITH_OK);
    const struct kith_migration v3[] = {v2[0], v2[1], {3, "INSERT INTO demo_a VALUES (3);"}};
    CHECK_INT(kith_store_migrate(store, "demo", v3, 3, &error), KITH_OK);
    CHECK_INT(version_of(store, "demo"), 3);
    sqlite3_stmt *stmt = NULL;
    REQUIRE(sqlite3_prepare_v2(kith_store_db(store), "SELECT group_concat(x) FROM demo_a", -1,
                               &stmt, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "1,3");
    sqlite3_finalize(stmt);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_failing_migration_rolls_back_fully_and_keeps_earlier_ones)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const struct kith_migration migrations[] = {
        {1, "CREATE TABLE demo_ok (x);"},
        {2, "CREATE TABLE demo_half (x); INSERT INTO demo_missing VALUES (1);"},
        {3, "CREATE TABLE demo_never (x);"},
    };
    char *error = NULL;
    CHECK(kith_store_migrate(store, "demo", migrations, 3, &error) != KITH_OK);
    CHECK_CONTAINS(error, "migration 2 of \"demo\" failed");
    CHECK_CONTAINS(error, "no such table: demo_missing");
    free(error);
    CHECK(table_exists(store, "demo_ok"));
    CHECK(!table_exists(store, "demo_half"));
    CHECK(!table_exists(store, "demo_never"));
    CHECK_INT(version_of(store, "demo"), 1);
    /* The store is still usable: no transaction was left open. */
    CHECK_INT(kith_store_begin(store), KITH_OK);
    CHECK_INT(kith_store_commit(store), KITH_OK);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_database_from_newer_kith_is_refused_with_both_versions)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(set_version(store, "core", 7));
    kith_store_close(store);

    char *error = NULL;
    store = NULL;
    CHECK_INT(kith_store_open(t.path, NULL, &store, &error), KITH_ERR_VERSION);
    CHECK(store == NULL);
    char expected[200];
    snprintf(expected, sizeof expected,
             "store records core schema version 7, this kithd knows up to %zu: the database "
             "was written by a newer kith",
             kith_core_migration_count);
    CHECK_CONTAINS(error, expected);
    CHECK_CONTAINS(error, t.path);
    free(error);
    tmp_db_remove(&t);
}

TEST(test_plugin_data_from_newer_plugin_is_refused)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(set_version(store, "polls", 4));
    const struct kith_migration migrations[] = {{1, "CREATE TABLE polls_a (x);"}};
    char *error = NULL;
    CHECK_INT(kith_store_migrate_plugin(store, "polls", migrations, 1, &error), KITH_ERR_VERSION);
    CHECK_CONTAINS(error, "schema version 4 of \"polls\", this build knows up to 1");
    free(error);
    CHECK(!table_exists(store, "polls_a"));
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_migrations_out_of_sequence_are_refused)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const struct kith_migration gap[] = {{1, "CREATE TABLE demo_a (x);"},
                                         {3, "CREATE TABLE demo_c (x);"}};
    char *error = NULL;
    CHECK_INT(kith_store_migrate(store, "demo", gap, 2, &error), KITH_ERR_INVALID);
    CHECK_CONTAINS(error, "must be numbered 1..2 in order; entry 2 has version 3");
    free(error);
    error = NULL;
    const struct kith_migration from_two[] = {{2, "CREATE TABLE demo_b (x);"}};
    CHECK_INT(kith_store_migrate(store, "demo", from_two, 1, &error), KITH_ERR_INVALID);
    free(error);
    CHECK(!table_exists(store, "demo_a"));
    CHECK_INT(version_of(store, "demo"), 0);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_migration_cannot_write_core_tables)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const struct kith_migration migrations[] = {
        {1, "CREATE TABLE polls_polls (id INTEGER PRIMARY KEY);"
            "DELETE FROM kith_members;"},
    };
    char *error = NULL;
    CHECK_INT(kith_store_migrate_plugin(store, "polls", migrations, 1, &error),
              KITH_ERR_PERMISSION);
    CHECK_CONTAINS(error, "migration 1 of \"polls\" failed");
    CHECK_CONTAINS(error, "plugin \"polls\" may only write tables named polls_*; "
                          "\"kith_members\" refused");
    free(error);
    CHECK(!table_exists(store, "polls_polls"));
    CHECK_INT(version_of(store, "polls"), 0);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_migration_may_rebuild_its_table_but_not_rename_it_away)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    /* The usual SQLite table rebuild, on an AUTOINCREMENT table (touches sqlite_sequence). */
    const struct kith_migration ok[] = {
        {1, "CREATE TABLE polls_votes (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT);"
            "INSERT INTO polls_votes (who) VALUES ('a');"},
        {2, "CREATE TABLE polls_votes_new (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT,"
            " at INTEGER);"
            "INSERT INTO polls_votes_new (id, who) SELECT id, who FROM polls_votes;"
            "DROP TABLE polls_votes;"
            "ALTER TABLE polls_votes_new RENAME TO polls_votes;"
            "CREATE INDEX polls_votes_who ON polls_votes (who);"},
    };
    char *error = NULL;
    CHECK_INT(kith_store_migrate_plugin(store, "polls", ok, 2, &error), KITH_OK);
    if (error != NULL)
        fprintf(stderr, "  %s\n", error);
    free(error);
    error = NULL;
    CHECK(table_exists(store, "polls_votes"));
    CHECK(!table_exists(store, "polls_votes_new"));

    const struct kith_migration away[] = {
        ok[0], ok[1], {3, "ALTER TABLE polls_votes RENAME TO \"kith_votes\" ;"}};
    CHECK_INT(kith_store_migrate_plugin(store, "polls", away, 3, &error), KITH_ERR_PERMISSION);
    CHECK_CONTAINS(error, "\"kith_votes\" refused");
    free(error);
    CHECK(table_exists(store, "polls_votes"));
    CHECK(!table_exists(store, "kith_votes"));
    CHECK_INT(version_of(store, "polls"), 2);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_reserved_names_cannot_migrate_as_plugins)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const struct kith_migration m[] = {{1, "CREATE TABLE kith_evil (x);"}};
    char *error = NULL;
    CHECK_INT(kith_store_migrate_plugin(store, "kith", m, 1, &error), KITH_ERR_INVALID);
    free(error);
    error = NULL;
    CHECK_INT(kith_store_migrate_plugin(store, "core", m, 1, &error), KITH_ERR_INVALID);
    free(error);
    error = NULL;
    CHECK_INT(kith_store_migrate_plugin(store, "Polls", m, 1, &error), KITH_ERR_INVALID);
    free(error);
    CHECK(!table_exists(store, "kith_evil"));
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_migrate_inside_open_transaction_is_refused)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const struct kith_migration m[] = {{1, "CREATE TABLE demo_a (x);"}};
    REQUIRE(kith_store_begin(store) == KITH_OK);
    char *error = NULL;
    CHECK_INT(kith_store_migrate(store, "demo", m, 1, &error), KITH_ERR_INVALID);
    CHECK_CONTAINS(error, "open transaction");
    free(error);
    CHECK_INT(kith_store_rollback(store), KITH_OK);
    kith_store_close(store);
    tmp_db_remove(&t);
}
