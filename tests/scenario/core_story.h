/* Shared by the core scenario tests (test_core_*.c): the cast (a member, a manager, an admin),
 * starting kith with the example plugin, and reading what the platform received and what the
 * store holds. Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_CORE_STORY_H
#define KITH_CORE_STORY_H

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "store/core_tables.h"
#include "test_env.h"

#define ALICE "test:alice" /* a member */
#define BOB "test:bob"     /* another member */
#define MARA "test:mara"   /* a manager, as the platform reports her */
#define ADMIN "test:admin" /* an admin of the test server */

/* The example plugin's path, NULL-terminated, for test_env_start. */
static inline const char *const *story_example(void)
{
    static char path[512];
    static const char *paths[2];
    snprintf(path, sizeof path, "%s", test_plugin_path("example"));
    paths[0] = path;
    paths[1] = NULL;
    return paths;
}

/* A fresh kith with the example plugin loaded (not yet enabled anywhere). */
static inline bool story_start(struct test_env *env)
{
    if (!test_env_init(env))
        return false;
    if (test_env_start(env, story_example()))
        return true;
    fprintf(stderr, "  kith did not start: %s\n", env->start_error ? env->start_error : "?");
    return false;
}

/* The admin enables the example plugin on the test server; true when kith said so. */
static inline bool story_enable(struct test_env *env)
{
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
    return strstr(test_last_reply(env), "example is now enabled here") != NULL;
}

/* How many recorded actions of `kind` have text containing `needle` ("" matches all). */
static inline size_t story_count(const struct test_env *env, enum test_action_kind kind,
                                 const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < env->tp->count; i++) {
        const struct test_action *a = &env->tp->actions[i];
        if (a->kind == kind && (needle[0] == '\0' || (a->text && strstr(a->text, needle))))
            n++;
    }
    return n;
}

/* The newest action of `kind` whose text contains `needle`, or NULL. */
static inline const struct test_action *story_find(const struct test_env *env,
                                                   enum test_action_kind kind, const char *needle)
{
    for (size_t i = env->tp->count; i > 0; i--) {
        const struct test_action *a = &env->tp->actions[i - 1];
        if (a->kind == kind && a->text && strstr(a->text, needle))
            return a;
    }
    return NULL;
}

/* One integer from the store (COUNT(*) and the like); -1 when the query fails. The optional
 * text parameter binds to ?1. */
static inline long long story_query(struct test_env *env, const char *sql, const char *param)
{
    sqlite3_stmt *stmt = NULL;
    long long value = -1;
    if (sqlite3_prepare_v2(kith_store_db(env->core->store), sql, -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    if (param != NULL)
        sqlite3_bind_text(stmt, 1, param, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* One text from the store into buf ("" when there is no row). */
static inline const char *story_query_text(struct test_env *env, const char *sql, const char *param,
                                           char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(kith_store_db(env->core->store), sql, -1, &stmt, NULL) != SQLITE_OK)
        return buf;
    if (param != NULL)
        sqlite3_bind_text(stmt, 1, param, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return buf;
}

/* The audit log of the test server, newest first, copied out of the store. */
struct story_audit_entry {
    char actor[64], action[64], target[96], before[160], after[160];
    long long at_ms;
    bool has_before, has_after;
};

struct story_audit {
    struct story_audit_entry entries[16];
    size_t count;
};

static inline void story_audit_copy(const struct kith_audit_entry *e, void *ud)
{
    struct story_audit *log = ud;
    if (log->count == 16)
        return;
    struct story_audit_entry *out = &log->entries[log->count++];
    snprintf(out->actor, sizeof out->actor, "%s", e->actor_id ? e->actor_id : "");
    snprintf(out->action, sizeof out->action, "%s", e->action ? e->action : "");
    snprintf(out->target, sizeof out->target, "%s", e->target ? e->target : "");
    snprintf(out->before, sizeof out->before, "%s", e->before ? e->before : "");
    snprintf(out->after, sizeof out->after, "%s", e->after ? e->after : "");
    out->has_before = e->before != NULL;
    out->has_after = e->after != NULL;
    out->at_ms = e->at_ms;
}

static inline struct story_audit story_audit(struct test_env *env)
{
    struct story_audit log = {0};
    if (kith_db_audit_list(env->core->store, TEST_SERVER, 16, story_audit_copy, &log) != KITH_OK)
        log.count = 0;
    return log;
}

/* Whether the example plugin is enabled on the test server, as the store says. */
static inline bool story_enabled(struct test_env *env)
{
    bool enabled = false;
    return kith_db_plugin_enabled(env->core->store, TEST_SERVER, "example", &enabled) == KITH_OK &&
           enabled;
}

/* The message id of the newest reply whose text contains needle, or "". */
static inline const char *story_reply_id(const struct test_env *env, const char *needle)
{
    const struct test_action *a = story_find(env, TEST_ACTION_REPLY, needle);
    return a && a->message_id ? a->message_id : "";
}

#endif
