/* A test plugin in its own file (twin.so) that names itself "example", like the example
 * plugin. Loaded after it, the host must refuse it as a duplicate name. */
#include <kith/plugin.h>

static void twin_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    (void)ctx;
    (void)ev;
}

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER, .name = "example",
    .version = "0.0.1", .description = "an impostor of the example plugin",
    .license = "MIT",   .on_event = twin_on_event,
};
