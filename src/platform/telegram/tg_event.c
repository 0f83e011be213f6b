/* Updates to kith events: messages and edits, joins and leaves, button presses (always
 * answered with answerCallbackQuery), poll answers, and the group-to-supergroup move. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"
#include "store/core_tables.h"

#define ANSWER_TIMEOUT_MS 10000

static const cJSON *item(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const cJSON *chat_of(const cJSON *update)
{
    const cJSON *message = item(update, "message");
    if (message == NULL)
        message = item(update, "edited_message");
    if (message != NULL)
        return item(message, "chat");
    const cJSON *press = item(update, "callback_query");
    if (press != NULL)
        return item(item(press, "message"), "chat");
    const cJSON *member = item(update, "chat_member");
    if (member == NULL)
        member = item(update, "my_chat_member");
    return item(member, "chat");
}

int64_t tg_update_group_chat(const cJSON *update)
{
    const cJSON *chat = chat_of(update);
    const char *type = tg_json_str(chat, "type");
    if (type == NULL || (strcmp(type, "group") != 0 && strcmp(type, "supergroup") != 0))
        return 0;
    return tg_json_int(chat, "id", 0);
}

const char *tg_update_chat_title(const cJSON *update)
{
    return tg_json_str(chat_of(update), "title");
}

static void dispatch(struct tg *tg, struct tg_event_buf *b)
{
    kith_core_dispatch(tg->core, &b->ev);
}

/* ---- Messages. ---- */

/* A chat as the author: an anonymous admin acting in the group's name, who counts as the
 * group's admins (only they can act as the group). */
static kith_err set_chat_author(struct tg_event_buf *b, const cJSON *chat)
{
    int64_t id = tg_json_int(chat, "id", 0);
    if (id == 0)
        return KITH_ERR_INVALID;
    tg_format_id(b->author_id, sizeof b->author_id, id);
    b->ev.author.id = b->author_id;
    const char *title = tg_json_str(chat, "title");
    free(b->display_name);
    b->display_name = strdup(title != NULL ? title : "anonymous admin");
    b->ev.author.display_name = b->display_name;
    if (id == b->ctx.chat)
        b->ev.author.role = KITH_ROLE_ADMIN;
    return b->display_name != NULL ? KITH_OK : KITH_ERR_NOMEM;
}

static kith_err set_sender(struct tg *tg, struct tg_event_buf *b, const cJSON *message)
{
    const cJSON *sender_chat = item(message, "sender_chat");
    if (sender_chat != NULL && tg_json_int(sender_chat, "id", 0) == b->ctx.chat)
        return set_chat_author(b, sender_chat);
    return tg_event_set_author(tg, b, item(message, "from"));
}

static void member_event(struct tg *tg, const cJSON *update, const cJSON *message,
                         const cJSON *user, kith_event_kind kind)
{
    if (tg_json_int(user, "id", 0) == tg->bot_id)
        return;
    struct tg_event_buf b;
    tg_event_buf_init(tg, &b, kind, update);
    tg_event_set_chat(&b, item(message, "chat"), 0);
    b.ev.timestamp_ms = tg_json_int(message, "date", 0) * 1000;
    if (tg_event_set_author(tg, &b, user) == KITH_OK && b.ev.server_id != NULL) {
        if (kind == KITH_EVENT_MEMBER_JOIN)
            kith_db_member_seen(tg->core->store, b.ev.server_id, b.ev.author.id,
                                b.ev.author.display_name, kith_core_now_ms(tg->core));
        dispatch(tg, &b);
    }
    tg_event_buf_free(&b);
}

/* Joins and leaves as service messages; where the bot is an admin, Telegram also sends
 * chat_member updates for them, and those are used instead. Returns true for service
 * messages about members. */
static bool member_service(struct tg *tg, const cJSON *update, const cJSON *message)
{
    const cJSON *joined = item(message, "new_chat_members");
    const cJSON *left = item(message, "left_chat_member");
    if (joined == NULL && left == NULL)
        return false;
    int64_t chat = tg_json_int(item(message, "chat"), "id", 0);
    struct tg_bot_rights rights;
    if (tg_admins_bot_rights(tg, chat, &rights) && rights.admin)
        return true;
    const cJSON *user;
    cJSON_ArrayForEach(user, joined)
    {
        member_event(tg, update, message, user, KITH_EVENT_MEMBER_JOIN);
    }
    if (left != NULL)
        member_event(tg, update, message, left, KITH_EVENT_MEMBER_LEAVE);
    return true;
}

/* The group became a supergroup with a new id: its kith data moves along. */
static bool migration(struct tg *tg, const cJSON *message)
{
    int64_t chat = tg_json_int(item(message, "chat"), "id", 0);
    int64_t to = tg_json_int(message, "migrate_to_chat_id", 0);
    int64_t from = tg_json_int(message, "migrate_from_chat_id", 0);
    if (to != 0)
        tg_migrate_chat(tg, chat, to);
    else if (from != 0)
        tg_migrate_chat(tg, from, chat);
    return to != 0 || from != 0;
}

static void on_message(struct tg *tg, const cJSON *update, const cJSON *message,
                       kith_event_kind kind)
{
    if (kind == KITH_EVENT_MESSAGE &&
        (migration(tg, message) || member_service(tg, update, message)))
        return;
    struct tg_event_buf b;
    tg_event_buf_init(tg, &b, kind, update);
    tg_event_set_chat(&b, item(message, "chat"), tg_message_thread(message));
    kith_err err = set_sender(tg, &b, message);
    if (err == KITH_OK)
        err = tg_event_set_message(&b, message);
    if (err == KITH_OK)
        dispatch(tg, &b);
    else if (err != KITH_ERR_INVALID) /* INVALID: no sender, e.g. a channel's post */
        kith_log(KITH_LOG_ERROR, "telegram", "message dropped: %s", kith_strerror(err));
    tg_event_buf_free(&b);
}

/* ---- Button presses. ---- */

struct answer {
    kith_action_fn fn;
    void *ud;
};

static void answered(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    struct answer *a = ud;
    char *detail = reply->err != KITH_OK ? tg_error_detail_dup("answerCallbackQuery", reply) : NULL;
    if (reply->err != KITH_OK && reply->err != KITH_ERR_CANCELLED)
        kith_log(KITH_LOG_WARN, "telegram", "%s", detail ? detail : kith_strerror(reply->err));
    if (a->fn != NULL) {
        struct kith_result result = {.err = reply->err, .detail = detail};
        a->fn(&result, a->ud);
    }
    free(detail);
    free(a);
    (void)tg;
}

/* Every press is answered, or the member's client keeps spinning. */
static void answer_press(struct tg *tg, struct tg_event_ctx *ctx)
{
    struct answer *a = calloc(1, sizeof *a);
    cJSON *params = cJSON_CreateObject();
    kith_err err =
        a && params && cJSON_AddStringToObject(params, "callback_query_id", ctx->callback_id)
            ? KITH_OK
            : KITH_ERR_NOMEM;
    if (err == KITH_OK && ctx->answer_text != NULL &&
        cJSON_AddStringToObject(params, "text", ctx->answer_text) == NULL)
        err = KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        a->fn = ctx->answer_fn;
        a->ud = ctx->answer_ud;
        struct tg_call_opts opts = {.method = "answerCallbackQuery",
                                    .params = params,
                                    .timeout_ms = ANSWER_TIMEOUT_MS,
                                    .no_retry = true};
        err = tg_call(tg, &opts, answered, a, NULL);
    }
    cJSON_Delete(params);
    if (err == KITH_OK)
        return;
    free(a);
    kith_log(KITH_LOG_ERROR, "telegram", "a button press could not be answered: %s",
             kith_strerror(err));
    if (ctx->answer_fn != NULL) {
        struct kith_result result = {.err = err, .detail = "the press could not be answered"};
        ctx->answer_fn(&result, ctx->answer_ud);
    }
}

static kith_err set_press(struct tg *tg, struct tg_event_buf *b, const char *data, char **custom_id,
                          char **value)
{
    if (data == NULL)
        return KITH_ERR_INVALID;
    kith_err err = tg_cbdata_decode(tg, data, custom_id, value);
    if (err != KITH_OK)
        return err;
    b->ev.component.custom_id = *custom_id;
    if (*value != NULL) {
        b->ev.component.values = (const char *const *)value;
        b->ev.component.value_count = 1;
    }
    b->ev.component.message_id = b->ev.message.id;
    return KITH_OK;
}

static void on_press(struct tg *tg, const cJSON *update, const cJSON *press)
{
    const cJSON *message = item(press, "message");
    struct tg_event_buf b;
    char *custom_id = NULL, *value = NULL;
    tg_event_buf_init(tg, &b, KITH_EVENT_COMPONENT, update);
    b.ctx.callback_id = tg_json_str(press, "id");
    if (b.ctx.callback_id == NULL) {
        tg_event_buf_free(&b);
        return;
    }
    tg_event_set_chat(&b, item(message, "chat"), tg_message_thread(message));
    kith_err err = tg_event_set_author(tg, &b, item(press, "from"));
    if (err == KITH_OK && message != NULL)
        err = tg_event_set_message(&b, message);
    b.ev.message.text = "";
    if (err == KITH_OK)
        err = set_press(tg, &b, tg_json_str(press, "data"), &custom_id, &value);
    if (err == KITH_OK)
        dispatch(tg, &b);
    else
        kith_log(KITH_LOG_INFO, "telegram", "a button press could not be read: %s",
                 kith_strerror(err));
    answer_press(tg, &b.ctx);
    free(custom_id);
    free(value);
    tg_event_buf_free(&b);
}

/* ---- Poll answers and member changes. ---- */

/* The chat and message of a poll kith sent (remembered by tg_job.c); false for any other poll:
 * one sent by an earlier installation, or before kith remembered poll messages. */
static bool poll_place(struct tg *tg, struct tg_event_buf *b, const char *poll_id)
{
    char key[160];
    snprintf(key, sizeof key, "poll:%s", poll_id);
    char *value = NULL;
    if (kith_db_state_get(tg->core->store, TG_STATE_SCOPE, key, &value) != KITH_OK)
        return false;
    cJSON *place = cJSON_Parse(value);
    free(value);
    int64_t chat = 0, thread = 0, message_id = tg_json_int(place, "message_id", 0);
    bool found = message_id != 0 && tg_parse_chat(tg_json_str(place, "where"), &chat, &thread);
    cJSON_Delete(place);
    if (!found)
        return false;
    cJSON *fake_chat = cJSON_CreateObject();
    found = fake_chat != NULL && tg_json_add_int(fake_chat, "id", chat) == KITH_OK &&
            cJSON_AddStringToObject(fake_chat, "type", chat > 0 ? "private" : "supergroup");
    if (found)
        tg_event_set_chat(b, fake_chat, thread);
    cJSON_Delete(fake_chat);
    b->ctx.message_id = message_id;
    tg_format_id(b->message_id, sizeof b->message_id, message_id);
    b->ev.message.id = b->message_id;
    return found;
}

/* Who voted: the member, or for an anonymous admin the chat they vote as (Telegram then also
 * sends a stand-in user, @Channel_Bot, the same for every such voter). */
static kith_err set_voter(struct tg *tg, struct tg_event_buf *b, const cJSON *answer)
{
    const cJSON *voter_chat = item(answer, "voter_chat");
    if (voter_chat != NULL)
        return set_chat_author(b, voter_chat);
    return tg_event_set_author(tg, b, item(answer, "user"));
}

/* A member's whole current choice on one of kith's polls, named by the poll's message id as
 * the send result gave it; an empty choice is a retracted vote. */
static void on_poll_answer(struct tg *tg, const cJSON *update, const cJSON *answer)
{
    const char *poll_id = tg_json_str(answer, "poll_id");
    const cJSON *options = item(answer, "option_ids");
    int count = cJSON_GetArraySize(options);
    if (poll_id == NULL)
        return;
    int *indexes = calloc((size_t)(count > 0 ? count : 1), sizeof *indexes);
    if (indexes == NULL) {
        kith_log(KITH_LOG_ERROR, "telegram", "a vote on poll %s dropped: out of memory", poll_id);
        return;
    }
    for (int i = 0; i < count; i++)
        indexes[i] = (int)cJSON_GetArrayItem(options, i)->valuedouble;
    struct tg_event_buf b;
    tg_event_buf_init(tg, &b, KITH_EVENT_POLL_VOTE, update);
    if (!poll_place(tg, &b, poll_id)) {
        kith_log(KITH_LOG_DEBUG, "telegram", "vote on poll %s ignored: kith did not send it",
                 poll_id);
    } else if (set_voter(tg, &b, answer) == KITH_OK) {
        b.ev.poll_vote = (struct kith_poll_vote){b.message_id, indexes, (size_t)count};
        kith_log(KITH_LOG_DEBUG, "telegram", "vote on poll %s in %s by %s: %d option(s)",
                 b.message_id, b.ev.channel_id, b.ev.author.id, count);
        dispatch(tg, &b);
    }
    tg_event_buf_free(&b);
    free(indexes);
}

static bool is_member_status(const cJSON *member)
{
    const char *status = tg_json_str(member, "status");
    if (status == NULL)
        return false;
    if (strcmp(status, "restricted") == 0)
        return cJSON_IsTrue(item(member, "is_member"));
    return strcmp(status, "member") == 0 || strcmp(status, "administrator") == 0 ||
           strcmp(status, "creator") == 0;
}

static bool is_admin_status(const cJSON *member)
{
    const char *status = tg_json_str(member, "status");
    return status != NULL &&
           (strcmp(status, "administrator") == 0 || strcmp(status, "creator") == 0);
}

static void on_chat_member(struct tg *tg, const cJSON *update, const cJSON *change, bool bot)
{
    const cJSON *old_member = item(change, "old_chat_member");
    const cJSON *new_member = item(change, "new_chat_member");
    int64_t chat = tg_json_int(item(change, "chat"), "id", 0);
    if (bot || is_admin_status(old_member) || is_admin_status(new_member))
        tg_admins_invalidate(tg, chat); /* rights or admins changed: read them again */
    if (bot) {
        kith_log(KITH_LOG_INFO, "telegram", "the bot is now %s in chat %" PRId64,
                 tg_json_str(new_member, "status") ? tg_json_str(new_member, "status") : "?", chat);
        return;
    }
    bool was = is_member_status(old_member), is = is_member_status(new_member);
    kith_event_kind kind = !was && is   ? KITH_EVENT_MEMBER_JOIN
                           : was && !is ? KITH_EVENT_MEMBER_LEAVE
                                        : KITH_EVENT_MEMBER_UPDATE;
    member_event(tg, update, change, item(new_member, "user"), kind);
}

void tg_event_dispatch_update(struct tg *tg, const cJSON *update)
{
    const cJSON *part;
    if ((part = item(update, "message")) != NULL)
        on_message(tg, update, part, KITH_EVENT_MESSAGE);
    else if ((part = item(update, "edited_message")) != NULL)
        on_message(tg, update, part, KITH_EVENT_MESSAGE_EDIT);
    else if ((part = item(update, "callback_query")) != NULL)
        on_press(tg, update, part);
    else if ((part = item(update, "poll_answer")) != NULL)
        on_poll_answer(tg, update, part);
    else if ((part = item(update, "chat_member")) != NULL)
        on_chat_member(tg, update, part, false);
    else if ((part = item(update, "my_chat_member")) != NULL)
        on_chat_member(tg, update, part, true);
    else
        kith_log(KITH_LOG_DEBUG, "telegram", "update of an unused kind ignored");
}
