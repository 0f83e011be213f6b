/* The host table: every function a plugin can call, each taking the plugin's context first.
 * Platform actions are routed to the adapter named by the id's prefix and tracked so they can
 * be cancelled when the plugin unloads. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/admin.h"
#include "core/cmdparse.h"
#include "core/host_db.h"
#include "core/host_internal.h"
#include "core/log.h"
#include "core/message.h"
#include "core/permissions.h"
#include "core/settings.h"
#include "store/core_tables.h"

static void host_log(struct kith_plugin_ctx *ctx, kith_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void host_log(struct kith_plugin_ctx *ctx, kith_log_level level, const char *fmt, ...)
{
    char component[48];
    snprintf(component, sizeof component, "plugin %s", ctx->desc->name);
    va_list ap;
    va_start(ap, fmt);
    kith_logv(level, component, fmt, ap);
    va_end(ap);
}

static void host_set_state(struct kith_plugin_ctx *ctx, void *state, kith_free_fn free_fn)
{
    ctx->state = state;
    ctx->free_state = free_fn;
}

static void *host_state(struct kith_plugin_ctx *ctx)
{
    return ctx->state;
}

static const char *host_plugin_name(struct kith_plugin_ctx *ctx)
{
    return ctx->desc->name;
}

static kith_message *host_message_new(struct kith_plugin_ctx *ctx)
{
    return kith_message_new_owned(ctx->desc->name);
}

/* The adapter for an id's platform prefix, logging once why there is none. */
static struct kith_platform *platform_for(struct kith_plugin_ctx *ctx, const char *id)
{
    char name[32];
    if (id == NULL || !kith_id_platform(id, name, sizeof name)) {
        kith_log(KITH_LOG_WARN, "core", "plugin %s used an id without platform prefix: \"%s\"",
                 ctx->desc->name, id ? id : "(null)");
        return NULL;
    }
    struct kith_platform *p = kith_core_platform(ctx->core, name);
    if (p == NULL)
        kith_log(KITH_LOG_WARN, "core", "plugin %s: platform \"%s\" is not connected",
                 ctx->desc->name, name);
    return p;
}

/* Common path of every platform action: refuse during shutdown or unload, track the completion,
 * and forget it again when the adapter refuses synchronously. */
#define RUN_ACTION(ctx, done, call)                                                                \
    do {                                                                                           \
        if ((ctx)->core->stopping || (ctx)->releasing)                                             \
            return KITH_ERR_BUSY;                                                                  \
        struct pending_action *pending = kith_pending_new((ctx), (done));                          \
        if (pending == NULL)                                                                       \
            return KITH_ERR_NOMEM;                                                                 \
        kith_err err_ = (call);                                                                    \
        if (err_ != KITH_OK)                                                                       \
            kith_pending_discard(pending);                                                         \
        return err_;                                                                               \
    } while (0)

static kith_err host_reply(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                           const kith_message *msg, const struct kith_completion *done)
{
    if (ev == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    struct kith_platform *p = kith_core_platform(ctx->core, ev->platform);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    RUN_ACTION(ctx, done, p->ops->reply(p, ev, msg, kith_pending_deliver, pending));
}

static kith_err host_reply_text(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                                const char *text, bool ephemeral)
{
    kith_message *msg = kith_message_new();
    if (msg == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = kith_message_set_text(msg, text);
    if (err == KITH_OK)
        err = kith_message_set_ephemeral(msg, ephemeral);
    if (err == KITH_OK)
        err = host_reply(ctx, ev, msg, NULL);
    kith_message_free(msg);
    return err;
}

static kith_err host_send(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                          const kith_message *msg, const struct kith_completion *done)
{
    if (to == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    struct kith_platform *p = platform_for(ctx, to->server_id);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    RUN_ACTION(ctx, done, p->ops->send(p, to, msg, kith_pending_deliver, pending));
}

static kith_err host_edit(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                          const char *message_id, const kith_message *msg,
                          const struct kith_completion *done)
{
    if (to == NULL || message_id == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    struct kith_platform *p = platform_for(ctx, to->server_id);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    RUN_ACTION(ctx, done, p->ops->edit(p, to, message_id, msg, kith_pending_deliver, pending));
}

static kith_err host_delete_message(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                                    const char *message_id, const char *reason,
                                    const struct kith_completion *done)
{
    if (to == NULL || message_id == NULL)
        return KITH_ERR_INVALID;
    struct kith_platform *p = platform_for(ctx, to->server_id);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    RUN_ACTION(ctx, done,
               p->ops->delete_message(p, to, message_id, reason, kith_pending_deliver, pending));
}

static kith_err host_send_dm(struct kith_plugin_ctx *ctx, const char *user_id,
                             const kith_message *msg, const struct kith_completion *done)
{
    if (user_id == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    struct kith_platform *p = platform_for(ctx, user_id);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    RUN_ACTION(ctx, done, p->ops->send_dm(p, user_id, msg, kith_pending_deliver, pending));
}

static kith_err host_moderate(struct kith_plugin_ctx *ctx, const struct kith_moderation *action,
                              const struct kith_completion *done)
{
    if (action == NULL || action->user_id == NULL || action->server_id == NULL ||
        action->kind < KITH_MOD_TIMEOUT || action->kind > KITH_MOD_ROLE_REMOVE ||
        (action->kind == KITH_MOD_TIMEOUT && action->duration_s <= 0) ||
        ((action->kind == KITH_MOD_ROLE_ADD || action->kind == KITH_MOD_ROLE_REMOVE) &&
         action->role_id == NULL))
        return KITH_ERR_INVALID;
    struct kith_platform *p = platform_for(ctx, action->server_id);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    RUN_ACTION(ctx, done, p->ops->moderate(p, action, kith_pending_deliver, pending));
}

static kith_err host_poll_close(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                                const char *message_id, const struct kith_completion *done)
{
    if (to == NULL || message_id == NULL)
        return KITH_ERR_INVALID;
    struct kith_platform *p = platform_for(ctx, to->server_id);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    if (p->ops->poll_close == NULL)
        return KITH_ERR_UNSUPPORTED;
    RUN_ACTION(ctx, done, p->ops->poll_close(p, to, message_id, kith_pending_deliver, pending));
}

static bool form_text_ok(const char *text, size_t max, bool required)
{
    if (text == NULL)
        return !required;
    size_t len = strlen(text);
    return (!required || len > 0) && kith_utf8_valid(text, len) && kith_utf8_length(text) <= max;
}

static kith_err check_form(const struct kith_form *form)
{
    if (form == NULL || form->fields == NULL || form->field_count == 0 ||
        !form_text_ok(form->custom_id, KITH_CUSTOM_ID_MAX, true) ||
        !form_text_ok(form->title, KITH_FORM_TITLE_MAX, true))
        return KITH_ERR_INVALID;
    if (form->field_count > KITH_FORM_FIELDS_MAX)
        return KITH_ERR_LIMIT;
    for (size_t i = 0; i < form->field_count; i++) {
        const struct kith_form_field *f = &form->fields[i];
        if (!form_text_ok(f->label, KITH_FORM_LABEL_MAX, true) ||
            !form_text_ok(f->placeholder, 100, false) ||
            !form_text_ok(f->value, KITH_FORM_VALUE_MAX, false) || f->min_length < 0 ||
            f->max_length < 0 || f->max_length > KITH_FORM_VALUE_MAX ||
            (f->max_length > 0 && f->min_length > f->max_length))
            return KITH_ERR_INVALID;
    }
    return KITH_OK;
}

static kith_err host_show_form(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                               const struct kith_form *form)
{
    if (ev == NULL)
        return KITH_ERR_INVALID;
    kith_err err = check_form(form);
    if (err != KITH_OK)
        return err;
    if (ctx->core->stopping || ctx->releasing)
        return KITH_ERR_BUSY;
    struct kith_platform *p = kith_core_platform(ctx->core, ev->platform);
    if (p == NULL)
        return KITH_ERR_NOT_FOUND;
    if (p->ops->show_form == NULL)
        return KITH_ERR_UNSUPPORTED;
    char routed_id[KITH_CUSTOM_ID_MAX + 1];
    int n = snprintf(routed_id, sizeof routed_id, "%s:%s", ctx->desc->name, form->custom_id);
    if (n < 0 || (size_t)n >= sizeof routed_id)
        return KITH_ERR_LIMIT;
    struct kith_form routed = *form;
    routed.custom_id = routed_id;
    return p->ops->show_form(p, ev, &routed);
}

static kith_err host_job_schedule(struct kith_plugin_ctx *ctx, const char *server_id,
                                  const char *kind, const char *payload, int64_t due_at_ms,
                                  int64_t *job_id_out)
{
    if (kind == NULL || kind[0] == '\0')
        return KITH_ERR_INVALID;
    return kith_scheduler_add(ctx->core->scheduler, ctx->desc->name, server_id, kind,
                              payload ? payload : "", due_at_ms, job_id_out);
}

static kith_err host_job_cancel(struct kith_plugin_ctx *ctx, int64_t job_id)
{
    return kith_scheduler_cancel(ctx->core->scheduler, ctx->desc->name, job_id);
}

/* The stored value, else the declared default, in stored (normalised) form. */
static kith_err host_setting_get(struct kith_plugin_ctx *ctx, const char *server_id,
                                 const char *key, char **value_out)
{
    *value_out = NULL;
    const struct kith_setting_decl *decl = kith_plugin_find_setting(ctx, key);
    if (decl == NULL || server_id == NULL)
        return decl ? KITH_ERR_INVALID : KITH_ERR_NOT_FOUND;
    kith_err err =
        kith_db_setting_get(ctx->core->store, server_id, ctx->desc->name, key, value_out);
    if (err != KITH_ERR_NOT_FOUND)
        return err;
    if (decl->default_value == NULL)
        return KITH_ERR_NOT_FOUND;
    char reason[256];
    char platform[32];
    bool prefixed = kith_id_platform(server_id, platform, sizeof platform);
    return kith_setting_validate(decl, prefixed ? platform : NULL, decl->default_value, value_out,
                                 reason, sizeof reason);
}

static kith_err host_setting_get_int(struct kith_plugin_ctx *ctx, const char *server_id,
                                     const char *key, int64_t *value_out)
{
    const struct kith_setting_decl *decl = kith_plugin_find_setting(ctx, key);
    if (decl == NULL)
        return KITH_ERR_NOT_FOUND;
    if (decl->type != KITH_SETTING_INTEGER && decl->type != KITH_SETTING_DURATION &&
        decl->type != KITH_SETTING_BOOLEAN)
        return KITH_ERR_INVALID;
    char *text = NULL;
    kith_err err = host_setting_get(ctx, server_id, key, &text);
    if (err != KITH_OK)
        return err;
    if (decl->type == KITH_SETTING_BOOLEAN)
        *value_out = strcmp(text, "true") == 0;
    else
        *value_out = strtoll(text, NULL, 10); /* stored form was validated on write */
    free(text);
    return KITH_OK;
}

static kith_err host_setting_set(struct kith_plugin_ctx *ctx, const char *server_id,
                                 const char *key, const char *value, char **error_out)
{
    if (error_out != NULL)
        *error_out = NULL;
    struct kith_setting_change change = {.server_id = server_id,
                                         .plugin = ctx->desc->name,
                                         .key = key,
                                         .value = value,
                                         .actor_id = NULL};
    return kith_admin_change_setting(ctx->core, &change, error_out);
}

static void host_free(void *ptr)
{
    free(ptr);
}

static kith_err host_member_role(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                                 kith_role *role_out)
{
    return kith_permissions_resolve(ctx->core, ev, role_out);
}

static int64_t host_now_ms(struct kith_plugin_ctx *ctx)
{
    return kith_core_now_ms(ctx->core);
}

static const struct kith_host host_table = {
    .size = sizeof(struct kith_host),
    .abi_major = KITH_ABI_MAJOR,
    .abi_minor = KITH_ABI_MINOR,
    .log = host_log,
    .strerror = kith_strerror,
    .set_state = host_set_state,
    .state = host_state,
    .plugin_name = host_plugin_name,
    .message_new = host_message_new,
    .message_free = kith_message_free,
    .message_set_text = kith_message_set_text,
    .message_set_title = kith_message_set_title,
    .message_add_field = kith_message_add_field,
    .message_add_button = kith_message_add_button,
    .message_add_link_button = kith_message_add_link_button,
    .message_set_select = kith_message_set_select,
    .message_add_select_option = kith_message_add_select_option,
    .message_set_poll = kith_message_set_poll,
    .message_set_ephemeral = kith_message_set_ephemeral,
    .message_attach_file = kith_message_attach_file,
    .reply = host_reply,
    .reply_text = host_reply_text,
    .send = host_send,
    .edit = host_edit,
    .delete_message = host_delete_message,
    .send_dm = host_send_dm,
    .moderate = host_moderate,
    .timer_start = kith_host_timer_start,
    .timer_stop = kith_host_timer_stop,
    .job_schedule = host_job_schedule,
    .job_cancel = host_job_cancel,
    .setting_get = host_setting_get,
    .setting_get_int = host_setting_get_int,
    .setting_set = host_setting_set,
    .free = host_free,
    .member_role = host_member_role,
    .db_prepare = kith_host_db_prepare,
    .db_bind_text = kith_host_db_bind_text,
    .db_bind_int64 = kith_host_db_bind_int64,
    .db_bind_double = kith_host_db_bind_double,
    .db_bind_null = kith_host_db_bind_null,
    .db_step = kith_host_db_step,
    .db_column_text = kith_host_db_column_text,
    .db_column_int64 = kith_host_db_column_int64,
    .db_column_double = kith_host_db_column_double,
    .db_column_is_null = kith_host_db_column_is_null,
    .db_reset = kith_host_db_reset,
    .db_finalize = kith_host_db_finalize,
    .db_last_insert_id = kith_host_db_last_insert_id,
    .db_changes = kith_host_db_changes,
    .db_begin = kith_host_db_begin,
    .db_commit = kith_host_db_commit,
    .db_rollback = kith_host_db_rollback,
    .db_write_buffered = kith_host_db_write_buffered,
    .now_ms = host_now_ms,
    .poll_close = host_poll_close,
    .show_form = host_show_form,
};

const struct kith_host *kith_host_table(void)
{
    return &host_table;
}
