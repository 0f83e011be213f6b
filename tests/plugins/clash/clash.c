/* A test plugin that declares a /note command. Loaded after the example plugin (which owns
 * /note), the host must refuse it, naming the command and both plugins. */
#include <kith/plugin.h>

static void clash_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    (void)ctx;
    (void)ev;
}

static const struct kith_command_decl clash_commands[] = {
    {"note", "a note command of its own", KITH_ROLE_MEMBER, NULL, 0, NULL, 0},
};

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER, .name = "clash",
    .version = "1.0.0", .description = "declares a command another plugin already has",
    .license = "MIT",   .commands = clash_commands,
    .command_count = 1, .on_event = clash_on_event,
};
