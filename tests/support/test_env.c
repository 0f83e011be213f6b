/* The in-process kith environment for scenario tests (see test_env.h). */
#include "test_env.h"

#include "store/migrate_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#ifndef KITH_TEST_PLUGIN_DIR
#define KITH_TEST_PLUGIN_DIR "test-plugins"
#endif

static int64_t fake_clock(void *ud)
{
    return ((struct test_env *)ud)->now_ms;
}

bool test_env_init(struct test_env *env)
{
    memset(env, 0, sizeof *env);
    snprintf(env->dir, sizeof env->dir, "/tmp/kith-test-XXXXXX");
    if (mkdtemp(env->dir) == NULL)
        return false;
    snprintf(env->db_path, sizeof env->db_path, "%s/kith.db", env->dir);
    env->now_ms = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    uv_loop_init(&env->loop);
    kith_log_open(KITH_LOG_WARN, NULL);

    struct kith_config *c = &env->config;
    c->store.path = env->db_path;
    c->store.busy_timeout_ms = 5000;
    c->store.batch_max_rows = 500;
    c->store.batch_interval_ms = 50;
    c->plugins.dir = (char *)KITH_TEST_PLUGIN_DIR;
    c->log.level = KITH_LOG_WARN;
    return true;
}

bool test_env_start(struct test_env *env, const char *const *plugin_paths)
{
    free(env->start_error);
    env->start_error = NULL;
    struct kith_core_options opts = {
        .loop = &env->loop, .config = &env->config, .clock = fake_clock, .clock_ud = env};
    if (kith_core_new(&opts, &env->core, &env->start_error) != KITH_OK)
        return false;
    env->tp = test_platform_new(&env->loop, "test");
    if (env->tp == NULL || kith_core_add_platform(env->core, &env->tp->base) != KITH_OK)
        return false;
    for (size_t i = 0; plugin_paths != NULL && plugin_paths[i] != NULL; i++) {
        if (kith_core_load_plugin(env->core, plugin_paths[i], &env->start_error) != KITH_OK) {
            test_env_stop(env);
            return false;
        }
    }
    if (kith_core_start(env->core) != KITH_OK)
        return false;
    test_env_run(env, 5);
    return true;
}

static void on_stopped(struct kith_core *core, void *ud)
{
    (void)core;
    *(bool *)ud = true;
}

void test_env_stop(struct test_env *env)
{
    if (env->core == NULL)
        return;
    bool stopped = false;
    kith_core_stop(env->core, 1000, on_stopped, &stopped);
    for (int i = 0; i < 200 && !stopped; i++)
        test_env_run(env, 10);
    kith_core_free(env->core);
    env->core = NULL;
    env->tp = NULL;
    test_env_run(env, 1);
}

bool test_env_restart(struct test_env *env, const char *const *plugin_paths)
{
    test_env_stop(env);
    return test_env_start(env, plugin_paths);
}

static void stop_loop(uv_timer_t *timer)
{
    uv_stop(timer->loop);
}

void test_env_run(struct test_env *env, uint64_t ms)
{
    uv_timer_t timer;
    uv_timer_init(&env->loop, &timer);
    uv_timer_start(&timer, stop_loop, ms, 0);
    uv_run(&env->loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&timer, NULL);
    uv_run(&env->loop, UV_RUN_NOWAIT);
}

void test_env_advance(struct test_env *env, int64_t ms)
{
    env->now_ms += ms;
    if (env->core != NULL)
        kith_scheduler_run_due(env->core->scheduler, env->now_ms);
    test_env_run(env, 5);
}

static void close_leftover(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

void test_env_finish(struct test_env *env)
{
    test_env_stop(env);
    uv_walk(&env->loop, close_leftover, NULL);
    uv_run(&env->loop, UV_RUN_DEFAULT);
    uv_loop_close(&env->loop);
    free(env->start_error);
    env->start_error = NULL;
    char path[400];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", env->db_path, suffixes[i]);
        unlink(path);
    }
    rmdir(env->dir);
}

void test_server_moved(struct test_env *env, const char *from_id, const char *to_id)
{
    if (kith_store_migrate_server(env->core->store, from_id, to_id, env->now_ms, NULL) != KITH_OK)
        abort(); /* tests only: the store is a fresh temporary one */
    kith_core_server_moved(env->core, from_id, to_id);
    test_env_run(env, 5);
}

void test_send(struct test_env *env, const struct test_message *m)
{
    static int message_seq;
    char message_id[32];
    snprintf(message_id, sizeof message_id, "test:in%d", ++message_seq);
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = m->server_id ? m->server_id : TEST_SERVER,
        .channel_id = m->channel_id ? m->channel_id : TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = m->user_id,
                   .display_name = m->user_id,
                   .role = m->role,
                   .role_ids = m->role_ids,
                   .role_count = m->role_count},
        .message = {.id = message_id, .text = m->text, .reply_to_id = m->reply_to_id},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

void test_say_in(struct test_env *env, const char *server_id, const char *channel_id,
                 const char *user_id, int role, const char *text)
{
    test_send(env, &(struct test_message){.server_id = server_id,
                                          .channel_id = channel_id,
                                          .user_id = user_id,
                                          .role = role,
                                          .text = text});
}

void test_say_with_roles(struct test_env *env, const char *user_id, int role,
                         const char *const *role_ids, size_t role_count, const char *text)
{
    test_send(env, &(struct test_message){.user_id = user_id,
                                          .role = role,
                                          .role_ids = role_ids,
                                          .role_count = role_count,
                                          .text = text});
}

void test_say(struct test_env *env, const char *user_id, int role, const char *text)
{
    test_say_with_roles(env, user_id, role, NULL, 0, text);
}

void test_press(struct test_env *env, const char *user_id, int role, const char *custom_id,
                const char *message_id)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_COMPONENT,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id, .display_name = user_id, .role = role},
        .component = {.custom_id = custom_id, .message_id = message_id},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

void test_vote(struct test_env *env, const char *user_id, const char *poll_message_id,
               const int *indexes, size_t n)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_POLL_VOTE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id, .display_name = user_id},
        .message = {.id = poll_message_id, .text = ""},
        .poll_vote = {.poll_id = poll_message_id, .option_indexes = indexes, .option_count = n},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

void test_submit_form(struct test_env *env, const char *user_id, int role, const char *custom_id,
                      const char *const *values, size_t n)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MODAL_SUBMIT,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id, .display_name = user_id, .role = role},
        .component = {.custom_id = custom_id, .values = values, .value_count = n},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

void test_join(struct test_env *env, const char *user_id)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MEMBER_JOIN,
        .platform = "test",
        .server_id = TEST_SERVER,
        .timestamp_ms = env->now_ms,
        .author = {.id = user_id, .display_name = user_id, .joined_at_ms = env->now_ms},
        .message = {.text = ""},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

const char *test_real_plugin_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s.so", KITH_PLUGIN_DIR, name);
    return path;
}

const char *test_plugin_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s.so", KITH_TEST_PLUGIN_DIR, name);
    return path;
}

const char *test_last_reply(const struct test_env *env)
{
    const struct test_action *a = test_platform_last_of(env->tp, TEST_ACTION_REPLY);
    return a && a->text ? a->text : "";
}
