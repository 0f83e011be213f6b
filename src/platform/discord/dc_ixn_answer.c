/* Answering an interaction within Discord's 3 seconds: a reply during dispatch goes out as the
 * callback (type 4); otherwise kith defers on its own before the deadline (type 5, or 6 for a
 * press) and the plugin's later message edits the deferred answer; further replies are
 * follow-ups through the interaction webhook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_ixn.h"

#define DEFER_AFTER_MS 1500               /* leaves half the deadline for the callback itself */
#define FOLLOWUP_WAIT_MS (10 * 60 * 1000) /* tokens last 15 minutes */
#define CALLBACK_MESSAGE 4
#define CALLBACK_DEFERRED_MESSAGE 5
#define CALLBACK_DEFERRED_UPDATE 6

/* One REST call of an interaction, with the plugin's action (fn may be NULL). */
struct ixn_call {
    struct dc_ixn *x;
    kith_action_fn fn;
    void *ud;
};

static void flush_waiting(struct dc_ixn *x);

void dc_ixn_free(struct dc_ixn *x)
{
    struct dc_interactions *t = x->table;
    for (struct dc_ixn **link = &t->list; *link != NULL; link = &(*link)->next) {
        if (*link == x) {
            *link = x->next;
            t->count--;
            break;
        }
    }
    dc_timer_close(&x->timer);
    free(x->token);
    free(x);
}

void dc_ixn_maybe_free(struct dc_ixn *x)
{
    bool finished = x->state == DC_IXN_ANSWERED || x->state == DC_IXN_MODAL || x->table->stopping;
    if (finished && !x->dispatching && x->in_flight == 0 && x->waiting == NULL)
        dc_ixn_free(x);
}

void dc_ixn_fail_waiting(struct dc_ixn *x, kith_err err, const char *why)
{
    while (x->waiting != NULL) {
        struct dc_ixn_followup *f = x->waiting;
        x->waiting = f->next;
        const struct kith_result result = {.err = err, .detail = why};
        if (f->fn != NULL)
            f->fn(&result, f->ud);
        kith_message_free(f->msg);
        free(f);
    }
    x->waiting_tail = NULL;
}

/* ---- REST calls of an interaction. ---- */

static void report(struct ixn_call *c, const struct dc_reply *reply, const cJSON *message)
{
    if (c->fn == NULL)
        return;
    char id[DC_ID_MAX];
    bool has_id = reply->err == KITH_OK && dc_format_id(id, sizeof id, dc_json_str(message, "id"));
    const struct kith_result result = {
        .err = reply->err, .message_id = has_id ? id : NULL, .detail = reply->detail};
    c->fn(&result, c->ud);
}

/* Sends payload (with msg's file as multipart when it has one) for the interaction. */
static kith_err ixn_call(struct dc_ixn *x, const char *method, const char *path,
                         const cJSON *payload, const kith_message *msg, dc_rest_fn done,
                         kith_action_fn fn, void *ud)
{
    struct ixn_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return KITH_ERR_NOMEM;
    *c = (struct ixn_call){x, fn, ud};
    struct dc_rest_opts opts = {
        .method = method, .path = path, .json = payload, .interaction_token = x->token};
    char *body = NULL;
    kith_err err = KITH_OK;
    if (msg != NULL && msg->attachment != NULL) {
        err = dc_render_multipart(payload, msg, &body, &opts.body_len);
        opts.body = body;
        opts.content_type = dc_render_multipart_type();
    }
    if (err == KITH_OK)
        err = dc_rest_call(x->table->dc, &opts, done, c);
    free(body);
    if (err != KITH_OK) {
        free(c);
        return err;
    }
    x->in_flight++;
    return KITH_OK;
}

/* A finished call: the interaction may be done; returns it for further work. */
static struct dc_ixn *call_done(struct ixn_call *c)
{
    struct dc_ixn *x = c->x;
    x->in_flight--;
    free(c);
    return x;
}

static void answered(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct ixn_call *c = ud;
    const cJSON *resource = cJSON_GetObjectItemCaseSensitive(reply->json, "resource");
    report(c, reply, cJSON_GetObjectItemCaseSensitive(resource, "message"));
    struct dc_ixn *x = call_done(c);
    (void)dc;
    x->state = DC_IXN_ANSWERED;
    if (reply->err == KITH_OK)
        flush_waiting(x);
    else
        dc_ixn_fail_waiting(x, reply->err, reply->detail);
    dc_ixn_maybe_free(x);
}

static void followed_up(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct ixn_call *c = ud;
    (void)dc;
    report(c, reply, reply->json);
    dc_ixn_maybe_free(call_done(c));
}

/* ---- The first answer. ---- */

static kith_err send_callback(struct dc_ixn *x, const kith_message *msg, kith_action_fn fn,
                              void *ud)
{
    kith_err err;
    cJSON *data = dc_render_new(msg, &err);
    if (data == NULL)
        return err;
    cJSON *body = cJSON_CreateObject();
    if (body == NULL || !cJSON_AddItemToObject(body, "data", data)) {
        cJSON_Delete(data);
        cJSON_Delete(body);
        return KITH_ERR_NOMEM;
    }
    if (cJSON_AddNumberToObject(body, "type", CALLBACK_MESSAGE) == NULL) {
        cJSON_Delete(body); /* data with it */
        return KITH_ERR_NOMEM;
    }
    char path[256];
    snprintf(path, sizeof path, "/interactions/%s/%s/callback?with_response=true", x->id, x->token);
    err = ixn_call(x, "POST", path, body, msg, answered, fn, ud);
    cJSON_Delete(body);
    if (err == KITH_OK) {
        x->state = DC_IXN_ANSWERING;
        uv_timer_stop(x->timer);
    }
    return err;
}

static kith_err webhook_send(struct dc_ixn *x, const char *method, const char *suffix,
                             const kith_message *msg, kith_action_fn fn, void *ud)
{
    kith_err err;
    cJSON *body = dc_render_new(msg, &err);
    if (body == NULL)
        return err;
    char path[256];
    snprintf(path, sizeof path, "/webhooks/%s/%s%s", x->app_id, x->token, suffix);
    err = ixn_call(x, method, path, body, msg, followed_up, fn, ud);
    cJSON_Delete(body);
    return err;
}

static kith_err queue_followup(struct dc_ixn *x, const kith_message *msg, kith_action_fn fn,
                               void *ud)
{
    struct dc_ixn_followup *f = calloc(1, sizeof *f);
    if (f == NULL || (f->msg = kith_message_dup(msg)) == NULL) {
        free(f);
        return KITH_ERR_NOMEM;
    }
    f->fn = fn;
    f->ud = ud;
    if (x->waiting_tail != NULL)
        x->waiting_tail->next = f;
    else
        x->waiting = f;
    x->waiting_tail = f;
    return KITH_OK;
}

kith_err dc_ixn_answer(struct dc_ixn *x, const kith_message *msg, kith_action_fn fn, void *ud)
{
    if (x->table->stopping)
        return KITH_ERR_BUSY;
    switch (x->state) {
    case DC_IXN_OPEN: return send_callback(x, msg, fn, ud);
    case DC_IXN_ANSWERING:
    case DC_IXN_DEFERRING: return queue_followup(x, msg, fn, ud);
    case DC_IXN_DEFERRED: {
        /* The deferred "thinking…" becomes this message. */
        kith_err err = webhook_send(x, "PATCH", "/messages/@original", msg, fn, ud);
        if (err == KITH_OK) {
            x->state = DC_IXN_ANSWERED;
            uv_timer_stop(x->timer);
        }
        return err;
    }
    case DC_IXN_ANSWERED: return webhook_send(x, "POST", "?wait=true", msg, fn, ud);
    case DC_IXN_MODAL: return KITH_ERR_UNSUPPORTED; /* answer the modal's submit instead */
    }
    return KITH_ERR_INVALID;
}

static void flush_waiting(struct dc_ixn *x)
{
    while (x->waiting != NULL) {
        struct dc_ixn_followup *f = x->waiting;
        x->waiting = f->next;
        if (x->waiting == NULL)
            x->waiting_tail = NULL;
        kith_err err = dc_ixn_answer(x, f->msg, f->fn, f->ud);
        if (err != KITH_OK && f->fn != NULL) {
            const struct kith_result result = {.err = err, .detail = "follow-up not sent"};
            f->fn(&result, f->ud);
        }
        kith_message_free(f->msg);
        free(f);
    }
}

/* ---- Deferring, and the end of the wait. ---- */

static void on_timer(uv_timer_t *timer);

static void deferred(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct dc_ixn *x = call_done(ud);
    if (reply->err != KITH_OK) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "interaction %s could not be deferred: %s", x->id,
                 reply->detail ? reply->detail : kith_strerror(reply->err));
        x->state = DC_IXN_ANSWERED;
        dc_ixn_fail_waiting(x, reply->err, reply->detail);
    } else if (x->quiet) {
        x->state = DC_IXN_ANSWERED; /* a press needs no visible answer */
        flush_waiting(x);
    } else {
        x->state = DC_IXN_DEFERRED;
        if (!x->table->stopping)
            uv_timer_start(x->timer, on_timer, FOLLOWUP_WAIT_MS, 0);
        flush_waiting(x);
    }
    (void)dc;
    dc_ixn_maybe_free(x);
}

static void defer(struct dc_ixn *x)
{
    int type = x->quiet ? CALLBACK_DEFERRED_UPDATE : CALLBACK_DEFERRED_MESSAGE;
    cJSON *body = cJSON_CreateObject();
    char path[256];
    snprintf(path, sizeof path, "/interactions/%s/%s/callback", x->id, x->token);
    kith_err err = body && cJSON_AddNumberToObject(body, "type", type)
                       ? ixn_call(x, "POST", path, body, NULL, deferred, NULL, NULL)
                       : KITH_ERR_NOMEM;
    cJSON_Delete(body);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "interaction %s not deferred: %s", x->id,
                 kith_strerror(err));
        x->state = DC_IXN_ANSWERED;
        dc_ixn_maybe_free(x);
        return;
    }
    x->state = DC_IXN_DEFERRING;
    kith_log(KITH_LOG_DEBUG, DC_PLATFORM, "interaction %s deferred (no answer yet)", x->id);
}

/* Nothing came to replace "thinking…": remove it rather than leave it spinning. */
static void give_up(struct dc_ixn *x)
{
    char path[256];
    snprintf(path, sizeof path, "/webhooks/%s/%s/messages/@original", x->app_id, x->token);
    x->state = DC_IXN_ANSWERED;
    kith_log(KITH_LOG_INFO, DC_PLATFORM,
             "interaction %s got no answer in %d minutes; its \"thinking…\" message is removed",
             x->id, FOLLOWUP_WAIT_MS / 60000);
    if (ixn_call(x, "DELETE", path, NULL, NULL, followed_up, NULL, NULL) != KITH_OK)
        dc_ixn_maybe_free(x);
}

static void on_timer(uv_timer_t *timer)
{
    struct dc_ixn *x = timer->data;
    if (x == NULL || x->table->stopping)
        return;
    if (x->state == DC_IXN_OPEN)
        defer(x);
    else if (x->state == DC_IXN_DEFERRED)
        give_up(x);
}

void dc_ixn_after_dispatch(struct dc_ixn *x)
{
    if (x->state == DC_IXN_OPEN && !x->table->stopping) {
        uint64_t now = uv_now(x->table->dc->loop);
        uint64_t at = x->received_at + DEFER_AFTER_MS;
        uv_timer_start(x->timer, on_timer, at > now ? at - now : 0, 0);
        return;
    }
    dc_ixn_maybe_free(x);
}
