/* Sending: send, reply, edit and direct messages. Each renders the portable message, uploads an
 * attached file first when there is one, and goes out through the outbox with a transaction id
 * stored beforehand; the choices of a message with buttons are remembered under its event id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

#define DM_SCOPE "matrix.dm" /* user id -> the room kith talks to them in */
#define UPLOAD_TIMEOUT_MS 60000

struct action {
    struct mx *mx;
    kith_action_fn fn;
    void *ud;
    char *room;
    char *txn;
    kith_message *msg;
    char *reply_to;
    char *mention;
    char *replaces;
    char *media_url;
    char *dm_user; /* a direct message whose room is being created */
};

static void action_free(struct action *a)
{
    free(a->room);
    free(a->txn);
    kith_message_free(a->msg);
    free(a->reply_to);
    free(a->mention);
    free(a->replaces);
    free(a->media_url);
    free(a->dm_user);
    free(a);
}

static char *dup_or_null(const char *s, bool *nomem)
{
    char *copy = s != NULL ? strdup(s) : NULL;
    if (s != NULL && copy == NULL)
        *nomem = true;
    return copy;
}

static struct action *action_new(struct mx *mx, const char *room, const kith_message *msg,
                                 kith_action_fn fn, void *ud)
{
    struct action *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    bool nomem = false;
    a->mx = mx;
    a->fn = fn;
    a->ud = ud;
    a->room = dup_or_null(room, &nomem);
    a->msg = kith_message_dup(msg);
    if (nomem || a->msg == NULL) {
        action_free(a);
        return NULL;
    }
    return a;
}

static void action_done(struct action *a, kith_err err, const char *event_id, const char *detail)
{
    struct mx *mx = a->mx;
    char *message_id = event_id ? mx_prefixed_dup(event_id) : NULL;
    struct kith_result result = {.err = err, .message_id = message_id, .detail = detail};
    if (a->fn != NULL)
        a->fn(&result, a->ud);
    free(message_id);
    action_free(a);
    mx_action_finished(mx);
}

static void action_failed(struct action *a, const char *what, const struct mx_reply *reply)
{
    char *detail = mx_reply_detail_dup(reply);
    if (reply->err != KITH_ERR_CANCELLED)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "%s in %s failed: %s", what, a->room,
                 detail ? detail : kith_strerror(reply->err));
    action_done(a, reply->err, NULL, detail);
    free(detail);
}

static void on_sent(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct action *a = ud;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(reply->json, "event_id");
    if (reply->err != KITH_OK || !cJSON_IsString(id)) {
        action_failed(a, a->replaces ? "edit" : "send", reply);
        return;
    }
    /* Reactions and "!vote N" answer the message as members see it: the original's id. */
    const char *shown = a->replaces ? a->replaces : id->valuestring;
    kith_err err = a->msg->poll != NULL
                       ? mx_polls_remember_sent(mx, shown, a->msg)
                       : mx_choices_remember(mx, a->room, shown, a->msg, a->replaces != NULL);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not remember the choices of %s: %s", shown,
                 kith_strerror(err));
    action_done(a, KITH_OK, shown, NULL);
}

static void bang_strings(cJSON *content, const char *const *names, size_t count)
{
    static const char *const keys[] = {"body", "formatted_body"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        cJSON *text = cJSON_GetObjectItemCaseSensitive(content, keys[k]);
        if (cJSON_IsString(text))
            mx_bang_commands(text->valuestring, names, count); /* same length: in place */
    }
}

/* kith's texts name commands as "/name"; in a Matrix room members type "!name". */
static void bang_commands(struct mx *mx, const char *room, cJSON *content)
{
    char *server = mx_prefixed_dup(room);
    const struct kith_command_decl **commands = NULL;
    size_t count = 0;
    if (server == NULL ||
        kith_core_server_commands(mx->core, server, &commands, &count) != KITH_OK) {
        free(server);
        return; /* the text keeps its "/": still understood when the client sends it */
    }
    free(server);
    const char **names = calloc(count ? count : 1, sizeof *names);
    for (size_t i = 0; names != NULL && i < count; i++)
        names[i] = commands[i]->name;
    if (names != NULL) {
        bang_strings(content, names, count);
        bang_strings(cJSON_GetObjectItemCaseSensitive(content, "m.new_content"), names, count);
    }
    free(names);
    free(commands);
}

static kith_err put_event(struct action *a)
{
    struct mx_render_opts opts = {.reply_to = a->reply_to,
                                  .mention = a->mention,
                                  .replaces = a->replaces,
                                  .media_url = a->media_url};
    const char *type = NULL;
    cJSON *content = NULL;
    kith_err err = mx_render(a->msg, &opts, &type, &content);
    if (err != KITH_OK)
        return err;
    if (a->msg->poll == NULL)
        bang_commands(a->mx, a->room, content);
    char *body = cJSON_PrintUnformatted(content);
    cJSON_Delete(content);
    char *room = mx_escape_dup(a->room);
    char *txn = a->txn ? mx_escape_dup(a->txn) : NULL;
    char *path = NULL;
    if (body == NULL || room == NULL || txn == NULL ||
        asprintf(&path, MX_CLIENT "/rooms/%s/send/%s/%s", room, type, txn) < 0)
        path = NULL;
    err = path != NULL ? mx_outbox_put(a->mx, a->txn, path, body, on_sent, a) : KITH_ERR_NOMEM;
    free(body);
    free(room);
    free(txn);
    free(path);
    return err;
}

static void on_uploaded(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    (void)mx;
    struct action *a = ud;
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(reply->json, "content_uri");
    if (reply->err != KITH_OK || !cJSON_IsString(uri)) {
        action_failed(a, "file upload", reply);
        return;
    }
    a->media_url = strdup(uri->valuestring);
    kith_err err = a->media_url != NULL ? put_event(a) : KITH_ERR_NOMEM;
    if (err != KITH_OK)
        action_done(a, err, NULL, "the message with the file could not be sent");
}

static kith_err upload(struct action *a)
{
    const struct kith_message_attachment *file = a->msg->attachment;
    char *name = mx_escape_dup(file->filename);
    char *path = NULL;
    if (name == NULL || asprintf(&path, "/_matrix/media/v3/upload?filename=%s", name) < 0)
        path = NULL;
    free(name);
    struct mx_request req = {.method = "POST",
                             .path = path,
                             .body = (const char *)file->data,
                             .body_len = file->len,
                             .content_type = file->content_type ? file->content_type
                                                                : "application/octet-stream",
                             .timeout_ms = UPLOAD_TIMEOUT_MS,
                             .attempts = 3};
    kith_err err = path != NULL && file->len > 0 ? mx_call_start(a->mx, &req, on_uploaded, a, NULL)
                                                 : (path ? KITH_ERR_INVALID : KITH_ERR_NOMEM);
    free(path);
    return err;
}

/* Starts the action; on success it is pending until action_done. On failure nothing was
 * queued and the action is freed without calling fn. */
static kith_err launch(struct action *a)
{
    if (a->txn == NULL)
        a->txn = mx_txn_new(a->mx, NULL);
    kith_err err = a->txn == NULL               ? KITH_ERR_NOMEM
                   : a->msg->attachment != NULL ? upload(a)
                                                : put_event(a);
    if (err != KITH_OK) {
        action_free(a);
        return err;
    }
    a->mx->actions_pending++;
    return KITH_OK;
}

/* While connecting, a configured or stored token already works for sending (a job that came
 * due while kithd was down may fire before whoami answers). */
static bool usable(struct mx *mx)
{
    return mx->phase == MX_RUNNING || (mx->phase == MX_CONNECTING && mx->token != NULL);
}

kith_err mx_op_send(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                    kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    const char *room = mx_target_room(to);
    if (room == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    if (!usable(mx))
        return KITH_ERR_BUSY;
    struct action *a = action_new(mx, room, msg, fn, ud);
    return a != NULL ? launch(a) : KITH_ERR_NOMEM;
}

/* Answers quote the event and mention its author. While the event is being dispatched the
 * transaction ids come from the event, so answering it again after a crash sends nothing new. */
kith_err mx_op_reply(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                     kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    struct mx_event_ctx *ctx = ev->priv != NULL && ev->priv->platform == p ? ev->priv->data : NULL;
    const char *room = ctx != NULL      ? ctx->room_id
                       : ev->channel_id ? kith_id_local(ev->channel_id)
                       : ev->server_id  ? kith_id_local(ev->server_id)
                                        : NULL;
    if (room == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    if (!usable(mx))
        return KITH_ERR_BUSY;
    struct action *a = action_new(mx, room, msg, fn, ud);
    if (a == NULL)
        return KITH_ERR_NOMEM;
    bool nomem = false;
    if (ctx != NULL && msg->poll == NULL) {
        a->reply_to = dup_or_null(ctx->reply_to, &nomem);
        a->mention = dup_or_null(ctx->sender, &nomem);
    }
    a->txn = mx_txn_new(mx, ctx != NULL && mx->dispatching == ctx ? ctx : NULL);
    if (nomem) {
        action_free(a);
        return KITH_ERR_NOMEM;
    }
    return launch(a);
}

kith_err mx_op_edit(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                    const kith_message *msg, kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    const char *room = mx_target_room(to);
    if (room == NULL || message_id == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    if (msg->poll != NULL || msg->attachment != NULL)
        return KITH_ERR_UNSUPPORTED; /* a poll or a file cannot be replaced by an edit here */
    if (!usable(mx))
        return KITH_ERR_BUSY;
    struct action *a = action_new(mx, room, msg, fn, ud);
    if (a == NULL || (a->replaces = strdup(kith_id_local(message_id))) == NULL) {
        if (a != NULL)
            action_free(a);
        return KITH_ERR_NOMEM;
    }
    return launch(a);
}

/* ---- Direct messages: a private room with the member, created once and remembered. ---- */

static void on_dm_room(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct action *a = ud;
    const cJSON *room = cJSON_GetObjectItemCaseSensitive(reply->json, "room_id");
    if (reply->err != KITH_OK || !cJSON_IsString(room)) {
        action_failed(a, "creating a direct chat", reply);
        return;
    }
    kith_err err = kith_db_state_set(mx->core->store, DM_SCOPE, a->dm_user, room->valuestring);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not remember the direct chat with %s: %s",
                 a->dm_user, kith_strerror(err));
    free(a->room);
    a->room = strdup(room->valuestring);
    err = a->room == NULL ? KITH_ERR_NOMEM : a->msg->attachment != NULL ? upload(a) : put_event(a);
    if (err != KITH_OK)
        action_done(a, err, NULL, "the direct message could not be sent");
}

static kith_err create_dm_room(struct action *a)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *invite = body ? cJSON_AddArrayToObject(body, "invite") : NULL;
    cJSON *user = cJSON_CreateString(a->dm_user);
    char *text = NULL;
    if (invite != NULL && user != NULL && cJSON_AddItemToArray(invite, user)) {
        user = NULL;
        if (cJSON_AddTrueToObject(body, "is_direct") &&
            cJSON_AddStringToObject(body, "preset", "trusted_private_chat"))
            text = cJSON_PrintUnformatted(body);
    }
    cJSON_Delete(user);
    cJSON_Delete(body);
    struct mx_request req = {
        .method = "POST", .path = MX_CLIENT "/createRoom", .body = text, .attempts = 3};
    kith_err err = text ? mx_call_start(a->mx, &req, on_dm_room, a, NULL) : KITH_ERR_NOMEM;
    free(text);
    return err;
}

kith_err mx_op_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                       kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    if (user_id == NULL || msg == NULL)
        return KITH_ERR_INVALID;
    if (!usable(mx))
        return KITH_ERR_BUSY;
    const char *user = kith_id_local(user_id);
    char *room = NULL;
    kith_err err = kith_db_state_get(mx->core->store, DM_SCOPE, user, &room);
    if (err != KITH_OK && err != KITH_ERR_NOT_FOUND)
        return err;
    struct action *a = action_new(mx, room, msg, fn, ud);
    free(room);
    if (a == NULL)
        return KITH_ERR_NOMEM;
    if (a->room != NULL)
        return launch(a);
    if ((a->dm_user = strdup(user)) == NULL || (a->txn = mx_txn_new(mx, NULL)) == NULL) {
        action_free(a);
        return KITH_ERR_NOMEM;
    }
    err = create_dm_room(a);
    if (err != KITH_OK) {
        action_free(a);
        return err;
    }
    mx->actions_pending++;
    return KITH_OK;
}
