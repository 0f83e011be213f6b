/* Benchmark: the core's per-event cost. Plain messages through dispatch to an enabled plugin
 * (which counts them with a buffered write), and text commands through detection, parsing,
 * the permission check and the plugin. Prints events per second; not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "test_env.h"

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void dispatch_text(struct test_env *env, const char *user, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .author = {.id = user, .display_name = user},
        .message = {.id = "test:m", .text = text},
    };
    kith_core_dispatch(env->core, &ev);
}

static void run(struct test_env *env, const char *label, const char *text, int count)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < count; i++) {
        dispatch_text(env, "test:bench-user", text);
        if (i % 1000 == 999) { /* let completions and the flush timer run, as the loop would */
            test_platform_clear(env->tp);
            test_env_run(env, 0);
        }
    }
    kith_store_flush(env->core->store);
    double elapsed = seconds_since(&start);
    printf("%-28s %8d events  %7.3f s  %10.0f events/s  %6.2f us/event\n", label, count, elapsed,
           count / elapsed, elapsed * 1e6 / count);
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 100000;
    struct test_env env;
    const char *plugins[] = {test_plugin_path("example"), NULL};
    if (!test_env_init(&env) || !test_env_start(&env, plugins)) {
        fprintf(stderr, "bench: cannot start: %s\n", env.start_error ? env.start_error : "?");
        return 1;
    }
    test_say(&env, "test:admin", KITH_ROLE_ADMIN, "/kith enable example");
    run(&env, "plain messages", "hello everyone, how is it going?", count);
    test_env_run(&env, 100); /* let the plugin's buffered counter flush */
    test_say(&env, "test:admin", KITH_ROLE_ADMIN, "/note count");
    printf("  (the plugin saw: %s)\n", test_last_reply(&env)); /* proves delivery */
    run(&env, "text commands (/note count)", "/note count", count / 10);
    run(&env, "unknown /commands", "/usr/bin/env is a path", count);
    test_env_finish(&env);
    return 0;
}
