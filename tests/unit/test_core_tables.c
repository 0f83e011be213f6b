/* The core's tables: servers and members, plugin enablement and settings, managers, the audit
 * log and platform state, each round-tripped through a real SQLite file. */
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
    if (kith_store_open(t->path, NULL, &store, NULL) != KITH_OK)
        return NULL;
    return store;
}

/* First column of the first row as text (malloc'd), with one bound text parameter. */
static char *query_text(struct kith_store *store, const char *sql, const char *param)
{
    sqlite3_stmt *stmt = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(kith_store_db(store), sql, -1, &stmt, NULL) != SQLITE_OK)
        return NULL;
    if (param != NULL)
        sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
        out = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
}

TEST(test_server_is_recorded_and_renamed_keeping_first_seen)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    CHECK_INT(kith_db_server_upsert(store, "discord:1", "discord", "Old name", 1000), KITH_OK);
    CHECK_INT(kith_db_server_upsert(store, "discord:1", "discord", "New name", 2000), KITH_OK);
    CHECK_INT(kith_db_server_upsert(store, "discord:1", "discord", NULL, 3000), KITH_OK);
    char *row = query_text(store,
                           "SELECT name || '|' || first_seen || '|' || last_seen FROM kith_servers"
                           " WHERE id = ?1",
                           "discord:1");
    CHECK_STR(row, "New name|1000|3000");
    free(row);
    CHECK_INT(kith_db_server_upsert(store, NULL, "discord", "x", 1), KITH_ERR_INVALID);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_member_seen_before_its_server_creates_the_server)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    CHECK_INT(kith_db_member_seen(store, "telegram:-100123", "telegram:42", "Ann", 500), KITH_OK);
    char *platform =
        query_text(store, "SELECT platform FROM kith_servers WHERE id = ?1", "telegram:-100123");
    CHECK_STR(platform, "telegram");
    free(platform);
    CHECK_INT(kith_db_member_seen(store, "telegram:-100123", "telegram:42", "Annie", 900), KITH_OK);
    CHECK_INT(kith_db_member_seen(store, "telegram:-100123", "telegram:42", NULL, 700), KITH_OK);
    char *member = query_text(store,
                              "SELECT display_name || '|' || first_seen || '|' || last_seen"
                              " FROM kith_members WHERE user_id = ?1",
                              "telegram:42");
    CHECK_STR(member, "Annie|500|900");
    free(member);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_members_need_a_known_server)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    int rc = sqlite3_exec(kith_store_db(store),
                          "INSERT INTO kith_members VALUES ('nowhere', 'u', NULL, 0, 0)", NULL,
                          NULL, NULL);
    CHECK_INT(rc, SQLITE_CONSTRAINT_FOREIGNKEY);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_admin_enables_plugin_on_a_server_not_seen_yet)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    bool enabled = true;
    CHECK_INT(kith_db_plugin_enabled(store, "matrix:!room:example.org", "polls", &enabled),
              KITH_OK);
    CHECK(!enabled); /* disabled until an admin enables it */
    CHECK_INT(kith_db_plugin_set_enabled(store, "matrix:!room:example.org", "polls", true, 10),
              KITH_OK);
    CHECK_INT(kith_db_plugin_enabled(store, "matrix:!room:example.org", "polls", &enabled),
              KITH_OK);
    CHECK(enabled);
    CHECK_INT(kith_db_plugin_enabled(store, "matrix:!room:example.org", "faq", &enabled), KITH_OK);
    CHECK(!enabled);
    CHECK_INT(kith_db_plugin_set_enabled(store, "matrix:!room:example.org", "polls", false, 20),
              KITH_OK);
    CHECK_INT(kith_db_plugin_enabled(store, "matrix:!room:example.org", "polls", &enabled),
              KITH_OK);
    CHECK(!enabled);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_admin_sets_and_unsets_a_plugin_setting)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    char *value = NULL;
    CHECK_INT(kith_db_setting_get(store, "discord:1", "polls", "max_options", &value),
              KITH_ERR_NOT_FOUND);
    CHECK(value == NULL);
    CHECK_INT(kith_db_setting_set(store, "discord:1", "polls", "max_options", "5", 1), KITH_OK);
    CHECK_INT(kith_db_setting_set(store, "discord:1", "polls", "max_options", "8", 2), KITH_OK);
    CHECK_INT(kith_db_setting_get(store, "discord:1", "polls", "max_options", &value), KITH_OK);
    CHECK_STR(value, "8");
    free(value);
    value = NULL;
    /* Another server and another plugin keep their own values. */
    CHECK_INT(kith_db_setting_get(store, "discord:2", "polls", "max_options", &value),
              KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_db_setting_get(store, "discord:1", "faq", "max_options", &value),
              KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_db_setting_set(store, "discord:1", "polls", "max_options", NULL, 3), KITH_OK);
    CHECK_INT(kith_db_setting_get(store, "discord:1", "polls", "max_options", &value),
              KITH_ERR_NOT_FOUND);
    CHECK(value == NULL);
    /* Unsetting what is not set is fine. */
    CHECK_INT(kith_db_setting_set(store, "discord:1", "polls", "max_options", NULL, 4), KITH_OK);
    kith_store_close(store);
    tmp_db_remove(&t);
}

struct manager_list {
    char text[256];
};

static void collect_manager(kith_manager_kind kind, const char *subject_id, void *ud)
{
    struct manager_list *list = ud;
    size_t used = strlen(list->text);
    snprintf(list->text + used, sizeof list->text - used, "%s%s:%s", used > 0 ? "," : "",
             kind == KITH_MANAGER_ROLE ? "role" : "user", subject_id);
}

TEST(test_managers_by_user_and_by_role)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    const char *server = "discord:1";
    CHECK_INT(kith_db_manager_add(store, server, KITH_MANAGER_ROLE, "discord:role9", 100), KITH_OK);
    CHECK_INT(kith_db_manager_add(store, server, KITH_MANAGER_USER, "discord:7", 200), KITH_OK);
    CHECK_INT(kith_db_manager_add(store, server, KITH_MANAGER_USER, "discord:7", 300),
              KITH_ERR_EXISTS);
    CHECK_INT(kith_db_manager_add(store, server, (kith_manager_kind)3, "x", 300), KITH_ERR_INVALID);

    bool is = false;
    const char *roles[] = {"discord:role1", "discord:role9"};
    CHECK_INT(kith_db_is_manager(store, server, "discord:8", roles, 2, &is), KITH_OK);
    CHECK(is); /* through the role */
    CHECK_INT(kith_db_is_manager(store, server, "discord:8", roles, 1, &is), KITH_OK);
    CHECK(!is);
    CHECK_INT(kith_db_is_manager(store, server, "discord:7", NULL, 0, &is), KITH_OK);
    CHECK(is);
    /* A user id equal to a role id does not make the user a manager. */
    CHECK_INT(kith_db_is_manager(store, server, "discord:role9", NULL, 0, &is), KITH_OK);
    CHECK(!is);
    CHECK_INT(kith_db_is_manager(store, "discord:2", "discord:7", roles, 2, &is), KITH_OK);
    CHECK(!is); /* other server */

    struct manager_list list = {""};
    CHECK_INT(kith_db_managers_list(store, server, collect_manager, &list), KITH_OK);
    CHECK_STR(list.text, "role:discord:role9,user:discord:7");

    CHECK_INT(kith_db_manager_remove(store, server, KITH_MANAGER_USER, "discord:7"), KITH_OK);
    CHECK_INT(kith_db_manager_remove(store, server, KITH_MANAGER_USER, "discord:7"),
              KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_db_is_manager(store, server, "discord:7", NULL, 0, &is), KITH_OK);
    CHECK(!is);
    kith_store_close(store);
    tmp_db_remove(&t);
}

struct audit_list {
    char text[512];
    int count;
};

static void collect_audit(const struct kith_audit_entry *e, void *ud)
{
    struct audit_list *list = ud;
    size_t used = strlen(list->text);
    snprintf(list->text + used, sizeof list->text - used, "%s%s %s %s %s->%s @%lld",
             used > 0 ? "; " : "", e->actor_id, e->action, e->target ? e->target : "-",
             e->before ? e->before : "null", e->after ? e->after : "null", (long long)e->at_ms);
    list->count++;
}

TEST(test_moderation_log_lists_newest_first)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    struct kith_audit_entry e = {.server_id = "discord:1",
                                 .actor_id = "discord:7",
                                 .action = "plugin.enable",
                                 .target = "polls",
                                 .before = "false",
                                 .after = "true",
                                 .at_ms = 100};
    CHECK_INT(kith_db_audit_append(store, &e), KITH_OK);
    e.action = "setting.set";
    e.target = "polls.max_options";
    e.before = NULL;
    e.after = "5";
    e.at_ms = 300;
    CHECK_INT(kith_db_audit_append(store, &e), KITH_OK);
    e.action = "manager.add";
    e.target = "discord:8";
    e.after = NULL;
    e.at_ms = 200;
    CHECK_INT(kith_db_audit_append(store, &e), KITH_OK);
    e.server_id = "discord:2";
    e.at_ms = 999;
    CHECK_INT(kith_db_audit_append(store, &e), KITH_OK);

    struct audit_list list = {"", 0};
    CHECK_INT(kith_db_audit_list(store, "discord:1", 10, collect_audit, &list), KITH_OK);
    CHECK_INT(list.count, 3);
    CHECK_STR(list.text, "discord:7 setting.set polls.max_options null->5 @300; "
                         "discord:7 manager.add discord:8 null->null @200; "
                         "discord:7 plugin.enable polls false->true @100");
    struct audit_list two = {"", 0};
    CHECK_INT(kith_db_audit_list(store, "discord:1", 2, collect_audit, &two), KITH_OK);
    CHECK_INT(two.count, 2);
    struct kith_audit_entry bad = {.server_id = "discord:1", .action = "x"};
    CHECK_INT(kith_db_audit_append(store, &bad), KITH_ERR_INVALID);
    kith_store_close(store);
    tmp_db_remove(&t);
}

TEST(test_adapter_state_survives_a_restart)
{
    struct tmp_db t;
    REQUIRE(tmp_db_make(&t));
    struct kith_store *store = open_store(&t);
    REQUIRE(store != NULL);
    char *value = NULL;
    CHECK_INT(kith_db_state_get(store, "telegram", "offset", &value), KITH_ERR_NOT_FOUND);
    CHECK_INT(kith_db_state_set(store, "telegram", "offset", "1001"), KITH_OK);
    CHECK_INT(kith_db_state_set(store, "telegram", "offset", "1002"), KITH_OK);
    CHECK_INT(kith_db_state_set(store, "matrix", "next_batch", "s72595_4483_1934"), KITH_OK);
    kith_store_close(store);

    store = open_store(&t);
    REQUIRE(store != NULL);
    CHECK_INT(kith_db_state_get(store, "telegram", "offset", &value), KITH_OK);
    CHECK_STR(value, "1002");
    free(value);
    CHECK_INT(kith_db_state_get(store, "matrix", "next_batch", &value), KITH_OK);
    CHECK_STR(value, "s72595_4483_1934");
    free(value);
    kith_store_close(store);
    tmp_db_remove(&t);
}
