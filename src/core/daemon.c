/* kithd's run loop: builds the core from the configuration, handles SIGINT/SIGTERM (graceful
 * stop within a bound; a second signal forces it) and SIGHUP (reload without dropping
 * connections), and runs until every handle is closed. */
#include "core/daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/platforms.h"

#define SHUTDOWN_TIMEOUT_MS 5000

struct daemon {
    uv_loop_t loop;
    struct kith_config *cfg; /* the newest configuration: the core's */
    /* The one the adapters were built with. They keep pointers into it (tokens, base URLs)
     * and are not rebuilt on reload, so it lives as long as the core. */
    struct kith_config *platform_cfg;
    struct kith_core *core;
    uv_signal_t sigint, sigterm, sighup;
    bool stopping;
};

static void close_signals(struct daemon *d)
{
    uv_signal_t *signals[] = {&d->sigint, &d->sigterm, &d->sighup};
    for (size_t i = 0; i < 3; i++)
        if (uv_is_active((uv_handle_t *)signals[i]) && !uv_is_closing((uv_handle_t *)signals[i]))
            uv_close((uv_handle_t *)signals[i], NULL);
}

static void core_stopped(struct kith_core *core, void *ud)
{
    struct daemon *d = ud;
    (void)core;
    kith_log(KITH_LOG_INFO, "kithd", "stopped");
    close_signals(d);
    kith_core_free(d->core);
    d->core = NULL;
}

static void on_stop_signal(uv_signal_t *handle, int signum)
{
    struct daemon *d = handle->data;
    if (d->stopping) {
        kith_log(KITH_LOG_WARN, "kithd", "second %s: stopping now", strsignal(signum));
        uv_stop(&d->loop);
        return;
    }
    d->stopping = true;
    kith_log(KITH_LOG_INFO, "kithd", "%s received: shutting down", strsignal(signum));
    kith_core_stop(d->core, SHUTDOWN_TIMEOUT_MS, core_stopped, d);
}

/* Logs each line a failed config load wrote, so a bad edit is visible in the journal. */
static void log_config_errors(const char *text)
{
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        kith_log(KITH_LOG_ERROR, "config", "%.*s", len, line);
        line = end ? end + 1 : NULL;
    }
}

static void on_reload_signal(uv_signal_t *handle, int signum)
{
    struct daemon *d = handle->data;
    (void)signum;
    if (d->stopping)
        return;
    char *errors = NULL;
    size_t errors_len = 0;
    FILE *stream = open_memstream(&errors, &errors_len);
    if (stream == NULL) {
        kith_log(KITH_LOG_ERROR, "config", "reload: out of memory");
        return;
    }
    struct kith_config *fresh = calloc(1, sizeof *fresh);
    kith_err err = fresh ? kith_config_load(d->cfg->path, fresh, stream) : KITH_ERR_NOMEM;
    fclose(stream);
    if (err != KITH_OK) {
        log_config_errors(errors);
        kith_log(KITH_LOG_ERROR, "config", "reload refused; keeping the running configuration");
        free(fresh);
        free(errors);
        return;
    }
    free(errors);
    kith_core_reload(d->core, fresh);
    if (d->cfg != d->platform_cfg) {
        kith_config_free(d->cfg);
        free(d->cfg);
    }
    d->cfg = fresh;
}

static void free_configs(struct daemon *d)
{
    if (d->platform_cfg != d->cfg) {
        kith_config_free(d->platform_cfg);
        free(d->platform_cfg);
    }
    kith_config_free(d->cfg);
    free(d->cfg);
    d->cfg = d->platform_cfg = NULL;
}

static void start_signal(struct daemon *d, uv_signal_t *handle, uv_signal_cb cb, int signum)
{
    uv_signal_init(&d->loop, handle);
    handle->data = d;
    uv_signal_start(handle, cb, signum);
}

static const struct kith_platform_factory *find_factory(const char *name)
{
    for (size_t i = 0; i < kith_platform_factory_count; i++)
        if (strcmp(kith_platform_factories[i].name, name) == 0)
            return &kith_platform_factories[i];
    return NULL;
}

/* Creates the adapters the configuration enables. An enabled platform this build has no
 * adapter for is a start-up error rather than a silent no-op. */
static kith_err add_platforms(struct daemon *d, char **error_out)
{
    const struct {
        const char *name;
        bool enabled;
    } wanted[] = {
        {"discord", d->cfg->discord.enabled},
        {"telegram", d->cfg->telegram.enabled},
        {"matrix", d->cfg->matrix.enabled},
    };
    size_t enabled = 0;
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        if (!wanted[i].enabled)
            continue;
        const struct kith_platform_factory *factory = find_factory(wanted[i].name);
        if (factory == NULL) {
            if (asprintf(error_out, "%s is enabled in %s, but this kithd build has no %s adapter",
                         wanted[i].name, d->cfg->path ? d->cfg->path : "the configuration",
                         wanted[i].name) < 0)
                *error_out = NULL;
            return KITH_ERR_UNSUPPORTED;
        }
        struct kith_platform *p = NULL;
        kith_err err = factory->create(d->core, d->cfg, &p, error_out);
        if (err == KITH_OK) {
            err = kith_core_add_platform(d->core, p);
            if (err != KITH_OK)
                p->ops->destroy(p);
        }
        if (err != KITH_OK)
            return err;
        enabled++;
    }
    if (enabled == 0)
        kith_log(KITH_LOG_WARN, "kithd",
                 "no platform is enabled: kithd runs scheduled jobs only until one is");
    return KITH_OK;
}

static kith_err build_core(struct daemon *d)
{
    struct kith_core_options opts = {.loop = &d->loop, .config = d->cfg};
    char *error = NULL;
    kith_err err = kith_core_new(&opts, &d->core, &error);
    if (err == KITH_OK)
        err = add_platforms(d, &error);
    if (err == KITH_OK)
        err = kith_core_load_configured_plugins(d->core, &error);
    if (err == KITH_OK)
        err = kith_core_start(d->core);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "kithd", "start-up failed: %s",
                 error ? error : kith_strerror(err));
    free(error);
    return err;
}

static void close_any(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

static void drain_deadline(uv_timer_t *timer)
{
    kith_log(KITH_LOG_WARN, "kithd", "handles still open after stop; closing them");
    uv_walk(timer->loop, close_any, NULL);
}

/* Lets every component finish closing its handles on the loop (libwebsockets needs loop turns
 * to tear down), and only past a deadline closes whatever is left so the loop can end. */
static void drain_loop(uv_loop_t *loop)
{
    uv_timer_t deadline;
    uv_timer_init(loop, &deadline);
    uv_timer_start(&deadline, drain_deadline, 2000, 0);
    uv_unref((uv_handle_t *)&deadline); /* the loop ends as soon as the rest is closed */
    uv_run(loop, UV_RUN_DEFAULT);
    if (!uv_is_closing((uv_handle_t *)&deadline))
        uv_close((uv_handle_t *)&deadline, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
}

int kith_daemon_run(struct kith_config *cfg)
{
    struct daemon *d = calloc(1, sizeof *d);
    struct kith_config *owned = malloc(sizeof *owned);
    if (d == NULL || owned == NULL) {
        free(d);
        free(owned);
        kith_config_free(cfg);
        return 1;
    }
    *owned = *cfg; /* the contents move to the daemon; the caller's struct is emptied */
    *cfg = (struct kith_config){0};
    d->cfg = d->platform_cfg = owned;
    signal(SIGPIPE, SIG_IGN); /* a peer closing a socket must not kill the daemon */
    uv_loop_init(&d->loop);

    int status = 0;
    if (build_core(d) != KITH_OK) {
        kith_core_free(d->core);
        d->core = NULL;
        status = 1;
    } else {
        start_signal(d, &d->sigint, on_stop_signal, SIGINT);
        start_signal(d, &d->sigterm, on_stop_signal, SIGTERM);
        start_signal(d, &d->sighup, on_reload_signal, SIGHUP);
        kith_log(KITH_LOG_INFO, "kithd", "running (kithd %s, plugin ABI %d.%d)", KITH_VERSION,
                 KITH_ABI_MAJOR, KITH_ABI_MINOR);
        uv_run(&d->loop, UV_RUN_DEFAULT);
        if (d->core != NULL) { /* forced stop: finish what the graceful path would have */
            close_signals(d);
            kith_core_free(d->core);
            d->core = NULL;
        }
    }
    drain_loop(&d->loop);
    if (uv_loop_close(&d->loop) != 0)
        kith_log(KITH_LOG_WARN, "kithd", "event loop closed with handles still open");
    free_configs(d); /* after the core: its adapters read the configuration until freed */
    free(d);
    return status;
}
