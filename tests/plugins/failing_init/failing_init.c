/* A test plugin whose init sets its state and starts a timer, then fails. The host must
 * refuse the plugin and release both before unloading it (ASan reports a leak otherwise). */
#include <stdlib.h>

#include <kith/plugin.h>

/* Never runs: the host cancels the timer when init fails. */
static void failing_init_tick(struct kith_plugin_ctx *ctx, void *ud)
{
    (void)ctx;
    (void)ud;
}

static kith_err failing_init_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    void *state = malloc(64);
    if (state == NULL)
        return KITH_ERR_NOMEM;
    host->set_state(ctx, state, free);
    void *timer_ud = malloc(32);
    if (timer_ud == NULL)
        return KITH_ERR_NOMEM;
    if (host->timer_start(ctx, 10, 10, failing_init_tick, timer_ud, free, NULL) != KITH_OK)
        free(timer_ud);
    host->log(ctx, KITH_LOG_WARN, "failing on purpose");
    return KITH_ERR_INVALID;
}

static void failing_init_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    (void)ctx;
    (void)ev;
}

static const struct kith_command_decl failing_commands[] = {
    {"failing", "never available: init fails", KITH_ROLE_MEMBER, NULL, 0, NULL, 0},
};

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER,
    .name = "failing_init",
    .version = "1.0.0",
    .description = "init returns an error",
    .license = "MIT",
    .commands = failing_commands,
    .command_count = 1,
    .init = failing_init_init,
    .on_event = failing_init_on_event,
};
