/* Story: plugins keep time with in-memory timers. A delay worked out from a time already
 * past fires at once; a negative period is refused; kith stopping from inside a timer's own
 * callback finishes cleanly, with the timer's data freed once. */
#include "core_story.h"

#include "core/host_internal.h"
#include "core/plugin_host.h"

static int fired, freed;

static void count_fire(struct kith_plugin_ctx *ctx, void *ud)
{
    (void)ctx;
    (void)ud;
    fired++;
}

static void count_free(void *ud)
{
    free(ud);
    freed++;
}

static void clock_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    (void)ctx;
    (void)ev;
}

static const struct kith_plugin clock_plugin = {
    KITH_PLUGIN_HEADER,
    .name = "clock",
    .version = "1.0.0",
    .on_event = clock_on_event,
};

/* kith with the clock plugin loaded; its context, as its callbacks receive it. */
static struct kith_plugin_ctx *start_with_clock(struct test_env *env)
{
    fired = freed = 0;
    if (!story_start(env))
        return NULL;
    char *error = NULL;
    if (kith_plugin_load_builtin(env->core, &clock_plugin, &error) != KITH_OK) {
        free(error);
        return NULL;
    }
    return kith_plugin_find(env->core, "clock");
}

TEST(test_timer_for_a_moment_already_past_fires_at_once)
{
    struct test_env env;
    struct kith_plugin_ctx *ctx = start_with_clock(&env);
    REQUIRE(ctx != NULL);
    const struct kith_host *host = kith_host_table();
    /* The plugin computed "due - now" for a reminder that is 5 ms overdue. */
    int64_t due_in = -5;
    CHECK_INT(host->timer_start(ctx, (uint64_t)due_in, 0, count_fire, malloc(8), count_free, NULL),
              KITH_OK);
    test_env_run(&env, 20);
    CHECK_INT(fired, 1);
    CHECK_INT(freed, 1);
    test_env_finish(&env);
}

TEST(test_timer_with_a_negative_period_is_refused)
{
    struct test_env env;
    struct kith_plugin_ctx *ctx = start_with_clock(&env);
    REQUIRE(ctx != NULL);
    int64_t period = -1000;
    CHECK_INT(
        kith_host_table()->timer_start(ctx, 10, (uint64_t)period, count_fire, NULL, NULL, NULL),
        KITH_ERR_INVALID);
    test_env_run(&env, 30);
    CHECK_INT(fired, 0);
    test_env_finish(&env);
}

/* ---- Stopping from inside a timer's callback. ---- */

static bool stopped;

static void note_stopped(struct kith_core *core, void *ud)
{
    (void)core;
    (void)ud;
    stopped = true;
}

static void stop_kith(struct kith_plugin_ctx *ctx, void *ud)
{
    (void)ud;
    fired++;
    kith_core_stop(ctx->core, 1000, note_stopped, NULL);
}

TEST(test_kith_stopping_inside_a_timer_callback_frees_the_timer_once)
{
    struct test_env env;
    struct kith_plugin_ctx *ctx = start_with_clock(&env);
    REQUIRE(ctx != NULL);
    stopped = false;
    CHECK_INT(kith_host_table()->timer_start(ctx, 5, 5, stop_kith, malloc(8), count_free, NULL),
              KITH_OK);
    for (int i = 0; i < 50 && !stopped; i++)
        test_env_run(&env, 10);
    CHECK(stopped);
    CHECK_INT(fired, 1);
    CHECK_INT(freed, 1);
    test_env_finish(&env);
}
