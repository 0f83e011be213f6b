/* The recording test platform (see test_platform.h). */
#include "test_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_completion {
    kith_action_fn fn;
    void *ud;
    kith_err err;
    char *message_id;
    struct test_completion *next;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void free_action(struct test_action *a)
{
    free(a->server_id);
    free(a->channel_id);
    free(a->user_id);
    free(a->message_id);
    free(a->reason);
    free(a->text);
    free(a->role_id);
    free(a->commands);
    free(a->form_id);
    kith_message_free(a->msg);
}

static struct test_action *record(struct test_platform *tp, enum test_action_kind kind)
{
    struct test_action *grown = realloc(tp->actions, (tp->count + 1) * sizeof *grown);
    if (grown == NULL)
        abort(); /* tests only: an allocation failure here is not a case under test */
    tp->actions = grown;
    struct test_action *a = &tp->actions[tp->count++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    return a;
}

static void record_message(struct test_action *a, const kith_message *msg)
{
    a->msg = kith_message_dup(msg);
    a->text = kith_message_render_plain(msg);
    a->ephemeral = msg->ephemeral;
}

static void run_completions(uv_idle_t *idle)
{
    struct test_platform *tp = idle->data;
    struct test_completion *list = tp->queue;
    tp->queue = NULL;
    uv_idle_stop(idle);
    /* Reverse to deliver in submission order. */
    struct test_completion *ordered = NULL;
    while (list != NULL) {
        struct test_completion *next = list->next;
        list->next = ordered;
        ordered = list;
        list = next;
    }
    while (ordered != NULL) {
        struct test_completion *c = ordered;
        ordered = c->next;
        struct kith_result result = {.err = c->err,
                                     .message_id = c->message_id,
                                     .detail =
                                         c->err ? "the test platform was told to fail" : NULL};
        if (c->fn != NULL)
            c->fn(&result, c->ud);
        free(c->message_id);
        free(c);
    }
}

/* Queues the completion for the next loop turn; the created message id goes with it. */
static kith_err complete_later(struct test_platform *tp, kith_action_fn fn, void *ud,
                               const char *message_id)
{
    struct test_completion *c = calloc(1, sizeof *c);
    if (c == NULL)
        return KITH_ERR_NOMEM;
    c->fn = fn;
    c->ud = ud;
    if (tp->fail_next > 0) {
        tp->fail_next--;
        c->err = tp->fail_err != KITH_OK ? tp->fail_err : KITH_ERR_PLATFORM;
    } else {
        c->message_id = dup_or_null(message_id);
    }
    c->next = tp->queue;
    tp->queue = c;
    uv_idle_start(tp->idle, run_completions);
    return KITH_OK;
}

static char *new_message_id(struct test_platform *tp)
{
    char *id = NULL;
    if (asprintf(&id, "%s:msg%d", tp->base.ops->name, ++tp->next_message_id) < 0)
        return NULL;
    return id;
}

static struct test_platform *impl(struct kith_platform *p)
{
    return p->impl;
}

static kith_err tp_start(struct kith_platform *p)
{
    impl(p)->running = true;
    return KITH_OK;
}

static void tp_stop(struct kith_platform *p)
{
    struct test_platform *tp = impl(p);
    tp->running = false;
    if (!tp->stop_slowly)
        kith_core_platform_stopped(p->core, p);
}

static void free_idle(uv_handle_t *handle)
{
    free(handle);
}

static void tp_destroy(struct kith_platform *p)
{
    struct test_platform *tp = impl(p);
    /* Pending completions are cancelled, as a real adapter must. */
    while (tp->queue != NULL) {
        struct test_completion *c = tp->queue;
        tp->queue = c->next;
        struct kith_result result = {.err = KITH_ERR_CANCELLED};
        if (c->fn != NULL)
            c->fn(&result, c->ud);
        free(c->message_id);
        free(c);
    }
    for (size_t i = 0; i < tp->count; i++)
        free_action(&tp->actions[i]);
    free(tp->actions);
    uv_close((uv_handle_t *)tp->idle, free_idle);
    free(tp);
}

static kith_err tp_send(struct kith_platform *p, const struct kith_target *to,
                        const kith_message *msg, kith_action_fn fn, void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_SEND);
    a->server_id = dup_or_null(to->server_id);
    a->channel_id = dup_or_null(to->channel_id);
    a->message_id = new_message_id(tp);
    record_message(a, msg);
    return complete_later(tp, fn, ud, a->message_id);
}

static kith_err tp_reply(struct kith_platform *p, const struct kith_event *ev,
                         const kith_message *msg, kith_action_fn fn, void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_REPLY);
    a->server_id = dup_or_null(ev->server_id);
    a->channel_id = dup_or_null(ev->channel_id);
    a->user_id = dup_or_null(ev->author.id);
    a->message_id = new_message_id(tp);
    record_message(a, msg);
    return complete_later(tp, fn, ud, a->message_id);
}

static kith_err tp_edit(struct kith_platform *p, const struct kith_target *to,
                        const char *message_id, const kith_message *msg, kith_action_fn fn,
                        void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_EDIT);
    a->server_id = dup_or_null(to->server_id);
    a->channel_id = dup_or_null(to->channel_id);
    a->message_id = dup_or_null(message_id);
    record_message(a, msg);
    return complete_later(tp, fn, ud, message_id);
}

static kith_err tp_delete(struct kith_platform *p, const struct kith_target *to,
                          const char *message_id, const char *reason, kith_action_fn fn, void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_DELETE);
    a->server_id = dup_or_null(to->server_id);
    a->channel_id = dup_or_null(to->channel_id);
    a->message_id = dup_or_null(message_id);
    a->reason = dup_or_null(reason);
    return complete_later(tp, fn, ud, NULL);
}

static kith_err tp_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                           kith_action_fn fn, void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_DM);
    a->user_id = dup_or_null(user_id);
    a->message_id = new_message_id(tp);
    record_message(a, msg);
    return complete_later(tp, fn, ud, a->message_id);
}

static kith_err tp_moderate(struct kith_platform *p, const struct kith_moderation *action,
                            kith_action_fn fn, void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_MODERATE);
    a->server_id = dup_or_null(action->server_id);
    a->user_id = dup_or_null(action->user_id);
    a->role_id = dup_or_null(action->role_id);
    a->reason = dup_or_null(action->reason);
    a->mod_kind = (int)action->kind;
    a->duration_s = (long long)action->duration_s;
    return complete_later(tp, fn, ud, NULL);
}

static kith_err tp_register(struct kith_platform *p, const char *server_id,
                            const struct kith_command_decl *const *commands, size_t count)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_REGISTER);
    a->server_id = dup_or_null(server_id);
    size_t len = 1;
    for (size_t i = 0; i < count; i++)
        len += strlen(commands[i]->name) + 1;
    a->commands = calloc(1, len);
    if (a->commands == NULL)
        return KITH_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            strcat(a->commands, " ");
        strcat(a->commands, commands[i]->name);
    }
    return KITH_OK;
}

static kith_err tp_poll_close(struct kith_platform *p, const struct kith_target *to,
                              const char *message_id, kith_action_fn fn, void *ud)
{
    struct test_platform *tp = impl(p);
    struct test_action *a = record(tp, TEST_ACTION_POLL_CLOSE);
    a->server_id = dup_or_null(to->server_id);
    a->channel_id = dup_or_null(to->channel_id);
    a->message_id = dup_or_null(message_id);
    return complete_later(tp, fn, ud, message_id);
}

static kith_err tp_show_form(struct kith_platform *p, const struct kith_event *ev,
                             const struct kith_form *form)
{
    struct test_platform *tp = impl(p);
    if (tp->no_forms)
        return KITH_ERR_UNSUPPORTED;
    struct test_action *a = record(tp, TEST_ACTION_FORM);
    a->server_id = dup_or_null(ev->server_id);
    a->channel_id = dup_or_null(ev->channel_id);
    a->user_id = dup_or_null(ev->author.id);
    a->form_id = dup_or_null(form->custom_id);
    size_t len = strlen(form->title) + 1;
    for (size_t i = 0; i < form->field_count; i++) {
        const struct kith_form_field *f = &form->fields[i];
        len += strlen(f->label) + (f->value ? strlen(f->value) + 1 : 0) + 1;
    }
    a->text = calloc(1, len);
    if (a->text == NULL || a->form_id == NULL)
        abort(); /* tests only */
    strcpy(a->text, form->title);
    for (size_t i = 0; i < form->field_count; i++) {
        strcat(a->text, "\n");
        strcat(a->text, form->fields[i].label);
        if (form->fields[i].value != NULL) {
            strcat(a->text, "=");
            strcat(a->text, form->fields[i].value);
        }
    }
    return KITH_OK;
}

static const struct kith_platform_ops test_ops_template = {
    .start = tp_start,
    .stop = tp_stop,
    .destroy = tp_destroy,
    .send = tp_send,
    .reply = tp_reply,
    .edit = tp_edit,
    .delete_message = tp_delete,
    .send_dm = tp_send_dm,
    .moderate = tp_moderate,
    .register_commands = tp_register,
    .poll_close = tp_poll_close,
    .show_form = tp_show_form,
};

/* One ops table per platform name, so two test platforms can be connected at once. */
struct named_ops {
    struct kith_platform_ops ops;
    char name[16];
};
static struct named_ops named_ops[4];

static const struct kith_platform_ops *ops_for(const char *name)
{
    for (size_t i = 0; i < 4; i++) {
        if (named_ops[i].name[0] == '\0') {
            named_ops[i].ops = test_ops_template;
            snprintf(named_ops[i].name, sizeof named_ops[i].name, "%s", name);
            named_ops[i].ops.name = named_ops[i].name;
        }
        if (strcmp(named_ops[i].name, name) == 0)
            return &named_ops[i].ops;
    }
    return NULL;
}

struct test_platform *test_platform_new(uv_loop_t *loop, const char *name)
{
    struct test_platform *tp = calloc(1, sizeof *tp);
    const struct kith_platform_ops *ops = ops_for(name ? name : "test");
    if (tp == NULL || ops == NULL) {
        free(tp);
        return NULL;
    }
    tp->idle = malloc(sizeof *tp->idle);
    if (tp->idle == NULL) {
        free(tp);
        return NULL;
    }
    uv_idle_init(loop, tp->idle);
    tp->idle->data = tp;
    tp->loop = loop;
    tp->base.ops = ops;
    tp->base.impl = tp;
    return tp;
}

const struct test_action *test_platform_action(const struct test_platform *tp, size_t i)
{
    return i < tp->count ? &tp->actions[i] : NULL;
}

const struct test_action *test_platform_last(const struct test_platform *tp)
{
    return tp->count ? &tp->actions[tp->count - 1] : NULL;
}

const struct test_action *test_platform_last_of(const struct test_platform *tp,
                                                enum test_action_kind kind)
{
    for (size_t i = tp->count; i > 0; i--)
        if (tp->actions[i - 1].kind == kind)
            return &tp->actions[i - 1];
    return NULL;
}

void test_platform_clear(struct test_platform *tp)
{
    for (size_t i = 0; i < tp->count; i++)
        free_action(&tp->actions[i]);
    tp->count = 0;
}
