/* The Matrix adapter's lifecycle (create, start, graceful stop, destroy) and its operations
 * table; the protocol work lives in the other mx_*.c files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

static struct mx *impl(struct kith_platform *p)
{
    return p->impl;
}

static kith_err mx_start(struct kith_platform *p)
{
    struct mx *mx = impl(p);
    mx->http = kith_core_http(mx->core);
    if (mx->http == NULL)
        return KITH_ERR_IO;
    mx->phase = MX_CONNECTING;
    kith_log(KITH_LOG_INFO, MX_PLATFORM, "connecting to %s", mx->homeserver);
    return mx_login_start(mx);
}

static void report_stopped(struct mx *mx)
{
    if (mx->phase == MX_STOPPED)
        return; /* cancelling the last waiting action already reported it */
    mx->phase = MX_STOPPED;
    kith_core_platform_stopped(mx->core, &mx->base);
}

/* In-flight plugin actions may finish (their answers are already on the way); everything
 * else stops now. Unanswered sends stay in the outbox for the next start. */
static void mx_stop(struct kith_platform *p)
{
    struct mx *mx = impl(p);
    if (mx->phase == MX_STOPPING || mx->phase == MX_STOPPED)
        return;
    bool failed = mx->phase == MX_FAILED;
    mx->phase = MX_STOPPING;
    mx_sync_stop(mx);
    mx_calls_cancel_waiting(mx);
    if (failed || mx->actions_pending == 0)
        report_stopped(mx);
}

void mx_action_finished(struct mx *mx)
{
    if (mx->actions_pending > 0)
        mx->actions_pending--;
    if (mx->phase == MX_STOPPING && mx->actions_pending == 0)
        report_stopped(mx);
}

static void free_mx(struct mx *mx)
{
    free(mx->homeserver);
    free(mx->token);
    free(mx->auth_header);
    free(mx->user_id);
    free(mx);
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct mx *mx = handle->data;
    if (--mx->handles_open == 0)
        free_mx(mx);
}

static void mx_destroy(struct kith_platform *p)
{
    struct mx *mx = impl(p);
    mx->phase = MX_STOPPED;
    mx_calls_cancel_all(mx);
    mx_sync_free(mx);
    mx_rooms_free(mx);
    mx_outbox_free(mx);
    uv_close((uv_handle_t *)&mx->retry_timer, on_handle_closed);
    uv_close((uv_handle_t *)&mx->sync_timer, on_handle_closed);
}

void mx_token_rejected(struct mx *mx, const char *message)
{
    if (mx->phase != MX_RUNNING)
        return; /* while connecting, mx_login decides (a stored token is replaced) */
    kith_log(KITH_LOG_ERROR, MX_PLATFORM,
             "the homeserver no longer accepts kith's access token (M_UNKNOWN_TOKEN: %s); the "
             "Matrix adapter stops. Set a valid matrix.access_token (or matrix.password) and "
             "restart kithd.",
             message ? message : "no reason given");
    if (mx->token_stored) {
        kith_err err = kith_db_state_set(mx->core->store, MX_STATE_SCOPE, "login", "{}");
        if (err != KITH_OK)
            kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not forget the stored token: %s",
                     kith_strerror(err));
    }
    mx->phase = MX_FAILED;
    mx_sync_stop(mx);
    mx_calls_cancel_all(mx);
}

void mx_connected(struct mx *mx)
{
    mx->phase = MX_RUNNING;
    kith_log(KITH_LOG_INFO, MX_PLATFORM, "connected to %s as %s", mx->homeserver, mx->user_id);
    mx_outbox_replay(mx);
    mx_sync_start(mx);
}

kith_err mx_set_token(struct mx *mx, const char *token)
{
    char *copy = strdup(token);
    char *header = NULL;
    if (copy == NULL || asprintf(&header, "Bearer %s", token) < 0) {
        free(copy);
        return KITH_ERR_NOMEM;
    }
    free(mx->token);
    free(mx->auth_header);
    mx->token = copy;
    mx->auth_header = header;
    kith_log_add_secret(token);
    return KITH_OK;
}

static const struct kith_platform_ops mx_ops = {
    .name = MX_PLATFORM,
    .start = mx_start,
    .stop = mx_stop,
    .destroy = mx_destroy,
    .send = mx_op_send,
    .reply = mx_op_reply,
    .edit = mx_op_edit,
    .delete_message = mx_op_delete,
    .send_dm = mx_op_send_dm,
    .moderate = mx_op_moderate,
    .register_commands = NULL, /* text commands only: "!name" */
    .poll_close = mx_op_poll_close,
    .show_form = NULL, /* no forms in Matrix: plugins ask question by question */
};

bool kith_matrix_enabled(const struct kith_config *cfg)
{
    return cfg->matrix.enabled;
}

static char *base_url_dup(const char *url)
{
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        len--;
    return strndup(url, len);
}

kith_err kith_matrix_create(struct kith_core *core, const struct kith_config *cfg,
                            struct kith_platform **out, char **error_out)
{
    const struct kith_matrix_config *mc = &cfg->matrix;
    if (mc->homeserver == NULL || (mc->access_token == NULL && mc->password == NULL)) {
        if (error_out != NULL &&
            asprintf(error_out, "matrix needs a homeserver and an access token or password") < 0)
            *error_out = NULL;
        return KITH_ERR_INVALID;
    }
    struct mx *mx = calloc(1, sizeof *mx);
    if (mx == NULL)
        return KITH_ERR_NOMEM;
    mx->base.ops = &mx_ops;
    mx->base.impl = mx;
    mx->core = core;
    mx->cfg = mc;
    mx->loop = core->loop;
    mx->homeserver = base_url_dup(mc->homeserver);
    kith_err err = mx->homeserver != NULL ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = mx_sync_new(mx);
    if (err == KITH_OK)
        err = mx_outbox_new(mx);
    if (err != KITH_OK) {
        mx_sync_free(mx);
        mx_outbox_free(mx);
        free_mx(mx);
        return err;
    }
    uv_timer_init(mx->loop, &mx->retry_timer);
    uv_timer_init(mx->loop, &mx->sync_timer);
    mx->retry_timer.data = mx;
    mx->sync_timer.data = mx;
    mx->handles_open = 2;
    *out = &mx->base;
    return KITH_OK;
}
