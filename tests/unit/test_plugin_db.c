/* Plugin statements: a plugin creates, writes and reads its own tables, reads the core's,
 * and is refused (with a clear reason) writing anything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tmp_db.h"
#include "store/plugin_db.h"
#include "store/store.h"

static struct kith_store *open_store(const struct tmp_db *t)
{
    struct kith_store_options opts = {.busy_timeout_ms = 1000, .batch_max_rows = 100};
    struct kith_store *store = NULL;
    if (kith_store_open(t->path, &opts, &store, NULL) != KITH_OK)
        return NULL;
    return store;
}

/* Prepares and runs a statement as `plugin` to completion. */
static kith_err run_as(struct kith_store *store, const char *plugin, const char *sql,
                       char **error_out)
{
    kith_stmt *stmt = NULL;
    kith_err err = kith_plugin_db_prepare(store, plugin, sql, &stmt, error_out);
    if (err != KITH_OK)
        return err;
    bool row = true;
    while (err == KITH_OK && row)
        err = kith_plugin_db_step(stmt, &row);
    kith_plugin_db_finalize(stmt);
    return err;
}

/* Expects `sql` from `plugin` to be refused with a message containing `reason`. */
static void check_refused(struct kith_store *store, const char *plugin, const char *sql,
                          const char *reason)
{
    char *error = NULL;
    kith_err err = run_as(store, plugin, sql, &error);
    if (err != KITH_ERR_PERMISSION)
        fprintf(stderr, "  not refused: %s\n", sql);
    CHECK_INT(err, KITH_ERR_PERMISSION);
    CHECK_CONTAINS(error, reason);
    free(error);
}

static int64_t count_sql(struct kith_store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kith_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

TEST(test_plugin_creates_fills_and_reads_its_own_table)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    CHECK_INT(run_as(store, "polls",
                     "CREATE TABLE polls_votes (poll INTEGER, voter TEXT, weight REAL, note TEXT)",
                     NULL),
              KITH_OK);
    kith_stmt *ins = NULL;
    REQUIRE(kith_plugin_db_prepare(store, "polls",
                                   "INSERT INTO polls_votes VALUES (?1, ?2, ?3, ?4)", &ins,
                                   NULL) == KITH_OK);
    bool row = true;
    CHECK_INT(kith_plugin_db_bind_int64(ins, 1, 7), KITH_OK);
    CHECK_INT(kith_plugin_db_bind_text(ins, 2, "discord:42"), KITH_OK);
    CHECK_INT(kith_plugin_db_bind_double(ins, 3, 1.5), KITH_OK);
    CHECK_INT(kith_plugin_db_bind_null(ins, 4), KITH_OK);
    CHECK_INT(kith_plugin_db_step(ins, &row), KITH_OK);
    CHECK(!row);
    CHECK_INT(kith_plugin_db_last_insert_id(store), 1);
    CHECK_INT(kith_plugin_db_changes(store), 1);
    /* Reset clears the bindings, so the statement runs again with new values. */
    CHECK_INT(kith_plugin_db_reset(ins), KITH_OK);
    CHECK_INT(kith_plugin_db_bind_int64(ins, 1, 8), KITH_OK);
    CHECK_INT(kith_plugin_db_bind_text(ins, 2, "telegram:9"), KITH_OK);
    CHECK_INT(kith_plugin_db_step(ins, &row), KITH_OK);
    kith_plugin_db_finalize(ins);

    kith_stmt *sel = NULL;
    REQUIRE(kith_plugin_db_prepare(
                store, "polls", "SELECT poll, voter, weight, note FROM polls_votes ORDER BY poll",
                &sel, NULL) == KITH_OK);
    CHECK_INT(kith_plugin_db_step(sel, &row), KITH_OK);
    REQUIRE(row);
    CHECK_INT(kith_plugin_db_column_int64(sel, 0), 7);
    CHECK_STR(kith_plugin_db_column_text(sel, 1), "discord:42");
    CHECK(kith_plugin_db_column_double(sel, 2) == 1.5);
    CHECK(kith_plugin_db_column_is_null(sel, 3));
    CHECK(!kith_plugin_db_column_is_null(sel, 1));
    CHECK(kith_plugin_db_column_text(sel, 4) == NULL); /* out of range */
    CHECK_INT(kith_plugin_db_step(sel, &row), KITH_OK);
    REQUIRE(row);
    CHECK_INT(kith_plugin_db_column_int64(sel, 0), 8);
    CHECK(kith_plugin_db_column_is_null(sel, 2)); /* bindings were cleared */
    CHECK_INT(kith_plugin_db_step(sel, &row), KITH_OK);
    CHECK(!row);
    CHECK(kith_plugin_db_column_text(sel, 1) == NULL); /* no row any more */
    kith_plugin_db_finalize(sel);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_is_refused_writing_core_tables)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    char *error = NULL;
    kith_stmt *stmt = NULL;
    CHECK_INT(kith_plugin_db_prepare(store, "polls",
                                     "INSERT INTO kith_members VALUES ('s', 'u', 'n', 0, 0)", &stmt,
                                     &error),
              KITH_ERR_PERMISSION);
    CHECK(stmt == NULL);
    CHECK_STR(error,
              "plugin \"polls\" may only write tables named polls_*; \"kith_members\" refused");
    free(error);
    check_refused(store, "polls", "UPDATE kith_servers SET name = 'x'", "\"kith_servers\" refused");
    check_refused(store, "polls", "DELETE FROM kith_jobs", "\"kith_jobs\" refused");
    check_refused(store, "polls", "DROP TABLE kith_audit_log", "\"kith_audit_log\" refused");
    check_refused(store, "polls", "ALTER TABLE kith_managers ADD COLUMN evil",
                  "\"kith_managers\" refused");
    check_refused(store, "polls", "CREATE TABLE kith_extra (x)", "\"kith_extra\" refused");
    check_refused(store, "polls", "CREATE INDEX polls_idx ON kith_members (display_name)",
                  "\"kith_members\" refused");
    check_refused(store, "polls",
                  "CREATE TEMP TRIGGER polls_t AFTER INSERT ON kith_servers "
                  "BEGIN SELECT 1; END",
                  "\"kith_servers\" refused");
    check_refused(store, "polls", "DELETE FROM sqlite_sequence", "\"sqlite_sequence\" refused");
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_is_refused_writing_another_plugins_table)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(run_as(store, "faq", "CREATE TABLE faq_entries (q TEXT, a TEXT)", NULL) == KITH_OK);
    check_refused(store, "polls", "INSERT INTO faq_entries VALUES ('q', 'a')",
                  "plugin \"polls\" may only write tables named polls_*; \"faq_entries\" refused");
    check_refused(store, "polls", "DROP TABLE faq_entries", "\"faq_entries\" refused");
    /* Reading is fine. */
    CHECK_INT(run_as(store, "polls", "SELECT count(*) FROM faq_entries", NULL), KITH_OK);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_reads_core_tables)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(sqlite3_exec(kith_store_db(store),
                         "INSERT INTO kith_servers VALUES ('discord:1', 'discord', 'Guild', 0, 0);"
                         "INSERT INTO kith_members VALUES ('discord:1', 'discord:2', 'Ann', 0, 0);",
                         NULL, NULL, NULL) == SQLITE_OK);
    kith_stmt *stmt = NULL;
    REQUIRE(kith_plugin_db_prepare(store, "insights",
                                   "SELECT display_name FROM kith_members WHERE server_id = ?1",
                                   &stmt, NULL) == KITH_OK);
    CHECK_INT(kith_plugin_db_bind_text(stmt, 1, "discord:1"), KITH_OK);
    bool row = false;
    CHECK_INT(kith_plugin_db_step(stmt, &row), KITH_OK);
    CHECK(row);
    CHECK_STR(kith_plugin_db_column_text(stmt, 0), "Ann");
    kith_plugin_db_finalize(stmt);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_may_not_attach_set_pragmas_or_run_transactions)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    check_refused(store, "polls", "ATTACH DATABASE '/tmp/evil.db' AS evil", "may not ATTACH");
    check_refused(store, "polls", "PRAGMA foreign_keys = OFF", "may not run PRAGMA foreign_keys");
    check_refused(store, "polls", "PRAGMA writable_schema = 1", "PRAGMA writable_schema");
    check_refused(store, "polls", "PRAGMA wal_checkpoint", "PRAGMA wal_checkpoint");
    check_refused(store, "polls", "BEGIN", "use db_begin");
    check_refused(store, "polls", "SAVEPOINT mine", "use db_begin");
    /* VACUUM attaches its scratch database when it runs, so the refusal comes at step. */
    CHECK_INT(run_as(store, "polls", "VACUUM", NULL), KITH_ERR_PERMISSION);
    check_refused(store, "polls", "ANALYZE", "may not run ANALYZE");
    CHECK_INT(run_as(store, "polls", "PRAGMA table_info(kith_members)", NULL), KITH_OK);
    CHECK_INT(run_as(store, "polls", "PRAGMA foreign_keys", NULL), KITH_OK);
    CHECK_INT(count_sql(store, "PRAGMA foreign_keys"), 1);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_trigger_cannot_smuggle_writes_into_core_tables)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(run_as(store, "polls", "CREATE TABLE polls_a (x)", NULL) == KITH_OK);
    /* SQLite checks a trigger's body when a statement that fires it is compiled. */
    REQUIRE(run_as(store, "polls",
                   "CREATE TRIGGER polls_t AFTER INSERT ON polls_a BEGIN "
                   "DELETE FROM kith_servers; END",
                   NULL) == KITH_OK);
    check_refused(store, "polls", "INSERT INTO polls_a VALUES (1)", "\"kith_servers\" refused");
    CHECK_INT(count_sql(store, "SELECT count(*) FROM polls_a"), 0);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_trigger_cannot_ride_a_core_cascade_into_core_tables)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(sqlite3_exec(kith_store_db(store),
                         "INSERT INTO kith_servers VALUES ('discord:1', 'discord', 'G', 0, 0)",
                         NULL, NULL, NULL) == SQLITE_OK);
    REQUIRE(run_as(store, "polls",
                   "CREATE TABLE polls_polls (server_id TEXT REFERENCES kith_servers (id)"
                   " ON DELETE CASCADE)",
                   NULL) == KITH_OK);
    REQUIRE(run_as(store, "polls", "INSERT INTO polls_polls VALUES ('discord:1')", NULL) ==
            KITH_OK);
    /* Allowed to create (the body is checked when something fires it). */
    REQUIRE(run_as(store, "polls",
                   "CREATE TRIGGER polls_sneak AFTER DELETE ON polls_polls BEGIN "
                   "INSERT INTO kith_managers VALUES ('discord:1', 1, 'discord:666', 0); END",
                   NULL) == KITH_OK);
    /* The core deleting the server cascades into the plugin's table and fires the trigger. */
    const struct kith_db_value p[] = {KITH_DB_TEXT("discord:1")};
    CHECK_INT(kith_store_run(store, "DELETE FROM kith_servers WHERE id = ?1", p, 1, NULL),
              KITH_ERR_PERMISSION);
    CHECK_INT(count_sql(store, "SELECT count(*) FROM kith_managers"), 0);
    CHECK_INT(count_sql(store, "SELECT count(*) FROM kith_servers"), 1);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_objects_must_carry_its_prefix)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(run_as(store, "polls", "CREATE TABLE polls_a (x)", NULL) == KITH_OK);
    check_refused(store, "polls", "CREATE INDEX by_x ON polls_a (x)",
                  "may only create objects named polls_*; index \"by_x\" refused");
    check_refused(store, "polls", "CREATE VIEW everything AS SELECT * FROM polls_a",
                  "view \"everything\" refused");
    check_refused(store, "polls", "CREATE TABLE pollsx (x)", "\"pollsx\" refused");
    CHECK_INT(run_as(store, "polls", "CREATE INDEX polls_a_x ON polls_a (x)", NULL), KITH_OK);
    CHECK_INT(run_as(store, "polls", "CREATE TABLE POLLS_upper (x)", NULL), KITH_OK);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_can_drop_its_autoincrement_table)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(run_as(store, "polls",
                   "CREATE TABLE polls_seq (id INTEGER PRIMARY KEY AUTOINCREMENT, x)",
                   NULL) == KITH_OK);
    REQUIRE(run_as(store, "polls", "INSERT INTO polls_seq (x) VALUES (1)", NULL) == KITH_OK);
    char *error = NULL;
    CHECK_INT(run_as(store, "polls", "DROP TABLE polls_seq", &error), KITH_OK);
    if (error != NULL)
        fprintf(stderr, "  %s\n", error);
    free(error);
    CHECK_INT(count_sql(store, "SELECT count(*) FROM sqlite_master WHERE name = 'polls_seq'"), 0);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_sees_sql_errors_in_plain_words)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    char *error = NULL;
    kith_stmt *stmt = NULL;
    CHECK_INT(kith_plugin_db_prepare(store, "polls", "SELEC 1", &stmt, &error), KITH_ERR_INVALID);
    CHECK_STR(error, "near \"SELEC\": syntax error");
    free(error);
    error = NULL;
    CHECK_INT(kith_plugin_db_prepare(store, "polls", "SELECT * FROM polls_nope", &stmt, &error),
              KITH_ERR_INVALID);
    CHECK_STR(error, "no such table: polls_nope");
    free(error);
    error = NULL;
    CHECK_INT(kith_plugin_db_prepare(store, "polls", "SELECT 1; SELECT 2", &stmt, &error),
              KITH_ERR_INVALID);
    CHECK_CONTAINS(error, "exactly one statement");
    free(error);
    error = NULL;
    CHECK_INT(kith_plugin_db_prepare(store, "polls", "  -- nothing", &stmt, &error),
              KITH_ERR_INVALID);
    free(error);
    error = NULL;
    CHECK_INT(kith_plugin_db_prepare(store, "no such", "SELECT 1", &stmt, &error),
              KITH_ERR_INVALID);
    free(error);
    CHECK(stmt == NULL);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_bind_index_outside_the_parameters_is_invalid)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    kith_stmt *stmt = NULL;
    REQUIRE(kith_plugin_db_prepare(store, "polls", "SELECT ?1 + 1", &stmt, NULL) == KITH_OK);
    CHECK_INT(kith_plugin_db_bind_int64(stmt, 0, 1), KITH_ERR_INVALID);
    CHECK_INT(kith_plugin_db_bind_int64(stmt, 2, 1), KITH_ERR_INVALID);
    CHECK_INT(kith_plugin_db_bind_text(stmt, -1, "x"), KITH_ERR_INVALID);
    CHECK_INT(kith_plugin_db_bind_double(stmt, 2, 1.0), KITH_ERR_INVALID);
    CHECK_INT(kith_plugin_db_bind_null(stmt, 2), KITH_ERR_INVALID);
    CHECK_INT(kith_plugin_db_bind_int64(stmt, 1, 41), KITH_OK);
    bool row = false;
    CHECK_INT(kith_plugin_db_step(stmt, &row), KITH_OK);
    CHECK(row);
    CHECK_INT(kith_plugin_db_column_int64(stmt, 0), 42);
    kith_plugin_db_finalize(stmt);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_failed_step_reports_constraint_errors)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    /* The primary key makes SQLite create sqlite_autoindex_polls_u_1 for the plugin. */
    REQUIRE(run_as(store, "polls",
                   "CREATE TABLE polls_u (k TEXT PRIMARY KEY, v UNIQUE,"
                   " n INTEGER NOT NULL DEFAULT 0)",
                   NULL) == KITH_OK);
    CHECK_INT(run_as(store, "polls", "INSERT INTO polls_u (k) VALUES ('a')", NULL), KITH_OK);
    CHECK_INT(run_as(store, "polls", "INSERT INTO polls_u (k) VALUES ('a')", NULL),
              KITH_ERR_EXISTS);
    CHECK_INT(run_as(store, "polls", "INSERT INTO polls_u (k, n) VALUES ('b', NULL)", NULL),
              KITH_ERR_INVALID);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_unloading_plugin_releases_its_leaked_statements)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    kith_stmt *a = NULL, *b = NULL, *other = NULL;
    REQUIRE(kith_plugin_db_prepare(store, "polls", "SELECT 1", &a, NULL) == KITH_OK);
    REQUIRE(kith_plugin_db_prepare(store, "polls", "SELECT 2", &b, NULL) == KITH_OK);
    REQUIRE(kith_plugin_db_prepare(store, "faq", "SELECT 3", &other, NULL) == KITH_OK);
    CHECK_INT(kith_plugin_db_release_all(store, "polls"), 2);
    CHECK_INT(kith_plugin_db_release_all(store, "polls"), 0);
    bool row = false;
    CHECK_INT(kith_plugin_db_step(other, &row), KITH_OK);
    CHECK(row);
    /* `other` is still open: close finalizes it (the sanitizer build would see a leak). */
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_plugin_buffered_writes_are_confined_too)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    REQUIRE(run_as(store, "insights", "CREATE TABLE insights_msgs (who TEXT, n INTEGER)", NULL) ==
            KITH_OK);
    struct kith_db_value p[] = {KITH_DB_TEXT("discord:1"), KITH_DB_I64(1)};
    char *error = NULL;
    CHECK_INT(kith_store_buffer_write_plugin(store, "insights",
                                             "INSERT INTO kith_platform_state VALUES (?1, 'k', "
                                             "'v', ?2)",
                                             p, 2, &error),
              KITH_ERR_PERMISSION);
    CHECK_CONTAINS(error, "may only write tables named insights_*; \"kith_platform_state\"");
    free(error);
    error = NULL;
    CHECK_INT(kith_store_buffer_write_plugin(
                  store, "insights", "INSERT INTO insights_msgs VALUES (?1, ?2)", p, 2, &error),
              KITH_OK);
    CHECK(error == NULL);
    /* The same SQL text from another plugin is checked for that plugin, not reused. */
    CHECK_INT(kith_store_buffer_write_plugin(
                  store, "polls", "INSERT INTO insights_msgs VALUES (?1, ?2)", p, 2, &error),
              KITH_ERR_PERMISSION);
    free(error);
    CHECK_INT(kith_store_pending_writes(store), 1);
    CHECK_INT(kith_store_flush(store), KITH_OK);
    CHECK_INT(count_sql(store, "SELECT count(*) FROM insights_msgs"), 1);
    CHECK_INT(count_sql(store, "SELECT count(*) FROM kith_platform_state"), 0);
    kith_store_close(store);
    tmp_db_remove(&t);
}
