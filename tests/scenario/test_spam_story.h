/* Shared by the spam plugin's scenario tests (test_spam_*.c): the cast, starting kith with the
 * real spam plugin enabled and a moderation log channel set, members posting messages with
 * known ids (so deletions can be checked), and counting what the platform received.
 * Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_TEST_SPAM_STORY_H
#define KITH_TEST_SPAM_STORY_H

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "store/store.h"
#include "test_env.h"

#define ALICE "test:41"    /* a member */
#define BOB "test:42"      /* another member */
#define MARA "test:mara"   /* a manager, as the platform reports her */
#define ADMIN "test:admin" /* an admin of the test server */
#define MODLOG "test:77"   /* the moderation log channel the stories set */

/* A fresh kith with the spam plugin loaded, enabled here, the log channel set. */
static inline bool spam_story_start(struct test_env *env)
{
    if (!test_env_init(env))
        return false;
    const char *plugins[] = {test_real_plugin_path("spam"), NULL};
    if (!test_env_start(env, plugins)) {
        fprintf(stderr, "  kith did not start: %s\n", env->start_error ? env->start_error : "?");
        return false;
    }
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/kith enable spam");
    if (strstr(test_last_reply(env), "spam is now enabled here") == NULL) {
        fprintf(stderr, "  not enabled: %s\n", test_last_reply(env));
        return false;
    }
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/spam set log channel 77");
    if (strstr(test_last_reply(env), "log_channel is now") == NULL) {
        fprintf(stderr, "  log channel not set: %s\n", test_last_reply(env));
        return false;
    }
    return true;
}

/* A member writes `text` as message `message_id` (with role ids, optionally as a reply). */
static inline void spam_post_full(struct test_env *env, const char *user_id, int role,
                                  const char *const *role_ids, size_t role_count,
                                  const char *message_id, const char *reply_to, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id,
                   .display_name = user_id,
                   .role = role,
                   .role_ids = role_ids,
                   .role_count = role_count},
        .message = {.id = message_id, .text = text, .reply_to_id = reply_to},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

/* A member writes `text` as message `message_id` in another channel. */
static inline void spam_post_in(struct test_env *env, const char *user_id, const char *channel_id,
                                const char *message_id, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = channel_id,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id, .display_name = user_id},
        .message = {.id = message_id, .text = text},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

/* A member edits message `message_id` to read `text`. */
static inline void spam_edit(struct test_env *env, const char *user_id, const char *message_id,
                             const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE_EDIT,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id, .display_name = user_id},
        .message = {.id = message_id, .text = text},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

/* A member writes `text` as message `message_id`. */
static inline void spam_post(struct test_env *env, const char *user_id, const char *message_id,
                             const char *text)
{
    spam_post_full(env, user_id, KITH_ROLE_MEMBER, NULL, 0, message_id, NULL, text);
}

/* How many recorded actions of `kind` (whose text contains needle; "" = any). */
static inline size_t spam_count(const struct test_env *env, enum test_action_kind kind,
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

/* True when the platform was asked to delete message_id. */
static inline bool spam_deleted(const struct test_env *env, const char *message_id)
{
    for (size_t i = 0; i < env->tp->count; i++) {
        const struct test_action *a = &env->tp->actions[i];
        if (a->kind == TEST_ACTION_DELETE && a->message_id &&
            strcmp(a->message_id, message_id) == 0)
            return true;
    }
    return false;
}

/* The newest post in the moderation log channel, or NULL. */
static inline const struct test_action *spam_last_log(const struct test_env *env)
{
    for (size_t i = env->tp->count; i > 0; i--) {
        const struct test_action *a = &env->tp->actions[i - 1];
        if (a->kind == TEST_ACTION_SEND && a->channel_id && strcmp(a->channel_id, MODLOG) == 0)
            return a;
    }
    return NULL;
}

/* One integer from the store; -1 when the query fails. ?1 binds param when given. */
static inline long long spam_query(struct test_env *env, const char *sql, const char *param)
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

#endif
