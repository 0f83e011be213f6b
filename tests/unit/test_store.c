/* The store: opening with kith's pragmas, clear open errors, transactions, batched writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tmp_db.h"
#include "store/store.h"

static struct kith_store *open_store(struct tmp_db *t, size_t batch_max_rows)
{
    struct kith_store_options opts = {.busy_timeout_ms = 1000, .batch_max_rows = batch_max_rows};
    struct kith_store *store = NULL;
    char *error = NULL;
    kith_err err = kith_store_open(t->path, &opts, &store, &error);
    if (err != KITH_OK)
        fprintf(stderr, "  open failed: %s\n", error != NULL ? error : "?");
    free(error);
    return store;
}

static char *pragma_text(struct kith_store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(kith_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        out = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
}

static int64_t count_rows(struct kith_store *store, const char *table_sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kith_store_db(store), table_sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static int commits;
static int count_commit(void *ud)
{
    (void)ud;
    commits++;
    return 0;
}

static bool make_counter_table(struct kith_store *store)
{
    return sqlite3_exec(kith_store_db(store),
                        "CREATE TABLE stats (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", NULL,
                        NULL, NULL) == SQLITE_OK;
}

static const char INSERT_STAT[] = "INSERT INTO stats (id, n) VALUES (?1, ?2)";

TEST(test_store_opens_in_wal_mode_with_foreign_keys)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 10);
    REQUIRE(store != NULL);
    char *mode = pragma_text(store, "PRAGMA journal_mode");
    char *fk = pragma_text(store, "PRAGMA foreign_keys");
    char *sync = pragma_text(store, "PRAGMA synchronous");
    CHECK_STR(mode, "wal");
    CHECK_STR(fk, "1");
    CHECK_STR(sync, "1"); /* NORMAL */
    free(mode);
    free(fk);
    free(sync);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_operator_sees_path_and_reason_when_store_cannot_open)
{
    struct kith_store *store = NULL;
    char *error = NULL;
    kith_err err = kith_store_open("/nonexistent-kith-dir/x.db", NULL, &store, &error);
    CHECK(err != KITH_OK);
    CHECK(store == NULL);
    CHECK_STR(error,
              "cannot open store \"/nonexistent-kith-dir/x.db\": unable to open database file");
    free(error);
}

TEST(test_operator_is_told_when_file_is_not_a_database)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    FILE *f = fopen(t.path, "w");
    REQUIRE(f != NULL);
    for (int i = 0; i < 200; i++)
        fputs("this is a config file, not a database\n", f);
    fclose(f);
    struct kith_store *store = NULL;
    char *error = NULL;
    CHECK(kith_store_open(t.path, NULL, &store, &error) != KITH_OK);
    CHECK(store == NULL);
    CHECK_CONTAINS(error, t.path);
    CHECK_CONTAINS(error, "file is not a database");
    free(error);
    tmp_db_remove(&t);
}

TEST(test_nested_begin_is_refused_and_rollback_discards)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 10);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    CHECK_INT(kith_store_begin(store), KITH_OK);
    CHECK_INT(kith_store_begin(store), KITH_ERR_INVALID);
    CHECK_INT(
        sqlite3_exec(kith_store_db(store), "INSERT INTO stats VALUES (1, 1)", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(kith_store_rollback(store), KITH_OK);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 0);

    CHECK_INT(kith_store_begin(store), KITH_OK);
    CHECK_INT(
        sqlite3_exec(kith_store_db(store), "INSERT INTO stats VALUES (2, 2)", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(kith_store_commit(store), KITH_OK);
    CHECK_INT(kith_store_commit(store), KITH_ERR_INVALID);
    CHECK_INT(kith_store_rollback(store), KITH_ERR_INVALID);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 1);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_sqlite_codes_map_to_kith_errors)
{
    CHECK_INT(kith_store_err(SQLITE_OK), KITH_OK);
    CHECK_INT(kith_store_err(SQLITE_DONE), KITH_OK);
    CHECK_INT(kith_store_err(SQLITE_NOMEM), KITH_ERR_NOMEM);
    CHECK_INT(kith_store_err(SQLITE_BUSY), KITH_ERR_BUSY);
    CHECK_INT(kith_store_err(SQLITE_BUSY_SNAPSHOT), KITH_ERR_BUSY);
    CHECK_INT(kith_store_err(SQLITE_LOCKED), KITH_ERR_BUSY);
    CHECK_INT(kith_store_err(SQLITE_CONSTRAINT_PRIMARYKEY), KITH_ERR_EXISTS);
    CHECK_INT(kith_store_err(SQLITE_CONSTRAINT_UNIQUE), KITH_ERR_EXISTS);
    CHECK_INT(kith_store_err(SQLITE_CONSTRAINT_NOTNULL), KITH_ERR_INVALID);
    CHECK_INT(kith_store_err(SQLITE_CONSTRAINT_FOREIGNKEY), KITH_ERR_INVALID);
    CHECK_INT(kith_store_err(SQLITE_AUTH), KITH_ERR_PERMISSION);
    CHECK_INT(kith_store_err(SQLITE_IOERR_WRITE), KITH_ERR_STORE);
    CHECK_INT(kith_store_err(SQLITE_CORRUPT), KITH_ERR_STORE);
}

TEST(test_thousand_buffered_rows_commit_in_one_transaction)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 5000);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    for (int i = 0; i < 1000; i++) {
        struct kith_db_value p[] = {KITH_DB_I64(i), KITH_DB_I64(i * 2)};
        CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, p, 2), KITH_OK);
    }
    CHECK_INT(kith_store_pending_writes(store), 1000);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 0);
    commits = 0;
    sqlite3_commit_hook(kith_store_db(store), count_commit, NULL);
    CHECK_INT(kith_store_flush(store), KITH_OK);
    sqlite3_commit_hook(kith_store_db(store), NULL, NULL);
    CHECK_INT(commits, 1);
    CHECK_INT(kith_store_pending_writes(store), 0);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 1000);
    CHECK_INT(count_rows(store, "SELECT n FROM stats WHERE id = 999"), 1998);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_buffered_writes_flush_by_themselves_at_max_rows)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 10);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    for (int i = 0; i < 9; i++) {
        struct kith_db_value p[] = {KITH_DB_I64(i), KITH_DB_I64(1)};
        CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, p, 2), KITH_OK);
    }
    CHECK_INT(kith_store_pending_writes(store), 9);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 0);
    struct kith_db_value last[] = {KITH_DB_I64(9), KITH_DB_I64(1)};
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, last, 2), KITH_OK);
    CHECK_INT(kith_store_pending_writes(store), 0);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 10);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_bad_buffered_row_is_skipped_and_the_rest_commit)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 100);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    struct kith_db_value a[] = {KITH_DB_I64(1), KITH_DB_I64(10)};
    struct kith_db_value dup[] = {KITH_DB_I64(1), KITH_DB_I64(99)};  /* primary key clash */
    struct kith_db_value null_n[] = {KITH_DB_I64(2), KITH_DB_NULLV}; /* NOT NULL violation */
    struct kith_db_value b[] = {KITH_DB_I64(3), KITH_DB_I64(30)};
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, a, 2), KITH_OK);
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, dup, 2), KITH_OK);
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, null_n, 2), KITH_OK);
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, b, 2), KITH_OK);
    CHECK_INT(kith_store_flush(store), KITH_OK);
    CHECK_INT(kith_store_pending_writes(store), 0);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 2);
    CHECK_INT(count_rows(store, "SELECT n FROM stats WHERE id = 1"), 10);
    CHECK_INT(count_rows(store, "SELECT n FROM stats WHERE id = 3"), 30);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_row_that_rolls_back_the_transaction_does_not_lose_the_others)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 100);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    static const char rollback_sql[] = "INSERT OR ROLLBACK INTO stats (id, n) VALUES (?1, ?2)";
    struct kith_db_value a[] = {KITH_DB_I64(1), KITH_DB_I64(10)};
    struct kith_db_value clash[] = {KITH_DB_I64(1), KITH_DB_I64(11)};
    struct kith_db_value b[] = {KITH_DB_I64(2), KITH_DB_I64(20)};
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, a, 2), KITH_OK);
    CHECK_INT(kith_store_buffer_write(store, rollback_sql, clash, 2), KITH_OK);
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, b, 2), KITH_OK);
    CHECK_INT(kith_store_flush(store), KITH_OK);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 2);
    CHECK_INT(count_rows(store, "SELECT n FROM stats WHERE id = 1"), 10);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_buffered_write_is_validated_when_queued)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 100);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    struct kith_db_value p[] = {KITH_DB_I64(1), KITH_DB_I64(1)};
    CHECK_INT(kith_store_buffer_write(store, "INSERT INTO nope VALUES (?1, ?2)", p, 2),
              KITH_ERR_INVALID);
    CHECK_INT(kith_store_buffer_write(store, "SELECT ?1, ?2", p, 2), KITH_ERR_INVALID);
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, p, 1), KITH_ERR_INVALID);
    CHECK_INT(kith_store_buffer_write(store, "INSERT INTO stats VALUES (?1, ?2); DELETE FROM stats",
                                      p, 2),
              KITH_ERR_INVALID);
    CHECK_INT(kith_store_buffer_write(store, "INSERT INTO stats VALUES (?1, ?2); -- count", p, 2),
              KITH_OK);
    CHECK_INT(kith_store_pending_writes(store), 1);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_buffered_text_is_copied_at_enqueue)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 100);
    REQUIRE(store != NULL);
    REQUIRE(sqlite3_exec(kith_store_db(store), "CREATE TABLE notes (body TEXT)", NULL, NULL,
                         NULL) == SQLITE_OK);
    char text[16] = "first";
    struct kith_db_value p[] = {KITH_DB_TEXT(text)};
    CHECK_INT(kith_store_buffer_write(store, "INSERT INTO notes VALUES (?1)", p, 1), KITH_OK);
    strcpy(text, "overwritten");
    CHECK_INT(kith_store_flush(store), KITH_OK);
    char *body = pragma_text(store, "SELECT body FROM notes");
    CHECK_STR(body, "first");
    free(body);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_flush_waits_for_an_open_transaction)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 2);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    CHECK_INT(kith_store_begin(store), KITH_OK);
    for (int i = 0; i < 3; i++) {
        struct kith_db_value p[] = {KITH_DB_I64(i), KITH_DB_I64(i)};
        CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, p, 2), KITH_OK);
    }
    CHECK_INT(kith_store_flush(store), KITH_ERR_BUSY);
    CHECK_INT(kith_store_pending_writes(store), 3);
    CHECK_INT(kith_store_rollback(store), KITH_OK);
    /* The automatic flush that was due runs once the transaction ends. */
    CHECK_INT(kith_store_pending_writes(store), 0);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM stats"), 3);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_close_flushes_pending_writes)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 100);
    REQUIRE(store != NULL);
    REQUIRE(make_counter_table(store));
    struct kith_db_value p[] = {KITH_DB_I64(7), KITH_DB_I64(70)};
    CHECK_INT(kith_store_buffer_write(store, INSERT_STAT, p, 2), KITH_OK);
    kith_store_close(store);
    store = open_store(&t, 100);
    REQUIRE(store != NULL);
    CHECK_INT(count_rows(store, "SELECT n FROM stats WHERE id = 7"), 70);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_cached_statement_is_reused_and_nested_use_gets_its_own)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 100);
    REQUIRE(store != NULL);
    static const char sql[] = "SELECT ?1";
    sqlite3_stmt *first = NULL, *nested = NULL, *again = NULL;
    REQUIRE(kith_store_prepare(store, sql, &first) == KITH_OK);
    REQUIRE(kith_store_prepare(store, sql, &nested) == KITH_OK);
    CHECK(first != nested);
    kith_store_release(store, nested);
    kith_store_release(store, first);
    REQUIRE(kith_store_prepare(store, sql, &again) == KITH_OK);
    CHECK(again == first);
    CHECK(sqlite3_bind_parameter_count(again) == 1);
    kith_store_release(store, again);
    kith_store_close(store);
    tmp_db_remove(&t);
}

/* The disk fills up: the file may not grow by a single page any more. */
static bool fill_the_disk(struct kith_store *store)
{
    sqlite3 *db = kith_store_db(store);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return false;
    }
    int pages = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", pages);
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

TEST(test_buffered_writes_wait_out_a_full_disk_instead_of_being_dropped)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t, 1000);
    REQUIRE(store != NULL);
    REQUIRE(sqlite3_exec(kith_store_db(store), "CREATE TABLE notes (id INTEGER, body TEXT)", NULL,
                         NULL, NULL) == SQLITE_OK);
    REQUIRE(fill_the_disk(store));
    char body[201];
    memset(body, 'n', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    for (int i = 0; i < 100; i++) {
        struct kith_db_value p[] = {KITH_DB_I64(i), KITH_DB_TEXT(body)};
        CHECK_INT(kith_store_buffer_write(store, "INSERT INTO notes VALUES (?1, ?2)", p, 2),
                  KITH_OK);
    }
    CHECK(kith_store_flush(store) != KITH_OK);
    CHECK_INT(kith_store_pending_writes(store), 100);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM notes"), 0);
    /* Space is freed: the next flush writes every row. */
    REQUIRE(sqlite3_exec(kith_store_db(store), "PRAGMA max_page_count = 1000000", NULL, NULL,
                         NULL) == SQLITE_OK);
    CHECK_INT(kith_store_flush(store), KITH_OK);
    CHECK_INT(kith_store_pending_writes(store), 0);
    CHECK_INT(count_rows(store, "SELECT count(*) FROM notes"), 100);
    kith_store_close(store);
    tmp_db_remove(&t);
}
