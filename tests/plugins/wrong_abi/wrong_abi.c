/* A test plugin that claims the next plugin ABI major version. The host must refuse it from
 * the descriptor alone, naming both versions, without calling init. */
#include <kith/plugin.h>

static kith_err wrong_abi_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    /* Never reached: a host that called this would log the line the test looks for. */
    host->log(ctx, KITH_LOG_ERROR, "wrong_abi init ran although its ABI was refused");
    return KITH_OK;
}

KITH_PLUGIN_DEFINE = {
    .abi_major = KITH_ABI_MAJOR + 1,
    .abi_minor = 0,
    .size = sizeof(struct kith_plugin),
    .name = "wrong_abi",
    .version = "1.0.0",
    .description = "built for a plugin ABI this kithd does not provide",
    .license = "MIT",
    .init = wrong_abi_init,
};
