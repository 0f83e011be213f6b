/* Sending, replying, editing, closing polls and direct messages: the portable message becomes
 * sendMessage, sendPoll or sendDocument calls in the chat's paced queue. An ephemeral answer to a
 * button press becomes the press's own notification, the one private answer Telegram has. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"
#include "platform/telegram/tg_job.h"

static kith_err target_chat(const struct kith_target *to, int64_t *chat, int64_t *thread)
{
    if (to == NULL)
        return KITH_ERR_INVALID;
    const char *id = to->channel_id != NULL ? to->channel_id : to->server_id;
    return tg_parse_chat(id, chat, thread) ? KITH_OK : KITH_ERR_INVALID;
}

/* Moves a rendered member to a step under another name (text -> caption). */
static void move_item(cJSON *from, const char *name, cJSON *to, const char *as)
{
    cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(from, name);
    if (item != NULL)
        cJSON_AddItemToObject(to, as, item);
}

static bool has_words(const kith_message *msg)
{
    return (msg->text != NULL && msg->text[0] != '\0') ||
           (msg->title != NULL && msg->title[0] != '\0') || msg->field_count > 0;
}

static bool has_keyboard(const kith_message *msg)
{
    return msg->button_count > 0 || msg->select != NULL;
}

static kith_err add_poll_steps(struct tg_job *job, const kith_message *msg, cJSON *rendered,
                               cJSON *keyboard)
{
    if (has_words(msg)) {
        cJSON *text = tg_job_add(job, "sendMessage");
        if (text == NULL)
            return KITH_ERR_NOMEM;
        move_item(rendered, "text", text, "text");
        move_item(rendered, "entities", text, "entities");
    }
    cJSON *poll = tg_job_add(job, "sendPoll");
    if (poll == NULL)
        return KITH_ERR_NOMEM;
    const char *why = NULL;
    kith_err err = tg_render_poll(msg->poll, poll, &why);
    if (why != NULL)
        kith_log(KITH_LOG_WARN, "telegram", "a poll was not sent: %s", why);
    if (err == KITH_OK)
        move_item(keyboard, "reply_markup", poll, "reply_markup");
    return err;
}

static kith_err add_file_steps(struct tg_job *job, const kith_message *msg, cJSON *rendered,
                               cJSON *keyboard)
{
    const char *text = tg_json_str(rendered, "text");
    bool caption = text != NULL && tg_utf16_len(text) <= TG_CAPTION_MAX;
    if (text != NULL && !caption) {
        cJSON *step = tg_job_add(job, "sendMessage");
        if (step == NULL)
            return KITH_ERR_NOMEM;
        move_item(rendered, "text", step, "text");
        move_item(rendered, "entities", step, "entities");
    }
    cJSON *doc = tg_job_add(job, "sendDocument");
    if (doc == NULL)
        return KITH_ERR_NOMEM;
    if (caption) {
        move_item(rendered, "text", doc, "caption");
        move_item(rendered, "entities", doc, "caption_entities");
    }
    move_item(keyboard, "reply_markup", doc, "reply_markup");
    return tg_job_attach(job, msg->attachment);
}

/* The job's steps for msg. */
static kith_err build(struct tg *tg, struct tg_job *job, const kith_message *msg)
{
    cJSON *rendered = cJSON_CreateObject(), *keyboard = cJSON_CreateObject();
    bool empty = true;
    kith_err err = rendered && keyboard ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = tg_render_text(msg, TG_TEXT_MAX, rendered, "text", "entities", &empty);
    if (err == KITH_OK)
        err = tg_render_keyboard(tg, msg, keyboard);
    if (err == KITH_OK && msg->poll != NULL) {
        err = add_poll_steps(job, msg, rendered, keyboard);
    } else if (err == KITH_OK && msg->attachment != NULL) {
        err = add_file_steps(job, msg, rendered, keyboard);
    } else if (err == KITH_OK && empty) {
        err = KITH_ERR_INVALID; /* nothing to show */
    } else if (err == KITH_OK) {
        cJSON *step = tg_job_add(job, "sendMessage");
        if (step == NULL) {
            err = KITH_ERR_NOMEM;
        } else {
            move_item(rendered, "text", step, "text");
            move_item(rendered, "entities", step, "entities");
            move_item(keyboard, "reply_markup", step, "reply_markup");
        }
    }
    cJSON_Delete(rendered);
    cJSON_Delete(keyboard);
    return err;
}

/* Builds and starts; on error nothing is sent and fn will not be called. */
static kith_err send_to(struct tg *tg, int64_t chat, int64_t thread, int64_t reply_to,
                        const kith_message *msg, kith_action_fn fn, void *ud)
{
    if (!tg->running || msg == NULL)
        return tg->running ? KITH_ERR_INVALID : KITH_ERR_BUSY;
    struct tg_job *job = tg_job_new(tg, chat, thread, fn, ud);
    if (job == NULL)
        return KITH_ERR_NOMEM;
    job->paced = true;
    kith_err err = build(tg, job, msg);
    if (err == KITH_OK && reply_to != 0) {
        cJSON *rp = cJSON_AddObjectToObject(job->steps[0].params, "reply_parameters");
        if (rp == NULL || tg_json_add_int(rp, "message_id", reply_to) != KITH_OK ||
            cJSON_AddTrueToObject(rp, "allow_sending_without_reply") == NULL)
            err = KITH_ERR_NOMEM;
    }
    if (err == KITH_OK)
        err = tg_job_start(job);
    if (err != KITH_OK)
        tg_job_free(job);
    return err;
}

kith_err tg_op_send(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                    kith_action_fn fn, void *ud)
{
    int64_t chat = 0, thread = 0;
    kith_err err = target_chat(to, &chat, &thread);
    return err == KITH_OK ? send_to(tg_of(p), chat, thread, 0, msg, fn, ud) : err;
}

kith_err tg_op_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                       kith_action_fn fn, void *ud)
{
    int64_t user = 0;
    if (!tg_parse_int_id(user_id, &user) || user <= 0)
        return KITH_ERR_INVALID;
    return send_to(tg_of(p), user, 0, 0, msg, fn, ud); /* a private chat's id is the user's */
}

/* A short, private text answering a press: shown as the press's notification. */
static bool as_press_answer(const struct tg_event_ctx *ctx, const kith_message *msg)
{
    return ctx->callback_id != NULL && msg->ephemeral && ctx->answer_text == NULL &&
           ctx->answer_fn == NULL && msg->text != NULL && msg->title == NULL &&
           msg->field_count == 0 && !has_keyboard(msg) && msg->poll == NULL &&
           msg->attachment == NULL && tg_utf16_len(msg->text) <= TG_ANSWER_TEXT_MAX;
}

kith_err tg_op_reply(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                     kith_action_fn fn, void *ud)
{
    struct tg *tg = tg_of(p);
    if (ev == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    struct tg_event_ctx *ctx = ev->priv != NULL && ev->priv->platform == p ? ev->priv->data : NULL;
    if (ctx == NULL || ctx->chat == 0) {
        struct kith_target to = {ev->server_id, ev->channel_id};
        return tg_op_send(p, &to, msg, fn, ud);
    }
    if (as_press_answer(ctx, msg)) {
        ctx->answer_text = strdup(msg->text);
        if (ctx->answer_text == NULL)
            return KITH_ERR_NOMEM;
        ctx->answer_fn = fn; /* called when answerCallbackQuery is answered */
        ctx->answer_ud = ud;
        return KITH_OK;
    }
    int64_t reply_to = ctx->callback_id == NULL ? ctx->message_id : 0;
    return send_to(tg, ctx->chat, ctx->thread, reply_to, msg, fn, ud);
}

kith_err tg_op_edit(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                    const kith_message *msg, kith_action_fn fn, void *ud)
{
    struct tg *tg = tg_of(p);
    int64_t chat = 0, thread = 0, mid = 0;
    kith_err err = target_chat(to, &chat, &thread);
    if (err != KITH_OK || msg == NULL || !tg_parse_int_id(message_id, &mid))
        return KITH_ERR_INVALID;
    if (msg->attachment != NULL)
        return KITH_ERR_UNSUPPORTED; /* a sent file stays as it is */
    if (!tg->running)
        return KITH_ERR_BUSY;
    struct tg_job *job = tg_job_new(tg, chat, 0, fn, ud);
    if (job == NULL)
        return KITH_ERR_NOMEM;
    job->paced = true;
    job->already_done = msg->poll != NULL ? TG_POLL_CLOSED : "message is not modified";
    /* A poll cannot be changed, only closed: an edit of a poll message stops it. */
    cJSON *step = tg_job_add(job, msg->poll != NULL ? "stopPoll" : "editMessageText");
    bool empty = false;
    err = step != NULL ? tg_json_add_int(step, "message_id", mid) : KITH_ERR_NOMEM;
    if (err == KITH_OK && msg->poll == NULL)
        err = tg_render_text(msg, TG_TEXT_MAX, step, "text", "entities", &empty);
    if (err == KITH_OK && empty)
        err = KITH_ERR_INVALID;
    if (err == KITH_OK)
        err = tg_render_keyboard(tg, msg, step);
    if (err == KITH_OK)
        err = tg_job_start(job);
    if (err != KITH_OK)
        tg_job_free(job);
    return err;
}

/* Ends a native poll kith sent: stopPoll. One that is closed already (by its open_period, or an
 * earlier close) counts as closed; a message that is gone or holds no poll of the bot's is
 * KITH_ERR_NOT_FOUND. The message stays, showing the final count. */
kith_err tg_op_poll_close(struct kith_platform *p, const struct kith_target *to,
                          const char *message_id, kith_action_fn fn, void *ud)
{
    struct tg *tg = tg_of(p);
    int64_t chat = 0, thread = 0, mid = 0;
    kith_err err = target_chat(to, &chat, &thread);
    if (err != KITH_OK || !tg_parse_int_id(message_id, &mid) || mid <= 0)
        return KITH_ERR_INVALID;
    if (!tg->running)
        return KITH_ERR_BUSY;
    struct tg_job *job = tg_job_new(tg, chat, 0, fn, ud);
    if (job == NULL)
        return KITH_ERR_NOMEM;
    job->paced = true; /* after the poll itself and the chat's other messages */
    job->already_done = TG_POLL_CLOSED;
    cJSON *step = tg_job_add(job, "stopPoll");
    err = step != NULL ? tg_json_add_int(step, "message_id", mid) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = tg_job_start(job);
    if (err != KITH_OK)
        tg_job_free(job);
    return err;
}
