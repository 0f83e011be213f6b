/* A whole kith core in a test: a temporary store, the recording test platform, a fake clock,
 * plugins loaded from the build, restarts that keep the store, and helpers that act as a
 * member or admin would (say something, press a button). */
#ifndef KITH_TEST_ENV_H
#define KITH_TEST_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "core/config.h"
#include "core/core.h"
#include "test_platform.h"

#define TEST_SERVER "test:guild1"
#define TEST_CHANNEL "test:general"

struct test_env {
    uv_loop_t loop;
    char dir[256]; /* temporary directory holding the store */
    char db_path[300];
    char *plugin_dir_storage;
    char *load_storage[8];
    struct kith_config config;
    struct kith_core *core;
    struct test_platform *tp; /* owned by the core */
    int64_t now_ms;           /* the fake clock every component reads */
    char *start_error;        /* why the last start failed, or NULL */
};

/* A fresh environment (temporary store; clock at 2026-01-01). Returns false on failure. */
bool test_env_init(struct test_env *env);

/* Starts a core with the test platform and the given plugins (paths, NULL-terminated; may
 * be NULL). False (and env->start_error set) when start-up failed. */
bool test_env_start(struct test_env *env, const char *const *plugin_paths);

/* Stops the core gracefully and frees it; the store stays for the next start. */
void test_env_stop(struct test_env *env);

/* Stop, then start again with the same plugins: a kithd restart. */
bool test_env_restart(struct test_env *env, const char *const *plugin_paths);

/* Runs the loop for about `ms` of real time (completions, timers). */
void test_env_run(struct test_env *env, uint64_t ms);

/* Moves the fake clock and fires the jobs now due. */
void test_env_advance(struct test_env *env, int64_t ms);

/* Stops everything and removes the temporary directory. */
void test_env_finish(struct test_env *env);

/* A member writes `text` in TEST_CHANNEL of TEST_SERVER (the platform says whether they are
 * an admin through `role`), then the loop runs briefly. */
void test_say(struct test_env *env, const char *user_id, int role, const char *text);
/* The same, with role ids (for managers named by role). */
void test_say_with_roles(struct test_env *env, const char *user_id, int role,
                         const char *const *role_ids, size_t role_count, const char *text);
/* A member presses a component with the given (routed) custom id on message_id. */
void test_press(struct test_env *env, const char *user_id, int role, const char *custom_id,
                const char *message_id);

/* A member votes on the native poll carried by poll_message_id: the complete choice
 * (n == 0: vote retracted), as every adapter reports it. */
void test_vote(struct test_env *env, const char *user_id, const char *poll_message_id,
               const int *indexes, size_t n);
/* A member submits the form with the given (routed) custom id, answers in field order. */
void test_submit_form(struct test_env *env, const char *user_id, int role, const char *custom_id,
                      const char *const *values, size_t n);

/* What a member writes, with the details a story may need; NULL server and channel mean
 * TEST_SERVER and TEST_CHANNEL. Every message gets a fresh id "test:inN". */
struct test_message {
    const char *server_id, *channel_id;
    const char *user_id;
    int role; /* kith_role as the platform says it */
    const char *const *role_ids;
    size_t role_count;
    const char *text;
    const char *reply_to_id; /* the message this one answers, or NULL */
};
/* The member writes it, then the loop runs briefly (as test_say). */
void test_send(struct test_env *env, const struct test_message *m);

/* A member writes in another server or channel (e.g. the new id of a moved server). */
void test_say_in(struct test_env *env, const char *server_id, const char *channel_id,
                 const char *user_id, int role, const char *text);
/* The server got a new id, as when a Telegram group becomes a supergroup: the core's rows move
 * (kith_store_migrate_server) and every plugin is told (on_server_moved). */
void test_server_moved(struct test_env *env, const char *from_id, const char *to_id);

/* A member joins TEST_SERVER (the platform's join event, timestamped now). */
void test_join(struct test_env *env, const char *user_id);

/* Path of a real plugin built into <build>/plugins. Static buffer. */
const char *test_real_plugin_path(const char *name);

/* Path of a test plugin built into <build>/test-plugins. Static buffer. */
const char *test_plugin_path(const char *name);

/* The text of the newest reply, or "" when none. */
const char *test_last_reply(const struct test_env *env);

#endif
